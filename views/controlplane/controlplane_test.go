package controlplane

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/viewtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

var fixedNow = time.Date(2026, 11, 22, 10, 40, 0, 0, time.UTC)

func paneCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return fixedNow }, Refresh: 5 * time.Second}
}

// rabbitFixture serves the datasource's recorded management API answers
// through the real client.
func rabbitFixture(t *testing.T) *rabbitmq.Client {
	t.Helper()
	files := map[string]string{"/api/overview": "overview.json", "/api/nodes": "nodes.json", "/api/queues": "queues.json",
		"/api/connections": "connections.json", "/api/health/checks/alarms": "alarms-failed.json"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join("../../datasource/rabbitmq/testdata", files[r.URL.Path]))
		if err != nil {
			w.WriteHeader(404)
			return
		}
		if r.URL.Path == "/api/health/checks/alarms" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, err := rabbitmq.New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type fakeHAProxy struct {
	rows  []haproxy.Row
	err   error
	block chan struct{}
	sets  []string
}

func (f *fakeHAProxy) Stats(ctx context.Context) (haproxy.Stats, error) {
	if f.block != nil {
		<-f.block
	}
	return haproxy.Group(f.rows), f.err
}

func (f *fakeHAProxy) SetServerState(_ context.Context, b, s string, st haproxy.ServerState) error {
	f.sets = append(f.sets, b+"/"+s+" "+string(st))
	for i := range f.rows {
		if f.rows[i].Proxy == b && f.rows[i].Name == s {
			f.rows[i].Status = map[haproxy.ServerState]string{haproxy.Drain: "DRAIN", haproxy.Maint: "MAINT", haproxy.Ready: "UP"}[st]
		}
	}
	return nil
}

func haproxyFixture(t *testing.T) *fakeHAProxy {
	t.Helper()
	f, err := os.Open("../../datasource/haproxy/testdata/stats.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := haproxy.ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeHAProxy{rows: rows}
}

// vipFixture: the internal VIP on controller1, the external one with no
// keepalived metrics.
type fakeVIPs struct {
	series []prometheus.Series
	err    error
}

func (f fakeVIPs) Holders(ctx context.Context, hostOf func(string) string) ([]keepalived.VIP, error) {
	if f.err != nil {
		return nil, f.err
	}
	return keepalived.Sort(f.series, []string{"10.0.0.250", "192.0.2.10"}, hostOf), nil
}

func vipFixture() fakeVIPs {
	st := func(inst string, v float64) prometheus.Series {
		return prometheus.Series{Labels: map[string]string{"instance": inst, "ip_address": "10.0.0.250"}, Points: []prometheus.Point{{V: v}}}
	}
	return fakeVIPs{series: []prometheus.Series{st("controller1:9650", 2), st("controller2:9650", 1), st("controller3:9650", 1)}}
}

type fakeMC struct {
	addr string
	st   memcached.Stats
	err  error
}

func (f fakeMC) Addr() string { return f.addr }
func (f fakeMC) Stats(context.Context) (memcached.Stats, error) {
	return f.st, f.err
}

func mcFixture(t *testing.T) []MemcachedSource {
	t.Helper()
	f, err := os.Open("../../datasource/memcached/testdata/stats.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := memcached.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return []MemcachedSource{fakeMC{addr: "controller1:11211", st: st}, fakeMC{addr: "controller2:11211", st: st},
		fakeMC{addr: "controller3:11211", err: &memcached.Error{Addr: "controller3:11211", Msg: "connection refused", Unreachable: true}}}
}

// runAll runs cmd (batches included) and feeds each message back.
func runAll(p *Pane, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			runAll(p, c)
		}
		return
	}
	if o, ok := msg.(hostmodel.Observation); ok { // as the shell does: apply, then tell the panes
		p.ctx.Hosts.Apply(o)
	}
	_, next := p.Update(msg)
	if _, isLoad := msg.(interface{ LoadKey() string }); isLoad {
		runAll(p, next)
	}
}

func loaded(t *testing.T) (*Pane, *fakeHAProxy) {
	t.Helper()
	hap := haproxyFixture(t)
	ctx := paneCtx()
	ctx.Hosts = hostmodel.New()
	p := New(ctx, Sources{Rabbit: rabbitFixture(t), HAProxy: hap, Memcached: mcFixture(t), VIPs: vipFixture(), Galera: galeraFixture()})
	runAll(p, p.Init())
	for _, pt := range p.parts {
		if !pt.loaded {
			t.Fatalf("%s not loaded: %v", pt.name, pt.err)
		}
		pt.updated = fixedNow.Add(-3 * time.Second)
	}
	return p, hap
}

func key(p *Pane, k string) tea.Cmd {
	r := []rune(k)
	_, cmd := p.Update(tea.KeyPressMsg{Code: r[0], Text: k})
	return cmd
}

func screen(t *testing.T, p *Pane, w, h int) string {
	t.Helper()
	out := p.View(w, h)
	viewtest.Frame(t, out, w, h)
	return sgr.ReplaceAllString(out, "")
}

