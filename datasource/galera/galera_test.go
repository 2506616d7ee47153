package galera

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo/mysqlwire"
)

// fakeNode is a MariaDB Galera node over the real wire protocol
// (demo/mysqlwire); it records every statement that reached it.
type fakeNode struct {
	srv    *mysqlwire.Server
	mu     sync.Mutex
	wsrep  map[string]string
	vars   map[string]string
	procs  [][]string
	delay  time.Duration
	stmts  []string
	failOn string // a statement answered with an ERR packet
}

func synced(uuid string, size string) map[string]string {
	return map[string]string{
		"wsrep_cluster_size": size, "wsrep_local_state_comment": "Synced", "wsrep_ready": "ON", "wsrep_connected": "ON",
		"wsrep_cluster_status": "Primary", "wsrep_cluster_state_uuid": uuid, "wsrep_flow_control_paused": "0.000000",
		"wsrep_local_recv_queue_avg": "0.012", "wsrep_local_send_queue_avg": "0.000", "wsrep_provider_version": "26.4.23(r1234)",
	}
}

func newFake(t *testing.T, wsrep map[string]string) *fakeNode {
	t.Helper()
	f := &fakeNode{wsrep: wsrep, vars: map[string]string{"max_connections": "200", "wsrep_on": "ON", "version": "10.11.19-MariaDB",
		"wsrep_cluster_name": "openstack", "wsrep_cluster_address": "gcomm://10.0.0.11,10.0.0.12,10.0.0.13", "wsrep_node_name": "n"}}
	f.srv = &mysqlwire.Server{Users: map[string]string{"monitor": "s3cret"}, Handler: f.answer}
	if err := f.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func kvRows(m map[string]string, keep func(string) bool) mysqlwire.Result {
	var rows [][]string
	for k, v := range m {
		if keep(k) {
			rows = append(rows, []string{k, v})
		}
	}
	return mysqlwire.Rows([]string{"Variable_name", "Value"}, rows...)
}

func (f *fakeNode) answer(_ string, q string) mysqlwire.Result {
	f.mu.Lock()
	f.stmts = append(f.stmts, q)
	wsrep, vars, procs, delay, failOn := f.wsrep, f.vars, f.procs, f.delay, f.failOn
	f.mu.Unlock()
	time.Sleep(delay)
	if q == failOn {
		return mysqlwire.Result{Err: &mysqlwire.Error{Code: 1227, State: "42000", Msg: "Access denied; you need the PROCESS privilege"}}
	}
	switch {
	case q == "START TRANSACTION READ ONLY", q == "ROLLBACK", q == "COMMIT":
		return mysqlwire.Result{}
	case q == qWsrep:
		return kvRows(wsrep, func(string) bool { return true })
	case q == qThreads:
		return mysqlwire.Rows([]string{"Variable_name", "Value"}, []string{"Threads_connected", "42"})
	case q == qVars:
		return kvRows(vars, func(string) bool { return true })
	case q == qProcesslist:
		return mysqlwire.Rows([]string{"ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"}, procs...)
	}
	return mysqlwire.Result{Err: &mysqlwire.Error{Code: 1064, State: "42000", Msg: "fake: unexpected statement"}}
}

func (f *fakeNode) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.stmts...)
}

