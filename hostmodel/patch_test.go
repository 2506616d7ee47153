package hostmodel

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// patch gives the model Apply's whole way gives: random answers that
// mostly repeat a pane's last one (the same, newer or at the same time,
// one host's facts changed, a host added or gone, the hosts in another
// order, a cluster-wide fact changed, an older answer, an error), from
// panes sharing a source, applied to a model with patch and one without.
func TestPatchIsApply(t *testing.T) {
	srcs, states := randomTellers, randomStates
	patches := 0
	for seed := int64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewSource(seed))
		fast, slow := New(), New()
		last := map[obsKey]Observation{}
		fact := func(s teller, host string) Fact {
			f := Fact{Host: host, Kind: s.kinds[r.Intn(len(s.kinds))], Name: fmt.Sprintf("n%d", r.Intn(3)),
				State: states[r.Intn(len(states))], Severity: Severity(r.Intn(3))}
			if r.Intn(4) == 0 {
				f.Detail = "d"
			}
			return f
		}
		// answer: each host's facts together (one per key), hosts in order.
		answer := func(s teller, scope string) []Fact {
			var fs []Fact
			for h := range 5 {
				host := fmt.Sprintf("h%d", h)
				if scope != "" && host != scope {
					continue
				}
				seen := map[string]bool{}
				for n := r.Intn(4); n > 0; n-- {
					f := fact(s, host)
					if r.Intn(3) == 0 {
						f.Host += ".mgmt" // a long name: the model keeps the short one
					}
					if k := string(f.Kind) + "/" + f.Name; !seen[k] {
						seen[k] = true
						fs = append(fs, f)
					}
				}
			}
			if r.Intn(2) == 0 { // by binary, as Nova lists its services: a host's facts apart
				slices.SortStableFunc(fs, func(a, b Fact) int { return strings.Compare(a.Name, b.Name) })
			}
			if s.source == Prometheus && r.Intn(2) == 0 {
				fs = append([]Fact{fact(s, "")}, fs...) // a cluster-wide count first
			}
			return fs
		}
		for step := 0; step < 80; step++ {
			s := srcs[r.Intn(len(srcs))]
			o := s.answerAt(r, step)
			k := obsKey{o.Pane, o.Source, o.Scope}
			prev, had := last[k]
			switch c := r.Intn(10); {
			case !had || c == 0:
				o.Facts = answer(s, o.Scope)
			default:
				o.Facts = slices.Clone(prev.Facts)
				switch {
				case c <= 3: // the same answer again
				case c == 4 && len(o.Facts) > 0: // one fact says otherwise
					i := r.Intn(len(o.Facts))
					o.Facts[i].State = states[r.Intn(len(states))]
					o.Facts[i].Severity = Severity(r.Intn(3))
				case c == 5 && len(o.Facts) > 0: // a host's last fact gone
					o.Facts = slices.Delete(o.Facts, len(o.Facts)-1, len(o.Facts))
				case c == 6 && len(o.Facts) > 1: // two facts swap (maybe two hosts)
					i := r.Intn(len(o.Facts) - 1)
					o.Facts[i], o.Facts[i+1] = o.Facts[i+1], o.Facts[i]
				case c == 7 && len(o.Facts) > 0: // a fact added to the first host
					f := o.Facts[0]
					f.Name, f.ID = fmt.Sprintf("added%d", step), "" // one fact per key (a key named twice: TestKeyNamedTwiceIsTheFirst)
					o.Facts = slices.Insert(o.Facts, 1, f)
				case c == 8:
					o.At = prev.At.Add(-time.Duration(r.Intn(2)) * time.Second) // at the same time, or older
				}
			}
			if r.Intn(12) == 0 {
				o.Err = errors.New("down")
			}
			before := fast.patches
			fast.Apply(o)
			patchOff = true
			slow.Apply(o)
			patchOff = false
			patches += fast.patches - before
			if o.Err == nil {
				last[k] = o
			}
			if !reflect.DeepEqual(fast.Hosts(), slow.Hosts()) {
				t.Fatalf("seed %d step %d (%s/%s): hosts differ\npatch: %s\nApply: %s", seed, step, o.Pane, o.Source, hostsText(fast), hostsText(slow))
			}
			if fast.FactsVersion() != slow.FactsVersion() || !reflect.DeepEqual(fast.Conflicts(), slow.Conflicts()) ||
				!reflect.DeepEqual(fast.Summarize(), slow.Summarize()) {
				t.Fatalf("seed %d step %d: facts version %d/%d, conflicts %v / %v, summary %+v / %+v", seed, step,
					fast.FactsVersion(), slow.FactsVersion(), fast.Conflicts(), slow.Conflicts(), fast.Summarize(), slow.Summarize())
			}
			for _, p := range []string{"compute", "agents", "ceph", "containers", "panels"} {
				fs, fu := fast.PaneSeverity(p)
				ss, su := slow.PaneSeverity(p)
				if fs != ss || fu != su {
					t.Fatalf("seed %d step %d: pane %s severity %v/%v, want %v/%v", seed, step, p, fs, fu, ss, su)
				}
			}
			if !reflect.DeepEqual(fast.cluster, slow.cluster) {
				t.Fatalf("seed %d step %d: cluster facts %+v / %+v", seed, step, fast.cluster, slow.cluster)
			}
		}
	}
	if patches < 1000 {
		t.Errorf("only %d answers were patched: the test barely exercises patch", patches)
	}
}

