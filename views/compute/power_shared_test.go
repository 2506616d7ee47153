package compute

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/views/pane"
)

// cadencePower records the cadence each read says it repeats at.
type cadencePower struct {
	*fakePower
	mu   sync.Mutex
	seen map[string]time.Duration
}

func (c *cadencePower) PowerState(ctx context.Context, host string) (bmc.State, error) {
	c.mu.Lock()
	c.seen[host] = cadence.Of(ctx)
	c.mu.Unlock()
	return c.fakePower.PowerState(ctx, host)
}

// A steady host's once-a-minute read says so (under `stackpit serve` one
// read a minute is then every session's); a watched host's read does not
// (it must be this refresh's).
func TestSteadyPowerReadsCarryTheirCadence(t *testing.T) {
	cp := &cadencePower{fakePower: newFakePower(), seen: map[string]time.Duration{}}
	p, _, now := powerPane(t, cp.fakePower, nil)
	p.SetPower(cp)
	sel, _ := p.Table().Selected()
	*now = now.Add(powerSteady)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, h := range []string{"compute01", "compute06"} {
		if h != sel.Key && cp.seen[h] != powerSteady {
			t.Errorf("%s (steady) read with cadence %v, want %v", h, cp.seen[h], powerSteady)
		}
	}
	for _, h := range []string{"compute02", "compute03", "compute04", sel.Key} {
		if h == "" {
			continue
		}
		if d, ok := cp.seen[h]; !ok || d != 0 {
			t.Errorf("%s (watched) read with cadence %v (read: %v), want none", h, d, ok)
		}
	}
}

// sharedHVs answers the hypervisor list as another session's answer
// asked for at asOf.
type sharedHVs struct {
	*fakeSource
	asOf time.Time
}

func (s sharedHVs) Hypervisors(ctx context.Context) ([]openstack.Hypervisor, error) {
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.Hypervisors(ctx)
}

// A shared list's age is the one the pane shows, never its arrival.
func TestSharedListShowsItsRealAge(t *testing.T) {
	asOf := t0.Add(-6 * time.Second)
	p, _ := newPane(sharedHVs{fixture(), asOf})
	drive(p, p.Init())
	if !p.hvAt.Equal(asOf) || !p.svcAt.Equal(t0) {
		t.Fatalf("hypervisors at %v (want the shared %v), services at %v (want %v: its own)", p.hvAt, asOf, p.svcAt, t0)
	}
}
