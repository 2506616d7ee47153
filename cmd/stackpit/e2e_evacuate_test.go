package main

// End-to-end host evacuation (issue 4): the real binary in tmux against a
// demo cloud served from this test process, driven by keys through the
// compute pane's pre-check dialog and typed confirmation; afterwards the
// demo's own state must show every instance moved off the failed host. The
// same keys in a read-only session must change nothing on the server.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
)

func startDemoConfig(t *testing.T, instances int, failAfter time.Duration) (*demo.Cloud, string) {
	t.Helper()
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: instances, FailAfter: failAfter}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	b, err := yaml.Marshal(config.File{Clouds: map[string]*config.Cloud{"demo": dc.Config()}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dc, path
}

// waitLong is waitFor with a longer bound, for a whole evacuation.
func (tm *tmux) waitLong(d time.Duration, wants ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	var s string
	for time.Now().Before(deadline) {
		s = tm.screen()
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		time.Sleep(200 * time.Millisecond)
	}
	tm.t.Fatalf("screen never showed %q:\n%s", wants, s)
	return s
}

func TestE2EEvacuateHostDialog(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, time.Second)
	tm := startTmux(t, 120, 45, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "30/30 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	// compute04 lost power: once Nova calls it down it sorts first.
	tm.waitLong(60*time.Second, "1 DOWN")
	tm.keys("g", "E")
	s := tm.waitFor("Confirm: evacuate-host compute04", "FENCE compute04", "Type \"compute04\"")
	if !strings.Contains(s, "service is down: this run forces it down first") {
		t.Fatalf("pre-checks:\n%s", s)
	}
	// A wrong confirmation does not run it.
	tm.literal("compute4")
	tm.keys("Enter")
	tm.waitFor("exactly to confirm")
	for range "compute4" {
		tm.keys("BSpace")
	}
	tm.literal("compute04")
	tm.keys("Enter")
	s = tm.waitLong(150*time.Second, "EVACUATE compute04", "finished")
	if !strings.Contains(s, " 0 failed") {
		t.Fatalf("evacuation had failures:\n%s", s)
	}
	var left []string
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				left = append(left, in.Name)
			}
		}
		if h := dc.Story.Host("compute04"); h == nil || !h.ForcedDown || !h.ServiceDisabled {
			t.Errorf("compute04 not disabled + forced down: %+v", h)
		}
	})
	if len(left) > 0 {
		t.Fatalf("still on compute04: %v", left)
	}
	tm.keys("Escape")
	tm.waitGone("EVACUATE compute04")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

func TestE2EEvacuateReadOnlyChangesNothing(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, time.Second)
	tm := startTmux(t, 120, 45, e2eEnv(t), "--config", cfg, "--cloud", "demo", "--readonly")
	tm.waitFor("READ-ONLY", "30/30 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitLong(60*time.Second, "1 DOWN")
	for _, k := range []string{"E", "M", "D", "F", "U", "A"} {
		tm.keys("g", k)
		tm.waitFor("read-only")
		if strings.Contains(tm.screen(), "Confirm:") {
			t.Fatalf("%s: confirmation offered in a read-only session", k)
		}
		tm.keys("Escape")
	}
	time.Sleep(time.Second)
	if m := dc.Mutations(); len(m) > 0 {
		t.Fatalf("read-only session sent mutations: %+v", m)
	}
	dc.Story.Lock(func() {
		if h := dc.Story.Host("compute04"); h.ForcedDown || h.ServiceDisabled {
			t.Errorf("compute04 changed: %+v", h)
		}
	})
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
