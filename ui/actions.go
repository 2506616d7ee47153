package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/ops"
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
	id        int
	action    pane.Action
	result    string
	err       error
	unaudited bool // the "started" record failed: not run
	audited   bool // its end record is written already (interrupted)
}

// actionReconciled is what the read-back after a lost reply found.
type actionReconciled struct {
	id       int
	action   pane.Action
	lost     error // the lost-reply error
	done     bool
	evidence string
	err      error // the read-back itself failed: still unknown
}

// reconcileWithin bounds a read-back (it polls while Nova or Docker catch up).
const reconcileWithin = 3 * time.Minute

// entry is the audit record of a at outcome: who is filled in by the log;
// what, where, why come from the action.
func entry(a pane.Action, outcome string) audit.Entry {
	return audit.Entry{Action: a.Name, Target: a.Target, Outcome: outcome, Details: a.Details,
		Reason: a.Reason, Destinations: a.Destinations}
}

// startAction is where every action enters: read-only refusal, then
// confirmation, then run.
func (m *Model) startAction(a pane.Action) tea.Cmd {
	if a.Mutates && m.o.Ctx.ReadOnly {
		m.showToast(themes.Warn, fmt.Sprintf("read-only session: %s %s refused", a.Name, a.Target))
		e := entry(a, "refused")
		e.Error = "read-only session"
		return tea.Batch(
			m.record(e),
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
		return m.record(entry(d.action, "cancelled"))
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
	base, cancelCause := context.WithCancelCause(context.Background())
	ctx, cancel := context.WithTimeout(base, 30*time.Minute)
	ctx, stop := ops.WithStop(ctx)
	m.runs[id] = &running{name: a.Name, target: a.Target, long: a.Long, cancel: cancelCause, stop: stop}
	send := m.send
	report := func(p pane.Progress) {
		if send != nil {
			send(pane.ActionProgressMsg{Name: a.Name, Target: a.Target, Progress: p})
		}
	}
	log, ro, run := m.o.Audit, m.o.Ctx.ReadOnly, a.Run
	started := entry(a, "started")
	started.ReadOnly = ro
	inflight := &m.inflight
	det := m.det
	return func() tea.Msg {
		inflight.Add(1)
		defer inflight.Add(-1)
		defer cancel()
		defer cancelCause(nil)
		if log != nil {
			if err := log.Record(started); err != nil {
				return actionFinished{id: id, action: a, err: fmt.Errorf("not run: %w", err), unaudited: true}
			}
		}
		if run == nil {
			return actionFinished{id: id, action: a}
		}
		res, err := run(ctx, report)
		if err != nil && !errors.Is(err, ops.ErrInterrupted) && errors.Is(context.Cause(ctx), ops.ErrInterrupted) {
			// A short action cut off by quit: its request failed with
			// context canceled, but the why is the interruption.
			err = fmt.Errorf("%w: %w", ops.ErrInterrupted, err)
		}
		f := actionFinished{id: id, action: a, result: res, err: err}
		if errors.Is(err, ops.ErrInterrupted) && log != nil {
			// Recorded here, not from Update: on SIGHUP the program is gone
			// before this message could arrive (the process waits for us).
			e := entry(a, "interrupted")
			e.Error, e.ReadOnly = err.Error(), ro
			f.audited = log.Record(e) == nil
		}
		if det.finished(f, log, ro) {
			return nil // the session is gone: recorded here
		}
		return f
	}
}

// detached tracks actions whose session may end before they do (a
// dropped `stackpit serve` SSH link): the operation goes on in the server,
// and its final audit record must not depend on an Update that will never
// run.
type detached struct {
	mu      sync.Mutex
	on      bool
	pending map[int]actionFinished // finished, not yet seen by Update
}

// finished is called by an action's Cmd when it returns: once the session
// is detached it writes the final record itself.
func (d *detached) finished(f actionFinished, log *audit.Log, ro bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.on {
		recordFinal(f, log, ro)
		return true
	}
	if d.pending == nil {
		d.pending = map[int]actionFinished{}
	}
	d.pending[f.id] = f
	return false
}

func (d *detached) seen(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.pending, id)
}

// Detach says the program is gone (its session ended): actions still
// running finish in the background and audit their own outcome; ones that
// finished but were never seen by Update are recorded now.
func (m *Model) Detach() {
	d := m.det
	d.mu.Lock()
	defer d.mu.Unlock()
	d.on = true
	for id, f := range d.pending {
		recordFinal(f, m.o.Audit, m.o.Ctx.ReadOnly)
		delete(d.pending, id)
	}
}

// recordFinal writes an action's final record without the shell: no
// read-back runs for a lost reply (nobody would see it), so it stays
// "unknown".
func recordFinal(f actionFinished, log *audit.Log, ro bool) {
	if log == nil || f.unaudited || f.audited {
		return
	}
	e := entry(f.action, "ok")
	e.Result, e.ReadOnly = f.result, ro
	if f.err != nil {
		e.Outcome, e.Error = "failed", f.err.Error()
		switch {
		case errors.Is(f.err, httpclient.ErrReplyLost):
			e.Outcome = audit.OutcomeUnknown
		case errors.Is(f.err, httpclient.ErrReadOnly):
			e.Outcome = "refused"
		case errors.Is(f.err, ops.ErrInterrupted):
			e.Outcome = "interrupted"
		}
	}
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details["session"] = "ended before the action (finished in the background)"
	_ = log.Record(e)
}

// WaitActions waits (up to d) until every running action's command has
// returned: the process waits for interrupted actions' records on exit.
func (m *Model) WaitActions(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for m.inflight.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// outcomeUnknown handles a lost reply: the request reached the server but
// its answer did not come back, so neither "ok" nor "failed" is true. It is
// audited "unknown", then the action's Reconcile reads back what happened
// and that is audited and shown. Both records are written in the Cmd, in
// that order.
func (m *Model) outcomeUnknown(f actionFinished) tea.Cmd {
	a := f.action
	unknown := entry(a, audit.OutcomeUnknown)
	unknown.Error, unknown.ReadOnly = f.err.Error(), m.o.Ctx.ReadOnly
	log := m.o.Audit
	if a.Reconcile == nil {
		delete(m.runs, f.id)
		m.showToast(themes.Crit, fmt.Sprintf("%s %s: outcome unknown (%v): check it before retrying", a.Name, a.Target, f.err))
		return tea.Batch(m.record(unknown), m.broadcast(pane.ActionDoneMsg{Name: a.Name, Target: a.Target, Err: f.err}))
	}
	m.showToast(themes.Warn, fmt.Sprintf("%s %s: outcome unknown — checking…", a.Name, a.Target))
	ctx, cancel := context.WithTimeout(context.Background(), reconcileWithin)
	cancelCause := func(error) { cancel() }
	r := m.runs[f.id]
	if r == nil {
		r = &running{name: a.Name, target: a.Target}
		m.runs[f.id] = r
	}
	r.cancel, r.progress = cancelCause, pane.Progress{Line: "outcome unknown — checking…"}
	if r.stop == nil { // a read-back has no steps to stop after
		r.stop = cancel
	}
	return func() tea.Msg {
		defer cancel()
		if log != nil {
			if err := log.Record(unknown); err != nil {
				// Still read back: the operator needs the answer more.
				f.err = fmt.Errorf("%w (and the audit record failed: %v)", f.err, err)
			}
		}
		done, evidence, err := a.Reconcile(ctx)
		return actionReconciled{id: f.id, action: a, lost: f.err, done: done, evidence: evidence, err: err}
	}
}

// finishReconcile audits and shows what the read-back found.
func (m *Model) finishReconcile(r actionReconciled) tea.Cmd {
	delete(m.runs, r.id)
	a := r.action
	var e audit.Entry
	msg := pane.ActionDoneMsg{Name: a.Name, Target: a.Target}
	switch {
	case r.err != nil:
		e = entry(a, audit.OutcomeStillUnknown)
		e.Error = r.err.Error()
		msg.Err = r.lost
		m.showToast(themes.Crit, fmt.Sprintf("%s %s: outcome still unknown (read-back failed: %v): check it before retrying", a.Name, a.Target, r.err))
	case r.done:
		e = entry(a, audit.OutcomeReconciled)
		msg.Result = "done (reply lost; read back: " + r.evidence + ")"
		m.showToast(themes.OK, fmt.Sprintf("%s %s: reply lost, but it was done: %s", a.Name, a.Target, r.evidence))
	default:
		e = entry(a, audit.OutcomeNotDone)
		msg.Err = fmt.Errorf("not done (reply lost; read back: %s)", r.evidence)
		m.showToast(themes.Crit, fmt.Sprintf("%s %s: reply lost and it was NOT done: %s", a.Name, a.Target, r.evidence))
	}
	e.Result = r.evidence
	return tea.Batch(m.record(e), m.broadcast(msg))
}

func (m *Model) finishAction(f actionFinished) tea.Cmd {
	m.det.seen(f.id)
	a := f.action
	if f.err != nil && !f.unaudited && errors.Is(f.err, httpclient.ErrReplyLost) {
		return m.outcomeUnknown(f)
	}
	delete(m.runs, f.id)
	e := entry(a, "ok")
	e.Result = f.result
	if f.err != nil {
		e.Outcome, e.Error = "failed", f.err.Error()
		switch {
		case errors.Is(f.err, httpclient.ErrReadOnly):
			e.Outcome = "refused"
		case errors.Is(f.err, ops.ErrInterrupted):
			e.Outcome = "interrupted"
		}
		if e.Outcome == "interrupted" {
			m.showToast(themes.Warn, fmt.Sprintf("%s %s interrupted: :ops resumes it", a.Name, a.Target))
		} else {
			m.showToast(themes.Crit, fmt.Sprintf("%s %s failed: %v", a.Name, a.Target, f.err))
		}
	} else {
		msg := fmt.Sprintf("%s %s: done", a.Name, a.Target)
		if f.result != "" {
			msg = fmt.Sprintf("%s %s: %s", a.Name, a.Target, f.result)
		}
		m.showToast(themes.OK, msg)
	}
	done := m.broadcast(pane.ActionDoneMsg{Name: a.Name, Target: a.Target, Result: f.result, Err: f.err})
	if m.quitWhenIdle != "" && len(m.runs) == 0 {
		// The quit dialog's choice: the audit record is written by a Cmd,
		// so quit after it (a sequence), not with it.
		rec := m.record(e)
		if f.unaudited || f.audited {
			rec = nil
		}
		m.quitting = true
		return tea.Sequence(rec, tea.Quit)
	}
	if f.unaudited || f.audited { // nothing ran, or recorded already
		return done
	}
	return tea.Batch(m.record(e), done)
}
