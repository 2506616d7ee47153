package ops

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeRecoverySvc is Nova's service API for one host whose nova-compute
// heartbeats only while boots is set and its BMC reads on.
type fakeRecoverySvc struct {
	mu        sync.Mutex
	b         *fakeBMC
	boots     bool
	hb        time.Time
	calls     []string
	forceErr  error // on force-up
	forceErrN int   // how many force-ups fail with forceErr (0: all)
	forceUps  int
}

func (f *fakeRecoverySvc) call(c string) { f.mu.Lock(); f.calls = append(f.calls, c); f.mu.Unlock() }

func (f *fakeRecoverySvc) DisableService(_ context.Context, host, reason string) error {
	f.call("disable " + host)
	return nil
}
func (f *fakeRecoverySvc) EnableService(_ context.Context, host string) error {
	f.call("enable " + host)
	return nil
}
func (f *fakeRecoverySvc) ForceDown(_ context.Context, host string, down bool) error {
	if !down {
		f.call("force-up " + host)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.forceUps++
		if f.forceErrN > 0 && f.forceUps > f.forceErrN {
			return nil
		}
		return f.forceErr
	}
	f.call("force-down " + host)
	return nil
}
func (f *fakeRecoverySvc) ComputeServices(ctx context.Context) ([]openstack.ComputeService, error) {
	s, _ := f.b.PowerState(ctx, "compute04")
	f.mu.Lock()
	defer f.mu.Unlock()
	if s == bmc.On && f.boots {
		f.hb = f.hb.Add(time.Second)
	}
	return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute04", State: "down", ForcedDown: true, UpdatedAt: f.hb}}, nil
}

func (f *fakeRecoverySvc) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, ",")
}

func recoveryPlan(ss ...openstack.Server) RecoveryPlan {
	return RecoveryPlan{Host: "compute04", Reason: "recovery", Servers: ss, Fence: fastFence,
		BootWait: 200 * time.Millisecond, Poll: 5 * time.Millisecond, ForceUpWait: 100 * time.Millisecond}
}

func notes(ev *events) []string {
	var out []string
	for _, e := range ev.kinds(EvNote) {
		out = append(out, e.Note)
	}
	return out
}

func TestRecoverHostComesBack(t *testing.T) {
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: true, hb: time.Unix(1000, 0)}
	n := newNova(srv("a", "web-1", "ACTIVE", "compute04"))
	var ev events
	sum := Recover(context.Background(), n, svc, b, fast, recoveryPlan(*n.servers["a"]), ev.emit)
	res, err := sum.Result()
	if err != nil {
		t.Fatalf("%q %v", res, err)
	}
	if got := svc.log(); got != "disable compute04,force-down compute04,force-up compute04,enable compute04" {
		t.Fatalf("service calls %s", got)
	}
	if got := strings.Join(b.commands, ","); got != "off,on" {
		t.Fatalf("bmc commands %s", got)
	}
	if len(n.calls) != 0 {
		t.Fatalf("a host that came back must not be evacuated: %v", n.calls)
	}
	if !strings.Contains(res, "recovery of compute04") || !strings.Contains(res, "fence compute04: verified off") ||
		!strings.Contains(res, "is back") || !strings.Contains(res, "host recovered") {
		t.Fatalf("summary %q", res)
	}
	if len(ev.kinds(EvEnd)) != 1 {
		t.Fatal("no end event")
	}
}

func TestRecoverHostStaysDeadIsFencedAgainAndEvacuated(t *testing.T) {
	// The BMC powers it on, nova-compute never heartbeats: it must be off
	// again before its instances are rebuilt elsewhere.
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: false, hb: time.Unix(1000, 0)}
	n := newNova(srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "db-1", "SHUTOFF", "compute04"))
	var ev events
	sum := Recover(context.Background(), n, svc, b, fast, recoveryPlan(*n.servers["a"], *n.servers["b"]), ev.emit)
	res, err := sum.Result()
	if err != nil {
		t.Fatalf("%q %v", res, err)
	}
	if got := strings.Join(b.commands, ","); got != "off,on,off" {
		t.Fatalf("bmc commands %s", got)
	}
	if got := svc.log(); got != "disable compute04,force-down compute04" {
		t.Fatalf("service calls %s (no force-up or enable for a dead host)", got)
	}
	if !n.called("evacuate web-1") || !n.called("evacuate db-1") {
		t.Fatalf("not evacuated: %v", n.calls)
	}
	if !strings.HasPrefix(res, "evacuated 2/2 from compute04") || !strings.Contains(res, "did not come back") {
		t.Fatalf("summary %q", res)
	}
	ns := strings.Join(notes(&ev), "\n")
	for _, want := range []string{"1/5 disabling", "2/5 fencing", "3/5 forcing", "4/5 powering", "5/5 fencing compute04 again", "5/5 evacuating"} {
		if !strings.Contains(ns, want) {
			t.Errorf("no step %q in\n%s", want, ns)
		}
	}
}

