package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/views/controlplane"
	"github.com/stackpit/stackpit/views/pane"
)

// The HAProxy runtime API is a socket, not HTTP: the guard transport never
// sees it. In a read-only session the pane's drain/maint/ready actions,
// run directly below the shell, must be refused by the client itself and
// no command may reach the demo's runtime API.
func TestReadOnlyHAProxyActionsRefusedBelowTheUI(t *testing.T) {
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	d.pump(3 * time.Second)
	var cp *controlplane.Pane
	for _, e := range s.model.Entries() {
		if p, ok := e.Pane.(*controlplane.Pane); ok {
			cp = p
		}
	}
	if cp == nil {
		t.Fatal("no control-plane pane in the demo session")
	}
	if cp.Section() != controlplane.SecHAProxy || cp.SelectedHost() == "" {
		t.Fatalf("pane not on a HAProxy server (section %s, host %q)", cp.Section(), cp.SelectedHost())
	}
	ran := 0
	for _, action := range []string{"controlplane.drain", "controlplane.maint", "controlplane.ready"} {
		b, _ := s.model.Keys().Get(action)
		k := b.Keys[0]
		acts := collectActions(t, cp, k)
		if len(acts) != 1 {
			t.Fatalf("key %s: %d actions", k, len(acts))
		}
		a := acts[0]
		if !a.Mutates || !strings.HasPrefix(a.Name, "haproxy-") || a.Reconcile == nil {
			t.Fatalf("key %s: %+v", k, a)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := a.Run(ctx, func(pane.Progress) {})
		cancel()
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s %s: %v, want ErrReadOnly", a.Name, a.Target, err)
		}
		ran++
	}
	if ran != 3 {
		t.Fatal("not every HAProxy action ran")
	}
	// Mutating commands only: the runtime listener is a bare TCP port, and
	// a stray HTTP read from another test's poller (a Redfish GET once,
	// on a port just given back) is recorded there too.
	for _, r := range s.demo.Requests() {
		if r.Service == "haproxy-runtime" && r.Mutating {
			t.Fatalf("a runtime command reached HAProxy: %+v", r)
		}
	}
}
