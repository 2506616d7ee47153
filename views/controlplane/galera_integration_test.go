//go:build integration

package controlplane

// The Galera section against a real one-node MariaDB Galera cluster
// (testenv/controlplane.sh start): Synced, then expected size 3 is CRIT
// "cluster size 1 of 3", then wsrep_desync=ON (from the test's own admin
// session) shows the node Donor/Desynced, CRIT.

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/themes"
)

func TestIntegrationGaleraSection(t *testing.T) {
	addr := os.Getenv("STACKPIT_TEST_GALERA_ADDR")
	if addr == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_GALERA_ADDR unset (run testenv/controlplane.sh start and source testenv/run/controlplane.env)")
		}
		t.Skip("STACKPIT_TEST_GALERA_ADDR unset")
	}
	source := func(expected int) *galera.Client {
		c, err := galera.New(galera.Config{Nodes: []galera.Node{{Host: "control01", Address: addr}}, Expected: expected,
			User: os.Getenv("STACKPIT_TEST_GALERA_USER"), Password: os.Getenv("STACKPIT_TEST_GALERA_PASSWORD"), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	show := func(expected int) (*Pane, string) {
		p := galeraOnly(t, source(expected))
		return p, screen(t, p, 130, 20)
	}
	p, out := show(1)
	if !strings.Contains(out, "✓ Galera: 1/1 nodes Synced") || !strings.Contains(out, "cluster stackpit-test  1 of 1 nodes answer") {
		t.Fatalf("healthy:\n%s", out)
	}
	if r, _ := p.gnodes.Selected(); r.Role != themes.OK {
		t.Errorf("healthy row role %v", r.Role)
	}
	_, out = show(3)
	if !strings.Contains(out, "✗ cluster size 1 of 3") || !strings.Contains(out, "✗ Galera: 1/1 nodes Synced: cluster size 1 of 3") {
		t.Fatalf("expected 3:\n%s", out)
	}

	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = os.Getenv("STACKPIT_TEST_GALERA_ADMIN_USER"), os.Getenv("STACKPIT_TEST_GALERA_ADMIN_PASSWORD"), "tcp", addr
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(conn)
	defer admin.Close()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "SET GLOBAL wsrep_desync=ON"); err != nil {
		t.Fatal(err)
	}
	defer admin.ExecContext(ctx, "SET GLOBAL wsrep_desync=OFF")
	p, out = show(1)
	if !strings.Contains(out, "✗ Galera: 0/1 nodes Synced: control01 Donor/Desynced") || !strings.Contains(out, "✗ Donor/Desynced") {
		t.Fatalf("desynced:\n%s", out)
	}
	if r, _ := p.gnodes.Selected(); r.Role != themes.Crit {
		t.Errorf("desynced row role %v", r.Role)
	}
}
