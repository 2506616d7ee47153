package logs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// View renders the pane: a header line, the visible log lines, and a
// footer (the prompt, or search/paused state). Only visible lines are
// formatted, so cost follows the screen, not the buffer.
func (m *Model) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	th := m.ctx.Theme
	rows := make([]string, 0, height)
	rows = append(rows, m.header(width))
	footer := m.footer(width)
	bodyH := height - 1 - len(footer)
	if bodyH < 0 {
		bodyH = 0
	}
	m.lastHeight = bodyH
	body := m.body(width, bodyH)
	for len(body) < bodyH {
		body = append(body, "")
	}
	rows = append(rows, body...)
	rows = append(rows, footer...)
	if len(rows) > height {
		rows = rows[:height]
	}
	_ = th
	return strings.Join(rows, "\n")
}

func (m *Model) header(w int) string {
	th := m.ctx.Theme
	var state string
	failed, stopped := m.err != nil && !m.loading, m.fstat.Mode == loki.ModeStopped
	switch {
	case failed:
		// Nothing is running: never claim FOLLOW for a query that failed.
		state = "✗ FAILED: " + failReason(m.err)
	case stopped && m.fstat.Err != nil:
		state = "‖ STOPPED: " + failReason(m.fstat.Err)
	case stopped:
		state = "‖ STOPPED"
	case m.fstat.Err != nil:
		// The follower is alive but its last tail/poll failed: it retries.
		state = "✗ RETRYING: " + failReason(m.fstat.Err)
	case m.follow:
		state = "● FOLLOW"
	case m.newWhile > 0:
		state = fmt.Sprintf("⏸ PAUSED +%d new", m.newWhile)
	default:
		state = "⏸ PAUSED"
	}
	mode := ""
	switch m.fstat.Mode {
	case loki.ModePolling:
		mode = " POLLING"
	case loki.ModeTail:
		mode = " tail"
	}
	if failed {
		mode = ""
	}
	if m.loading {
		mode += " loading…"
	}
	var flags []string
	if m.wrap {
		flags = append(flags, "wrap")
	}
	tail := ""
	if len(flags) > 0 {
		tail = "  " + strings.Join(flags, ",")
	}
	right := fmt.Sprintf("%s%s  %d/%d lines", state, mode, m.buf.n, m.o.BufferLines)
	if d := m.buf.dropped; d > 0 {
		// Too narrow for both: the loss stays, the fill goes.
		right += fmt.Sprintf(", %d dropped", d)
		if safe.Width(right+tail) > w {
			right = fmt.Sprintf("%s%s  %d dropped", state, mode, d)
		}
	}
	right += tail
	right = safe.Fit(right, w)
	left := safe.Fit(m.query, max(w-safe.Width(right)-1, 0))
	pad := w - safe.Width(left) - safe.Width(right)
	if pad < 0 {
		pad = 0
	}
	role := themes.Info
	if !m.follow {
		role = themes.Warn
	}
	if m.fstat.Mode == loki.ModePolling || m.fstat.Mode == loki.ModeStopped {
		role = themes.Warn
	}
	if failed || (m.fstat.Err != nil && !stopped) {
		role = themes.Crit
	}
	return th.Render(themes.Title, left) + strings.Repeat(" ", pad) + th.Render(role, right)
}

