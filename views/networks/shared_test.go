package networks

import (
	"context"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
)

// sharedSource answers like fakeSource, as a shared answer asked for at
// asOf, and records the cadence each read said it repeats at.
type sharedSource struct {
	*fakeSource
	asOf          time.Time
	ports, routes time.Duration
}

func (s *sharedSource) StuckPorts(ctx context.Context) ([]openstack.StuckPort, int, error) {
	s.ports = cadence.Of(ctx)
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.StuckPorts(ctx)
}

func (s *sharedSource) HARouters(ctx context.Context) ([]openstack.HARouter, error) {
	s.routes = cadence.Of(ctx)
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.HARouters(ctx)
}

// Each section's reads say how often they repeat (3 and 6 refreshes), so
// `stackpit serve` shares one answer per period among its sessions, and a
// shared answer's age is the one the pane shows.
func TestSectionReadsCarryTheirPeriodAndAge(t *testing.T) {
	src := &sharedSource{fakeSource: fixture(), asOf: t0.Add(-20 * time.Second)}
	p, _, out := newPane(src)
	drive(p, out, p.Init())
	if src.ports != 30*time.Second || src.routes != 60*time.Second {
		t.Fatalf("cadences: ports %v, routers %v; want 30s and 60s", src.ports, src.routes)
	}
	for s := Section(0); s < numSections; s++ {
		if got := p.parts[s].at; !got.Equal(src.asOf) {
			t.Fatalf("%v updated %v, want the shared answer's %v", s, got, src.asOf)
		}
	}
}
