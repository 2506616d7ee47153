package hostmodel

import (
	"fmt"
	"math/rand"
	"time"
)

// teller is a pane telling one source, and the kinds of facts it tells:
// the randomized tests draw their answers from these.
type teller struct {
	pane   string
	source Source
	kinds  []Kind
}

// randomTellers: two panes telling Nova, per-host Docker scopes (the
// tests give containers a scope), cluster-wide counts from Prometheus.
var randomTellers = []teller{
	{"compute", Nova, []Kind{Service, Usage}},
	{"agents", Nova, []Kind{Service}},
	{"agents", Neutron, []Kind{Service}},
	{"ceph", Ceph, []Kind{OSD, Health}},
	{"containers", Docker, []Kind{Container}},
	{"panels", Prometheus, []Kind{Service}},
}

var randomStates = []string{Up, Down, Running, "exited"}

// answerAt is an empty answer of s at step (10 s apart), a Docker one
// scoped to one of three hosts.
func (s teller) answerAt(r *rand.Rand, step int) Observation {
	o := Observation{Pane: s.pane, Source: s.source, At: t0.Add(time.Duration(10*step) * time.Second)}
	if s.source == Docker {
		o.Scope = fmt.Sprintf("h%d", r.Intn(3))
	}
	return o
}
