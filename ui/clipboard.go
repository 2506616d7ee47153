package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// copyText is the only place the clipboard is written (tea.SetClipboard):
// every pane's copy key arrives here as a CopyMsg, so none can bypass
// safe.Clipboard. Multi-line text is shown in a dialog first; the toast
// says exactly what was copied.
func (m *Model) copyText(c pane.CopyMsg) tea.Cmd {
	text, err := safe.Clipboard(c.Text, c.Kind)
	if err != nil {
		m.showToast(themes.Warn, "not copied: "+err.Error())
		return nil
	}
	if strings.Contains(text, "\n") {
		if m.dialog != nil {
			m.showToast(themes.Warn, "not copied: a dialog is open")
			return nil
		}
		m.dialog = &dialog{copy: text}
		m.mode = modeDialog
		return nil
	}
	return m.setClipboard(text)
}

func (m *Model) setClipboard(text string) tea.Cmd {
	if n := strings.Count(text, "\n") + 1; n > 1 {
		m.showToast(themes.Info, fmt.Sprintf("copied %d lines: %s", n, text))
	} else {
		m.showToast(themes.Info, "copied: "+text)
	}
	return tea.SetClipboard(text)
}

// copyKey answers the multi-line copy dialog: y or enter copies.
func (m *Model) copyKey(k tea.KeyPressMsg) tea.Cmd {
	text := m.dialog.copy
	switch k.String() {
	case "ctrl+c":
		_, cmd := m.quit()
		return cmd
	case "y", "Y", "enter":
		m.dialog, m.mode = nil, modeNormal
		return m.setClipboard(text)
	case "esc", "n", "N", "q":
		m.dialog, m.mode = nil, modeNormal
		m.showToast(themes.Info, "copy cancelled")
	}
	return nil
}

// copyView shows the text a multi-line copy would put on the clipboard.
func (m *Model) copyView(w, h int) []string {
	inner := max(min(w-4, 90), 10)
	lines := strings.Split(m.dialog.copy, "\n")
	head := []string{m.th.Render(themes.Title, safe.Fit(fmt.Sprintf("Copy these %d lines to the clipboard?", len(lines)), inner)), ""}
	tail := []string{"", "Copy? [Y/n]  (y/enter copies, esc cancels)"}
	room := max(h-2-len(head)-len(tail), 1)
	var body []string
	for i, l := range lines {
		if i == room-1 && len(lines) > room {
			body = append(body, m.th.Render(themes.Muted, fmt.Sprintf("… %d more line(s)", len(lines)-i)))
			break
		}
		body = append(body, safe.Fit(l, inner))
	}
	return box(append(append(head, body...), tail...), inner, m.th)
}
