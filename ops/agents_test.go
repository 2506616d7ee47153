package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeAgents is a Neutron agent list that records the changes it gets.
type fakeAgents struct {
	mu     sync.Mutex
	agents map[string]openstack.NetworkAgent
	calls  []string
	lose   bool // apply the change, then lose the reply
}

func (f *fakeAgents) NetworkAgent(_ context.Context, id string) (openstack.NetworkAgent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok {
		return a, fmt.Errorf("neutron: agent %s: %w", id, openstack.ErrNotFound)
	}
	return a, nil
}

func (f *fakeAgents) SetAgentAdminState(_ context.Context, id string, up bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("PUT %s admin_state_up=%v", id, up))
	a := f.agents[id]
	a.AdminUp = up
	f.agents[id] = a
	if f.lose {
		return fmt.Errorf("neutron PUT: %w", httpclient.ErrReplyLost)
	}
	return nil
}

func (f *fakeAgents) DeleteAgent(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DELETE "+id)
	delete(f.agents, id)
	if f.lose {
		return fmt.Errorf("neutron DELETE: %w", httpclient.ErrReplyLost)
	}
	return nil
}

func newFakeAgents() *fakeAgents {
	return &fakeAgents{agents: map[string]openstack.NetworkAgent{
		"dhcp1": {ID: "dhcp1", Binary: "neutron-dhcp-agent", Host: "control01", Alive: true, AdminUp: true},
		"ovs4":  {ID: "ovs4", Binary: "neutron-openvswitch-agent", Host: "compute04", Alive: false, AdminUp: true},
	}}
}

func TestChangeAgentDisableEnableWithSteps(t *testing.T) {
	f := newFakeAgents()
	var lines []string
	res, err := ChangeAgent(context.Background(), f, "dhcp1", AgentDisable, func(s Step) { lines = append(lines, s.Line) })
	if err != nil || res != "neutron-dhcp-agent on control01 disabled (admin_state_up=false)" {
		t.Fatalf("disable: %q %v", res, err)
	}
	if len(lines) != 3 || !strings.Contains(lines[1], "neutron-dhcp-agent on control01") {
		t.Fatalf("steps %q", lines)
	}
	if _, err := ChangeAgent(context.Background(), f, "dhcp1", AgentEnable, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.calls, "; ") != "PUT dhcp1 admin_state_up=false; PUT dhcp1 admin_state_up=true" {
		t.Fatalf("calls %q", f.calls)
	}
}

func TestChangeAgentDeleteRefusesALiveAgent(t *testing.T) {
	f := newFakeAgents()
	_, err := ChangeAgent(context.Background(), f, "dhcp1", AgentDelete, nil)
	if !errors.Is(err, ErrAgentAlive) || !strings.Contains(err.Error(), "neutron-dhcp-agent on control01 is alive") {
		t.Fatalf("err = %v", err)
	}
	if len(f.calls) != 0 {
		t.Fatalf("a live agent's delete reached Neutron: %q", f.calls)
	}
	// The dead one goes.
	if res, err := ChangeAgent(context.Background(), f, "ovs4", AgentDelete, nil); err != nil || !strings.Contains(res, "deleted") {
		t.Fatalf("delete dead: %q %v", res, err)
	}
	if _, err := ChangeAgent(context.Background(), f, "gone", AgentDisable, nil); !errors.Is(err, openstack.ErrNotFound) {
		t.Fatalf("missing agent: %v", err)
	}
}

func TestReadBackAgentAfterLostReply(t *testing.T) {
	f := newFakeAgents()
	f.lose = true
	ctx := context.Background()
	if _, err := ChangeAgent(ctx, f, "dhcp1", AgentDisable, nil); !errors.Is(err, httpclient.ErrReplyLost) {
		t.Fatalf("err %v", err)
	}
	done, ev, err := ReadBackAgent(ctx, f, "dhcp1", AgentDisable, time.Millisecond, 50*time.Millisecond)
	if !done || err != nil || ev != "neutron-dhcp-agent on control01 is alive, admin down" {
		t.Fatalf("read-back disable: %v %q %v", done, ev, err)
	}
	// Not done: the enable never happened.
	done, ev, err = ReadBackAgent(ctx, f, "dhcp1", AgentEnable, time.Millisecond, 20*time.Millisecond)
	if done || err != nil || !strings.Contains(ev, "admin down") {
		t.Fatalf("read-back enable: %v %q %v", done, ev, err)
	}
	if _, err := ChangeAgent(ctx, f, "ovs4", AgentDelete, nil); !errors.Is(err, httpclient.ErrReplyLost) {
		t.Fatalf("err %v", err)
	}
	done, ev, err = ReadBackAgent(ctx, f, "ovs4", AgentDelete, time.Millisecond, 20*time.Millisecond)
	if !done || err != nil || !strings.Contains(ev, "no longer listed") {
		t.Fatalf("read-back delete: %v %q %v", done, ev, err)
	}
}
