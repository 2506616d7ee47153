//go:build integration

package main

// The instances, compute and agents panes, wired exactly as the cockpit
// wires them, against the real loopback control plane of
// testenv/openstack.sh, compared with `openstack ... -f json`:
//
//	testenv/openstack.sh install && testenv/openstack.sh start
//	. testenv/run/openstack.env
//	go test -tags integration -run IntegrationPanes -v ./cmd/stackpit/
//
// Other integration tests change the same cloud (evacuate, drain), so each
// comparison retries until the CLI gives the same answer before and after
// the pane loaded.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

func itRequireCloud(t *testing.T) string {
	t.Helper()
	if os.Getenv("STACKPIT_TEST_OPENSTACK") == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_OPENSTACK is not set: run testenv/openstack.sh start and source testenv/run/openstack.env")
		}
		t.Skip("STACKPIT_TEST_OPENSTACK not set (testenv/openstack.sh start; . testenv/run/openstack.env)")
	}
	if c := os.Getenv("STACKPIT_TEST_OPENSTACK_CLOUD"); c != "" {
		return c
	}
	return "stackpit-testenv"
}

func itCLI(t *testing.T, args ...string) ([]map[string]any, time.Duration) {
	t.Helper()
	bin, err := exec.LookPath("openstack")
	if err != nil {
		t.Fatalf("python3-openstackclient not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "-f", "json")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("openstack %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("openstack %s: %v", strings.Join(args, " "), err)
	}
	return rows, took
}

func itStr(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func itEnv(t *testing.T, cloud string) *Env {
	t.Helper()
	auth, err := config.ResolveAuth(cloud, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{CloudName: cloud, Cloud: &config.Cloud{Name: cloud}, Auth: auth,
		Ctx: pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: time.Now, Refresh: 10 * time.Second}}
}

// itStable retries f (which compares CLI output before and after loading
// the pane) until the cloud did not change in between.
func itStable(t *testing.T, what string, f func() (before, after any, check func())) {
	t.Helper()
	for i := 0; i < 4; i++ {
		before, after, check := f()
		if reflect.DeepEqual(before, after) {
			check()
			return
		}
		t.Logf("%s: cloud changed while comparing, retrying", what)
		time.Sleep(3 * time.Second)
	}
	t.Fatalf("%s: cloud kept changing", what)
}

func TestIntegrationPanesInstances(t *testing.T) {
	cloud := itRequireCloud(t)
	itStable(t, "instances", func() (any, any, func()) {
		rows, cliTook := itCLI(t, "server", "list", "--all-projects", "--long")
		env := itEnv(t, cloud)
		p := icaBuild(t, env, "instances")
		start := time.Now()
		settle(p, p.Init())
		paneTook := time.Since(start)
		rows2, _ := itCLI(t, "server", "list", "--all-projects", "--long")
		key := func(rs []map[string]any) []string {
			var out []string
			for _, r := range rs {
				out = append(out, itStr(r["ID"])+" "+itStr(r["Status"])+" "+itStr(r["Host"]))
			}
			sort.Strings(out)
			return out
		}
		return key(rows), key(rows2), func() {
			if st := p.Status(); st.Err != nil {
				t.Fatalf("instances pane: %v", st.Err)
			}
			head := ansi.Strip(p.View(200, 2))
			want := fmt.Sprintf("%d/%d servers", len(rows), len(rows))
			if !strings.Contains(head, want) {
				t.Fatalf("pane header %q, CLI lists %d servers", head, len(rows))
			}
			for _, r := range rows {
				id, status, host := itStr(r["ID"]), itStr(r["Status"]), itStr(r["Host"])
				p.SetFilter("id=" + strings.ToLower(id))
				v := ansi.Strip(p.View(220, 4))
				lines := strings.Split(v, "\n")
				if len(lines) < 3 || !strings.Contains(v, "1/") {
					t.Fatalf("server %s: not exactly one row:\n%s", id, v)
				}
				if !strings.Contains(lines[2], status) || (host != "" && !strings.Contains(lines[2], host)) {
					t.Errorf("server %s: CLI says %s on %s, pane shows %q", id, status, host, lines[2])
				}
			}
			t.Logf("start to all %d servers shown: pane %v, `openstack server list --all-projects` %v (ratio %.1fx)",
				len(rows), paneTook.Round(time.Millisecond), cliTook.Round(time.Millisecond), float64(cliTook)/float64(paneTook))
		}
	})
}

func TestIntegrationPanesCompute(t *testing.T) {
	cloud := itRequireCloud(t)
	itStable(t, "compute", func() (any, any, func()) {
		rows, _ := itCLI(t, "compute", "service", "list", "--service", "nova-compute")
		env := itEnv(t, cloud)
		p := icaBuild(t, env, "compute")
		settle(p, p.Init())
		rows2, _ := itCLI(t, "compute", "service", "list", "--service", "nova-compute")
		key := func(rs []map[string]any) []string {
			var out []string
			for _, r := range rs {
				out = append(out, itStr(r["Host"])+" "+itStr(r["State"])+" "+itStr(r["Status"]))
			}
			sort.Strings(out)
			return out
		}
		return key(rows), key(rows2), func() {
			if st := p.Status(); st.Err != nil {
				t.Fatalf("compute pane: %v", st.Err)
			}
			v := ansi.Strip(p.View(200, 40))
			if !strings.Contains(v, fmt.Sprintf("%d compute hosts", len(rows))) {
				t.Fatalf("CLI lists %d nova-compute services, pane:\n%s", len(rows), v)
			}
			for _, r := range rows {
				host, state, status := itStr(r["Host"]), itStr(r["State"]), itStr(r["Status"])
				var line string
				for _, l := range strings.Split(v, "\n") {
					if strings.HasPrefix(l, host+" ") {
						line = l
					}
				}
				if line == "" {
					t.Fatalf("host %s missing:\n%s", host, v)
				}
				wantState := state
				if state == "down" {
					wantState = "DOWN"
				}
				if !strings.Contains(line, " "+wantState+" ") || !strings.Contains(line, status) {
					t.Errorf("host %s: CLI %s/%s, pane %q", host, state, status, line)
				}
			}
		}
	})
}

func TestIntegrationPanesAgents(t *testing.T) {
	cloud := itRequireCloud(t)
	itStable(t, "agents", func() (any, any, func()) {
		count := func() []int {
			n, _ := itCLI(t, "network", "agent", "list")
			c, _ := itCLI(t, "compute", "service", "list")
			v, _ := itCLI(t, "volume", "service", "list")
			return []int{len(n), len(c), len(v)}
		}
		before := count()
		env := itEnv(t, cloud)
		p := icaBuild(t, env, "agents")
		settle(p, p.Init())
		after := count()
		return before, after, func() {
			v := ansi.Strip(p.View(200, 80))
			total := before[0] + before[1] + before[2]
			if !strings.Contains(v, fmt.Sprintf("%d agents/services", total)) {
				t.Fatalf("CLI lists %v (network, compute, volume), pane:\n%s", before, v)
			}
			if st := p.Status(); st.Err != nil {
				t.Fatalf("agents pane: %v", st.Err)
			}
		}
	})
}
