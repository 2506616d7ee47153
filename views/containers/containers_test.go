package containers

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

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type fakeSrc struct {
	restarted []string
	postCheck string
	down      map[string]bool // hosts that stopped answering
}

func (f *fakeSrc) Hosts() []string { return []string{"compute01", "compute04", "control01"} }
func (f *fakeSrc) List(ctx context.Context, h string) ([]docker.Container, error) {
	if f.down[h] {
		return nil, errors.New(h + ": docker unreachable at ssh://" + h + ": EOF")
	}
	switch h {
	case "compute04":
		return nil, errors.New("compute04: docker unreachable at ssh://compute04: ssh: connect to host compute04 port 22: No route to host")
	case "compute01":
		return []docker.Container{
			{Host: h, Name: "nova_compute", Image: "kolla/nova-compute:2024.1", State: "running", Health: "unhealthy", StartedAt: now.Add(-3 * time.Hour), RestartCount: 2, Pid: 100},
			{Host: h, Name: "neutron_openvswitch_agent", Image: "kolla/neutron-openvswitch-agent:2024.1", State: "running", Health: "healthy", StartedAt: now.Add(-50 * time.Hour), Pid: 101},
			{Host: h, Name: "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil", Image: "evil:latest", State: "running", StartedAt: now.Add(-time.Minute), Pid: 102},
		}, nil
	}
	return []docker.Container{
		{Host: h, Name: "neutron_l3_agent", Image: "kolla/neutron-l3-agent:2024.1", State: "exited", ExitCode: 1},
		{Host: h, Name: "keystone", Image: "kolla/keystone:2024.1", State: "running", Health: "starting", StartedAt: now.Add(-5 * time.Second), Pid: 7},
	}, nil
}
func (f *fakeSrc) Inspect(ctx context.Context, h, n string) (docker.Container, error) {
	return docker.Container{Host: h, Name: n, State: "running", Pid: 999}, nil
}
func (f *fakeSrc) Restart(ctx context.Context, h, n string) error {
	f.restarted = append(f.restarted, h+"/"+n)
	return nil
}
func (f *fakeSrc) Stop(ctx context.Context, h, n string) error  { return nil }
func (f *fakeSrc) Start(ctx context.Context, h, n string) error { return nil }
func (f *fakeSrc) Logs(ctx context.Context, h, n string, o docker.LogOptions, fn func(docker.LogLine) bool) error {
	fn(docker.LogLine{Stream: "stdout", Time: now, Text: "2026-11-22 12:00:00.000 7 INFO nova.compute.manager [-] started"})
	fn(docker.LogLine{Stream: "stderr", Time: now, Text: "2026-11-22 12:00:01.000 7 ERROR nova.compute.manager [-] \x1b[31mboom"})
	return nil
}
func (f *fakeSrc) PostCheck(ctx context.Context, h, n string) (string, error) {
	return f.postCheck, nil
}

func newPane(t *testing.T) (*Pane, *fakeSrc) {
	src := &fakeSrc{postCheck: "nova-compute on compute01 is up (2s)"}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src)
	drain(t, p, p.Init())
	return p, src
}

// drain runs commands and feeds their messages back (a tiny runtime).
func drain(t *testing.T, p *Pane, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 100; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		out = append(out, msg)
		_, next := p.Update(msg)
		queue = append(queue, next)
	}
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("containers", name), ansi.Strip(got), *update)
}

func key(s string) tea.KeyPressMsg {
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestGoldenProblemsFirstAndUnreachableHost(t *testing.T) {
	p, _ := newPane(t)
	for _, sz := range [][2]int{{120, 16}, {80, 20}, {60, 11}} {
		out := p.View(sz[0], sz[1])
		golden(t, filepathName(sz), out)
		for _, l := range strings.Split(ansi.Strip(out), "\n") {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Fatalf("line wider than %d: %q", sz[0], l)
			}
		}
	}
	out := ansi.Strip(p.View(120, 16))
	if strings.Contains(out, "\x1b]52") || !strings.Contains(out, `\e]52;c;`) {
		t.Fatal("escape-laden container name not rendered inert")
	}
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[2], "UNREACH") && !strings.Contains(lines[3], "nova_compute") {
		t.Fatalf("problems not first:\n%s", out)
	}
	if st := p.Status(); st.Err == nil || !strings.Contains(st.Err.Error(), "compute04") {
		t.Fatalf("status %+v", st)
	}
}

func filepathName(sz [2]int) string { return fmt.Sprintf("all_%dx%d", sz[0], sz[1]) }

