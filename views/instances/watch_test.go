package instances

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// scriptSource plays back the server (and its migrations) as Nova reports
// them on successive polls after a move was accepted.
type scriptSource struct {
	*fakeSource
	mu    sync.Mutex
	steps []step
	polls int
	evErr error
}

type step struct {
	srv  openstack.Server
	migs []openstack.Migration
	err  error
}

func (f *scriptSource) cur() step {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.steps[min(f.polls, len(f.steps)-1)]
}

func (f *scriptSource) Server(ctx context.Context, id string) (openstack.Server, error) {
	st := f.cur()
	return st.srv, st.err
}

func (f *scriptSource) ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error) {
	st := f.cur()
	f.mu.Lock()
	f.polls++
	f.mu.Unlock()
	return st.migs, nil
}

func (f *scriptSource) Evacuate(ctx context.Context, id, host string) error { return f.evErr }

// testWatch is the watch tuning watchAction gives the pane (noSleep sets it).
var testWatch = ops.DefaultWatch

// noSleep makes the watch loop poll back to back; it counts the waits.
func noSleep(t *testing.T) *int {
	n := 0
	testWatch.Sleep = func(ctx context.Context, d time.Duration) error {
		if d != ops.DefaultWatch.Every {
			t.Errorf("waited %s, want %s", d, ops.DefaultWatch.Every)
		}
		n++
		return ctx.Err()
	}
	t.Cleanup(func() { testWatch = ops.DefaultWatch })
	return &n
}

func watchAction(t *testing.T, verb, arg string, steps ...step) (string, error, []pane.Progress) {
	t.Helper()
	p, _, _ := loaded(t)
	src := &scriptSource{fakeSource: &fakeSource{}, steps: steps}
	p.src = src
	p.downHosts = map[string]bool{"compute04": true} // as the services poll found it
	p.watchTune = testWatch
	s := openstack.Server{ID: id(9), Name: "admin-vm-009", Status: "ACTIVE", Host: "compute04"}
	a := p.buildAction(verb, s, arg)
	var prog []pane.Progress
	res, err := a.Run(context.Background(), func(pr pane.Progress) { prog = append(prog, pr) })
	return res, err, prog
}

func mig(kind, status string) openstack.Migration {
	return openstack.Migration{Type: kind, Status: status, SourceCompute: "compute04", DestCompute: "compute02", CreatedAt: t0}
}

func TestLiveMigrateFromDeadHostReportsFailure(t *testing.T) {
	waits := noSleep(t)
	migrating := openstack.Server{ID: id(9), Status: "MIGRATING", TaskState: "migrating", Host: "compute04"}
	back := openstack.Server{ID: id(9), Status: "ACTIVE", Host: "compute04"}
	res, err, prog := watchAction(t, "live_migrate", "",
		step{srv: migrating, migs: []openstack.Migration{mig("live-migration", "accepted")}},
		step{srv: migrating, migs: []openstack.Migration{mig("live-migration", "preparing")}},
		step{srv: back, migs: []openstack.Migration{mig("live-migration", "error"), {Type: "live-migration", Status: "completed", CreatedAt: t0.Add(-24 * time.Hour)}}})
	if err == nil || !strings.Contains(err.Error(), "live-migration failed") || !strings.Contains(err.Error(), "compute04→compute02 error") {
		t.Fatalf("Nova's later failure not reported: %q %v", res, err)
	}
	if !strings.Contains(err.Error(), "evacuate (E)") {
		t.Errorf("no evacuate hint for a move off dead compute04: %v", err)
	}
	if *waits != 2 {
		t.Errorf("waited %d times, want 2 (poll, wait, poll, wait, poll)", *waits)
	}
	var seen bool
	for _, pr := range prog {
		if strings.Contains(pr.Line, "task migrating") && strings.Contains(pr.Line, "migration preparing") {
			seen = true
		}
	}
	if !seen {
		t.Errorf("no progress while migrating: %+v", prog)
	}
}

func TestEvacuateEndingInErrorReportsFault(t *testing.T) {
	noSleep(t)
	res, err, _ := watchAction(t, "evacuate", "compute02",
		step{srv: openstack.Server{ID: id(9), Status: "ACTIVE", TaskState: "rebuilding", Host: "compute02"}},
		step{srv: openstack.Server{ID: id(9), Status: "ERROR", Host: "compute02", Fault: "No valid host was found."},
			migs: []openstack.Migration{mig("evacuation", "failed")}})
	if err == nil || !strings.Contains(err.Error(), "server went ERROR: No valid host was found.") {
		t.Fatalf("fault lost: %q %v", res, err)
	}
}

func TestMoveStillRunningAtEndOfWindow(t *testing.T) {
	waits := noSleep(t)
	res, err, prog := watchAction(t, "live_migrate", "compute02",
		step{srv: openstack.Server{ID: id(9), Status: "MIGRATING", TaskState: "migrating", Host: "compute04"},
			migs: []openstack.Migration{mig("live-migration", "running")}})
	if err != nil || !strings.Contains(res, "still migrating") || !strings.Contains(res, "check the detail view") {
		t.Fatalf("%q %v", res, err)
	}
	if want := int(ops.DefaultWatch.Window / ops.DefaultWatch.Every); *waits != want-1 || prog[len(prog)-1].Total != want {
		t.Errorf("bounded window: %d waits, last progress %+v; want %d polls", *waits, prog[len(prog)-1], want)
	}
}

