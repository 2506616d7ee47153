package containers

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// The log view looks at a container whose stream ended after logRetry:
// tests do not wait the real two seconds.
func init() { logRetry = 10 * time.Millisecond }

type fakeSrc struct {
	logCalls  int
	sinces    []time.Time
	runs      [][]docker.LogLine // scripted log streams, one per Logs call
	inspects  []docker.Container // scripted Inspect answers
	restarted []string
	down      map[string]bool               // hosts that stopped answering
	extra     map[string][]docker.Container // more containers of a host
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
	return append([]docker.Container{
		{Host: h, Name: "neutron_l3_agent", Image: "kolla/neutron-l3-agent:2024.1", State: "exited", ExitCode: 1},
		{Host: h, Name: "keystone", Image: "kolla/keystone:2024.1", State: "running", Health: "starting", StartedAt: now.Add(-5 * time.Second), Pid: 7},
	}, f.extra[h]...), nil
}
func (f *fakeSrc) Inspect(ctx context.Context, h, n string) (docker.Container, error) {
	if len(f.inspects) > 0 {
		c := f.inspects[0]
		f.inspects = f.inspects[1:]
		return c, nil
	}
	if slices.Contains(f.restarted, h+"/"+n) {
		return docker.Container{Host: h, Name: n, State: "running", Pid: 999}, nil
	}
	return docker.Container{Host: h, Name: n, State: "running", Pid: 100}, nil
}
func (f *fakeSrc) Restart(ctx context.Context, h, n string) error {
	f.restarted = append(f.restarted, h+"/"+n)
	return nil
}
func (f *fakeSrc) Stop(ctx context.Context, h, n string) error  { return nil }
func (f *fakeSrc) Start(ctx context.Context, h, n string) error { return nil }
func (f *fakeSrc) Logs(ctx context.Context, h, n string, o docker.LogOptions, fn func(docker.LogLine) bool) error {
	f.logCalls++
	f.sinces = append(f.sinces, o.Since)
	if len(f.runs) > 0 {
		run := f.runs[0]
		f.runs = f.runs[1:]
		for _, ln := range run {
			fn(ln)
		}
		return nil
	}
	fn(docker.LogLine{Stream: "stdout", Time: now, Text: "2026-11-22 12:00:00.000 7 INFO nova.compute.manager [-] started"})
	fn(docker.LogLine{Stream: "stderr", Time: now, Text: "2026-11-22 12:00:01.000 7 ERROR nova.compute.manager [-] \x1b[31mboom"})
	return nil
}

// fakeServices: nova-compute is up everywhere.
type fakeServices struct{}

func (fakeServices) ComputeServices(context.Context) ([]openstack.ComputeService, error) {
	return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute01", State: "up", Status: "enabled"}}, nil
}
func (fakeServices) NetworkAgents(context.Context) ([]openstack.NetworkAgent, error) { return nil, nil }
func (fakeServices) VolumeServices(context.Context) ([]openstack.VolumeService, error) {
	return nil, nil
}

func newPane(t *testing.T) (*Pane, *fakeSrc) {
	src := &fakeSrc{}
	return newPaneOf(t, src), src
}

func newPaneOf(t *testing.T, src *fakeSrc) *Pane {
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src)
	p.SetServices(fakeServices{})
	drain(t, p, p.Init())
	return p
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
	p.Table().SelectKey("compute01/nova_compute")
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
	p.Table().SelectKey("compute01/nova_compute")
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
	_, cmd = p.Update(key("v"))
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
	p.Table().SelectKey("compute01/neutron_openvswitch_agent")
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

// An unreachable host's "data X old" ages with the clock while its row is
// kept (rows are remade per host, on that host's own answer: a dead
// host's is a refresh and a timeout on).
func TestUnreachableHostAgeMovesWhenDrawn(t *testing.T) {
	p, src := newPane(t)
	clock := now
	p.ctx.Now = func() time.Time { return clock }
	clock = now.Add(4 * time.Minute)
	src.down = map[string]bool{"compute01": true}
	drain(t, p, p.Refresh())
	if out := ansi.Strip(p.View(120, 16)); !strings.Contains(out, "unreachable, data 4m old") {
		t.Fatalf("no age on the error row:\n%s", out)
	}
	clock = clock.Add(3 * time.Minute) // no answer in between
	if out := ansi.Strip(p.View(120, 16)); !strings.Contains(out, "unreachable, data 7m old") {
		t.Fatalf("the error row's age did not move:\n%s", out)
	}
}

