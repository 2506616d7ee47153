package ui

// Running operations and the shell: q while one runs asks what to do
// (wait for it, stop after the steps in flight, or quit now and resume
// later); :ops lists the journaled operations, and the start lists the
// interrupted ones, to resume one through the pane that runs it.

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// forceQuit ends a quit that waits too long for interrupted actions to
// return (their journals are flushed by the program's caller anyway).
type forceQuit struct{}

// quitGrace is how long "resume later" waits for running actions to
// record their interruption before quitting regardless.
var quitGrace = 10 * time.Second

func (m *Model) quitKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch s := k.String(); {
	case !m.longRunning() && (s == "w" || s == "s" || s == "r"):
		return m.quitNow() // it finished while the question was open
	}
	switch k.String() {
	case "w":
		m.mode, m.quitWhenIdle = modeNormal, "waiting for the running operation to finish, then quitting"
		m.showToast(themes.Info, m.quitWhenIdle)
	case "s":
		m.mode, m.quitWhenIdle = modeNormal, "stopping after the steps in flight, then quitting"
		for _, r := range m.runs {
			r.stop()
		}
		m.showToast(themes.Warn, m.quitWhenIdle)
	case "r":
		m.mode, m.quitWhenIdle = modeNormal, "interrupting: the journal keeps it for :ops to resume"
		for _, r := range m.runs {
			r.cancel(ops.ErrInterrupted)
		}
		m.showToast(themes.Warn, m.quitWhenIdle)
		return m, tea.Tick(quitGrace, func(time.Time) tea.Msg { return forceQuit{} })
	case "ctrl+c":
		return m.quitNow()
	case "esc", "n":
		m.mode = modeNormal
	}
	return m, nil
}

func (m *Model) quitView(w, h int) []string {
	inner := max(min(w-4, 90), 10)
	head := "Quit? An operation is running:"
	if !m.longRunning() {
		head = "Quit? The operation has finished: any of w, s, r quits."
	}
	lines := []string{m.th.Render(themes.Title, safe.Fit(head, inner)), ""}
	ids := make([]int, 0, len(m.runs))
	for id := range m.runs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		r := m.runs[id]
		l := "  " + r.name + " " + r.target
		if r.progress.Total > 0 {
			l += fmt.Sprintf(" (%d/%d done)", r.progress.Done, r.progress.Total)
		}
		lines = append(lines, safe.Fit(l, inner))
	}
	lines = append(lines, "",
		safe.Fit("w  wait until it has finished, then quit", inner),
		safe.Fit("s  stop after the steps in flight, then quit", inner),
		safe.Fit("r  quit now and resume later (:ops lists it)", inner),
		safe.Fit("esc  keep working", inner))
	return box(lines, inner, m.th)
}

type opsLoaded struct {
	entries []ops.Entry
	err     error
	atStart bool
}

// loadOps lists the journals in a Cmd (file I/O stays out of Update).
func (m *Model) loadOps(atStart bool) tea.Cmd {
	store := m.o.Ops
	if store == nil {
		if atStart {
			return nil
		}
		return func() tea.Msg { return opsLoaded{} }
	}
	return func() tea.Msg {
		if atStart {
			// Finished operations' journals are kept a month, the
			// interrupted ones until resumed.
			_, _ = store.Prune(ops.KeepFinished)
		}
		es, err := store.List()
		return opsLoaded{entries: es, err: err, atStart: atStart}
	}
}

func (m *Model) onOps(msg opsLoaded) tea.Cmd {
	if msg.atStart {
		// At start only the interrupted ones, and only over a quiet screen.
		var res []ops.Entry
		for _, e := range msg.entries {
			if e.Resumable() {
				res = append(res, e)
			}
		}
		if len(res) == 0 || m.mode != modeNormal {
			return nil
		}
		m.mode, m.opsStart, m.opsList, m.opsTop = modeOps, true, res, 0
		return nil
	}
	if m.mode != modeOps {
		return nil
	}
	m.opsList, m.opsTop = msg.entries, 0
	if msg.err != nil {
		m.showToast(themes.Crit, "operations journal: "+msg.err.Error())
	}
	return nil
}

