package demo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

// The real clients read the demo's control plane, and the story shows:
// compute04's queue grows without a consumer after it dies, control02
// flaps in keystone's backend, and runtime API state changes read back.
func TestDemoControlPlaneFollowsTheStory(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	c, err := Start(StartOptions{Story: Options{Instances: 20, FailAfter: 45 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := c.Config()
	ctx := context.Background()
	hc, err := httpclient.New(httpclient.Options{Username: cfg.RabbitMQ.Username, Password: cfg.RabbitMQ.Password})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rabbitmq.New(cfg.RabbitMQ.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	flagged := func() []rabbitmq.Unconsumed {
		s := rc.Snapshot(ctx)
		if s.Errs != nil {
			t.Fatalf("rabbitmq: %v", s.Errs)
		}
		if len(s.Nodes) != 3 || s.Nodes[0].Name != "rabbit@control01" {
			t.Fatalf("nodes %+v", s.Nodes)
		}
		return rabbitmq.UnconsumedQueues(s.Queues)
	}
	if f := flagged(); len(f) != 0 {
		t.Fatalf("flagged before the incident: %v", f)
	}
	now.Add(int64(45*time.Second + HeartbeatTimeout + 20*time.Second))
	f := flagged()
	if len(f) != 1 || f[0].Queue.Name != "compute.compute04" || f[0].Owner.Who() != "nova-compute on compute04" || f[0].Queue.Ready < 4 {
		t.Fatalf("after compute04 died: %+v", f)
	}

	hp, err := haproxy.New(haproxy.Config{StatsURL: cfg.HAProxy.URL, HTTP: http.DefaultClient, Runtime: cfg.HAProxy.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	server := func() haproxy.Row {
		st, err := hp.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := st.Server("keystone_internal", "control02")
		if !ok {
			t.Fatal("no keystone_internal/control02")
		}
		return r
	}
	// Story start + 65s: control02 is in its DOWN phase (60s..80s of 90s).
	if r := server(); r.State() != "DOWN" {
		t.Fatalf("control02 at +%s: %s", clock().Sub(c.Story.Start), r.Status)
	}
	now.Add(int64(20 * time.Second))
	if r := server(); r.State() != "UP" {
		t.Fatalf("control02 after the flap: %s", r.Status)
	}
	if err := hp.SetServerState(ctx, "keystone_internal", "control02", haproxy.Drain); err != nil {
		t.Fatal(err)
	}
	if r := server(); r.State() != "DRAIN" {
		t.Fatalf("after drain: %s", r.Status)
	}
	if err := hp.SetServerState(ctx, "keystone_internal", "nope", haproxy.Drain); err == nil {
		t.Fatal("unknown server accepted")
	}
	if m := c.Mutations(); len(m) != 2 || m[0].Service != "haproxy-runtime" {
		t.Fatalf("runtime commands not recorded as mutations: %+v", m)
	}
	ro, _ := haproxy.New(haproxy.Config{Runtime: cfg.HAProxy.Runtime, ReadOnly: true})
	if err := ro.SetServerState(ctx, "keystone_internal", "control02", haproxy.Ready); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only set: %v", err)
	}
	if len(c.Mutations()) != 2 {
		t.Fatal("read-only client sent a command")
	}

	for _, a := range cfg.Memcached.Addresses {
		mc, _ := memcached.New(a, time.Second)
		s, err := mc.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := s.HitRatio(); !ok || r < 0.8 || s.CurrConnections == 0 {
			t.Fatalf("%s: %+v", a, s)
		}
	}
}

// A stray HTTP client on a line-protocol port is judged as HTTP: its GET
// is not a write, its POST is; a memcached write is one, a read is not;
// another line protocol's read (memcached's stats on HAProxy's runtime
// port, HAProxy's show on memcached's) is a read, its writes still writes.
func TestLineMutates(t *testing.T) {
	memcachedReads := func(cmd string) bool { return cmd == "stats" }
	haproxyReads := func(cmd string) bool { return strings.HasPrefix(cmd, "show ") }
	for _, tc := range []struct {
		cmd   string
		reads func(string) bool
		want  bool
	}{
		{"GET /api/overview HTTP/1.1", memcachedReads, false},
		{"POST /api/queues HTTP/1.1", memcachedReads, true},
		{"stats", memcachedReads, false},
		{"flush_all", memcachedReads, true},
		{"GET /not-http-without-proto", memcachedReads, true},
		{"stats", haproxyReads, false},
		{"show stat", memcachedReads, false},
		{"set server galera/control01 state maint", haproxyReads, true},
		{"disable server galera/control01", haproxyReads, true},
		{"flush_all", haproxyReads, true},
	} {
		if got := lineMutates(tc.cmd, tc.reads); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}