func TestGoldenSections(t *testing.T) {
	p, _ := loaded(t)
	for s := Section(0); s < numSections; s++ {
		if p.Section() != s {
			t.Fatalf("section %s, want %s", p.Section(), s)
		}
		viewtest.File(t, viewtest.Golden("controlplane", strings.ToLower(s.String())), screen(t, p, 110, 22), *update)
		key(p, "]")
	}
	viewtest.File(t, viewtest.Golden("controlplane", "haproxy-narrow"), screen(t, p, 56, 16), *update)
}

func TestSectionsShowWhatMatters(t *testing.T) {
	p, _ := loaded(t)
	out := screen(t, p, 120, 30)
	// Down servers first, MAINT/DRAIN marked, which controllers serve each API.
	lines := strings.Split(out, "\n")
	var first string
	for i, l := range lines {
		if strings.HasPrefix(l, "BACKEND") && i+1 < len(lines) {
			first = lines[i+1]
		}
	}
	if !strings.Contains(first, "controller3") || !strings.Contains(first, "✗ DOWN") {
		t.Errorf("first server row %q, want keystone's DOWN controller3\n%s", first, out)
	}
	for _, want := range []string{"⚠ MAINT", "⚠ DRAIN", "keystone 2/3 controller1 controller2", "nova-api 1/3 controller1",
		"✗ memcached", "✗ Galera: 2/3 nodes Synced: controller2 Donor/Desynced"} {
		if !strings.Contains(out, want) && !(want == "✗ memcached" && strings.Contains(out, "memcached: 2/3 up")) {
			t.Errorf("missing %q\n%s", want, out)
		}
	}
	key(p, "]")
	key(p, "]")
	out = screen(t, p, 120, 30)
	flagged := rabbitmq.UnconsumedQueues(p.rabbit.Queues)
	if len(flagged) == 0 {
		t.Fatal("fixture has no unconsumed queue")
	}
	for _, u := range flagged {
		if !strings.Contains(out, u.Owner.Who()+": ") || !strings.Contains(out, "0 consumers") {
			t.Errorf("unconsumed %s not flagged with %q\n%s", u.Queue.Name, u.Owner.Who(), out)
		}
	}
}

// Each backend fails on its own: its line says why and how old the data
// still shown is, the others stay.
func TestBackendFailsOnItsOwn(t *testing.T) {
	p, hap := loaded(t)
	hap.err = &haproxy.Error{Where: "http://controller1:1984/;csv", Msg: "connection refused", Unreachable: true}
	runAll(p, p.Refresh())
	p.parts[pRabbit].updated = fixedNow.Add(-3 * time.Second)
	p.parts[pMemcached].updated = fixedNow.Add(-3 * time.Second)
	out := screen(t, p, 140, 24)
	if !strings.Contains(out, "✗ HAProxy: haproxy at http://controller1:1984/;csv unreachable: connection refused (showing data from") ||
		!strings.Contains(out, "✓ RabbitMQ:") || !strings.Contains(out, "controller3") {
		t.Fatalf("%s", out)
	}
	st := p.Status()
	if st.Err != nil || !strings.Contains(st.Note, "HAProxy") {
		t.Fatalf("status %+v", st)
	}
}

// A slow backend holds no other back: the loads are separate commands.
func TestLoadsAreIndependent(t *testing.T) {
	hap := haproxyFixture(t)
	hap.block = make(chan struct{})
	defer close(hap.block)
	p := New(paneCtx(), Sources{Rabbit: rabbitFixture(t), HAProxy: hap, Memcached: mcFixture(t)})
	b, ok := p.Init()().(tea.BatchMsg)
	if !ok || len(b) != 3 {
		t.Fatalf("Init: %T", b)
	}
	msgs := make(chan tea.Msg, 3)
	for _, c := range b {
		go func() { msgs <- c() }()
	}
	for range 2 {
		select {
		case m := <-msgs:
			p.Update(m)
		case <-time.After(5 * time.Second):
			t.Fatal("RabbitMQ/memcached waited for HAProxy")
		}
	}
	if !p.parts[pRabbit].loaded || !p.parts[pMemcached].loaded || p.parts[pHAProxy].loaded {
		t.Fatal("wrong parts loaded")
	}
	if out := screen(t, p, 100, 20); !strings.Contains(out, "HAProxy: loading…") {
		t.Fatalf("%s", out)
	}
}