// failReason is the short header word for why a query is not running; the
// footer and Status carry the server's full text.
func failReason(err error) string {
	var le *loki.Error
	switch {
	case errors.As(err, &le) && le.Status == 400:
		return "LogQL rejected"
	case errors.As(err, &le) && (le.Status == 401 || le.Status == 403):
		return "not authorized"
	case errors.As(err, &le):
		return fmt.Sprintf("Loki %d", le.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "Loki timed out"
	default:
		return "Loki unreachable"
	}
}

func (m *Model) footer(w int) []string {
	th := m.ctx.Theme
	if p := m.prompt; p != nil {
		var out []string
		if len(p.sugg) > 0 {
			out = append(out, th.Render(themes.Muted, safe.Fit(strings.Join(p.sugg, "  "), w)))
		}
		label := "LogQL> "
		avail := max(w-len(label)-1, 1)
		v := p.val
		start := 0
		if p.pos > avail {
			start = p.pos - avail
		}
		before := safe.Text(string(v[start:p.pos]))
		after := ""
		cur := " "
		if p.pos < len(v) {
			cur = safe.Text(string(v[p.pos : p.pos+1]))
			after = safe.Text(string(v[p.pos+1:]))
		}
		line := th.Render(themes.Key, label) + before + th.Render(themes.Selected, cur) +
			safe.Truncate(after, max(w-len(label)-safe.Width(before)-1, 0), "…")
		return append(out, line)
	}
	var parts []string
	if m.err != nil {
		parts = append(parts, "✗ "+m.err.Error())
	} else if m.fstat.Err != nil {
		parts = append(parts, "✗ "+m.fstat.Err.Error())
	} else if m.fstat.Mode == loki.ModePolling && m.fstat.Note != "" {
		parts = append(parts, "⇄ "+m.fstat.Note)
	}
	if m.search != "" {
		if m.filtering() {
			parts = append(parts, fmt.Sprintf("filter %s: %d of %d lines  %s show all lines  n/N next/prev  (terms: host: container: level: req: text)",
				safe.Text(m.search), m.matches, m.buf.n, m.keyText("logs.show_all")))
		} else {
			parts = append(parts, fmt.Sprintf("filter %s (showing all lines): %d matching lines highlighted  %s only matches  n/N bring them into view",
				safe.Text(m.search), m.matches, m.keyText("logs.show_all")))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, m.hint())
	}
	role := themes.Muted
	if m.err != nil || m.fstat.Err != nil {
		role = themes.Crit
	}
	return []string{th.Render(role, safe.Fit(strings.Join(parts, "  "), w))}
}

func (m *Model) hint() string {
	k := func(a string) string {
		if m.ctx.Keys == nil {
			return "?"
		}
		return m.ctx.Keys.KeysText(a)
	}
	return fmt.Sprintf("%s query  %s follow  %s wrap  %s time  %s labels  %s request  %s instance  %s/%s host/container logs  %s save",
		k("logs.query"), k("logs.follow"), k("logs.wrap"), k("logs.timestamps"), k("logs.labels"),
		k("logs.pivot_request"), k("logs.pivot_instance"), k("logs.preset_host"), k("logs.preset_container"), k("logs.save"))
}

// body renders up to h rows ending at the bottom line.
func (m *Model) body(w, h int) []string {
	if h <= 0 {
		return nil
	}
	if m.buf.n == 0 {
		msg := "no lines yet"
		switch {
		case m.loading:
			msg = "loading…"
		case m.src == nil && m.query == "":
			msg = "no query: press " + m.keyText("logs.query") + " to enter LogQL"
		case m.fstat.Mode == loki.ModeTail || m.fstat.Mode == loki.ModePolling:
			msg = "waiting for lines…"
		}
		return []string{m.ctx.Theme.Render(themes.Muted, safe.Fit(msg, w))}
	}
	bottom := m.bottom
	if m.follow {
		bottom = m.buf.last()
	}
	if !m.follow {
		// Keep the cursor on screen.
		if m.cursor > bottom {
			bottom = m.cursor
		}
		if m.filtering() {
			// Sequence numbers skip hidden lines: count the shown ones.
			if !m.wrap && m.shownBetween(m.cursor, bottom, h) >= h {
				bottom = m.stepVisible(m.cursor, int64(h)-1)
			}
		} else if m.cursor < bottom-int64(h)+1 && !m.wrap {
			bottom = m.cursor + int64(h) - 1
		}
		bottom = min(max(bottom, m.buf.first()), m.buf.last())
		m.bottom = bottom
	}
	m.lay = m.layout(w, bottom, h)
	var rows [][]string
	used := 0
	for s := bottom; s >= m.buf.first() && used < h; s-- {
		l, _ := m.buf.at(s)
		if !m.visible(l) {
			continue
		}
		r := m.renderLine(l, w, s == m.cursor && !m.follow)
		rows = append(rows, r)
		used += len(r)
		if m.wrap && !m.follow && s == m.cursor && used > h {
			break
		}
	}
	if m.wrap && !m.follow && !m.filtering() && m.cursor < bottom-int64(len(rows))+1 {
		// The cursor scrolled above the screen while wrapping: anchor on it.
		m.bottom = m.cursor
		return m.body(w, h)
	}
	out := make([]string, 0, h)
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i]...)
	}
	if len(out) > h {
		out = out[len(out)-h:]
	}
	return out
}

// shownBetween counts the shown lines in (from, to], stopping at limit.
func (m *Model) shownBetween(from, to int64, limit int) int {
	n := 0
	for s := to; s > from && n < limit; s-- {
		if l, ok := m.buf.at(s); ok && m.visible(l) {
			n++
		}
	}
	return n
}

func (m *Model) keyText(a string) string {
	if m.ctx.Keys == nil {
		return a
	}
	return m.ctx.Keys.KeysText(a)
}

func levelRole(lv level) themes.Role {
	switch lv {
	case lvError, lvCrit:
		return themes.Crit
	case lvWarn:
		return themes.Warn
	case lvTrace, lvDebug:
		return themes.Muted
	}
	return themes.Normal
}

