package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var tIncident = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// incident is the demo story in observations: compute04 down, two CRIT
// alerts and a WARN, Ceph HEALTH_WARN with an OSD down, a dead DHCP agent
// on control02 and control03's l3 agent up while its container exited.
func incident() []hostmodel.Observation {
	return []hostmodel.Observation{
		{Pane: "one", Source: hostmodel.Nova, At: tIncident, Facts: []hostmodel.Fact{
			hostmodel.ServiceFact("compute04", "nova-compute", true, false),
			hostmodel.ServiceFact("compute01", "nova-compute", false, false)}},
		{Pane: "one", Source: hostmodel.Neutron, At: tIncident, Facts: []hostmodel.Fact{
			hostmodel.ServiceFact("compute04", "neutron-openvswitch-agent", true, false),
			hostmodel.ServiceFact("control02", "neutron-dhcp-agent", true, false),
			hostmodel.ServiceFact("control03", "neutron-l3-agent", false, false)}},
		{Pane: "two", Source: hostmodel.Alerts, At: tIncident, Facts: []hostmodel.Fact{
			{Host: "compute04", Kind: hostmodel.Alert, Name: "NovaComputeDown", ID: "a", State: hostmodel.Firing, Severity: hostmodel.Crit},
			{Host: "compute04", Kind: hostmodel.Alert, Name: "HostDown", ID: "b", State: hostmodel.Firing, Severity: hostmodel.Crit},
			{Kind: hostmodel.Alert, Name: "CephOSDDown", ID: "c", State: hostmodel.Firing, Severity: hostmodel.Warn}}},
		{Pane: "two", Source: hostmodel.Ceph, At: tIncident, Facts: []hostmodel.Fact{
			{Kind: hostmodel.Health, Name: "ceph", State: "HEALTH_WARN", Severity: hostmodel.Warn},
			{Host: "compute04", Kind: hostmodel.OSD, Name: "osd.12", State: hostmodel.Down, Severity: hostmodel.Warn}}},
		{Pane: "two", Source: hostmodel.Docker, Scope: "control03", At: tIncident, Facts: []hostmodel.Fact{
			{Host: "control03", Kind: hostmodel.Container, Name: "neutron_l3_agent", State: "exited", Detail: "1", Severity: hostmodel.Crit}}},
	}
}

func line(t *testing.T, screen string, n int) string {
	t.Helper()
	ls := strings.Split(ansi.Strip(screen), "\n")
	if n >= len(ls) {
		t.Fatalf("no line %d:\n%s", n, screen)
	}
	return ls[n]
}

func TestStripFollowsTheIncident(t *testing.T) {
	e := newEnv(t, false)
	if got := line(t, e.m.Render(), 2); !strings.Contains(got, "no host data yet") {
		t.Fatalf("strip before any load: %q", got)
	}
	for _, o := range incident() {
		e.drain(func() tea.Msg { return o })
	}
	want := "✗ 1 host DOWN (compute04) · 2 CRIT · 1 WARN · HEALTH_WARN · 1 OSD down · 1 agent down · 1 container exited · 1 conflict between sources"
	if got := line(t, e.m.Render(), 2); !strings.HasPrefix(got, want[:78]) {
		t.Fatalf("strip\n got %q\nwant %q", got, want)
	}
	golden(t, "strip_incident_80x24", e.m.Render())
	e.m.Update(tea.WindowSizeMsg{Width: 160, Height: 10})
	if got := line(t, e.m.Render(), 2); strings.TrimRight(got, " ") != want {
		t.Fatalf("strip at 160 columns\n got %q\nwant %q", got, want)
	}
	// The strip is on every pane.
	e.press("tab")
	if got := line(t, e.m.Render(), 2); !strings.HasPrefix(got, "✗ 1 host DOWN") {
		t.Fatalf("strip on pane two: %q", got)
	}
	// The host recovers and the container runs: the strip says so.
	e.drain(func() tea.Msg {
		return hostmodel.Observation{Pane: "one", Source: hostmodel.Nova, At: tIncident.Add(time.Minute), Facts: []hostmodel.Fact{
			hostmodel.ServiceFact("compute04", "nova-compute", false, false)}}
	})
	e.drain(func() tea.Msg {
		return hostmodel.Observation{Pane: "two", Source: hostmodel.Docker, Scope: "control03", At: tIncident.Add(time.Minute)}
	})
	got := line(t, e.m.Render(), 2)
	if strings.Contains(got, "DOWN") || strings.Contains(got, "container") || strings.Contains(got, "conflict") {
		t.Fatalf("strip after recovery: %q", got)
	}
}