func TestFilterHostCycleAndProblems(t *testing.T) {
	p, _ := newPane(t)
	p.SetFilter("group:neutron")
	out := ansi.Strip(p.View(120, 16))
	if strings.Contains(out, "keystone") || !strings.Contains(out, "neutron_l3_agent") {
		t.Fatalf("group filter:\n%s", out)
	}
	p.SetFilter("")
	p.Update(key("]"))
	out = ansi.Strip(p.View(120, 16))
	if !strings.Contains(out, "host: compute01") || strings.Contains(out, "control01") {
		t.Fatalf("host cycle:\n%s", out)
	}
	p.Update(key("!"))
	out = ansi.Strip(p.View(120, 16))
	if strings.Contains(out, "neutron_openvswitch_agent") || !strings.Contains(out, "nova_compute") {
		t.Fatalf("problems only:\n%s", out)
	}
}

func TestRestartActionIsMutatingAndPostChecks(t *testing.T) {
	p, src := newPane(t)
	p.tbl.SelectKey("compute01/nova_compute")
	msgs := drain(t, p, func() tea.Msg { _, c := p.Update(key("R")); return c() })
	var a *pane.Action
	for _, m := range msgs {
		if ra, ok := m.(pane.RunActionMsg); ok {
			a = &ra.Action
		}
	}
	if a == nil || !a.Mutates || !a.ConfirmYes || a.Target != "compute01/nova_compute" {
		t.Fatalf("action %+v", a)
	}
	res, err := a.Run(context.Background(), func(pane.Progress) {})
	if err != nil || src.restarted[0] != "compute01/nova_compute" || !strings.Contains(res, "pid 100 → 999") || !strings.Contains(res, "nova-compute on compute01 is up") {
		t.Fatalf("res %q err %v restarted %v", res, err, src.restarted)
	}
	// Stop wants the container name typed.
	msgs = drain(t, p, func() tea.Msg { _, c := p.Update(key("S")); return c() })
	for _, m := range msgs {
		if ra, ok := m.(pane.RunActionMsg); ok && ra.Action.Confirm != "nova_compute" {
			t.Fatalf("stop confirm %q", ra.Action.Confirm)
		}
	}
}

func TestLogViewSanitizedAndPivots(t *testing.T) {
	p, _ := newPane(t)
	p.tbl.SelectKey("compute01/nova_compute")
	_, cmd := p.Update(key("enter"))
	drain(t, p, cmd)
	out := ansi.Strip(p.View(100, 10))
	if !strings.Contains(out, "docker logs compute01/nova_compute") || !strings.Contains(out, `\e[31mboom`) || strings.Contains(out, "\x1b[31mboom") {
		t.Fatalf("log view:\n%q", out)
	}
	golden(t, "logs_100x10", p.View(100, 10))
	if !p.Back() || p.logs != nil {
		t.Fatal("esc did not close the log view")
	}
	_, cmd = p.Update(key("a"))
	if m, ok := cmd().(pane.PivotMsg); !ok || m.Pane != "agents" || m.Query != "host:compute01" {
		t.Fatalf("pivot %+v", m)
	}
	p.Pivot("host:control01 container:keystone")
	out = ansi.Strip(p.View(120, 16))
	if !strings.Contains(out, "host: control01") || strings.Contains(out, "neutron_l3_agent") || !strings.Contains(out, "keystone") {
		t.Fatalf("pivot in:\n%s", out)
	}
}

// A host that answered once and then went dark (power loss) keeps its rows,
// but they must not read "running ✓ healthy": they are marked unknown, the
// header says the host is unreachable, the status age comes from the hosts
// that answer, and a restart dialog warns.
func TestUnreachableHostRowsAreStaleNotHealthy(t *testing.T) {
	p, src := newPane(t)
	clock := now
	p.ctx.Now = func() time.Time { return clock }
	clock = now.Add(4 * time.Minute)
	src.down = map[string]bool{"compute01": true}
	drain(t, p, p.Refresh())
	for _, sz := range [][2]int{{120, 16}, {60, 11}} {
		golden(t, fmt.Sprintf("stale_%dx%d", sz[0], sz[1]), p.View(sz[0], sz[1]))
	}
	out := ansi.Strip(p.View(120, 16))
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "compute01") && !strings.Contains(l, "UNREACH") && (strings.Contains(l, "✓ healthy") || !strings.Contains(l, "? running")) {
			t.Fatalf("unreachable host's container shown as live: %q", l)
		}
	}
	if !strings.Contains(out, "4m old") || !strings.Contains(out, "✗ 2 unreachable") {
		t.Fatalf("stale rows not explained:\n%s", out)
	}
	// The cursor's unreachable host: its whole error (address and reason,
	// which the CONTAINER cell cuts) and the data age on the last line.
	if lines := strings.Split(out, "\n"); lines[len(lines)-1] != "✗ compute01: docker unreachable at ssh://compute01: EOF · data 4m old" {
		t.Fatalf("last line %q does not explain the cursor's unreachable host", lines[len(lines)-1])
	}
	if st := p.Status(); !st.Updated.Equal(clock) {
		t.Fatalf("status age from the unreachable host: %v", st.Updated)
	}
	p.tbl.SelectKey("compute01/neutron_openvswitch_agent")
	p.touched = true
	msgs := drain(t, p, func() tea.Msg { _, c := p.Update(key("R")); return c() })
	var checks string
	for _, m := range msgs {
		if ra, ok := m.(pane.RunActionMsg); ok {
			checks = strings.Join(ra.Action.Checks, "\n")
		}
	}
	if !strings.Contains(checks, "compute01 did not answer") || !strings.Contains(checks, "4m old") {
		t.Fatalf("restart dialog does not warn about stale state:\n%s", checks)
	}
}

