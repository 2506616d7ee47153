package hostmodel

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// After any sequence of answers (refreshes repeating the last answer, at
// the same time or later; changes; errors; two panes telling one source),
// every merged fact points into a current observation of its host and
// says what a fresh merge says.
func TestMergedFactsPointIntoCurrentObservations(t *testing.T) {
	srcs, states := randomTellers, randomStates
	for seed := int64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewSource(seed))
		m := New()
		last := map[obsKey]Observation{}
		for step := 0; step < 80; step++ {
			s := srcs[r.Intn(len(srcs))]
			o := s.answerAt(r, step)
			k := obsKey{o.Pane, o.Source, o.Scope}
			if prev, ok := last[k]; ok && r.Intn(2) == 0 {
				o.Facts = prev.Facts // a refresh: the same answer again
				if r.Intn(2) == 0 {
					o.At = prev.At // at the same time (a re-published answer)
				}
			} else {
				seen := map[string]bool{}
				for n := r.Intn(6); n > 0; n-- {
					host := fmt.Sprintf("h%d", r.Intn(3))
					if o.Scope != "" {
						host = o.Scope
					}
					f := Fact{Host: host, Kind: s.kinds[r.Intn(len(s.kinds))], Name: fmt.Sprintf("n%d", r.Intn(3)),
						State: states[r.Intn(len(states))]}
					if kk := f.Host + "/" + string(f.Kind) + "/" + f.Name; !seen[kk] {
						seen[kk] = true
						o.Facts = append(o.Facts, f)
					}
				}
			}
			if r.Intn(10) == 0 {
				o.Err = errors.New("down")
			}
			m.Apply(o)
			if o.Err == nil {
				last[k] = o
			}
			for name, h := range m.hosts {
				for _, f := range h.Facts {
					mine := false
					for ok := range m.hostObs[name] {
						mine = mine || pointsInto(f, m.obs[ok].byHost[name])
					}
					if !mine {
						t.Fatalf("seed %d step %d: %s %s/%s (%s) points into no current observation", seed, step, name, f.Kind, f.Name, f.Source)
					}
				}
				want := m.newest(name)
				if len(want) != len(h.Facts) {
					t.Fatalf("seed %d step %d: %s has %d facts, a fresh merge %d", seed, step, name, len(h.Facts), len(want))
				}
				for i := range want {
					if *want[i] != *h.Facts[i] {
						t.Fatalf("seed %d step %d: %s fact %d is %+v, a fresh merge %+v", seed, step, name, i, *h.Facts[i], *want[i])
					}
				}
			}
		}
	}
}