// The error row of an unreachable host pivots by host: that host is the one
// the operator wants to see in agents, compute and logs.
func TestUnreachableHostRowPivots(t *testing.T) {
	p, _ := newPane(t)
	p.Table().SelectKey("compute04/")
	for _, c := range []struct{ key, pane, query string }{
		{"v", "agents", "host:compute04"},
		{"h", "compute", "host:compute04"},
		{"l", "logs", "host:compute04"},
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
	p, src := newPane(t)
	p.Table().SelectKey("compute01/nova_compute")
	_, cmd := p.Update(key("enter"))
	drain(t, p, cmd)
	if g := p.KeyGroups(); g[0] != "logs" {
		t.Fatalf("log view key groups %v", g)
	}
	// The fake stream has ended with the container in the same run: f
	// follows it again from the last line.
	calls := src.logCalls
	_, cmd = p.Update(key("f"))
	drain(t, p, cmd)
	if src.logCalls != calls+1 || !src.sinces[len(src.sinces)-1].Equal(now) {
		t.Fatalf("f on an ended stream did not reconnect from the last line: calls %d, since %v", src.logCalls, src.sinces)
	}
	p.logs.ended = false // a live stream: f pauses and resumes
	p.Update(key("f"))
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

// A container stops: docker ends its log stream. The view keeps the old
// run's lines (they say why it stopped), says it waits, and follows the new
// run below a separator once the container runs again, without repeating
// the lines Docker's inclusive since sends back.
func TestLogViewKeepsLinesAcrossRestart(t *testing.T) {
	defer func(a, b time.Duration) { logRetry, logRetryMax = a, b }(logRetry, logRetryMax)
	logRetry, logRetryMax = time.Millisecond, 2*time.Millisecond
	p, src := newPane(t)
	t1, t2, t3 := now.Add(time.Second), now.Add(2*time.Second), now.Add(90*time.Second)
	src.runs = [][]docker.LogLine{
		{{Stream: "stdout", Time: t1, Text: "INFO run one"}, {Stream: "stderr", Time: t2, Text: "CRITICAL oom: killing"}},
		{{Stream: "stderr", Time: t2, Text: "CRITICAL oom: killing"}, {Stream: "stdout", Time: t3, Text: "INFO run two"}},
	}
	src.inspects = []docker.Container{
		{Host: "compute01", Name: "nova_compute", State: "exited", ExitCode: 137},
		{Host: "compute01", Name: "nova_compute", State: "running", Pid: 4242, StartedAt: now.Add(80 * time.Second)},
	}
	p.Table().SelectKey("compute01/nova_compute")
	_, cmd := p.Update(key("enter"))
	// Stop after the first check: the container is exited.
	msg := cmd()
	p.Update(msg)            // run one's lines
	_, cmd = p.Update(cmd()) // stream ended -> check
	_, cmd = p.Update(cmd()) // exited (137)
	if out := ansi.Strip(p.View(100, 10)); !strings.Contains(out, "container exited (137): reconnects when it runs again") ||
		!strings.Contains(out, "CRITICAL oom: killing") {
		t.Fatalf("waiting view:\n%s", out)
	}
	drain(t, p, cmd)
	out := ansi.Strip(p.View(100, 10))
	for _, want := range []string{"INFO run one", "CRITICAL oom: killing", "── nova_compute started again at", "(pid 4242) ──", "INFO run two"} {
		if !strings.Contains(out, want) {
			t.Fatalf("view lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "CRITICAL oom") != 1 {
		t.Fatalf("the reconnect repeated a line:\n%s", out)
	}
	if len(src.sinces) < 2 || !src.sinces[1].Equal(t2) {
		t.Fatalf("reconnect asked since %v, want the last line's time %v", src.sinces, t2)
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
	p.Table().SelectKey("control01/neutron_l3_agent")
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

// Hosts' lists arriving one by one do not rebuild the rows each time: they
// are built once, when drawn (or read), and show every host's containers.
func TestHostListsRebuildOnceWhenDrawn(t *testing.T) {
	p, src := newPane(t)
	n := p.rebuilds
	for _, h := range []string{"compute01", "control01"} {
		cs, err := src.List(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		p.Update(loadedMsg{host: h, cs: cs, at: now})
	}
	if p.rebuilds != n {
		t.Fatalf("%d rebuilds before the rows were drawn", p.rebuilds-n)
	}
	out := ansi.Strip(p.View(120, 16))
	if p.rebuilds != n+1 {
		t.Fatalf("%d rebuilds for one frame, want 1", p.rebuilds-n)
	}
	if !strings.Contains(out, "nova_compute") || !strings.Contains(out, "neutron_l3_agent") {
		t.Fatalf("rows after the lists:\n%s", out)
	}
	p.View(120, 16)
	if p.rebuilds != n+1 {
		t.Fatal("a frame with nothing new rebuilt the rows")
	}
}

// manySrc: n healthy hosts, one with an unhealthy container; counts reads.
type manySrc struct {
	fakeSrc
	hosts []string
	reads map[string]int
	every map[string]time.Duration // the cadence each host's last read declared
}

func (m *manySrc) Hosts() []string { return m.hosts }
func (m *manySrc) List(ctx context.Context, h string) ([]docker.Container, error) {
	m.reads[h]++
	if m.every != nil {
		m.every[h] = cadence.Of(ctx)
	}
	health := "healthy"
	if h == "compute0007" {
		health = "unhealthy"
	}
	return []docker.Container{{Host: h, Name: "nova_compute", State: "running", Health: health}}, nil
}

// Issue 15 at 1,000 hosts: a periodic refresh reads each healthy host
// about once a minute, not once per cycle; the selected host and a host
// with a problem are read every cycle.
func TestManyHostsReadOncePerMinute(t *testing.T) {
	src := &manySrc{reads: map[string]int{}}
	for i := range 1000 {
		src.hosts = append(src.hosts, fmt.Sprintf("compute%04d", i))
	}
	clock := now
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Refresh: 3 * time.Second,
		Now: func() time.Time { return clock }}, src)
	run := func(cmd tea.Cmd) { drainAll(p, cmd) }
	run(p.Init())
	if len(src.reads) != 1000 {
		t.Fatalf("first load read %d hosts, want all 1,000", len(src.reads))
	}
	p.sel = 1 + slices.Index(p.hosts, "compute0500")
	clear(src.reads)
	for range 40 { // two minutes of 3 s cycles
		clock = clock.Add(3 * time.Second)
		_, cmd := p.Update(pane.TickMsg{})
		run(cmd)
	}
	total := 0
	for _, n := range src.reads {
		total += n
	}
	if total > 1000*2+2*40+100 {
		t.Fatalf("%d reads of 1,000 hosts in two minutes, want about 2 per host", total)
	}
	for _, h := range src.hosts {
		if n := src.reads[h]; h != "compute0500" && h != "compute0007" && (n < 1 || n > 3) {
			t.Fatalf("%s read %d times in two minutes, want 1-3", h, n)
		}
	}
	if st := p.Status(); st.Every != 0 {
		t.Fatalf("one host selected: its age label follows the refresh, not %v", st.Every)
	}
	p.sel = 0
	if st := p.Status(); st.Every != slowEvery {
		t.Fatalf("all hosts: the age label's cadence is %v, want %v (the oldest host's)", st.Every, slowEvery)
	}
	if src.reads["compute0500"] != 40 || src.reads["compute0007"] != 40 {
		t.Fatalf("selected host read %d times, problem host %d, want every cycle (40)", src.reads["compute0500"], src.reads["compute0007"])
	}
	// The slow turns declare their cadence (serve shares an answer that
	// old); the selected and problem hosts' reads do not.
	src.every = map[string]time.Duration{}
	clock = clock.Add(time.Minute)
	_, cmd := p.Update(pane.TickMsg{})
	run(cmd)
	for h, every := range src.every {
		if want := map[bool]time.Duration{true: 0, false: slowEvery}[h == "compute0007"]; every != want {
			t.Fatalf("%s read with cadence %v, want %v", h, every, want)
		}
	}
	if len(src.every) < 2 {
		t.Fatalf("one refresh read %d hosts", len(src.every))
	}
}

// Sessions of `stackpit serve` that started at their own moments read a
// slow host in the same refresh interval of the wall clock, so the shared
// read makes one request for them (each session's own oldest-first picks
// made 20 sessions 1.8x one session's Docker requests).
func TestSlowHostsReadInTheSameIntervalBySessions(t *testing.T) {
	hosts := make([]string, 100)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("compute%04d", i)
	}
	const refresh = 3 * time.Second
	type session struct {
		p     *Pane
		src   *manySrc
		clock time.Time
	}
	start := now.Truncate(refresh)
	newSession := func(offset time.Duration) *session {
		s := &session{src: &manySrc{hosts: hosts, reads: map[string]int{}}, clock: start.Add(offset)}
		s.p = New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Refresh: refresh,
			Now: func() time.Time { return s.clock }}, s.src)
		return s
	}
	run := drainAll
	// a starts 500 ms into an interval, b 37.2 s later (2.7 s into one).
	a, b := newSession(500*time.Millisecond), newSession(37*time.Second+700*time.Millisecond)
	run(a.p, a.p.Init())
	for cycle := 1; cycle <= 60; cycle++ {
		at := start.Add(time.Duration(cycle) * refresh)
		if cycle == 12 {
			run(b.p, b.p.Init())
		}
		clear(a.src.reads)
		clear(b.src.reads)
		a.clock = at.Add(500 * time.Millisecond)
		_, cmd := a.p.Update(pane.TickMsg{})
		run(a.p, cmd)
		if cycle <= 12 {
			continue
		}
		b.clock = at.Add(2700 * time.Millisecond)
		_, cmd = b.p.Update(pane.TickMsg{})
		run(b.p, cmd)
		if !maps.Equal(a.src.reads, b.src.reads) {
			t.Fatalf("interval %d: the sessions read different hosts (%d and %d hosts): their reads are not shared", cycle, len(a.src.reads), len(b.src.reads))
		}
	}
}

// A refresh that misses a host's turn (a busy session's late tick) reads
// it at the next refresh, close to the other sessions' read (which may
// still answer it), not a minute after its own last read, at a moment of
// its own.
func TestLateRefreshReadsAMissedHostNext(t *testing.T) {
	hosts := make([]string, 100)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("compute%04d", i)
	}
	const refresh = 3 * time.Second
	src := &manySrc{hosts: hosts, reads: map[string]int{}}
	start := now.Truncate(refresh)
	clock := start.Add(2900 * time.Millisecond) // ticks late in each interval
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Refresh: refresh,
		Now: func() time.Time { return clock }}, src)
	run := func(cmd tea.Cmd) { drainAll(p, cmd) }
	run(p.Init())
	cycles := int64(slowEvery / refresh)
	// A host whose turn comes in the second minute, 30 intervals on.
	skip := start.Add(30 * refresh)
	var missed string
	for _, h := range hosts {
		if int64(slowCycle(h, int(cycles))) == (skip.UnixNano()/int64(refresh))%cycles && h != "compute0007" {
			missed = h
			break
		}
	}
	if missed == "" {
		t.Skip("no host has that turn")
	}
	for k := 1; k <= 30; k++ {
		if k == 30 {
			continue // the session is busy: no refresh in the host's turn
		}
		clock = start.Add(time.Duration(k)*refresh + 2900*time.Millisecond)
		_, cmd := p.Update(pane.TickMsg{})
		run(cmd)
	}
	// The late refresh, early in the next interval.
	clock = start.Add(31*refresh + 100*time.Millisecond)
	clear(src.reads)
	_, cmd := p.Update(pane.TickMsg{})
	run(cmd)
	if src.reads[missed] != 1 {
		t.Fatalf("%s missed its turn and was not read at the next refresh", missed)
	}
}

