package demo

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/agents"
)

func TestNeutronAgentsFollowTheStory(t *testing.T) {
	e := startCloud(t, Options{Instances: 30, FailAfter: 45 * time.Second})
	nc, err := openstack.NewNetworkV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	list := func(opts agents.ListOpts) []agents.Agent {
		t.Helper()
		pg, err := agents.List(nc, opts).AllPages(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		as, err := agents.ExtractAgents(pg)
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	all := list(agents.ListOpts{})
	if len(all) != 3*4+6 {
		t.Fatalf("%d agents", len(all))
	}
	types := map[string]int{}
	for _, a := range all {
		types[a.AgentType]++
		if !a.Alive || !a.AdminStateUp || a.HeartbeatTimestamp.IsZero() {
			t.Fatalf("agent %+v", a)
		}
	}
	if types["Open vSwitch agent"] != 9 || types["DHCP agent"] != 3 || types["L3 agent"] != 3 || types["Metadata agent"] != 3 {
		t.Fatalf("types %v", types)
	}
	e.advance(45*time.Second + HeartbeatTimeout + time.Second)
	dead := list(agents.ListOpts{Host: "compute04"})
	if len(dead) != 1 || dead[0].Alive || dead[0].Binary != "neutron-openvswitch-agent" {
		t.Fatalf("compute04 agents after power loss %+v", dead)
	}
	if ok := list(agents.ListOpts{Host: "compute03"}); !ok[0].Alive {
		t.Fatal("compute03's agent died too")
	}
	// admin_state_up can be changed.
	down := false
	a, err := agents.Update(context.Background(), nc, dead[0].ID, agents.UpdateOpts{AdminStateUp: &down}).Extract()
	if err != nil || a.AdminStateUp {
		t.Fatalf("update %+v %v", a, err)
	}
	if _, err := agents.Get(context.Background(), nc, "nope").Extract(); err == nil {
		t.Fatal("unknown agent answered")
	}
}
