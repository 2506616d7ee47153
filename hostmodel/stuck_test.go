package hostmodel

import (
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

func segmentsText(s Summary) string {
	var parts []string
	for _, sg := range s.Segments() {
		parts = append(parts, sg.Text+"/"+sg.Severity.String())
	}
	return strings.Join(parts, " · ")
}

func TestStuckResourcesReachTheStripAndGo(t *testing.T) {
	m := New()
	at := time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)
	ports := FromStuckPorts([]openstack.StuckPort{
		{Port: openstack.Port{ID: "p1", Status: "DOWN", VIFType: "binding_failed", HostID: "compute04"}, Reason: "binding failed"},
		{Port: openstack.Port{ID: "p2", Status: "DOWN", VIFType: "ovs", HostID: "compute02"}, Reason: "DOWN, server ACTIVE"},
	})
	routers := FromHARouters([]openstack.HARouter{
		{Router: openstack.Router{ID: "r1", Name: "ext", HA: true}, Agents: []openstack.RouterAgent{{Host: "control01", HAState: "active"}, {Host: "control02", HAState: "active"}}},
		{Router: openstack.Router{ID: "r2", Name: "ok", HA: true}, Agents: []openstack.RouterAgent{{Host: "control01", HAState: "active"}, {Host: "control02", HAState: "standby"}}},
		{Router: openstack.Router{ID: "r3", Name: "none", HA: true}, Agents: []openstack.RouterAgent{{Host: "control01", HAState: "standby"}}},
	})
	if len(routers) != 2 || routers[0].Status != "active on 2 agents" || routers[0].Host != "control01,control02" || routers[1].Status != "active on no agent" {
		t.Fatalf("routers %+v", routers)
	}
	m.Apply(Observation{Pane: "networks", Source: Neutron, Scope: "ports", At: at, Facts: StuckFacts(ports)})
	m.Apply(Observation{Pane: "networks", Source: Neutron, Scope: "routers", At: at, Facts: StuckFacts(routers)})
	// A volumes pane's hook works the same way.
	m.Apply(Observation{Pane: "volumes", Source: Cinder, Scope: "volumes", At: at,
		Facts: StuckFacts([]StuckResource{{Kind: "volume", ID: "v1", Status: "error_deleting"}})})
	if got := segmentsText(m.Summarize()); got != "2 stuck ports/CRIT · 2 broken HA routers/CRIT · 1 stuck volume/WARN" {
		t.Fatalf("segments %q", got)
	}
	if sev, _ := m.PaneSeverity("networks"); sev != Crit {
		t.Fatalf("networks tab severity %v", sev)
	}
	// Stuck resources stay off the hosts' rows.
	if h, ok := m.Host("compute04"); ok && h.Severity() != OK {
		t.Fatalf("compute04 graded by its port: %+v", h)
	}
	m.Apply(Observation{Pane: "networks", Source: Neutron, Scope: "ports", At: at.Add(time.Minute)})
	if got := segmentsText(m.Summarize()); got != "2 broken HA routers/CRIT · 1 stuck volume/WARN" {
		t.Fatalf("after the ports recovered: %q", got)
	}
}