// drainAll runs cmd and everything its messages lead to through p (no
// cap on the number of messages: 1,000 hosts' loads are many).
func drainAll(p *Pane, cmd tea.Cmd) {
	for queue := []tea.Cmd{cmd}; len(queue) > 0; queue = queue[1:] {
		if queue[0] == nil {
			continue
		}
		switch msg := queue[0]().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			_, next := p.Update(msg)
			queue = append(queue, next)
		}
	}
}

// peakSrc counts the reads running at once.
type peakSrc struct {
	manySrc
	mu        sync.Mutex
	now, peak int
}

func (s *peakSrc) List(ctx context.Context, h string) ([]docker.Container, error) {
	s.mu.Lock()
	s.now++
	s.peak = max(s.peak, s.now)
	s.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	return []docker.Container{{Host: h, Name: "nova_compute", State: "running", Health: "healthy"}}, nil
}

// TestFirstLoadBoundsHostsInFlight: Bubble Tea runs each command of a
// batch in its own goroutine; a first load at 1,000 hosts must not read
// them all at once (their goroutines held both cores and a key press
// waited 2.9 s behind them, issue 15).
func TestFirstLoadBoundsHostsInFlight(t *testing.T) {
	src := &peakSrc{}
	for i := range 200 {
		src.hosts = append(src.hosts, fmt.Sprintf("compute%04d", i))
	}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Refresh: 3 * time.Second,
		Now: func() time.Time { return now }}, src)
	batch, ok := p.Init()().(tea.BatchMsg)
	if !ok || len(batch) != 200 {
		t.Fatalf("first load: %T with %d commands, want a batch of 200", batch, len(batch))
	}
	var wg sync.WaitGroup
	msgs := make(chan tea.Msg, len(batch))
	for _, cmd := range batch {
		wg.Add(1)
		go func() { defer wg.Done(); msgs <- cmd() }()
	}
	wg.Wait()
	close(msgs)
	n := 0
	for msg := range msgs {
		p.Update(msg)
		n++
	}
	if n != 200 || src.peak > hostsInFlight {
		t.Fatalf("%d answers, at most %d reads at once; want 200 answers and at most %d at once", n, src.peak, hostsInFlight)
	}
}

