package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/prompt"
	"github.com/stackpit/stackpit/views/pane"
)

// dialog is an action waiting for confirmation.
type dialog struct {
	action pane.Action
	input  prompt.Line
	err    string
	copy   string // a multi-line copy waiting for y (no action then)
}

type actionFinished struct {
	id                   int
	name, target, result string
	err                  error
	unaudited            bool // the "started" record failed: not run
}

// startAction is where every action enters: read-only refusal, then
// confirmation, then run.
func (m *Model) startAction(a pane.Action) tea.Cmd {
	if a.Mutates && m.o.Ctx.ReadOnly {
		m.showToast(themes.Warn, fmt.Sprintf("read-only session: %s %s refused", a.Name, a.Target))
		return tea.Batch(
			m.record(audit.Entry{Action: a.Name, Target: a.Target, Outcome: "refused", Error: "read-only session", Details: a.Details}),
			m.broadcast(pane.ActionDoneMsg{Name: a.Name, Target: a.Target, Refused: true, Err: httpclient.ErrReadOnly}))
	}
	if a.Confirm != "" || a.ConfirmYes {
		m.dialog = &dialog{action: a}
		m.mode = modeDialog
		return nil
	}
	return m.runAction(a)
}

func (m *Model) dialogKey(k tea.KeyPressMsg) tea.Cmd {
	d := m.dialog
	if d.copy != "" {
		return m.copyKey(k)
	}
	s := k.String()
	switch {
	case s == "ctrl+c":
		_, cmd := m.quit()
		return cmd
	case s == "esc" || (d.action.Confirm == "" && (s == "n" || s == "N" || s == "enter")):
		// [y/N]: enter takes the default, which is no.
		m.dialog, m.mode = nil, modeNormal
		m.showToast(themes.Info, d.action.Name+" cancelled")
		return m.record(audit.Entry{Action: d.action.Name, Target: d.action.Target, Outcome: "cancelled", Details: d.action.Details})
	case (d.action.Confirm != "" && s == "enter") || (d.action.Confirm == "" && (s == "y" || s == "Y")):
		if d.action.Confirm != "" && d.input.Text != d.action.Confirm {
			d.err = fmt.Sprintf("type %q exactly to confirm", d.action.Confirm)
			return nil
		}
		m.dialog, m.mode = nil, modeNormal
		return m.runAction(d.action)
	}
	if d.action.Confirm != "" {
		d.input.Key(k)
		d.err = ""
	}
	return nil
}

// runAction audits and runs a confirmed action in a Cmd. The "started"
// record is written first, in that Cmd; an action whose record cannot be
// written does not run.
func (m *Model) runAction(a pane.Action) tea.Cmd {
	m.runSeq++
	id := m.runSeq
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	m.runs[id] = &running{name: a.Name, target: a.Target, cancel: cancel}
	send := m.send
	report := func(p pane.Progress) {
		if send != nil {
			send(pane.ActionProgressMsg{Name: a.Name, Target: a.Target, Progress: p})
		}
	}
	log, ro, run := m.o.Audit, m.o.Ctx.ReadOnly, a.Run
	started := audit.Entry{Action: a.Name, Target: a.Target, Outcome: "started", Details: a.Details, ReadOnly: ro}
	return func() tea.Msg {
		defer cancel()
		if log != nil {
			if err := log.Record(started); err != nil {
				return actionFinished{id: id, name: a.Name, target: a.Target, err: fmt.Errorf("not run: %w", err), unaudited: true}
			}
		}
		if run == nil {
			return actionFinished{id: id, name: a.Name, target: a.Target}
		}
		res, err := run(ctx, report)
		return actionFinished{id: id, name: a.Name, target: a.Target, result: res, err: err}
	}
}

func (m *Model) finishAction(f actionFinished) tea.Cmd {
	delete(m.runs, f.id)
	e := audit.Entry{Action: f.name, Target: f.target, Outcome: "ok", Result: f.result}
	if f.err != nil {
		e.Outcome, e.Error = "failed", f.err.Error()
		if errors.Is(f.err, httpclient.ErrReadOnly) {
			e.Outcome = "refused"
		}
		m.showToast(themes.Crit, fmt.Sprintf("%s %s failed: %v", f.name, f.target, f.err))
	} else {
		msg := fmt.Sprintf("%s %s: done", f.name, f.target)
		if f.result != "" {
			msg = fmt.Sprintf("%s %s: %s", f.name, f.target, f.result)
		}
		m.showToast(themes.OK, msg)
	}
	done := m.broadcast(pane.ActionDoneMsg{Name: f.name, Target: f.target, Result: f.result, Err: f.err})
	if f.unaudited { // nothing ran; the log could not take a record anyway
		return done
	}
	return tea.Batch(m.record(e), done)
}
