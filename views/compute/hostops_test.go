package compute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// fakeOps scripts Nova: every action queues the states the next polls see.
type fakeOps struct {
	mu       sync.Mutex
	servers  map[string]*openstack.Server
	steps    map[string][]openstack.Server
	failEvac map[string]error
	calls    []string
	inflight int
	maxIn    int
	listErr  error
}

func newOps(ss ...openstack.Server) *fakeOps {
	o := &fakeOps{servers: map[string]*openstack.Server{}, steps: map[string][]openstack.Server{}, failEvac: map[string]error{}}
	for i := range ss {
		s := ss[i]
		o.servers[s.ID] = &s
	}
	return o
}

func (o *fakeOps) rec(s string) { o.calls = append(o.calls, s) }

func (o *fakeOps) ServersOnHost(ctx context.Context, host string) ([]openstack.Server, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.listErr != nil {
		return nil, o.listErr
	}
	var out []openstack.Server
	for _, s := range o.servers {
		if s.Host == host {
			out = append(out, *s)
		}
	}
	return out, nil
}

func (o *fakeOps) Server(ctx context.Context, id string) (openstack.Server, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.servers[id]
	if st := o.steps[id]; len(st) > 0 {
		*s = st[0]
		o.steps[id] = st[1:]
		if len(st) == 1 {
			o.inflight--
		}
	}
	return *s, nil
}

func (o *fakeOps) Flavors(ctx context.Context) ([]openstack.Flavor, error) {
	return []openstack.Flavor{{ID: "2", Name: "m1.small", VCPUs: 2, RAMMB: 4096}}, nil
}

func (o *fakeOps) start(id string, states ...openstack.Server) {
	o.inflight++
	o.maxIn = max(o.maxIn, o.inflight)
	o.steps[id] = states
}

func with(s openstack.Server, status, task, host string) openstack.Server {
	s.Status, s.TaskState, s.Host = status, task, host
	return s
}

func (o *fakeOps) Evacuate(ctx context.Context, id, host string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rec("evacuate " + o.servers[id].Name)
	if err := o.failEvac[id]; err != nil {
		return err
	}
	s := *o.servers[id]
	if s.Name == "goes-error" {
		e := with(s, "ERROR", "", s.Host)
		e.Fault = "No valid host was found."
		o.start(id, with(s, "REBUILD", "rebuilding", s.Host), e)
		return nil
	}
	final := "ACTIVE"
	if s.Status == "SHUTOFF" {
		final = "SHUTOFF"
	}
	o.start(id, with(s, "REBUILD", "rebuilding", s.Host), with(s, "REBUILD", "rebuild_spawning", "compute02"), with(s, final, "", "compute02"))
	return nil
}

func (o *fakeOps) LiveMigrate(ctx context.Context, id, host string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := *o.servers[id]
	o.rec("live-migrate " + s.Name)
	if s.Name == "rolls-back" {
		o.start(id, with(s, "MIGRATING", "migrating", s.Host), with(s, "ACTIVE", "", s.Host))
		return nil
	}
	o.start(id, with(s, "MIGRATING", "migrating", s.Host), with(s, "ACTIVE", "", "compute01"))
	return nil
}

func (o *fakeOps) Migrate(ctx context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := *o.servers[id]
	o.rec("migrate " + s.Name)
	o.start(id, with(s, "RESIZE", "resize_migrating", s.Host), with(s, "VERIFY_RESIZE", "", "compute01"))
	return nil
}

func (o *fakeOps) ConfirmResize(ctx context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := *o.servers[id]
	o.rec("confirm " + s.Name)
	if s.Status != "VERIFY_RESIZE" {
		return errors.New("409 Conflict: Cannot 'confirmResize' instance while it is in vm_state stopped")
	}
	o.steps[id] = []openstack.Server{with(s, "SHUTOFF", "", "compute01")}
	o.inflight++
	return nil
}

func srv(id, name, status, host string, volume bool) openstack.Server {
	return openstack.Server{ID: id, Name: name, Status: status, Host: host, VolumeBacked: volume, FlavorID: "2"}
}

func opsPane(t *testing.T, fo *fakeOps) (*Pane, *fakeSource) {
	p, src, _ := loaded(t)
	p.SetHostOps(fo)
	p.tune = ops.Tuning{Poll: time.Millisecond, PerInstance: 10 * time.Second, EvacuateN: 2, DrainN: 2}
	return p, src
}