func TestMoveSucceeds(t *testing.T) {
	noSleep(t)
	res, err, _ := watchAction(t, "live_migrate", "",
		step{srv: openstack.Server{ID: id(9), Status: "MIGRATING", TaskState: "migrating", Host: "compute04"}},
		step{srv: openstack.Server{ID: id(9), Status: "ACTIVE", Host: "compute02"}, migs: []openstack.Migration{mig("live-migration", "completed")}})
	if err != nil || !strings.Contains(res, "live-migration to compute02 done") {
		t.Fatalf("%q %v", res, err)
	}
	res, err, _ = watchAction(t, "migrate", "",
		step{srv: openstack.Server{ID: id(9), Status: "RESIZE", TaskState: "resize_migrating", Host: "compute04"}},
		step{srv: openstack.Server{ID: id(9), Status: "VERIFY_RESIZE", Host: "compute02"}, migs: []openstack.Migration{mig("migration", "finished")}})
	if err != nil || !strings.Contains(res, "VERIFY_RESIZE (confirm with v)") {
		t.Fatalf("%q %v", res, err)
	}
}

func TestMoveWatchSurvivesReadErrorsAndCancel(t *testing.T) {
	noSleep(t)
	res, err, prog := watchAction(t, "live_migrate", "",
		step{err: errors.New("nova: 503 Service Unavailable")})
	if err != nil || !strings.Contains(res, "could not read the server back") {
		t.Fatalf("%q %v", res, err)
	}
	if !strings.Contains(prog[len(prog)-1].Line, "503") {
		t.Errorf("read error not in progress: %+v", prog[len(prog)-1])
	}
	// A cancelled context ends the watch without calling the move failed.
	p, _, _ := loaded(t)
	p.src = &scriptSource{fakeSource: &fakeSource{}, steps: []step{{srv: openstack.Server{ID: id(9), Status: "MIGRATING", TaskState: "migrating"}}}}
	p.watchTune = testWatch
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := p.buildAction("live_migrate", openstack.Server{ID: id(9), Host: "compute04"}, "")
	if res, err := a.Run(ctx, nil); err != nil || !strings.Contains(res, "stopped watching") {
		t.Fatalf("%q %v", res, err)
	}
}

// Every server action can be read back after a lost reply, and says where
// it sends the server.
func TestServerActionsCarryReadBackAndDestination(t *testing.T) {
	p, _, _ := loaded(t)
	s := openstack.Server{ID: id(9), Name: "admin-vm-009", Status: "ACTIVE", Host: "compute04"}
	for _, verb := range []string{"reboot", "reboot_hard", "start", "stop", "live_migrate", "migrate", "confirm_resize", "evacuate", "reset_state"} {
		arg := ""
		switch verb {
		case "live_migrate", "evacuate":
			arg = "compute02"
		case "reset_state":
			arg = "active"
		}
		a := p.buildAction(verb, s, arg)
		if a.Reconcile == nil {
			t.Errorf("%s: no read-back", verb)
		}
		if dest := strings.Join(a.Destinations, ","); dest != map[bool]string{true: "compute02"}[arg == "compute02"] {
			t.Errorf("%s: destinations %q", verb, dest)
		}
	}
}

// A live migration cut off while it is watched is journaled as
// interrupted; resuming it only watches (never requests it again) and the
// journal ends ok once the server is seen on another host.
func TestMoveJournaledAndResumedByWatching(t *testing.T) {
	store := ops.NewStore(t.TempDir())
	p, _, _ := loaded(t)
	p.SetJournal(store)
	migrating := openstack.Server{ID: id(9), Status: "MIGRATING", TaskState: "migrating", Host: "compute04"}
	src := &scriptSource{fakeSource: &fakeSource{}, steps: []step{{srv: migrating}}}
	p.src = src
	ctx, cancel := context.WithCancelCause(context.Background())
	p.watchTune = ops.WatchTuning{Every: time.Millisecond, Window: time.Minute, Sleep: func(c context.Context, d time.Duration) error {
		cancel(ops.ErrInterrupted) // the cockpit is told to quit and resume later
		return c.Err()
	}}
	s := openstack.Server{ID: id(9), Name: "admin-vm-009", Status: "ACTIVE", Host: "compute04"}
	a := p.buildAction("live_migrate", s, "")
	if _, err := a.Run(ctx, nil); !errors.Is(err, ops.ErrInterrupted) {
		t.Fatalf("interrupted watch returned %v", err)
	}
	list, _ := store.List()
	if len(list) != 1 || list[0].Status != ops.StatusInterrupted || list[0].Pane != "instances" || list[0].Target != s.ID {
		t.Fatalf("journal %+v", list)
	}
	// Resume: watched only.
	src.steps = []step{{srv: migrating}, {srv: openstack.Server{ID: id(9), Status: "ACTIVE", Host: "compute02"}}}
	src.polls = 0
	p.watchTune = ops.WatchTuning{Every: time.Millisecond, Window: time.Minute}
	_, cmd := p.Update(pane.ResumeMsg{Pane: "instances", Entry: list[0]})
	msg := cmd()
	ra, ok := msg.(pane.RunActionMsg)
	if !ok {
		t.Fatalf("resume gave %T", msg)
	}
	if c := strings.Join(ra.Action.Checks, "\n"); !strings.Contains(c, "RESUMES the live-migrate of admin-vm-009") || !strings.Contains(c, "not requested again") {
		t.Fatalf("checks %s", c)
	}
	res, err := ra.Action.Run(context.Background(), nil)
	if err != nil || !strings.Contains(res, "live-migration to compute02 done") {
		t.Fatalf("%q %v", res, err)
	}
	n := 0
	for _, c := range src.calls {
		if strings.HasPrefix(c, "live-migrate") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("live migration requested %d times: %v", n, src.calls)
	}
	e, _ := store.Read(list[0].ID)
	if ok, _, _ := e.Counts(); e.Status != ops.StatusOK || ok != 1 || e.Resumes != 1 {
		t.Fatalf("journal after resume: %+v", e)
	}
}
