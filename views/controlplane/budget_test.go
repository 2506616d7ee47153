package controlplane

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

// The budget: the pane's data for 3 controllers in < 300 ms, fetched
// concurrently. Local fakes answer with the recorded bodies after a
// latency like a loaded control plane's (RabbitMQ's management API is the
// slow one: its /api/queues and /api/connections walk every object).
const (
	rabbitLatency = 60 * time.Millisecond
	statsLatency  = 15 * time.Millisecond // HAProxy CSV, Prometheus query
	mcLatency     = 5 * time.Millisecond
)

func slowHTTP(t testing.TB, lat time.Duration, h http.HandlerFunc) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(lat)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func slowMemcached(t testing.TB, lat time.Duration) string {
	body, err := os.ReadFile("../../datasource/memcached/testdata/stats.txt")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
					return
				}
				time.Sleep(lat)
				_, _ = c.Write(body)
			}()
		}
	}()
	return ln.Addr().String()
}

// slowSources: one RabbitMQ management API (any node answers for the
// cluster), one HAProxy stats page, three memcached, one Prometheus.
func slowSources(t testing.TB) Sources {
	files := map[string]string{"/api/overview": "overview.json", "/api/nodes": "nodes.json", "/api/queues": "queues.json",
		"/api/connections": "connections.json", "/api/health/checks/alarms": "alarms-ok.json"}
	rurl := slowHTTP(t, rabbitLatency, func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join("../../datasource/rabbitmq/testdata", files[r.URL.Path]))
		if err != nil {
			b = []byte(`{"status":"ok"}`)
		}
		_, _ = w.Write(b)
	})
	csv, err := os.ReadFile("../../datasource/haproxy/testdata/stats.csv")
	if err != nil {
		t.Fatal(err)
	}
	hurl := slowHTTP(t, statsLatency, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(csv) })
	purl := slowHTTP(t, statsLatency, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[` +
			`{"metric":{"__name__":"keepalived_vrrp_state","instance":"controller1:9650","ip_address":"10.0.0.250"},"value":[1700000000,"2"]},` +
			`{"metric":{"__name__":"keepalived_vrrp_state","instance":"controller2:9650","ip_address":"10.0.0.250"},"value":[1700000000,"1"]}]}}`))
	})
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	rc, err := rabbitmq.New(rurl, hc)
	if err != nil {
		t.Fatal(err)
	}
	hp, err := haproxy.New(haproxy.Config{StatsURL: hurl + "/", HTTP: hc, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := prometheus.New(purl, hc)
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{Rabbit: rc, HAProxy: hp, VIPs: keepalived.Source{Prom: pc, VIPs: []string{"10.0.0.250"}}}
	for range 3 {
		m, err := memcached.New(slowMemcached(t, mcLatency), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		src.Memcached = append(src.Memcached, m)
	}
	return src
}

// loadOnce runs the pane's first load as the shell does (each backend's
// command on its own goroutine) and returns when every part landed.
func loadOnce(t testing.TB, src Sources) time.Duration {
	p := New(paneCtx(), src)
	start := time.Now()
	b := p.Init()().(tea.BatchMsg)
	msgs := make(chan tea.Msg, len(b))
	for _, c := range b {
		go func() { msgs <- c() }()
	}
	for range b {
		p.Update(<-msgs)
	}
	took := time.Since(start)
	for _, pt := range p.parts {
		if pt.configured && (!pt.loaded || pt.err != nil) {
			t.Fatalf("%s: %v", pt.name, pt.err)
		}
	}
	return took
}

func TestPaneBudgetThreeControllers(t *testing.T) {
	src := slowSources(t)
	var runs []time.Duration
	for range 5 {
		runs = append(runs, loadOnce(t, src))
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
	best := runs[0]
	t.Logf("pane data for 3 controllers (RabbitMQ %s per request, HAProxy/Prometheus %s, memcached %s): best %s, median %s, runs %v",
		rabbitLatency, statsLatency, mcLatency, best, runs[len(runs)/2], runs)
	// Serial, the same reads take 5×60 + 2×15 + 3×5 = 345 ms: the
	// budget is only met concurrently. The best of five: a loaded
	// machine only ever adds to the fakes' latency.
	if best >= 300*time.Millisecond {
		t.Errorf("best of 5: %s, budget 300 ms", best)
	}
}

// BenchmarkPaneLoad3Controllers: one whole load of the pane's data.
func BenchmarkPaneLoad3Controllers(b *testing.B) {
	src := slowSources(b)
	b.ResetTimer()
	for range b.N {
		loadOnce(b, src)
	}
}
