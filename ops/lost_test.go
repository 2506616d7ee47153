package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// lossyNova is fakeNova whose replies can be lost, with Nova's action
// history to read them back from.
type lossyNova struct {
	*fakeNova
	mu sync.Mutex
	// lose: the request lands, its reply is lost; drop: neither lands.
	lose, drop map[string]bool
	actions    map[string][]openstack.InstanceAction
	actErr     error
}

func newLossy(ss ...openstack.Server) *lossyNova {
	return &lossyNova{fakeNova: newNova(ss...), lose: map[string]bool{}, drop: map[string]bool{},
		actions: map[string][]openstack.InstanceAction{}}
}

func (n *lossyNova) InstanceActions(_ context.Context, id string) ([]openstack.InstanceAction, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.actErr != nil {
		return nil, n.actErr
	}
	return append([]openstack.InstanceAction(nil), n.actions[id]...), nil
}

func (n *lossyNova) lost(id, action string, send func() error) error {
	if n.drop[id] {
		return fmt.Errorf("POST /servers/%s/action: %w", id, httpclient.ErrReplyLost)
	}
	if err := send(); err != nil {
		return err
	}
	n.mu.Lock()
	n.actions[id] = append([]openstack.InstanceAction{{Action: action, RequestID: "req-" + id, StartTime: time.Now()}}, n.actions[id]...)
	n.mu.Unlock()
	if n.lose[id] {
		return fmt.Errorf("POST /servers/%s/action: %w", id, httpclient.ErrReplyLost)
	}
	return nil
}

func (n *lossyNova) Evacuate(ctx context.Context, id, host string) error {
	return n.lost(id, "evacuate", func() error { return n.fakeNova.Evacuate(ctx, id, host) })
}

func (n *lossyNova) LiveMigrate(ctx context.Context, id, host string) error {
	return n.lost(id, "live-migration", func() error { return n.fakeNova.LiveMigrate(ctx, id, host) })
}

// A lost evacuate reply is read back per instance: one Nova recorded is
// watched to the end and verified, one it never got fails with what was
// read; none is sent twice.
func TestEvacuateReadsBackALostReply(t *testing.T) {
	n := newLossy(srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "web-2", "ACTIVE", "compute04"), srv("c", "web-3", "ACTIVE", "compute04"))
	n.actions["a"] = []openstack.InstanceAction{{Action: "evacuate", RequestID: "req-old", StartTime: time.Now().Add(-time.Hour)}}
	n.lose["a"], n.drop["b"] = true, true
	tune := fast
	tune.ReadBack = 30 * time.Millisecond
	sum := Evacuate(context.Background(), n, &fakeServices{}, tune, HostPlan{Host: "compute04", Servers: serversOf(n)}, nil)
	got := map[string]Instance{}
	for _, in := range sum.Instances {
		got[in.ID] = in
	}
	if a := got["a"]; a.State != OK || a.Target != "compute02" || a.Unknown {
		t.Fatalf("lost reply, evacuation recorded: %+v", a)
	}
	if b := got["b"]; b.State != Failed || b.Unknown || b.Err != "evacuate reply lost and not taken: no evacuate in Nova's action list since the request; server ACTIVE on compute04" {
		t.Fatalf("lost request: %+v", b)
	}
	if c := got["c"]; c.State != OK {
		t.Fatalf("c: %+v", c)
	}
	evacs := 0
	for _, c := range n.calls {
		if c == "evacuate web-1" {
			evacs++
		}
	}
	if evacs != 1 {
		t.Fatalf("web-1 evacuated %d times: %v", evacs, n.calls)
	}
}

// When the read-back cannot tell, the instance is neither failed nor sent
// again: its outcome is unknown, and the journal keeps the run resumable.
func TestEvacuateUnknownOutcomeIsResumable(t *testing.T) {
	n := newLossy(srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "web-2", "ACTIVE", "compute04"))
	n.lose["a"] = true
	n.actErr = errors.New("nova: 503 Service Unavailable")
	s := testStore(t, t.TempDir(), os.Getpid(), "alice")
	sum, err := s.Run(context.Background(), Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04"}, "", func(Event) {},
		func(ctx context.Context, emit func(Event)) Summary {
			return Evacuate(ctx, n, &fakeServices{}, fast, HostPlan{Host: "compute04", Servers: serversOf(n)}, emit)
		})
	if err != nil {
		t.Fatal(err)
	}
	a := sum.Instances[0]
	if a.ID != "a" || a.State != Skipped || !a.Unknown || sum.Unknown() != 1 {
		t.Fatalf("a: %+v", a)
	}
	if _, rerr := sum.Result(); rerr == nil {
		t.Fatal("a run with an unknown outcome reported success")
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].Status != StatusUnverified || !list[0].Resumable() {
		t.Fatalf("journal %+v", list)
	}
	if len(n.calls) != 2 {
		t.Fatalf("calls %v", n.calls)
	}
}

// Drain: a lost live-migration reply Nova recorded is watched and verified.
func TestDrainReadsBackALostReply(t *testing.T) {
	n := newLossy(srv("a", "web-1", "ACTIVE", "compute03"))
	n.lose["a"] = true
	sum := Drain(context.Background(), n, &fakeServices{}, fast, HostPlan{Host: "compute03", Servers: serversOf(n)}, nil)
	if in := sum.Instances[0]; in.State != OK || in.Target != "compute01" {
		t.Fatalf("%+v", in)
	}
	if len(n.calls) != 1 {
		t.Fatalf("calls %v", n.calls)
	}
}

func serversOf(n *lossyNova) []openstack.Server {
	var out []openstack.Server
	for _, id := range []string{"a", "b", "c"} {
		if s, ok := n.servers[id]; ok {
			out = append(out, *s)
		}
	}
	return out
}
