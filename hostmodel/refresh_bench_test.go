package hostmodel

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkCephRefresh1000Hosts: the Ceph pane's answer (two OSDs on each
// of 1,000 hosts) landing again with nothing changed but its time: what
// every Ceph refresh costs the UI goroutine at 1,000 hosts.
func BenchmarkCephRefresh1000Hosts(b *testing.B) {
	m, _ := bigCloud()
	var fs []Fact
	fs = append(fs, Fact{Kind: Health, Name: "ceph", State: "HEALTH_OK"})
	for h := 0; h < 1000; h++ {
		host := fmt.Sprintf("compute%04d", h)
		for j := 0; j < 2; j++ {
			fs = append(fs, Fact{Host: host, Kind: OSD, Name: fmt.Sprintf("osd.%d", 2*h+j), State: Up})
		}
	}
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: fs})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Duration(i+1) * time.Second), Facts: fs})
	}
}

// A whole-cloud answer with nothing new but its time allocates per answer,
// not per host or fact: 4,045 allocations (6 MB) at 1,000 hosts before,
// on the UI goroutine, where the collector's assists made a key wait.
func TestWholeCloudRefreshAllocatesPerAnswer(t *testing.T) {
	m, _ := bigCloud()
	var fs []Fact
	for h := 0; h < 1000; h++ {
		host := fmt.Sprintf("compute%04d", h)
		fs = append(fs, Fact{Host: host, Kind: OSD, Name: fmt.Sprintf("osd.%d", 2*h), State: Up},
			Fact{Host: host, Kind: OSD, Name: fmt.Sprintf("osd.%d", 2*h+1), State: Up})
	}
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: fs})
	i := 0
	allocs := testing.AllocsPerRun(5, func() {
		i++
		m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Duration(i) * time.Second), Facts: fs})
	})
	if allocs > 50 {
		t.Errorf("a refresh of 1,000 hosts made %v allocations, want <= 50", allocs)
	}
	h, _ := m.Host("compute0007")
	at := t0.Add(time.Duration(i) * time.Second)
	for _, f := range h.Facts {
		if f.Kind == OSD && !f.At.Equal(at) {
			t.Errorf("%s: at %v, want the last refresh's %v", f.Name, f.At, at)
		}
	}
}

// Facts of one host need not come together: grouped or not, each host
// gets all of its facts, in the answer's order.
func TestByHostGroupsScatteredFacts(t *testing.T) {
	o := Observation{Source: Ceph, At: t0, Facts: []Fact{
		{Host: "a.mgmt", Name: "osd.0"}, {Host: "b", Name: "osd.1"}, {Host: "a", Name: "osd.2"}, {Host: "b", Name: "osd.3"},
	}}
	got, _, _, _ := byHost(o)
	names := func(fs []Fact) (out []string) {
		for _, f := range fs {
			if f.Source != Ceph || !f.At.Equal(t0) {
				t.Errorf("%s: source %q at %v, want the observation's", f.Name, f.Source, f.At)
			}
			out = append(out, f.Host+"/"+f.Name)
		}
		return out
	}
	if a, b := fmt.Sprint(names(got["a"])), fmt.Sprint(names(got["b"])); a != "[a/osd.0 a/osd.2]" || b != "[b/osd.1 b/osd.3]" || len(got) != 2 {
		t.Errorf("by host: a %s, b %s (%d hosts)", a, b, len(got))
	}
	o.Facts = []Fact{{Host: "a", Name: "osd.0"}, {Host: "a", Name: "osd.2"}, {Host: "b", Name: "osd.1"}}
	got, _, _, _ = byHost(o)
	if a := fmt.Sprint(names(got["a"])); a != "[a/osd.0 a/osd.2]" || len(got["b"]) != 1 {
		t.Errorf("grouped: a %s, b %d facts", a, len(got["b"]))
	}
	// A grouped host's facts must not share room with the next host's.
	if cap(got["a"]) != 2 {
		t.Errorf("cap %d: an append to a's facts would write over b's", cap(got["a"]))
	}
}

// BenchmarkNovaServicesRefresh1000Hosts: Nova's services as its API lists
// them (by binary: a controller's services apart), published by two panes
// (compute, agents) in turn, one compute host's service going down and up
// again each time: what each Nova refresh costs the UI goroutine at 1,000
// hosts.
func BenchmarkNovaServicesRefresh1000Hosts(b *testing.B) {
	m, _ := bigCloud()
	var fs []Fact
	for _, bin := range []string{"nova-scheduler", "nova-conductor", "nova-compute"} {
		for h := 0; h < 1000; h++ {
			if bin == "nova-compute" || h < 3 {
				fs = append(fs, svc(fmt.Sprintf("compute%04d.mgmt", h), bin, Up, OK))
			}
		}
	}
	down := slices.Clone(fs)
	down[500] = svc("compute0494.mgmt", "nova-compute", Down, Crit)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pane, o := "compute", fs
		if i%2 == 1 {
			pane = "agents"
		}
		if i%4 >= 2 {
			o = down
		}
		m.Apply(Observation{Pane: pane, Source: Nova, At: t0.Add(time.Duration(i+1) * time.Second), Facts: o})
	}
}
