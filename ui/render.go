package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/redact"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// View lays out: header, tabs, pane body, status line, bottom line.
func (m *Model) View() tea.View {
	if m.pace.skip {
		return m.pace.last // a frame tick draws what came since (pace.go)
	}
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "stackpit — " + safe.Text(m.o.Header.Cloud)
	m.pace.last, m.pace.draws = v, m.pace.draws+1
	m.pace.drawn, m.pace.behind = m.pace.wall(), false
	return v
}

// Render returns the screen as a string of exactly h lines of at most w
// cells (golden tests call it directly).
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	w, h := max(m.w, 20), max(m.h, 6)
	lines := make([]string, 0, h)
	lines = append(lines, m.header(w))
	bodyH := h - 3
	if !m.o.Single {
		// The incident strip sits under the tabs on every pane, the
		// breadcrumb under it after a drill-down (breadcrumb.go).
		lines = append(lines, m.tabs(w))
		bodyH -= 2
		switch {
		case !m.onTrail():
			lines = append(lines, m.strip(w))
		case h >= crumbOwnLineFrom:
			lines = append(lines, m.strip(w), m.crumbLine(w))
			bodyH--
		default:
			path := m.crumbs(w / 2)
			sep := m.th.Render(themes.Muted, " │ ")
			lines = append(lines, path+sep+m.strip(max(w-safe.Width(path)-3, 1)))
		}
	}
	var body string
	switch {
	case m.mode == modeHelp:
		body = m.helpView(w, bodyH)
	case m.mode == modeAudit:
		body = m.auditView(w, bodyH)
	case m.mode == modeOps:
		body = m.opsView(w, bodyH)
	case m.mode == modeMessages:
		body = m.messagesView(w, bodyH)
	case m.cur() != nil:
		body = m.cur().View(w, bodyH)
	default:
		body = "no panes"
	}
	bl := strings.Split(body, "\n")
	if m.mode == modeDialog && m.dialog != nil {
		bl = overlay(bl, m.dialogView(w, bodyH), w, bodyH)
	}
	if m.mode == modeQuit {
		bl = overlay(bl, m.quitView(w, bodyH), w, bodyH)
	}
	if m.mode == modeClouds {
		bl = overlay(bl, m.cloudsView(w, bodyH), w, bodyH)
	}
	for i := 0; i < bodyH; i++ {
		if i < len(bl) {
			lines = append(lines, fit(bl[i], w))
		} else {
			lines = append(lines, "")
		}
	}
	lines = append(lines, m.statusLine(w), m.bottomLine(w))
	return strings.Join(lines, "\n")
}

// fit cuts a rendered (possibly styled) line to w cells.
func fit(s string, w int) string {
	if safe.Width(s) <= w {
		return s
	}
	return safe.Truncate(s, w, "…")
}

