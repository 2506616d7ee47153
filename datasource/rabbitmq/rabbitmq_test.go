package rabbitmq

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// fake serves the captured-shape fixtures in testdata/ and records what it
// was asked.
func fake(t *testing.T, alarmsFailing bool) (*Client, *[]string) {
	t.Helper()
	var (
		mu   sync.Mutex // Snapshot asks concurrently
		seen []string
	)
	files := map[string]string{
		"/api/overview":    "overview.json",
		"/api/nodes":       "nodes.json",
		"/api/queues":      "queues.json",
		"/api/connections": "connections.json",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != "monitor" || p != "pw" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":"not_authorised","reason":"Login failed"}`))
			return
		}
		if r.URL.Path == "/api/health/checks/alarms" {
			if alarmsFailing {
				w.WriteHeader(503)
				w.Write(mustRead(t, "alarms-failed.json"))
				return
			}
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"Object Not Found","reason":"Not Found"}`))
			return
		}
		w.Write(mustRead(t, f))
	}))
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Username: "monitor", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL+"/", hc)
	if err != nil {
		t.Fatal(err)
	}
	return c, &seen
}

func mustRead(t *testing.T, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNodes(t *testing.T) {
	c, _ := fake(t, false)
	nodes, err := c.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 {
		t.Fatalf("want 3 nodes, got %d", len(nodes))
	}
	n1, n2, n3 := nodes[0], nodes[1], nodes[2]
	if !n1.Running || n1.Host() != "controller1" || n1.FDUsed != 412 || n1.FDTotal != 1048576 ||
		n1.SocketsUsed != 388 || n1.Uptime != 2592061234*time.Millisecond || len(n1.Problems()) != 0 {
		t.Errorf("controller1: %+v problems %v", n1, n1.Problems())
	}
	p2 := strings.Join(n2.Problems(), "; ")
	for _, want := range []string{"partitioned from rabbit@controller1", "memory alarm", "file descriptors nearly exhausted"} {
		if !strings.Contains(p2, want) {
			t.Errorf("controller2 problems %q lack %q", p2, want)
		}
	}
	if n3.Running || strings.Join(n3.Problems(), ";") != "not running" {
		t.Errorf("controller3 should read not running: %+v %v", n3, n3.Problems())
	}
}

func TestQueuesSortedAndUnconsumedFlagged(t *testing.T) {
	c, seen := fake(t, false)
	qs, err := c.Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains((*seen)[0], "columns=") {
		t.Errorf("queues must be asked for with columns= to keep the answer small: %s", (*seen)[0])
	}
	var order []string
	for _, q := range qs {
		order = append(order, q.Name)
	}
	if order[0] != "notifications.info" || order[1] != "cinder-scheduler" || order[2] != "compute.compute04" {
		t.Errorf("not deepest first: %v", order)
	}
	for _, q := range qs {
		if q.Name == "conductor" && (q.Consumers != 1 || q.PublishRate != 2.4 || q.DeliverRate != 2.4) {
			t.Errorf("conductor rates/consumers: %+v", q)
		}
	}
	var got []string
	for _, u := range UnconsumedQueues(qs) {
		got = append(got, u.String())
	}
	want := []string{
		"notification listener: 1200 ready, 0 consumers (queue notifications.info)",
		"cinder-scheduler: 120 ready, 0 consumers (queue cinder-scheduler)",
		"nova-compute on compute04: 37 ready, 0 consumers (queue compute.compute04)",
		"cinder-volume on storage1: 5 ready, 0 consumers (queue cinder-volume.storage1@lvm)",
		"nova-scheduler: 3 ready, 0 consumers (queue scheduler_fanout_0f8c3b3e2e2a4f27b0b1c8e3a7d1c5e9)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unconsumed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestQueueOwner(t *testing.T) {
	for name, want := range map[string]Owner{
		"cinder-scheduler":                         {Topic: "cinder-scheduler", Service: "cinder-scheduler"},
		"conductor":                                {Topic: "conductor", Service: "nova-conductor"},
		"compute.compute04":                        {Topic: "compute", Service: "nova-compute", Server: "compute04", Host: "compute04"},
		"scheduler_fanout_abc12":                   {Topic: "scheduler", Service: "nova-scheduler", Fanout: true},
		"cinder-volume.st1@ceph":                   {Topic: "cinder-volume", Service: "cinder-volume", Server: "st1@ceph", Host: "st1"},
		"reply_9f0e":                               {Topic: "reply", Service: "RPC caller (reply queue)", Reply: true},
		"q-agent-notifier-port-update_fanout_1a2b": {Topic: "q-agent-notifier-port-update", Service: "neutron L2 agent", Fanout: true},
		"dhcp_agent.net1":                          {Topic: "dhcp_agent", Service: "neutron-dhcp-agent", Server: "net1", Host: "net1"},
		"ironic.conductor_manager.bm1":             {Topic: "ironic.conductor_manager", Service: "ironic-conductor", Server: "bm1", Host: "bm1"},
		"ironic.conductor_manager":                 {Topic: "ironic.conductor_manager", Service: "ironic-conductor"},
		"versioned_notifications.error":            {Topic: "versioned_notifications", Service: "notification listener"},
		"my-app.tasks":                             {Topic: "my-app", Server: "tasks", Host: "tasks"},
	} {
		if got := QueueOwner(name); got != want {
			t.Errorf("%s: got %+v want %+v", name, got, want)
		}
	}
}

func TestConnectionsAndMissing(t *testing.T) {
	c, _ := fake(t, false)
	conns, err := c.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if conns[0].Process != "nova-compute" || conns[0].PID != 2231 || conns[0].Product != "py-amqp" ||
		conns[0].ConnectedAt.IsZero() {
		t.Errorf("first connection: %+v", conns[0])
	}
	if conns[4].Process != "" || conns[4].State != "blocked" {
		t.Errorf("a connection without an oslo name has no process: %+v", conns[4])
	}
	hosts := map[string]string{"10.0.0.21": "compute01", "10.0.0.22": "compute02", "10.0.0.11": "controller1"}
	hostOf := func(ip string) string { return hosts[ip] }
	by := ConnectionsBy(conns, hostOf)
	if n := len(by[ServiceHost{"nova-compute", "compute01"}]); n != 2 {
		t.Errorf("nova-compute on compute01: want 2 connections, got %d", n)
	}
	missing := Missing(conns, hostOf, []ServiceHost{
		{"nova-compute", "compute01"}, {"nova-compute", "compute02"}, {"nova-compute", "compute04"},
		{"nova-conductor", "controller1"}, {"nova-scheduler", "controller1"},
	})
	if len(missing) != 2 || missing[0] != (ServiceHost{"nova-compute", "compute04"}) || missing[1] != (ServiceHost{"nova-scheduler", "controller1"}) {
		t.Errorf("missing: %v", missing)
	}
	// a connection that names its host is counted there, whatever its address
	named := append(conns, rawConnection{PeerHost: "10.0.0.99", ClientProperties: struct {
		ConnectionName string `json:"connection_name"`
		Product        string `json:"product"`
	}{ConnectionName: "compute04:nova-compute:1:x"}}.connection())
	if m := Missing(named, hostOf, []ServiceHost{{"nova-compute", "compute04"}}); len(m) != 0 {
		t.Errorf("compute04 names itself: missing %v", m)
	}
}

func TestParseClientName(t *testing.T) {
	for in, want := range map[string]struct {
		host, proc string
		pid        int
	}{
		"nova-compute:2231:7c1d6a40-4b1e-4d2b-9e1a-2b5c7e4f9a10":           {"", "nova-compute", 2231},
		"compute04:nova-compute:2231:7c1d6a40-4b1e-4d2b-9e1a-2b5c7e4f9a10": {"compute04", "nova-compute", 2231},
		"neutron-server:77:abc": {"", "neutron-server", 77},
		"my-app":                {"", "", 0},
		"":                      {"", "", 0},
		"a:b:c":                 {"", "", 0},
	} {
		h, p, pid := parseClientName(in)
		if h != want.host || p != want.proc || pid != want.pid {
			t.Errorf("%q: %q %q %d, want %+v", in, h, p, pid, want)
		}
	}
}

func TestSnapshotAndAlarmCheck(t *testing.T) {
	c, _ := fake(t, true)
	s := c.Snapshot(context.Background())
	if s.Err != nil || len(s.Errs) != 0 {
		t.Fatalf("snapshot errors: %v %v", s.Err, s.Errs)
	}
	if s.Overview.RabbitMQVersion != "3.10.8" || s.Overview.QueueTotals.MessagesReady != 1365 || len(s.Nodes) != 3 || len(s.Queues) != 9 || len(s.Connections) != 5 {
		t.Errorf("snapshot: %+v", s)
	}
	if s.Alarms.OK || len(s.Alarms.Alarms) != 1 || s.Alarms.Alarms[0] != (Alarm{"rabbit@controller2", "memory"}) ||
		!strings.Contains(s.Alarms.Reason, "resource alarm") {
		t.Errorf("a failing alarms check (503) must read as failed with its alarms: %+v", s.Alarms)
	}
	c2, _ := fake(t, false)
	if chk, err := c2.Health(context.Background(), CheckAlarms); err != nil || !chk.OK {
		t.Errorf("passing check: %+v %v", chk, err)
	}
	if _, err := c2.Health(context.Background(), "../overview"); err == nil {
		t.Error("a check name with a path in it must be refused")
	}
}

func TestErrorsSayWhatHappened(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	addr := srv.URL
	srv.Close() // nothing listens any more
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: 2 * time.Second})
	c, _ := New(addr, hc)
	s := c.Snapshot(context.Background())
	if s.Err == nil || !IsUnreachable(s.Err) || !strings.Contains(s.Err.Error(), "unreachable") ||
		!strings.Contains(s.Err.Error(), addr) || !strings.Contains(s.Err.Error(), "connection refused") {
		t.Errorf("a dead API must read unreachable, naming the address: %v", s.Err)
	}

	// wrong credentials: the server's reason, not "unreachable"
	good, _ := fake(t, false)
	bad, _ := New(good.URL(), hc)
	_, err := bad.Nodes(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Code != 401 || IsUnreachable(err) || !strings.Contains(err.Error(), "not_authorised: Login failed") {
		t.Errorf("401: %v", err)
	}
	if _, err := New("controller1:15672", hc); err == nil {
		t.Error("a URL without a scheme must be refused")
	}
	if _, err := New("http://x", nil); err == nil {
		t.Error("a nil http client must be refused")
	}
}
