package main

// The real binary in tmux on the demo with no incident: once the story is
// quiet, every pane writes nothing to the terminal (tmux pipe-pane counts
// the bytes the program writes to its pty).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
)

// idleWindow is how long each pane is watched; STACKPIT_IDLE_WINDOW (a Go
// duration) lengthens it, e.g. to a full minute for the benchmark report.
func idleWindow(t *testing.T) time.Duration {
	if s := os.Getenv("STACKPIT_IDLE_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return 7 * time.Second
}

func (tm *tmux) pipeTo(path string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-S", tm.sock, "pipe-pane", "-t", tm.session, "cat >> "+path).CombinedOutput(); err != nil {
		tm.t.Fatalf("pipe-pane: %v %s", err, out)
	}
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func TestE2EIdleWritesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("watches every pane for a while")
	}
	// A quiet demo in this process: no incident, no new log lines, flat
	// metrics; heartbeats go on as in a live cloud.
	d, err := demo.Start(demo.StartOptions{Story: demo.Options{FailAfter: -1, Quiet: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	b, _ := yaml.Marshal(config.File{Clouds: map[string]*config.Cloud{"demo": d.Config()}})
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startTmux(t, 140, 40, e2eEnv(t), "--config", cfgPath, "--cloud", "demo")
	tm.waitFor("300/300 servers")
	out := filepath.Join(t.TempDir(), "pty.out")
	tm.pipeTo(out)
	window := idleWindow(t)
	panes := []string{"Instances", "Compute", "Agents", "Ceph", "Panels", "Logs", "Alerts", "Silences", "Containers"}
	var report []string
	for i, name := range panes {
		tm.keys(strconv.Itoa(i + 1))
		time.Sleep(4 * time.Second) // the pane's first load lands and the story is quiet
		// The header clock shows minutes: a window that crosses a minute
		// boundary would count that one change.
		// (The clock ticks once a second, so allow it two.)
		if now := time.Now(); now.Add(window+2*time.Second).Minute() != now.Minute() {
			time.Sleep(time.Until(now.Truncate(time.Minute).Add(time.Minute + 2*time.Second)))
		}
		before := fileSize(out)
		screen := tm.screen()
		time.Sleep(window)
		n := fileSize(out) - before
		report = append(report, name+"="+strconv.FormatInt(n, 10))
		if n != 0 {
			t.Errorf("%s pane wrote %d bytes in %s idle; lines that changed:\n%s", name, n, window, changedLines(screen, tm.screen()))
		}
	}
	t.Logf("bytes written per pane in %s idle: %s", window, strings.Join(report, " "))
	tm.keys("q")
}

// changedLines lists the lines that differ between two screens.
func changedLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}
