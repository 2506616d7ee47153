package main

import (
	"strings"
	"testing"
)

// The drill-down path in the real binary: a pivot from Compute to Alerts
// shows `compute (compute04) › alerts (host=compute04)` under the strip;
// switching panes hides it without adding a step, coming back shows it,
// and esc goes up to Compute with its filter restored.
func TestE2EBreadcrumbAndEscUp(t *testing.T) {
	tm := startTmux(t, 120, 30, e2eEnv(t), "--demo", "--demo-fail-after=-1s")
	tm.waitFor("300/300 servers")
	tm.keys("2")
	tm.waitFor("compute04", "compute01")
	tm.keys("/")
	tm.literal("compute04")
	tm.keys("Enter")
	tm.waitFor("filter: compute04")
	tm.keys("a")
	tm.waitFor("compute (compute04) › alerts (host=compute04)", "esc goes up")
	tm.keys("Tab")
	s := tm.waitGone("esc goes up")
	// The line under the tabs (the tab bar itself may show ‹ › when it
	// scrolls: thirteen panes do not fit in 120 columns).
	crumb := false
	for i, l := range strings.Split(s, "\n") {
		crumb = crumb || (i != 1 && strings.Contains(l, " › "))
	}
	if crumb {
		t.Fatalf("breadcrumb on a pane off the path:\n%s", s)
	}
	tm.keys("7")
	tm.waitFor("compute (compute04) › alerts (host=compute04)")
	tm.keys("Escape")
	s = tm.waitFor("compute updated", "filter: compute04")
	if strings.Contains(s, "esc goes up") {
		t.Fatalf("breadcrumb still shown at the top of the path:\n%s", s)
	}
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
