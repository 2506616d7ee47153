package rabbitmq

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSummaryBetweenWholeLists: while the overview's counts stay, a
// refresh reads the overview, nodes, alarms and one server-sorted page of
// the deepest queues, in a fraction of the whole lists' bytes; a host that
// loses its consumer and connections moves the counts and brings the whole
// lists at once (issue 15: the whole lists every refresh were about a
// megabyte at 1,000 hosts).
func TestSummaryBetweenWholeLists(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Now: clk.Now, FailAfter: 45 * time.Second, Instances: 20, Computes: 200}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	cfg := dc.Config()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Username: cfg.RabbitMQ.Username, Password: cfg.RabbitMQ.Password})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.RabbitMQ.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bytes := func() int64 { return dc.BytesWritten()["rabbitmq"] }
	b0 := bytes()
	whole := c.Snapshot(ctx)
	wholeBytes := bytes() - b0
	if whole.Err != nil || len(whole.Errs) != 0 || len(whole.Queues) < 200 || len(whole.Connections) < 400 {
		t.Fatalf("whole: %d queues, %d connections, %v %v", len(whole.Queues), len(whole.Connections), whole.Err, whole.Errs)
	}
	n := len(dc.Requests())
	b0 = bytes()
	clk.Add(10 * time.Second)
	s := c.Snapshot(ctx)
	sumBytes := bytes() - b0
	if w, sum := c.Reads(); w != 1 || sum != 1 {
		t.Fatalf("nothing moved: %d whole, %d summary reads; want the summary", w, sum)
	}
	var asked []string
	for _, r := range dc.Requests()[n:] {
		if r.Service == "rabbitmq" {
			asked = append(asked, r.Path)
			if r.Path == "/api/queues" && (!strings.Contains(r.Query, "sort=messages") || !strings.Contains(r.Query, "page_size=")) {
				t.Errorf("queues read without server-side sort and page: %s", r.Query)
			}
		}
	}
	sort.Strings(asked)
	if strings.Join(asked, " ") != "/api/health/checks/alarms /api/nodes /api/overview /api/queues" {
		t.Errorf("summary asked %v", asked)
	}
	if len(s.Queues) != len(whole.Queues) || len(s.Connections) != len(whole.Connections) || len(s.Nodes) != len(whole.Nodes) {
		t.Errorf("summary: %d queues, %d connections, %d nodes; whole %d, %d, %d",
			len(s.Queues), len(s.Connections), len(s.Nodes), len(whole.Queues), len(whole.Connections), len(whole.Nodes))
	}
	if sumBytes*5 > wholeBytes {
		t.Errorf("summary %d bytes, whole %d: want under a fifth", sumBytes, wholeBytes)
	}
	// compute04 loses power: its consumer and connections go.
	clk.Add(45*time.Second + demo.HeartbeatTimeout + 5*time.Second)
	s = c.Snapshot(ctx)
	if w, _ := c.Reads(); w != 2 {
		t.Fatalf("counts moved: %d whole reads, want 2", w)
	}
	if u := UnconsumedQueues(s.Queues); len(u) != 1 || u[0].Queue.Name != "compute.compute04" {
		t.Errorf("unconsumed after the power loss: %+v", u)
	}
	// Its queue grows: the deepest page shows it without a whole read.
	before := UnconsumedQueues(s.Queues)[0].Queue.Messages
	clk.Add(30 * time.Second)
	s = c.Snapshot(ctx)
	if w, _ := c.Reads(); w != 2 {
		t.Errorf("only a depth moved: %d whole reads, want 2", w)
	}
	if u := UnconsumedQueues(s.Queues); len(u) != 1 || u[0].Queue.Messages <= before {
		t.Errorf("compute04's queue did not grow from %d: %+v", before, u)
	}
}

// TestSummaryDrainedQueueBringsWholeLists: a queue the last whole lists
// showed deep that is no longer on the deepest page drained (or went);
// laying the page over the old lists would show its old depth as current.
func TestSummaryDrainedQueueBringsWholeLists(t *testing.T) {
	var mu sync.Mutex
	depth := map[string]int64{}
	for i := range 150 {
		depth[fmt.Sprintf("q%03d", i)] = int64(i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/overview":
			fmt.Fprint(w, `{"object_totals":{"connections":0,"queues":150,"consumers":0}}`)
		case "/api/nodes", "/api/connections":
			fmt.Fprint(w, `[]`)
		case "/api/health/checks/alarms":
			fmt.Fprint(w, `{"status":"ok"}`)
		case "/api/queues":
			var qs []map[string]any
			for name, n := range depth {
				qs = append(qs, map[string]any{"name": name, "vhost": "/", "messages": n})
			}
			sort.Slice(qs, func(a, b int) bool { return qs[a]["messages"].(int64) > qs[b]["messages"].(int64) })
			if r.URL.Query().Get("page") != "" {
				_ = json.NewEncoder(w).Encode(map[string]any{"items": qs[:deepPage]})
				return
			}
			_ = json.NewEncoder(w).Encode(qs)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, err := New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s := c.Snapshot(ctx); s.Err != nil || len(s.Queues) != 150 {
		t.Fatalf("whole: %d queues, %v", len(s.Queues), s.Err)
	}
	c.Snapshot(ctx)
	if w, sum := c.Reads(); w != 1 || sum != 1 {
		t.Fatalf("nothing moved: %d whole, %d summary reads; want the summary", w, sum)
	}
	mu.Lock()
	depth["q149"] = 0 // the deepest queue drains: off the page
	mu.Unlock()
	s := c.Snapshot(ctx)
	for _, q := range s.Queues {
		if q.Name == "q149" && q.Messages != 0 {
			t.Fatalf("a drained queue shows %d messages", q.Messages)
		}
	}
	if w, _ := c.Reads(); w != 2 {
		t.Errorf("a deep queue left the page: %d whole reads, want 2", w)
	}
}