func TestRecoverStopsWhenFenceUnverified(t *testing.T) {
	b := &fakeBMC{power: bmc.On, stuck: true}
	svc := &fakeRecoverySvc{b: b, hb: time.Unix(1000, 0)}
	n := newNova(srv("a", "web-1", "ACTIVE", "compute04"))
	sum := Recover(context.Background(), n, svc, b, fast, recoveryPlan(*n.servers["a"]), nil)
	if _, err := sum.Result(); err == nil || !strings.Contains(sum.Err, "fence not verified") {
		t.Fatalf("%+v", sum)
	}
	if svc.log() != "disable compute04" || len(n.calls) != 0 {
		t.Fatalf("went on after an unverified fence: %s %v", svc.log(), n.calls)
	}
}

func TestRecoverStopAfterStep(t *testing.T) {
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: true, hb: time.Unix(1000, 0)}
	ctx, stop := WithStop(context.Background())
	var ev events
	emit := func(e Event) {
		ev.emit(e)
		if e.Kind == EvNote && strings.HasPrefix(e.Note, "fence compute04: verified") {
			stop()
		}
	}
	sum := Recover(ctx, newNova(), svc, b, fast, recoveryPlan(), emit)
	if !sum.Stopped {
		t.Fatalf("%+v", sum)
	}
	if svc.log() != "disable compute04" || strings.Join(b.commands, ",") != "off" {
		t.Fatalf("went on after stop: %s %v", svc.log(), b.commands)
	}
	if _, err := sum.Result(); err == nil {
		t.Fatal("a stopped recovery is not a success")
	}
}

func TestRecoverForceUpRefusedSaysRestart(t *testing.T) {
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: true, hb: time.Unix(1000, 0),
		forceErr: errors.New("400: Unable to force up host compute04 as it has 'done' evacuation migration records")}
	sum := Recover(context.Background(), newNova(), svc, b, fast, recoveryPlan(), nil)
	if !strings.Contains(sum.Err, "restart nova-compute on compute04") {
		t.Fatalf("%q", sum.Err)
	}
}

// Nova refuses the force-up until the nova-compute the power-on started has
// completed its `done` evacuation records; its heartbeat can come first:
// the refusal is retried (bounded), then the host is enabled.
func TestRecoverForceUpRetriedWhileNovaComputeCompletesEvacuations(t *testing.T) {
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: true, hb: time.Unix(1000, 0), forceErrN: 2,
		forceErr: errors.New("400: Unable to force up host compute04 as it has 'done' evacuation migration records")}
	var ev events
	sum := Recover(context.Background(), newNova(), svc, b, fast, recoveryPlan(), ev.emit)
	if res, err := sum.Result(); err != nil {
		t.Fatalf("%q %v", res, err)
	}
	if got := svc.log(); got != "disable compute04,force-down compute04,force-up compute04,force-up compute04,force-up compute04,enable compute04" {
		t.Fatalf("service calls %s", got)
	}
	if ns := strings.Join(notes(&ev), "\n"); !strings.Contains(ns, "Nova refuses force-up until nova-compute on compute04 completes") ||
		!strings.Contains(ns, "host recovered") {
		t.Fatalf("notes:\n%s", ns)
	}
}

