package prompt

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/themes"
)

func k(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "ctrl+w":
		return tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestLineEditing(t *testing.T) {
	l := NewLine("host:c1")
	l.Key(k("left"))
	l.Key(k("0"))
	if l.Text != "host:c01" {
		t.Fatalf("%q", l.Text)
	}
	l = NewLine("a b c")
	l.Key(k("ctrl+w"))
	if l.Text != "a b " {
		t.Fatalf("ctrl+w: %q", l.Text)
	}
	l.Key(k("backspace"))
	if l.Text != "a b" || l.Cur != 3 {
		t.Fatalf("backspace: %q %d", l.Text, l.Cur)
	}
}

func TestPromptSubmitCancelAndInert(t *testing.T) {
	var got string
	var p Prompt
	p.Open("reason:", "", func(v string) tea.Cmd { got = v; return nil })
	for _, s := range []string{"d", "i", "s", "k", "\x1b[2J"} {
		p.Key(k(s))
	}
	out := p.View(80, themes.Default(true))
	if strings.Contains(out, "\x1b[2J") || !strings.Contains(ansi.Strip(out), `disk\e[2J`) {
		t.Fatalf("view %q", out)
	}
	p.Key(k("enter"))
	if got != "disk\x1b[2J" || p.Active {
		t.Fatalf("submit %q active=%v", got, p.Active)
	}
	p.Open("x", "y", func(v string) tea.Cmd { got = "submitted"; return nil })
	p.Key(k("esc"))
	if p.Active || got == "submitted" {
		t.Fatal("esc submitted")
	}
}
