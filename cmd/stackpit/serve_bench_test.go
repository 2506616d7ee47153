package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/serve"
)

// BenchmarkServeSessions: 1, 5 and 20 `stackpit serve` sessions (real
// programs, headless) on one demo cloud; requests per minute each backend
// receives once they are steady. Goal (issue 20): 20 sessions within 1.1x
// of one. STACKPIT_BENCH_SERVE_INSTANCES sets the cloud's size (default
// 1000). The whole-program figures (real SSH clients against the real
// binary, with RSS and key to screen) come from testenv/bench_serve.sh.
func BenchmarkServeSessions(b *testing.B) {
	n := 1000
	if v := envInt("STACKPIT_BENCH_SERVE_INSTANCES"); v > 0 {
		n = v
	}
	for _, sessions := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				perMin := measureServe(b, n, sessions, 30*time.Second)
				for _, k := range []string{"nova", "prometheus", "placement", "alertmanager"} {
					b.ReportMetric(perMin[k], k+"-req/min")
				}
			}
		})
	}
}

func measureServe(b *testing.B, instances, sessions int, window time.Duration) map[string]float64 {
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: instances, FailAfter: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer dc.Close()
	b.Setenv("XDG_STATE_HOME", b.TempDir())
	file := &config.File{Clouds: map[string]*config.Cloud{}}
	share := newServerShare(shareEvery(file))
	f := &flags{demo: true}
	user := &serve.User{Name: "bench", Role: serve.RoleAuditor}
	var progs []*tea.Program
	for i := 0; i < sessions; i++ {
		s, err := newServedSession(f, file, dc, share, filepath.Join(b.TempDir(), "ops"), serve.Session{User: user})
		if err != nil {
			b.Fatal(err)
		}
		p := tea.NewProgram(s.model, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(160, 50), tea.WithoutSignalHandler())
		s.model.SetSend(p.Send)
		progs = append(progs, p)
		go func() { _, _ = p.Run() }()
	}
	defer func() {
		for _, p := range progs {
			p.Kill()
		}
	}()
	time.Sleep(15 * time.Second) // first loads
	count := func() map[string]int {
		out := map[string]int{}
		for _, r := range dc.Requests() {
			out[r.Service]++
		}
		return out
	}
	before := count()
	time.Sleep(window)
	after := count()
	per := map[string]float64{}
	for k, v := range after {
		per[k] = float64(v-before[k]) * float64(time.Minute) / float64(window)
	}
	return per
}

func envInt(name string) int {
	var v int
	_, _ = fmt.Sscan(os.Getenv(name), &v)
	return v
}