// run runs a as the shell would and feeds its progress back into the pane
// in order, as the shell's ActionProgressMsgs (the pane renders events).
func run(p *Pane, a pane.Action) (string, error, []pane.Progress) {
	var progress []pane.Progress
	var mu sync.Mutex
	res, err := a.Run(context.Background(), func(pr pane.Progress) { mu.Lock(); progress = append(progress, pr); mu.Unlock() })
	for _, pr := range progress {
		p.Update(pane.ActionProgressMsg{Name: a.Name, Target: a.Target, Progress: pr})
	}
	return res, err, progress
}

// finished counts the progress reports of instances reaching an end state.
func finished(prs []pane.Progress) (n int) {
	for _, pr := range prs {
		if e, ok := pr.Event.(ops.Event); ok && e.Kind == ops.EvInstance && e.Inst.State >= ops.OK {
			n++
		}
	}
	return n
}

func TestEvacuateHost(t *testing.T) {
	rebuilding := srv("g", "already-rebuilding", "REBUILD", "compute04", true)
	rebuilding.TaskState = "rebuilding"
	ops := newOps(
		srv("a", "web-1", "ACTIVE", "compute04", true),
		srv("b", "web-2", "ACTIVE", "compute04", false),
		srv("c", "db-1", "ACTIVE", "compute04", true),
		srv("d", "stopped-1", "SHUTOFF", "compute04", true),
		srv("e", "refused", "ACTIVE", "compute04", true),
		srv("f", "goes-error", "ACTIVE", "compute04", true),
		rebuilding,
		srv("z", "elsewhere", "ACTIVE", "compute01", true),
	)
	ops.failEvac["e"] = errors.New("nova: 409 Conflict: Cannot 'evacuate' instance e while it is in task_state migrating")
	// The watcher sees the already-rebuilding one finish on its own.
	ops.steps["g"] = []openstack.Server{with(rebuilding, "ACTIVE", "", "compute03")}
	ops.inflight++
	p, src := opsPane(t, ops)
	p.SetFilter("host=compute04")
	a := actionOf(t, press(p, "E"))
	if !a.Mutates || a.Name != "evacuate-host" || a.Confirm != "compute04" || a.Target != "compute04" || !a.Long {
		t.Fatalf("action %+v", a)
	}
	checks := strings.Join(a.Checks, "\n")
	for _, want := range []string{"state DOWN", "forced down true", "FENCE compute04", "7 instances: 5 ACTIVE, 1 REBUILD, 1 SHUTOFF",
		"1 already rebuilding", "1 not volume-backed: root disks REBUILT", "web-2", "needs 14 vCPU, 28 GiB; spare on 4 other hosts"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	if strings.Contains(checks, "service is UP") {
		t.Error("down host reported up")
	}
	res, err, progress := run(p, a)
	if err == nil {
		t.Fatal("failures not reported as an error")
	}
	if !strings.HasPrefix(res, "evacuated 5/7 from compute04, 2 failed") {
		t.Fatalf("summary %q", res)
	}
	for _, want := range []string{"✓ web-1 → compute02 (ACTIVE)", "✓ stopped-1 → compute02 (SHUTOFF)", "✓ already-rebuilding → compute03",
		"✗ refused: nova: 409 Conflict", "✗ goes-error: instance went to ERROR: No valid host was found."} {
		if !strings.Contains(res, want) {
			t.Errorf("summary lacks %q: %s", want, res)
		}
	}
	if last := progress[len(progress)-1]; finished(progress) != 7 || last.Done != 7 || last.Total != 7 {
		t.Fatalf("progress %+v", progress)
	}
	for _, c := range ops.calls {
		if c == "evacuate already-rebuilding" || c == "evacuate elsewhere" {
			t.Fatalf("unexpected call %s", c)
		}
	}
	if ops.maxIn > 2+1 { // 2 in parallel + the one already rebuilding
		t.Fatalf("parallelism %d", ops.maxIn)
	}
	for _, c := range src.calls {
		if strings.HasPrefix(c, "disable") || strings.HasPrefix(c, "force-down") {
			t.Fatalf("forced-down host re-disabled: %v", src.calls)
		}
	}
	out := p.View(100, 30)
	checkFrame(t, out, 100, 30)
	golden(t, "evacuate-done-100x30", out)
	if !p.Back() || p.run != nil {
		t.Fatal("esc did not close the finished run panel")
	}
}

func TestEvacuateUpHostForcesDownFirst(t *testing.T) {
	ops := newOps(srv("a", "web-1", "ACTIVE", "compute03", true))
	p, src := opsPane(t, ops)
	p.SetFilter("host=compute03")
	a := actionOf(t, press(p, "E"))
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "service is UP: Nova refuses") {
		t.Fatalf("checks %s", c)
	}
	res, err, _ := run(p, a)
	if err != nil {
		t.Fatal(err, res)
	}
	want := []string{"disable compute03 evacuating (stackpit)", "force-down compute03 true"}
	got := src.calls[len(src.calls)-2:]
	if got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("pre-steps %v", src.calls)
	}
}

