package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// The cloud picker: `:cloud` alone lists the clouds of clouds.yaml with
// the current one marked; enter switches (the same path as `:cloud NAME`),
// esc cancels.

func (m *Model) openClouds() tea.Cmd {
	if m.o.SwitchCloud == nil {
		m.showToast(themes.Warn, "switching clouds is not available in this session")
		return nil
	}
	if len(m.o.Clouds) == 0 {
		m.showToast(themes.Warn, "no clouds in clouds.yaml")
		return nil
	}
	m.mode, m.cloudAt = modeClouds, 0
	for i, c := range m.o.Clouds {
		if c == m.o.Header.Cloud {
			m.cloudAt = i
		}
	}
	return nil
}

func (m *Model) cloudsKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := k.String()
	km := m.o.Ctx.Keys
	switch {
	case km.Is(s, "table.down") || s == "down":
		m.cloudAt = min(m.cloudAt+1, len(m.o.Clouds)-1)
	case km.Is(s, "table.up") || s == "up":
		m.cloudAt = max(m.cloudAt-1, 0)
	case s == "enter":
		m.mode = modeNormal
		name := m.o.Clouds[m.cloudAt]
		if name == m.o.Header.Cloud {
			m.showToast(themes.Info, "already on cloud "+name)
			return m, nil
		}
		return m, m.switchCloud(name)
	case s == "ctrl+c":
		return m.quit()
	case km.Is(s, "global.back") || km.Is(s, "global.quit"):
		m.mode = modeNormal
	}
	return m, nil
}

// switchCloud rebuilds the session for cloud name off the UI goroutine.
func (m *Model) switchCloud(name string) tea.Cmd {
	if m.o.SwitchCloud == nil {
		m.showToast(themes.Warn, "switching clouds is not available in this session")
		return nil
	}
	sw := m.o.SwitchCloud
	m.showToast(themes.Info, "switching to cloud "+name+"…")
	return func() tea.Msg {
		o, err := sw(name)
		return cloudSwitched{name: name, o: o, err: err}
	}
}

func (m *Model) cloudsView(w, h int) []string {
	inner := max(min(w-4, 50), 10)
	lines := []string{m.th.Render(themes.Title, safe.Fit("Switch cloud (clouds.yaml)", inner)), ""}
	room := max(h-6, 1)
	top := max(0, min(m.cloudAt-room+1, len(m.o.Clouds)-room))
	for i := top; i < len(m.o.Clouds) && i < top+room; i++ {
		c := m.o.Clouds[i]
		l := "  " + safe.Text(c)
		if c == m.o.Header.Cloud {
			l = "● " + safe.Text(c) + "  (current)"
		}
		l = safe.Fit(l, inner)
		if i == m.cloudAt {
			l = m.th.Render(themes.Selected, l)
		}
		lines = append(lines, l)
	}
	lines = append(lines, "", m.th.Render(themes.Muted, safe.Fit("j/k move · enter switch · esc cancel", inner)))
	return box(lines, inner, m.th)
}
