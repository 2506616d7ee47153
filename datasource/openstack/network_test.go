package openstack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Port shapes as Neutron (Zed) answers GET /v2.0/ports for an admin.
const portDown = `{"id":"p-down","name":"","network_id":"net-1","tenant_id":"proj-a","project_id":"proj-a",
 "mac_address":"fa:16:3e:00:00:01","admin_state_up":true,"status":"DOWN","device_id":"srv-1",
 "device_owner":"compute:nova","fixed_ips":[{"subnet_id":"sub-1","ip_address":"10.0.0.5"}],
 "binding:host_id":"compute02","binding:vif_type":"ovs","binding:vnic_type":"normal",
 "created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-06T09:00:00Z"}`

const portFailed = `{"id":"p-failed","name":"web-port","network_id":"net-1","tenant_id":"proj-a","project_id":"proj-a",
 "status":"DOWN","device_id":"srv-2","device_owner":"compute:nova",
 "fixed_ips":[{"subnet_id":"sub-1","ip_address":"10.0.0.6"}],
 "binding:host_id":"compute04","binding:vif_type":"binding_failed",
 "created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-06T09:30:00Z"}`

func TestSuspectPortsFiltersServerSide(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /network/v2.0/ports", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Has("binding:vif_type"):
			// What Zed answers: the attribute is not a filter.
			writeJSON(w, 400, []byte(`{"NeutronError":{"type":"HTTPBadRequest","message":"['binding:vif_type'] is invalid attribute for filtering","detail":""}}`))
		case strings.Join(q["status"], ",") == "DOWN,BUILD":
			writeJSON(w, 200, []byte(`{"ports":[`+portDown+`,`+portFailed+`]}`))
		default:
			t.Errorf("unfiltered port list: %s", r.URL.RawQuery)
			writeJSON(w, 200, []byte(`{"ports":[]}`))
		}
	})
	f.on("GET /network/v2.0/networks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"networks":[{"id":"net-1","name":"tenant-net"}]}`))
	})
	c := f.client(t, true)
	ps, err := c.SuspectPorts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != "p-failed" || ps[1].ID != "p-down" {
		t.Fatalf("ports = %+v", ps)
	}
	if n := len(f.requests("GET", "/network/v2.0/ports")); n != 1 {
		t.Fatalf("%d port list requests, want 1", n)
	}
	p := ps[0]
	if p.HostID != "compute04" || p.VIFType != "binding_failed" || p.NetworkName != "tenant-net" ||
		p.DeviceOwner != "compute:nova" || p.DeviceID != "srv-2" || len(p.FixedIPs) != 1 || p.FixedIPs[0] != "10.0.0.6" ||
		!p.Updated.Equal(time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("port = %+v", p)
	}
}

func TestPortsFollowMarkerNotTheLinkHost(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /network/v2.0/ports", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" {
			// A next link naming another host: only its marker is used.
			writeJSON(w, 200, []byte(`{"ports":[`+portDown+`],"ports_links":[{"rel":"next",
				"href":"http://evil.example/v2.0/ports?limit=1&marker=p-down&status=DOWN"}]}`))
			return
		}
		if r.URL.Query().Get("status") != "DOWN" {
			t.Errorf("second page lost the filter: %s", r.URL.RawQuery)
		}
		writeJSON(w, 200, []byte(`{"ports":[`+portFailed+`]}`))
	})
	c := f.client(t, true)
	ps, err := c.Ports(context.Background(), map[string][]string{"status": {"DOWN"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || len(f.requests("GET", "/network/v2.0/ports")) != 2 {
		t.Fatalf("ports %d, requests %d", len(ps), len(f.requests("GET", "/network/v2.0/ports")))
	}
}

func TestHARoutersAskAgentsOnlyForHARoutersBounded(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	var routers strings.Builder
	routers.WriteString(`{"routers":[`)
	for i := 0; i < 12; i++ {
		if i > 0 {
			routers.WriteString(",")
		}
		ha := "true"
		if i%3 == 2 {
			ha = "false"
		}
		routers.WriteString(`{"id":"r` + string(rune('a'+i)) + `","name":"router-` + string(rune('a'+i)) +
			`","status":"ACTIVE","admin_state_up":true,"ha":` + ha + `,"distributed":false,"project_id":"p"}`)
	}
	routers.WriteString(`]}`)
	f.on("GET /network/v2.0/routers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(routers.String()))
	})
	var inFlight, peak atomic.Int32
	agents := func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		id := strings.Split(r.URL.Path, "/")[4]
		second := "standby"
		if id == "ra" {
			second = "active" // split brain
		}
		writeJSON(w, 200, []byte(`{"agents":[
			{"id":"l3-1","agent_type":"L3 agent","binary":"neutron-l3-agent","host":"control02","alive":true,"admin_state_up":true,"ha_state":"`+second+`"},
			{"id":"l3-0","agent_type":"L3 agent","binary":"neutron-l3-agent","host":"control01","alive":true,"admin_state_up":true,"ha_state":"active"}]}`))
	}
	for i := 0; i < 12; i++ {
		f.on("GET /network/v2.0/routers/r"+string(rune('a'+i))+"/l3-agents", agents)
	}
	HAConcurrency = 2
	t.Cleanup(func() { HAConcurrency = 4 })
	c := f.client(t, true)
	rs, err := c.HARouters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 8 {
		t.Fatalf("%d HA routers, want 8", len(rs))
	}
	if got := len(f.requests("GET", "/l3-agents")); got != 8 {
		t.Fatalf("%d l3-agents requests, want one per HA router (8)", got)
	}
	if peak.Load() > 2 {
		t.Fatalf("%d l3-agents requests in flight, limit 2", peak.Load())
	}
	if rs[0].ID != "ra" || rs[0].Active() != 2 || rs[1].Active() != 1 || rs[0].Agents[0].Host != "control01" {
		t.Fatalf("routers %+v", rs[:2])
	}
}

