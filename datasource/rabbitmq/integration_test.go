//go:build integration

package rabbitmq_test

// Against a real RabbitMQ node with the management plugin
// (testenv/controlplane.sh start). The test's own set-up declares queues
// and publishes through the management API with a plain client; the
// client under test only reads. The last test stops the node's app
// (rabbitmqctl stop_app) and starts it again.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

func env(t *testing.T) (u, user, pw string) {
	u = os.Getenv("STACKPIT_TEST_RABBITMQ_URL")
	if u == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_RABBITMQ_URL unset (run testenv/controlplane.sh start and source testenv/run/controlplane.env)")
		}
		t.Skip("STACKPIT_TEST_RABBITMQ_URL unset")
	}
	return u, os.Getenv("STACKPIT_TEST_RABBITMQ_USER"), os.Getenv("STACKPIT_TEST_RABBITMQ_PASSWORD")
}

func client(t *testing.T) *rabbitmq.Client {
	t.Helper()
	u, user, pw := env(t)
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Username: user, Password: pw, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := rabbitmq.New(u, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// admin sends a management API request for the test's set-up (not through
// the package under test).
func admin(t *testing.T, method, path string, body any) {
	t.Helper()
	u, user, pw := env(t)
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, u+path, rd)
	req.SetBasicAuth(user, pw)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
}

func TestIntegrationReadsTheNode(t *testing.T) {
	c := client(t)
	// The management plugin fills a node's statistics (fd, memory, uptime)
	// a few seconds after the node answers: wait for them, bounded.
	var s rabbitmq.Snapshot
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		s = c.Snapshot(context.Background())
		if s.Err == nil && len(s.Errs) == 0 && len(s.Nodes) == 1 && s.Nodes[0].FDTotal > 0 && s.Nodes[0].Uptime > 0 {
			break
		}
		if time.Now().After(deadline) {
			break
		}
	}
	if s.Err != nil || len(s.Errs) != 0 {
		t.Fatalf("snapshot: %v %v", s.Err, s.Errs)
	}
	if s.Overview.RabbitMQVersion == "" || len(s.Nodes) != 1 {
		t.Fatalf("overview %+v nodes %+v", s.Overview, s.Nodes)
	}
	n := s.Nodes[0]
	if !n.Running || n.Host() != "localhost" || n.FDTotal <= 0 || n.FDUsed <= 0 || n.MemUsed <= 0 ||
		n.Uptime <= 0 || len(n.Problems()) != 0 {
		t.Errorf("node: %+v problems %v", n, n.Problems())
	}
	if !s.Alarms.OK {
		t.Errorf("alarms check: %+v", s.Alarms)
	}
}

