package ops

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeNova scripts Nova: every action queues the states the next polls see.
type fakeNova struct {
	mu       sync.Mutex
	servers  map[string]*openstack.Server
	steps    map[string][]openstack.Server
	failEvac map[string]error
	calls    []string
	inflight int
	maxIn    int
	// block, when set, holds every Server poll until closed.
	block chan struct{}
}

func newNova(ss ...openstack.Server) *fakeNova {
	n := &fakeNova{servers: map[string]*openstack.Server{}, steps: map[string][]openstack.Server{}, failEvac: map[string]error{}}
	for i := range ss {
		s := ss[i]
		n.servers[s.ID] = &s
	}
	return n
}

func (n *fakeNova) Server(ctx context.Context, id string) (openstack.Server, error) {
	if n.block != nil {
		select {
		case <-n.block:
		case <-ctx.Done():
			return openstack.Server{}, ctx.Err()
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.servers[id]
	if st := n.steps[id]; len(st) > 0 {
		*s = st[0]
		n.steps[id] = st[1:]
		if len(st) == 1 {
			n.inflight--
		}
	}
	return *s, nil
}

func (n *fakeNova) start(id string, states ...openstack.Server) {
	n.inflight++
	n.maxIn = max(n.maxIn, n.inflight)
	n.steps[id] = states
}

func with(s openstack.Server, status, task, host string) openstack.Server {
	s.Status, s.TaskState, s.Host = status, task, host
	return s
}

func (n *fakeNova) Evacuate(ctx context.Context, id, host string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, "evacuate "+n.servers[id].Name)
	if err := n.failEvac[id]; err != nil {
		return err
	}
	s := *n.servers[id]
	if s.Name == "goes-error" {
		e := with(s, "ERROR", "", s.Host)
		e.Fault = "No valid host was found."
		n.start(id, with(s, "REBUILD", "rebuilding", s.Host), e)
		return nil
	}
	final := "ACTIVE"
	if s.Status == "SHUTOFF" {
		final = "SHUTOFF"
	}
	n.start(id, with(s, "REBUILD", "rebuilding", s.Host), with(s, "REBUILD", "rebuild_spawning", "compute02"), with(s, final, "", "compute02"))
	return nil
}

func (n *fakeNova) LiveMigrate(ctx context.Context, id, host string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := *n.servers[id]
	n.calls = append(n.calls, "live-migrate "+s.Name)
	if s.Name == "rolls-back" {
		n.start(id, with(s, "MIGRATING", "migrating", s.Host), with(s, "ACTIVE", "", s.Host))
		return nil
	}
	n.start(id, with(s, "MIGRATING", "migrating", s.Host), with(s, "ACTIVE", "", "compute01"))
	return nil
}

func (n *fakeNova) Migrate(ctx context.Context, id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := *n.servers[id]
	n.calls = append(n.calls, "migrate "+s.Name)
	n.start(id, with(s, "RESIZE", "resize_migrating", s.Host), with(s, "VERIFY_RESIZE", "", "compute01"))
	return nil
}

func (n *fakeNova) ConfirmResize(ctx context.Context, id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := *n.servers[id]
	n.calls = append(n.calls, "confirm "+s.Name)
	if s.Status != "VERIFY_RESIZE" {
		return errors.New("409 Conflict: Cannot 'confirmResize' instance while it is in vm_state stopped")
	}
	n.steps[id] = []openstack.Server{with(s, "SHUTOFF", "", "compute01")}
	n.inflight++
	return nil
}

func (n *fakeNova) called(c string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, x := range n.calls {
		if x == c {
			return true
		}
	}
	return false
}

type fakeServices struct {
	calls     []string
	forceErr  error
	disableOK bool
}

func (f *fakeServices) DisableService(ctx context.Context, host, reason string) error {
	f.calls = append(f.calls, "disable "+host+" "+reason)
	return nil
}

func (f *fakeServices) ForceDown(ctx context.Context, host string, down bool) error {
	f.calls = append(f.calls, "force-down "+host)
	return f.forceErr
}

func srv(id, name, status, host string) openstack.Server {
	return openstack.Server{ID: id, Name: name, Status: status, Host: host, VolumeBacked: true}
}

var fast = Tuning{Poll: time.Millisecond, PerInstance: 10 * time.Second, EvacuateN: 2, DrainN: 2}

// events collects emitted events (emit is called serialized by the run).
type events struct {
	mu sync.Mutex
	es []Event
}

func (e *events) emit(ev Event) { e.mu.Lock(); e.es = append(e.es, ev); e.mu.Unlock() }

func (e *events) kinds(k EventKind) (out []Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.es {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

func TestEvacuateWithFakeNova(t *testing.T) {
	rebuilding := with(srv("g", "already-rebuilding", "REBUILD", "compute04"), "REBUILD", "rebuilding", "compute04")
	moved := with(srv("h", "already-moved", "ACTIVE", "compute03"), "ACTIVE", "", "compute03")
	n := newNova(srv("a", "web-1", "ACTIVE", "compute04"), srv("d", "stopped-1", "SHUTOFF", "compute04"),
		srv("e", "refused", "ACTIVE", "compute04"), srv("f", "goes-error", "ACTIVE", "compute04"), rebuilding, moved)
	n.failEvac["e"] = errors.New("nova: 409 Conflict: Cannot 'evacuate' instance e while it is in task_state migrating")
	n.steps["g"] = []openstack.Server{with(rebuilding, "ACTIVE", "", "compute05")}
	n.inflight++
	svc := &fakeServices{}
	var ev events
	plan := HostPlan{Host: "compute04", ForceDown: true, Servers: []openstack.Server{*n.servers["a"], *n.servers["d"],
		*n.servers["e"], *n.servers["f"], rebuilding, moved}}
	sum := Evacuate(context.Background(), n, svc, fast, plan, ev.emit)
	res, err := sum.Result()
	if err == nil || !strings.HasPrefix(res, "evacuated 4/6 from compute04, 2 failed") {
		t.Fatalf("%q %v", res, err)
	}
	for _, want := range []string{"✓ web-1 → compute02 (ACTIVE)", "✓ stopped-1 → compute02 (SHUTOFF)", "✓ already-rebuilding → compute05",
		"✓ already-moved → compute03 (ACTIVE)", "✗ refused: nova: 409", "✗ goes-error: instance went to ERROR: No valid host was found."} {
		if !strings.Contains(res, want) {
			t.Errorf("summary lacks %q: %s", want, res)
		}
	}
	// Idempotent: what is elsewhere or mid-rebuild is never issued again.
	if n.called("evacuate already-rebuilding") || n.called("evacuate already-moved") {
		t.Fatalf("re-issued: %v", n.calls)
	}
	if n.maxIn > 3 {
		t.Fatalf("parallelism %d", n.maxIn)
	}
	if len(svc.calls) != 1 || svc.calls[0] != "force-down compute04" {
		t.Fatalf("pre-steps %v", svc.calls)
	}
	if st := ev.kinds(EvStart); len(st) != 1 || len(st[0].Instances) != 6 || st[0].Instances[0].State != Pending {
		t.Fatalf("start event %+v", st)
	}
	end := ev.kinds(EvEnd)
	if len(end) != 1 || end[0].Done != 6 || end[0].Total != 6 || end[0].Summary == nil {
		t.Fatalf("end event %+v", end)
	}
	// Every instance went pending -> running -> an end state, in order.
	seen := map[string][]State{}
	for _, e := range ev.kinds(EvInstance) {
		st := seen[e.Inst.ID]
		if len(st) == 0 || st[len(st)-1] != e.Inst.State {
			seen[e.Inst.ID] = append(st, e.Inst.State)
		}
	}
	for id, st := range seen {
		if st[0] != Running || st[len(st)-1] < OK {
			t.Errorf("%s went %v", id, st)
		}
	}
}

func TestEvacuateStopsOnHostRefusalAndPreStepFailure(t *testing.T) {
	n := newNova(srv("a", "a-1", "ACTIVE", "compute04"), srv("b", "b-1", "ACTIVE", "compute04"), srv("c", "c-1", "ACTIVE", "compute04"))
	for _, id := range []string{"a", "b", "c"} {
		n.failEvac[id] = errors.New("nova: 400 Bad Request: Compute service of compute04 is still in use.")
	}
	plan := HostPlan{Host: "compute04", Servers: []openstack.Server{*n.servers["a"], *n.servers["b"], *n.servers["c"]}}
	tune := fast
	tune.EvacuateN = 1
	var ev events
	sum := Evacuate(context.Background(), n, &fakeServices{}, tune, plan, ev.emit)
	if len(n.calls) != 1 || !strings.Contains(sum.Text(), "evacuated 0/3 from compute04, 1 failed, 2 not moved") {
		t.Fatalf("%v %s", n.calls, sum.Text())
	}
	if st := ev.kinds(EvStop); len(st) != 1 || !strings.Contains(st[0].Err, "Nova refuses to evacuate from compute04") {
		t.Fatalf("stop %+v", st)
	}
	// A refused force-down touches no instance.
	n2 := newNova(srv("a", "a-1", "ACTIVE", "compute03"))
	sum = Evacuate(context.Background(), n2, &fakeServices{forceErr: errors.New("nova: 400")}, fast,
		HostPlan{Host: "compute03", Disable: true, ForceDown: true, Servers: []openstack.Server{*n2.servers["a"]}}, nil)
	if _, err := sum.Result(); err == nil || len(n2.calls) != 0 || !strings.Contains(sum.Text(), "- a-1: not attempted") {
		t.Fatalf("%v %s", n2.calls, sum.Text())
	}
}

func TestDrainWithFakeNova(t *testing.T) {
	mid := with(srv("e", "mid-migration", "MIGRATING", "compute03"), "MIGRATING", "migrating", "compute03")
	n := newNova(srv("a", "web-1", "ACTIVE", "compute03"), srv("b", "rolls-back", "ACTIVE", "compute03"),
		srv("c", "stopped-1", "SHUTOFF", "compute03"), srv("d", "broken", "ERROR", "compute03"), mid)
	n.steps["e"] = []openstack.Server{with(mid, "ACTIVE", "", "compute02")}
	n.inflight++
	svc := &fakeServices{}
	var ss []openstack.Server
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		ss = append(ss, *n.servers[id])
	}
	sum := Drain(context.Background(), n, svc, fast, HostPlan{Host: "compute03", Disable: true, Reason: "firmware", Servers: ss}, nil)
	res, err := sum.Result()
	if err == nil {
		t.Fatal("rollback not reported")
	}
	for _, want := range []string{"moved 3/5 from compute03, 1 failed, 1 not moved", "✓ web-1 → compute01 (ACTIVE)",
		"✓ mid-migration → compute02 (ACTIVE)", "✓ stopped-1 → compute01 (SHUTOFF)", "✗ rolls-back: live migration rolled back",
		"- broken: status ERROR: left on compute03"} {
		if !strings.Contains(res, want) {
			t.Errorf("summary lacks %q: %s", want, res)
		}
	}
	if svc.calls[0] != "disable compute03 firmware" || n.called("live-migrate mid-migration") {
		t.Fatalf("calls %v %v", svc.calls, n.calls)
	}
}

// Stop after the steps in flight: running instances finish, no new ones
// start, and the summary says it was stopped (resumable).
func TestStopAfterStepsInFlight(t *testing.T) {
	var ss []openstack.Server
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		ss = append(ss, srv(id, "vm-"+id, "ACTIVE", "compute04"))
	}
	n := newNova(ss...)
	n.block = make(chan struct{})
	ctx, stop := WithStop(context.Background())
	done := make(chan Summary)
	var ev events
	go func() {
		done <- Evacuate(ctx, n, &fakeServices{}, fast, HostPlan{Host: "compute04", Servers: ss}, ev.emit)
	}()
	for len(ev.kinds(EvInstance)) < 2 { // two running (EvacuateN 2)
		time.Sleep(time.Millisecond)
	}
	stop()
	close(n.block)
	sum := <-done
	ok, failed, skipped := sum.Counts()
	if ok != 2 || failed != 0 || skipped != 4 || !sum.Stopped {
		t.Fatalf("ok %d failed %d skipped %d: %s", ok, failed, skipped, sum.Text())
	}
	if !strings.Contains(sum.Text(), "not attempted: stopped") || len(n.calls) != 2 {
		t.Fatalf("%v %s", n.calls, sum.Text())
	}
}

// Interrupted (quit to resume later, SIGHUP): nothing is called failed.
func TestInterruptedIsNotFailure(t *testing.T) {
	ss := []openstack.Server{srv("a", "vm-a", "ACTIVE", "compute04"), srv("b", "vm-b", "ACTIVE", "compute04"), srv("c", "vm-c", "ACTIVE", "compute04")}
	n := newNova(ss...)
	n.block = make(chan struct{})
	ctx, cancel := context.WithCancelCause(context.Background())
	var ev events
	done := make(chan Summary)
	go func() {
		done <- Evacuate(ctx, n, &fakeServices{}, fast, HostPlan{Host: "compute04", Servers: ss}, ev.emit)
	}()
	for len(ev.kinds(EvInstance)) < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel(ErrInterrupted)
	sum := <-done
	_, failed, skipped := sum.Counts()
	if failed != 0 || skipped != 3 || !sum.Interrupted {
		t.Fatalf("%s", sum.Text())
	}
	if _, err := sum.Result(); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("result error %v", err)
	}
	if !strings.Contains(sum.Text(), "interrupted in ACTIVE/- on compute04") || !strings.Contains(sum.Text(), "- vm-c: not attempted: interrupted") {
		t.Fatal(sum.Text())
	}
}