func TestAgentActionsSendNeutronShapesAndReadOnlyRefuses(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("PUT /network/v2.0/agents/ag-1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"agent":{"id":"ag-1","admin_state_up":false}}`))
	})
	f.on("DELETE /network/v2.0/agents/ag-1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	c := f.client(t, false)
	ctx := context.Background()
	if err := c.SetAgentAdminState(ctx, "ag-1", false); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAgent(ctx, "ag-1"); err != nil {
		t.Fatal(err)
	}
	put := f.requests("PUT", "/agents/ag-1")
	if len(put) != 1 || strings.ReplaceAll(put[0].Body, " ", "") != `{"agent":{"admin_state_up":false}}` {
		t.Fatalf("PUT = %+v", put)
	}
	if len(f.requests("DELETE", "/agents/ag-1")) != 1 {
		t.Fatal("no DELETE sent")
	}

	ro := f.client(t, true)
	for _, err := range []error{ro.SetAgentAdminState(ctx, "ag-1", true), ro.DeleteAgent(ctx, "ag-1")} {
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Fatalf("read-only: %v", err)
		}
	}
	if len(f.requests("PUT", "/agents/")) != 1 || len(f.requests("DELETE", "/agents/")) != 1 {
		t.Fatal("a read-only session reached Neutron")
	}
}

func TestStuckPortsNeedAnActiveServer(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	shutoff := strings.NewReplacer(`"p-down"`, `"p-off"`, `"srv-1"`, `"srv-3"`).Replace(portDown)
	dhcp := strings.NewReplacer(`"p-down"`, `"p-dhcp"`, `"compute:nova"`, `"network:dhcp"`, `"srv-1"`, `"dhcp-x"`).Replace(portDown)
	f.on("GET /network/v2.0/ports", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"ports":[`+portDown+`,`+shutoff+`,`+dhcp+`,`+portFailed+`]}`))
	})
	f.on("GET /network/v2.0/networks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, []byte(`{"NeutronError":{"message":"boom"}}`)) // names are extras
	})
	f.on("GET /compute/v2.1/servers/srv-1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"server":{"id":"srv-1","status":"ACTIVE"}}`))
	})
	f.on("GET /compute/v2.1/servers/srv-3", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"server":{"id":"srv-3","status":"SHUTOFF"}}`))
	})
	c := f.client(t, true)
	ps, unchecked, err := c.StuckPorts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.ID+": "+p.Reason)
	}
	if strings.Join(got, "; ") != "p-failed: binding failed; p-down: DOWN, server ACTIVE" || unchecked != 0 {
		t.Fatalf("stuck = %q, unchecked %d", got, unchecked)
	}
	// Only the DOWN compute ports' servers were read, once each.
	if n := len(f.requests("GET", "/compute/v2.1/servers/")); n != 2 {
		t.Fatalf("%d server reads, want 2", n)
	}
	MaxServerChecks = 1
	t.Cleanup(func() { MaxServerChecks = 200 })
	if _, unchecked, _ = c.StuckPorts(context.Background()); unchecked != 1 {
		t.Fatalf("unchecked = %d past the cap, want 1", unchecked)
	}
}
