package demo

import (
	"testing"
	"time"
)

// TestChangesSinceTouchesOnlyChanges: at 50,000 servers a changes-since
// refresh after 10 changes looks at those 10 servers (read from the change
// log), not at all 50,000, and answers what a full scan would.
func TestChangesSinceTouchesOnlyChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("50k story")
	}
	e := startCloud(t, Options{Instances: 50000, FailAfter: -1})
	s := e.c.Story
	e.advance(time.Hour)
	// An older change is in the log but not in the answer.
	s.Lock(func() { s.Touch(s.Instances[1]) })
	e.advance(time.Minute)
	since := e.clock.Now().UTC().Format(time.RFC3339)
	want := map[string]bool{}
	s.Lock(func() {
		for i := 0; i < 10; i++ {
			in := s.Instances[i*4999]
			s.Touch(in)
			want[in.ID] = true
		}
		novaFor(s).scanned = 0
	})
	var body struct {
		Servers []struct{ ID string } `json:"servers"`
	}
	code, _, raw := e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&changes-since="+since, "2.88", nil, &body)
	if code != 200 {
		t.Fatalf("%d %s", code, raw)
	}
	if len(body.Servers) != len(want) {
		t.Fatalf("%d servers, want %d", len(body.Servers), len(want))
	}
	var prev int
	var scanned int
	s.Lock(func() {
		ns := novaFor(s)
		scanned = ns.scanned
		for i, sv := range body.Servers {
			if !want[sv.ID] {
				t.Errorf("unexpected server %s", sv.ID)
			}
			if p := ns.pos[sv.ID]; i > 0 && p <= prev {
				t.Errorf("server %s out of list order", sv.ID)
			} else {
				prev = p
			}
		}
	})
	if scanned > 10 {
		t.Fatalf("changes-since looked at %d servers for 10 changes", scanned)
	}
	// Paging through the changes with a marker keeps the order.
	var page struct {
		Servers []struct{ ID string } `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&limit=4&marker="+body.Servers[3].ID+"&changes-since="+since, "2.88", nil, &page)
	if len(page.Servers) != 4 || page.Servers[0].ID != body.Servers[4].ID || page.Servers[3].ID != body.Servers[7].ID {
		t.Fatalf("second page %v, want servers 4..7 of %v", page.Servers, body.Servers)
	}
	// Before the story's start the log does not cover it: a full scan.
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&limit=5&changes-since=2000-01-01T00:00:00Z", "2.88", nil, &page)
	if len(page.Servers) != 5 {
		t.Fatalf("old changes-since: %d servers, want a full page", len(page.Servers))
	}
}

// TestHypervisorServersFollowChanges: with_servers lists each compute's
// servers (encoded once, cached) and the cache follows a server's move.
func TestHypervisorServersFollowChanges(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	type hv struct {
		Name    string `json:"hypervisor_hostname"`
		Servers []struct{ UUID, Name string }
	}
	list := func() map[string]map[string]bool {
		var body struct{ Hypervisors []hv }
		if code, _, raw := e.do("GET", "nova", "/v2.1/os-hypervisors/detail?with_servers=true", "2.88", nil, &body); code != 200 {
			t.Fatalf("%d %s", code, raw)
		}
		out := map[string]map[string]bool{}
		for _, h := range body.Hypervisors {
			out[h.Name] = map[string]bool{}
			for _, sv := range h.Servers {
				out[h.Name][sv.UUID] = true
			}
		}
		return out
	}
	check := func(got map[string]map[string]bool) {
		t.Helper()
		n := 0
		e.c.Story.Lock(func() {
			for _, in := range e.c.Story.Instances {
				if !in.Deleted && in.Host != "" {
					n++
					if !got[in.Host][in.ID] {
						t.Errorf("%s missing on %s", in.ID, in.Host)
					}
				}
			}
		})
		total := 0
		for _, m := range got {
			total += len(m)
		}
		if total != n {
			t.Errorf("%d servers listed, want %d", total, n)
		}
	}
	check(list())
	var id string
	e.c.Story.Lock(func() {
		s := e.c.Story
		in := s.Instances[3]
		id = in.ID
		in.Host = map[bool]string{true: "compute01", false: "compute02"}[in.Host != "compute01"]
		s.Touch(in)
	})
	got := list()
	check(got)
	if len(got) == 0 || (!got["compute01"][id] && !got["compute02"][id]) {
		t.Fatalf("moved server %s not on its new host", id)
	}
}

// TestLokiWorldShared: log queries and tails share one snapshot of the
// instances until one changes, then see the change.
func TestLokiWorldShared(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	l := newLokiSim(e.c)
	a, b := l.world(), l.world()
	if len(a.insts) == 0 || &a.insts[0] != &b.insts[0] {
		t.Fatal("an unchanged story copied its instances again")
	}
	s := e.c.Story
	var id string
	s.Lock(func() {
		in := s.Instances[0]
		in.Host, id = "compute06", in.ID
		s.Touch(in)
	})
	c := l.world()
	if &c.insts[0] == &a.insts[0] {
		t.Fatal("a changed instance did not rebuild the snapshot")
	}
	for _, in := range c.insts {
		if in.id == id && in.host != "compute06" {
			t.Fatalf("snapshot has %s on %s", id, in.host)
		}
	}
	s.Lock(func() { s.Emit(Event{Kind: "host_down", Host: "compute02", Message: "x"}) })
	if d := l.world(); len(d.offPeriod["compute02"]) != 1 {
		t.Fatalf("new event not in the snapshot: %v", d.offPeriod)
	}
}

// TestUsageFollowsMoves: the per-compute sums are cached per instance
// generation, and a server's move (a Touch) moves its usage.
func TestUsageFollowsMoves(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	s := e.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		before := ns.usage()
		var in *Instance
		for _, x := range s.Instances {
			if x.Host == "compute02" && !x.Deleted {
				in = x
				break
			}
		}
		f := s.Flavor(in.FlavorID)
		in.Host = "compute01"
		s.Touch(in)
		after := ns.usage()
		if after["compute01"].VCPUs != before["compute01"].VCPUs+f.VCPUs || after["compute02"].VCPUs != before["compute02"].VCPUs-f.VCPUs ||
			after["compute01"].Instances != before["compute01"].Instances+1 {
			t.Fatalf("usage did not follow the move: before %+v %+v after %+v %+v", *before["compute01"], *before["compute02"],
				*after["compute01"], *after["compute02"])
		}
		after["compute01"].VCPUs = -1 // callers own their copy
		if ns.usage()["compute01"].VCPUs == -1 {
			t.Fatal("usage handed out the cache")
		}
	})
}

// TestHostCountsFollowStateChanges: the cached per-host counts behind
// Prometheus' running VMs and Neutron's devices follow a stop and a delete.
func TestHostCountsFollowStateChanges(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	s := e.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		in := s.Instances[10]
		placed, active := s.hostCounts()
		p0, a0 := placed[in.Host], active[in.Host]
		ns.setState(in, "stopped", "")
		placed, active = s.hostCounts()
		if placed[in.Host] != p0 || active[in.Host] != a0-1 {
			t.Fatalf("after stop: placed %d active %d, want %d %d", placed[in.Host], active[in.Host], p0, a0-1)
		}
		in.Deleted = true
		ns.setState(in, "deleted", "")
		if placed, _ = s.hostCounts(); placed[in.Host] != p0-1 {
			t.Fatalf("after delete: placed %d, want %d", placed[in.Host], p0-1)
		}
	})
}

// The server list is indexed when the demo starts, not on the first list
// request (at 50,000 servers that index is on the way to the first rows).
func TestServerListIndexedAtStart(t *testing.T) {
	e := startCloud(t, Options{Instances: 500, FailAfter: -1})
	s := e.c.Story
	deadline := time.Now().Add(10 * time.Second)
	for {
		var indexed, n int
		s.Lock(func() { indexed, n = novaFor(s).indexed, len(s.Instances) })
		if indexed == n && n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d servers indexed 10 s after start, without a request", indexed, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
