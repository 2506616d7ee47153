package networks

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/viewtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)

const evil = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

type fakeSource struct {
	ports      []openstack.StuckPort
	routers    []openstack.HARouter
	portsErr   error
	portCalls  int
	routeCalls int
}

func (f *fakeSource) StuckPorts(context.Context) ([]openstack.StuckPort, int, error) {
	f.portCalls++
	return f.ports, 0, f.portsErr
}

func (f *fakeSource) HARouters(context.Context) ([]openstack.HARouter, error) {
	f.routeCalls++
	return f.routers, nil
}

// fixture: compute04 died with two ports binding_failed; an ACTIVE server
// on compute02 has a DOWN port; router ext-gw is active on two agents,
// router db-net on one.
func fixture() *fakeSource {
	f := &fakeSource{}
	for i, ip := range []string{"10.0.3.14", "10.0.3.15"} {
		f.ports = append(f.ports, openstack.StuckPort{Port: openstack.Port{
			ID: fmt.Sprintf("b1f0c3a2-0000-4000-8000-00000000000%d", i), Status: "DOWN", NetworkID: "net-web", NetworkName: "web-net",
			DeviceID: fmt.Sprintf("5e1d-srv-%d", i), DeviceOwner: "compute:nova", HostID: "compute04", VIFType: "binding_failed",
			FixedIPs: []string{ip}, Updated: t0.Add(-3 * time.Minute)}, Reason: "binding failed"})
	}
	f.ports = append(f.ports, openstack.StuckPort{Port: openstack.Port{
		ID: "c7a9e5d1-0000-4000-8000-000000000009", Name: "db" + evil, Status: "DOWN", NetworkID: "net-db", NetworkName: "db-net",
		DeviceID: "9d2f-srv-db", DeviceOwner: "compute:nova", HostID: "compute02", VIFType: "ovs",
		FixedIPs: []string{"10.0.4.20"}, Updated: t0.Add(-2 * time.Hour)}, ServerStatus: "ACTIVE", Reason: "DOWN, server ACTIVE"})
	agent := func(host, state string) openstack.RouterAgent {
		return openstack.RouterAgent{AgentID: "l3-" + host, Host: host, HAState: state, Alive: true, AdminUp: true}
	}
	f.routers = []openstack.HARouter{
		{Router: openstack.Router{ID: "0a0a0a0a-1111-4111-8111-111111111111", Name: "db-router", HA: true},
			Agents: []openstack.RouterAgent{agent("control01", "active"), agent("control02", "standby"), agent("control03", "standby")}},
		{Router: openstack.Router{ID: "0b0b0b0b-2222-4222-8222-222222222222", Name: "ext-gw", HA: true},
			Agents: []openstack.RouterAgent{agent("control01", "active"), agent("control02", "active"), agent("control03", "standby")}},
	}
	return f
}

func newPane(src Source) (*Pane, *time.Time, *[]tea.Msg) {
	now := t0
	ctx := pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Refresh: 10 * time.Second}
	p := New(ctx, src)
	var out []tea.Msg
	return p, &now, &out
}

// drive runs cmd and what it leads to, feeding the pane its own loads and
// collecting every other message.
func drive(p *Pane, out *[]tea.Msg, cmd tea.Cmd) {
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
		case portsMsg, routersMsg:
			_, next := p.Update(m)
			queue = append(queue, next)
		case nil:
		default:
			*out = append(*out, m)
		}
	}
}