// TestSelectedHostSkipsTheQueue: with every slot of reads in flight, the
// selected host's read still goes at once; another host's waits its turn.
func TestSelectedHostSkipsTheQueue(t *testing.T) {
	src := &peakSrc{}
	for i := range 40 {
		src.hosts = append(src.hosts, fmt.Sprintf("compute%04d", i))
	}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Refresh: 3 * time.Second,
		Now: func() time.Time { return now }}, src)
	for range hostsInFlight {
		p.flight <- struct{}{} // every slot taken by reads still running
	}
	p.sel = 1 + slices.Index(p.hosts, "compute0007")
	done := func(cmd tea.Cmd) chan tea.Msg {
		ch := make(chan tea.Msg, 1)
		go func() { ch <- cmd() }()
		return ch
	}
	other := done(p.load("compute0008", 0))
	select {
	case m := <-done(p.load("compute0007", 0)):
		if lm, ok := m.(loadedMsg); !ok || lm.host != "compute0007" {
			t.Fatalf("selected host's read: %#v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the selected host's read waited behind the reads in flight")
	}
	select {
	case <-other:
		t.Fatal("another host's read did not wait for a slot")
	case <-time.After(50 * time.Millisecond):
	}
	<-p.flight
	<-other
}

// A container whose inspect got no answer (docker.Container.Inspected
// false) shows its restart count, exit code and uptime as not known, not
// as 0 or "-".
func TestUninspectedContainerShowsUnknownNotZero(t *testing.T) {
	p := newPaneOf(t, &fakeSrc{extra: map[string][]docker.Container{"control01": {
		{Host: "control01", Name: "cinder_scheduler", Image: "kolla/cinder-scheduler:2024.1", State: "exited", RestartCount: -1},
		{Host: "control01", Name: "glance_api", Image: "kolla/glance-api:2024.1", State: "running", RestartCount: -1},
	}}})
	out := ansi.Strip(p.View(160, 20))
	var exited, running string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "cinder_scheduler"):
			exited = strings.TrimSpace(l)
		case strings.Contains(l, "glance_api"):
			running = strings.TrimSpace(l)
		}
	}
	if !strings.Contains(exited, "✗ exit ?") || !strings.HasSuffix(exited, " ?") {
		t.Fatalf("uninspected exited container: %q\n%s", exited, out)
	}
	if f := strings.Fields(running); len(f) < 2 || f[len(f)-1] != "?" || f[len(f)-2] != "?" {
		t.Fatalf("uninspected running container's uptime and restarts: %q", running)
	}
}

// A log view opened from a list whose inspect of the container failed
// has no start time to compare with: the first check's running container
// is the baseline, not "started again" (review); a later start is.
func TestLogViewWithoutStartTimeTakesTheFirstCheckAsBaseline(t *testing.T) {
	ctx := pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}
	l := newLogView(&fakeSrc{}, docker.Container{Host: "compute01", Name: "nova_compute", State: "running", RestartCount: -1}, ctx)
	run := docker.Container{Host: "compute01", Name: "nova_compute", State: "running", Pid: 5, StartedAt: now.Add(-time.Hour)}
	for range 2 {
		if cmd := l.onCheck(logCheckMsg{id: l.id, c: run}); cmd != nil || len(l.lines) != 0 {
			t.Fatalf("the same run counted as started again: %+v", l.lines)
		}
	}
	run.StartedAt, run.Pid = now, 6
	if cmd := l.onCheck(logCheckMsg{id: l.id, c: run}); cmd == nil || len(l.lines) != 1 || !strings.Contains(l.lines[0].Text, "started again") {
		t.Fatalf("a later start not seen: %+v", l.lines)
	}
}
