package main

import (
	"strings"
	"testing"
	"time"
)

// The demo's Galera beat as a person sees it in tmux: 30s after compute04
// fails, control03's Galera node turns Donor/Desynced (a backup desynced
// it); the control-plane pane's Galera section lists it first, CRIT, with
// the backup's statement, and the status line of the section says so.
func TestE2EGaleraDonorBeat(t *testing.T) {
	tm := startTmux(t, 130, 32, e2eEnv(t), "--demo", "--demo-fail-after=1s")
	tm.waitFor("Compute")
	tm.keys(":")
	tm.literal("cp")
	tm.keys("Enter")
	tm.waitFor("HAProxy:", "Galera:")
	for i := 0; !strings.Contains(tm.screen(), "[Galera]"); i++ {
		if i > 20 {
			t.Fatalf("] never reached the Galera section:\n%s", tm.screen())
		}
		tm.keys("]")
		time.Sleep(200 * time.Millisecond)
	}
	tm.waitFor("[Galera]", "NODE", "control01", "cluster openstack  3 of 3 nodes answer")
	deadline := time.Now().Add(90 * time.Second) // the beat starts 31s in; generous for a loaded machine
	var s string
	for time.Now().Before(deadline) {
		if s = tm.screen(); strings.Contains(s, "✗ Donor/Desynced") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, want := range []string{"✗ Galera: 2/3 nodes Synced: control03 Donor/Desynced", "longest on control03:", "mariabackup Query BACKUP STAGE"} {
		if !strings.Contains(s, want) {
			t.Fatalf("missing %q:\n%s", want, s)
		}
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "NODE") && (i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "control03")) {
			t.Fatalf("donor not the first row:\n%s", s)
		}
	}
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
