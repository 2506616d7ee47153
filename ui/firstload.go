package ui

import (
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// firstLoadMax bounds how long the other panes' first loads wait for the
// active pane's (a var for tests).
var firstLoadMax = 3 * time.Second

// activeFirst lets the active pane's first load go ahead of the others
// (issue 15, first rows and all rows): theirs start when release is called
// — the shell calls it once the active pane has its whole first load (for
// the instances pane, the last page), or when the operator switches panes
// — or after firstLoadMax. Started at once, the other panes' loads took
// the servers' and this 2-core machine's time from the pane on screen: its
// first rows came 2-3x later; started after its first page only, a 50k
// volumes load still decoded alongside the 50 pages of servers.
func activeFirst(loads []tea.Cmd, active int) ([]tea.Cmd, func()) {
	if active < 0 || active >= len(loads) || loads[active] == nil {
		return loads, func() {}
	}
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	out := make([]tea.Cmd, len(loads))
	for i, c := range loads {
		if c == nil || i == active {
			out[i] = c
			continue
		}
		out[i] = func() tea.Msg {
			t := time.NewTimer(firstLoadMax)
			defer t.Stop()
			select {
			case <-gate:
			case <-t.C:
			}
			return c()
		}
	}
	return out, release
}

// StartActive starts the active pane's first load now, before the program
// runs (issue 15, start to first rows): its Init's command runs at once,
// and Init hands over what it returns. Between building the shell and the
// runtime asking for Init come the terminal's set-up and the first frame;
// the load would otherwise wait for all of that before its first request.
// Call it at most once, before Init.
func (m *Model) StartActive() {
	if m.early != nil || m.active < 0 || m.active >= len(m.o.Panes) {
		return
	}
	cmd := m.o.Panes[m.active].Pane.Init()
	if cmd == nil {
		m.early = func() tea.Cmd { return nil }
		return
	}
	ch := make(chan any, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- earlyPanic{r} // panics again in the runtime's goroutine
			}
		}()
		ch <- cmd()
	}()
	m.early = func() tea.Cmd {
		return func() tea.Msg {
			v := <-ch
			if p, ok := v.(earlyPanic); ok {
				panic(p.v)
			}
			return v
		}
	}
}

// earlyPanic carries a panic of an early load to the command that hands
// its message over, where the runtime recovers it as any command's.
type earlyPanic struct{ v any }
