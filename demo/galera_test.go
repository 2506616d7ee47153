package demo

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/galera"
)

func galeraClient(t testing.TB, c *Cloud) *galera.Client {
	t.Helper()
	g := c.Config().Galera
	if g == nil || len(g.Nodes) != 3 {
		t.Fatalf("galera config %+v", g)
	}
	cfg := galera.Config{User: g.Username, Password: g.Password, Timeout: 5 * time.Second}
	for _, n := range g.Nodes {
		cfg.Nodes = append(cfg.Nodes, galera.Node{Host: n.Host, Address: n.Address})
	}
	cl, err := galera.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// The real datasource (go-sql-driver/mysql) against the demo's MySQL wire
// server: three Synced nodes, then control03 Donor/Desynced 30s after
// compute04 fails, for 60s; only reads reach the servers.
func TestGaleraStoryOverTheWire(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: 45 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := galeraClient(t, c)
	read := func() galera.Cluster {
		cl := g.Read(context.Background())
		for _, n := range cl.Nodes {
			if n.Err != nil {
				t.Fatal(n.Err)
			}
		}
		return cl
	}
	cl := read()
	for _, n := range cl.Nodes {
		if n.LocalState != "Synced" || n.ClusterSize != 3 || !n.Ready || n.ClusterName != "openstack" || n.MaxConnections != 10000 || len(n.Problems()) != 0 {
			t.Fatalf("%+v %+v", n, n.Problems())
		}
	}
	if cl.Nodes[2].Host != "control03" {
		t.Fatalf("nodes %+v", cl.Nodes)
	}
	now.Add(int64(45*time.Second + 40*time.Second))
	cl = read()
	d := cl.Nodes[2]
	if d.LocalState != "Donor/Desynced" || galera.Worst(d.Problems()) != galera.Crit || len(d.Queries) != 1 || d.Queries[0].User != "mariabackup" {
		t.Fatalf("donor %+v %+v", d, d.Problems())
	}
	if cl.Nodes[0].LocalState != "Synced" {
		t.Fatal("only control03 is the donor")
	}
	now.Add(int64(60 * time.Second))
	if cl = read(); cl.Nodes[2].LocalState != "Synced" {
		t.Fatalf("still %s after the window", cl.Nodes[2].LocalState)
	}
	for _, r := range c.Mutations() {
		if strings.HasPrefix(r.Service, "galera-") {
			t.Errorf("mutating statement reached the demo: %+v", r)
		}
	}
	n := 0
	for _, r := range c.Requests() {
		if strings.HasPrefix(r.Service, "galera-") {
			n++
		}
	}
	if n != 3*3*6 {
		t.Errorf("%d statements, want 6 per node per read", n)
	}
}

// A wrong password is refused by the demo's server as by MariaDB.
func TestGaleraWrongPassword(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := c.Config().Galera
	cl, _ := galera.New(galera.Config{Nodes: []galera.Node{{Host: "control01", Address: g.Nodes[0].Address}}, User: g.Username, Password: "nope"})
	defer cl.Close()
	if err := cl.Read(context.Background()).Nodes[0].Err; err == nil || !strings.Contains(err.Error(), "login refused") {
		t.Fatalf("%v", err)
	}
	if !galeraReads("SHOW GLOBAL STATUS LIKE 'wsrep_%'") || galeraReads("SET GLOBAL wsrep_desync=ON") || galeraReads("SELECT 1; DROP TABLE x") {
		t.Error("galeraReads")
	}
}
