package agents

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)

const evil = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

type fakeSource struct {
	net    []openstack.NetworkAgent
	nova   []openstack.ComputeService
	cinder []openstack.VolumeService
	netErr error
	volErr error
	calls  int
}

func (f *fakeSource) NetworkAgents(ctx context.Context) ([]openstack.NetworkAgent, error) {
	f.calls++
	return f.net, f.netErr
}
func (f *fakeSource) ComputeServices(ctx context.Context) ([]openstack.ComputeService, error) {
	f.calls++
	return f.nova, nil
}
func (f *fakeSource) VolumeServices(ctx context.Context) ([]openstack.VolumeService, error) {
	f.calls++
	return f.cinder, f.volErr
}

// fixture: compute04 lost power (nova-compute down + forced down, its OVS
// agent dead); control02's cinder-volume is down; the rest alive.
func fixture() *fakeSource {
	f := &fakeSource{}
	for i := 1; i <= 3; i++ {
		h := fmt.Sprintf("control%02d", i)
		for _, b := range []string{"nova-conductor", "nova-scheduler"} {
			f.nova = append(f.nova, openstack.ComputeService{ID: h + b, Binary: b, Host: h, Zone: "internal", Status: "enabled", State: "up", UpdatedAt: t0.Add(-4 * time.Second)})
		}
		f.net = append(f.net,
			openstack.NetworkAgent{ID: "l3-" + h, Type: "L3 agent", Binary: "neutron-l3-agent", Host: h, Zone: "nova", Alive: true, AdminUp: true, HeartbeatAt: t0.Add(-20 * time.Second)},
			openstack.NetworkAgent{ID: "dhcp-" + h, Type: "DHCP agent", Binary: "neutron-dhcp-agent", Host: h, Zone: "nova", Alive: true, AdminUp: i != 3, HeartbeatAt: t0.Add(-10 * time.Second)})
		vs := openstack.VolumeService{Binary: "cinder-volume", Host: h + "@rbd-1", Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-7 * time.Second)}
		if i == 2 {
			vs.State, vs.UpdatedAt = "down", t0.Add(-10*time.Minute)
		}
		f.cinder = append(f.cinder, vs, openstack.VolumeService{Binary: "cinder-scheduler", Host: h, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-3 * time.Second)})
	}
	for i := 1; i <= 4; i++ {
		h := fmt.Sprintf("compute%02d", i)
		s := openstack.ComputeService{ID: "nc-" + h, Binary: "nova-compute", Host: h, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-2 * time.Second)}
		a := openstack.NetworkAgent{ID: "ovs-" + h, Type: "Open vSwitch agent", Binary: "neutron-openvswitch-agent", Host: h, Alive: true, AdminUp: true, HeartbeatAt: t0.Add(-15 * time.Second)}
		if i == 4 {
			s.State, s.Status, s.ForcedDown, s.DisabledReason, s.UpdatedAt = "down", "disabled", true, "power loss", t0.Add(-5*time.Minute)
			a.Alive, a.HeartbeatAt = false, t0.Add(-5*time.Minute)
		}
		f.nova = append(f.nova, s)
		f.net = append(f.net, a)
	}
	f.net = append(f.net, openstack.NetworkAgent{ID: "evil", Type: "Metadata agent", Binary: "neutron-metadata-agent", Host: evil, Alive: true, AdminUp: true, HeartbeatAt: t0})
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
		case loadedMsg:
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
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func press(p *Pane, k string) []tea.Msg {
	_, cmd := p.Update(key(k))
	return drive(p, cmd)
}

func loaded(t *testing.T) (*Pane, *fakeSource) {
	src := fixture()
	p, now := newPane(src)
	drive(p, p.Init())
	*now = now.Add(time.Second)
	return p, src
}

func golden(t *testing.T, name, out string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("agents", name), ansi.Strip(out)+"\n", *update)
}

func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	viewtest.Frame(t, out, w, h)
}

