package snapshot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
)

// The snapshot reads the same host model as the cockpit: what each source
// returned is applied to it, and the report carries the incident line the
// cockpit's strip shows (same words, same grading), conflicts included.

// hostModel is a host model the concurrent readers feed under a lock.
type hostModel struct {
	mu sync.Mutex
	m  *hostmodel.Model
}

func (h *hostModel) apply(src hostmodel.Source, facts []hostmodel.Fact, err error, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m.Apply(hostmodel.Observation{Pane: "snapshot", Source: src, At: at, Facts: facts, Err: err})
}

// observed wraps the readers so what they return also reaches h.
func (s Sources) observed(h *hostModel, now time.Time) Sources {
	if f := s.ComputeServices; f != nil {
		s.ComputeServices = func(c context.Context) ([]openstack.ComputeService, error) {
			ss, err := f(c)
			h.apply(hostmodel.Nova, hostmodel.FromComputeServices(ss), err, now)
			return ss, err
		}
	}
	if f := s.NetworkAgents; f != nil {
		s.NetworkAgents = func(c context.Context) ([]openstack.NetworkAgent, error) {
			as, err := f(c)
			h.apply(hostmodel.Neutron, hostmodel.FromNetworkAgents(as), err, now)
			return as, err
		}
	}
	if f := s.VolumeServices; f != nil {
		s.VolumeServices = func(c context.Context) ([]openstack.VolumeService, error) {
			vs, err := f(c)
			h.apply(hostmodel.Cinder, hostmodel.FromVolumeServices(vs), err, now)
			return vs, err
		}
	}
	if f := s.Alerts; f != nil {
		s.Alerts = func(c context.Context) ([]alertmanager.Alert, error) {
			as, err := f(c)
			h.apply(hostmodel.Alerts, hostmodel.FromAlerts(as), err, now)
			return as, err
		}
	}
	if f := s.Ceph; f != nil {
		s.Ceph = func(c context.Context) (*ceph.Cluster, error) {
			cl, err := f(c)
			h.apply(hostmodel.Ceph, hostmodel.FromCeph(cl), err, now)
			return cl, err
		}
	}
	s.Stuck = append([]StuckSource(nil), s.Stuck...) // the caller's slice stays as it was
	for i, st := range s.Stuck {
		f := st.Read
		s.Stuck[i].Read = func(c context.Context) ([]hostmodel.StuckResource, error) {
			rs, err := f(c)
			h.applyStuck(hostmodel.Source(st.Area), hostmodel.StuckFacts(rs), err, now)
			return rs, err
		}
	}
	return s
}

// applyStuck applies an area's stuck resources under a scope of their own.
func (h *hostModel) applyStuck(src hostmodel.Source, facts []hostmodel.Fact, err error, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m.Apply(hostmodel.Observation{Pane: "snapshot", Source: src, Scope: "stuck", At: at, Facts: facts, Err: err})
}

// incident is the strip's line: "1 host DOWN (compute04) · 2 CRIT · ...".
func (h *hostModel) incident() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var parts []string
	for _, sg := range h.m.Summarize().Segments() {
		parts = append(parts, sg.Text)
	}
	return strings.Join(parts, " · ")
}
