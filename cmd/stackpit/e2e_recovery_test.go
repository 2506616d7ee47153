package main

// End-to-end guided recovery (issue 19): the real binary in tmux against
// the demo, where compute04's supply died (its Redfish BMC takes the
// power-on, the host stays off). R on the down host, the typed host name,
// then every step to the verified evacuation.

import (
	"strings"
	"testing"
	"time"
)

func TestE2EGuidedRecoveryOfDeadHost(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, time.Second)
	tm := startTmux(t, 140, 45, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "30/30 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitLong(60*time.Second, "1 DOWN", "POWER")
	// Its BMC reads it off (row first: down hosts sort first).
	tm.waitLong(30*time.Second, "FORCED", "off <")
	tm.keys("g", "R")
	tm.waitFor("Confirm: recover-host compute04", "2 fence (power off, read back)", "Type \"compute04\"")
	tm.literal("compute04")
	tm.keys("Enter")
	s := tm.waitLong(240*time.Second, "EVACUATE compute04", "finished")
	if !strings.Contains(s, " 0 failed") {
		t.Fatalf("recovery's evacuation had failures:\n%s", s)
	}
	var left []string
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				left = append(left, in.Name)
			}
		}
		if h := dc.Story.Host("compute04"); h == nil || h.Powered || !h.ForcedDown || !h.ServiceDisabled {
			t.Errorf("compute04 not fenced, disabled and forced down: %+v", h)
		}
	})
	if len(left) > 0 {
		t.Fatalf("still on compute04: %v", left)
	}
	// The result line has every step; the row reads fenced and forced down.
	s = tm.waitLong(30*time.Second, "recover-host compute04: evacuated")
	if !strings.Contains(s, "from compute04: disabled nova-compute on compute04; fence compute04: verified off") {
		t.Fatalf("result line: want the disable and the verified fence first:\n%s", s)
	}
	tm.keys("Escape")
	s = tm.waitGone("EVACUATE compute04")
	s = tm.waitLong(30*time.Second, "FORCED off")
	if row := screenRow(s, "compute04 "); !strings.Contains(row, "disabled") || !strings.Contains(row, "FORCED off") {
		t.Fatalf("compute04 after the recovery: %q\n%s", row, s)
	}
	tm.keys(":")
	tm.literal("audit")
	tm.keys("Enter")
	tm.waitFor("Audit log", "ok        recover-host compute04")
	tm.keys("Escape")
	tm.waitGone("Audit log")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