func TestEvacuateAbortsWhenForceDownRefused(t *testing.T) {
	ops := newOps(srv("a", "web-1", "ACTIVE", "compute03", true), srv("b", "web-2", "ACTIVE", "compute03", true))
	p, _ := opsPane(t, ops)
	p.src = refusingSource{p.src}
	p.SetFilter("host=compute03")
	a := actionOf(t, press(p, "E"))
	res, err, _ := run(p, a)
	if err == nil || !strings.Contains(err.Error(), "force-down failed: nova: 400") {
		t.Fatalf("%q %v", res, err)
	}
	if len(ops.calls) != 0 {
		t.Fatalf("instances touched after the pre-step failed: %v", ops.calls)
	}
	s := ansi.Strip(p.View(100, 20))
	if !strings.Contains(s, "- web-1: not attempted") || !strings.Contains(s, "force-down failed") {
		t.Fatalf("run panel:\n%s", s)
	}
}

type refusingSource struct{ Source }

func (r refusingSource) ForceDown(ctx context.Context, host string, down bool) error {
	return errors.New("nova: 400 Bad Request: Invalid input for field/attribute forced_down")
}

func TestEvacuateNoInstancesAndListError(t *testing.T) {
	ops := newOps()
	p, _ := opsPane(t, ops)
	p.SetFilter("host=compute05")
	msgs := press(p, "E")
	var toast string
	for _, m := range msgs {
		if tm, ok := m.(pane.ToastMsg); ok {
			toast = tm.Text
		}
		if _, ok := m.(pane.RunActionMsg); ok {
			t.Fatal("action offered for an empty host")
		}
	}
	if !strings.Contains(toast, "no instances on compute05: nothing to evacuate") {
		t.Fatalf("toast %q", toast)
	}
	ops.listErr = errors.New("nova: 403 Forbidden")
	msgs = press(p, "E")
	toast = ""
	for _, m := range msgs {
		if tm, ok := m.(pane.ToastMsg); ok {
			toast = tm.Text
		}
	}
	if !strings.Contains(toast, "cannot list its instances: nova: 403 Forbidden") {
		t.Fatalf("toast %q", toast)
	}
}

func TestDrainHost(t *testing.T) {
	ops := newOps(
		srv("a", "web-1", "ACTIVE", "compute03", true),
		srv("b", "rolls-back", "ACTIVE", "compute03", true),
		srv("c", "stopped-1", "SHUTOFF", "compute03", true),
		srv("d", "broken", "ERROR", "compute03", true),
		with(srv("e", "mid-migration", "MIGRATING", "compute03", true), "MIGRATING", "migrating", "compute03"),
	)
	// Resume: the one already migrating is watched, not re-issued.
	ops.steps["e"] = []openstack.Server{with(*ops.servers["e"], "ACTIVE", "", "compute02")}
	ops.inflight++
	p, src := opsPane(t, ops)
	p.SetFilter("host=compute03")
	press(p, "M")
	if !p.Capturing() {
		t.Fatal("drain did not ask for a reason")
	}
	for range "maintenance" {
		press(p, "backspace")
	}
	for _, r := range "firmware" {
		press(p, string(r))
	}
	a := actionOf(t, press(p, "enter"))
	if a.Name != "drain-host" || a.Confirm != "compute03" || !a.Mutates {
		t.Fatalf("action %+v", a)
	}
	// The typed reason goes into every audit record; quit asks while it runs.
	if a.Reason != "firmware" || !a.Long {
		t.Fatalf("reason %q long %v", a.Reason, a.Long)
	}
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "disables the service first, reason: firmware") {
		t.Fatalf("checks %s", c)
	}
	res, err, _ := run(p, a)
	if err == nil {
		t.Fatal("rollback not reported")
	}
	for _, want := range []string{"moved 3/5 from compute03, 1 failed, 1 not moved", "✓ web-1 → compute01 (ACTIVE)", "✓ mid-migration → compute02 (ACTIVE)",
		"✓ stopped-1 → compute01 (SHUTOFF)", "✗ rolls-back: live migration rolled back", "- broken: status ERROR: left on compute03"} {
		if !strings.Contains(res, want) {
			t.Errorf("summary lacks %q: %s", want, res)
		}
	}
	if src.calls[2] != "disable compute03 firmware" {
		t.Fatalf("calls %v", src.calls)
	}
	confirms := 0
	for _, c := range ops.calls {
		if c == "live-migrate mid-migration" {
			t.Fatal("migration re-issued for an instance already migrating")
		}
		if c == "confirm stopped-1" {
			confirms++
		}
	}
	if confirms != 1 {
		t.Fatalf("confirm resize called %d times: %v", confirms, ops.calls)
	}
	golden(t, "drain-done-100x16", p.View(100, 16))
	if v := ansi.Strip(p.View(100, 16)); !strings.Contains(v, "5/5 done · 3 ok · 1 failed · 1 not moved") {
		t.Fatalf("progress head does not account for every instance:\n%s", v)
	}
}

