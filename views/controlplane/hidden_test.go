package controlplane

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/hostmodel"
)

// A hidden pane makes no rows on its answers: it sends their observations
// (the missing-connection facts too) at once and makes its tables once,
// when drawn. On screen, each answer makes them (issue 15: at 1,000 hosts
// the hidden control-plane pane remade its connection and controller rows
// on every RabbitMQ/HAProxy answer, on the UI goroutine).
func TestHiddenPaneMakesRowsWhenDrawn(t *testing.T) {
	now := fixedNow
	ctx := paneCtx()
	ctx.Now = func() time.Time { return now }
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute02": true, "compute03": true},
		map[string]string{"10.0.0.21": "compute01", "10.0.0.22": "compute02"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	for range 5 {
		collect(p, p.Refresh(), &obs)
	}
	if p.builds != 0 {
		t.Fatalf("a hidden pane made its tables %d times over 6 answers of each backend", p.builds)
	}
	count := func(src hostmodel.Source, scope string) (n int, last hostmodel.Observation) {
		for _, o := range obs {
			if o.Source == src && o.Scope == scope {
				n, last = n+1, o
			}
		}
		return n, last
	}
	if n, _ := count(hostmodel.HAProxy, ""); n != 6 {
		t.Fatalf("HAProxy observations %d, want 6 (one per answer)", n)
	}
	if n, c := count(hostmodel.RabbitMQ, "connections"); n != 6 || len(c.Facts) != 1 || c.Facts[0].Host != "compute03" {
		t.Fatalf("missing-connection observations %d (want 6), last %+v", n, c)
	}
	// Nova learns compute04 while the pane is hidden: its missing
	// connection goes to the host model now, the rows wait.
	nova := hostmodel.Observation{Pane: "compute", Source: hostmodel.Nova, At: fixedNow, Facts: []hostmodel.Fact{
		hostmodel.ServiceFact("compute01", "nova-compute", false, false), hostmodel.ServiceFact("compute02", "nova-compute", false, false),
		hostmodel.ServiceFact("compute03", "nova-compute", false, false), hostmodel.ServiceFact("compute04", "nova-compute", false, false)}}
	ctx.Hosts.Apply(nova)
	_, cmd := p.Update(nova)
	obs = obs[:0]
	collect(p, cmd, &obs)
	if _, c := count(hostmodel.RabbitMQ, "connections"); len(c.Facts) != 2 {
		t.Fatalf("compute04's missing connection not published while hidden: %+v", obs)
	}
	if p.builds != 0 {
		t.Fatalf("a hidden pane made its tables on an observation (%d)", p.builds)
	}
	// Drawn: one build, and it shows everything that came.
	out := strings.Join(connLines(t, p), "\n")
	if p.builds != 1 {
		t.Fatalf("drawing made the tables %d times, want 1", p.builds)
	}
	if !strings.Contains(out, "compute03") || !strings.Contains(out, "compute04") {
		t.Fatalf("rows made on the draw miss what came while hidden:\n%s", out)
	}
	// On screen, each answer makes them.
	collect(p, p.Refresh(), &obs)
	if p.builds != 3 {
		t.Fatalf("on screen, 2 answers made the tables %d times, want 2", p.builds-1)
	}
	// Hidden again (no draw within the window): answers wait again.
	now = now.Add(10 * time.Second)
	collect(p, p.Refresh(), &obs)
	if p.builds != 3 {
		t.Fatalf("hidden again, answers made the tables %d times", p.builds-3)
	}
	if h := p.SelectedHost(); h != "compute03" || p.builds != 4 {
		t.Fatalf("reading the rows of a stale pane: host %q, builds %d (want compute03, 4)", h, p.builds)
	}
}

// Only an observation that can move Nova's services or the known
// addresses reads the connection inputs again: another source's facts
// changing (a container exiting) does not.
func TestOtherSourcesReadNoConnectionInputs(t *testing.T) {
	ctx := paneCtx()
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute02": true, "compute03": true},
		map[string]string{"10.0.0.21": "compute01"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	n := p.connReads
	for i, state := range []string{hostmodel.Up, "exited", hostmodel.Up} {
		o := hostmodel.Observation{Pane: "containers", Source: hostmodel.Docker, Scope: "compute01", At: fixedNow.Add(time.Duration(i) * time.Second),
			Facts: []hostmodel.Fact{{Host: "compute01", Kind: hostmodel.Container, Name: "nova_compute", State: state}}}
		v := ctx.Hosts.FactsVersion()
		ctx.Hosts.Apply(o)
		if i > 0 && ctx.Hosts.FactsVersion() == v {
			t.Fatal("the container's state change moved no facts: the test tests nothing")
		}
		p.Update(o)
	}
	if p.connReads != n {
		t.Fatalf("3 Docker observations read the connection inputs %d times", p.connReads-n)
	}
	// compute02's address arrives from Placement: the connection from
	// 10.0.0.22 is its own, and compute03's is the one missing.
	if out := strings.Join(connLines(t, p), "\n"); !strings.Contains(out, "(10.0.0.22): missing connections cannot be told") {
		t.Fatalf("before the address:\n%s", out)
	}
	n = p.connReads
	pl := hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, At: fixedNow, Facts: []hostmodel.Fact{
		{Host: "compute01", Kind: hostmodel.Address, Name: "10.0.0.21"}, {Host: "compute02", Kind: hostmodel.Address, Name: "10.0.0.22"}}}
	ctx.Hosts.Apply(pl)
	_, cmd := p.Update(pl)
	if p.connReads == n {
		t.Fatal("a Placement observation did not read the connection inputs")
	}
	obs = obs[:0]
	collect(p, cmd, &obs)
	for _, o := range obs {
		if o.Scope == "connections" {
			if len(o.Facts) != 1 || o.Facts[0].Host != "compute03" {
				t.Fatalf("want compute03's missing connection only: %+v", o.Facts)
			}
			return
		}
	}
	t.Fatalf("the missing-connection facts did not follow the new address: %+v", obs)
}

// Hidden by the shell (another pane took the screen) right after a draw:
// its answers wait for the next draw, not the end of the window.
func TestHideDefersAnswersAtOnce(t *testing.T) {
	ctx := paneCtx()
	ctx.Now = func() time.Time { return fixedNow }
	ctx.Hosts = novaModel(map[string]bool{"compute01": true}, map[string]string{"10.0.0.21": "compute01"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	connLines(t, p)
	b := p.builds
	p.Hide()
	collect(p, p.Refresh(), &obs)
	if p.builds != b {
		t.Fatalf("hidden by the shell, 2 answers made the tables %d times, want 0", p.builds-b)
	}
	connLines(t, p)
	if p.builds != b+1 {
		t.Fatalf("drawn again: %d builds, want 1", p.builds-b)
	}
}

// On screen, an answer makes the tables it feeds: an HAProxy answer does
// not make the connection table again (issue 15: at 1,000 hosts each
// answer of any backend remade it).
func TestAnswerMakesItsOwnTables(t *testing.T) {
	ctx := paneCtx()
	ctx.Now = func() time.Time { return fixedNow }
	ctx.Hosts = novaModel(map[string]bool{"compute01": true, "compute03": true}, map[string]string{"10.0.0.21": "compute01"})
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: haproxyFixture(t)})
	var obs []hostmodel.Observation
	collect(p, p.Init(), &obs)
	connLines(t, p) // on screen
	c, b := p.connMakes, p.builds
	st, err := haproxyFixture(t).Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p.Update(hapMsg{st: st, at: fixedNow})
	if p.builds != b+1 || p.connMakes != c {
		t.Fatalf("an HAProxy answer on screen: %d builds (want 1), connection table made %d times (want 0)", p.builds-b, p.connMakes-c)
	}
	p.Update(rabbitMsg{s: rabbitFixture(t).Snapshot(context.Background()), at: fixedNow})
	if p.connMakes == c {
		t.Fatal("a RabbitMQ answer on screen did not make the connection table")
	}
	if strings.Contains(strings.Join(connLines(t, p), "\n"), "compute02") {
		t.Fatal("compute02 named before any source gave its address")
	}
	// An HAProxy answer that moves a server's address names connection
	// peers anew (peerAddrs): the connection table is made again.
	moved := st
	moved.Backends = append([]haproxy.BackendStats(nil), st.Backends...)
	b0 := &moved.Backends[0]
	b0.Servers = append([]haproxy.Row(nil), b0.Servers...)
	b0.Servers[0].Name, b0.Servers[0].Addr = "compute02", "10.0.0.22:8774"
	c = p.connMakes
	p.Update(hapMsg{st: moved, at: fixedNow})
	if p.connMakes == c {
		t.Fatal("an HAProxy answer that moved an address did not make the connection table")
	}
	if !strings.Contains(strings.Join(connLines(t, p), "\n"), "compute02") {
		t.Fatalf("the peer HAProxy names is not shown:\n%s", strings.Join(connLines(t, p), "\n"))
	}
}
