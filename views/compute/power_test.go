package compute

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// fakePower is a BMC per host in states; hosts not in it have none.
// PowerOn is accepted but only takes when boots is set.
type fakePower struct {
	mu        sync.Mutex
	states    map[string]bmc.State
	readErr   map[string]error
	boots     bool
	calls     []string
	reads     map[string]int
	in, maxIn int
}

func (f *fakePower) Resolve(host string) (bmc.Address, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.states[host]; !ok {
		return bmc.Address{}, fmt.Errorf("%s: %w", host, bmc.ErrNoBMC)
	}
	return bmc.Address{Protocol: "redfish", Addr: "https://" + host + "-bmc"}, nil
}

func (f *fakePower) PowerState(ctx context.Context, host string) (bmc.State, error) {
	f.mu.Lock()
	f.in++
	f.maxIn = max(f.maxIn, f.in)
	f.mu.Unlock()
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in--
	if f.reads == nil {
		f.reads = map[string]int{}
	}
	f.reads[host]++
	if err := f.readErr[host]; err != nil {
		return bmc.Unknown, err
	}
	return f.states[host], nil
}

func (f *fakePower) PowerOff(ctx context.Context, host string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "off "+host)
	f.states[host] = bmc.Off
	return nil
}

func (f *fakePower) PowerOn(ctx context.Context, host string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "on "+host)
	if f.boots {
		f.states[host] = bmc.On
	}
	return nil
}

func newFakePower() *fakePower {
	f := &fakePower{states: map[string]bmc.State{}, readErr: map[string]error{}}
	for i := 1; i <= 6; i++ {
		if i == 5 {
			continue // compute05 has no BMC configured
		}
		f.states[fmt.Sprintf("compute%02d", i)] = bmc.On
	}
	f.states["compute04"] = bmc.Off
	f.readErr["compute03"] = fmt.Errorf("BMC unreachable: dial tcp: i/o timeout")
	return f
}

func powerPane(t *testing.T, fp *fakePower, fo *fakeOps) (*Pane, *fakeSource, *time.Time) {
	src := fixture()
	p, now := newPane(src)
	p.SetPower(fp)
	if fo != nil {
		p.SetHostOps(fo)
	}
	p.tune = ops.Tuning{Poll: time.Millisecond, PerInstance: 10 * time.Second, EvacuateN: 2, DrainN: 2}
	drive(p, p.Init())
	*now = now.Add(2 * time.Second)
	return p, src, now
}

func rowOf(out, host string) string {
	for _, l := range strings.Split(ansi.Strip(out), "\n") {
		if strings.HasPrefix(l, host+" ") {
			return l
		}
	}
	return ""
}

func TestPowerColumnAndDetail(t *testing.T) {
	fp := newFakePower()
	p, _, now := powerPane(t, fp, nil)
	out := p.View(140, 20)
	if !strings.Contains(ansi.Strip(out), "POWER") {
		t.Fatalf("no POWER column:\n%s", out)
	}
	for host, want := range map[string]string{"compute01": " on <2m", "compute04": " off <20s", "compute03": " unknown <20s", "compute05": " - "} {
		if r := rowOf(out, host); !strings.Contains(r, want) {
			t.Errorf("%s row lacks %q: %q", host, want, r)
		}
	}
	if fp.maxIn > powerParallel {
		t.Fatalf("%d BMC reads at once", fp.maxIn)
	}
	// The detail line (cursor on the first row: compute04, down first).
	if !strings.Contains(ansi.Strip(out), "BMC redfish https://compute04-bmc: power off") {
		t.Fatalf("detail lacks the BMC:\n%s", out)
	}
	// Within its read cadence the age is one constant label (an idle
	// screen writes nothing); past it, the real age shows.
	*now = now.Add(40 * time.Second)
	p.Update(pane.TickMsg(*now))
	if r := rowOf(p.View(140, 20), "compute01"); !strings.Contains(r, " on <2m") {
		t.Fatalf("age moved within the cadence: %q", r)
	}
	*now = now.Add(90 * time.Second)
	p.Update(pane.TickMsg(*now))
	if r := rowOf(p.View(140, 20), "compute01"); !strings.Contains(r, " on 2m") {
		t.Fatalf("a stale read does not show its age: %q", r)
	}
	// Without a BMC client there is no POWER column.
	q, _, _ := loaded(t)
	if strings.Contains(ansi.Strip(q.View(140, 20)), "POWER") {
		t.Fatal("POWER column without BMCs")
	}
}

