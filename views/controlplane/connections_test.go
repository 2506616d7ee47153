package controlplane

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// novaModel is a host model as the compute pane leaves it: Nova's
// nova-compute services and the hypervisors' host_ip addresses.
func novaModel(up map[string]bool, addrs map[string]string) *hostmodel.Model {
	m := hostmodel.New()
	var fs []hostmodel.Fact
	for h, u := range up {
		fs = append(fs, hostmodel.ServiceFact(h, "nova-compute", !u, false))
	}
	m.Apply(hostmodel.Observation{Pane: "compute", Source: hostmodel.Nova, At: fixedNow, Facts: fs})
	var as []hostmodel.Fact
	for ip, h := range addrs {
		as = append(as, hostmodel.Fact{Host: h, Kind: hostmodel.Address, Name: ip})
	}
	m.Apply(hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, At: fixedNow, Facts: as})
	return m
}

func connLines(t *testing.T, p *Pane) []string {
	t.Helper()
	for p.Section() != SecConns {
		key(p, "]")
	}
	return strings.Split(screen(t, p, 130, 30), "\n")
}

// The fixture's nova-compute connections come from 10.0.0.21 and .22
// (compute01, compute02 by their host_ip); compute03 is up in Nova with
// none, compute04 down with none: the up one is the alarm, first.
func TestConnectionsPerHostShowMissingNovaCompute(t *testing.T) {
	hap := haproxyFixture(t)
	ctx := paneCtx()
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute02": true, "compute03": true, "compute04": false},
		map[string]string{"10.0.0.21": "compute01", "10.0.0.22": "compute02"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: hap})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	lines := connLines(t, p)
	out := strings.Join(lines, "\n")
	var rows []string
	for i, l := range lines {
		if strings.HasPrefix(l, "SERVICE") {
			rows = lines[i+1:]
		}
	}
	if len(rows) < 4 || !strings.HasPrefix(rows[0], "nova-compute") || !strings.Contains(rows[0], "compute03") ||
		!strings.Contains(rows[0], "✗ no connection (nova: up)") {
		t.Fatalf("first row must be compute03's missing connection:\n%s", out)
	}
	if !strings.Contains(rows[1], "compute04") || !strings.Contains(rows[1], "no connection (nova: down)") {
		t.Fatalf("second row must be compute04 (down in Nova):\n%s", out)
	}
	if !strings.Contains(out, "nova-compute: 2 of 4 Nova knows connected · ✗ 1 up in Nova without a connection") {
		t.Fatalf("summary:\n%s", out)
	}
	// compute01's two connections grouped on one row, by its host_ip
	found := false
	for _, r := range rows {
		if strings.HasPrefix(r, "nova-compute") && strings.Contains(r, "compute01") {
			found = strings.Contains(r, " 2 ") && strings.Contains(r, "10.0.0.21") && strings.Contains(r, "connected")
		}
	}
	if !found {
		t.Fatalf("compute01 row:\n%s", out)
	}
	// the pivots act on the missing service's host
	if h := p.SelectedHost(); h != "compute03" {
		t.Fatalf("selected host %q", h)
	}
	if m, ok := key(p, "c")().(pane.PivotMsg); !ok || m.Query != "host:compute03" {
		t.Fatalf("%+v", m)
	}
	// the host model learns compute03's missing connection as CRIT,
	// compute04's as WARN
	var conn *hostmodel.Observation
	for i := range obs {
		if obs[i].Scope == "connections" {
			conn = &obs[i]
		}
	}
	if conn == nil || len(conn.Facts) != 2 {
		t.Fatalf("connections observation: %+v", obs)
	}
	for _, f := range conn.Facts {
		want := map[string]hostmodel.Severity{"compute03": hostmodel.Crit, "compute04": hostmodel.Warn}[f.Host]
		if f.Kind != hostmodel.RabbitConn || f.Name != "nova-compute" || f.Severity != want {
			t.Errorf("%+v", f)
		}
	}
}

// Without Nova's services the pane says it cannot tell, never "missing".
func TestConnectionsWithoutNovaCannotTell(t *testing.T) {
	p := New(paneCtx(), Sources{Rabbit: rabbitFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	out := strings.Join(connLines(t, p), "\n")
	if strings.Contains(out, "no connection") || !strings.Contains(out, "Nova's service list not loaded yet") {
		t.Fatalf("%s", out)
	}
	for _, o := range obs {
		if o.Scope == "connections" {
			t.Fatalf("published %+v", o)
		}
	}
}

// collect runs cmd like runAll and keeps the observations the pane sends.
func collect(p *Pane, cmd func() tea.Msg, obs *[]hostmodel.Observation) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			collect(p, c, obs)
		}
		return
	case hostmodel.Observation:
		*obs = append(*obs, m)
		return
	}
	_, next := p.Update(msg)
	collect(p, next, obs)
}

