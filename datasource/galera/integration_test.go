//go:build integration

package galera_test

// Against a real one-node MariaDB Galera cluster (Debian's mariadb-server
// with galera-4; testenv/controlplane.sh start). The monitoring account
// reads; the admin account is the test's own set-up (desync the node, run a
// slow statement), never the datasource's.

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stackpit/stackpit/datasource/galera"
)

func env(t testing.TB) (addr, user, pw string) {
	addr = os.Getenv("STACKPIT_TEST_GALERA_ADDR")
	if addr == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_GALERA_ADDR unset (run testenv/controlplane.sh start and source testenv/run/controlplane.env)")
		}
		t.Skip("STACKPIT_TEST_GALERA_ADDR unset")
	}
	return addr, os.Getenv("STACKPIT_TEST_GALERA_USER"), os.Getenv("STACKPIT_TEST_GALERA_PASSWORD")
}

// admin is the test's own read-write session (set-up only).
func admin(t *testing.T, addr string) *sql.DB {
	t.Helper()
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = os.Getenv("STACKPIT_TEST_GALERA_ADMIN_USER"), os.Getenv("STACKPIT_TEST_GALERA_ADMIN_PASSWORD"), "tcp", addr
	c, err := mysql.NewConnector(mc)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func read(t *testing.T, expected int) galera.Cluster {
	t.Helper()
	addr, user, pw := env(t)
	c, err := galera.New(galera.Config{Nodes: []galera.Node{{Host: "control01", Address: addr}}, User: user, Password: pw,
		Expected: expected, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := c.Read(context.Background())
	if err := cl.Nodes[0].Err; err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestIntegrationSyncedOneNodeCluster(t *testing.T) {
	cl := read(t, 1)
	n := cl.Nodes[0]
	if n.LocalState != "Synced" || n.ClusterSize != 1 || !n.Ready || !n.Connected || n.ClusterStatus != "Primary" ||
		len(n.StateUUID) != 36 || n.MaxConnections <= 0 || n.Connections < 1 || !strings.Contains(n.Version, "MariaDB") ||
		n.ClusterName != "stackpit-test" {
		t.Fatalf("%+v", n)
	}
	if ps := append(n.Problems(), cl.Problems()...); len(ps) != 0 {
		t.Errorf("problems on a healthy one-node cluster: %+v", ps)
	}
	// The operator said there should be three.
	cl = read(t, 3)
	ps := cl.Problems()
	if len(ps) != 1 || ps[0].Severity != galera.Crit || ps[0].Text != "cluster size 1 of 3" {
		t.Errorf("expected 3: %+v", ps)
	}
}

// wsrep_desync=ON (what a backup or a donor SST does) takes the node out of
// Synced: Donor/Desynced, CRIT.
func TestIntegrationDesyncedNodeIsCrit(t *testing.T) {
	addr, _, _ := env(t)
	db := admin(t, addr)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "SET GLOBAL wsrep_desync=ON"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(ctx, "SET GLOBAL wsrep_desync=OFF") })
	n := read(t, 1).Nodes[0]
	if n.LocalState != "Donor/Desynced" {
		t.Fatalf("state %q", n.LocalState)
	}
	ps := n.Problems()
	if galera.Worst(ps) != galera.Crit || ps[0].Text != "Donor/Desynced, not Synced" {
		t.Errorf("%+v", ps)
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL wsrep_desync=OFF"); err != nil {
		t.Fatal(err)
	}
	if n := read(t, 1).Nodes[0]; n.LocalState != "Synced" || len(n.Problems()) != 0 {
		t.Errorf("after desync off: %s %+v", n.LocalState, n.Problems())
	}
}

// A slow statement of another session shows in the processlist read (the
// monitoring account has PROCESS).
func TestIntegrationLongestQuery(t *testing.T) {
	addr, _, _ := env(t)
	db := admin(t, addr)
	done := make(chan error, 1)
	go func() { _, err := db.ExecContext(context.Background(), "DO SLEEP(4)"); done <- err }()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := read(t, 1).Nodes[0]
		if q, ok := n.Longest(); ok && strings.Contains(q.Info, "SLEEP(4)") {
			if q.User != os.Getenv("STACKPIT_TEST_GALERA_ADMIN_USER") || q.Command != "Query" {
				t.Errorf("%+v", q)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow statement never listed: %+v", n.Queries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationWrongPasswordAndNothingListening(t *testing.T) {
	addr, user, _ := env(t)
	c, _ := galera.New(galera.Config{Nodes: []galera.Node{{Address: addr}, {Address: "127.0.0.1:1"}}, User: user, Password: "not-the-password", Timeout: 5 * time.Second})
	defer c.Close()
	cl := c.Read(context.Background())
	var e *galera.Error
	if !errors.As(cl.Nodes[0].Err, &e) || e.Kind != galera.Auth || strings.Contains(e.Error(), "not-the-password") {
		t.Errorf("wrong password: %v", cl.Nodes[0].Err)
	}
	if !errors.As(cl.Nodes[1].Err, &e) || e.Kind != galera.Unreachable {
		t.Errorf("nothing listening: %v", cl.Nodes[1].Err)
	}
	if ps := cl.Problems(); len(ps) != 1 || ps[0].Text != "no node answers" {
		t.Errorf("%+v", ps)
	}
}
