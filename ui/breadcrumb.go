package ui

import (
	"strings"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// Breadcrumb: the drill-down path (`alerts › compute (compute04) ›
// instances (host:compute04)`) is shown only while the active pane is
// where it leads. From 16 lines up it has its own line under the incident
// strip; on smaller screens it shares the strip's line (path first, cut to
// half the width) so the pane keeps its rows.
const crumbOwnLineFrom = 16

// step names one step: the pane, and what it shows (its filter, or the
// pivot query a pane keeps itself).
func (m *Model) step(p int, filter, query string) string {
	s := m.o.Panes[p].ID
	if filter == "" {
		filter = query
	}
	if filter != "" {
		s += " (" + safe.Text(filter) + ")"
	}
	return s
}

// crumbs renders the path in at most w cells; when it does not fit, the
// oldest steps give way to "…".
func (m *Model) crumbs(w int) string {
	if !m.onTrail() {
		return ""
	}
	steps := make([]string, 0, len(m.history)+1)
	for _, c := range m.history {
		steps = append(steps, m.step(c.pane, c.filter, c.query))
	}
	last := m.step(m.active, m.filters[m.active], m.arrived)
	sep := " › "
	from := 0
	width := func() int {
		n := safe.Width(last)
		for _, s := range steps[from:] {
			n += safe.Width(s) + len([]rune(sep))
		}
		if from > 0 {
			n += 1 + len([]rune(sep))
		}
		return n
	}
	for from < len(steps) && width() > w {
		from++
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString(m.th.Render(themes.Muted, "…"+sep))
	}
	for _, s := range steps[from:] {
		b.WriteString(m.th.Render(themes.Muted, s) + m.th.Render(themes.Muted, sep))
	}
	b.WriteString(m.th.Render(themes.Title, last))
	return fit(b.String(), w)
}

// crumbLine is the breadcrumb's own line, with the hint of what esc does.
func (m *Model) crumbLine(w int) string {
	hint := "  esc goes up"
	if w < 40 {
		hint = ""
	}
	path := m.crumbs(w - len(hint))
	return fit(path+m.th.Render(themes.Muted, hint), w)
}
