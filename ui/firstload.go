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
