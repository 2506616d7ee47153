package main

import (
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/ui"
	"github.com/stackpit/stackpit/views/pane"
)

// driveShell feeds msg to the shell and runs every command it returns,
// feeding their messages back (a synchronous runtime, bounded).
func driveShell(t *testing.T, m tea.Model, msg tea.Msg) {
	t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 500 {
			t.Fatal("shell did not settle")
		}
		next := queue[0]
		queue = queue[1:]
		var cmd tea.Cmd
		m, cmd = m.Update(next)
		cmds := []tea.Cmd{cmd}
		for len(cmds) > 0 {
			c := cmds[0]
			cmds = cmds[1:]
			if c == nil {
				continue
			}
			switch out := c().(type) {
			case nil:
			case tea.BatchMsg:
				cmds = append(cmds, out...)
			default:
				queue = append(queue, out)
			}
		}
	}
}

// The demo's Nova reboots the server and the connection drops before its
// 202: the shell audits "unknown", reads Nova's instance action list back
// and audits "reconciled: done".
func TestLostRebootReplyIsUnknownThenReconciledDone(t *testing.T) {
	env, dc := icaEnv(t)
	inst := icaBuild(t, env, "instances")
	settle(inst, inst.Init())
	_, cmd := inst.Update(tea.KeyPressMsg{Code: 'B', Text: "B"})
	var ra *pane.RunActionMsg
	for _, m := range settle(inst, cmd) {
		if r, ok := m.(pane.RunActionMsg); ok {
			ra = &r
		}
	}
	if ra == nil || ra.Action.Name != "reboot" || ra.Action.Reconcile == nil {
		t.Fatalf("no reboot action with a read-back: %+v", ra)
	}
	id := ra.Action.Target
	dc.DropReplies(func(r demo.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.Path, "/servers/"+id+"/action")
	})
	log := audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	log.SetIdentity("demo", "admin", "admin")
	shell := ui.New(ui.Options{Panes: []ui.Entry{{ID: "instances", Title: "Instances", Pane: inst}}, Ctx: env.Ctx, Audit: log})
	driveShell(t, shell, tea.WindowSizeMsg{Width: 160, Height: 30})
	driveShell(t, shell, *ra)
	driveShell(t, shell, tea.KeyPressMsg{Code: 'y', Text: "y"})

	rebooted := false
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if in.ID == id {
				for _, a := range in.Actions {
					rebooted = rebooted || a.Action == "reboot"
				}
			}
		}
	})
	if !rebooted {
		t.Fatal("the demo did not reboot the server: the test proves nothing")
	}
	es, err := log.Tail(10)
	if err != nil || len(es) != 3 {
		t.Fatalf("audit %+v %v", es, err)
	}
	if es[0].Outcome != "started" || es[1].Outcome != "unknown" || !strings.Contains(es[1].Error, "reply lost") {
		t.Fatalf("lost reply not audited unknown: %+v", es[:2])
	}
	if es[2].Outcome != "reconciled: done" || !strings.Contains(es[2].Result, "Nova recorded reboot req-") {
		t.Fatalf("read-back: %+v", es[2])
	}
	for _, e := range es {
		if e.CloudUser != "admin" || e.Project != "admin" || e.OSUser == "" || e.Target != id {
			t.Fatalf("record lacks who/what: %+v", e)
		}
	}
	if out := ansi.Strip(shell.Render()); !strings.Contains(out, "reply lost, but it was done") {
		t.Fatalf("screen:\n%s", out)
	}
}