func TestStripSaysAllClear(t *testing.T) {
	e := newEnv(t, false)
	e.drain(func() tea.Msg {
		return hostmodel.Observation{Pane: "one", Source: hostmodel.Nova, At: tIncident, Facts: []hostmodel.Fact{
			hostmodel.ServiceFact("compute01", "nova-compute", false, false)}}
	})
	if got := line(t, e.m.Render(), 2); !strings.HasPrefix(got, "✓ no incident") {
		t.Fatalf("strip: %q", got)
	}
}

// downPane is a pane whose backend does not answer.
type downPane struct{ *fakePane }

func (d downPane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) { return d, nil }
func (d downPane) Status() pane.Status {
	return pane.Status{Err: errors.New("alertmanager: connection refused")}
}

func TestTabMarkersBySeverityAndUnreachable(t *testing.T) {
	e := newEnv(t, false)
	three := &fakePane{id: "three", ctx: e.one.ctx}
	four := downPane{&fakePane{id: "four", ctx: e.one.ctx}}
	e.m.o.Panes = append(e.m.o.Panes, Entry{ID: "three", Title: "Three", Pane: three}, Entry{ID: "four", Title: "Four", Pane: four},
		Entry{ID: "five", Title: "Five", Pane: NewPlaceholder("five", "Five", errors.New("not configured"), e.m.th)})
	e.m.filters = make([]string, len(e.m.o.Panes))
	tabs := func() string { return line(t, e.m.Render(), 1) }
	if got := tabs(); strings.ContainsAny(got, "✗⚠!") || !strings.Contains(got, "4 Four?") || strings.Contains(got, "Five?") {
		t.Fatalf("before any incident: %q", got)
	}
	for _, o := range incident() {
		e.drain(func() tea.Msg { return o })
	}
	// One holds compute04's nova-compute DOWN: CRIT; Three only a WARN
	// alert; Four's backend is unreachable (and its last alert CRIT).
	e.drain(func() tea.Msg {
		return hostmodel.Observation{Pane: "three", Source: hostmodel.Alerts, At: tIncident, Facts: []hostmodel.Fact{
			{Kind: hostmodel.Alert, Name: "Disk", State: hostmodel.Firing, Severity: hostmodel.Warn}}}
	})
	e.drain(func() tea.Msg {
		return hostmodel.Observation{Pane: "four", Source: hostmodel.Prometheus, At: tIncident, Facts: []hostmodel.Fact{
			{Kind: hostmodel.Alert, Name: "X", State: hostmodel.Firing, Severity: hostmodel.Crit}}}
	})
	want := " 1 One✗  2 Two✗  3 Three⚠  4 Four✗?  5 Five "
	if got := strings.TrimRight(tabs(), " "); got != strings.TrimRight(want, " ") {
		t.Fatalf("tabs\n got %q\nwant %q", got, want)
	}
	golden(t, "tabs_markers_80x24", e.m.Render())
	// NO_COLOR: the marks are symbols, so nothing is lost without colour.
	nc := themes.Build(themes.Spec{Name: "nc"}, true)
	e.m.th = nc
	if got := ansi.Strip(e.m.tabs(80)); !strings.Contains(got, "One✗") || !strings.Contains(got, "Three⚠") || !strings.Contains(got, "Four✗?") {
		t.Fatalf("no-colour tabs lost a mark: %q", got)
	}
	// Narrow: tabs scrolled out of view still show their worst mark.
	e.m.th = e.one.ctx.Theme
	e.m.Activate(4)
	e.m.Update(tea.WindowSizeMsg{Width: 24, Height: 10})
	if got := tabs(); !strings.HasPrefix(got, "✗‹ 4 Four✗?") {
		t.Fatalf("hidden tabs' marks: %q", got)
	}
}

// After :cloud, an observation from a pane of the old cloud (it reads the
// old model) lands in nothing.
func TestObservationOfAnotherSessionDropped(t *testing.T) {
	e := newEnv(t, false)
	old := hostmodel.New()
	o := incident()[0]
	o.For = old
	e.drain(func() tea.Msg { return o })
	if e.m.hosts().Summarize().Known {
		t.Fatal("an old cloud's observation reached this session's model")
	}
	o.For = e.m.hosts()
	e.drain(func() tea.Msg { return o })
	if len(e.m.hosts().Summarize().HostsDown) != 1 {
		t.Fatal("this session's observation was not applied")
	}
}
