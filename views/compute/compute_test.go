package compute

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)

type fakeSource struct {
	mu     sync.Mutex
	svcs   []openstack.ComputeService
	hvs    []openstack.Hypervisor
	hvErr  error
	svcErr error
	calls  []string
}

func (f *fakeSource) rec(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func (f *fakeSource) ComputeServices(ctx context.Context) ([]openstack.ComputeService, error) {
	f.rec("services")
	return f.svcs, f.svcErr
}
func (f *fakeSource) Hypervisors(ctx context.Context) ([]openstack.Hypervisor, error) {
	f.rec("hypervisors")
	return f.hvs, f.hvErr
}
func (f *fakeSource) DisableService(ctx context.Context, host, reason string) error {
	f.rec("disable " + host + " " + reason)
	return nil
}
func (f *fakeSource) EnableService(ctx context.Context, host string) error {
	f.rec("enable " + host)
	return nil
}
func (f *fakeSource) ForceDown(ctx context.Context, host string, down bool) error {
	f.rec(fmt.Sprintf("force-down %s %v", host, down))
	if !down {
		return errors.New("nova: 400 Bad Request: Unable to force up host compute04 as `done` evacuation migration records remain associated with the host.")
	}
	return nil
}

// fixture: six computes; compute04 down + forced down + disabled,
// compute02 disabled for maintenance, compute06 nearly full; a controller
// service that must not show; a host whose name carries escapes.
func fixture() *fakeSource {
	f := &fakeSource{}
	f.svcs = append(f.svcs, openstack.ComputeService{ID: "c1", Binary: "nova-conductor", Host: "control01", Zone: "internal", Status: "enabled", State: "up", UpdatedAt: t0.Add(-5 * time.Second)})
	for i := 1; i <= 6; i++ {
		h := fmt.Sprintf("compute%02d", i)
		s := openstack.ComputeService{ID: fmt.Sprint("s", i), Binary: "nova-compute", Host: h, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-time.Duration(i) * time.Second)}
		hv := openstack.Hypervisor{ID: fmt.Sprint("h", i), Hostname: h + ".cloud.example", Host: h, State: "up", Status: "enabled", Type: "QEMU",
			VCPUs: 64, VCPUsUsed: 8 * i, VCPUsCap: 128, MemoryMB: 262144, MemUsed: 32768 * i, MemoryCap: 262144, DiskGB: 1800, DiskUsed: 200 * i, DiskCap: 1800,
			RunningVMs: 5 * i, UsageFrom: "placement"}
		switch i {
		case 2:
			s.Status, s.DisabledReason = "disabled", "maintenance: BIOS update (CHG-1234)"
			hv.Status = "disabled"
		case 4:
			s.State, s.Status, s.ForcedDown, s.DisabledReason = "down", "disabled", true, "power loss"
			s.UpdatedAt = t0.Add(-3 * time.Minute)
			hv.State, hv.Status = "down", "disabled"
		case 6:
			hv.VCPUsUsed, hv.MemUsed, hv.DiskUsed = 126, 260000, 1790
		}
		f.svcs = append(f.svcs, s)
		f.hvs = append(f.hvs, hv)
	}
	evil := "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"
	f.svcs = append(f.svcs, openstack.ComputeService{ID: "s9", Binary: "nova-compute", Host: evil, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-time.Second)})
	return f
}

func newPane(src Source) (*Pane, *time.Time) {
	now := t0
	ctx := pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Refresh: 10 * time.Second}
	return New(ctx, src), &now
}

func drive(p *Pane, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case servicesMsg, hypervisorsMsg, planMsg, powerMsg:
			_, next := p.Update(m)
			queue = append(queue, next)
		case nil:
		default:
			out = append(out, m)
		}
	}
	return out
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func press(p *Pane, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := p.Update(key(k))
		out = append(out, drive(p, cmd)...)
	}
	return out
}

func loaded(t *testing.T) (*Pane, *fakeSource, *time.Time) {
	src := fixture()
	p, now := newPane(src)
	drive(p, p.Init())
	*now = now.Add(2 * time.Second)
	return p, src, now
}

func golden(t *testing.T, name, out string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("compute", name), ansi.Strip(out)+"\n", *update)
}

func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	viewtest.Frame(t, out, w, h)
}

