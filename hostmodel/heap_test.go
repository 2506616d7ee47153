package hostmodel

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"testing"
	"time"
)

// BenchmarkModelHeap1000Hosts: the heap a model of 1,000 hosts keeps (30
// containers, two agents and two OSDs each), after the whole-cloud
// answers have been refreshed: every fact is kept once, in its
// observation (a merged copy of each was ~152 bytes a fact more).
//
//	go test -run '^$' -bench ModelHeap1000Hosts -benchtime 1x ./hostmodel/
func BenchmarkModelHeap1000Hosts(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, _ := bigCloud()
		osds := osdFacts()
		for r := range 3 {
			m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Duration(r) * time.Second), Facts: osds})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(m)
	}
}

// osdFacts: Ceph's answer, two OSDs on each of bigCloud's hosts.
func osdFacts() []Fact {
	var fs []Fact
	for h := 0; h < 1000; h++ {
		host := fmt.Sprintf("compute%04d", h)
		fs = append(fs, Fact{Host: host, Kind: OSD, Name: fmt.Sprintf("osd.%d", 2*h), State: Up},
			Fact{Host: host, Kind: OSD, Name: fmt.Sprintf("osd.%d", 2*h+1), State: Up})
	}
	return fs
}

// A host's merged facts are its applied observations' own, not copies,
// and a refresh that only moved times leaves none in the answer it
// replaced (which would then stay in memory beside the new one).
// With patch (the refresh moves the stored answer's times in place) and
// without it (the refresh is stored anew).
func TestMergedFactsAreTheObservations(t *testing.T) {
	for _, off := range []bool{true, false} {
		patchOff = off
		t.Run(fmt.Sprintf("patchOff=%v", off), mergedFactsAreTheObservations)
	}
	patchOff = false
}

func mergedFactsAreTheObservations(t *testing.T) {
	m, _ := bigCloud()
	osds := osdFacts()
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: osds})
	old := *m.obs[obsKey{"ceph", Ceph, ""}]
	old.byHost = maps.Clone(old.byHost)
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Second), Facts: osds})
	if cur := m.obs[obsKey{"ceph", Ceph, ""}]; !patchOff {
		// Patched in place: the stored facts are the first answer's, newer.
		if &cur.byHost["compute0003"][0] != &old.byHost["compute0003"][0] {
			t.Error("a refresh that only moved times stored a new copy of every fact")
		}
		old.byHost = nil
	}
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "compute0003", At: t0.Add(time.Second),
		Facts: []Fact{{Host: "compute0003", Kind: Container, Name: "c00", State: "exited", Severity: Crit}}})
	for _, name := range []string{"compute0000", "compute0003", "compute0999"} {
		h := m.hosts[name]
		if len(h.Facts) != 30+2+2 && name != "compute0003" {
			t.Fatalf("%s: %d facts, want 34", name, len(h.Facts))
		}
		for _, f := range h.Facts {
			if pointsInto(f, old.byHost[name]) {
				t.Errorf("%s: %s %s is the replaced answer's", name, f.Kind, f.Name)
			}
			mine := false
			for k := range m.hostObs[name] {
				mine = mine || pointsInto(f, m.obs[k].byHost[name])
			}
			if !mine {
				t.Errorf("%s: %s %s is no applied observation's (a copy)", name, f.Kind, f.Name)
			}
			if f.Kind == OSD && !f.At.Equal(t0.Add(time.Second)) {
				t.Errorf("%s: %s at %v, want the refresh's", name, f.Name, f.At)
			}
		}
	}
}

// pointsInto tells a fact of the slice from a copy of it, from one of
// another slice, and from nil.
func TestPointsIntoIsByAddress(t *testing.T) {
	fs := []Fact{{Host: "a"}, {Host: "a"}, {Host: "b"}}
	other := slices.Clone(fs)
	for i := range fs {
		if !pointsInto(&fs[i], fs) {
			t.Errorf("&fs[%d] not in fs", i)
		}
		if pointsInto(&other[i], fs) {
			t.Errorf("a copy's fact %d taken for fs's", i)
		}
	}
	if pointsInto(nil, fs) || pointsInto(&fs[0], nil) || pointsInto(&fs[2], fs[:2]) {
		t.Error("nil, an empty slice or a fact past the slice's length taken as in it")
	}
}
