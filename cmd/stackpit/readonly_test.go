package main

// The read-only proof of issue 2: every mutating binding of every pane is
// driven against the demo cloud in a read-only session, first through the
// shell (level one: refused before the pane sees it), then straight into the
// pane with each resulting Action run directly, bypassing the shell (level
// two: the guard transport refuses). The demo servers record every request;
// none may be a mutation.

import (
	"context"
	"errors"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/ui"
	"github.com/stackpit/stackpit/views/pane"
)

// driver runs a model headlessly: commands run on goroutines, their messages
// come back through a channel and are fed to Update, like the real runtime.
type driver struct {
	t    *testing.T
	m    tea.Model
	msgs chan tea.Msg
	seen []tea.Msg
}

func newDriver(t *testing.T, m tea.Model) *driver {
	return &driver{t: t, m: m, msgs: make(chan tea.Msg, 4096)}
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if msg != nil {
			d.msgs <- msg
		}
	}()
}

// pump feeds messages to the model for dur (or until idle after dur).
func (d *driver) pump(dur time.Duration) {
	deadline := time.After(dur)
	for {
		select {
		case msg := <-d.msgs:
			d.handle(msg)
		case <-deadline:
			return
		}
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	case tea.QuitMsg:
		return
	}
	if isSequence(msg) {
		return
	}
	d.seen = append(d.seen, msg)
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.run(cmd)
}

// isSequence drops tea's internal sequence messages (unexported type); the
// panes under test don't rely on ordering between their commands.
func isSequence(msg tea.Msg) bool {
	_, ok := msg.(interface{ sequence() })
	return ok
}

func (d *driver) key(k tea.KeyPressMsg) {
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(k)
	d.run(cmd)
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if len(s) > 5 && s[:5] == "ctrl+" {
		return tea.KeyPressMsg{Code: rune(s[5]), Mod: tea.ModCtrl}
	}
	if len(s) > 6 && s[:6] == "shift+" {
		return tea.KeyPressMsg{Code: rune(s[6]), Mod: tea.ModShift}
	}
	r := []rune(s)
	if len(r) == 1 {
		return tea.KeyPressMsg{Code: r[0], Text: s}
	}
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

func demoSession(t *testing.T, readOnly bool) *session {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := newSession(&flags{demo: true, demoScale: 60, demoFailAfter: -1, readOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

func TestReadOnlyNoMutationReachesAnyServer(t *testing.T) {
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	d.pump(3 * time.Second) // every pane loads
	entries := s.model.Entries()
	keys := s.model.Keys()
	driven := 0
	for i, e := range entries {
		// Level one, through the shell.
		s.model.Activate(i)
		for _, g := range e.Pane.KeyGroups() {
			for _, b := range keys.Group(g) {
				if !b.Mutates || len(b.Keys) == 0 {
					continue
				}
				driven++
				d.key(keyMsg(b.Keys[0]))
				d.pump(150 * time.Millisecond)
				for _, k := range []string{"y", "enter", "esc", "esc"} {
					d.key(keyMsg(k))
				}
				d.pump(50 * time.Millisecond)
			}
		}
	}
	if driven == 0 {
		t.Fatal("no mutating bindings found: the test would prove nothing")
	}
	d.pump(500 * time.Millisecond)
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("level one: mutating requests reached the demo servers: %+v", m)
	}

	// Level two: straight into each pane, running every Action it asks for
	// without the shell's refusal. The guard transport must stop them.
	actions := 0
	for _, e := range s.model.Entries() {
		p := e.Pane
		for _, g := range p.KeyGroups() {
			for _, b := range keys.Group(g) {
				if !b.Mutates || len(b.Keys) == 0 {
					continue
				}
				for _, a := range collectActions(t, p, b.Keys[0]) {
					if !a.Mutates {
						t.Errorf("%s: binding marked Mutates produced an action with Mutates=false", b.Action)
					}
					if a.Run == nil {
						continue
					}
					actions++
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_, err := a.Run(ctx, func(pane.Progress) {})
					cancel()
					if err == nil || !errors.Is(err, httpclient.ErrReadOnly) {
						t.Errorf("%s (%s %s): run in read-only returned %v, want ErrReadOnly", b.Action, a.Name, a.Target, err)
					}
				}
			}
		}
	}
	t.Logf("drove %d mutating bindings; ran %d actions past the shell", driven, actions)
	if actions == 0 {
		t.Fatal("no action reached the guard: level two untested")
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("level two: mutating requests reached the demo servers: %+v", m)
	}
}

// collectActions presses key in the pane and answers any form it opens
// (some text, enter) until it asks the shell to run an action.
func collectActions(t *testing.T, p pane.Pane, key string) []pane.Action {
	var out []pane.Action
	var cmds []tea.Cmd
	_, cmd := p.Update(keyMsg(key))
	cmds = append(cmds, cmd)
	for _, k := range []string{"x", "enter", "enter", "enter"} {
		if !p.Capturing() {
			break
		}
		_, cmd := p.Update(keyMsg(k))
		cmds = append(cmds, cmd)
	}
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = cmds[1:]
		if c == nil {
			continue
		}
		msg := runWithTimeout(c, 2*time.Second)
		switch m := msg.(type) {
		case pane.RunActionMsg:
			out = append(out, m.Action)
		case tea.BatchMsg:
			cmds = append(cmds, m...)
		}
	}
	if p.Capturing() {
		p.Update(keyMsg("esc"))
	}
	return out
}

func runWithTimeout(c tea.Cmd, d time.Duration) tea.Msg {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		return m
	case <-time.After(d):
		return nil
	}
}

var _ = ui.Entry{}

// The images pane's changes (issue 18) in a read-only session: on an
// active image both A (deactivate) and D (delete) produce actions, and
// every one is stopped by the guard; nothing reaches the demo's Glance.
func TestReadOnlyImageActionsRefused(t *testing.T) {
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	d.pump(3 * time.Second)
	var p pane.Pane
	for i, e := range s.model.Entries() {
		if e.Pane.ID() == "images" {
			p = e.Pane
			s.model.Activate(i)
		}
	}
	if p == nil {
		t.Fatal("no images pane registered")
	}
	p.SetFilter("name:ubuntu-24.04")
	// Level one: through the shell.
	for _, k := range []string{"A", "D"} {
		d.key(keyMsg(k))
		d.pump(150 * time.Millisecond)
		for _, k := range []string{"y", "enter", "esc", "esc"} {
			d.key(keyMsg(k))
		}
	}
	d.pump(300 * time.Millisecond)
	// Level two: straight into the pane (esc above cleared the filter).
	p.SetFilter("name:ubuntu-24.04")
	names := map[string]bool{}
	for _, k := range []string{"A", "D"} {
		for _, a := range collectActions(t, p, k) {
			names[a.Name] = true
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := a.Run(ctx, func(pane.Progress) {})
			cancel()
			if !errors.Is(err, httpclient.ErrReadOnly) {
				t.Errorf("%s: %v, want ErrReadOnly", a.Name, err)
			}
		}
	}
	if !names["image-deactivate"] || !names["image-delete"] {
		t.Fatalf("actions produced: %v, want image-deactivate and image-delete", names)
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("mutating requests reached the demo servers: %+v", m)
	}
}
