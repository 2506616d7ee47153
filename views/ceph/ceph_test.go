package ceph

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	ds "github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

var update = flag.Bool("update", false, "rewrite golden files")

const fixtures = "../../testdata/ceph"

var fixedNow = time.Date(2026, 11, 22, 10, 40, 0, 0, time.UTC)

func paneCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return fixedNow }, Refresh: 5 * time.Second}
}

// fixtureSource serves a recorded dashboard state through the real client.
func fixtureCluster(t *testing.T, state string) *ds.Cluster {
	t.Helper()
	files := map[string]string{
		"/api/health/minimal": "api_health_minimal.json", "/api/osd": "api_osd.json", "/api/osd/flags": "api_osd_flags.json",
		"/api/osd/flags/individual": "api_osd_flags_individual.json", "/api/pool": "api_pool_stats.json",
		"/api/monitor": "api_monitor.json", "/api/host": "api_host.json", "/api/summary": "api_summary.json",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth" {
			_, _ = w.Write([]byte(`{"token":"t"}`))
			return
		}
		b, err := os.ReadFile(filepath.Join(fixtures, state, "dashboard", files[r.URL.Path]))
		if err != nil {
			w.WriteHeader(404)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	d, _ := ds.NewDashboard(hc, ds.DashboardOptions{URL: srv.URL, Username: "u", Password: "p"})
	c, err := d.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type staticSource struct {
	mu  sync.Mutex
	c   *ds.Cluster
	err error
}

func (s *staticSource) Kind() string { return "dashboard" }
func (s *staticSource) Snapshot(ctx context.Context) (*ds.Cluster, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c, s.err
}

type recordingActor struct{ calls []string }

func (r *recordingActor) SetNoout(ctx context.Context, on bool) error {
	r.calls = append(r.calls, fmt.Sprintf("noout %v", on))
	return nil
}
func (r *recordingActor) SetOSDNoout(ctx context.Context, id int, on bool) error {
	r.calls = append(r.calls, fmt.Sprintf("osd.%d noout %v", id, on))
	return nil
}
func (r *recordingActor) MarkOSD(ctx context.Context, id int, in bool) error {
	r.calls = append(r.calls, fmt.Sprintf("osd.%d in=%v", id, in))
	return nil
}

// run executes cmd and feeds its message back, as the shell would.
func run(p *Pane, cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	p.Update(msg)
	return msg
}

func loaded(t *testing.T, c *ds.Cluster, actor ds.Actor) *Pane {
	t.Helper()
	p := New(paneCtx(), &staticSource{c: c}, actor)
	run(p, p.Init())
	if p.Cluster() == nil {
		t.Fatal("not loaded")
	}
	p.updated = fixedNow.Add(-3 * time.Second)
	return p
}

func key(p *Pane, k string) tea.Cmd {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	default:
		r := []rune(k)
		msg = tea.KeyPressMsg{Code: r[0], Text: k}
	}
	if msg.String() != k {
		panic("key " + k + " prints as " + msg.String())
	}
	_, cmd := p.Update(msg)
	return cmd
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("ceph", name), got, *update)
}

// checkFits asserts the view stays inside w x h and emits no raw escape.
func checkFits(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) > h {
		t.Errorf("%d lines for height %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (max %d): %q", i, n, w, l)
		}
	}
	// The no-colour theme keeps attributes (bold, reverse): strip SGR,
	// then nothing else may remain.
	if plain := sgr.ReplaceAllString(out, ""); strings.ContainsAny(plain, "\x1b\a") {
		t.Errorf("raw control characters in the view: %q", plain)
	}
}

func TestGoldenRecordedStates(t *testing.T) {
	cases := []struct {
		state   string
		section Section
	}{
		{"01_health_ok", SecHealth}, {"02_warn_flags_pool_crash", SecHealth}, {"03_warn_osd_down", SecHealth},
		{"05_warn_recovering", SecHealth}, {"06_err_full", SecHealth},
		{"03_warn_osd_down", SecOSDs}, {"04_warn_osd_out", SecOSDs}, {"02_warn_flags_pool_crash", SecPools},
		{"05_warn_recovering", SecPGs}, {"04_warn_osd_out", SecPGs}, {"01_health_ok", SecMons},
	}
	for _, tc := range cases {
		p := loaded(t, fixtureCluster(t, tc.state), nil)
		p.section = tc.section
		for _, sz := range [][2]int{{80, 24}, {60, 15}} {
			out := p.View(sz[0], sz[1])
			checkFits(t, out, sz[0], sz[1])
			golden(t, fmt.Sprintf("%s-%s-%dx%d", tc.state[:2], strings.ToLower(tc.section.String()), sz[0], sz[1]), out)
		}
	}
}