// TestPowerReadsFollowWhatIsWatched: a host that is up, enabled and on
// is read once a minute, not every refresh (1,000 BMCs every 10 s was
// O(hosts) on fragile hardware); down, disabled, off, unreadable and
// selected hosts every refresh.
func TestPowerReadsFollowWhatIsWatched(t *testing.T) {
	fp := newFakePower()
	p, _, now := powerPane(t, fp, nil)
	refresh := func(after time.Duration) map[string]int {
		fp.mu.Lock()
		fp.reads = nil
		fp.mu.Unlock()
		*now = now.Add(after)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
		fp.mu.Lock()
		defer fp.mu.Unlock()
		return fp.reads
	}
	sel, _ := p.Table().Selected()
	got := refresh(11 * time.Second)
	// compute01 and compute06: up, enabled, on, not selected.
	for _, h := range []string{"compute01", "compute06"} {
		if h != sel.Key && got[h] != 0 {
			t.Errorf("%s (up, on) read again after 11 s: %v", h, got)
		}
	}
	for _, h := range []string{"compute02", "compute03", "compute04", sel.Key} {
		if got[h] != 1 {
			t.Errorf("%s (disabled/unknown/off/selected) not read this refresh: %v", h, got)
		}
	}
	got = refresh(powerSteady)
	if got["compute01"] != 1 || got["compute06"] != 1 {
		t.Fatalf("steady hosts not read after %v: %v", powerSteady, got)
	}
	if r := rowOf(p.View(140, 20), "compute01"); !strings.Contains(r, " on <2m") {
		t.Fatalf("compute01 not fresh after its read: %q", r)
	}
}