func (m *Model) opsKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := k.String()
	km := m.o.Ctx.Keys
	switch {
	case km.Is(s, "table.down"):
		m.opsTop = min(m.opsTop+1, max(len(m.opsList)-1, 0))
	case km.Is(s, "table.up"):
		m.opsTop = max(m.opsTop-1, 0)
	case s == "enter" || s == "r":
		if m.opsTop >= len(m.opsList) {
			return m, nil
		}
		e := m.opsList[m.opsTop]
		if !e.Resumable() {
			m.showToast(themes.Warn, fmt.Sprintf("%s %s is %s: nothing to resume", e.Op, e.Target, e.Status))
			return m, nil
		}
		m.mode = modeNormal
		return m, m.resume(e)
	case s == "ctrl+c":
		return m.quit()
	case km.Is(s, "global.back") || km.Is(s, "global.quit") || s == "esc":
		m.mode = modeNormal
	}
	return m, nil
}

// resume hands an interrupted operation to the pane that runs it, which
// re-plans it from the cloud's current state and asks for confirmation.
func (m *Model) resume(e ops.Entry) tea.Cmd {
	if m.o.Ctx.ReadOnly {
		m.showToast(themes.Warn, "read-only session: "+e.Op+" "+e.Target+" cannot be resumed")
		return nil
	}
	if e.Cloud != "" && e.Cloud != m.o.Header.Cloud {
		// Its target is in another cloud: resuming here would act on the
		// wrong one.
		m.showToast(themes.Warn, fmt.Sprintf("%s %s ran on cloud %s: :cloud %s first", e.Op, e.Target, e.Cloud, e.Cloud))
		return nil
	}
	i := m.paneIndex(e.Pane)
	if i < 0 {
		m.showToast(themes.Warn, fmt.Sprintf("no %s pane in this session to resume %s", e.Pane, e.Op))
		return nil
	}
	cmd := m.switchTo(i)
	p, c := m.o.Panes[i].Pane.Update(pane.ResumeMsg{Pane: e.Pane, Entry: e})
	m.o.Panes[i].Pane = p
	return tea.Batch(cmd, c)
}

func (m *Model) opsView(w, h int) string {
	title := "Operations"
	if m.opsStart {
		title = "Interrupted operations"
	}
	dir := "(no journal)"
	if m.o.Ops != nil {
		dir = m.o.Ops.Dir()
	}
	lines := []string{m.th.Render(themes.Title, title) + m.th.Render(themes.Muted,
		"  enter resumes (re-planned from the cloud now) · esc closes · "+safe.Text(dir))}
	if len(m.opsList) == 0 {
		lines = append(lines, m.th.Render(themes.Muted, "no operations journaled"))
	}
	start := max(0, min(m.opsTop-(h-2), len(m.opsList)-1))
	for i := start; i < len(m.opsList) && len(lines) < h; i++ {
		e := m.opsList[i]
		ok, failed, other := e.Counts()
		role := themes.Normal
		switch e.Status {
		case ops.StatusInterrupted, ops.StatusStopped:
			role = themes.Warn
		case ops.StatusFailed:
			role = themes.Crit
		case ops.StatusOK:
			role = themes.OK
		}
		who := fmt.Sprintf("%s pid %d", e.User, e.PID)
		if e.Status == ops.StatusRunning {
			who = "run by " + e.Holder.String()
		}
		target := e.Target
		if e.Cloud != "" && e.Cloud != m.o.Header.Cloud {
			target = e.Cloud + ":" + target
		}
		line := fmt.Sprintf("%s %s %-12s %-13s %-10s %d/%d verified · %d failed · %d left · %s",
			map[bool]string{true: "▶", false: " "}[i == m.opsTop], e.Started.Local().Format("01-02 15:04"),
			strings.ToUpper(e.Status), e.Op, target, ok, len(e.Instances), failed, other, who)
		lines = append(lines, m.th.Render(role, safe.Fit(line, w)))
	}
	return strings.Join(lines, "\n")
}