// manyChecks is HEALTH_ERR with dozens of checks, some with long detail.
func manyChecks(t *testing.T) *ds.Cluster {
	c := fixtureCluster(t, "06_err_full")
	for i := 0; i < 30; i++ {
		sev := ds.HealthWarn
		if i%4 == 0 {
			sev = ds.HealthErr
		}
		ch := ds.Check{Type: fmt.Sprintf("SYNTH_CHECK_%02d", i), Severity: sev, Summary: fmt.Sprintf("synthetic problem number %d with a fairly long summary text", i), Count: i}
		for j := 0; j < i; j++ {
			ch.Detail = append(ch.Detail, fmt.Sprintf("pg %d.%x is stale+undersized+degraded+peered, acting [%d]", i, j, j%3))
		}
		c.Checks = append(c.Checks, ch)
	}
	c.Status = ds.HealthErr
	return c
}

func TestGoldenHealthErrManyChecks(t *testing.T) {
	p := loaded(t, manyChecks(t), nil)
	for _, sz := range [][2]int{{80, 24}, {60, 15}} {
		out := p.View(sz[0], sz[1])
		checkFits(t, out, sz[0], sz[1])
		golden(t, fmt.Sprintf("err-many-%dx%d", sz[0], sz[1]), out)
	}
	// Scrolling to the end reaches the crash and recovery sections.
	key(p, "G")
	out := p.View(80, 24)
	checkFits(t, out, 80, 24)
	if !strings.Contains(out, "no recovery in progress") {
		t.Errorf("end of the list not reachable:\n%s", out)
	}
	golden(t, "err-many-bottom-80x24", out)
	// Collapsed: a check with 29 detail lines shows 5 and says how many more.
	if n := len(p.health.Rows()); n > 300 {
		t.Errorf("%d rows: detail not collapsed", n)
	}
	all := len(p.health.Rows())
	key(p, "e")
	if len(p.health.Rows()) <= all+100 {
		t.Errorf("e did not expand: %d -> %d rows", all, len(p.health.Rows()))
	}
	if !p.Back() || len(p.health.Rows()) != all {
		t.Error("esc (Back) must collapse again")
	}
	if p.Back() {
		t.Error("Back with nothing expanded must hand esc to the shell")
	}
}

const evil = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

func TestEscapeLadenNamesRenderInert(t *testing.T) {
	c := fixtureCluster(t, "03_warn_osd_down")
	c.OSDs[1].Host = evil
	c.Pools[5].Name = evil
	c.Checks[0].Detail = append(c.Checks[0].Detail, "pool '"+evil+"' is full")
	c.Mons[0].Host = evil
	c.Crashes[0].Host = evil
	p := loaded(t, c, nil)
	for s := Section(0); s < numSections; s++ {
		p.section = s
		out := p.View(80, 24)
		checkFits(t, out, 80, 24)
		if s == SecOSDs || s == SecPools {
			if !strings.Contains(out, `\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`) && !strings.Contains(out, `\e]52;c;`) {
				t.Errorf("%s: escaped name not shown:\n%s", s, out)
			}
		}
	}
	p.section = SecOSDs
	golden(t, "escape-osds-80x24", p.View(80, 24))
	// Colour theme too: only the theme's own SGR sequences, never OSC 52.
	p.ctx.Theme = themes.Default(false)
	if out := p.View(80, 24); strings.Contains(out, "\x1b]52") || strings.Contains(out, "\x1b[2J") {
		t.Error("escape sequence leaked with colour on")
	}
}

