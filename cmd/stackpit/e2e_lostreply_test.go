package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/demo"
)

// The real binary in tmux: the demo's Nova reboots the server and drops the
// connection before answering. The cockpit says the reply was lost but the
// reboot was done, and :audit shows "unknown" then "reconciled: done".
func TestE2ELostReplyIsUnknownThenReconciled(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, -1)
	dc.DropReplies(func(r demo.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.Path, "/action") && strings.Contains(r.Path, "/servers/")
	})
	tm := startTmux(t, 140, 40, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "30/30 servers")
	tm.keys("B")
	tm.waitFor("Confirm: reboot")
	tm.keys("y")
	tm.waitLong(30*time.Second, "reply lost, but it was done")
	tm.keys(":")
	tm.literal("audit")
	tm.keys("Enter")
	s := tm.waitFor("Audit log", "reconciled: done", "Nova recorded reboot req-")
	if !strings.Contains(s, "unknown") || !strings.Contains(s, "as admin@admin") {
		t.Fatalf("audit view:\n%s", s)
	}
	tm.keys("Escape")
	tm.waitGone("Audit log") // (an ESC glued to the next key would read as alt+key)
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
