package main

import (
	"strings"
	"testing"
)

// The seed's debugging story, walked like a person in the demo: an image
// delete that hangs. From the images pane (the stuck image is first and
// selected) to the Ceph cause in at most six keys: l (the image's logs:
// glance-api on one controller, the DELETE and its request ID), r (that
// request across every service: the wait on rbd, slow ops on osd.3 and
// osd.10), 4 (the Ceph pane: HEALTH_WARN SLOW_OPS on the same OSDs).
func TestE2EImageDeleteStoryToCeph(t *testing.T) {
	tm := startTmux(t, 200, 40, e2eEnv(t), "--demo", "--demo-fail-after=-1s")
	tm.waitFor("stackpit", "Instances")
	tm.keys(":")
	tm.literal("img")
	tm.keys("Enter")
	s := tm.waitFor("1 STUCK (ubuntu-22.04-old pending_delete", "win2019-golden")
	if !strings.Contains(s, "ubuntu-22.04-old: pending_delete for") {
		t.Fatalf("the stuck image is not the selected row:\n%s", s)
	}
	keys := 0
	press := func(k string) { keys++; tm.keys(k) }

	press("l")
	s = tm.waitFor("control02 glance_api", "rbd: waiting on pool images: 14 slow ops on osd.3, osd.10")
	if strings.Contains(s, "control01 glance_api") || strings.Contains(s, "control03 glance_api") {
		t.Errorf("the image's lines are not only control02's:\n%s", s)
	}
	press("r")
	s = tm.waitFor("req:req-", `|= "req-`, "slow ops on osd.3, osd.10")
	press("4")
	s = tm.waitFor("SLOW_OPS", "osd.3,osd.10")
	if !strings.Contains(s, "HEALTH_WARN") {
		t.Errorf("no HEALTH_WARN on the Ceph pane:\n%s", s)
	}
	t.Logf("images pane to the Ceph cause in %d keys (l r 4)", keys)
	if keys > 6 {
		t.Errorf("%d keys, want at most 6", keys)
	}
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
