package compute

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// prompt is a one-line text input (target host, reset state). While it is
// open the pane captures the keyboard.
type prompt struct {
	active bool
	label  string
	value  []rune
	submit func(string) tea.Cmd
}

func (p *prompt) open(label, initial string, submit func(string) tea.Cmd) {
	*p = prompt{active: true, label: label, value: []rune(initial), submit: submit}
}

// key handles one key press; it returns the command to run on submit.
func (p *prompt) key(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		v := strings.TrimSpace(string(p.value))
		f := p.submit
		*p = prompt{}
		if f != nil {
			return f(v)
		}
		return nil
	case "esc", "ctrl+c":
		*p = prompt{}
		return nil
	case "backspace":
		if len(p.value) > 0 {
			p.value = p.value[:len(p.value)-1]
		}
		return nil
	case "ctrl+u":
		p.value = nil
		return nil
	}
	if msg.Text != "" && len(p.value) < 255 {
		p.value = append(p.value, []rune(msg.Text)...)
	}
	return nil
}

func (p *prompt) view(width int, th *themes.Theme) string {
	line := safe.Text(p.label) + " " + safe.Text(string(p.value)) + "█  (enter ok · esc cancel)"
	return th.Render(themes.Info, safe.Fit(line, width))
}
