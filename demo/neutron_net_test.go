package demo

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/agents"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

type boundPort struct {
	ports.Port
	portsbinding.PortsBindingExt
}

// The network story, read with gophercloud's own parsers: calm before the
// power loss; after it, three binding_failed ports on compute04, a DOWN
// port of an ACTIVE server on compute02, and ext-router active on two L3
// agents. Paging follows Neutron's next links.
func TestNeutronPortsAndHARoutersFollowTheStory(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: 45 * time.Second})
	nc, err := openstack.NewNetworkV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list := func(opts ports.ListOpts) []boundPort {
		t.Helper()
		pg, err := ports.List(nc, opts).AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ps []boundPort
		if err := ports.ExtractPortsInto(pg, &ps); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	active := func(name string) int {
		t.Helper()
		pg, err := routers.List(nc, routers.ListOpts{Name: name}).AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := routers.ExtractRouters(pg)
		var id string
		for _, r := range rs {
			if r.Name == name {
				id = r.ID
			}
		}
		apg, err := routers.ListL3Agents(nc, id).AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		as, err := routers.ExtractL3Agents(apg)
		if err != nil || len(as) != 3 {
			t.Fatalf("l3 agents %+v %v", as, err)
		}
		n := 0
		for _, a := range as {
			if a.HAState == "active" {
				n++
			}
		}
		return n
	}
	all := list(ports.ListOpts{Limit: 4})
	if len(all) < 10 || len(list(ports.ListOpts{})) != len(all) {
		t.Fatalf("paged %d ports, unpaged %d", len(all), len(list(ports.ListOpts{})))
	}
	for _, p := range all {
		if p.VIFType == "binding_failed" {
			t.Fatalf("a failed binding before the incident: %+v", p)
		}
	}
	if active("ext-router") != 1 {
		t.Fatal("ext-router split before the incident")
	}

	e.advance(45*time.Second + HeartbeatTimeout + time.Second)
	var failed, downActive int
	for _, p := range list(ports.ListOpts{}) {
		if p.VIFType == "binding_failed" {
			failed++
			if p.HostID != "compute04" || p.Status != "DOWN" || p.DeviceOwner != "compute:nova" {
				t.Fatalf("failed port %+v", p)
			}
		}
		if p.Status == "DOWN" && p.VIFType == "ovs" && p.HostID == "compute02" {
			if in := e.c.Story.Instance(p.DeviceID); in != nil && in.Status == "ACTIVE" {
				downActive++
			}
		}
	}
	if failed != 3 || downActive != 1 {
		t.Fatalf("after the incident: %d binding_failed, %d DOWN ports of ACTIVE servers", failed, downActive)
	}
	if active("ext-router") != 2 {
		t.Fatal("ext-router is not split brain after the incident")
	}
	if pg, _ := routers.List(nc, routers.ListOpts{}).AllPages(ctx); pg != nil {
		rs, _ := routers.ExtractRouters(pg)
		if len(rs) != 2 || active(rs[1].Name) != 1 {
			t.Fatalf("routers %+v", rs)
		}
	}

	// A dead agent's record can be deleted; it is gone from the list.
	pg, _ := agents.List(nc, agents.ListOpts{Host: "compute04"}).AllPages(ctx)
	as, _ := agents.ExtractAgents(pg)
	if len(as) != 1 || as[0].Alive {
		t.Fatalf("compute04 agents %+v", as)
	}
	if err := agents.Delete(ctx, nc, as[0].ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	pg, _ = agents.List(nc, agents.ListOpts{Host: "compute04"}).AllPages(ctx)
	if as, _ = agents.ExtractAgents(pg); len(as) != 0 {
		t.Fatalf("deleted agent still listed: %+v", as)
	}
}
