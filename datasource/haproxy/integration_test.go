//go:build integration

package haproxy_test

// Against Debian's haproxy (testenv/controlplane.sh start): a stats page,
// an admin runtime socket (unix and tcp) and a keystone_internal backend
// over two python http.server backends. A server goes to maint, drain and
// back through the client; a read-only client is refused and changes
// nothing; the last test kills one backend and waits for DOWN.

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

func need(t *testing.T, name string) string {
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("%s unset (run testenv/controlplane.sh start and source testenv/run/controlplane.env)", name)
		}
		t.Skip(name + " unset")
	}
	return v
}

func client(t *testing.T, readOnly bool) *haproxy.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := haproxy.New(haproxy.Config{StatsURL: need(t, "STACKPIT_TEST_HAPROXY_STATS_URL"), HTTP: hc,
		Runtime: need(t, "STACKPIT_TEST_HAPROXY_SOCKET"), ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func server(t *testing.T, c *haproxy.Client, name string) haproxy.Row {
	t.Helper()
	s, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := s.Server("keystone_internal", name)
	if !ok {
		t.Fatalf("keystone_internal/%s not in the stats", name)
	}
	return r
}

// waitState polls the stats page until backend server name reads want.
func waitState(t *testing.T, c *haproxy.Client, name, want string) haproxy.Row {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := server(t, c, name)
		if r.State() == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("keystone_internal/%s: %q, want %s", name, r.Status, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestIntegrationStatsEverywhere(t *testing.T) {
	ctx := context.Background()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	for _, cfg := range []haproxy.Config{
		{StatsURL: need(t, "STACKPIT_TEST_HAPROXY_STATS_URL"), HTTP: hc, ReadOnly: true},
		{Runtime: need(t, "STACKPIT_TEST_HAPROXY_SOCKET"), ReadOnly: true},
		{Runtime: need(t, "STACKPIT_TEST_HAPROXY_RUNTIME_TCP"), ReadOnly: true},
	} {
		c, err := haproxy.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Stats(ctx)
		// A check running as the stats are read shows "* L7OK" and code 0
		// (HAProxy: the last result, the current one not in): read again.
		for deadline := time.Now().Add(5 * time.Second); err == nil && checkRunning(s) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			s, err = c.Stats(ctx)
		}
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		ks, ok := s.Backend("keystone_internal")
		if !ok || ks.Service != "keystone" || len(ks.Servers) != 2 || ks.Up() != 2 {
			t.Errorf("%+v: keystone_internal %+v", cfg, ks)
		}
		for _, r := range ks.Servers {
			if r.State() != "UP" || r.CheckStatus != "L7OK" || r.CheckCode != "200" {
				t.Errorf("%+v: %s %q %s %s", cfg, r.Name, r.Status, r.CheckStatus, r.CheckCode)
			}
		}
		if len(s.APIServers()["rabbitmq-management"]) != 1 || len(s.Frontends) < 2 {
			t.Errorf("%+v: frontends %d, api %v", cfg, len(s.Frontends), s.APIServers())
		}
	}
}

func TestIntegrationReadOnlyRuntimeIsRefused(t *testing.T) {
	ro := client(t, true)
	before := server(t, ro, "controller1")
	for _, st := range []haproxy.ServerState{haproxy.Maint, haproxy.Drain} {
		if err := ro.SetServerState(context.Background(), "keystone_internal", "controller1", st); !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("read-only %s: want ErrReadOnly, got %v", st, err)
		}
	}
	if _, err := ro.Command(context.Background(), "disable server keystone_internal/controller1"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Errorf("read-only disable: %v", err)
	}
	time.Sleep(700 * time.Millisecond) // two check intervals: a change would show
	after := server(t, ro, "controller1")
	if after.Status != "UP" || after.Status != before.Status || after.LastChange < before.LastChange {
		t.Errorf("a refused command changed the server: %q (%v) -> %q (%v)", before.Status, before.LastChange, after.Status, after.LastChange)
	}
}

func TestIntegrationMaintDrainReady(t *testing.T) {
	c := client(t, false)
	ctx := context.Background()
	t.Cleanup(func() { _ = c.SetServerState(ctx, "keystone_internal", "controller1", haproxy.Ready) })
	if err := c.SetServerState(ctx, "keystone_internal", "controller1", haproxy.Maint); err != nil {
		t.Fatal(err)
	}
	if r := waitState(t, c, "controller1", "MAINT"); r.Serving() {
		t.Errorf("a server in maint serves: %+v", r)
	}
	if r := server(t, c, "controller2"); r.State() != "UP" {
		t.Errorf("the other server moved: %q", r.Status)
	}
	if err := c.SetServerState(ctx, "keystone_internal", "controller1", haproxy.Drain); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "controller1", "DRAIN")
	if err := c.SetServerState(ctx, "keystone_internal", "controller1", haproxy.Ready); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "controller1", "UP")
	err := c.SetServerState(ctx, "keystone_internal", "controller9", haproxy.Maint)
	if err == nil || !strings.Contains(err.Error(), "No such server") {
		t.Errorf("unknown server: %v", err)
	}
}

func TestIntegrationDeadBackendReadsDown(t *testing.T) {
	pid, err := strconv.Atoi(need(t, "STACKPIT_TEST_HAPROXY_BACKEND2_PID"))
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, true)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("killing backend 2 (pid %d, started by testenv/controlplane.sh): %v", pid, err)
	}
	r := waitState(t, c, "controller2", "DOWN")
	if r.CheckStatus != "L4CON" || r.Serving() {
		t.Errorf("dead backend: %+v", r)
	}
	s, _ := c.Stats(context.Background())
	if ks, _ := s.Backend("keystone_internal"); ks.Up() != 1 {
		t.Errorf("keystone has %d servers up, want 1", ks.Up())
	}
}

// BenchmarkIntegrationStats: one stats read over the stats page and over
// the runtime socket.
func BenchmarkIntegrationStats(b *testing.B) {
	page, sock := os.Getenv("STACKPIT_TEST_HAPROXY_STATS_URL"), os.Getenv("STACKPIT_TEST_HAPROXY_SOCKET")
	if page == "" || sock == "" {
		b.Skip("STACKPIT_TEST_HAPROXY_STATS_URL/SOCKET unset")
	}
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	for name, cfg := range map[string]haproxy.Config{"page": {StatsURL: page, HTTP: hc, ReadOnly: true}, "socket": {Runtime: sock, ReadOnly: true}} {
		c, _ := haproxy.New(cfg)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.Stats(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checkRunning: a keystone_internal server's check was running as the
// stats were read.
func checkRunning(s haproxy.Stats) bool {
	ks, _ := s.Backend("keystone_internal")
	for _, r := range ks.Servers {
		if strings.HasPrefix(r.CheckStatus, "*") {
			return true
		}
	}
	return false
}