// Nova's services known but not the hypervisors' addresses: a connection
// from 10.0.0.21 could be compute03's, so nothing is called missing.
func TestConnectionsFromUnknownAddressesCannotTell(t *testing.T) {
	ctx := paneCtx()
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute03": true}, nil)
	p := New(ctx, Sources{Rabbit: rabbitFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	out := strings.Join(connLines(t, p), "\n")
	if strings.Contains(out, "no connection") || !strings.Contains(out, "nova-compute: 2 connection peer(s) no known host has as its address (10.0.0.21 10.0.0.22)") {
		t.Fatalf("%s", out)
	}
	// the compute pane reads the hypervisors: now it can tell
	ctx.Hosts.Apply(hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, At: fixedNow, Facts: []hostmodel.Fact{
		{Host: "compute01", Kind: hostmodel.Address, Name: "10.0.0.21"}, {Host: "compute02", Kind: hostmodel.Address, Name: "10.0.0.22"}}})
	obs = nil
	_, cmd := p.Update(hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement})
	collect(p, cmd, &obs) // the check, off the UI goroutine, and its facts
	if len(obs) == 0 || obs[len(obs)-1].Scope != "connections" {
		t.Fatalf("no observation published once the addresses are known: %+v", obs)
	}
	out = strings.Join(connLines(t, p), "\n")
	if !strings.Contains(out, "✗ no connection (nova: up)") || !strings.Contains(out, "compute03") {
		t.Fatalf("%s", out)
	}
}

// A controller's row: its RabbitMQ node, its HAProxy servers, its
// memcached and the VIPs it holds, from the host model; pivots act on it.
func TestControllerRows(t *testing.T) {
	p, _ := loaded(t)
	for p.Section() != SecControllers {
		key(p, "]")
	}
	out := screen(t, p, 140, 30)
	for _, want := range []string{
		"controller1  running", "3 UP", "10.0.0.250",
		"controller3  ✗ not running", "0 UP · ✗ DOWN keystone_internal", "✗ down",
		"✗ Donor/Desynced", // controller2's Galera node
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q\n%s", want, out)
		}
	}
	key(p, "G")
	if m, ok := key(p, "l")().(pane.PivotMsg); !ok || m.Pane != "logs" || m.Query != "host:controller3" {
		t.Fatalf("%+v", m)
	}
}

