package ui

import (
	"strings"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/themes"
)

// Tab marks: a symbol as well as a colour, so NO_COLOR still tells them
// apart. Unreachable is not a severity: a pane can be both.
const (
	markCrit        = "✗"
	markWarn        = "⚠"
	markUnreachable = "?"
)

// tabMark is what follows pane i's title: the worst severity of what it
// shows, and "?" when its backend could not be read. A placeholder (not
// configured) is neither: its body says why.
func (m *Model) tabMark(i int) (sev hostmodel.Severity, unreachable bool) {
	e := m.o.Panes[i]
	if _, ok := e.Pane.(*Placeholder); ok {
		return hostmodel.OK, false
	}
	sev, unreachable = m.hosts().PaneSeverity(e.ID)
	return sev, unreachable || e.Pane.Status().Err != nil
}

// markText renders a tab's marks (styled) and their width in cells.
func (m *Model) markText(sev hostmodel.Severity, unreachable bool) (string, int) {
	var b strings.Builder
	n := 0
	switch sev {
	case hostmodel.Crit:
		b.WriteString(m.th.Render(themes.Crit, markCrit))
		n++
	case hostmodel.Warn:
		b.WriteString(m.th.Render(themes.Warn, markWarn))
		n++
	}
	if unreachable {
		b.WriteString(m.th.Render(themes.Crit, markUnreachable))
		n++
	}
	return b.String(), n
}

// hiddenMarks: the worst marks of tabs scrolled out of view.
func (m *Model) hiddenMarks(from, to int) string {
	worst, unreach := hostmodel.OK, false
	for i := from; i < to; i++ {
		s, u := m.tabMark(i)
		worst, unreach = max(worst, s), unreach || u
	}
	s, _ := m.markText(worst, unreach)
	return s
}
