package ui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// The other panes' first loads start only once the shell releases them
// (the active pane has its whole first load), not when the active pane's
// first answer is in; without a release they start after firstLoadMax.
func TestActivePaneLoadsFirst(t *testing.T) {
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	load := func(name string, d time.Duration) tea.Cmd {
		return func() tea.Msg {
			note(name + " start")
			time.Sleep(d)
			note(name + " done")
			return nil
		}
	}
	cmds, release := activeFirst([]tea.Cmd{load("other", 0), load("active", 50*time.Millisecond), nil}, 1)
	var wg sync.WaitGroup
	for _, c := range cmds {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); c() }()
	}
	time.Sleep(150 * time.Millisecond) // the active's first answer is in, its load is not
	note("release")
	release()
	release() // twice is fine
	wg.Wait()
	want := []string{"active start", "active done", "release", "other start", "other done"}
	for i := range want {
		if i >= len(order) || order[i] != want[i] {
			t.Fatalf("loads ran %v, want %v", order, want)
		}
	}

	// An active pane that never finishes holds the others back at most
	// firstLoadMax.
	defer func(d time.Duration) { firstLoadMax = d }(firstLoadMax)
	firstLoadMax = 200 * time.Millisecond
	block := make(chan struct{})
	defer close(block)
	cmds, _ = activeFirst([]tea.Cmd{func() tea.Msg { <-block; return nil }, load("late", 0)}, 0)
	go cmds[0]()
	start := time.Now()
	cmds[1]()
	if d := time.Since(start); d < firstLoadMax || d > firstLoadMax+2*time.Second {
		t.Errorf("with the active load stuck, the others started after %v, want %v", d, firstLoadMax)
	}
}

// pagedPane's first load comes in two messages (like the instances pane's
// pages); it is loading until the second.
type pagedPane struct {
	loadPane
	loading bool
	started chan string // Init's load says when it runs
}

type pageMsg struct{ n int }

func (p *pagedPane) Init() tea.Cmd {
	p.loading = true
	return func() tea.Msg { p.started <- p.id; return pageMsg{1} }
}
func (p *pagedPane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	if m, ok := msg.(pageMsg); ok {
		if m.n == 1 {
			return p, func() tea.Msg { time.Sleep(200 * time.Millisecond); return pageMsg{2} }
		}
		p.loading = false
	}
	return p, nil
}
func (p *pagedPane) Status() pane.Status { return pane.Status{Loading: p.loading} }

// The shell lets the other panes' first loads start once the active pane
// has its whole first load, not its first page.
func TestShellReleasesLoadsAfterActiveLoad(t *testing.T) {
	started := make(chan string, 4)
	active := &pagedPane{loadPane: loadPane{id: "instances"}, started: started}
	other := &pagedPane{loadPane: loadPane{id: "volumes"}, started: started}
	m := New(Options{Panes: []Entry{{ID: "instances", Pane: active}, {ID: "volumes", Pane: other}}, Single: true,
		Ctx: pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}})
	firstLoaded := 0
	m.OnFirstLoad(func() { firstLoaded++ })
	msgs := make(chan tea.Msg, 16)
	run := func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	var feed func(tea.Msg)
	feed = func(msg tea.Msg) {
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				run(c)
			}
			return
		}
		_, c := m.Update(msg)
		run(c)
	}
	feed(m.Init()())
	if id := <-started; id != "instances" {
		t.Fatalf("%s loaded first", id)
	}
	pages := 0
	deadline := time.After(2 * time.Second) // well under firstLoadMax
	for {
		select {
		case id := <-started:
			if id != "volumes" || pages < 2 {
				t.Fatalf("%s started after %d pages of the active pane's load", id, pages)
			}
			if firstLoaded != 1 {
				t.Fatalf("OnFirstLoad's func ran %d times by the end of the first load", firstLoaded)
			}
			return
		case msg := <-msgs:
			if env, ok := msg.(envelope); ok {
				if _, ok := env.msg.(pageMsg); ok {
					pages++
					if firstLoaded != 0 {
						t.Fatalf("OnFirstLoad's func ran after %d pages of the first load", pages-1)
					}
				}
			}
			feed(msg)
		case <-deadline:
			t.Fatalf("the other pane's load never started (%d pages in)", pages)
		}
	}
}

// countPane counts its Init calls; its load says when it runs.
type countPane struct {
	loadPane
	inits   int
	started chan string
}

func (p *countPane) Init() tea.Cmd {
	p.inits++
	return func() tea.Msg { p.started <- p.id; return pageMsg{7} }
}

// StartActive runs the active pane's first load before the program asks
// for Init, once: Init then hands over that load's message.
func TestStartActiveLoadsBeforeInit(t *testing.T) {
	started := make(chan string, 4)
	active := &countPane{loadPane: loadPane{id: "instances"}, started: started}
	other := &countPane{loadPane: loadPane{id: "volumes"}, started: started}
	m := New(Options{Panes: []Entry{{ID: "instances", Pane: active}, {ID: "volumes", Pane: other}}, Single: true,
		Ctx: pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}})
	m.StartActive()
	select {
	case id := <-started:
		if id != "instances" {
			t.Fatalf("%s loaded before Init", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the active pane's load did not start before Init")
	}
	batch, ok := m.Init()().(tea.BatchMsg)
	if !ok {
		t.Fatal("Init is not a batch")
	}
	if active.inits != 1 || other.inits != 1 {
		t.Fatalf("Init calls: active %d, other %d, want 1 each", active.inits, other.inits)
	}
	got := false
	for _, c := range batch {
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		select {
		case msg := <-done:
			if env, ok := msg.(envelope); ok && env.slot == 0 {
				if pm, ok := env.msg.(pageMsg); !ok || pm.n != 7 {
					t.Fatalf("the active pane's command gave %#v", env.msg)
				}
				got = true
			}
		case <-time.After(100 * time.Millisecond): // the clock, the held-back load
		}
	}
	if !got {
		t.Fatal("Init did not hand over the early load's message")
	}
	select {
	case id := <-started:
		t.Fatalf("%s's load ran again", id)
	default:
	}
}
