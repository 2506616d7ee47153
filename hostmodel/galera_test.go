package hostmodel

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/galera"
)

func TestGaleraFacts(t *testing.T) {
	cl := galera.Cluster{Expected: 3, Nodes: []galera.NodeStatus{
		{Node: galera.Node{Host: "control01"}, LocalState: "Synced", Ready: true, ClusterSize: 2, StateUUID: "u", ClusterName: "openstack"},
		{Node: galera.Node{Host: "control02"}, LocalState: "Donor/Desynced", Ready: true, ClusterSize: 2, StateUUID: "u"},
		{Node: galera.Node{Host: "control03"}, Err: errors.New("galera node control03 (c3:3306): unreachable: connection refused")},
	}}
	fs := FromGalera(cl)
	if len(fs) != 4 {
		t.Fatalf("%+v", fs)
	}
	want := []struct {
		host, state string
		sev         Severity
	}{{"control01", "Synced", OK}, {"control02", "Donor/Desynced", Crit}, {"control03", "unreachable", Crit}}
	for i, w := range want {
		if f := fs[i]; f.Host != w.host || f.Kind != GaleraNode || f.State != w.state || f.Severity != w.sev {
			t.Errorf("%d: %+v", i, f)
		}
	}
	if f := fs[1]; f.Detail != "Donor/Desynced, not Synced" {
		t.Errorf("detail %q", f.Detail)
	}
	if f := fs[3]; f.Host != "" || f.Kind != GaleraCluster || f.Name != "openstack" || f.Severity != Crit || f.Detail != "cluster size 2 of 3" {
		t.Errorf("cluster fact %+v", f)
	}
	// Applied to the model: control02's row carries its Galera state, and
	// the publishing pane is marked CRIT.
	m := New()
	m.Apply(Observation{Pane: "controlplane", Source: Galera, Facts: fs})
	h, ok := m.Host("control02")
	if !ok {
		t.Fatal("no control02")
	}
	found := false
	for _, f := range h.Facts {
		found = found || (f.Kind == GaleraNode && f.State == "Donor/Desynced" && f.Source == Galera)
	}
	if !found {
		t.Errorf("control02 facts %+v", h.Facts)
	}
	if sev, _ := m.PaneSeverity("controlplane"); sev != Crit {
		t.Errorf("pane severity %v", sev)
	}
}

// The incident strip names the Galera nodes in trouble.
func TestGaleraInTheStrip(t *testing.T) {
	cl := galera.Cluster{Expected: 3, Nodes: []galera.NodeStatus{
		{Node: galera.Node{Host: "control01"}, LocalState: "Synced", Ready: true, ClusterSize: 3, StateUUID: "u"},
		{Node: galera.Node{Host: "control02"}, LocalState: "Synced", Ready: true, ClusterSize: 3, StateUUID: "u"},
		{Node: galera.Node{Host: "control03"}, LocalState: "Donor/Desynced", Ready: true, ClusterSize: 3, StateUUID: "u"},
	}}
	m := New()
	m.Apply(Observation{Pane: "controlplane", Source: Galera, Facts: FromGalera(cl)})
	var got []string
	for _, sg := range m.Summarize().Segments() {
		got = append(got, sg.Text)
		if sg.Text == "Galera control03 Donor/Desynced" && sg.Severity != Crit {
			t.Errorf("severity %v", sg.Severity)
		}
	}
	if !strings.Contains(strings.Join(got, "|"), "Galera control03 Donor/Desynced") {
		t.Fatalf("segments %q", got)
	}
	// All Synced: nothing about Galera.
	cl.Nodes[2].LocalState = "Synced"
	m = New()
	m.Apply(Observation{Pane: "controlplane", Source: Galera, Facts: FromGalera(cl)})
	for _, sg := range m.Summarize().Segments() {
		if strings.Contains(sg.Text, "Galera") {
			t.Fatalf("healthy cluster in the strip: %q", sg.Text)
		}
	}
}
