package ui

import "testing"

// hidingPane counts the shell's Hide calls.
type hidingPane struct {
	fakePane
	hidden int
}

func (h *hidingPane) Hide() { h.hidden++ }

// A pane that reads less while hidden learns it left the screen when the
// operator switches away, not seconds later (issue 15: a pane left a
// moment ago remade its 1,000-host rows on every answer meanwhile).
func TestSwitchTellsThePaneLeftItIsHidden(t *testing.T) {
	e := newEnv(t, false)
	h := &hidingPane{fakePane: *e.one}
	e.m.o.Panes[0].Pane = h
	e.press("2")
	if h.hidden != 1 {
		t.Fatalf("switched away: Hide called %d times, want 1", h.hidden)
	}
	e.press("1")
	if h.hidden != 1 {
		t.Fatalf("switched to it: Hide called %d times, want still 1", h.hidden)
	}
	e.press("tab")
	if h.hidden != 2 {
		t.Fatalf("tab away: Hide called %d times, want 2", h.hidden)
	}
}