func TestFenceAction(t *testing.T) {
	fp := newFakePower()
	p, _, _ := powerPane(t, fp, nil)
	p.SetFilter("host=compute01")
	a := actionOf(t, press(p, "O"))
	if a.Name != "fence-host" || a.Confirm != "compute01" || !a.Mutates || a.Details["bmc"] == "" {
		t.Fatalf("action %+v", a)
	}
	checks := strings.Join(a.Checks, "\n")
	for _, want := range []string{"power on", "powers compute01 OFF", "nova-compute is UP"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	var lines []string
	res, err := a.Run(context.Background(), func(pr pane.Progress) { lines = append(lines, pr.Line) })
	if err != nil || !strings.Contains(res, "fence compute01: verified off") {
		t.Fatalf("%q %v", res, err)
	}
	if len(lines) < 3 || fp.calls[0] != "off compute01" {
		t.Fatalf("progress %v calls %v", lines, fp.calls)
	}
}

func TestEvacuatePowerPreCheck(t *testing.T) {
	fo := newOps(srv("a", "web-1", "ACTIVE", "compute04", true))
	// Off: fenced, confirmed by the host name.
	fp := newFakePower()
	p, _, _ := powerPane(t, fp, fo)
	p.SetFilter("host=compute04")
	a := actionOf(t, press(p, "E"))
	if a.Confirm != "compute04" || !strings.Contains(strings.Join(a.Checks, "\n"), "✓ fenced") || a.Details["power"] != "off" {
		t.Fatalf("fenced host: %+v", a)
	}
	// On: the typed override, recorded as the reason.
	fp.states["compute04"] = bmc.On
	a = actionOf(t, press(p, "E"))
	over := "evacuate anyway: I fenced compute04 by other means"
	if a.Confirm != over || a.Reason != over || !strings.Contains(strings.Join(a.Checks, "\n"), "NOT FENCED: power reads ON") {
		t.Fatalf("powered host: confirm %q reason %q\n%s", a.Confirm, a.Reason, strings.Join(a.Checks, "\n"))
	}
	// Unknown: the same.
	fp.readErr["compute04"] = fmt.Errorf("401 Unauthorized")
	a = actionOf(t, press(p, "E"))
	if a.Confirm != over || !strings.Contains(strings.Join(a.Checks, "\n"), "power UNKNOWN") {
		t.Fatalf("unknown power: %+v", a)
	}
}

func TestRecoverDeadHostFromPane(t *testing.T) {
	fo := newOps(srv("a", "web-1", "ACTIVE", "compute04", true), srv("b", "db-1", "ACTIVE", "compute04", true))
	fp := newFakePower()
	fp.states["compute04"] = bmc.On // lost its OS, not its power
	p, src, _ := powerPane(t, fp, fo)
	p.recoveryTune = func(pl *ops.RecoveryPlan) {
		pl.BootWait, pl.Poll = 50*time.Millisecond, 5*time.Millisecond
		pl.Fence = ops.FenceOptions{Timeout: 200 * time.Millisecond, Poll: 5 * time.Millisecond}
	}
	p.SetFilter("host=compute01")
	if msgs := press(p, "R"); len(msgs) == 0 || hasAction(msgs) {
		t.Fatalf("recovery of an up host: %#v", msgs)
	}
	p.SetFilter("host=compute04")
	a := actionOf(t, press(p, "R"))
	if a.Name != "recover-host" || a.Confirm != "compute04" || !a.Long {
		t.Fatalf("action %+v", a)
	}
	res, err, progress := run(p, a)
	if err != nil || !strings.HasPrefix(res, "evacuated 2/2 from compute04") {
		t.Fatalf("%q %v", res, err)
	}
	if got := strings.Join(fp.calls, ","); got != "off compute04,on compute04,off compute04" {
		t.Fatalf("bmc calls %s", got)
	}
	var notes []string
	for _, pr := range progress {
		notes = append(notes, pr.Line)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"1/5 disabling", "2/5 fencing", "verified off", "3/5 forcing", "4/5 powering", "power on not verified", "fencing compute04 again", "5/5 evacuating", "✓ web-1"} {
		if !strings.Contains(all, want) {
			t.Errorf("progress lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(strings.Join(src.calls, ","), "disable compute04") {
		t.Fatalf("not disabled: %v", src.calls)
	}
}

func hasAction(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(pane.RunActionMsg); ok {
			return true
		}
	}
	return false
}

// :ops resumes an interrupted guided recovery: re-planned from Nova, it
// says where it resumes (the host was found dead: fence, then evacuate,
// never a power-on), moves only what was not moved, and the journal ends
// ok.
func TestResumeInterruptedRecovery(t *testing.T) {
	moved := with(srv("a", "web-1", "ACTIVE", "compute02", true), "ACTIVE", "", "compute02")
	midway := with(srv("b", "web-2", "ACTIVE", "compute05", true), "REBUILD", "rebuild_spawning", "compute05")
	fo := newOps(moved, midway, srv("c", "web-3", "ACTIVE", "compute04", true), srv("d", "web-4", "SHUTOFF", "compute04", true))
	fo.steps["b"] = []openstack.Server{with(midway, "ACTIVE", "", "compute05")}
	fo.inflight++
	store := ops.NewStore(t.TempDir())
	j, _, err := store.Begin(context.Background(), ops.Meta{Op: "recover-host", Pane: "compute", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"disabled nova-compute on compute04", "fence compute04: verified off", "forced nova-compute down on compute04"} {
		j.Emit(ops.Event{Kind: ops.EvNote, Verb: ops.VerbRecover, Host: "compute04", Note: n})
	}
	j.Emit(ops.Event{Kind: ops.EvNote, Verb: ops.VerbRecover, Host: "compute04", Note: "nova-compute on compute04 did not come back within the wait", Phase: ops.RecoveryDead})
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

	fp := newFakePower()
	fp.states["compute04"] = bmc.On // someone powered it on since
	p, _, _ := powerPane(t, fp, fo)
	p.SetJournal(store)
	p.recoveryTune = func(pl *ops.RecoveryPlan) {
		pl.BootWait, pl.Poll = 50*time.Millisecond, 5*time.Millisecond
		pl.Fence = ops.FenceOptions{Timeout: 200 * time.Millisecond, Poll: 5 * time.Millisecond}
	}
	_, cmd := p.Update(pane.ResumeMsg{Pane: "compute", Entry: e})
	a := actionOf(t, drive(p, cmd))
	checks := strings.Join(a.Checks, "\n")
	for _, want := range []string{"RESUMES the recover-host", "journal: 1 verified, 0 failed, 3 not finished",
		"2 still on compute04, 2 elsewhere (verified or watched, not moved again)",
		"resumes at: disable, fence (read back off), force down, evacuate"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	if a.Name != "recover-host" || a.Resume != j.ID() || a.Confirm != "compute04" || !a.Long {
		t.Fatalf("action %+v", a)
	}
	res, err, _ := run(p, a)
	if err != nil {
		t.Fatal(err, res)
	}
	if got := strings.Join(fp.calls, ","); got != "off compute04" {
		t.Fatalf("bmc calls %s: a resumed recovery of a dead host fences, never powers on", got)
	}
	for _, want := range []string{"evacuated 4/4 from compute04", "resumed: compute04 was found dead", "fence compute04: verified off"} {
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
}