func (m *Model) header(w int) string {
	hd := m.o.Header
	left := m.th.Render(themes.Title, "stackpit")
	parts := []string{}
	if hd.Cloud != "" {
		parts = append(parts, "cloud "+safe.Text(hd.Cloud))
	}
	if hd.Region != "" {
		parts = append(parts, "region "+safe.Text(hd.Region))
	}
	if hd.User != "" {
		u := safe.Text(hd.User)
		if hd.Project != "" {
			u += "@" + safe.Text(hd.Project)
		}
		parts = append(parts, u)
	}
	left += " " + m.th.Render(themes.Muted, "│") + " " + strings.Join(parts, m.th.Render(themes.Muted, " │ "))
	var right string
	if m.o.ShowClock {
		right = m.now.Format("15:04")
	}
	if hd.Person != "" {
		right = strings.TrimSuffix(m.th.Render(themes.Muted, "ssh "+safe.Text(hd.Person))+" "+right, " ")
	}
	if m.o.Ctx.ReadOnly {
		badge := " READ-ONLY "
		if hd.Role != "" { // served: the role the server gave, not a flag
			badge = " READ-ONLY: " + safe.Text(hd.Role) + " "
		}
		right = strings.TrimSuffix(m.th.Render(themes.Badge, badge)+" "+right, " ")
	}
	gap := w - safe.Width(left) - safe.Width(right)
	if gap < 1 {
		// Small panes: the badge and cloud matter more than the clock.
		left = fit(left, max(w-safe.Width(right)-1, 8))
		gap = w - safe.Width(left) - safe.Width(right)
		if gap < 1 {
			return fit(left+" "+right, w)
		}
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) tabs(w int) string {
	var parts []string
	widths := 0
	for i, e := range m.o.Panes {
		// Title, then the marks of what the pane shows (markers.go).
		role := themes.Tab
		if i == m.active {
			role = themes.TabActive
		}
		mark, mw := m.markText(m.tabMark(i))
		label := fmt.Sprintf(" %d %s", i+1, e.Title)
		parts = append(parts, m.th.Render(role, label)+mark+m.th.Render(role, " "))
		widths += safe.Width(label) + mw + 1
	}
	if widths <= w {
		return strings.Join(parts, "")
	}
	// Too narrow: a window of tabs that always contains the active one.
	start := m.active
	used := safe.Width(parts[m.active])
	end := m.active + 1
	for {
		grew := false
		if end < len(parts) && used+safe.Width(parts[end]) <= w-2 {
			used += safe.Width(parts[end])
			end++
			grew = true
		}
		if start > 0 && used+safe.Width(parts[start-1]) <= w-2 {
			start--
			used += safe.Width(parts[start])
			grew = true
		}
		if !grew {
			break
		}
	}
	s := strings.Join(parts[start:end], "")
	if start > 0 {
		s = m.hiddenMarks(0, start) + "‹" + s
	}
	if end < len(parts) {
		s += "›" + m.hiddenMarks(end, len(parts))
	}
	return fit(s, w)
}

// statusLine: the active pane's freshness and error first, then a compact
// age for every other pane.
func (m *Model) statusLine(w int) string {
	if len(m.o.Panes) == 0 {
		return ""
	}
	e := m.o.Panes[m.active]
	st := e.Pane.Status()
	var b strings.Builder
	b.WriteString(m.th.Render(themes.Title, e.ID))
	b.WriteString(" ")
	b.WriteString(m.freshness(st, true))
	if f := m.filters[m.active]; f != "" {
		b.WriteString(m.th.Render(themes.Muted, " │ filter: ") + safe.Text(f))
	}
	if m.quitWhenIdle != "" {
		b.WriteString(m.th.Render(themes.Warn, " │ quit: "+m.quitWhenIdle))
	}
	if len(m.runs) > 0 {
		ids := make([]int, 0, len(m.runs))
		for id := range m.runs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		r := m.runs[ids[0]]
		b.WriteString(m.th.Render(themes.Muted, " │ "))
		b.WriteString(m.th.Render(themes.Info, fmt.Sprintf("⟳ %s %s", safe.Text(r.name), safe.Text(r.target))))
		if r.progress.Total > 0 {
			b.WriteString(fmt.Sprintf(" %d/%d", r.progress.Done, r.progress.Total))
		}
		if r.progress.Line != "" {
			b.WriteString(" " + safe.Text(r.progress.Line))
		}
	}
	var others []string
	for i, o := range m.o.Panes {
		if i == m.active {
			continue
		}
		others = append(others, o.ID+" "+m.freshness(o.Pane.Status(), false))
	}
	if len(others) > 0 {
		b.WriteString(m.th.Render(themes.Muted, " │ "))
		b.WriteString(strings.Join(others, " "))
	}
	return fit(b.String(), w)
}

func (m *Model) freshness(st pane.Status, long bool) string {
	var parts []string
	switch {
	case st.Loading && st.Updated.IsZero():
		parts = append(parts, m.th.Render(themes.Muted, "loading…"))
	case st.Updated.IsZero() && st.Err == nil:
		parts = append(parts, m.th.Render(themes.Muted, "–"))
	case !st.Updated.IsZero():
		every := st.Every
		if every <= 0 {
			every = m.o.Ctx.Refresh
		}
		age := pane.FreshAge(m.now.Sub(st.Updated), every)
		if long {
			parts = append(parts, "updated "+age+" ago")
		} else {
			parts = append(parts, age)
		}
	}
	if st.Err != nil {
		if long {
			parts = append(parts, m.th.Render(themes.Crit, "ERR "+safe.Text(redact.Text(st.Err.Error()))))
		} else {
			parts = append(parts, m.th.Render(themes.Crit, "ERR"))
		}
	}
	if long && st.Note != "" {
		parts = append(parts, m.th.Render(themes.Warn, safe.Text(st.Note)))
	}
	return strings.Join(parts, " ")
}

func (m *Model) bottomLine(w int) string {
	switch m.mode {
	case modeCommand, modeFilter:
		return m.inputLine(m.input, w)
	}
	if t := m.toastLine(w); t != "" {
		return t
	}
	km := m.o.Ctx.Keys
	hints := []string{
		km.KeysText("global.help") + " help",
		km.KeysText("global.command") + " cmd",
		km.KeysText("global.filter") + " filter",
		km.KeysText("global.back") + " back",
		"tab pane",
		km.KeysText("global.quit") + " quit",
	}
	return fit(m.th.Render(themes.Muted, strings.Join(hints, "  ")), w)
}

func (m *Model) inputLine(l lineInput, w int) string {
	s := l.label + l.Line.View(m.th)
	if l.label == ":" {
		if c := m.complete(l.Text); len(c) > 0 && l.Text != "" && c[0] != l.Text {
			s += m.th.Render(themes.Muted, "  "+strings.Join(c[:min(len(c), 6)], " "))
		}
	}
	return fit(s, w)
}

// helpView is generated from the keymap: the active pane's groups first,
// then global keys, flowed into as many columns as fit, so it always shows
// the user's own bindings.
func (m *Model) helpView(w, h int) string {
	km := m.o.Ctx.Keys
	var groups []string
	if p := m.cur(); p != nil {
		groups = append(groups, p.KeyGroups()...)
	}
	groups = append(groups, "global")
	ncols := max(w/40, 1)
	colW := w / ncols
	var items []string
	for _, g := range groups {
		bs := km.Group(g)
		if len(bs) == 0 {
			continue
		}
		if len(items) > 0 {
			items = append(items, "")
		}
		items = append(items, m.th.Render(themes.Header, g))
		for _, b := range bs {
			mark := ""
			if b.Mutates {
				mark = " *"
				if m.o.Ctx.ReadOnly {
					mark = " (read-only: off)"
				}
			}
			k := safe.Pad(km.KeysText(b.Action), 12)
			// Long descriptions wrap under themselves instead of losing
			// their end (and the * that says an action changes the cloud).
			desc := wrap(safe.Text(b.Help)+mark, max(colW-14, 10))
			for i, d := range desc {
				if i == len(desc)-1 && mark != "" && strings.HasSuffix(d, mark) {
					d = strings.TrimSuffix(d, mark) + m.th.Render(themes.Muted, mark)
				}
				if i == 0 {
					items = append(items, m.th.Render(themes.Key, k)+" "+d)
				} else {
					items = append(items, strings.Repeat(" ", 13)+d)
				}
			}
		}
	}
	title := m.th.Render(themes.Title, "Keys") + m.th.Render(themes.Muted, "  * changes the cloud · any key closes · j/k scroll")
	// The grammar in one line: the same letter means the same everywhere.
	legend := 0
	for _, l := range keymap.Legend() {
		for _, part := range wrapAt(safe.Text(l), " · ", w) {
			title += "\n" + m.th.Render(themes.Muted, fit(part, w))
			legend++
		}
	}
	rows := max(h-1-legend, 1)
	if m.helpTop > len(items)-rows*ncols {
		m.helpTop = max(len(items)-rows*ncols, 0)
	}
	items = items[m.helpTop:]
	lines := make([]string, rows)
	for i, it := range items {
		c, r := i/rows, i%rows
		if c >= ncols {
			break
		}
		cell := fit(it, colW-1)
		if c < ncols-1 {
			cell += strings.Repeat(" ", max(colW-safe.Width(cell), 0))
		}
		lines[r] += cell
	}
	return title + "\n" + strings.Join(lines, "\n")
}

// wrapAt breaks s into lines of at most w cells, only at sep (so "l logs"
// stays together); a part wider than w is cut by fit.
func wrapAt(s, sep string, w int) []string {
	var out []string
	line := ""
	for _, part := range strings.Split(s, sep) {
		switch {
		case line == "":
			line = part
		case safe.Width(line+sep+part) <= w:
			line += sep + part
		default:
			out = append(out, line)
			line = part
		}
	}
	return append(out, line)
}

// auditView shows the audit log, two lines per record: when, outcome,
// action and target; then who (local user, OpenStack user@project), the
// reason typed, destinations, and the error or result.
func (m *Model) auditView(w, h int) string {
	lines := []string{m.th.Render(themes.Title, "Audit log") + m.th.Render(themes.Muted, "  "+safe.Text(m.auditPath())+"  (any key closes)")}
	if len(m.audit) == 0 {
		lines = append(lines, m.th.Render(themes.Muted, "no actions recorded yet"))
	}
	fits := max((h-1)/2, 1)
	start := max(0, min(m.auditTop, len(m.audit)-fits))
	for i := start; i < len(m.audit) && len(lines) < h; i++ {
		e := m.audit[i]
		role := themes.Normal
		switch e.Outcome {
		case "failed", audit.OutcomeNotDone, audit.OutcomeStillUnknown:
			role = themes.Crit
		case "refused", "cancelled", audit.OutcomeUnknown:
			role = themes.Warn
		case "ok", audit.OutcomeReconciled:
			role = themes.OK
		}
		line := fmt.Sprintf("%s %-9s %s %s", e.Time.Local().Format("01-02 15:04:05"), e.Outcome,
			safe.Text(e.Action), safe.Text(e.Target))
		if len(e.Destinations) > 0 {
			line += " → " + safe.Text(strings.Join(e.Destinations, ","))
		}
		lines = append(lines, m.th.Render(role, fit(line, w)))
		if len(lines) >= h {
			break
		}
		who := safe.Text(e.OSUser)
		if e.CloudUser != "" || e.Project != "" {
			who += " as " + safe.Text(e.CloudUser) + "@" + safe.Text(e.Project)
		}
		detail := "    by " + who
		if e.Reason != "" {
			detail += " · reason \"" + safe.Text(e.Reason) + "\""
		}
		switch {
		case e.Error != "":
			detail += " · " + safe.Text(e.Error)
		case e.Result != "":
			detail += " · " + safe.Text(e.Result)
		}
		lines = append(lines, m.th.Render(themes.Muted, fit(detail, w)))
	}
	return strings.Join(lines, "\n")
}

func (m *Model) auditPath() string {
	if m.o.Audit == nil {
		return "(no audit log)"
	}
	return m.o.Audit.Path()
}

func (m *Model) dialogView(w, h int) []string {
	d := m.dialog
	if d.copy != "" {
		return m.copyView(w, h)
	}
	a := d.action
	inner := max(min(w-4, 90), 10)
	var head, checks, tail []string
	head = append(head, m.th.Render(themes.Title, safe.Fit("Confirm: "+a.Name+" "+a.Target, inner)), "")
	for _, c := range a.Checks {
		for _, l := range wrap(safe.Text(c), inner) {
			checks = append(checks, l)
		}
	}
	if len(checks) > 0 {
		checks = append(checks, "")
	}
	if a.Confirm != "" {
		tail = append(tail, safe.Fit(fmt.Sprintf("Type %q to confirm, esc to cancel:", a.Confirm), inner))
		tail = append(tail, "> "+fit(d.input.View(m.th), inner-2))
	} else {
		tail = append(tail, "Proceed? [y/N]")
	}
	if d.err != "" {
		tail = append(tail, m.th.Render(themes.Crit, safe.Fit(d.err, inner)))
	}
	// Small panes: the pre-checks give way first; the question always shows.
	if room := h - 2 - len(head) - len(tail); len(checks) > room {
		keep := max(room-1, 0)
		cut := len(checks) - keep
		checks = append(checks[:keep:keep], m.th.Render(themes.Muted, fmt.Sprintf("… %d more line(s): widen the pane to read them", cut)))
		if room <= 0 {
			checks = nil
		}
	}
	lines := append(append(head, checks...), tail...)
	return box(lines, inner, m.th)
}

func box(lines []string, inner int, th *themes.Theme) []string {
	b := th.Render(themes.Border, "┌"+strings.Repeat("─", inner+2)+"┐")
	out := []string{b}
	for _, l := range lines {
		pad := inner - safe.Width(l)
		if pad < 0 {
			l = safe.Truncate(l, inner, "…")
			pad = 0
		}
		out = append(out, th.Render(themes.Border, "│")+" "+l+strings.Repeat(" ", pad)+" "+th.Render(themes.Border, "│"))
	}
	return append(out, th.Render(themes.Border, "└"+strings.Repeat("─", inner+2)+"┘"))
}

// overlay centres box lines over the body.
func overlay(body, boxLines []string, w, h int) []string {
	for len(body) < h {
		body = append(body, "")
	}
	top := max((h-len(boxLines))/2, 0)
	bw := 0
	if len(boxLines) > 0 {
		bw = safe.Width(boxLines[0])
	}
	left := max((w-bw)/2, 0)
	for i, l := range boxLines {
		if top+i >= len(body) {
			break
		}
		body[top+i] = strings.Repeat(" ", left) + l
	}
	return body
}
