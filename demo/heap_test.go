package demo

import (
	"runtime"
	"testing"
	"time"
)

// liveObjects is the heap's object count after a collection.
func liveObjects() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapObjects
}

// The in-process demo's world shares the cockpit's heap, so every
// collection marks it (issue 15): its per-server parts (instances, their
// strings, IPs and actions, the volumes and the log simulation's copy of
// the instances) are slabs and packed strings, not objects per server.
// Before, 20,000 servers were ~14 live objects each.
func TestWorldIsFewObjects(t *testing.T) {
	const n = 20000
	before := liveObjects()
	s := NewStory(Options{Instances: n, Computes: 40, FailAfter: -1})
	var vols []*demoVolume
	var sim *simInsts
	s.Lock(func() {
		ns := novaFor(s)
		ns.reindex()
		vols = cinderFor(s).volumes(s)
		sim = buildSimInsts(s)
	})
	after := liveObjects()
	per := float64(after-min(after, before)) / n
	t.Logf("%d servers, %d volumes: %.2f live objects per server", n, len(vols), per)
	if per > 0.5 {
		t.Errorf("the world is %.2f live objects per server, want at most 0.5", per)
	}
	// Still a world: the instances and volumes read as before.
	if in := s.Instances[n-1]; len(in.ID) != 36 || len(in.IPs) != 1 || len(in.Actions) != 1 || in.Actions[0].UserID != in.UserID {
		t.Errorf("last instance %+v", in)
	}
	runtime.KeepAlive(sim)
	runtime.KeepAlive(s)
}

// A slab's values are separate: an append to one instance's actions
// copies out of the slab and leaves its neighbour's alone.
func TestSlabSlicesAreTheirOwn(t *testing.T) {
	s := NewStory(Options{Instances: 10, FailAfter: -1, Now: func() time.Time { return time.Unix(1e9, 0) }})
	a, b := s.Instances[1], s.Instances[2]
	want := b.Actions[0]
	a.Actions = append(a.Actions, InstanceAction{Action: "stop"})
	a.IPs = append(a.IPs, "10.9.9.9")
	if b.Actions[0] != want || len(b.Actions) != 1 || len(b.IPs) != 1 || b.IPs[0] == "10.9.9.9" {
		t.Errorf("a's append reached b: %+v %v", b.Actions, b.IPs)
	}
}
