package ui

import (
	"math/rand/v2"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/views/viewtest"
)

// Hostile Unicode in every untrusted text the shell itself draws (cloud,
// region, user and project in the header, a pane's text, a dialog's target
// and pre-checks): the whole screen keeps its h lines, each at most w cells
// for Width, for tmux and for a grapheme count, and the header is row 1,
// exactly w wide.
func TestShellHostileUnicodeKeepsEveryLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	for range 40 {
		e := newEnv(t, false)
		e.m.o.Header = Header{Cloud: viewtest.HostileText(rng, rng.IntN(30)), Region: viewtest.HostileText(rng, rng.IntN(10)),
			User: viewtest.HostileText(rng, rng.IntN(20)), Project: strings.Repeat("\u00ad", 300)}
		e.one.name = viewtest.HostileText(rng, rng.IntN(80))
		e.one.action.Target = viewtest.HostileText(rng, rng.IntN(20))
		e.one.action.Checks = []string{viewtest.HostileText(rng, rng.IntN(100)), strings.Repeat("\u00ad", 300)}
		w, h := 40+rng.IntN(100), 10+rng.IntN(30)
		e.m.Update(tea.WindowSizeMsg{Width: w, Height: h})
		for _, keys := range [][]string{nil, {"R"}} {
			e.press(keys...)
			out := e.m.Render()
			viewtest.Frame(t, out, w, h)
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Fatalf("%d lines on a %d-line screen", len(lines), h)
			}
			viewtest.ExactWidth(t, lines[:1], w)
			if !strings.HasPrefix(ansi.Strip(lines[0]), "stackpit") {
				t.Fatalf("header not on row 1: %q", lines[0])
			}
		}
	}
}