// A refresh of 1,000 hosts where one host's fact changed merges that one
// host; the others only move their facts' time (issue 15).
func TestPatchMergesOnlyTheChangedHost(t *testing.T) {
	m, _ := bigCloud()
	osds := osdFacts()
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: osds})
	osds = slices.Clone(osds)
	osds[7].State, osds[7].Severity = Down, Crit // compute0003's osd.7
	merges, patches, v := m.merges, m.patches, m.FactsVersion()
	at := t0.Add(time.Second)
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: at, Facts: osds})
	if got := m.merges - merges; got != 1 || m.patches != patches+1 {
		t.Errorf("%d hosts merged, %d answers patched, want 1 (compute0003) and 1", got, m.patches-patches)
	}
	if m.FactsVersion() == v {
		t.Error("an OSD went down and the facts version did not move")
	}
	h, _ := m.Host("compute0003")
	i := slices.IndexFunc(h.Facts, func(f *Fact) bool { return f.Name == "osd.7" })
	if i < 0 || h.Facts[i].State != Down || !h.Facts[i].At.Equal(at) {
		t.Errorf("compute0003's osd.7: %+v, want down at the refresh", h.Facts)
	}
	if s := m.Summarize(); s.OSDsDown != 1 {
		t.Errorf("summary counts %d OSDs down, want 1", s.OSDsDown)
	}
	h, _ = m.Host("compute0999")
	for _, f := range h.Facts {
		if f.Kind == OSD && !f.At.Equal(at) {
			t.Errorf("compute0999's %s at %v, want the refresh's time", f.Name, f.At)
		}
	}
}

func hostsText(m *Model) string {
	var out string
	for _, h := range m.Hosts() {
		out += "\n  " + h.Name + ":"
		for _, f := range h.Facts {
			out += fmt.Sprintf("\n    %s/%s/%s %s %s sev %v at %s", f.Source, f.Kind, idOf(f), f.State, f.Detail, f.Severity, f.At.Format("04:05"))
		}
		for _, c := range h.Conflicts {
			out += "\n    conflict " + c.Line(t0, func(d time.Duration) string { return d.String() })
		}
		for _, n := range h.notes {
			out += fmt.Sprintf("\n    note %s/%s/%s at %s", n.Source, n.Kind, idOf(&n), n.At.Format("04:05"))
		}
	}
	return out
}

// A pane's grade is the worst of its answers, even when another pane's
// newer fact is the merged one: an agents answer that now says a service
// is down grades the agents tab though compute's newer "up" stays merged.
func TestPaneGradeFollowsItsAnswer(t *testing.T) {
	for _, off := range []bool{false, true} {
		patchOff = off
		m := New()
		m.Apply(Observation{Pane: "compute", Source: Nova, At: t0.Add(5 * time.Second), Facts: []Fact{svc("h0", "nova-compute", Up, OK)}})
		m.Apply(Observation{Pane: "agents", Source: Nova, At: t0.Add(1 * time.Second), Facts: []Fact{svc("h0", "nova-compute", Up, OK)}})
		if sev, _ := m.PaneSeverity("agents"); sev != OK {
			t.Fatalf("patchOff=%v: agents graded %v before, want OK", off, sev)
		}
		m.Apply(Observation{Pane: "agents", Source: Nova, At: t0.Add(3 * time.Second), Facts: []Fact{svc("h0", "nova-compute", Down, Crit)}})
		if sev, _ := m.PaneSeverity("agents"); sev != Crit {
			t.Errorf("patchOff=%v: agents graded %v after its answer says a service is down, want CRIT", off, sev)
		}
	}
	patchOff = false
}

