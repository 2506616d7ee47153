package main

// compute04's story on the demo, walked as an operator would without the
// guided recovery (issue 19): its power is lost; the POWER column reads it
// off; O fences it (the BMC confirms off: the read-back is what counts);
// the evacuate dialog then sees it fenced and asks only for the host name
// (no override); the evacuation runs and verifies every instance; :audit
// has both.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestE2EFenceThenEvacuateCompute04(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, time.Second)
	tm := startTmux(t, 140, 45, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "30/30 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	// Power lost: Nova calls it down (first row), its BMC reads it off.
	s := tm.waitLong(60*time.Second, "1 DOWN", "POWER")
	s = tm.waitLong(30*time.Second, "off <")
	row := screenRow(s, "compute04 ")
	if !strings.Contains(row, "DOWN") || !strings.Contains(row, " off ") {
		t.Fatalf("compute04 row: %q\n%s", row, s)
	}
	var victims int
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				victims++
			}
		}
	})
	if victims == 0 {
		t.Fatal("no instances on compute04: the walk proves nothing")
	}

	// Fence: typed host name, power off, read back.
	tm.keys("g", "O")
	s = tm.waitFor("Confirm: fence-host compute04", "power off", "Type \"compute04\"")
	if !strings.Contains(s, "BMC redfish http://127.0.0.1:") {
		t.Fatalf("fence dialog without the BMC:\n%s", s)
	}
	tm.literal("compute04")
	tm.keys("Enter")
	s = tm.waitLong(60*time.Second, "fence-host compute04: fence compute04: verified off")
	if row := screenRow(s, "compute04 "); !strings.Contains(row, " off ") {
		t.Fatalf("after the fence compute04 does not read off: %q", row)
	}

	// Evacuate: the pre-check reads the power: fenced, no override asked.
	tm.keys("g", "E")
	s = tm.waitLong(60*time.Second, "Confirm: evacuate-host compute04", "✓ fenced: the BMC reads compute04 power off", "Type \"compute04\"")
	if strings.Contains(s, "NOT FENCED") || strings.Contains(s, "evacuate anyway") {
		t.Fatalf("a fenced host asks for the override:\n%s", s)
	}
	tm.literal("compute04")
	tm.keys("Enter")
	s = tm.waitLong(240*time.Second, "EVACUATE compute04", "finished")
	if !strings.Contains(s, " 0 failed") {
		t.Fatalf("evacuation had failures:\n%s", s)
	}
	tm.waitLong(30*time.Second, fmt.Sprintf("evacuate-host compute04: evacuated %d/%d from compute04", victims, victims))
	var left []string
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				left = append(left, in.Name)
			}
		}
		if h := dc.Story.Host("compute04"); h == nil || h.Powered || !h.ForcedDown {
			t.Errorf("compute04 not fenced and forced down: %+v", h)
		}
	})
	if len(left) > 0 {
		t.Fatalf("still on compute04: %v", left)
	}
	tm.keys("Escape")
	tm.waitGone("EVACUATE compute04")
	tm.keys(":")
	tm.literal("audit")
	tm.keys("Enter")
	// The audit has the verified fence before the evacuation started.
	s = tm.waitFor("Audit log", "ok        evacuate-host compute04")
	fenced := strings.Index(s, "ok        fence-host compute04")
	started := strings.Index(s, "started   evacuate-host compute04")
	if fenced < 0 || started < fenced || !strings.Contains(s, "fence compute04: verified off") {
		t.Fatalf("audit: want the verified fence before the evacuation:\n%s", s)
	}
	tm.keys("Escape")
	tm.waitGone("fence-host")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

// screenRow is the screen line starting with prefix ("" when none).
func screenRow(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