func TestDrainActionReadsBack(t *testing.T) {
	p, hap := loaded(t)
	// The cursor starts on keystone_internal/controller3 (DOWN); go to an
	// UP server.
	for i := 0; i < 10; i++ {
		if r, _ := p.selectedServer(); r.State() == "UP" {
			break
		}
		key(p, "j")
	}
	r, _ := p.selectedServer()
	msg := key(p, "D")()
	ra, ok := msg.(pane.RunActionMsg)
	if !ok {
		t.Fatalf("%T %v", msg, msg)
	}
	a := ra.Action
	if a.Name != "haproxy-drain" || a.Target != r.Proxy+"/"+r.Name || !a.Mutates || !a.ConfirmYes {
		t.Fatalf("%+v", a)
	}
	res, err := a.Run(context.Background(), nil)
	if err != nil || !strings.Contains(res, "DRAIN") || len(hap.sets) != 1 {
		t.Fatalf("%q %v %v", res, err, hap.sets)
	}
	done, _, err := a.Reconcile(context.Background())
	if !done || err != nil {
		t.Fatal("read-back does not see the drain")
	}
	// maint wants the server's name typed.
	if a := key(p, "M")().(pane.RunActionMsg).Action; a.Confirm != r.Name {
		t.Fatalf("maint confirm %q", a.Confirm)
	}
	// Outside the HAProxy section there is no server to act on.
	key(p, "]")
	if _, ok := key(p, "D")().(pane.ToastMsg); !ok {
		t.Fatal("drain outside the HAProxy section")
	}
}

func TestPivotsToTheHost(t *testing.T) {
	p, _ := loaded(t)
	if m, ok := key(p, "c")().(pane.PivotMsg); !ok || m.Pane != "containers" || m.Query != "host:controller3" {
		t.Fatalf("%+v", m)
	}
	key(p, "]")
	key(p, "]") // queues: the unconsumed one first
	u := rabbitmq.UnconsumedQueues(p.rabbit.Queues)[0]
	msg := key(p, "v")()
	if u.Owner.Host == "" {
		if _, ok := msg.(pane.ToastMsg); !ok {
			t.Fatalf("%+v", msg)
		}
		return
	}
	if m, ok := msg.(pane.PivotMsg); !ok || m.Pane != "agents" || m.Query != "host:"+u.Owner.Host {
		t.Fatalf("%+v", msg)
	}
}

// Hostile text from a backend never reaches the terminal raw.
func TestHostileText(t *testing.T) {
	hap := &fakeHAProxy{rows: []haproxy.Row{{Proxy: "keystone\x1b]0;pwn\x07", Name: "c1\x1b[2J", Kind: haproxy.Server, Status: "DOWN\r", LastCheck: "\x1b[31mevil"}}}
	g := galeraFixture()
	g.cl.Nodes[0].Host = "c1\x1b]0;pwn\x07"
	g.cl.Nodes[0].Queries[0].Info = "SELECT '\x1b[2J\x1b]52;c;Y3VybCBldmlsfHNo\x07'"
	g.cl.Nodes[1].LocalState = "Donor\x1b[31m"
	p := New(paneCtx(), Sources{HAProxy: hap, Memcached: []MemcachedSource{fakeMC{addr: "x:1", err: errors.New("bad\x1b[1mstuff")}}, Galera: g})
	runAll(p, p.Init())
	screen(t, p, 100, 20)
	for p.Section() != SecGalera {
		key(p, "]")
	}
	screen(t, p, 100, 20)
}

// countingRabbit counts whole and adaptive snapshots.
type countingRabbit struct {
	*rabbitmq.Client
	whole, adaptive int
}

func (c *countingRabbit) Snapshot(ctx context.Context) rabbitmq.Snapshot {
	c.adaptive++
	return c.Client.Whole(ctx)
}

func (c *countingRabbit) Whole(ctx context.Context) rabbitmq.Snapshot {
	c.whole++
	return c.Client.Whole(ctx)
}

// TestOnScreenReadsRabbitWhole: off screen a refresh takes the client's
// adaptive snapshot (whole lists only when the counts moved or once a
// minute); on screen, and at the tick after it comes on screen, the whole
// lists.
func TestOnScreenReadsRabbitWhole(t *testing.T) {
	src := &countingRabbit{Client: rabbitFixture(t)}
	now := fixedNow
	ctx := paneCtx()
	ctx.Now = func() time.Time { return now }
	p := New(ctx, Sources{Rabbit: src})
	runAll(p, p.Init())
	if src.whole != 1 || src.adaptive != 0 {
		t.Fatalf("first load: %d whole, %d adaptive; want whole", src.whole, src.adaptive)
	}
	tick := func(d time.Duration) {
		now = now.Add(d)
		_, cmd := p.Update(pane.TickMsg(now))
		runAll(p, cmd)
	}
	tick(5 * time.Second)
	tick(5 * time.Second)
	if src.whole != 1 || src.adaptive != 2 {
		t.Fatalf("off screen: %d whole, %d adaptive; want 1 and 2", src.whole, src.adaptive)
	}
	p.View(120, 30)
	tick(time.Second)
	if src.whole != 2 {
		t.Fatalf("shown: %d whole reads, want 2 (at the next tick)", src.whole)
	}
	for range 10 {
		p.View(120, 30)
		tick(time.Second)
	}
	if src.whole != 4 || src.adaptive != 2 {
		t.Errorf("10 s on screen: %d whole, %d adaptive; want 4 and 2", src.whole, src.adaptive)
	}
}
