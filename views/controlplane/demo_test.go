package controlplane

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/demo"
)

func demoSources(t testing.TB, c *demo.Cloud) Sources {
	t.Helper()
	cfg := c.Config()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Username: cfg.RabbitMQ.Username, Password: cfg.RabbitMQ.Password})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rabbitmq.New(cfg.RabbitMQ.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	hp, err := haproxy.New(haproxy.Config{StatsURL: cfg.HAProxy.URL, Runtime: cfg.HAProxy.Runtime, HTTP: plain, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := prometheus.New(cfg.Prometheus.URL, plain)
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{Rabbit: rc, HAProxy: hp, VIPs: keepalived.Source{Prom: pc, VIPs: cfg.Keepalived.VIPs}}
	gcfg := galera.Config{User: cfg.Galera.Username, Password: cfg.Galera.Password}
	for _, n := range cfg.Galera.Nodes {
		gcfg.Nodes = append(gcfg.Nodes, galera.Node{Host: n.Host, Address: n.Address})
	}
	gc, err := galera.New(gcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gc.Close() })
	src.Galera = gc
	for _, a := range cfg.Memcached.Addresses {
		m, err := memcached.New(a, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		src.Memcached = append(src.Memcached, m)
	}
	return src
}

// The demo's story through the pane: after compute04 dies its
// compute.compute04 queue is flagged with nova-compute on compute04, and
// keystone's control02 flaps, and control03's Galera node goes Donor. Also
// the budget: the whole pane (3 controllers: 3 RabbitMQ nodes, 3 HAProxy
// servers per API, 3 memcached, 3 Galera nodes) loads concurrently.
func TestDemoCompute04QueueFlaggedAfterTheIncident(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 20, FailAfter: 45 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := New(paneCtx(), demoSources(t, c))
	// As the shell runs them: each backend's command on its own goroutine.
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
	t.Logf("pane data for 3 controllers loaded in %s", took)
	if took > 2*time.Second { // the issue asks < 300ms; generous under -race on a shared 2-core box
		t.Errorf("pane load took %s", took)
	}
	key(p, "]")
	key(p, "]")
	if out := screen(t, p, 120, 30); strings.Contains(out, "compute04: ") || strings.Contains(out, "0 consumers") {
		t.Fatalf("flagged before the incident:\n%s", out)
	}
	now.Add(int64(45*time.Second + demo.HeartbeatTimeout + 20*time.Second))
	runAll(p, p.Refresh())
	out := screen(t, p, 120, 30)
	lines := strings.Split(out, "\n")
	var row string
	for i, l := range lines {
		if strings.HasPrefix(l, "QUEUE") && i+1 < len(lines) {
			row = lines[i+1]
		}
	}
	if !strings.HasPrefix(row, "compute.compute04") || !strings.Contains(row, "✗ nova-compute on compute04:") || !strings.Contains(row, "0 consumers") {
		t.Fatalf("first queue row %q\n%s", row, out)
	}
	if h := p.SelectedHost(); h != "compute04" {
		t.Fatalf("selected host %q", h)
	}
	// +75s: control02 in its DOWN phase, listed first in HAProxy.
	key(p, "[")
	key(p, "[")
	out = screen(t, p, 120, 30)
	if !strings.Contains(out, "keystone 2/3 control01 control03") || !strings.Contains(out, "✗ DOWN") ||
		!strings.Contains(out, "VIP 10.0.0.250: control01 (backup: control02 control03)") {
		t.Fatalf("flap not shown:\n%s", out)
	}
	// Same moment (30s into the Galera donor window): control03 first in
	// the Galera section, CRIT, the backup that desynced it listed.
	for p.Section() != SecGalera {
		key(p, "]")
	}
	out = screen(t, p, 120, 30)
	if !strings.Contains(out, "✗ Galera: 2/3 nodes Synced: control03 Donor/Desynced") ||
		!strings.Contains(out, "longest on control03:") || !strings.Contains(out, "mariabackup Query BACKUP STAGE BLOCK_COMMIT") {
		t.Fatalf("donor not shown:\n%s", out)
	}
	if h := p.SelectedHost(); h != "control03" {
		t.Fatalf("selected %q\n%s", h, out)
	}
}
