// Package prompt is the one-line text editor of the shell's command line
// and filter, and of the panes' small prompts (a target host, a reason).
// What the user types is shown through ui/safe like any other text.
package prompt

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// MaxLen bounds what one line may hold.
const MaxLen = 1024

// Line is an editable line with a cursor.
type Line struct {
	Text string
	Cur  int // rune index
}

// NewLine starts a line with text and the cursor at its end.
func NewLine(text string) Line { return Line{Text: text, Cur: len([]rune(text))} }

// Key edits the line; it reports whether the key was an editing key.
func (l *Line) Key(k tea.KeyPressMsg) bool {
	r := []rune(l.Text)
	l.Cur = min(max(l.Cur, 0), len(r))
	switch k.String() {
	case "left", "ctrl+b":
		l.Cur = max(l.Cur-1, 0)
	case "right", "ctrl+f":
		l.Cur = min(l.Cur+1, len(r))
	case "home", "ctrl+a":
		l.Cur = 0
	case "end", "ctrl+e":
		l.Cur = len(r)
	case "backspace", "ctrl+h":
		if l.Cur > 0 {
			r = append(r[:l.Cur-1], r[l.Cur:]...)
			l.Cur--
		}
	case "delete", "ctrl+d":
		if l.Cur < len(r) {
			r = append(r[:l.Cur], r[l.Cur+1:]...)
		}
	case "ctrl+u":
		r = r[l.Cur:]
		l.Cur = 0
	case "ctrl+w":
		i := l.Cur
		for i > 0 && r[i-1] == ' ' {
			i--
		}
		for i > 0 && r[i-1] != ' ' {
			i--
		}
		r = append(r[:i], r[l.Cur:]...)
		l.Cur = i
	case "space":
		r = l.insert(r, []rune{' '})
	default:
		if k.Text == "" {
			return false
		}
		r = l.insert(r, []rune(k.Text))
	}
	l.Text = string(r)
	return true
}

func (l *Line) insert(r, ins []rune) []rune {
	if len(r)+len(ins) > MaxLen {
		return r
	}
	out := make([]rune, 0, len(r)+len(ins))
	out = append(out, r[:l.Cur]...)
	out = append(out, ins...)
	out = append(out, r[l.Cur:]...)
	l.Cur += len(ins)
	return out
}

// View renders the line with a block cursor (sanitized).
func (l Line) View(th *themes.Theme) string {
	r := []rune(l.Text)
	cur := min(max(l.Cur, 0), len(r))
	before, after := string(r[:cur]), string(r[cur:])
	cursor := th.Render(themes.Selected, " ")
	if after != "" {
		ar := []rune(after)
		cursor = th.Render(themes.Selected, safe.Text(string(ar[0])))
		after = string(ar[1:])
	}
	return safe.Text(before) + cursor + safe.Text(after)
}

// Prompt is a labelled line that runs submit on enter; while Active the
// pane owning it captures the keyboard.
type Prompt struct {
	Active bool
	Label  string
	Line   Line
	submit func(string) tea.Cmd
}

// Open shows the prompt with an initial value.
func (p *Prompt) Open(label, initial string, submit func(string) tea.Cmd) {
	*p = Prompt{Active: true, Label: label, Line: NewLine(initial), submit: submit}
}

// Close hides the prompt without submitting.
func (p *Prompt) Close() { *p = Prompt{} }

// Key handles a key while the prompt is open: enter submits (trimmed),
// esc cancels, everything else edits.
func (p *Prompt) Key(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "enter":
		v := strings.TrimSpace(p.Line.Text)
		f := p.submit
		p.Close()
		if f != nil {
			return f(v)
		}
		return nil
	case "esc", "ctrl+c":
		p.Close()
		return nil
	}
	p.Line.Key(k)
	return nil
}

// View renders "label value█  (enter ok · esc cancel)" in width cells.
func (p Prompt) View(width int, th *themes.Theme) string {
	hint := th.Render(themes.Muted, "  (enter ok · esc cancel)")
	line := th.Render(themes.Info, safe.Text(p.Label)) + " " + p.Line.View(th) + hint
	return fitStyled(line, width)
}
