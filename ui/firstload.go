package ui

import (
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// firstLoadHead bounds how long the other panes' first loads wait for the
// active pane's.
const firstLoadHead = 500 * time.Millisecond

// activeFirst lets the active pane's first load go ahead of the others
// (issue 15, first rows): theirs start once its first answer is in (for
// the instances pane, the first page), or after firstLoadHead. Started
// all at once, the other panes' loads took the servers' and this
// machine's time from the pane on screen: its first rows came 2-3x later.
func activeFirst(loads []tea.Cmd, active int) []tea.Cmd {
	if active < 0 || active >= len(loads) || loads[active] == nil {
		return loads
	}
	gate := make(chan struct{})
	var once sync.Once
	out := make([]tea.Cmd, len(loads))
	for i, c := range loads {
		if c == nil {
			continue
		}
		if i == active {
			out[i] = func() tea.Msg {
				defer once.Do(func() { close(gate) })
				return c()
			}
			continue
		}
		out[i] = func() tea.Msg {
			t := time.NewTimer(firstLoadHead)
			defer t.Stop()
			select {
			case <-gate:
			case <-t.C:
			}
			return c()
		}
	}
	return out
}