// Another pane's observation that leaves Nova's services and the known
// addresses as they were does not make the connection rows again; one
// that changes them does, and the rows follow.
func TestConnectionsRebuiltOnlyWhenTheirInputsChange(t *testing.T) {
	ctx := paneCtx()
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute02": true, "compute03": true},
		map[string]string{"10.0.0.21": "compute01", "10.0.0.22": "compute02"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	n := p.connBuilds
	other := hostmodel.Observation{Pane: "containers", Source: hostmodel.Docker, At: fixedNow,
		Facts: []hostmodel.Fact{{Host: "compute01", Kind: hostmodel.Container, Name: "nova_compute", State: hostmodel.Up}}}
	ctx.Hosts.Apply(other)
	p.Update(other)
	if p.connBuilds != n {
		t.Fatalf("an observation changing no input made the connection rows %d times", p.connBuilds-n)
	}
	if strings.Contains(strings.Join(connLines(t, p), "\n"), "compute04") {
		t.Fatal("compute04 shown before Nova knew it")
	}
	nova := hostmodel.Observation{Pane: "compute", Source: hostmodel.Nova, At: fixedNow, Facts: []hostmodel.Fact{
		hostmodel.ServiceFact("compute01", "nova-compute", false, false), hostmodel.ServiceFact("compute02", "nova-compute", false, false),
		hostmodel.ServiceFact("compute03", "nova-compute", false, false), hostmodel.ServiceFact("compute04", "nova-compute", false, false)}}
	ctx.Hosts.Apply(nova)
	_, cmd := p.Update(nova)
	collect(p, cmd, &obs)
	if p.connBuilds == n {
		t.Fatal("Nova's services changed, the connection rows were not made again")
	}
	if out := strings.Join(connLines(t, p), "\n"); !strings.Contains(out, "compute04") {
		t.Fatalf("compute04 (new in Nova, no connection) not shown:\n%s", out)
	}
}

// twoComputesLoaded is a pane on the fixtures' broker and HAProxy, with
// compute01 and compute02 up in Nova at their addresses, its first answers
// in.
func twoComputesLoaded(t *testing.T) (*Pane, pane.Context) {
	t.Helper()
	ctx := paneCtx()
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute02": true},
		map[string]string{"10.0.0.21": "compute01", "10.0.0.22": "compute02"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	return p, ctx
}

// A host's refresh that brings nothing new (the same facts, newer) makes
// no controller or connection rows (issue 15: with 1,000 hosts each
// host's refresh redid them, a fifth of the cockpit's CPU); a change does.
func TestRefreshWithNothingNewMakesNoRows(t *testing.T) {
	p, ctx := twoComputesLoaded(t)
	ct := func(at time.Time, state string) hostmodel.Observation {
		return hostmodel.Observation{Pane: "containers", Source: hostmodel.Docker, Scope: "compute01", At: at,
			Facts: []hostmodel.Fact{{Host: "compute01", Kind: hostmodel.Container, Name: "nova_compute", State: state}}}
	}
	o := ct(fixedNow, hostmodel.Up)
	ctx.Hosts.Apply(o)
	p.Update(o)
	n := p.obsBuilds
	for i := 1; i <= 5; i++ {
		o := ct(fixedNow.Add(time.Duration(i)*10*time.Second), hostmodel.Up)
		ctx.Hosts.Apply(o)
		p.Update(o)
	}
	if p.obsBuilds != n {
		t.Fatalf("5 refreshes with nothing new made the rows %d times", p.obsBuilds-n)
	}
	o = ct(fixedNow.Add(time.Minute), "exited")
	ctx.Hosts.Apply(o)
	p.Update(o)
	if p.obsBuilds != n+1 {
		t.Fatalf("a container that exited made the rows %d times, want 1", p.obsBuilds-n)
	}
}

// A RabbitMQ answer with the same peers (only channel counts moved)
// checks no connection again; one where a host's connection is gone
// does, and the pane says so. Issue 15: at 1,000 hosts every answer
// grouped every broker connection twice, hidden or not.
func TestConnectionsCheckedAgainOnlyWhenPeersChange(t *testing.T) {
	p, _ := twoComputesLoaded(t)
	n := p.connChecks
	if n == 0 || !p.conn.known || len(p.conn.missing) != 0 {
		t.Fatalf("loaded: %d checks, %+v", n, p.conn)
	}
	var obs []hostmodel.Observation
	answer := func(s rabbitmq.Snapshot) {
		_, cmd := p.Update(rabbitMsg{s: s, at: fixedNow})
		collect(p, cmd, &obs)
	}
	s := p.rabbit
	s.Connections = append([]rabbitmq.Connection(nil), s.Connections...)
	for i := range s.Connections {
		s.Connections[i].Channels += 3
	}
	answer(s)
	if p.connChecks != n {
		t.Fatalf("an answer with the same peers checked the connections %d times", p.connChecks-n)
	}
	var kept []rabbitmq.Connection
	for _, c := range s.Connections {
		if c.PeerHost != "10.0.0.22" {
			kept = append(kept, c)
		}
	}
	s.Connections = kept
	answer(s)
	if p.connChecks != n+1 {
		t.Fatalf("compute02's connection gone: %d checks, want 1", p.connChecks-n)
	}
	if out := strings.Join(connLines(t, p), "\n"); !strings.Contains(out, "compute02") || !strings.Contains(out, "✗ no connection (nova: up)") {
		t.Fatalf("compute02's missing connection not shown:\n%s", out)
	}
	// Same peers, one connection's client host changed: checked again.
	s.Connections = append([]rabbitmq.Connection(nil), s.Connections...)
	s.Connections[0].ClientHost += "-moved"
	answer(s)
	if p.connChecks != n+2 {
		t.Fatalf("a client host moved: %d checks, want 2", p.connChecks-n)
	}
}

// withoutPeers is s with the connections from these addresses gone.
func withoutPeers(s rabbitmq.Snapshot, peers ...string) rabbitmq.Snapshot {
	var kept []rabbitmq.Connection
	for _, c := range s.Connections {
		if !slices.Contains(peers, c.PeerHost) {
			kept = append(kept, c)
		}
	}
	s.Connections = kept
	return s
}

// The connection check runs in a command, off the UI goroutine (issue 15:
// 22-31 ms of it at 1,000 hosts). Until its result comes the pane says
// the check is under way (the last result stays, said to be checked
// again), calls nothing newly missing and publishes no facts; the UI
// goroutine draws and takes answers while it runs.
func TestConnectionCheckPendingUntilItsResultComes(t *testing.T) {
	p, _ := twoComputesLoaded(t)
	connLines(t, p) // on screen
	_, cmd := p.Update(rabbitMsg{s: withoutPeers(p.rabbit, "10.0.0.22"), at: fixedNow})
	if cmd == nil {
		t.Fatal("compute02's connection gone: no check started")
	}
	done := make(chan tea.Msg)
	go func() { done <- cmd() }() // the runtime runs commands on their own goroutines
	out := strings.Join(connLines(t, p), "\n")
	if !strings.Contains(out, "2 of 2 Nova knows connected · checking again…") || strings.Contains(out, "no connection") {
		t.Fatalf("before its result the check is not shown as under way:\n%s", out)
	}
	if pub := p.publishConns(true); pub != nil {
		t.Fatalf("a check under way published facts: %+v", pub())
	}
	var obs []hostmodel.Observation
	collect(p, func() tea.Msg { return <-done }, &obs)
	out = strings.Join(connLines(t, p), "\n")
	if strings.Contains(out, "checking") || !strings.Contains(out, "✗ no connection (nova: up)") || !strings.Contains(out, "1 of 2 Nova knows connected") {
		t.Fatalf("the check's result not shown:\n%s", out)
	}
	var facts []hostmodel.Fact
	for _, o := range obs {
		if o.Scope == "connections" {
			facts = o.Facts
		}
	}
	if len(facts) == 0 || facts[0].Host != "compute02" {
		t.Fatalf("compute02's missing connection not published: %+v", obs)
	}
}

// A check's result whose inputs are no longer current is dropped: the
// connections moved again while it ran, and the check of the newer ones
// decides. Applying it would start that check a second time.
func TestStaleConnectionCheckDropped(t *testing.T) {
	p, _ := twoComputesLoaded(t)
	connLines(t, p) // on screen
	first := p.rabbit
	_, older := p.Update(rabbitMsg{s: withoutPeers(first, "10.0.0.22"), at: fixedNow})
	_, newer := p.Update(rabbitMsg{s: withoutPeers(first, "10.0.0.21", "10.0.0.22"), at: fixedNow})
	if older == nil || newer == nil {
		t.Fatal("a check not started for each change")
	}
	var stale tea.Msg
	for _, c := range older().(tea.BatchMsg) {
		if m, ok := c().(connCheckedMsg); ok {
			stale = m
		}
	}
	if stale == nil {
		t.Fatal("the first answer started no check")
	}
	n := p.connChecks
	var obs []hostmodel.Observation
	collect(p, func() tea.Msg { return stale }, &obs)
	if p.connDropped != 1 || p.connChecks != n || len(obs) != 0 {
		t.Fatalf("the stale result: %d dropped, %d checks started again, published %+v", p.connDropped, p.connChecks-n, obs)
	}
	// The last result (the first load's: all connected) stays, said to
	// be checked again; the stale one's missing compute02 is not shown.
	if out := strings.Join(connLines(t, p), "\n"); !strings.Contains(out, "2 of 2 Nova knows connected · checking again…") || strings.Contains(out, "no connection") {
		t.Fatalf("the stale result shown:\n%s", out)
	}
	collect(p, newer, &obs)
	out := strings.Join(connLines(t, p), "\n")
	if !strings.Contains(out, "0 of 2 Nova knows connected") || strings.Count(out, "✗ no connection (nova: up)") != 2 {
		t.Fatalf("the current check not shown:\n%s", out)
	}
}

// A check of new peers leaves the last result on screen, said to be
// checked again: its "no connection" rows stay where the cursor is
// (review of cpcheck: they blinked out while the check ran, and the
// cursor moved off the alarm row it was on).
func TestRecheckKeepsMissingRowsAndCursor(t *testing.T) {
	p, _ := twoComputesLoaded(t)
	connLines(t, p)
	var obs []hostmodel.Observation
	s := withoutPeers(p.rabbit, "10.0.0.22")
	_, cmd := p.Update(rabbitMsg{s: s, at: fixedNow})
	collect(p, cmd, &obs)
	connLines(t, p)
	p.conns.Move(1)
	p.conns.Move(-1) // touched, on row 0
	r, _ := p.conns.Selected()
	s2 := s
	s2.Connections = slices.Clone(s.Connections)
	slices.Reverse(s2.Connections)           // same hosts, another order: checked again
	p.Update(rabbitMsg{s: s2, at: fixedNow}) // the check's command not run yet
	lines := strings.Join(connLines(t, p), "\n")
	if !strings.Contains(lines, "checking again") || !strings.Contains(lines, "no connection") {
		t.Errorf("while the check runs, want the last result with its missing row, said to be checked again:\n%s", lines)
	}
	if r2, _ := p.conns.Selected(); r2.Key != r.Key {
		t.Fatalf("cursor moved from %s to %s while a check with the same outcome ran", r.Key, r2.Key)
	}
}