// A recovery interrupted mid-evacuation (quit to resume later, SIGHUP) is
// journaled with its phase: resumed from :ops it starts at the fence, never
// powers the host on again, and evacuates what is left; the journal ends ok.
func TestRecoverInterruptedMidEvacuationResumesAtTheFence(t *testing.T) {
	store := NewStore(t.TempDir())
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: false, hb: time.Unix(1000, 0)}
	ss := []openstack.Server{srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "web-2", "ACTIVE", "compute04"),
		srv("c", "web-3", "SHUTOFF", "compute04")}
	n := newNova(ss...)
	n.block = make(chan struct{})
	meta := Meta{Op: "recover-host", Pane: "compute", Target: "compute04"}
	ctx, cancel := context.WithCancelCause(context.Background())
	var ev events
	done := make(chan Summary)
	go func() {
		sum, err := store.Run(ctx, meta, "", ev.emit, func(ctx context.Context, emit func(Event)) Summary {
			return Recover(ctx, n, svc, b, fast, recoveryPlan(ss...), emit)
		})
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	for len(ev.kinds(EvInstance)) < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel(ErrInterrupted)
	if sum := <-done; !sum.Interrupted {
		t.Fatalf("not interrupted: %s", sum.Text())
	}
	list, err := store.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %+v", err, list)
	}
	e := list[0]
	if !e.Resumable() || e.Phase != RecoveryDead || RecoveryResumeFrom(e) != RecoveryDead || len(e.Instances) != 3 {
		t.Fatalf("journal: status %s phase %q from %q, %d instances", e.Status, e.Phase, RecoveryResumeFrom(e), len(e.Instances))
	}

	// Resumed: what the pane re-plans from Nova (here: the fake's servers).
	b.mu.Lock()
	b.commands = nil
	b.mu.Unlock()
	svc.mu.Lock()
	svc.calls = nil
	svc.mu.Unlock()
	n.block = nil
	var now []openstack.Server
	for _, s := range ss {
		cur, _ := n.Server(context.Background(), s.ID)
		now = append(now, cur)
	}
	plan := recoveryPlan(now...)
	plan.From = RecoveryResumeFrom(e)
	var ev2 events
	sum, err := store.Run(context.Background(), meta, e.ID, ev2.emit, func(ctx context.Context, emit func(Event)) Summary {
		return Recover(ctx, n, svc, b, fast, plan, emit)
	})
	if res, rerr := sum.Result(); err != nil || rerr != nil {
		t.Fatalf("resumed: %v %q %v", err, res, rerr)
	}
	if got := strings.Join(b.commands, ","); got != "off" {
		t.Fatalf("resumed recovery: bmc commands %s, want only the fence (off)", got)
	}
	if got := svc.log(); got != "disable compute04,force-down compute04" {
		t.Fatalf("resumed recovery: service calls %s", got)
	}
	ns := strings.Join(notes(&ev2), "\n")
	if !strings.Contains(ns, "resumed: compute04 was found dead") || strings.Contains(ns, "4/5 powering") {
		t.Fatalf("resumed notes:\n%s", ns)
	}
	if ok, failed, skipped := sum.Counts(); ok != 3 || failed+skipped != 0 {
		t.Fatalf("resumed: %s", sum.Text())
	}
	calls := append([]string(nil), n.calls...)
	sort.Strings(calls) // in parallel: any order
	if got := strings.Join(calls, ","); got != "evacuate web-1,evacuate web-2,evacuate web-3" {
		t.Fatalf("evacuate requests over both runs: %s (one per instance)", got)
	}
	e, err = store.Read(e.ID)
	if ok, _, _ := e.Counts(); err != nil || e.Status != StatusOK || e.Resumes != 1 || ok != 3 {
		t.Fatalf("journal after resume: %v %s, %d resumes, %d ok", err, e.Status, e.Resumes, ok)
	}
}

// Stopped after nova-compute came back: resumed, it only forces up and
// enables (no power command). Stopped before the power-on decided: it
// resumes from the start.
func TestRecoverResumeFromItsJournaledPhase(t *testing.T) {
	store := NewStore(t.TempDir())
	b := &fakeBMC{power: bmc.On}
	svc := &fakeRecoverySvc{b: b, boots: true, hb: time.Unix(1000, 0)}
	meta := Meta{Op: "recover-host", Pane: "compute", Target: "compute04"}
	stopAt := func(prefix string) Entry {
		t.Helper()
		ctx, stop := WithStop(context.Background())
		emit := func(e Event) {
			if e.Kind == EvNote && strings.HasPrefix(e.Note, prefix) {
				stop()
			}
		}
		sum, err := store.Run(ctx, meta, "", emit, func(ctx context.Context, emit func(Event)) Summary {
			return Recover(ctx, newNova(), svc, b, fast, recoveryPlan(), emit)
		})
		if err != nil || !sum.Stopped {
			t.Fatalf("%v %s", err, sum.Text())
		}
		list, _ := store.List()
		return list[0]
	}
	early := stopAt("fence compute04: verified")
	if !early.Resumable() || RecoveryResumeFrom(early) != "" {
		t.Fatalf("stopped after the fence: status %s, resumes from %q", early.Status, RecoveryResumeFrom(early))
	}
	time.Sleep(5 * time.Millisecond) // journals are named by the time they start
	back := stopAt("nova-compute on compute04 is back")
	if !back.Resumable() || back.Phase != RecoveryBack || RecoveryResumeFrom(back) != RecoveryBack {
		t.Fatalf("stopped when back: status %s phase %q", back.Status, back.Phase)
	}
	b.mu.Lock()
	b.commands = nil
	b.mu.Unlock()
	svc.mu.Lock()
	svc.calls = nil
	svc.mu.Unlock()
	plan := recoveryPlan()
	plan.From = RecoveryResumeFrom(back)
	sum, err := store.Run(context.Background(), meta, back.ID, nil, func(ctx context.Context, emit func(Event)) Summary {
		return Recover(ctx, newNova(), svc, b, fast, plan, emit)
	})
	if res, rerr := sum.Result(); err != nil || rerr != nil || !strings.Contains(res, "host recovered") {
		t.Fatalf("%v %q %v", err, res, rerr)
	}
	if len(b.commands) != 0 || svc.log() != "force-up compute04,enable compute04" {
		t.Fatalf("resumed when back: bmc %v, services %s", b.commands, svc.log())
	}
	if e, _ := store.Read(back.ID); e.Status != StatusOK {
		t.Fatalf("journal after resume: %s", e.Status)
	}
}
