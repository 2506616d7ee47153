package agents

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"fmt"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// actionSource is the fixture plus Neutron agent actions.
type actionSource struct {
	*fakeSource
	sent []string
}

func (a *actionSource) NetworkAgent(_ context.Context, id string) (openstack.NetworkAgent, error) {
	for _, n := range a.net {
		if n.ID == id {
			return n, nil
		}
	}
	return openstack.NetworkAgent{}, fmt.Errorf("agent %s: %w", id, openstack.ErrNotFound)
}

func (a *actionSource) SetAgentAdminState(_ context.Context, id string, up bool) error {
	a.sent = append(a.sent, fmt.Sprintf("PUT %s %v", id, up))
	return nil
}

func (a *actionSource) DeleteAgent(_ context.Context, id string) error {
	a.sent = append(a.sent, "DELETE "+id)
	return nil
}

func actionPane(t *testing.T, filter string) (*Pane, *actionSource) {
	t.Helper()
	src := &actionSource{fakeSource: fixture()}
	p, _ := newPane(src)
	drive(p, p.Init())
	p.SetFilter(filter)
	if p.Table().Len() != 1 {
		t.Fatalf("filter %q: %d rows", filter, p.Table().Len())
	}
	return p, src
}

func action(t *testing.T, msgs []tea.Msg) pane.Action {
	t.Helper()
	for _, m := range msgs {
		if r, ok := m.(pane.RunActionMsg); ok {
			return r.Action
		}
	}
	t.Fatalf("no action in %v", msgs)
	return pane.Action{}
}

func TestAgentDisableEnableRunThroughOps(t *testing.T) {
	p, src := actionPane(t, "host:control01 binary:neutron-dhcp-agent")
	a := action(t, press(p, "D"))
	if a.Name != ops.AgentDisable || !a.Mutates || !a.ConfirmYes || a.Target != "neutron-dhcp-agent on control01" ||
		a.Details["agent_id"] != "dhcp-control01" || a.Reconcile == nil {
		t.Fatalf("action %+v", a)
	}
	res, err := a.Run(context.Background(), nil)
	if err != nil || !strings.Contains(res, "disabled") {
		t.Fatalf("run: %q %v", res, err)
	}
	a = action(t, press(p, "E"))
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(src.sent, "; ") != "PUT dhcp-control01 false; PUT dhcp-control01 true" {
		t.Fatalf("sent %q", src.sent)
	}
}

func TestAgentDeleteOnlyDeadTypedConfirmation(t *testing.T) {
	p, src := actionPane(t, "host:control01 binary:neutron-dhcp-agent")
	msgs := press(p, "X")
	for _, m := range msgs {
		if _, ok := m.(pane.RunActionMsg); ok {
			t.Fatal("delete of a live agent became an action")
		}
	}
	if len(msgs) != 1 || !strings.Contains(fmt.Sprint(msgs[0]), "is alive") {
		t.Fatalf("no refusal toast: %v", msgs)
	}

	p, src = actionPane(t, "host:compute04 binary:neutron-openvswitch-agent")
	a := action(t, press(p, "X"))
	if a.Name != ops.AgentDelete || a.Confirm != "compute04" || a.ConfirmYes {
		t.Fatalf("delete must be typed-confirmed: %+v", a)
	}
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(src.sent, "; ") != "DELETE ovs-compute04" {
		t.Fatalf("sent %q", src.sent)
	}
	// Nova services have no agent actions.
	p, src = actionPane(t, "host:compute04 binary:nova-compute")
	for _, m := range press(p, "D") {
		if _, ok := m.(pane.RunActionMsg); ok {
			t.Fatal("a Nova service got a Neutron agent action")
		}
	}
}
