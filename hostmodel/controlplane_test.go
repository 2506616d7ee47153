package hostmodel

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

func TestControlPlaneFacts(t *testing.T) {
	fs := FromRabbitMQ([]rabbitmq.Node{{Name: "rabbit@control01", Running: true}, {Name: "rabbit@control03"}},
		[]rabbitmq.Queue{{Name: "compute.compute04", Vhost: "/", Messages: 12, Ready: 12}, {Name: "conductor", Vhost: "/", Consumers: 3}})
	if len(fs) != 3 {
		t.Fatalf("%+v", fs)
	}
	if f := fs[0]; f.Host != "control01" || f.Severity != OK || f.State != Running {
		t.Errorf("%+v", f)
	}
	if f := fs[1]; f.Host != "control03" || f.Severity != Crit || f.State != Down {
		t.Errorf("%+v", f)
	}
	if f := fs[2]; f.Host != "compute04" || f.Kind != Queue || f.Severity != Warn || f.Detail != "nova-compute on compute04: 12 ready, 0 consumers" {
		t.Errorf("%+v", f)
	}
	hs := FromHAProxy(haproxy.Group([]haproxy.Row{
		{Proxy: "keystone_internal", Name: "control02", Kind: haproxy.Server, Status: "DOWN"},
		{Proxy: "nova_api", Name: "control01", Kind: haproxy.Server, Status: "DRAIN"},
		{Proxy: "nova_api", Name: "control03", Kind: haproxy.Server, Status: "UP 1/3"},
	}))
	want := map[string]Severity{"keystone_internal/control02": Crit, "nova_api/control01": Warn, "nova_api/control03": OK}
	if len(hs) != 3 {
		t.Fatalf("%+v", hs)
	}
	for _, f := range hs {
		if want[f.Name] != f.Severity || f.Kind != HAProxyServer {
			t.Errorf("%+v", f)
		}
	}
}

// The strip's words for the control plane, after the incident's own.
func TestControlPlaneInTheSummary(t *testing.T) {
	m := New()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	m.Apply(Observation{Pane: "compute", Source: Nova, At: at, Facts: []Fact{ServiceFact("compute04", "nova-compute", true, false)}})
	m.Apply(Observation{Pane: "cp", Source: RabbitMQ, At: at, Facts: FromRabbitMQ(
		[]rabbitmq.Node{{Name: "rabbit@control01", Running: true}, {Name: "rabbit@control02"}, {Name: "rabbit@control03", Running: true, MemAlarm: true}},
		[]rabbitmq.Queue{{Name: "compute.compute04", Messages: 9, Ready: 9}, {Name: "cinder-scheduler", Messages: 120, Ready: 120}})})
	m.Apply(Observation{Pane: "cp", Source: RabbitMQ, Scope: "connections", At: at, Facts: FromMissingConnections(
		[]rabbitmq.ServiceHost{{Service: "nova-compute", Host: "compute04"}, {Service: "nova-compute", Host: "compute05"}},
		func(k rabbitmq.ServiceHost) bool { return k.Host == "compute05" })})
	m.Apply(Observation{Pane: "cp", Source: HAProxy, At: at, Facts: FromHAProxy(haproxy.Group([]haproxy.Row{
		{Proxy: "keystone_internal", Name: "control02", Kind: haproxy.Server, Status: "DOWN", Addr: "10.0.0.12:5000"},
		{Proxy: "keystone_internal", Name: "control01", Kind: haproxy.Server, Status: "UP", Addr: "10.0.0.11:5000"}}))})
	m.Apply(Observation{Pane: "cp", Source: MemcachedSrc, At: at, Facts: []Fact{
		FromMemcached("10.0.0.12:11211", errors.New("connection refused"), m.Addresses()),
		FromMemcached("10.0.0.99:11211", nil, m.Addresses())}})
	var words []string
	for _, sg := range m.Summarize().Segments() {
		words = append(words, sg.Text)
	}
	got := strings.Join(words, " · ")
	want := "1 host DOWN (compute04) · RabbitMQ node down (control02) · 1 RabbitMQ node alarm/partition · " +
		"nova-compute@compute05 not connected to RabbitMQ · 2 queues without consumer · 1 HAProxy server DOWN · 1 memcached down"
	if got != want {
		t.Fatalf("strip\n got %q\nwant %q", got, want)
	}
	// the down memcached is on control02, by HAProxy's address for it
	h, _ := m.Host("control02")
	found := false
	for _, f := range h.Facts {
		found = found || (f.Kind == Memcached && f.Severity == Crit)
	}
	if !found {
		t.Fatalf("control02: %+v", h.Facts)
	}
}

// A VIP's holder is a fact on its host; one held by two hosts (or none)
// is CRIT in the strip; one no metric names is not a finding at all.
func TestVIPFacts(t *testing.T) {
	fs := FromVIPs([]keepalived.VIP{
		{Addr: "10.0.0.250", Known: true, Masters: []string{"control01"}, Backups: []string{"control02"}},
		{Addr: "10.0.0.251", Known: true, Masters: []string{"control01", "control02"}},
		{Addr: "192.0.2.10"},
	})
	if len(fs) != 2 || fs[0].Host != "control01" || fs[0].Severity != OK || fs[1].Host != "" || fs[1].Severity != Crit ||
		fs[1].Detail != "✗ split brain: MASTER on control01 control02" {
		t.Fatalf("%+v", fs)
	}
	m := New()
	m.Apply(Observation{Pane: "cp", Source: Keepalived, At: time.Now(), Facts: fs})
	segs := m.Summarize().Segments()
	if len(segs) != 1 || segs[0].Text != "1 VIP without a single holder" || segs[0].Severity != Crit {
		t.Fatalf("%+v", segs)
	}
}

// Issue 15: the control-plane pane asked the addresses, Nova's services
// and the controller rows on each observation, each a pass over every
// fact of 1,000 hosts. They are made again only when a fact changed, and
// what a caller does with its copy stays its own.
func TestFactAnswersKeptWhileFactsStay(t *testing.T) {
	m := New()
	obs := func(at time.Time, ip string) Observation {
		o := Observation{Pane: "compute", Source: Placement, At: at}
		for i := range 20 {
			h := fmt.Sprintf("compute%02d", i)
			a := fmt.Sprintf("10.0.1.%d", i)
			if i == 3 {
				a = ip
			}
			o.Facts = append(o.Facts, Fact{Host: h, Kind: Address, Name: a}, svc(h, "nova-compute", Up, OK))
		}
		return o
	}
	m.Apply(obs(t0, "10.0.1.3"))
	ask := func() (map[string]string, int) {
		a := m.Addresses()
		m.ServicesUp(Placement, "nova-compute")
		m.ControllerRows()
		return a, m.factPasses
	}
	a, n := ask()
	a["10.9.9.9"] = "mine"
	m.Apply(obs(t0.Add(10*time.Second), "10.0.1.3")) // only times move
	a, n2 := ask()
	if n2 != n {
		t.Errorf("a refresh with nothing new made the answers again (%d passes)", n2-n)
	}
	if _, ok := a["10.9.9.9"]; ok || a["10.0.1.3"] != "compute03" {
		t.Errorf("addresses: %v", a)
	}
	m.Apply(obs(t0.Add(20*time.Second), "10.0.2.3"))
	if a, n3 := ask(); n3 == n2 || a["10.0.2.3"] != "compute03" || a["10.0.1.3"] != "" {
		t.Errorf("after compute03's address changed: %v (%d passes)", a, n3-n2)
	}
}