// renderLine formats one buffered line into one row (or several when
// wrapping). Text is sanitized before anything measures or styles it.
func (m *Model) renderLine(l *line, w int, selected bool) []string {
	if l.marker != "" {
		sym, word, role := "⚠", "NOTICE", themes.Warn
		switch l.marker {
		case loki.MarkDrop:
			sym, word, role = "⚠", "DROPPED", themes.Crit
		case loki.MarkOverflow:
			sym, word, role = "✗", "DISCARDED", themes.Crit
		case loki.MarkReconnect:
			sym, word, role = "↻", "RECONNECT", themes.Info
		case loki.MarkMode:
			sym, word, role = "⇄", "MODE", themes.Info
		case loki.MarkError:
			sym, word, role = "✗", "ERROR", themes.Crit
		}
		txt := fmt.Sprintf("── %s %s %s ", sym, word, safe.Text(l.text))
		if l.ts > 0 {
			txt += "(at " + time.Unix(0, l.ts).In(m.o.Location).Format("15:04:05.000") + ") "
		}
		if n := w - safe.Width(txt); n > 0 {
			txt += strings.Repeat("─", n)
		}
		if selected {
			role = themes.Selected
		}
		return []string{m.paint(role, safe.Fit(txt, w))}
	}
	pre, req := m.columns(l)
	text := message(safe.Text(l.text), req, w-safe.Width(pre) < 60)
	role := levelRole(l.lv)
	if selected {
		role = themes.Selected
	}
	if !m.wrap {
		full := fitRow(pre+text, w)
		return []string{m.styleRow(full, len(pre), role)}
	}
	indent := wrapIndent
	if w <= 2*len(wrapIndent) {
		indent = ""
	}
	parts := wordWrap(text, w-safe.Width(pre), w-len(indent))
	out := make([]string, len(parts))
	for i, p := range parts {
		if i == 0 {
			out[i] = m.styleRow(pre+p, len(pre), role)
		} else {
			// Continuation rows are indented so that where one log line
			// ends and the next begins stays visible without colour.
			out[i] = m.styleRow(indent+p, len(indent), role)
		}
	}
	return out
}

// wrapIndent starts every continuation row of a wrapped line.
const wrapIndent = "  "

// paint renders sanitized single-line text in a role. lipgloss is slow per
// call, so each role's opening and closing sequences are computed once per
// theme (by rendering a sentinel) and reused.
func (m *Model) paint(r themes.Role, s string) string {
	if s == "" {
		return ""
	}
	th := m.ctx.Theme
	if m.paintTheme != th {
		m.paintTheme, m.paintCache = th, map[themes.Role][2]string{}
	}
	oc, ok := m.paintCache[r]
	if !ok {
		const sentinel = "\x00"
		out := th.Render(r, sentinel)
		if i := strings.Index(out, sentinel); i >= 0 {
			oc = [2]string{out[:i], out[i+len(sentinel):]}
		}
		m.paintCache[r] = oc
	}
	return oc[0] + s + oc[1]
}

// styleRow styles a sanitized row: the prefix muted, the text in the
// level's role, search matches highlighted anywhere in the row.
func (m *Model) styleRow(s string, prefixLen int, role themes.Role) string {
	th := m.ctx.Theme
	prefixLen = min(prefixLen, len(s))
	preRole := themes.Muted
	if role == themes.Selected || role == themes.Crit || role == themes.Warn {
		preRole = role
	}
	var b strings.Builder
	// plain writes s[from:to] in the base roles (prefix / text).
	plain := func(from, to int) {
		if from < prefixLen {
			e := min(to, prefixLen)
			b.WriteString(m.paint(preRole, s[from:e]))
			from = e
		}
		if from < to {
			b.WriteString(m.paint(role, s[from:to]))
		}
	}
	if m.searchLow == "" {
		plain(0, len(s))
		return b.String()
	}
	low := strings.ToLower(s)
	if len(low) != len(s) {
		low = s
	}
	mr := themes.Match
	if th.NoColor {
		mr = themes.Selected // reverse video: still visible without colour
	}
	pos := 0
	for {
		i := strings.Index(low[pos:], m.searchLow)
		if i < 0 {
			plain(pos, len(s))
			return b.String()
		}
		i += pos
		plain(pos, i)
		b.WriteString(m.paint(mr, s[i:i+len(m.searchLow)]))
		pos = i + len(m.searchLow)
	}
}

// fitRow truncates a sanitized row to w cells; printable ASCII (the common
// case) is cut by bytes without measuring graphemes.
func fitRow(s string, w int) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		if len(s) <= w {
			return s
		}
		if w <= 1 {
			return s[:max(w, 0)]
		}
		return s[:w-1] + "…"
	}
	// Bound the work on very long lines before measuring.
	if len(s) > 8*w+64 {
		s = s[:8*w+64]
		for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xc0 {
			s = s[:len(s)-1]
		}
	}
	if safe.Width(s) > w {
		return safe.Truncate(s, w, "…")
	}
	return s
}
