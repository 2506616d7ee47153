package ops

import (
	"context"
	"errors"
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
