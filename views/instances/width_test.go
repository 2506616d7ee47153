package instances

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/views/viewtest"
)

// tableLines renders the pane and returns its lines: 0 is the pane's status
// line, 1 the table header, then the rows.
func tableLines(t *testing.T, p *Pane, w, h int) []string {
	t.Helper()
	out := p.View(w, h)
	viewtest.Frame(t, out, w, h)
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || !strings.HasPrefix(ansi.Strip(lines[1]), "NAME") {
		t.Fatalf("table header not right under the status line at %dx%d:\n%s", w, h, ansi.Strip(out))
	}
	return lines
}

// The hostile server: a name of 300 soft hyphens took 0 cells for
// stackpit and 300 for tmux, wrapped over the rows below (hiding an ERROR
// instance) and pushed the header off screen.
func TestSoftHyphenNameKeepsRowsAndHeaderInPlace(t *testing.T) {
	src := &fakeSource{servers: fixture()}
	src.servers[0].Name = strings.Repeat("\u00ad", 300)
	p, _ := newPane(t, src)
	drive(p, p.Init())
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		lines := tableLines(t, p, sz[0], sz[1])
		viewtest.ExactWidth(t, lines[1:], sz[0])
		if sz[1] < 32 { // all 30 rows are on screen at 120x40 only
			continue
		}
		if got := ansi.Strip(strings.Join(lines, "\n")); !strings.Contains(got, `\u00ad\u00ad`) || !strings.Contains(got, "ERROR") {
			t.Fatalf("soft hyphens not shown as escapes or the ERROR row hidden at %dx%d:\n%s", sz[0], sz[1], got)
		}
	}
}

// Random Unicode names (format characters, marks, emoji sequences, CJK,
// controls) in a real pane render: every table line is exactly the pane's
// width for safe.Width, for tmux and for a grapheme count, and the header
// stays on its row.
func TestRandomUnicodeNamesKeepEveryLineThePaneWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 4))
	for range 60 {
		src := &fakeSource{servers: fixture()}
		for j := range src.servers {
			src.servers[j].Name = viewtest.HostileText(rng, rng.IntN(60))
			if j%3 == 0 {
				src.servers[j].Host = viewtest.HostileText(rng, rng.IntN(15))
				src.servers[j].IPs = []string{viewtest.HostileText(rng, rng.IntN(20))}
			}
		}
		p, _ := newPane(t, src)
		drive(p, p.Init())
		w, h := 40+rng.IntN(120), 6+rng.IntN(30)
		lines := tableLines(t, p, w, h)
		viewtest.ExactWidth(t, lines[1:], w)
	}
}