// Nova refusing because the source host is still up stops the run: the
// rest are not attempted, and the summary says so for each.
func TestEvacuateStopsOnHostLevelRefusal(t *testing.T) {
	ops := newOps(srv("a", "a-1", "ACTIVE", "compute04", true), srv("b", "b-1", "ACTIVE", "compute04", true),
		srv("c", "c-1", "ACTIVE", "compute04", true), srv("d", "d-1", "ACTIVE", "compute04", true))
	for _, id := range []string{"a", "b", "c", "d"} {
		ops.failEvac[id] = errors.New("nova: 400 Bad Request: Compute service of compute04 is still in use.")
	}
	p, _ := opsPane(t, ops)
	p.tune.EvacuateN = 1
	p.SetFilter("host=compute04")
	a := actionOf(t, press(p, "E"))
	res, err, _ := run(p, a)
	if err == nil {
		t.Fatal("no error")
	}
	if len(ops.calls) != 1 {
		t.Fatalf("kept calling Nova after a host-level refusal: %v", ops.calls)
	}
	if !strings.Contains(res, "evacuated 0/4 from compute04, 1 failed, 3 not moved") || !strings.Contains(res, "- d-1: not attempted") {
		t.Fatalf("summary %q", res)
	}
	if s := ansi.Strip(p.View(120, 20)); !strings.Contains(s, "stopped: Nova refuses to evacuate from compute04") {
		t.Fatalf("panel:\n%s", s)
	}
}

