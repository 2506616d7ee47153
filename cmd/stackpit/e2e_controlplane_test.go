package main

import (
	"strings"
	"testing"
	"time"
)

// The demo's control-plane story in the real binary: after compute04
// dies its compute.compute04 queue fills with no consumer and its
// nova-compute connection is gone (Nova says it is down too); 60 s into
// the story keystone_internal/control02 goes DOWN for 20 s (the flap),
// in the HAProxy section and on control02's controller row. The VIPs sit
// on control01.
func TestE2EDemoControlPlaneStory(t *testing.T) {
	tm := startTmux(t, 160, 40, e2eEnv(t), "--demo", "--demo-fail-after=3s", "--demo-scale", "60")
	start := time.Now()
	tm.waitFor("Compute", "1 host DOWN (compute04)")
	tm.keys(":")
	tm.literal("cp")
	tm.keys("Enter")
	tm.waitFor("[HAProxy]", "VIP 10.0.0.250: control01 (backup: control02 control03)")
	tm.keys("]", "]") // Queues
	s := tm.waitFor("[Queues]", "compute.compute04", "✗ nova-compute on compute04:", "ready, 0 consumers")
	if strings.Contains(s, "compute.compute01 ") && strings.Contains(s, "✗ nova-compute on compute01") {
		t.Fatalf("a live host's queue flagged:\n%s", s)
	}
	tm.keys("]", "]") // Connections
	s = tm.waitFor("[Connections]", "no connection (nova: down)", "nova-compute: 5 of 6 Nova knows connected")
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "no connection") && !strings.Contains(l, "compute04") {
			t.Fatalf("a live host without a connection:\n%s", s)
		}
	}
	tm.keys("]") // Controllers
	tm.waitFor("[Controllers]", "control01", "10.0.0.250 192.0.2.250")
	// The flap: DOWN from 60 s to 80 s of the story.
	if d := 62*time.Second - time.Since(start); d > 0 {
		time.Sleep(d)
	}
	s = waitLong(t, tm, 25*time.Second, "5 UP · ✗ DOWN keystone_internal")
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "✗ DOWN") && !strings.HasPrefix(l, "control02 ") {
			t.Fatalf("the flap is control02's:\n%s", s)
		}
	}
	tm.keys("]", "]") // Galera, then round to HAProxy
	tm.waitFor("[HAProxy]", "keystone 2/3 control01 control03", "✗ DOWN")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

// waitLong is waitFor with its own deadline (the flap comes once a
// 90-second cycle).
func waitLong(t *testing.T, tm *tmux, d time.Duration, wants ...string) string {
	t.Helper()
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
	t.Fatalf("screen never showed %q:\n%s", wants, s)
	return s
}