func TestSectionsCycleAndFilter(t *testing.T) {
	p := loaded(t, fixtureCluster(t, "03_warn_osd_down"), nil)
	var seen []string
	for i := 0; i < 5; i++ {
		seen = append(seen, p.Section().String())
		key(p, "]")
	}
	if strings.Join(seen, ",") != "Health,OSDs,Pools,PGs,Mons" || p.Section() != SecHealth {
		t.Fatalf("sections %v, back at %s", seen, p.Section())
	}
	key(p, "[")
	if p.Section() != SecMons {
		t.Fatal("[ goes back")
	}
	p.Pivot("host:compute02")
	if p.Section() != SecOSDs {
		t.Fatal("a host pivot opens the OSD tree")
	}
	rows := p.osdTable().Rows()
	if len(rows) != 2 || rows[0].Key != "host:compute02" || rows[1].Key != "osd:1" {
		t.Fatalf("rows %+v", rows)
	}
	p.section = SecHealth
	out := p.View(100, 30)
	if !strings.Contains(out, "OSD_DOWN") || !strings.Contains(out, "OSD_HOST_DOWN") || strings.Contains(out, "POOL_NO_REDUNDANCY") {
		t.Errorf("health filtered by host:\n%s", out)
	}
	golden(t, "filter-host-health-100x30", out)
}

func TestPivotsFromOSDAndDetailLine(t *testing.T) {
	p := loaded(t, fixtureCluster(t, "03_warn_osd_down"), nil)
	p.section = SecOSDs
	p.osdTable().SelectKey("osd:1")
	for k, target := range map[string]string{"h": "compute", "c": "containers", "l": "logs"} {
		msg := key(p, k)()
		pv, ok := msg.(pane.PivotMsg)
		if !ok || pv.Pane != target || pv.Query != "host:compute02" {
			t.Errorf("%s: %#v", k, msg)
		}
	}
	// From the health detail line "osd.1 (root=default,host=compute02) is down".
	p.section = SecHealth
	for i, r := range p.health.Rows() {
		if strings.Contains(r.Cells[0].Text, "osd.1 (root=default,host=compute02)") {
			p.health.SetCursor(i)
		}
	}
	if pv, ok := key(p, "l")().(pane.PivotMsg); !ok || pv.Query != "host:compute02" {
		t.Errorf("pivot from detail line: %#v", pv)
	}
	// From a crash line.
	for i, r := range p.health.Rows() {
		if strings.HasPrefix(r.Key, "crash:osd.1") {
			p.health.SetCursor(i)
		}
	}
	if pv, ok := key(p, "h")().(pane.PivotMsg); !ok || pv.Query != "host:compute02" {
		t.Errorf("pivot from crash line: %#v", pv)
	}
	if cp, ok := key(p, "y")().(pane.CopyMsg); !ok || !strings.HasPrefix(cp.Text, "osd.1") {
		t.Errorf("copy on a health line: %#v", cp)
	}
	p.section = SecOSDs
	p.osdTable().SelectKey("osd:1")
	if cp, ok := key(p, "y")().(pane.CopyMsg); !ok || cp.Text != "osd.1" {
		t.Errorf("copy on an OSD: %#v", cp)
	}
	p.section = SecHealth
	// enter on a check header toggles its detail.
	p.health.SelectKey("check:PG_DEGRADED")
	before := len(p.health.Rows())
	key(p, "enter")
	if len(p.health.Rows()) <= before {
		t.Error("enter on a check did not expand it")
	}
}

