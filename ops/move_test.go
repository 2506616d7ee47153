package ops

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// moveScript plays back a moving server, one state per poll.
type moveScript struct {
	states []openstack.Server
	migs   [][]openstack.Migration
	polls  int
}

func (m *moveScript) Server(ctx context.Context, id string) (openstack.Server, error) {
	return m.states[min(m.polls, len(m.states)-1)], nil
}

func (m *moveScript) ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error) {
	i := min(m.polls, len(m.states)-1)
	m.polls++
	if i < len(m.migs) {
		return m.migs[i], nil
	}
	return nil, nil
}

var noWait = WatchTuning{Every: time.Second, Window: 10 * time.Second, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}

func TestWatchMove(t *testing.T) {
	t0 := time.Now()
	s0 := openstack.Server{ID: "a", Name: "web-1", Status: "ACTIVE", Host: "compute04"}
	moving := openstack.Server{ID: "a", Status: "MIGRATING", TaskState: "migrating", Host: "compute04"}
	mv := Move{Kind: "live-migration", Server: s0, Started: t0, Done: "live migration requested", Label: "web-1 (a)"}
	var prog []MoveProgress
	res, settled, err := WatchMove(context.Background(), &moveScript{states: []openstack.Server{moving,
		{ID: "a", Status: "ACTIVE", Host: "compute02"}}}, noWait, mv, func(p MoveProgress) { prog = append(prog, p) })
	if err != nil || !settled || !strings.Contains(res, "live-migration to compute02 done") || len(prog) != 2 {
		t.Fatalf("%q %v %v %+v", res, settled, err, prog)
	}
	// Nova's later failure, in its own words.
	_, _, err = WatchMove(context.Background(), &moveScript{states: []openstack.Server{moving, {ID: "a", Status: "ACTIVE", Host: "compute04"}},
		migs: [][]openstack.Migration{nil, {{Type: "live-migration", Status: "error", SourceCompute: "compute04", DestCompute: "compute02", CreatedAt: t0}}}},
		noWait, mv, nil)
	if err == nil || !strings.Contains(err.Error(), "live-migration failed: migration compute04→compute02 error") {
		t.Fatalf("failure: %v", err)
	}
	// Still moving when the window ends: not an error, not settled.
	res, settled, err = WatchMove(context.Background(), &moveScript{states: []openstack.Server{moving}}, noWait, mv, nil)
	if err != nil || settled || !strings.Contains(res, "still migrating after 10s") {
		t.Fatalf("%q %v %v", res, settled, err)
	}
}

// A drain resumed after an interruption: what already moved is verified,
// what is still migrating elsewhere watched; neither is migrated again.
func TestDrainResumedNeverMovesTwice(t *testing.T) {
	moved := with(srv("a", "web-1", "ACTIVE", "compute01"), "ACTIVE", "", "compute01")
	moving := with(srv("b", "web-2", "ACTIVE", "compute02"), "ACTIVE", "migrating", "compute02")
	n := newNova(moved, moving, srv("c", "web-3", "ACTIVE", "compute03"))
	n.steps["b"] = []openstack.Server{with(moving, "ACTIVE", "", "compute02")}
	n.inflight++
	sum := Drain(context.Background(), n, &fakeServices{}, fast, HostPlan{Host: "compute03",
		Servers: []openstack.Server{moved, moving, *n.servers["c"]}}, nil)
	if ok, failed, skipped := sum.Counts(); ok != 3 || failed+skipped != 0 {
		t.Fatalf("%s", sum.Text())
	}
	if n.called("live-migrate web-1") || n.called("live-migrate web-2") || !n.called("live-migrate web-3") {
		t.Fatalf("calls %v", n.calls)
	}
}
