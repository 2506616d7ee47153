package demo

import (
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// Ambient tenant activity, so that a long-running demo keeps changing the
// way a real cloud does: now and then a tenant soft-reboots a server, and CI
// runners come and go (a new server builds, an old one is deleted, which an
// incremental changes-since refresh sees as DELETED).
//
// It starts AmbientAfter past the compute failure (never when the story
// has no failure, as in most tests), far beyond any test's run time.

// AmbientAfter is how long after FailAfter the ambient activity starts.
var AmbientAfter = 60 * time.Second

func (n *nova) startAmbient() {
	s := n.c.Story
	if s.FailAfter <= 0 {
		return
	}
	r := rand.New(rand.NewSource(7))
	var tick func()
	tick = func() {
		ns := novaFor(s)
		switch r.Intn(4) {
		case 0, 1:
			n.ambientReboot(ns, r)
		case 2:
			n.ambientCreate(ns, r)
		case 3:
			n.ambientDelete(ns, r)
		}
		s.Schedule(time.Duration(12+r.Intn(14))*time.Second, tick)
	}
	s.Lock(func() { s.Schedule(max(0, s.Start.Add(s.FailAfter+AmbientAfter).Sub(s.Now())), tick) })
}

// idleOnHealthyHost picks a random ACTIVE server with nothing in flight on
// an up, enabled compute (nil if none after a few tries).
func idleOnHealthyHost(ns *novaState, r *rand.Rand, project string) *Instance {
	s := ns.story
	for try := 0; try < 50 && len(s.Instances) > 0; try++ {
		in := s.Instances[r.Intn(len(s.Instances))]
		if in.Deleted || in.Status != "ACTIVE" || ns.op[in.ID] != "" || (project != "" && in.ProjectID != project) {
			continue
		}
		if h := s.Host(in.Host); h != nil && ns.schedulable(h) {
			return in
		}
	}
	return nil
}

func (n *nova) ambientReboot(ns *novaState, r *rand.Rand) {
	in := idleOnHealthyHost(ns, r, "")
	if in == nil {
		return
	}
	q := &novaReq{reqID: newRequestID(), mv: novaMax, base: n.c.URLs["nova"]}
	a := &novaAction{ns: ns, q: q, in: in, user: in.UserID}
	a.reboot([]byte(`{"type":"SOFT"}`))
}

func (n *nova) projectNamed(name string) *Project {
	for _, p := range n.c.Story.Projects {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (n *nova) ambientCreate(ns *novaState, r *rand.Rand) {
	s := n.c.Story
	p := n.projectNamed("ci")
	if p == nil || len(s.Flavors) < 2 || len(s.bootImages()) == 0 {
		return
	}
	now := s.Now()
	seq := len(s.Instances)
	in := &Instance{ID: randomUUID(), Name: fmt.Sprintf("ci-runner-%03d", seq), ProjectID: p.ID,
		UserID:   strings.ReplaceAll(stableUUID("ci-user", p.ID), "-", ""),
		FlavorID: s.Flavors[1].ID, ImageID: s.bootImages()[r.Intn(len(s.bootImages()))].ID,
		IPs:     []string{fmt.Sprintf("192.168.%d.%d", 200+(seq/250)%50, 2+seq%250)},
		Created: now, Updated: now, Metadata: map[string]string{"role": "runner"}}
	dest := ns.pickHost(in, "")
	if dest == "" {
		return
	}
	s.Instances = append(s.Instances, in)
	ns.reindex()
	q := &novaReq{reqID: newRequestID(), mv: novaMax, base: n.c.URLs["nova"]}
	a := &novaAction{ns: ns, q: q, in: in, user: in.UserID}
	a.record("create")
	ns.pending[in.ID] = dest
	ns.setState(in, "building", "scheduling")
	a.emit("create", "accepted", dest, fmt.Sprintf("Creating instance %s (%s)", in.ID, in.Name), "dest_host", dest)
	a.step(time.Second, func() {
		in.Host = dest
		ns.setState(in, "building", "spawning")
		ev := a.event("compute__do_build_and_run_instance", dest)
		a.step(4*time.Second+a.jitter(), func() {
			ns.setState(in, "active", "")
			in.PowerState = 1
			ev("Success")
			a.finish()
			a.emit("create", "done", dest, fmt.Sprintf("Instance %s (%s) is ACTIVE on %s", in.ID, in.Name, dest), "dest_host", dest)
		})
	})
}

func (n *nova) ambientDelete(ns *novaState, r *rand.Rand) {
	p := n.projectNamed("ci")
	if p == nil {
		return
	}
	in := idleOnHealthyHost(ns, r, p.ID)
	if in == nil {
		return
	}
	q := &novaReq{reqID: newRequestID(), mv: novaMax, base: n.c.URLs["nova"]}
	a := &novaAction{ns: ns, q: q, in: in, user: in.UserID}
	a.record("delete")
	ns.setState(in, "active", "deleting")
	a.emit("delete", "accepted", in.Host, fmt.Sprintf("Deleting instance %s (%s)", in.ID, in.Name))
	a.step(2*time.Second, func() {
		in.Deleted = true
		in.PowerState = 0
		ns.setState(in, "deleted", "")
		a.finish()
		a.emit("delete", "done", in.Host, fmt.Sprintf("Instance %s (%s) deleted", in.ID, in.Name))
	})
}