func client(t *testing.T, expected int, fs ...*fakeNode) *Client {
	t.Helper()
	var nodes []Node
	for i, f := range fs {
		nodes = append(nodes, Node{Host: []string{"control01", "control02", "control03"}[i], Address: f.srv.Addr()})
	}
	c, err := New(Config{Nodes: nodes, User: "monitor", Password: "s3cret", Expected: expected, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestReadSyncedCluster(t *testing.T) {
	uuid := "4f1c9a2e-8d3b-11ee-9c41-2b7e5d0a1f33"
	a, b, c := newFake(t, synced(uuid, "3")), newFake(t, synced(uuid, "3")), newFake(t, synced(uuid, "3"))
	a.procs = [][]string{{"812", "nova", "10.0.0.21:51234", "nova", "Query", "75", "Sending data", "SELECT * FROM instances WHERE deleted = 0"}}
	cl := client(t, 0, a, b, c).Read(context.Background())
	if len(cl.Nodes) != 3 || cl.Expected != 3 {
		t.Fatalf("%+v", cl)
	}
	n := cl.Nodes[0]
	if n.Err != nil || n.Host != "control01" || n.ClusterSize != 3 || n.LocalState != "Synced" || !n.Ready || !n.Connected ||
		n.ClusterStatus != "Primary" || n.StateUUID != uuid || n.Connections != 42 || n.MaxConnections != 200 ||
		n.RecvQueueAvg != 0.012 || n.Version != "10.11.19-MariaDB" || n.ClusterName != "openstack" {
		t.Fatalf("%+v", n)
	}
	q, ok := n.Longest()
	if !ok || q.ID != 812 || q.Time != 75*time.Second || q.User != "nova" || !strings.HasPrefix(q.Info, "SELECT * FROM instances") {
		t.Fatalf("longest %+v %v", q, ok)
	}
	if ps := n.Problems(); len(ps) != 1 || ps[0].Severity != Warn || ps[0].Text != "query running 1m15s" {
		t.Errorf("node problems %+v", ps)
	}
	if ps := cl.Problems(); len(ps) != 0 {
		t.Errorf("cluster problems %+v", ps)
	}
	// One read-only transaction with exactly the allowlisted statements.
	want := []string{"START TRANSACTION READ ONLY", qVars, qWsrep, qThreads, qProcesslist, "ROLLBACK"}
	if got := a.got(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("statements on the wire:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The read-only proof for SQL: anything but the allowlisted statements, a
// read-write transaction, a prepared statement or Exec fails in the client
// with httpclient.ErrReadOnly, and the server never sees it.
func TestGuardRefusesBeforeTheWire(t *testing.T) {
	f := newFake(t, synced("u", "1"))
	c := client(t, 1, f)
	db := c.nodes[0].db
	ctx := context.Background()
	bad := []struct {
		name string
		run  func() error
	}{
		{"exec", func() error { _, err := db.ExecContext(ctx, "SET GLOBAL wsrep_desync=ON"); return err }},
		{"query", func() error { _, err := db.QueryContext(ctx, "DROP TABLE nova.instances"); return err }},
		{"select not allowlisted", func() error { _, err := db.QueryContext(ctx, "SELECT 1"); return err }},
		{"allowlisted with args", func() error { _, err := db.QueryContext(ctx, qWsrep, 1); return err }},
		{"prepare", func() error { _, err := db.PrepareContext(ctx, qWsrep); return err }},
		{"read-write tx", func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err == nil {
				tx.Rollback()
			}
			return err
		}},
		{"write in read-only tx", func() error {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				return errors.New("read-only tx refused: " + err.Error())
			}
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, "SET GLOBAL wsrep_desync=ON")
			return err
		}},
	}
	for _, b := range bad {
		if err := b.run(); !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", b.name, err)
		}
	}
	for _, s := range f.got() {
		if s != "START TRANSACTION READ ONLY" && s != "ROLLBACK" && !Allowed(s) {
			t.Errorf("reached the server: %q", s)
		}
	}
	if Allowed("show global status like 'wsrep_%'; SET GLOBAL wsrep_desync=ON") || Allowed("SELECT 1") {
		t.Error("allowlist is not exact")
	}
}

func TestProblems(t *testing.T) {
	donor := synced("u1", "3")
	donor["wsrep_local_state_comment"] = "Donor/Desynced"
	donor["wsrep_flow_control_paused"] = "0.25"
	notReady := synced("u1", "3")
	notReady["wsrep_ready"] = "OFF"
	notReady["wsrep_cluster_status"] = "non-Primary"
	split := synced("u2", "1")
	cl := client(t, 3, newFake(t, donor), newFake(t, notReady), newFake(t, split)).Read(context.Background())
	texts := func(ps []Problem) string {
		var s []string
		for _, p := range ps {
			s = append(s, []string{"OK", "WARN", "CRIT"}[p.Severity]+" "+p.Text)
		}
		return strings.Join(s, "; ")
	}
	if got := texts(cl.Nodes[0].Problems()); got != "CRIT Donor/Desynced, not Synced; WARN flow control paused 25%" {
		t.Errorf("donor: %s", got)
	}
	if got := texts(cl.Nodes[1].Problems()); got != "CRIT wsrep_ready OFF; CRIT non-Primary component" {
		t.Errorf("not ready: %s", got)
	}
	if got := texts(cl.Problems()); got != "CRIT cluster size 1 of 3; CRIT split: 2 cluster state UUIDs (u1 on control01, control02; u2 on control03)" {
		t.Errorf("cluster: %s", got)
	}
	if Worst(cl.Nodes[2].Problems()) != OK || Worst(cl.Nodes[0].Problems()) != Crit {
		t.Error("worst")
	}
}

func TestErrors(t *testing.T) {
	ok := newFake(t, synced("u", "1"))
	// wrong password
	c, _ := New(Config{Nodes: []Node{{Address: ok.srv.Addr()}}, User: "monitor", Password: "wrong", Timeout: 2 * time.Second})
	defer c.Close()
	n := c.Read(context.Background()).Nodes[0]
	var e *Error
	if !errors.As(n.Err, &e) || e.Kind != Auth || !strings.Contains(n.Err.Error(), `login refused for user "monitor"`) || strings.Contains(n.Err.Error(), "wrong") {
		t.Errorf("auth: %v", n.Err)
	}
	if n.Host != "127.0.0.1" {
		t.Errorf("host from address: %q", n.Host)
	}
	// nothing listening
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c2, _ := New(Config{Nodes: []Node{{Host: "control02", Address: dead}}, User: "monitor", Password: "s3cret", Timeout: 2 * time.Second})
	defer c2.Close()
	n = c2.Read(context.Background()).Nodes[0]
	if !errors.As(n.Err, &e) || e.Kind != Unreachable || !strings.Contains(n.Err.Error(), "galera node control02 ("+dead+"): unreachable: connection refused") {
		t.Errorf("down: %v", n.Err)
	}
	// a server that accepts and never speaks
	hung, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hung.Close()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c3, _ := New(Config{Nodes: []Node{{Address: hung.Addr().String()}}, User: "monitor", Password: "s3cret", Timeout: 300 * time.Millisecond})
	defer c3.Close()
	start := time.Now()
	n = c3.Read(context.Background()).Nodes[0]
	if !errors.As(n.Err, &e) || e.Kind != Timeout || time.Since(start) > 3*time.Second {
		t.Errorf("hung (%s): %#v", time.Since(start), n.Err)
	}
	// a plain MariaDB
	plain := newFake(t, map[string]string{})
	plain.vars["wsrep_on"] = "OFF"
	n = client(t, 1, plain).Read(context.Background()).Nodes[0]
	if !errors.As(n.Err, &e) || e.Kind != NotGalera || !strings.Contains(n.Err.Error(), "not a Galera node (wsrep_on=OFF") {
		t.Errorf("not galera: %v", n.Err)
	}
	// a statement the server refuses
	ok.mu.Lock()
	ok.failOn = qProcesslist
	ok.mu.Unlock()
	n = client(t, 1, ok).Read(context.Background()).Nodes[0]
	if n.Err == nil || !strings.Contains(n.Err.Error(), "server error 1227") {
		t.Errorf("server error: %v", n.Err)
	}
	if _, err := New(Config{Nodes: []Node{{Address: "nohostport"}}}); err == nil {
		t.Error("bad address accepted")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("no nodes accepted")
	}
}

// Nodes are read concurrently: three nodes answering slowly take about as
// long as one.
func TestNodesReadConcurrently(t *testing.T) {
	var fs []*fakeNode
	for range 3 {
		f := newFake(t, synced("u", "3"))
		f.delay = 100 * time.Millisecond // per statement: 6 statements, ~600ms a node
		fs = append(fs, f)
	}
	c := client(t, 3, fs...)
	start := time.Now()
	cl := c.Read(context.Background())
	took := time.Since(start)
	for _, n := range cl.Nodes {
		if n.Err != nil {
			t.Fatal(n.Err)
		}
	}
	if took > 1500*time.Millisecond {
		t.Errorf("3 nodes took %s: not concurrent", took)
	}
}
