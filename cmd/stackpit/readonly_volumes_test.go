package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/volumes"
)

// Every volume action of the volumes pane, answered the way an operator
// would (a valid reset target, type and backend), run directly below the
// shell in a read-only session: the guard transport refuses each one and
// no mutating request reaches the demo's Cinder. (The shell-level refusal
// is TestReadOnlyNoMutationReachesAnyServer's, which drives every binding.)
func TestReadOnlyVolumeActionsRefusedByTheGuard(t *testing.T) {
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	d.pump(3 * time.Second)
	var vp *volumes.Pane
	for _, e := range s.model.Entries() {
		if p, ok := e.Pane.(*volumes.Pane); ok {
			vp = p
		}
	}
	if vp == nil {
		t.Fatal("no volumes pane in the demo session")
	}
	tbl := vp.Table()
	for end := time.Now().Add(30 * time.Second); tbl.Len() == 0 && time.Now().Before(end); {
		d.pump(200 * time.Millisecond) // a loaded machine: the first list may take a while
	}
	if tbl.Len() == 0 {
		t.Fatalf("volumes did not load: %v", vp.Status().Err)
	}
	// The story's stuck detach: attached, so every action applies.
	found := false
	for _, r := range tbl.Rows() {
		if strings.HasPrefix(r.Cell(0).Text, "detaching") {
			found = tbl.SelectKey(r.Key)
		}
	}
	if !found {
		t.Fatal("no detaching volume in the demo")
	}
	names := map[string]bool{}
	for _, step := range [][]string{{"S", "enter"}, {"D"}, {"X"}, {"W", "rbd-ssd", "enter"}, {"M", "control03@rbd-1#rbd", "enter"}} {
		var cmds []tea.Cmd
		for _, k := range step {
			if len(k) > 1 && k != "enter" {
				for _, r := range k {
					_, c := vp.Update(keyMsg(string(r)))
					cmds = append(cmds, c)
				}
				continue
			}
			_, c := vp.Update(keyMsg(k))
			cmds = append(cmds, c)
		}
		var acts []pane.Action
		for _, c := range cmds {
			if c == nil {
				continue
			}
			if m, ok := runWithTimeout(c, 2*time.Second).(pane.RunActionMsg); ok {
				acts = append(acts, m.Action)
			}
		}
		if len(acts) != 1 {
			t.Fatalf("keys %v: %d actions", step, len(acts))
		}
		a := acts[0]
		if !a.Mutates || a.Reconcile == nil {
			t.Fatalf("%s: %+v", a.Name, a)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := a.Run(ctx, func(pane.Progress) {})
		cancel()
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s %s: %v, want ErrReadOnly", a.Name, a.Target, err)
		}
		names[a.Name] = true
	}
	if len(names) != 5 {
		t.Fatalf("actions run: %v", names)
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("mutating requests reached the demo: %+v", m)
	}
	// The reads did reach Cinder (the pre-check re-reads the volume).
	reads := 0
	for _, r := range s.demo.Requests() {
		if strings.Contains(r.Path, "/volumes/") && !r.Mutating {
			reads++
		}
	}
	if reads == 0 {
		t.Fatal("no volume was read: the actions never got as far as the guard")
	}
}