// An answer older than the pane's last (a repeat that waited) is not
// patched: of two panes telling one fact, the other's newer one is the
// merged one, as a whole merge says; and the pane's last time is the
// patched answer's, so a repeat older than that is older too.
func TestOlderRepeatYieldsToTheOtherPane(t *testing.T) {
	f := []Fact{svc("h0", "nova-compute", Up, OK)}
	for _, c := range []struct {
		name string
		at   []int // compute, agents, compute... (seconds)
	}{
		{"older than the last", []int{30, 20, 10}},
		{"older than the patched last", []int{5, 20, 30, 10}},
	} {
		m := New()
		for i, s := range c.at {
			pane := "compute"
			if i == 1 {
				pane = "agents"
			}
			m.Apply(Observation{Pane: pane, Source: Nova, At: t0.Add(time.Duration(s) * time.Second), Facts: f})
		}
		h, _ := m.Host("h0")
		if got := h.Facts[0].At; !got.Equal(t0.Add(20 * time.Second)) {
			t.Errorf("%s: nova-compute at +%v, want agents' (+20s)", c.name, got.Sub(t0))
		}
	}
}

// Two panes telling one fact at the same instant, saying otherwise: the
// same one is merged every time the host is merged again, not the one a
// map's iteration happened to give first (a service shown up, then down).
func TestTieIsMergedTheSameEveryTime(t *testing.T) {
	var first string
	for run := range 50 {
		m := New()
		m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("h0", "nova-compute", Up, OK)}})
		m.Apply(Observation{Pane: "agents", Source: Nova, At: t0, Facts: []Fact{svc("h0", "nova-compute", Down, Crit)}})
		for i := range 3 { // the agents pane's answer again, another service added each time
			fs := []Fact{svc("h0", "nova-compute", Down, Crit)}
			for j := range i + 1 {
				fs = append(fs, svc("h0", fmt.Sprintf("other%d", j), Up, OK))
			}
			m.Apply(Observation{Pane: "agents", Source: Nova, At: t0, Facts: fs})
			h, _ := m.Host("h0")
			got := h.Facts[slices.IndexFunc(h.Facts, func(f *Fact) bool { return f.Name == "nova-compute" })].State
			if first == "" {
				first = got
			}
			if got != first {
				t.Fatalf("run %d merge %d: nova-compute %s, before %s", run, i, got, first)
			}
		}
	}
}

// A cluster-wide up count that a host's service contradicts, told again
// with only its time moved: the conflict names the count's new time (its
// age on screen), with the repeat patched or merged the whole way.
func TestClusterCountRepeatAgesItsConflict(t *testing.T) {
	for _, off := range []bool{false, true} {
		patchOff = off
		m := New()
		count := []Fact{{Kind: Service, Name: "nova-compute", State: Up, Detail: "5/5"}}
		m.Apply(Observation{Pane: "panels", Source: Prometheus, At: t0, Facts: count})
		m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("h0", "nova-compute", Down, Crit)}})
		at := t0.Add(10 * time.Second)
		m.Apply(Observation{Pane: "panels", Source: Prometheus, At: at, Facts: count})
		cs := m.Conflicts()
		if len(cs) != 1 || !cs[0].A.At.Equal(at) {
			t.Errorf("patchOff=%v: conflicts %+v, want one naming the count at its repeat's time", off, cs)
		}
	}
	patchOff = false
}

// An answer that names a key twice (two hosts whose long names shorten
// alike) is merged as its first, whole or patched, and stays so.
func TestKeyNamedTwiceIsTheFirst(t *testing.T) {
	for _, off := range []bool{false, true} {
		patchOff = off
		m := New()
		fs := []Fact{svc("h0.dc1", "nova-compute", Down, Crit), svc("h0.dc2", "nova-compute", Up, OK), svc("h1", "nova-compute", Up, OK)}
		for i := range 3 {
			if i == 2 {
				fs = slices.Clone(fs)
				fs[2].State = Down // another host changes: h0 is not merged again
			}
			m.Apply(Observation{Pane: "compute", Source: Nova, At: t0.Add(time.Duration(i) * time.Second), Facts: fs})
			h, _ := m.Host("h0")
			if len(h.Facts) != 1 || h.Facts[0].State != Down {
				t.Fatalf("patchOff=%v answer %d: h0 %+v, want the answer's first (down)", off, i, h.Facts)
			}
		}
	}
	patchOff = false
}
