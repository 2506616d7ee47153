package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// Placeholder stands in for a pane that could not be built (a backend not
// configured): it says what is missing instead of hiding the tab.
type Placeholder struct {
	id, title string
	err       error
	th        *themes.Theme
}

// NewPlaceholder makes a placeholder pane.
func NewPlaceholder(id, title string, err error, th *themes.Theme) *Placeholder {
	return &Placeholder{id: id, title: title, err: err, th: th}
}

func (p *Placeholder) ID() string                          { return p.id }
func (p *Placeholder) Title() string                       { return p.title }
func (p *Placeholder) KeyGroups() []string                 { return nil }
func (p *Placeholder) Init() tea.Cmd                       { return nil }
func (p *Placeholder) Update(tea.Msg) (pane.Pane, tea.Cmd) { return p, nil }
func (p *Placeholder) SetFilter(string)                    {}
func (p *Placeholder) Status() pane.Status                 { return pane.Status{Err: p.err} }
func (p *Placeholder) Capturing() bool                     { return false }

func (p *Placeholder) View(w, h int) string {
	lines := []string{"", "  " + p.th.Render(themes.Warn, "⚠ "+safe.Fit(p.title+" unavailable", w-4))}
	for _, l := range wrap(p.err.Error(), w-4) {
		lines = append(lines, "  "+safe.Text(l))
	}
	return strings.Join(lines, "\n")
}

func wrap(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if len(line)+len(word)+1 > w && line != "" {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return out
}