func TestGoldenSizesDownFirst(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		p, _, _ := loaded(t)
		out := p.View(sz[0], sz[1])
		checkFrame(t, out, sz[0], sz[1])
		golden(t, fmt.Sprintf("hosts-%dx%d", sz[0], sz[1]), out)
	}
	p, _, _ := loaded(t)
	rows := p.Table().Rows()
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7 nova-compute hosts", len(rows))
	}
	if rows[0].Key != "compute04" {
		t.Fatalf("down host not first: %s", rows[0].Key)
	}
	if rows[1].Key != "compute02" {
		t.Fatalf("disabled host not second: %s", rows[1].Key)
	}
	s := ansi.Strip(p.View(120, 40))
	for _, want := range []string{"DOWN", "FORCED", "disabled: power loss", "disabled: maintenance", `\e]52;c;`, "3m", "98%"} {
		if !strings.Contains(s, want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

func TestFilterAndSort(t *testing.T) {
	p, _, _ := loaded(t)
	for q, want := range map[string]int{"host:compute0": 6, "state:down": 1, "status:disabled": 2, "forced:forced": 1,
		"reason:bios": 1, "host=compute03": 1, "zone:internal": 0, "compute05": 1} {
		p.SetFilter(q)
		if p.Table().Len() != want {
			t.Errorf("filter %q: %d rows, want %d", q, p.Table().Len(), want)
		}
	}
	p.SetFilter("")
	// Sort by VCPU usage (column 5): compute06 (98%) last ascending.
	for range 6 {
		press(p, ">")
	}
	if c, _ := p.Table().SortState(); c != 5 {
		t.Fatalf("sort column %d", c)
	}
	rows := p.Table().Rows()
	if rows[len(rows)-1].Key != "compute06" {
		t.Fatalf("vcpu sort: last %s", rows[len(rows)-1].Key)
	}
}

func TestPivots(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("host=compute03")
	cases := map[string]pane.PivotMsg{
		"enter": {Pane: "instances", Query: "host:compute03"},
		"i":     {Pane: "instances", Query: "host:compute03"},
		"v":     {Pane: "agents", Query: "host:compute03"},
		"c":     {Pane: "containers", Query: "host:compute03"},
		"l":     {Pane: "logs", Query: "host:compute03"},
		"a":     {Pane: "alerts", Query: "host=compute03"},
		"m":     {Pane: "panels", Query: "host:compute03"},
	}
	for k, want := range cases {
		msgs := press(p, k)
		if len(msgs) != 1 || msgs[0] != want {
			t.Errorf("key %s: %#v, want %#v", k, msgs, want)
		}
	}
	// Pivot into the pane.
	drive(p, p.Pivot("host:compute04"))
	if p.Table().Len() != 1 || p.Table().Rows()[0].Key != "compute04" {
		t.Fatalf("pivot host:compute04: %d rows", p.Table().Len())
	}
}

func actionOf(t *testing.T, msgs []tea.Msg) pane.Action {
	t.Helper()
	for _, m := range msgs {
		if r, ok := m.(pane.RunActionMsg); ok {
			return r.Action
		}
	}
	t.Fatalf("no action in %#v", msgs)
	return pane.Action{}
}

func TestServiceActions(t *testing.T) {
	for _, ro := range []bool{false, true} {
		p, src, _ := loaded(t)
		p.ctx.ReadOnly = ro // the shell enforces read-only, not the view
		p.SetFilter("host=compute03")

		// Disable with a reason typed into the prompt.
		press(p, "D")
		if !p.Capturing() {
			t.Fatal("disable did not open the reason prompt")
		}
		for _, r := range "kernel upgrade" {
			press(p, string(r))
		}
		golden(t, "disable-prompt-80x8", p.View(80, 8))
		a := actionOf(t, press(p, "enter"))
		if !a.Mutates || a.Name != "disable-service" || a.Target != "compute03" || !a.ConfirmYes {
			t.Fatalf("disable action %+v", a)
		}
		if !strings.Contains(strings.Join(a.Checks, "\n"), "reason: kernel upgrade") {
			t.Fatalf("checks %v", a.Checks)
		}
		if a.Reason != "kernel upgrade" || a.Reconcile == nil {
			t.Fatalf("disable: reason %q for the audit, read-back %v", a.Reason, a.Reconcile != nil)
		}
		if len(src.calls) != 2 {
			t.Fatalf("source called before the shell ran the action: %v", src.calls)
		}
		if _, err := a.Run(context.Background(), func(pane.Progress) {}); err != nil {
			t.Fatal(err)
		}
		if last := src.calls[len(src.calls)-1]; last != "disable compute03 kernel upgrade" {
			t.Fatalf("call %q", last)
		}

		a = actionOf(t, press(p, "A"))
		if !a.Mutates || a.Name != "enable-service" || !a.ConfirmYes {
			t.Fatalf("enable %+v", a)
		}
		a.Run(context.Background(), nil)
		if last := src.calls[len(src.calls)-1]; last != "enable compute03" {
			t.Fatalf("call %q", last)
		}

		a = actionOf(t, press(p, "F"))
		if !a.Mutates || a.Name != "force-down" || a.Confirm != "compute03" {
			t.Fatalf("force-down %+v", a)
		}
		if !strings.Contains(strings.Join(a.Checks, "\n"), "heartbeats still arrive") {
			t.Fatalf("force-down of an up host lacks the warning: %v", a.Checks)
		}
		a.Run(context.Background(), nil)
		if last := src.calls[len(src.calls)-1]; last != "force-down compute03 true" {
			t.Fatalf("call %q", last)
		}

		p.SetFilter("host=compute04")
		a = actionOf(t, press(p, "U"))
		if !a.Mutates || a.Name != "force-up" {
			t.Fatalf("force-up %+v", a)
		}
		if _, err := a.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "evacuation migration records remain") ||
			!strings.Contains(err.Error(), "restart nova-compute on compute04") {
			t.Fatalf("Nova's refusal text lost, or no word of the restart it waits for: %v", err)
		}
	}
	m := keymap.Defaults()
	for _, v := range []string{"disable", "enable", "force_down", "force_up"} {
		if b, ok := m.Get("compute." + v); !ok || !b.Mutates {
			t.Errorf("compute.%s not a mutating binding", v)
		}
	}
}

func TestErrorsInlineKeepData(t *testing.T) {
	p, src, now := loaded(t)
	src.hvErr = errors.New("placement: 403 Forbidden: Policy doesn't allow placement:resource_providers:list")
	src.hvs = nil
	*now = now.Add(time.Minute)
	drive(p, p.Refresh())
	out := p.View(140, 14)
	checkFrame(t, out, 140, 14)
	s := ansi.Strip(out)
	if !strings.Contains(s, "hypervisors failed (showing data from 1m ago): placement: 403") || !strings.Contains(s, "█") {
		t.Fatalf("error not inline or data lost:\n%s", s)
	}
	golden(t, "hv-error-140x14", out)
	if p.Status().Err == nil {
		t.Fatal("status has no error")
	}
}

func TestTickRefreshNoOverlap(t *testing.T) {
	p, src, now := loaded(t)
	if _, cmd := p.Update(pane.TickMsg(*now)); cmd != nil {
		t.Fatal("refresh before interval")
	}
	*now = now.Add(10 * time.Second)
	p.View(140, 14) // on screen: both lists every refresh
	_, cmd := p.Update(pane.TickMsg(*now))
	if cmd == nil {
		t.Fatal("no refresh after interval")
	}
	*now = now.Add(20 * time.Second)
	if _, c2 := p.Update(pane.TickMsg(*now)); c2 != nil {
		t.Fatal("overlapping refresh")
	}
	n := len(src.calls)
	drive(p, cmd)
	if len(src.calls) != n+2 {
		t.Fatalf("calls %v", src.calls)
	}
}

// BEAT is an age in coarse steps: a normal heartbeat reads "<30s" and does
// not move second by second (an idle screen writes nothing), and it keeps
// growing when Nova stops answering (the rows are then last known data, and
// a heartbeat frozen at "<30s" would read as healthy).
func TestHeartbeatAgesBetweenRefreshes(t *testing.T) {
	p, src, now := loaded(t)
	beat := func() string {
		for _, l := range strings.Split(ansi.Strip(p.View(120, 14)), "\n") {
			if strings.HasPrefix(l, "compute01 ") {
				f := strings.Fields(l)
				return f[len(f)-1]
			}
		}
		t.Fatal("no compute01 row")
		return ""
	}
	if b := beat(); b != "<30s" {
		t.Fatalf("BEAT %q at load", b)
	}
	src.svcErr = errors.New("503 Service Unavailable")
	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
		seen[beat()] = true
	}
	if b := beat(); b != "40s" {
		t.Fatalf("BEAT %q after 40 s without an answer from Nova, want 40s", b)
	}
	if len(seen) != 3 { // <30s, 30s, 40s
		t.Fatalf("BEAT moved through %v in 40 s: not coarse", seen)
	}
}

