package controlplane

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

type fakeGalera struct{ cl galera.Cluster }

func (f *fakeGalera) Read(context.Context) galera.Cluster { return f.cl }

func syncedNode(host string) galera.NodeStatus {
	return galera.NodeStatus{Node: galera.Node{Host: host, Address: host + ":3306"}, ClusterSize: 3, LocalState: "Synced", Ready: true,
		Connected: true, ClusterStatus: "Primary", StateUUID: "4f1c9a2e-8d3b-11ee-9c41-2b7e5d0a1f33", RecvQueueAvg: 0.02,
		Connections: 87, MaxConnections: 1000, Version: "10.11.19-MariaDB", ClusterName: "openstack"}
}

// galeraFixture: controller2 is a donor (desynced, flow control pausing
// the cluster), controller1 runs a long nova query.
func galeraFixture() *fakeGalera {
	c1, c2, c3 := syncedNode("controller1"), syncedNode("controller2"), syncedNode("controller3")
	c1.Queries = []galera.Query{{ID: 8812, User: "nova", Host: "10.0.0.21:51234", DB: "nova", Command: "Query", Time: 95 * time.Second,
		State: "Sending data", Info: "SELECT instances.uuid FROM instances\n WHERE deleted = 0"}}
	c2.LocalState, c2.FlowControlPaused, c2.RecvQueueAvg = "Donor/Desynced", 0.31, 14.2
	return &fakeGalera{cl: galera.Cluster{Expected: 3, Nodes: []galera.NodeStatus{c1, c2, c3}}}
}

func galeraOnly(t *testing.T, g GaleraSource) *Pane {
	t.Helper()
	p := New(paneCtx(), Sources{Galera: g})
	runAll(p, p.Init())
	p.parts[pGalera].updated = fixedNow.Add(-3 * time.Second)
	for p.Section() != SecGalera {
		key(p, "]")
	}
	return p
}

func TestGaleraSection(t *testing.T) {
	p := galeraOnly(t, galeraFixture())
	out := screen(t, p, 130, 20)
	lines := strings.Split(out, "\n")
	var first string
	for i, l := range lines {
		if strings.HasPrefix(l, "NODE") && i+1 < len(lines) {
			first = lines[i+1]
		}
	}
	// The donor first, marked, with why.
	if !strings.HasPrefix(first, "controller2") || !strings.Contains(first, "✗ Donor/Desynced") ||
		!strings.Contains(first, "not Synced; flow control paused 31%; recv queue avg 14.2") {
		t.Errorf("first row %q\n%s", first, out)
	}
	for _, want := range []string{
		"✗ Galera: 2/3 nodes Synced: controller2 Donor/Desynced (<10s ago)",
		"cluster openstack  3 of 3 nodes answer, expected size 3  MariaDB 10.11.19-MariaDB",
		"longest on controller1: 1m nova Query SELECT instances.uuid FROM instances WHERE deleted = 0",
		"87/1000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q\n%s", want, out)
		}
	}
	if r, _ := p.gnodes.Selected(); r.Role != themes.Crit {
		t.Errorf("donor row role %v", r.Role)
	}
	if h := p.SelectedHost(); h != "controller2" {
		t.Errorf("selected host %q", h)
	}
	if m, ok := key(p, "l")().(pane.PivotMsg); !ok || m.Pane != "logs" || m.Query != "host:controller2" {
		t.Errorf("pivot %+v", m)
	}
}

// The cluster's own problems: a node that sees fewer members than expected
// and two cluster state UUIDs are CRIT lines above the table; an
// unreadable node is a CRIT row with its error.
func TestGaleraClusterProblems(t *testing.T) {
	g := galeraFixture()
	g.cl.Nodes[1] = syncedNode("controller2")
	g.cl.Nodes[1].ClusterSize, g.cl.Nodes[1].StateUUID = 1, "9d0e7c11-0000-11ee-8000-000000000000"
	g.cl.Nodes[2] = galera.NodeStatus{Node: galera.Node{Host: "controller3", Address: "controller3:3306"},
		Err: &galera.Error{Node: "controller3", Addr: "controller3:3306", Kind: galera.Unreachable, Msg: "unreachable: connection refused"}}
	p := galeraOnly(t, g)
	out := screen(t, p, 130, 20)
	for _, want := range []string{
		"✗ cluster size 1 of 3",
		"✗ split: 2 cluster state UUIDs (4f1c9a2e on controller1; 9d0e7c11 on controller2)",
		"✗ unreadable",
		"unreachable: connection refused",
		"✗ Galera: 2/3 nodes Synced: controller3 unreadable, cluster size 1 of 3, split",
		"1/3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q\n%s", want, out)
		}
	}
}

// Every node failing fails the part (and the host model hears an error);
// some failing keep the part loaded.
func TestGaleraObservations(t *testing.T) {
	g := galeraFixture()
	p := New(paneCtx(), Sources{Galera: g})
	var obs []hostmodel.Observation
	b := p.Init()()
	_, cmd := p.Update(b)
	obs = append(obs, cmd().(hostmodel.Observation))
	if o := obs[0]; o.Source != hostmodel.Galera || o.Err != nil || len(o.Facts) != 3 || o.Facts[1].State != "Donor/Desynced" || o.Facts[1].Severity != hostmodel.Crit {
		t.Fatalf("%+v", o)
	}
	down := errors.New("galera node x: unreachable")
	for i := range g.cl.Nodes {
		g.cl.Nodes[i] = galera.NodeStatus{Node: g.cl.Nodes[i].Node, Err: down}
	}
	_, cmd = p.Update(p.Refresh()())
	if o := cmd().(hostmodel.Observation); o.Err != down {
		t.Fatalf("%+v", o)
	}
	if st := p.Status(); st.Err != down {
		t.Errorf("status %+v", st)
	}
}
