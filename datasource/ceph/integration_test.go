//go:build integration

package ceph_test

// Real-cluster tests: testenv/ceph.sh install && testenv/ceph.sh start, then
// source testenv/run/ceph.env and run `go test -tags integration ./datasource/ceph/`.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/httpclient"
	cephview "github.com/stackpit/stackpit/views/ceph"
	"github.com/stackpit/stackpit/views/pane"
)

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("%s is not set (run testenv/ceph.sh start and source testenv/run/ceph.env)", name)
		}
		t.Skipf("%s is not set; skipping the real-Ceph test", name)
	}
	return v
}

func realDashboard(t *testing.T, readOnly bool, user, password string) *ceph.Dashboard {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d, err := ceph.NewDashboard(hc, ceph.DashboardOptions{URL: env(t, "STACKPIT_TEST_CEPH_URL"), Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func admin(t *testing.T, readOnly bool) *ceph.Dashboard {
	return realDashboard(t, readOnly, env(t, "STACKPIT_TEST_CEPH_USER"), env(t, "STACKPIT_TEST_CEPH_PASSWORD"))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestRealReadHealthOSDsPools(t *testing.T) {
	d := admin(t, true)
	c, err := d.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) > 0 {
		t.Errorf("notes: %v", c.Notes)
	}
	if c.Status == "" || c.FSID == "" {
		t.Errorf("status %q fsid %q", c.Status, c.FSID)
	}
	hosts := c.Hosts()
	if len(c.OSDs) != 3 || strings.Join(hosts, ",") != "compute01,compute02,compute03" {
		t.Fatalf("osds %+v hosts %v", c.OSDs, hosts)
	}
	for _, o := range c.OSDs {
		if !o.Up || !o.In || o.BytesTotal < 9<<30 || o.DeviceClass == "" {
			t.Errorf("%+v", o)
		}
	}
	names := map[string]ceph.Pool{}
	for _, p := range c.Pools {
		names[p.Name] = p
	}
	for _, n := range []string{"volumes", "vms", "images", "backups"} {
		p, ok := names[n]
		if !ok || p.Size != 3 || p.MinSize != 2 || p.PGNum == 0 || p.MaxAvail == 0 {
			t.Errorf("pool %s: %+v", n, p)
		}
	}
	if len(c.Mons) != 1 || !c.Mons[0].InQuorum || c.MgrActive == "" || c.NumPGs() == 0 {
		t.Errorf("mons %+v mgr %q pgs %v", c.Mons, c.MgrActive, c.PGStates)
	}
	status, checks, err := d.Health(ctx(t))
	if err != nil || status != c.Status || len(checks) != len(c.Checks) {
		t.Errorf("minimal health %q %v %v", status, checks, err)
	}
}

func TestRealMetricsFallback(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	m, err := ceph.NewMetrics(hc, env(t, "STACKPIT_TEST_CEPH_METRICS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OSDs) != 3 {
		t.Fatalf("osds %+v", c.OSDs)
	}
	// Metadata host names are compute0N only when the daemons ran under
	// `unshare --uts` (testenv/ceph.sh says so).
	if os.Getenv("STACKPIT_TEST_CEPH_HOSTNAMES") == "1" && c.OSDs[0].Host != "compute01" {
		t.Errorf("osd.0 metadata host %q", c.OSDs[0].Host)
	}
	if c.Status == "" || len(c.OSDs) != 3 || c.OSDs[0].Host == "" || len(c.Pools) < 4 {
		t.Fatalf("%s %+v %+v", c.Status, c.OSDs, c.Pools)
	}
}

func script(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(env(t, "STACKPIT_TEST_CEPH_SCRIPT"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ceph.sh %v: %v\n%s", args, err, out)
	}
}

func waitSnapshot(t *testing.T, d *ceph.Dashboard, what string, ok func(*ceph.Cluster) bool) *ceph.Cluster {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last *ceph.Cluster
	for time.Now().Before(deadline) {
		c, err := d.Snapshot(ctx(t))
		if err == nil {
			last = c
			if ok(c) {
				return c
			}
		}
		time.Sleep(time.Second)
	}
	if last != nil {
		t.Fatalf("timed out waiting for %s; last status %s checks %+v", what, last.Status, last.Checks)
	}
	t.Fatalf("timed out waiting for %s", what)
	return nil
}

func TestRealStoppedOSDShowsDown(t *testing.T) {
	d := admin(t, true)
	script(t, "stop-osd", "2")
	t.Cleanup(func() { script(t, "start-osd", "2") })
	c := waitSnapshot(t, d, "OSD_DOWN for osd.2", func(c *ceph.Cluster) bool {
		ch, ok := c.Check("OSD_DOWN")
		return ok && len(ch.Detail) > 0 && strings.Contains(ch.Detail[0], "osd.2")
	})
	ch, _ := c.Check("OSD_DOWN")
	if ch.Severity != ceph.HealthWarn || !strings.Contains(ch.Detail[0], "host=compute03") {
		t.Errorf("OSD_DOWN %+v", ch)
	}
	o, _ := c.OSD(2)
	if o.Up || o.Host != "compute03" {
		t.Errorf("osd.2 %+v", o)
	}
}

func TestRealNooutThroughActionLayer(t *testing.T) {
	rw := admin(t, false)
	set := cephview.NooutAction(rw, true)
	unset := cephview.NooutAction(rw, false)
	if !set.Mutates || !unset.Mutates {
		t.Fatal("noout actions must be marked mutating")
	}
	t.Cleanup(func() { _, _ = unset.Run(context.Background(), func(pane.Progress) {}) })
	if _, err := set.Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	c, err := rw.Snapshot(ctx(t))
	if err != nil || !c.HasFlag("noout") {
		t.Fatalf("noout not set: %v %v", c.Flags, err)
	}
	if !c.HasFlag("sortbitwise") {
		t.Fatalf("other flags lost: %v", c.Flags)
	}
	waitSnapshot(t, rw, "OSDMAP_FLAGS", func(c *ceph.Cluster) bool { _, ok := c.Check("OSDMAP_FLAGS"); return ok })
	if _, err := unset.Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	c, err = rw.Snapshot(ctx(t))
	if err != nil || c.HasFlag("noout") || !c.HasFlag("sortbitwise") {
		t.Fatalf("after unset: %v %v", c.Flags, err)
	}
}

func TestRealReadOnlyRefused(t *testing.T) {
	// Our guard refuses before the wire...
	ro := admin(t, true)
	if err := ro.SetNoout(ctx(t), true); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only SetNoout: %v", err)
	}
	a := cephview.MarkAction(ro, 1, "compute02", false)
	if _, err := a.Run(ctx(t), func(pane.Progress) {}); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only mark out: %v", err)
	}
	c, err := ro.Snapshot(ctx(t))
	if err != nil || c.HasFlag("noout") {
		t.Fatalf("flags %v err %v", c.Flags, err)
	}
	for _, o := range c.OSDs {
		if !o.In {
			t.Errorf("%s out", o.Name)
		}
	}
	// ...and a dashboard user with the read-only role is refused by Ceph,
	// with the server's own message.
	viewer := realDashboard(t, false, env(t, "STACKPIT_TEST_CEPH_RO_USER"), env(t, "STACKPIT_TEST_CEPH_RO_PASSWORD"))
	if _, err := viewer.Snapshot(ctx(t)); err != nil {
		t.Fatalf("viewer cannot read: %v", err)
	}
	err = viewer.SetNoout(ctx(t), true)
	var apiErr *ceph.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 {
		t.Fatalf("viewer SetNoout: %v", err)
	}
}

func TestRealWrongPasswordTriedOnce(t *testing.T) {
	// One failed login (of the ten that disable a user), then a good one
	// resets the counter.
	user := env(t, "STACKPIT_TEST_CEPH_RO_USER")
	bad := realDashboard(t, true, user, "wrong-password")
	for i := 0; i < 3; i++ {
		if _, err := bad.Snapshot(ctx(t)); !errors.Is(err, ceph.ErrAuthFailed) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	good := realDashboard(t, true, user, env(t, "STACKPIT_TEST_CEPH_RO_PASSWORD"))
	if _, err := good.Snapshot(ctx(t)); err != nil {
		t.Fatalf("good password after one failure: %v", err)
	}
}

func TestRealMarkOutInAndOSDNoout(t *testing.T) {
	rw := admin(t, false)
	out := cephview.MarkAction(rw, 2, "compute03", false)
	in := cephview.MarkAction(rw, 2, "compute03", true)
	if out.Confirm != "osd.2" {
		t.Fatalf("mark out must ask for the OSD name typed, got %q", out.Confirm)
	}
	t.Cleanup(func() { _, _ = in.Run(context.Background(), func(pane.Progress) {}) })
	if _, err := out.Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	c, err := rw.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.OSD(2); o.In {
		t.Fatalf("osd.2 still in: %+v", o)
	}
	if _, err := in.Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	if err := rw.SetOSDNoout(ctx(t), 1, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rw.SetOSDNoout(context.Background(), 1, false) })
	c, err = rw.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.OSD(1); !o.Noout {
		t.Fatalf("osd.1 noout not read back: %+v", o)
	}
	if o, _ := c.OSD(2); !o.In {
		t.Fatalf("osd.2 not back in: %+v", o)
	}
	if err := rw.SetOSDNoout(ctx(t), 1, false); err != nil {
		t.Fatal(err)
	}
	if err := rw.MarkOSD(ctx(t), 99, false); err == nil {
		t.Fatal("marking a missing OSD must fail")
	}
}

func TestRealCommandSource(t *testing.T) {
	conf := env(t, "STACKPIT_TEST_CEPH_CONF")
	ro := ceph.NewCommand([]string{"ceph", "-c", conf}, true)
	c, err := ro.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) > 0 || len(c.OSDs) != 3 || c.OSDs[0].Host != "compute01" || len(c.Pools) < 4 || len(c.Mons) != 1 {
		t.Fatalf("notes %v osds %+v pools %d mons %+v", c.Notes, c.OSDs, len(c.Pools), c.Mons)
	}
	if err := ro.SetNoout(ctx(t), true); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only command: %v", err)
	}
	rw := ceph.NewCommand([]string{"ceph", "-c", conf}, false)
	t.Cleanup(func() { _ = rw.SetNoout(context.Background(), false) })
	if _, err := cephview.NooutAction(rw, true).Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := cephview.NooutAction(rw, false).Run(ctx(t), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	if err := rw.MarkOSD(ctx(t), 99, false); err == nil {
		t.Fatal("ceph osd out 99 must fail")
	}
}