func TestIntegrationUnconsumedQueueIsFlagged(t *testing.T) {
	c := client(t)
	queues := []string{"cinder-scheduler", "compute.compute04", "conductor"}
	for _, q := range queues {
		p := "/api/queues/%2F/" + url.PathEscape(q)
		admin(t, http.MethodPut, p, map[string]any{"durable": false, "auto_delete": false})
		t.Cleanup(func() { admin(t, http.MethodDelete, p, nil) })
	}
	publish := func(key string, n int) {
		for i := 0; i < n; i++ {
			admin(t, http.MethodPost, "/api/exchanges/%2F/amq.default/publish", map[string]any{
				"properties": map[string]any{}, "routing_key": key, "payload": "{}", "payload_encoding": "string"})
		}
	}
	publish("cinder-scheduler", 12)
	publish("compute.compute04", 3)

	want := []string{
		"cinder-scheduler: 12 ready, 0 consumers (queue cinder-scheduler)",
		"nova-compute on compute04: 3 ready, 0 consumers (queue compute.compute04)",
	}
	var got []string
	deadline := time.Now().Add(30 * time.Second) // queue stats refresh every second here
	for {
		qs, err := c.Queues(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, u := range rabbitmq.UnconsumedQueues(qs) {
			got = append(got, u.String())
		}
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			if qs[0].Name != "cinder-scheduler" || qs[1].Name != "compute.compute04" {
				t.Errorf("not deepest first: %s, %s", qs[0].Name, qs[1].Name)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unconsumed queues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// osloClient connects the way oslo.messaging does (py-amqp, connection
// name "<process>:<pid>:<uuid>") and consumes queue until killed.
const osloClient = `
import amqp, os, socket, sys, uuid
proc, queue, host = sys.argv[1], sys.argv[2], sys.argv[3]
c = amqp.Connection(host=host, userid=sys.argv[4], password=sys.argv[5],
    client_properties={"connection_name": "%s:%d:%s" % (proc, os.getpid(), uuid.uuid4())})
c.connect()
ch = c.channel()
ch.queue_declare(queue, durable=False, auto_delete=False)
ch.basic_consume(queue, callback=lambda m: m.channel.basic_ack(m.delivery_tag))
print("consuming", flush=True)
while True:
    try:
        c.drain_events(timeout=1)
    except socket.timeout:
        pass
`

func TestIntegrationConnectionsPerServiceAndHost(t *testing.T) {
	c := client(t)
	amqpAddr := os.Getenv("STACKPIT_TEST_RABBITMQ_AMQP")
	if amqpAddr == "" {
		t.Skip("STACKPIT_TEST_RABBITMQ_AMQP unset")
	}
	_, user, pw := env(t)
	const queue = "compute.compute01"
	t.Cleanup(func() { admin(t, http.MethodDelete, "/api/queues/%2F/"+queue, nil) })
	cmd := exec.Command("/usr/bin/python3", "-c", osloClient, "nova-compute", queue, amqpAddr, user, pw)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make([]byte, 10)
	if n, _ := out.Read(line); !strings.HasPrefix(string(line[:n]), "consuming") {
		t.Fatalf("the oslo-like client did not start: %q", line[:n])
	}
	hostOf := func(ip string) string {
		if ip == "127.0.0.1" {
			return "compute01"
		}
		return ""
	}
	expected := []rabbitmq.ServiceHost{{Service: "nova-compute", Host: "compute01"}, {Service: "nova-compute", Host: "compute04"}}

	// poll: connections and consumers show in the management API's stats
	// within its collection interval
	poll := func(what string, ok func(conns []rabbitmq.Connection, qs []rabbitmq.Queue) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			conns, err := c.Connections(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			qs, err := c.Queues(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ok(conns, qs) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: connections %+v", what, conns)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	poll("nova-compute on compute01 connected and consuming", func(conns []rabbitmq.Connection, qs []rabbitmq.Queue) bool {
		var mine bool
		for _, cn := range conns {
			mine = mine || (cn.Process == "nova-compute" && cn.PID == cmd.Process.Pid && cn.Product == "py-amqp")
		}
		m := rabbitmq.Missing(conns, hostOf, expected)
		consumed := false
		for _, q := range qs {
			consumed = consumed || (q.Name == queue && q.Consumers == 1)
		}
		return mine && consumed && len(m) == 1 && m[0] == expected[1]
	})

	// the service dies: its connection goes, its queue fills unconsumed
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; i < 4; i++ {
		admin(t, http.MethodPost, "/api/exchanges/%2F/amq.default/publish", map[string]any{
			"properties": map[string]any{}, "routing_key": queue, "payload": "{}", "payload_encoding": "string"})
	}
	poll("nova-compute on compute01 gone, its queue flagged", func(conns []rabbitmq.Connection, qs []rabbitmq.Queue) bool {
		m := rabbitmq.Missing(conns, hostOf, expected)
		flagged := false
		for _, u := range rabbitmq.UnconsumedQueues(qs) {
			flagged = flagged || u.String() == "nova-compute on compute01: 4 ready, 0 consumers (queue compute.compute01)"
		}
		return len(m) == 2 && flagged
	})
}

func TestIntegrationStoppedAppReadsUnreachable(t *testing.T) {
	ctl := os.Getenv("STACKPIT_TEST_RABBITMQCTL")
	if ctl == "" {
		t.Skip("STACKPIT_TEST_RABBITMQCTL unset")
	}
	c := client(t)
	if out, err := exec.Command(ctl, "stop_app").CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl stop_app: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ctl, "start_app").CombinedOutput(); err != nil {
			t.Errorf("rabbitmqctl start_app: %v\n%s", err, out)
		}
		deadline := time.Now().Add(60 * time.Second)
		for c.Snapshot(context.Background()).Err != nil && time.Now().Before(deadline) {
			time.Sleep(500 * time.Millisecond)
		}
	})
	s := c.Snapshot(context.Background())
	if s.Err == nil || !rabbitmq.IsUnreachable(s.Err) {
		t.Fatalf("stopped app: want the API unreachable, got %v (%v)", s.Err, s.Errs)
	}
	msg := s.Err.Error()
	if !strings.Contains(msg, c.URL()) || !strings.Contains(msg, "unreachable") || !strings.Contains(msg, "connection refused") {
		t.Errorf("the error must name the API and say why: %s", msg)
	}
}

// BenchmarkIntegrationSnapshot: one whole read (overview, nodes, queues,
// connections, alarms, concurrently) of the real node.
func BenchmarkIntegrationSnapshot(b *testing.B) {
	u, user, pw := os.Getenv("STACKPIT_TEST_RABBITMQ_URL"), os.Getenv("STACKPIT_TEST_RABBITMQ_USER"), os.Getenv("STACKPIT_TEST_RABBITMQ_PASSWORD")
	if u == "" {
		b.Skip("STACKPIT_TEST_RABBITMQ_URL unset")
	}
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Username: user, Password: pw})
	c, _ := rabbitmq.New(u, hc)
	for i := 0; i < b.N; i++ {
		if s := c.Snapshot(context.Background()); s.Err != nil || len(s.Errs) > 0 {
			b.Fatal(s.Err, s.Errs)
		}
	}
}