// The error row of an unreachable host pivots by host: that host is the one
// the operator wants to see in agents, compute and logs.
func TestUnreachableHostRowPivots(t *testing.T) {
	p, _ := newPane(t)
	p.tbl.SelectKey("compute04/")
	for _, c := range []struct{ key, pane, query string }{
		{"a", "agents", "host:compute04"},
		{"c", "compute", "host:compute04"},
		{"L", "logs", "host:compute04"},
	} {
		_, cmd := p.Update(key(c.key))
		if cmd == nil {
			t.Fatalf("%s on the unreachable host's row does nothing", c.key)
		}
		if m, ok := cmd().(pane.PivotMsg); !ok || m.Pane != c.pane || m.Query != c.query {
			t.Fatalf("%s: pivot %+v", c.key, m)
		}
	}
}

func TestLogViewAnswersTheLogsPaneKeys(t *testing.T) {
	p, _ := newPane(t)
	p.tbl.SelectKey("compute01/nova_compute")
	_, cmd := p.Update(key("enter"))
	drain(t, p, cmd)
	if g := p.KeyGroups(); g[0] != "logs" {
		t.Fatalf("log view key groups %v", g)
	}
	p.Update(key("f")) // logs.follow: pause (the fake stream has ended, so check the state)
	if p.logs.follow {
		t.Fatal("f did not pause")
	}
	p.Update(key("f"))
	if !p.logs.follow {
		t.Fatal("f did not resume")
	}
	p.Update(key("t")) // logs.timestamps
	if out := ansi.Strip(p.View(100, 10)); strings.Contains(out, "12:00:00 2026") {
		t.Fatalf("t did not hide timestamps:\n%s", out)
	}
	p.Back()
	if g := p.KeyGroups(); g[0] != "containers" {
		t.Fatalf("key groups after closing %v", g)
	}
}

type discoveringSrc struct {
	fakeSrc
	found []string
}

func (d *discoveringSrc) DiscoverHosts(context.Context) ([]string, error) { return d.found, nil }
func (d *discoveringSrc) List(ctx context.Context, h string) ([]docker.Container, error) {
	if h == "compute09" {
		return []docker.Container{{Host: h, Name: "nova_compute", State: "running", Health: "healthy"}}, nil
	}
	return d.fakeSrc.List(ctx, h)
}

func TestHostsDiscoveredFromTheCloud(t *testing.T) {
	src := &discoveringSrc{found: []string{"compute09", "compute01"}}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src)
	drain(t, p, p.Init())
	out := ansi.Strip(p.View(120, 20))
	if !strings.Contains(out, "compute09") || strings.Count(out, "compute01  nova_compute") != 1 {
		t.Fatalf("discovered host missing or configured one doubled:\n%s", out)
	}
}

// control01's neutron_l3_agent exited while Neutron still reports its agent
// up: the container row carries the conflict mark and, under the cursor,
// what the other source says and how old that is.
func TestExitedContainerOfLiveAgentShownAsConflict(t *testing.T) {
	hosts := hostmodel.New()
	hosts.Apply(hostmodel.Observation{Pane: "agents", Source: hostmodel.Neutron, At: now.Add(-30 * time.Second),
		Facts: []hostmodel.Fact{hostmodel.ServiceFact("control01", "neutron-l3-agent", false, false)}})
	src := &fakeSrc{}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Hosts: hosts}, src)
	for _, m := range drain(t, p, p.Init()) {
		if o, ok := m.(hostmodel.Observation); ok {
			hosts.Apply(o)
			p.Update(o)
		}
	}
	if len(hosts.Conflicts()) != 1 {
		t.Fatalf("want the l3 agent conflict, got %+v", hosts.Conflicts())
	}
	p.Update(hostmodel.Observation{Source: hostmodel.Neutron}) // the shell broadcasts every observation
	p.tbl.SelectKey("control01/neutron_l3_agent")
	out := ansi.Strip(p.View(120, 12))
	if !strings.Contains(out, "✗ exit 1 ⚠") {
		t.Fatalf("row has no conflict mark:\n%s", out)
	}
	if !strings.Contains(out, "⚠ control01 neutron_l3_agent exited but service neutron-l3-agent up (neutron, 30s)") {
		t.Fatalf("no conflict detail:\n%s", out)
	}
	if s := hosts.Summarize(); s.ContainersExited != 1 || len(s.Unreachable) != 1 || s.Unreachable[0] != hostmodel.Docker {
		t.Fatalf("containers did not publish (exited count, unreachable compute04): %+v", s)
	}
	golden(t, "conflict_120x12", out)
}