// The service state and the forced-down flag fit a confirmation dialog
// (about 70 cells) even with a long disable reason.
func TestServiceChecksFitTheDialog(t *testing.T) {
	src := fixture()
	for i := range src.svcs {
		if src.svcs[i].Host == "compute04" {
			src.svcs[i].DisabledReason = "power loss in rack B3, PDU replaced, waiting for DC ops (INC-4242)"
		}
	}
	p, _ := newPane(src)
	drive(p, p.Init())
	p.SetFilter("host:compute04")
	a := actionOf(t, press(p, "F"))
	head := a.Checks[0]
	if !strings.Contains(head, "forced down true") || ansi.StringWidth(head) > 70 {
		t.Fatalf("first check %q (%d cells)", head, ansi.StringWidth(head))
	}
	if !strings.Contains(strings.Join(a.Checks, "\n"), "INC-4242") {
		t.Fatalf("reason lost: %q", a.Checks)
	}
}

// A host goes DOWN while the operator has not moved the cursor: the cursor
// goes to it (the table's new-CRIT rule). Once the operator has moved, a
// second host going DOWN leaves the cursor where they put it.
func TestCursorGoesToNewDownHostUntilTouched(t *testing.T) {
	src := fixture()
	for i := range src.svcs {
		src.svcs[i].State, src.svcs[i].ForcedDown = "up", false
	}
	for i := range src.hvs {
		src.hvs[i].State = "up"
	}
	p, now := newPane(src)
	drive(p, p.Init())
	sel := func() string { h, _ := p.selected(); return h.name }
	first := sel()
	src.svcs[5].State = "down" // compute05
	*now = now.Add(11 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if got := sel(); got != "compute05" {
		t.Fatalf("cursor on %q (was %q), want the new DOWN host compute05", got, first)
	}
	press(p, "j")
	moved := sel()
	src.svcs[6].State = "down" // compute06
	*now = now.Add(11 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if got := sel(); got != moved {
		t.Fatalf("touched cursor moved from %q to %q", moved, got)
	}
}

// An idle screen does not move: the header's age is one label for the
// whole refresh cycle, and a routine refresh that answers quickly is not
// announced; a slow one is.
func TestHeaderStillWhileIdle(t *testing.T) {
	p, _, now := loaded(t)
	header := func() string { return strings.Split(ansi.Strip(p.View(120, 14)), "\n")[0] }
	first := header()
	for i := 0; i < 9; i++ {
		*now = now.Add(time.Second)
		if h := header(); h != first {
			t.Fatalf("header moved after %ds idle: %q -> %q", i+1, first, h)
		}
	}
	inflight := p.Refresh() // a refresh starts and has not answered
	if inflight == nil {
		t.Fatal("no refresh")
	}
	if h := header(); h != first {
		t.Fatalf("a refresh just started shows: %q", h)
	}
	*now = now.Add(pane.SlowRefresh)
	if h := header(); !strings.Contains(h, "refreshing…") {
		t.Fatalf("a slow refresh is not shown: %q", h)
	}
}

// A VM count not known yet (the instance list still loading) shows "?",
// not 0: zero VMs on a host is a claim an operator acts on.
func TestUnknownVMCountIsNotZero(t *testing.T) {
	f := fixture()
	for i := range f.hvs {
		f.hvs[i].RunningVMs = -1
	}
	p, _ := newPane(f)
	drive(p, p.Init())
	row, ok := p.Table().Selected()
	if !ok {
		t.Fatal("no rows")
	}
	if got := row.Cells[8].Text; got != "?" {
		t.Errorf("VMS cell %q, want ?", got)
	}
	if s := ansi.Strip(p.View(120, 40)); !strings.Contains(s, "? VMs") {
		t.Errorf("summary lacks \"? VMs\":\n%s", s)
	}
}

// TestHiddenPaneReadsHypervisorsOnceAMinute: off screen, each refresh
// reads Nova's services (which hosts are down) but the hypervisors (and
// Placement behind them) once a minute; a draw brings them at the next
// tick, and on screen they come every refresh.
func TestHiddenPaneReadsHypervisorsOnceAMinute(t *testing.T) {
	p, src, now := loaded(t)
	count := func() (svc, hv int) {
		for _, c := range src.calls {
			switch c {
			case "services":
				svc++
			case "hypervisors":
				hv++
			}
		}
		return
	}
	tick := func(d time.Duration) {
		*now = now.Add(d)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	s0, h0 := count()
	for range 5 {
		tick(10 * time.Second)
	}
	if s, h := count(); s-s0 != 5 || h-h0 != 0 {
		t.Fatalf("50 s off screen: %d services and %d hypervisor reads, want 5 and 0", s-s0, h-h0)
	}
	if got := p.Status().Updated; !got.Equal(p.svcAt) {
		t.Errorf("off screen, the age is the services' (%v), not the hypervisors' on their minute: %v", p.svcAt, got)
	}
	tick(10 * time.Second)
	if s, h := count(); s-s0 != 6 || h-h0 != 1 {
		t.Fatalf("a minute off screen: %d services and %d hypervisor reads, want 6 and 1", s-s0, h-h0)
	}
	tick(10 * time.Second)
	_, h1 := count()
	p.View(140, 14)
	if got := p.Status().Updated; !got.Equal(p.hvAt) || !p.hvAt.Before(p.svcAt) {
		t.Errorf("on screen with older hypervisors (%v), the age is %v: want theirs", p.hvAt, got)
	}
	tick(time.Second)
	if _, h := count(); h != h1+1 {
		t.Fatalf("shown: %d hypervisor reads, want %d (at the next tick)", h, h1+1)
	}
	for range 30 {
		p.View(140, 14)
		tick(time.Second)
	}
	if _, h := count(); h != h1+4 {
		t.Errorf("30 s on screen: %d hypervisor reads, want %d (every refresh)", h, h1+4)
	}
}
