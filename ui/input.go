package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/prompt"
)

// lineInput is the command line or filter prompt: a label and the shared
// line editor.
type lineInput struct {
	label string
	prompt.Line
}

// commands is the :command table: name -> aliases.
func (m *Model) commandNames() []string {
	names := []string{"q", "quit", "help", "audit", "cloud", "ops", "messages"}
	for _, e := range m.o.Panes {
		names = append(names, e.ID)
		names = append(names, e.Aliases...)
	}
	sort.Strings(names)
	return names
}

// complete returns completions of the command line's current word.
func (m *Model) complete(text string) []string {
	fields := strings.Fields(text)
	if len(fields) >= 1 && (fields[0] == "cloud") && (len(fields) == 2 || strings.HasSuffix(text, " ")) {
		prefix := ""
		if len(fields) == 2 {
			prefix = fields[1]
		}
		var out []string
		for _, c := range m.o.Clouds {
			if strings.HasPrefix(c, prefix) {
				out = append(out, "cloud "+c)
			}
		}
		return out
	}
	var out []string
	for _, n := range m.commandNames() {
		if strings.HasPrefix(n, text) {
			out = append(out, n)
		}
	}
	return out
}

func (m *Model) inputKey(k tea.KeyPressMsg) tea.Cmd {
	s := k.String()
	switch s {
	case "ctrl+c":
		_, cmd := m.quit()
		return cmd
	case "esc":
		if m.mode == modeFilter {
			// esc in the filter prompt drops the edit, keeps the old filter
			m.cur().SetFilter(m.filters[m.active])
		}
		m.mode = modeNormal
		return nil
	case "enter":
		text := strings.TrimSpace(m.input.Text)
		md := m.mode
		m.mode = modeNormal
		if md == modeFilter {
			m.filters[m.active] = text
			m.cur().SetFilter(text)
			return nil
		}
		return m.runCommand(text)
	case "tab":
		if m.mode == modeCommand {
			c := m.complete(m.input.Text)
			switch {
			case len(c) == 1:
				m.input.Text = c[0]
			case len(c) > 1:
				m.input.Text = commonPrefix(c)
				m.showToast(themes.Info, strings.Join(c, "  "))
			}
			m.input.Cur = len([]rune(m.input.Text))
		}
		return nil
	}
	m.input.Key(k)
	if m.mode == modeFilter {
		m.cur().SetFilter(m.input.Text) // live filtering
	}
	return nil
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (m *Model) runCommand(text string) tea.Cmd {
	if text == "" {
		return nil
	}
	f := strings.Fields(text)
	switch f[0] {
	case "q", "quit", "q!":
		_, cmd := m.quit()
		return cmd
	case "help", "h":
		m.mode, m.helpTop = modeHelp, 0
		return nil
	case "audit":
		m.mode = modeAudit
		return m.loadAudit()
	case "ops":
		m.mode, m.opsStart = modeOps, false
		return m.loadOps(false)
	case "messages", "msgs":
		m.mode, m.msgTop = modeMessages, max(len(m.messages)-1, 0)
		return nil
	case "cloud":
		switch len(f) {
		case 1:
			return m.openClouds()
		case 2:
			return m.switchCloud(f[1])
		}
		m.showToast(themes.Warn, "usage: :cloud [NAME]")
		return nil
	}
	if i := m.paneIndex(f[0]); i >= 0 {
		cmd := m.switchTo(i)
		if len(f) > 1 { // ":instances host:compute03" filters at once
			q := strings.Join(f[1:], " ")
			m.filters[i] = q
			m.o.Panes[i].Pane.SetFilter(q)
		}
		return cmd
	}
	m.showToast(themes.Crit, fmt.Sprintf("unknown command %q — try :help", f[0]))
	return nil
}

type auditLoaded struct {
	entries []audit.Entry
	err     error
}

func (m *Model) loadAudit() tea.Cmd {
	l := m.o.Audit
	return func() tea.Msg {
		if l == nil {
			return auditLoaded{}
		}
		es, err := l.Tail(500)
		return auditLoaded{entries: es, err: err}
	}
}

type cloudSwitched struct {
	name string
	o    Options
	err  error
}

func (m *Model) applyCloud(c cloudSwitched) tea.Cmd {
	if c.err != nil {
		m.showToast(themes.Crit, "cloud "+c.name+": "+c.err.Error())
		return nil
	}
	for _, r := range m.runs {
		r.cancel(ops.ErrInterrupted)
	}
	sw, clouds, clk, auto, store := m.o.SwitchCloud, m.o.Clouds, m.o.Clock, m.o.AutoTheme, m.o.Ops
	m.o = c.o
	m.o.SwitchCloud, m.o.Clouds, m.o.Clock, m.o.AutoTheme = sw, clouds, clk, auto
	if m.o.Ops == nil {
		m.o.Ops = store
	}
	m.th = m.o.Ctx.Theme
	m.ensureHosts()
	m.active, m.history = 0, nil
	m.filters = make([]string, len(m.o.Panes))
	m.resetGens() // the old cloud's answers still in flight are dropped
	m.showToast(themes.OK, "now on cloud "+c.name)
	var cmds []tea.Cmd
	for i, e := range m.o.Panes {
		cmds = append(cmds, m.wrap(i, e.Pane.Init()))
	}
	return tea.Batch(cmds...)
}
