package ui

import (
	"fmt"
	"github.com/stackpit/stackpit/redact"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// Messages: every toast goes into the session's history (:messages shows
// it). Information fades after a few seconds; a failure stays on the
// bottom line until esc dismisses it, so it cannot vanish unread.

const maxMessages = 500

type message struct {
	at    time.Time
	level themes.Role
	text  string
}

// showToast shows text on the bottom line and records it.
func (m *Model) showToast(level themes.Role, text string) {
	text = redact.Text(text) // a URL's password never reaches the screen
	m.messages = append(m.messages, message{at: m.now, level: level, text: text})
	if len(m.messages) > maxMessages {
		m.messages = m.messages[len(m.messages)-maxMessages:]
	}
	if level == themes.Crit {
		m.failures++
		m.failure = &toast{text: text, level: level}
		m.toast = nil // the failure is what the operator must read now
		return
	}
	m.toast = &toast{text: text, level: level, until: m.now.Add(5 * time.Second)}
}

// expireToast drops a transient toast whose time is up; failures stay.
func (m *Model) expireToast() {
	if m.toast != nil && m.now.After(m.toast.until) {
		m.toast = nil
	}
}

// dismiss clears the failure on the bottom line (esc); false when there
// was none, so esc goes on to do its normal job.
func (m *Model) dismiss() bool {
	if m.failure == nil {
		return false
	}
	m.failure, m.toast, m.failures = nil, nil, 0
	return true
}

// toastLine is the bottom line's message, or "" for the key hints.
func (m *Model) toastLine(w int) string {
	if m.toast != nil {
		return fit(m.th.Render(m.toast.level, safe.Text(m.toast.text)), w)
	}
	if m.failure == nil {
		return ""
	}
	hint := "  esc dismisses · :messages"
	if m.failures > 1 {
		hint = fmt.Sprintf("  (+%d more) esc dismisses · :messages", m.failures-1)
	}
	room := max(w-len([]rune(hint)), 10)
	return fit(m.th.Render(themes.Crit, "✗ "+safe.Fit(m.failure.text, room-2))+m.th.Render(themes.Muted, hint), w)
}

// messagesView lists the session's messages, newest last.
func (m *Model) messagesView(w, h int) string {
	lines := []string{m.th.Render(themes.Title, "Messages") + m.th.Render(themes.Muted, "  this session, newest last · j/k scroll · any key closes")}
	if len(m.messages) == 0 {
		lines = append(lines, m.th.Render(themes.Muted, "no messages yet"))
	}
	start := max(0, min(m.msgTop, len(m.messages)-(h-1)))
	for i := start; i < len(m.messages) && len(lines) < h; i++ {
		msg := m.messages[i]
		mark := " "
		switch msg.level {
		case themes.Crit:
			mark = "✗"
		case themes.Warn:
			mark = "⚠"
		case themes.OK:
			mark = "✓"
		}
		lines = append(lines, m.th.Render(msg.level, fit(msg.at.Format("15:04:05")+" "+mark+" "+safe.Text(msg.text), w)))
	}
	return strings.Join(lines, "\n")
}

func (m *Model) messagesKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := k.String()
	km := m.o.Ctx.Keys
	switch {
	case km.Is(s, "table.down"):
		m.msgTop = min(m.msgTop+1, max(len(m.messages)-1, 0))
	case km.Is(s, "table.up"):
		m.msgTop = max(m.msgTop-1, 0)
	case s == "ctrl+c":
		return m.quit()
	default:
		return m.closeOverlay(k)
	}
	return m, nil
}
