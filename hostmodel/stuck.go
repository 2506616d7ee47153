package hostmodel

import (
	"fmt"
	"sort"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// Stuck resources: ports, routers, volumes, images stuck in a state an
// operator must chase. A pane (or the snapshot) turns what it read into
// StuckResources and publishes StuckFacts(...) in an Observation with its
// own Source and Scope (the networks pane: Neutron, scope "ports" and
// "routers"); the strip and the snapshot count them by resource kind. They
// are cluster-wide facts: a port bound to compute04 does not make the
// compute04 row worse, it is on its own line.
const Stuck Kind = "stuck"

// Glance is the images pane's source (stuck images).
const Glance Source = "glance"

// StuckResource is one stuck thing.
type StuckResource struct {
	Kind     string // singular noun: "port", "router", "volume", "image"
	ID, Name string
	Status   string    // what is wrong: "binding failed", "active on 2 agents", "error_deleting"
	Host     string    // where to look ("" unknown): the port's binding host, the volume's backend
	Since    time.Time // in this status since (zero: unknown)
	Severity Severity  // zero means Warn
}

// StuckFacts are the model's facts for rs.
func StuckFacts(rs []StuckResource) []Fact {
	out := make([]Fact, 0, len(rs))
	for _, r := range rs {
		sev := r.Severity
		if sev == OK {
			sev = Warn
		}
		d := r.Name
		if r.Host != "" {
			d += " on " + r.Host
		}
		out = append(out, Fact{Kind: Stuck, Name: r.Kind, ID: r.Kind + "/" + r.ID, State: r.Status, Detail: d, Severity: sev})
	}
	return out
}

// StuckCount is how many resources of one kind are stuck.
type StuckCount struct {
	Kind     string
	N        int
	Severity Severity // the worst of them
}

// stuckWords names a kind in the strip: "1 stuck port", "2 broken HA routers".
var stuckWords = map[string][2]string{
	"router": {"broken HA router", "broken HA routers"},
}

func (c StuckCount) text() string {
	w, ok := stuckWords[c.Kind]
	if !ok {
		w = [2]string{"stuck " + c.Kind, "stuck " + c.Kind + "s"}
	}
	if c.N == 1 {
		return "1 " + w[0]
	}
	return fmt.Sprintf("%d %s", c.N, w[1])
}

func countStuck(fs []Fact) []StuckCount {
	by := map[string]*StuckCount{}
	for _, f := range fs {
		if f.Kind != Stuck {
			continue
		}
		c := by[f.Name]
		if c == nil {
			c = &StuckCount{Kind: f.Name}
			by[f.Name] = c
		}
		c.N++
		c.Severity = max(c.Severity, f.Severity)
	}
	out := make([]StuckCount, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// FromStuckPorts: each stuck port (binding failed is CRIT: the instance
// has no network; a DOWN port of an ACTIVE server WARN).
func FromStuckPorts(ps []openstack.StuckPort) []StuckResource {
	out := make([]StuckResource, 0, len(ps))
	for _, p := range ps {
		r := StuckResource{Kind: "port", ID: p.ID, Name: p.Name, Status: p.Reason, Host: p.HostID, Since: p.Updated, Severity: Warn}
		if r.Name == "" {
			r.Name = p.ID
		}
		if p.VIFType == "binding_failed" {
			r.Severity = Crit
		}
		out = append(out, r)
	}
	return out
}

// RouterProblem says what is wrong with an HA router ("" when nothing):
// active on no agent (no gateway: CRIT) or on several (split brain: CRIT).
func RouterProblem(r openstack.HARouter) string {
	if r.Err != nil {
		return ""
	}
	switch n := r.Active(); {
	case n == 0:
		return "active on no agent"
	case n > 1:
		return fmt.Sprintf("active on %d agents", n)
	}
	return ""
}

// FromHARouters: each HA router not active on exactly one agent.
func FromHARouters(rs []openstack.HARouter) []StuckResource {
	var out []StuckResource
	for _, r := range rs {
		p := RouterProblem(r)
		if p == "" {
			continue
		}
		host := ""
		for _, a := range r.Agents {
			if a.HAState == "active" {
				if host != "" {
					host += ","
				}
				host += a.Host
			}
		}
		name := r.Name
		if name == "" {
			name = r.ID
		}
		out = append(out, StuckResource{Kind: "router", ID: r.ID, Name: name, Status: p, Host: host, Severity: Crit})
	}
	return out
}