// An evacuation cut off half-way is resumed from its journal: re-planned
// from Nova now, the instance already moved is verified and not evacuated
// again, the one mid-rebuild elsewhere only watched, the rest evacuated;
// the journal ends ok with every instance verified.
func TestResumeInterruptedEvacuation(t *testing.T) {
	moved := with(srv("a", "web-1", "ACTIVE", "compute02", true), "ACTIVE", "", "compute02")
	midway := with(srv("b", "web-2", "ACTIVE", "compute05", true), "REBUILD", "rebuild_spawning", "compute05")
	fo := newOps(moved, midway, srv("c", "web-3", "ACTIVE", "compute04", true), srv("d", "web-4", "SHUTOFF", "compute04", true))
	fo.steps["b"] = []openstack.Server{with(midway, "ACTIVE", "", "compute05")}
	fo.inflight++
	store := ops.NewStore(t.TempDir())
	// The first run's journal: a verified, b running, c and d pending.
	j, _, err := store.Begin(context.Background(), ops.Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	j.Emit(ops.Event{Kind: ops.EvStart, Instances: []ops.Instance{
		{ID: "a", Name: "web-1", OrigStatus: "ACTIVE"}, {ID: "b", Name: "web-2", OrigStatus: "ACTIVE"},
		{ID: "c", Name: "web-3", OrigStatus: "ACTIVE"}, {ID: "d", Name: "web-4", OrigStatus: "SHUTOFF"}}})
	j.Emit(ops.Event{Kind: ops.EvInstance, Inst: ops.Instance{ID: "a", Name: "web-1", State: ops.OK, Target: "compute02"}})
	j.Emit(ops.Event{Kind: ops.EvInstance, Inst: ops.Instance{ID: "b", Name: "web-2", State: ops.Running}})
	j.EndWith(ops.StatusInterrupted, "")
	e, err := store.Read(j.ID())
	if err != nil || !e.Resumable() {
		t.Fatalf("%v %+v", err, e)
	}
	p, _ := opsPane(t, fo)
	p.SetJournal(store)
	_, cmd := p.Update(pane.ResumeMsg{Pane: "compute", Entry: e})
	a := actionOf(t, drive(p, cmd))
	checks := strings.Join(a.Checks, "\n")
	for _, want := range []string{"RESUMES the evacuate-host", "journal: 1 verified, 0 failed, 3 not finished",
		"2 still on compute04, 2 elsewhere (verified or watched, not moved again)", "FENCE compute04"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	if a.Resume != j.ID() || a.Confirm != "compute04" {
		t.Fatalf("action %+v", a)
	}
	res, err, _ := run(p, a)
	if err != nil {
		t.Fatal(err, res)
	}
	for _, want := range []string{"evacuated 4/4 from compute04", "✓ web-1 → compute02", "✓ web-2 → compute05", "✓ web-3 → compute02", "✓ web-4 → compute02 (SHUTOFF)"} {
		if !strings.Contains(res, want) {
			t.Errorf("summary lacks %q: %s", want, res)
		}
	}
	for _, c := range fo.calls {
		if c == "evacuate web-1" || c == "evacuate web-2" {
			t.Fatalf("moved again: %v", fo.calls)
		}
	}
	e, _ = store.Read(j.ID())
	if ok, _, _ := e.Counts(); e.Status != ops.StatusOK || ok != 4 || e.Resumes != 1 {
		t.Fatalf("journal after resume: %s %d ok, %d resumes", e.Status, ok, e.Resumes)
	}
	if s := ansi.Strip(p.View(100, 20)); !strings.Contains(s, "ok: 3 ACTIVE, 1 SHUTOFF (was SHUTOFF before)") {
		t.Fatalf("panel:\n%s", s)
	}
}

// Two cockpits: while one evacuates compute04, the other's pre-checks say
// who runs it, and confirming fails on the lock without touching Nova.
func TestHostRunLockedByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	other := ops.NewStore(dir)
	other.User, other.PID = "bob", 4242
	j, _, err := other.Begin(context.Background(), ops.Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer j.EndWith(ops.StatusOK, "")
	fo := newOps(srv("a", "web-1", "ACTIVE", "compute04", true))
	p, _ := opsPane(t, fo)
	p.SetJournal(ops.NewStore(dir))
	p.SetFilter("host=compute04")
	a := actionOf(t, press(p, "E"))
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "evacuate-host of compute04 is running: bob (pid 4242") {
		t.Fatalf("checks:\n%s", c)
	}
	_, err, _ = run(p, a)
	if !errors.Is(err, ops.ErrLocked) || len(fo.calls) != 0 {
		t.Fatalf("ran despite the lock: %v %v", err, fo.calls)
	}
}

// Resumed from the start-up list before the pane has loaded its hosts: the
// re-planned run waits for them instead of saying the host is gone.
func TestResumeBeforeHostsLoaded(t *testing.T) {
	fo := newOps(srv("c", "web-3", "ACTIVE", "compute04", true))
	p, _ := newPane(fixture())
	p.SetHostOps(fo)
	e := ops.Entry{Meta: ops.Meta{ID: "x", Op: "evacuate-host", Pane: "compute", Target: "compute04"}, Status: ops.StatusInterrupted,
		Instances: []ops.Instance{{ID: "c", Name: "web-3", OrigStatus: "ACTIVE"}}}
	_, cmd := p.Update(pane.ResumeMsg{Pane: "compute", Entry: e})
	for _, m := range drive(p, cmd) {
		if _, ok := m.(pane.RunActionMsg); ok {
			t.Fatal("planned against no hosts")
		}
		if tm, ok := m.(pane.ToastMsg); ok && strings.Contains(tm.Text, "no longer listed") {
			t.Fatalf("toast %q", tm.Text)
		}
	}
	a := actionOf(t, drive(p, p.Init()))
	if a.Name != "evacuate-host" || a.Resume != "x" {
		t.Fatalf("action %+v", a)
	}
}

// A long run: the summary and bar stay pinned while j/k/pgdn scroll the
// instance list; in-flight rows say what is happening and for how long;
// the summary counts the state each instance ended in.
func TestRunPanelScrollsAndSaysWhatIsHappening(t *testing.T) {
	p, _, now := loaded(t)
	ev := func(e ops.Event) {
		e.Verb, e.Host = "evacuate", "compute04"
		p.Update(pane.ActionProgressMsg{Name: "evacuate-host", Target: "compute04", Progress: pane.Progress{Event: e}})
	}
	var insts []ops.Instance
	for i := range 30 {
		insts = append(insts, ops.Instance{ID: fmt.Sprint("i", i), Name: fmt.Sprintf("vm-%02d", i), Status: "ACTIVE", OrigStatus: "ACTIVE", Host: "compute04"})
	}
	insts[29].Status, insts[29].OrigStatus = "SHUTOFF", "SHUTOFF"
	ev(ops.Event{Kind: ops.EvStart, Instances: insts})
	rebuilding := insts[0]
	rebuilding.State, rebuilding.Status, rebuilding.Task, rebuilding.Host = ops.Running, "REBUILD", "rebuild_spawning", "compute06"
	ev(ops.Event{Kind: ops.EvInstance, Inst: rebuilding})
	waiting := insts[1]
	waiting.State, waiting.Status, waiting.Host = ops.Running, "SHUTOFF", "compute02"
	ev(ops.Event{Kind: ops.EvInstance, Inst: waiting})
	*now = now.Add(40 * time.Second)
	for i := 2; i < 30; i++ {
		in := insts[i]
		in.State, in.Host, in.Target = ops.OK, "compute05", "compute05"
		ev(ops.Event{Kind: ops.EvInstance, Inst: in})
	}
	out := p.View(100, 24)
	checkFrame(t, out, 100, 24)
	v := ansi.Strip(out)
	for _, want := range []string{"EVACUATE compute04 running · 28/30 done · 28 ok · 0 failed · 2 in progress", "ok: 27 ACTIVE, 1 SHUTOFF (was SHUTOFF before)",
		"… vm-00: rebuilding on compute06 (40s)", "… vm-01: waiting for ACTIVE on compute02 (40s)", "of 30 · j/k pgup/pgdn scroll"} {
		if !strings.Contains(v, want) {
			t.Errorf("panel lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "ACTIVE/- on") {
		t.Errorf("old in-flight rows or ok count:\n%s", v)
	}
	if strings.Contains(v, "vm-29") {
		t.Fatalf("last row visible before scrolling:\n%s", v)
	}
	golden(t, "run-scroll-top-100x24", out)
	cursor := p.Table().Cursor()
	press(p, "j")
	if p.run.top != 1 || p.Table().Cursor() != cursor {
		t.Fatalf("j: run top %d, table cursor %d→%d", p.run.top, cursor, p.Table().Cursor())
	}
	for range 5 {
		p.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	out = p.View(100, 24)
	checkFrame(t, out, 100, 24)
	v = ansi.Strip(out)
	if !strings.Contains(v, "vm-29") || !strings.Contains(v, "28/30 done") || !strings.Contains(v, "–30 of 30") {
		t.Fatalf("pgdn did not reach the end with the summary pinned:\n%s", v)
	}
	golden(t, "run-scroll-end-100x24", out)
	press(p, "k")
	if !strings.Contains(ansi.Strip(p.View(100, 24)), "of 30") || p.run.top == 0 {
		t.Fatal("k scrolled to the top")
	}
	// A run that fits leaves the keys to the table.
	p.run.insts = p.run.insts[:2]
	p.View(100, 24)
	press(p, "j")
	if p.Table().Cursor() == cursor {
		t.Fatal("j did not move the table while the run list fits")
	}
}

// One that landed in another state than it started in is named, and the
// summary is no longer plain info.
func TestFinalStatesSayWhatChanged(t *testing.T) {
	got, changed := finalStates([]ops.Instance{
		{State: ops.OK, Status: "ACTIVE", OrigStatus: "ACTIVE"},
		{State: ops.OK, Status: "SHUTOFF", OrigStatus: "ACTIVE"},
		{State: ops.OK, Status: "SHUTOFF", OrigStatus: "SHUTOFF"},
		{State: ops.Failed, Status: "ERROR", OrigStatus: "ACTIVE"},
	})
	if got != "1 ACTIVE, 2 SHUTOFF (before: 1 ACTIVE, 1 SHUTOFF)" || !changed {
		t.Fatalf("%q %v", got, changed)
	}
}