func TestActionsAreMutatingVerifiedAndConfirmed(t *testing.T) {
	act := &recordingActor{}
	p := loaded(t, fixtureCluster(t, "03_warn_osd_down"), act)

	// noout is set in this state: n unsets it.
	msg := key(p, "Z")()
	ra, ok := msg.(pane.RunActionMsg)
	if !ok || ra.Action.Name != "ceph-noout-unset" || !ra.Action.Mutates || !ra.Action.ConfirmYes {
		t.Fatalf("%#v", msg)
	}
	if !strings.Contains(strings.Join(ra.Action.Checks, " "), "1 OSD(s) are down") {
		t.Errorf("checks %v", ra.Action.Checks)
	}
	if _, err := ra.Action.Run(context.Background(), func(pane.Progress) {}); err != nil || act.calls[0] != "noout false" {
		t.Fatalf("%v %v", err, act.calls)
	}
	// A lost reply is read back from the cluster's state (here still set).
	readBack := func(a pane.Action) (bool, string, error) {
		t.Helper()
		if a.Reconcile == nil {
			t.Fatalf("%s: no read-back for a lost reply", a.Name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		return a.Reconcile(ctx)
	}
	if done, ev, err := readBack(ra.Action); done || err != nil || ev != "cluster flag noout set" {
		t.Fatalf("noout read-back: %v %q %v", done, ev, err)
	}

	// o on an OSD needs the OSD's name typed.
	if msg := key(p, "O")(); msg.(pane.ToastMsg).Text == "" {
		t.Fatal("o outside the OSD section must explain")
	}
	p.section = SecOSDs
	p.osdTable().SelectKey("osd:2")
	ra = key(p, "O")().(pane.RunActionMsg)
	if ra.Action.Name != "ceph-osd-out" || ra.Action.Confirm != "osd.2" || !ra.Action.Mutates || ra.Action.Target != "osd.2" {
		t.Fatalf("%#v", ra.Action)
	}
	if !strings.Contains(strings.Join(ra.Action.Checks, "\n"), "degraded PGs") {
		t.Errorf("out on a degraded cluster must say so: %v", ra.Action.Checks)
	}
	if done, ev, err := readBack(ra.Action); done || err != nil || ev != "osd.2 is in" {
		t.Fatalf("out read-back: %v %q %v", done, ev, err)
	}
	_, _ = ra.Action.Run(context.Background(), func(pane.Progress) {})
	ra = key(p, "K")().(pane.RunActionMsg)
	_, _ = ra.Action.Run(context.Background(), func(pane.Progress) {})
	if ra.Action.Name != "ceph-osd-noout-set" {
		t.Errorf("%s", ra.Action.Name)
	}
	if strings.Join(act.calls, ";") != "noout false;osd.2 in=false;osd.2 noout true" {
		t.Errorf("calls %v", act.calls)
	}
	// i on an OSD that is in: nothing to do.
	if _, ok := key(p, "I")().(pane.ToastMsg); !ok {
		t.Error("i on an in OSD must only explain")
	}
	// A finished ceph action triggers a refresh.
	if _, cmd := p.Update(pane.ActionDoneMsg{Name: "ceph-osd-out"}); cmd == nil {
		t.Error("no refresh after an action")
	}
}

func TestNoActorExplains(t *testing.T) {
	c := fixtureCluster(t, "01_health_ok")
	c.Source = "prometheus"
	p := loaded(t, c, nil)
	msg, ok := key(p, "Z")().(pane.ToastMsg)
	if !ok || !strings.Contains(msg.Text, "dashboard") {
		t.Fatalf("%#v", msg)
	}
}

func TestErrorsAreShownAndDataKept(t *testing.T) {
	src := &staticSource{err: fmt.Errorf(`%w (user "admin", HTTP 400: Invalid credentials); not retrying`, ds.ErrAuthFailed)}
	p := New(paneCtx(), src, nil)
	run(p, p.Init())
	out := p.View(60, 10)
	checkFits(t, out, 60, 10)
	if !strings.Contains(out, "Invalid credentials") || !strings.Contains(out, "not retried") || p.Status().Err == nil {
		t.Fatalf("%s", out)
	}
	golden(t, "error-auth-60x10", out)

	src.mu.Lock()
	src.c, src.err = fixtureCluster(t, "01_health_ok"), nil
	src.mu.Unlock()
	run(p, p.Refresh())
	src.mu.Lock()
	src.c, src.err = nil, errors.New("ceph dashboard at http://mgr:8080 unreachable: connection refused")
	src.mu.Unlock()
	run(p, p.Refresh())
	out = p.View(80, 24)
	if !strings.Contains(out, "refresh failed") || !strings.Contains(out, "HEALTH_OK") {
		t.Fatalf("stale data not kept with the error:\n%s", out)
	}
}

func TestTickRefreshesOnSchedule(t *testing.T) {
	p := loaded(t, fixtureCluster(t, "01_health_ok"), nil)
	p.lastTry = fixedNow.Add(-2 * time.Second)
	if _, cmd := p.Update(pane.TickMsg(fixedNow)); cmd != nil {
		t.Error("refreshed before the interval")
	}
	p.lastTry = fixedNow.Add(-6 * time.Second)
	if _, cmd := p.Update(pane.TickMsg(fixedNow)); cmd == nil {
		t.Error("no refresh after the interval")
	}
	if _, cmd := p.Update(pane.TickMsg(fixedNow)); cmd != nil {
		t.Error("second refresh while one is loading")
	}
}

// ---- with the demo backend ----

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestDemoHostLossInThePane(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	cloud, err := demo.Start(demo.StartOptions{Story: demo.Options{Now: clk.Now, FailAfter: 45 * time.Second, Instances: 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	cfg := cloud.Config().Ceph
	hc, _ := httpclient.New(httpclient.Options{})
	d, err := ds.NewDashboard(hc, ds.DashboardOptions{URL: cfg.URL, Username: cfg.Username, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	ctx := paneCtx()
	ctx.Now = clk.Now
	p := New(ctx, d, d)
	run(p, p.Init())
	out := p.View(80, 24)
	if !strings.Contains(out, "HEALTH_WARN") || !strings.Contains(out, "OSDs 12: 12 up, 12 in") {
		t.Fatalf("start:\n%s", out)
	}
	clk.Add(45 * time.Second)
	run(p, p.Refresh())
	clk.Add(2 * time.Second)
	run(p, p.Refresh())
	p.Pivot("host:compute04")
	out = p.View(80, 24)
	if !strings.Contains(out, "compute04 (2)") || strings.Count(out, "DOWN") < 3 {
		t.Fatalf("compute04 OSDs not down:\n%s", out)
	}
	// Set noout through the pane's action, as the shell would run it.
	p.SetFilter("")
	ra := key(p, "Z")().(pane.RunActionMsg)
	if ra.Action.Name != "ceph-noout-set" {
		t.Fatal(ra.Action.Name)
	}
	if _, err := ra.Action.Run(context.Background(), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	run(p, p.Refresh())
	if !p.Cluster().HasFlag("noout") || !strings.Contains(p.View(80, 24), "flags noout") {
		t.Fatal("noout not shown after the action")
	}
	clk.Add(2 * demo.CephDownOutInterval)
	run(p, p.Refresh())
	for _, o := range p.Cluster().OSDs {
		if o.Host == "compute04" && !o.In {
			t.Errorf("%s out despite noout", o.Name)
		}
	}
	ra = key(p, "Z")().(pane.RunActionMsg)
	if _, err := ra.Action.Run(context.Background(), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	run(p, p.Refresh())
	p.section = SecPGs
	out = p.View(80, 24)
	if !strings.Contains(out, "recovering") || !strings.Contains(out, "Global Recovery Event") {
		t.Fatalf("no recovery after noout unset:\n%s", out)
	}
}

// bigCluster is a large cluster: 200 hosts x 10 OSDs, 40 pools, many checks.
func bigCluster() *ds.Cluster {
	c := &ds.Cluster{Status: ds.HealthWarn, Source: "dashboard", PGStates: map[string]int{"active+clean": 60000, "active+undersized+degraded": 4000}}
	for h := 0; h < 200; h++ {
		for i := 0; i < 10; i++ {
			id := h*10 + i
			c.OSDs = append(c.OSDs, ds.OSD{ID: id, Name: fmt.Sprintf("osd.%d", id), Host: fmt.Sprintf("storage%03d", h),
				Up: id%97 != 0, In: true, DeviceClass: "ssd", BytesTotal: 4 << 40, BytesUsed: int64(id%90) << 38, PGs: 150})
		}
	}
	for i := 0; i < 40; i++ {
		c.Pools = append(c.Pools, ds.Pool{ID: i, Name: fmt.Sprintf("pool-%02d", i), Size: 3, MinSize: 2, PGNum: 1600, PercentUsed: 0.4})
	}
	ch := ds.Check{Type: "PG_DEGRADED", Severity: ds.HealthWarn, Summary: "Degraded data redundancy"}
	for i := 0; i < 50; i++ {
		ch.Detail = append(ch.Detail, fmt.Sprintf("pg 2.%x is active+undersized+degraded, acting [1,2]", i))
	}
	c.Checks = append(c.Checks, ch)
	return c
}

func BenchmarkSnapshotRebuildAndView(b *testing.B) {
	c := bigCluster()
	p := New(paneCtx(), &staticSource{c: c}, nil)
	p.section = SecOSDs
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Update(snapshotMsg{c: c, at: fixedNow})
		_ = p.View(120, 40)
	}
}

func BenchmarkViewOnly(b *testing.B) {
	p := New(paneCtx(), &staticSource{c: bigCluster()}, nil)
	p.Update(snapshotMsg{c: bigCluster(), at: fixedNow})
	p.section = SecOSDs
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = p.View(120, 40)
	}
}

// A per-OSD noout flag stays visible in a narrow tmux pane, and the host
// names still fit (the PG count goes first).
func TestOSDFlagsVisibleWhenNarrow(t *testing.T) {
	c := fixtureCluster(t, "03_warn_osd_down")
	c.OSDs[0].Noout = true
	p := loaded(t, c, nil)
	key(p, "]")
	for _, w := range []int{60, 70} {
		out := ansi.Strip(p.View(w, 15))
		flagged := false
		for _, l := range strings.Split(out, "\n") {
			flagged = flagged || (strings.HasPrefix(l, "  "+c.OSDs[0].Name+" ") && strings.Contains(l, "noout"))
		}
		if !flagged || !strings.Contains(out, c.OSDs[0].Host+" (1)") {
			t.Errorf("at %d columns the OSD flag or the host is lost:\n%s", w, out)
		}
	}
}

// wholeSource records whether each snapshot was asked whole.
type wholeSource struct {
	staticSource
	asked []bool
}

func (s *wholeSource) Snapshot(ctx context.Context) (*ds.Cluster, error) {
	s.asked = append(s.asked, ds.WantsWhole(ctx))
	return s.staticSource.Snapshot(ctx)
}

// TestOnScreenAsksTheWholeSnapshot: a hidden pane's refreshes may take the
// summary over an older whole snapshot; on screen every refresh asks for
// the whole one (OSD usage and pools are only in it), and coming on screen
// brings one at the next tick instead of after a whole interval.
func TestOnScreenAsksTheWholeSnapshot(t *testing.T) {
	now := fixedNow
	ctx := paneCtx()
	ctx.Now = func() time.Time { return now }
	src := &wholeSource{staticSource: staticSource{c: fixtureCluster(t, "03_warn_osd_down")}}
	p := New(ctx, src, nil)
	run(p, p.Init())
	now = now.Add(time.Second)
	if _, cmd := p.Update(pane.TickMsg{}); cmd != nil {
		t.Fatal("hidden: a tick within the refresh interval loaded")
	}
	if len(src.asked) != 1 || src.asked[0] {
		t.Fatalf("hidden: asked %v, want one read not asked whole", src.asked)
	}
	p.View(120, 40) // comes on screen
	now = now.Add(time.Second)
	_, cmd := p.Update(pane.TickMsg{})
	run(p, cmd)
	if len(src.asked) != 2 || !src.asked[1] {
		t.Fatalf("on screen: asked %v, want a whole read at the next tick", src.asked)
	}
	p.View(120, 40)
	now = now.Add(ctx.Refresh)
	p.View(120, 40)
	_, cmd = p.Update(pane.TickMsg{})
	run(p, cmd)
	if len(src.asked) != 3 || !src.asked[2] {
		t.Fatalf("on screen a refresh later: asked %v, want whole", src.asked)
	}
}

// TestOnScreenAgeCountsTheWholeSnapshot: a summary laid over an older
// whole snapshot shows, on screen, the whole snapshot's age (its OSD usage
// and pools are that old); hidden, the summary's.
func TestOnScreenAgeCountsTheWholeSnapshot(t *testing.T) {
	now := fixedNow
	ctx := paneCtx()
	ctx.Now = func() time.Time { return now }
	c := fixtureCluster(t, "03_warn_osd_down")
	c.LaidOver = fixedNow.Add(-50 * time.Second)
	p := New(ctx, &staticSource{c: c}, nil)
	run(p, p.Init())
	if got := p.Status().Updated; got.Equal(c.LaidOver) {
		t.Fatalf("hidden: age %v, want the summary's", got)
	}
	p.View(120, 40)
	if got := p.Status().Updated; !got.Equal(c.LaidOver) {
		t.Fatalf("on screen: age %v, want the whole snapshot's %v", got, c.LaidOver)
	}
}
