package main

import (
	"context"
	"errors"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/agents"
	"github.com/stackpit/stackpit/views/pane"
)

// The Neutron agent actions, run straight from the agents pane below the
// shell in a read-only session: the pre-check reads the agent, the guard
// refuses the PUT, and no mutation reaches the demo's Neutron. (The
// delete's DELETE is refused the same way: datasource/openstack's
// TestAgentActionsSendNeutronShapesAndReadOnlyRefuses.)
func TestReadOnlyAgentActionsRefusedBelowTheUI(t *testing.T) {
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	d.pump(3 * time.Second)
	var ap *agents.Pane
	for _, e := range s.model.Entries() {
		if p, ok := e.Pane.(*agents.Pane); ok {
			ap = p
		}
	}
	if ap == nil {
		t.Fatal("no agents pane in the demo session")
	}
	ap.SetFilter("host:control01 binary:neutron-dhcp-agent")
	for end := time.Now().Add(20 * time.Second); ap.Table().Len() != 1; d.pump(300 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d rows for control01's DHCP agent", ap.Table().Len())
		}
	}
	for k, verb := range map[string]string{"D": ops.AgentDisable, "E": ops.AgentEnable} {
		acts := collectActions(t, ap, k)
		if len(acts) != 1 || acts[0].Name != verb || !acts[0].Mutates {
			t.Fatalf("key %s: %+v", k, acts)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := acts[0].Run(ctx, func(pane.Progress) {})
		cancel()
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", verb, err)
		}
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("mutating requests reached the demo: %+v", m)
	}
}
