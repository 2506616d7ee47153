package ui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The other panes' first loads start only once the active pane's first
// answer is in; without an answer they start after firstLoadHead anyway.
func TestActivePaneLoadsFirst(t *testing.T) {
	var mu sync.Mutex
	var order []string
	load := func(name string, d time.Duration) tea.Cmd {
		return func() tea.Msg {
			mu.Lock()
			order = append(order, name+" start")
			mu.Unlock()
			time.Sleep(d)
			mu.Lock()
			order = append(order, name+" done")
			mu.Unlock()
			return nil
		}
	}
	cmds := activeFirst([]tea.Cmd{load("other", 0), load("active", 100*time.Millisecond), nil}, 1)
	var wg sync.WaitGroup
	for _, c := range cmds {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); c() }()
	}
	wg.Wait()
	want := []string{"active start", "active done", "other start", "other done"}
	for i := range want {
		if i >= len(order) || order[i] != want[i] {
			t.Fatalf("loads ran %v, want %v", order, want)
		}
	}

	// An active pane that never answers holds the others back at most
	// firstLoadHead.
	block := make(chan struct{})
	defer close(block)
	cmds = activeFirst([]tea.Cmd{func() tea.Msg { <-block; return nil }, load("late", 0)}, 0)
	go cmds[0]()
	start := time.Now()
	cmds[1]()
	if d := time.Since(start); d < firstLoadHead || d > firstLoadHead+2*time.Second {
		t.Errorf("with the active load stuck, the others started after %v, want %v", d, firstLoadHead)
	}
}