func key(s string) tea.KeyPressMsg {
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func press(p *Pane, k string) []tea.Msg {
	var out []tea.Msg
	_, cmd := p.Update(key(k))
	drive(p, &out, cmd)
	return out
}

func loaded(t *testing.T) (*Pane, *fakeSource, *time.Time, []tea.Msg) {
	t.Helper()
	src := fixture()
	p, now, out := newPane(src)
	drive(p, out, p.Init())
	return p, src, now, *out
}

func TestGoldenPortsAndRouters(t *testing.T) {
	for _, sz := range [][2]int{{130, 12}, {80, 10}} {
		p, _, _, _ := loaded(t)
		out := p.View(sz[0], sz[1])
		viewtest.Frame(t, out, sz[0], sz[1])
		viewtest.File(t, viewtest.Golden("networks", fmt.Sprintf("ports-%dx%d", sz[0], sz[1])), ansi.Strip(out)+"\n", *update)
		press(p, "]")
		out = p.View(sz[0], sz[1])
		viewtest.Frame(t, out, sz[0], sz[1])
		viewtest.File(t, viewtest.Golden("networks", fmt.Sprintf("routers-%dx%d", sz[0], sz[1])), ansi.Strip(out)+"\n", *update)
	}
	p, _, _, _ := loaded(t)
	s := ansi.Strip(p.View(130, 12))
	for _, want := range []string{"ports: 3 stuck (2 binding failed)", "HA routers: 2 · 1 not active on exactly one agent", `\e]52;c;`, "binding failed", "compute04", "DOWN, server ACTIVE"} {
		if !strings.Contains(s, want) {
			t.Errorf("ports view lacks %q", want)
		}
	}
	press(p, "]")
	rows := p.Table().Rows()
	// The split-brain router's rows first, its active agents marked.
	if len(rows) != 6 || rows[0].Cells[0].Text != "ext-gw" || rows[0].Cells[1].Text != "active on 2 agents" || rows[3].Cells[1].Text != "-" {
		t.Fatalf("router rows %v", rows)
	}
}

func TestPivotsFollowTheKeyGrammar(t *testing.T) {
	p, _, _, _ := loaded(t)
	p.SetFilter("host:compute02")
	cases := map[string]pane.PivotMsg{
		"h":     {Pane: "compute", Query: "host:compute02"},
		"i":     {Pane: "instances", Query: "id:9d2f-srv-db"},
		"enter": {Pane: "instances", Query: "id:9d2f-srv-db"},
		"l":     {Pane: "logs", Query: "id:c7a9e5d1-0000-4000-8000-000000000009"},
	}
	for k, want := range cases {
		msgs := press(p, k)
		if len(msgs) != 1 || msgs[0] != want {
			t.Errorf("%s: %v, want %v", k, msgs, want)
		}
	}
	p.SetFilter("")
	press(p, "]")
	p.SetFilter("router:ext-gw host:control02")
	if p.Table().Len() != 1 {
		t.Fatalf("router filter: %d rows", p.Table().Len())
	}
	for k, want := range map[string]pane.PivotMsg{
		"h": {Pane: "compute", Query: "host:control02"},
		"l": {Pane: "logs", Query: "id:0b0b0b0b-2222-4222-8222-222222222222"},
	} {
		if msgs := press(p, k); len(msgs) != 1 || msgs[0] != want {
			t.Errorf("router %s: %v, want %v", k, msgs, want)
		}
	}
	// A router row has no server: a warning, no pivot.
	if msgs := press(p, "i"); len(msgs) != 1 {
		t.Errorf("router i: %v", msgs)
	} else if _, ok := msgs[0].(pane.ToastMsg); !ok {
		t.Errorf("router i: %v, want a toast", msgs)
	}
	if p.Pivot("section:ports host:compute04"); p.Section() != SecPorts || p.Table().Len() != 2 {
		t.Fatalf("pivot to ports on compute04: section %v, %d rows", p.Section(), p.Table().Len())
	}
}

func TestStuckResourcesPublishedToTheHostModel(t *testing.T) {
	_, _, _, msgs := loaded(t)
	m := hostmodel.New()
	for _, msg := range msgs {
		if o, ok := msg.(hostmodel.Observation); ok {
			m.Apply(o)
		}
	}
	var segs []string
	for _, sg := range m.Summarize().Segments() {
		segs = append(segs, sg.Text)
	}
	if got := strings.Join(segs, " · "); got != "3 stuck ports · 1 broken HA router" {
		t.Fatalf("strip segments %q", got)
	}
	if sev, _ := m.PaneSeverity("networks"); sev != hostmodel.Crit {
		t.Fatalf("tab severity %v", sev)
	}
}

func TestCadenceSlowerThanInstancesAndErrorsKeepData(t *testing.T) {
	p, src, now, _ := loaded(t)
	var out []tea.Msg
	tick := func(d time.Duration) {
		*now = now.Add(d)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, &out, cmd)
	}
	tick(10 * time.Second) // one instance refresh period: nothing due
	if src.portCalls != 1 || src.routeCalls != 1 {
		t.Fatalf("after 10s: ports %d, routers %d loads", src.portCalls, src.routeCalls)
	}
	tick(20 * time.Second)
	if src.portCalls != 2 || src.routeCalls != 1 {
		t.Fatalf("after 30s: ports %d, routers %d loads", src.portCalls, src.routeCalls)
	}
	src.portsErr = errors.New("neutron: 503 Service Unavailable")
	tick(30 * time.Second)
	if src.portCalls != 3 || src.routeCalls != 2 {
		t.Fatalf("after 60s: ports %d, routers %d loads", src.portCalls, src.routeCalls)
	}
	s := ansi.Strip(p.View(130, 12))
	if !strings.Contains(s, "✗ ports failed (showing data from 30s ago): neutron: 503") || p.Table().Len() != 3 {
		t.Fatalf("failed refresh lost the rows or the error:\n%s", s)
	}
}