func TestGoldenSizesDeadFirstGrouped(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		p, _ := loaded(t)
		out := p.View(sz[0], sz[1])
		checkFrame(t, out, sz[0], sz[1])
		golden(t, fmt.Sprintf("agents-%dx%d", sz[0], sz[1]), out)
	}
	p, _ := loaded(t)
	rows := p.Table().Rows()
	// Hosts with dead agents first (compute04, control02), dead rows first
	// within them; every host's rows contiguous.
	var hosts []string
	seen := map[string]bool{}
	for _, r := range rows {
		h, _, _ := strings.Cut(r.Cells[0].Text, "@")
		if len(hosts) == 0 || hosts[len(hosts)-1] != h {
			if seen[h] {
				t.Fatalf("host %s not grouped", h)
			}
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	if hosts[0] != "compute04" || hosts[1] != "control02" {
		t.Fatalf("dead hosts not first: %v", hosts)
	}
	if rows[0].Cells[4].Text != "DOWN" || rows[1].Cells[4].Text != "DEAD" {
		t.Fatalf("dead agents not first in their host: %v %v", rows[0].Cells, rows[1].Cells)
	}
	if got := rows[2].Cells; got[0].Text != "control02@rbd-1" || got[4].Text != "DOWN" {
		t.Fatalf("cinder-volume down not first in control02: %v", got)
	}
	s := ansi.Strip(p.View(120, 40))
	for _, want := range []string{"FORCED DOWN · disabled: power loss", "volume (rbd-1)", "Open vSwitch agent", `\e]52;c;`, "3 DEAD on 2 hosts"} {
		if !strings.Contains(s, want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

func TestFilter(t *testing.T) {
	p, _ := loaded(t)
	for q, want := range map[string]int{"host:compute04": 2, "service:neutron": 11, "state:down": 3, "binary:nova-compute": 4,
		"admin:down": 2, "admin:forced": 1, "host:control02": 6, "type:volume": 3, "ovs": 4} {
		p.SetFilter(q)
		if p.Table().Len() != want {
			t.Errorf("filter %q: %d rows, want %d", q, p.Table().Len(), want)
		}
	}
}

func TestPivotsAndKollaNames(t *testing.T) {
	p, _ := loaded(t)
	p.SetFilter("host:compute04 binary:neutron-openvswitch-agent")
	cases := map[string]pane.PivotMsg{
		"enter": {Pane: "compute", Query: "host:compute04"},
		"i":     {Pane: "instances", Query: "host:compute04"},
		"h":     {Pane: "compute", Query: "host:compute04"},
		"c":     {Pane: "containers", Query: "host:compute04 name:neutron_openvswitch_agent"},
		"l":     {Pane: "logs", Query: "host:compute04"},
		"a":     {Pane: "alerts", Query: "host=compute04"},
		"m":     {Pane: "panels", Query: "host:compute04"},
	}
	for k, want := range cases {
		msgs := press(p, k)
		if len(msgs) != 1 || msgs[0] != want {
			t.Errorf("key %s: %#v, want %#v", k, msgs, want)
		}
	}
	// Cinder volume service: pivots use the host without @backend.
	p.SetFilter("host:control02 binary:cinder-volume")
	if msgs := press(p, "c"); len(msgs) != 1 || msgs[0] != (pane.PivotMsg{Pane: "containers", Query: "host:control02 name:cinder_volume"}) {
		t.Errorf("cinder pivot %#v", msgs)
	}
	for in, want := range map[string]string{"neutron-openvswitch-agent": "neutron_openvswitch_agent", "nova-compute": "nova_compute",
		"neutron-ovn-metadata-agent": "neutron_ovn_metadata_agent", "ovn-controller": "ovn_controller", "": "", "x y": "", "evil\x1b": ""} {
		if got := KollaContainer(in); got != want {
			t.Errorf("KollaContainer(%q) = %q, want %q", in, got, want)
		}
	}
	drive(p, p.Pivot("host:compute01"))
	if p.Table().Len() != 2 {
		t.Fatalf("pivot host:compute01: %d rows", p.Table().Len())
	}
}

func TestPerServiceErrorsInline(t *testing.T) {
	src := fixture()
	src.netErr = errors.New("neutron: 503 Service Unavailable: The server is currently unavailable")
	src.volErr = fmt.Errorf("cinder: %w", openstack.ErrNoService)
	p, _ := newPane(src)
	drive(p, p.Init())
	out := p.View(120, 20)
	checkFrame(t, out, 120, 20)
	s := ansi.Strip(out)
	if !strings.Contains(s, "neutron failed: neutron: 503 Service Unavailable") || !strings.Contains(s, "cinder: not in this cloud's catalog") {
		t.Fatalf("errors not inline:\n%s", s)
	}
	if !strings.Contains(s, "nova-compute") {
		t.Fatal("nova rows lost because of another service's error")
	}
	if st := p.Status(); st.Err == nil || !strings.Contains(st.Err.Error(), "503") {
		t.Fatalf("status err %v", st.Err)
	}
	golden(t, "errors-120x20", out)
}

func TestTickNoOverlap(t *testing.T) {
	src := fixture()
	p, now := newPane(src)
	cmd := p.Init()
	*now = now.Add(5 * time.Second)
	if _, c := p.Update(pane.TickMsg(*now)); c != nil {
		t.Fatal("refresh started while loads outstanding")
	}
	drive(p, cmd)
	if src.calls != 3 {
		t.Fatalf("calls %d", src.calls)
	}
	if _, c := p.Update(pane.TickMsg(*now)); c != nil {
		t.Fatal("refresh before interval")
	}
	*now = now.Add(5 * time.Second)
	if _, c := p.Update(pane.TickMsg(*now)); c == nil {
		t.Fatal("no refresh after interval")
	}
}

// BEAT is an age in coarse steps ("<30s" while normal, so an idle screen
// does not move): it grows with the clock between refreshes, and keeps
// growing when Neutron stops answering (the rows are then last known data).
func TestHeartbeatAgesBetweenRefreshes(t *testing.T) {
	src := fixture()
	p, now := newPane(src)
	drive(p, p.Init())
	beat := func() string {
		for _, l := range strings.Split(ansi.Strip(p.View(120, 30)), "\n") {
			if strings.HasPrefix(l, "compute01 ") && strings.Contains(l, "neutron-openvswitch-agent") {
				f := strings.Fields(l)
				return f[len(f)-1]
			}
		}
		t.Fatalf("no compute01 OVS row:\n%s", ansi.Strip(p.View(120, 30)))
		return ""
	}
	if b := beat(); b != "<30s" {
		t.Fatalf("BEAT %q at load", b)
	}
	src.netErr = errors.New("503 Service Unavailable")
	for i := 0; i < 12; i++ {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	if b := beat(); b != "<30s" {
		t.Fatalf("BEAT %q after 12 s without an answer from Neutron, want <30s", b)
	}
	for i := 0; i < 10; i++ {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	if b := beat(); b != "30s" {
		t.Fatalf("BEAT %q after 22 s without an answer from Neutron, want 30s", b)
	}
}

// The agents pane publishes its lists to the host model, and when the
// containers pane says an agent's container exited while Neutron still
// reports the agent up, the row and the pane say both, with sources and
// ages: never "up" alone.
func TestAgentUpContainerExitedShownAsConflict(t *testing.T) {
	src := fixture()
	now := t0
	hosts := hostmodel.New()
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now },
		Refresh: 10 * time.Second, Hosts: hosts}, src)
	for _, m := range drive(p, p.Init()) {
		if o, ok := m.(hostmodel.Observation); ok {
			hosts.Apply(o)
		}
	}
	h, ok := hosts.Host("control03")
	if !ok || len(h.Facts) == 0 {
		t.Fatalf("agents did not publish control03: %+v", hosts.Hosts())
	}
	if !hosts.Summarize().Known || len(hosts.Summarize().HostsDown) != 1 {
		t.Fatalf("compute04's nova-compute down not in the model: %+v", hosts.Summarize())
	}
	out := ansi.Strip(p.View(120, 30))
	if strings.Contains(out, "⚠") {
		t.Fatalf("conflict shown with no other source:\n%s", out)
	}
	o := hostmodel.Observation{Pane: "containers", Source: hostmodel.Docker, Scope: "control03", At: t0.Add(-20 * time.Second),
		Facts: []hostmodel.Fact{{Host: "control03", Kind: hostmodel.Container, Name: "neutron_l3_agent", State: "exited", Detail: "1", Severity: hostmodel.Crit}}}
	hosts.Apply(o)
	p.Update(o)
	now = t0.Add(time.Second)
	out = ansi.Strip(p.View(120, 30))
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "control03") && strings.Contains(l, "neutron-l3-agent") {
			row = l
		}
	}
	if !strings.Contains(row, "up ⚠") {
		t.Fatalf("control03 l3 row does not show the conflict: %q\n%s", row, out)
	}
	if !strings.Contains(out, "control03: service neutron-l3-agent up (neutron, <10s) but container neutron_l3_agent exited 1 (containers, 20s)") {
		t.Fatalf("conflict line missing:\n%s", out)
	}
	// The cursor on that row: the detail line says what contradicts it.
	p.Table().SelectKey("neutron/control03/neutron-l3-agent/l3-control03")
	out = ansi.Strip(p.View(120, 30))
	if !strings.Contains(out, "control03 neutron-l3-agent: up ⚠ container neutron_l3_agent exited 1 (containers, 20s)") {
		t.Fatalf("detail line does not show the conflict:\n%s", out)
	}
	viewtest.File(t, viewtest.Golden("agents", "conflict_120x30"), out, *update)
}

// problemSource counts whole and problems-only Neutron reads.
type problemSource struct {
	*fakeSource
	whole, probs int
}

func (s *problemSource) NetworkAgents(ctx context.Context) ([]openstack.NetworkAgent, error) {
	s.whole++
	return s.fakeSource.NetworkAgents(ctx)
}

func (s *problemSource) NetworkAgentProblems(ctx context.Context) ([]openstack.NetworkAgent, error) {
	s.probs++
	var out []openstack.NetworkAgent
	for _, a := range s.net {
		if !a.Alive || !a.AdminUp {
			out = append(out, a)
		}
	}
	return out, nil
}

func (p *Pane) neutronDead() map[string]bool {
	out := map[string]bool{}
	for _, a := range p.lists[kNeutron].agents {
		if a.dead {
			out[a.id] = true
		}
	}
	return out
}

// TestHiddenPaneReadsNeutronProblemsOnly: off screen, refreshes between
// the once-a-minute whole lists read only the agents with a problem, and
// still see an agent die and one come back within one refresh; on screen,
// the whole list comes at once and every refresh.
func TestHiddenPaneReadsNeutronProblemsOnly(t *testing.T) {
	f := fixture()
	src := &problemSource{fakeSource: f}
	p, now := newPane(src)
	drive(p, p.Init())
	if src.whole != 1 || src.probs != 0 {
		t.Fatalf("first load: %d whole, %d problem reads; want the whole list", src.whole, src.probs)
	}
	tick := func() {
		*now = now.Add(10 * time.Second)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	// compute01's OVS agent dies, compute04's comes back.
	for i := range f.net {
		switch f.net[i].ID {
		case "ovs-compute01":
			f.net[i].Alive = false
		case "ovs-compute04":
			f.net[i].Alive = true
		}
	}
	tick()
	if src.whole != 1 || src.probs != 1 {
		t.Fatalf("hidden refresh: %d whole, %d problem reads; want problems only", src.whole, src.probs)
	}
	if d := p.neutronDead(); !d["ovs-compute01"] || d["ovs-compute04"] || len(d) != 1 {
		t.Errorf("after the problems read, dead: %v; want ovs-compute01 only", d)
	}
	if len(p.lists[kNeutron].agents) != len(f.net) {
		t.Errorf("%d agents after merging, want %d", len(p.lists[kNeutron].agents), len(f.net))
	}
	// The problems changed (one died, one came back with an old
	// heartbeat): the next tick reads the whole list.
	tick()
	if src.whole != 2 {
		t.Fatalf("the problems changed: %d whole lists at the next tick, want 2", src.whole)
	}
	for range 5 {
		tick()
	}
	if src.whole != 2 {
		t.Fatalf("50 s hidden with the same problems: %d whole lists, want 2", src.whole)
	}
	tick()
	if src.whole != 3 {
		t.Errorf("a minute hidden: %d whole lists, want 3 (the safety net)", src.whole)
	}
	tick()
	if src.whole != 3 {
		t.Fatalf("just after the whole list, hidden: %d whole lists, want 3", src.whole)
	}
	// On screen: the next tick reads the whole list, and every refresh
	// (the shell draws the active pane at least once a second).
	w := src.whole
	second := func() {
		p.View(120, 30)
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	second()
	if src.whole != w+1 {
		t.Errorf("shown: %d whole lists, want %d (at once)", src.whole, w+1)
	}
	for range 30 {
		second()
	}
	if src.whole != w+4 {
		t.Errorf("30 s on screen: %d whole lists, want %d (every refresh)", src.whole, w+4)
	}
}
