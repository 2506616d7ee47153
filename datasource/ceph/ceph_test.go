package ceph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
)

const fixtures = "../../testdata/ceph"

var states = []string{"01_health_ok", "02_warn_flags_pool_crash", "03_warn_osd_down", "04_warn_osd_out",
	"05_warn_recovering", "06_err_full", "07_health_ok_after_cleanup"}

// fixtureServer serves a recorded dashboard state. Like the real dashboard
// it answers 415 without the versioned Accept header and 401 without the
// token it issued.
type fixtureServer struct {
	*httptest.Server
	auths atomic.Int32
	mu    sync.Mutex
	state string
	paths []string
}

func newFixtureServer(t *testing.T, state, password string) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{state: state}
	files := map[string]string{
		"/api/health/full": "api_health_full.json", "/api/health/minimal": "api_health_minimal.json",
		"/api/osd": "api_osd.json", "/api/osd/1": "api_osd_1.json", "/api/osd/flags": "api_osd_flags.json",
		"/api/osd/flags/individual": "api_osd_flags_individual.json", "/api/pool": "api_pool_stats.json",
		"/api/monitor": "api_monitor.json", "/api/host": "api_host.json", "/api/summary": "api_summary.json",
	}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.paths = append(fs.paths, r.Method+" "+r.URL.RequestURI())
		st := fs.state
		fs.mu.Unlock()
		if r.Header.Get("Accept") != AcceptV1 {
			w.WriteHeader(415)
			_, _ = w.Write([]byte(`{"status": "415 Unsupported Media Type", "detail": "Unable to find version in request header"}`))
			return
		}
		if r.URL.Path == "/api/auth" {
			fs.auths.Add(1)
			var b struct{ Username, Password string }
			_ = json.NewDecoder(r.Body).Decode(&b)
			if b.Password != password {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"status": "400 Bad Request", "detail": "Invalid credentials"}`))
				return
			}
			_, _ = w.Write([]byte(`{"token": "tok-1", "username": "admin"}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"status": "401 Unauthorized", "detail": "You are not authorized to access that resource"}`))
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"status": "404 Not Found", "detail": "The path was not found."}`))
			return
		}
		b, err := os.ReadFile(filepath.Join(fixtures, st, "dashboard", f))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", AcceptV1)
		_, _ = w.Write(b)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func client(t *testing.T, readOnly bool) *http.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func snapshotState(t *testing.T, state string) *Cluster {
	t.Helper()
	fs := newFixtureServer(t, state, "pw")
	d, err := NewDashboard(client(t, true), DashboardOptions{URL: fs.URL, Username: "admin", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) > 0 {
		t.Errorf("%s: unexpected notes %v", state, c.Notes)
	}
	return c
}

func TestDashboardSnapshotOfEveryRecordedState(t *testing.T) {
	want := map[string]struct {
		status string
		checks []string
		down   []int
		out    []int
		noout  bool
	}{
		"01_health_ok":               {status: HealthOK},
		"02_warn_flags_pool_crash":   {status: HealthWarn, checks: []string{"OSDMAP_FLAGS", "POOL_APP_NOT_ENABLED", "POOL_NO_REDUNDANCY", "RECENT_CRASH"}, noout: true},
		"03_warn_osd_down":           {status: HealthWarn, checks: []string{"OSD_DOWN", "OSD_HOST_DOWN", "PG_DEGRADED", "RECENT_CRASH"}, down: []int{1}, noout: true},
		"04_warn_osd_out":            {status: HealthWarn, checks: []string{"PG_AVAILABILITY", "PG_DEGRADED"}, down: []int{1}, out: []int{1}, noout: true},
		"05_warn_recovering":         {status: HealthWarn, checks: []string{"PG_DEGRADED"}, noout: true},
		"06_err_full":                {status: HealthErr, checks: []string{"OSD_FULL", "POOL_FULL"}, noout: true},
		"07_health_ok_after_cleanup": {status: HealthOK},
	}
	for _, st := range states {
		t.Run(st, func(t *testing.T) {
			c := snapshotState(t, st)
			w := want[st]
			if c.Status != w.status {
				t.Errorf("status %q, want %q", c.Status, w.status)
			}
			for _, typ := range w.checks {
				if _, ok := c.Check(typ); !ok {
					t.Errorf("missing check %s in %v", typ, c.Checks)
				}
			}
			if w.status == HealthOK && len(c.Checks) != 0 {
				t.Errorf("checks on HEALTH_OK: %v", c.Checks)
			}
			if c.HasFlag("noout") != w.noout {
				t.Errorf("noout=%v, want %v (flags %v)", c.HasFlag("noout"), w.noout, c.Flags)
			}
			if len(c.OSDs) != 3 {
				t.Fatalf("osds: %+v", c.OSDs)
			}
			for i, o := range c.OSDs {
				if o.Host != []string{"compute01", "compute02", "compute03"}[i] || o.DeviceClass != "hdd" || (o.Up && o.BytesTotal != 10737418240) {
					t.Errorf("osd %d: %+v", i, o)
				}
				if o.Up == containsInt(w.down, o.ID) {
					t.Errorf("osd.%d up=%v", o.ID, o.Up)
				}
				if o.In == containsInt(w.out, o.ID) {
					t.Errorf("osd.%d in=%v", o.ID, o.In)
				}
			}
			if len(c.Mons) != 1 || !c.Mons[0].InQuorum || c.Mons[0].Host != "controller01" {
				t.Errorf("mons: %+v", c.Mons)
			}
			if c.MgrActive != "x" || c.NumPGs() == 0 || c.Usage.TotalBytes < 20<<30 {
				t.Errorf("mgr %q pgs %d usage %+v", c.MgrActive, c.NumPGs(), c.Usage)
			}
			if c.Status == HealthErr && c.Checks[0].Severity != HealthErr {
				t.Errorf("errors not first: %v", c.Checks[0])
			}
		})
	}
}

func containsInt(l []int, x int) bool {
	for _, y := range l {
		if x == y {
			return true
		}
	}
	return false
}

func TestDashboardDetailsCrashesPoolsProgress(t *testing.T) {
	c := snapshotState(t, "03_warn_osd_down")
	ch, _ := c.Check("OSD_DOWN")
	if ch.Summary != "1 osds down" || len(ch.Detail) != 1 || ch.Detail[0] != "osd.1 (root=default,host=compute02) is down" {
		t.Errorf("OSD_DOWN: %+v", ch)
	}
	if len(c.Crashes) != 2 || c.Crashes[1].Daemon != "osd.1" || c.Crashes[1].Host != "compute02" || c.Crashes[1].Time.IsZero() {
		t.Errorf("crashes: %+v", c.Crashes)
	}
	var scratch *Pool
	for i := range c.Pools {
		if c.Pools[i].Name == "scratch" {
			scratch = &c.Pools[i]
		}
	}
	if scratch == nil || !scratch.NoRedundancy() || scratch.Size != 1 || scratch.PGNum != 8 {
		t.Fatalf("scratch pool: %+v", scratch)
	}
	for _, p := range c.Pools {
		if p.Name == "volumes" && (p.Size != 3 || p.MinSize != 2 || p.Stored == 0 || p.MaxAvail == 0 || p.NoRedundancy()) {
			t.Errorf("volumes: %+v", p)
		}
	}
	s := SummarizePGs(c.PGStates)
	if s.Degraded != 65 || s.Stale != 4 || s.ActiveClean != 4 || s.Total != 137 {
		t.Errorf("pg summary %+v from %v", s, c.PGStates)
	}

	r := snapshotState(t, "05_warn_recovering")
	if len(r.Progress) != 2 || r.Progress[0].Fraction != 0.85 || !strings.Contains(r.Progress[0].Message, "Recovery") {
		t.Errorf("progress: %+v", r.Progress)
	}
	if r.RecoveryBytesPerSec != 1397341 || SummarizePGs(r.PGStates).Recovering != 19 {
		t.Errorf("recovery %v pgs %+v", r.RecoveryBytesPerSec, SummarizePGs(r.PGStates))
	}
}

func TestDashboardWrongPasswordIsNeverRetried(t *testing.T) {
	fs := newFixtureServer(t, "01_health_ok", "right")
	d, _ := NewDashboard(client(t, true), DashboardOptions{URL: fs.URL, Username: "admin", Password: "wrong"})
	for i := 0; i < 5; i++ {
		_, err := d.Snapshot(context.Background())
		if !errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), "Invalid credentials") {
			t.Fatalf("err = %v", err)
		}
	}
	if n := fs.auths.Load(); n != 1 {
		t.Fatalf("%d login attempts; a wrong password must be tried once (10 failures disable the user)", n)
	}
}

func TestDashboardUnreachableSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	d, _ := NewDashboard(client(t, true), DashboardOptions{URL: url, Username: "a", Password: "b"})
	_, err := d.Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), "dashboard module") {
		t.Fatalf("err = %v", err)
	}
	// The backend, its URL and the reason in plain words, not net/url's
	// `Post "http://.../api/auth": dial tcp ...` chain.
	if want := "ceph dashboard at " + url + " unreachable: connection refused"; !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "Post \"") {
		t.Fatalf("err = %q, want prefix %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("errors.Is(ECONNREFUSED) lost: %v", err)
	}
}

func TestMetricsFallbackFromRecordedState(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtures, "03_warn_osd_down", "prometheus", "metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, err := ParseMetrics(f)
	if err != nil {
		t.Fatal(err)
	}
	c := ClusterFromMetrics(samples)
	if c.Status != HealthWarn || len(c.Checks) != 7 {
		t.Errorf("status %s checks %v", c.Status, c.Checks)
	}
	if _, ok := c.Check("OSD_DOWN"); !ok {
		t.Error("no OSD_DOWN")
	}
	if len(c.OSDs) != 3 || c.OSDs[1].Up || c.OSDs[1].Host != "compute02" || c.OSDs[1].DeviceClass != "hdd" || !c.OSDs[1].In {
		t.Errorf("osds %+v", c.OSDs)
	}
	if !c.HasFlag("noout") || len(c.Pools) != 6 || c.Pools[5].Name != "scratch" || !c.Pools[5].NoRedundancy() {
		t.Errorf("flags %v pools %+v", c.Flags, c.Pools)
	}
	if len(c.Mons) != 1 || !c.Mons[0].InQuorum || c.Mons[0].Host != "controller01" {
		t.Errorf("mons %+v", c.Mons)
	}
	s := SummarizePGs(c.PGStates)
	if s.Total != 137 || s.Degraded == 0 {
		t.Errorf("pgs %+v (%v)", s, c.PGStates)
	}
	if len(c.Notes) == 0 {
		t.Error("metrics source must say what it lacks")
	}
}

func TestParseMetricsEscapes(t *testing.T) {
	s, err := ParseMetrics(strings.NewReader("# HELP x\nfoo{a=\"q\\\"x\\\\y\",b=\"2\"} 3.5\nbar 1e3\n"))
	if err != nil || len(s) != 2 || s[0].Labels["a"] != `q"x\y` || s[0].Value != 3.5 || s[1].Value != 1000 {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := ParseMetrics(strings.NewReader("foo{a=\"x} 1\n")); err == nil {
		t.Fatal("want error for unterminated label")
	}
}

// ---- against the demo backend ----

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

func startDemo(t *testing.T, failAfter time.Duration) (*demo.Cloud, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Now: clk.Now, FailAfter: failAfter, Instances: 20}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, clk
}

func demoDashboard(t *testing.T, c *demo.Cloud, readOnly bool) *Dashboard {
	t.Helper()
	cfg := c.Config()
	d, err := NewDashboard(client(t, readOnly), DashboardOptions{URL: cfg.Ceph.URL, Username: cfg.Ceph.Username, Password: cfg.Ceph.Password})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDemoStoryHostLossDegradesThenRecovers(t *testing.T) {
	c, clk := startDemo(t, 45*time.Second)
	d := demoDashboard(t, c, true)
	ctx := context.Background()
	snap := func() *Cluster {
		t.Helper()
		s, err := d.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Notes) > 0 {
			t.Fatalf("notes: %v", s.Notes)
		}
		return s
	}
	s := snap()
	if len(s.OSDs) != 12 || len(s.Hosts()) != 6 || len(s.Mons) != 3 || s.MgrActive != "control01" {
		t.Fatalf("osds %d hosts %v mons %+v mgr %q", len(s.OSDs), s.Hosts(), s.Mons, s.MgrActive)
	}
	if _, ok := s.Check("OSD_DOWN"); ok || SummarizePGs(s.PGStates).ActiveClean != s.NumPGs() {
		t.Fatalf("not healthy at start: %v %v", s.Checks, s.PGStates)
	}
	if _, ok := s.Check("POOL_NO_REDUNDANCY"); !ok || len(s.Crashes) != 1 {
		t.Fatalf("size-1 pool / crash missing: %v", s.Checks)
	}

	// The story moves lazily: power loss happens at the first request past
	// FailAfter, and the OSDs go down about a second after that.
	clk.Add(45 * time.Second)
	s = snap()
	if _, ok := s.Check("OSD_DOWN"); ok {
		t.Fatal("OSDs down at the instant of power loss; the mon needs ~1 s")
	}
	clk.Add(1500 * time.Millisecond)
	s = snap()
	ch, ok := s.Check("OSD_DOWN")
	if !ok || ch.Summary != "2 osds down" || !strings.Contains(ch.Detail[0], "host=compute04") {
		t.Fatalf("OSD_DOWN: %+v (%v)", ch, s.Checks)
	}
	if _, ok := s.Check("OSD_HOST_DOWN"); !ok {
		t.Fatal("no OSD_HOST_DOWN")
	}
	pg := SummarizePGs(s.PGStates)
	if pg.Degraded == 0 || pg.Degraded != pg.Undersized || s.Objects.Degraded == 0 {
		t.Fatalf("pgs %+v objects %+v", pg, s.Objects)
	}
	for _, o := range s.OSDs {
		if (o.Host == "compute04") == o.Up || !o.In {
			t.Errorf("%s on %s up=%v in=%v", o.Name, o.Host, o.Up, o.In)
		}
	}

	clk.Add(demo.CephDownOutInterval + time.Second) // mon marks them out
	s = snap()
	if _, ok := s.Check("OSD_DOWN"); ok {
		t.Error("down+out OSDs must not be reported as OSD_DOWN")
	}
	for _, o := range s.OSDs {
		if o.Host == "compute04" && o.In {
			t.Errorf("%s still in", o.Name)
		}
	}
	if len(s.Progress) != 1 || s.Progress[0].Fraction >= 1 || SummarizePGs(s.PGStates).Recovering == 0 || s.RecoveryBytesPerSec == 0 {
		t.Fatalf("no recovery: %+v %v", s.Progress, s.PGStates)
	}

	clk.Add(demo.CephRecoveryDuration / 2)
	mid := snap()
	if len(mid.Progress) != 1 || mid.Progress[0].Fraction < 0.4 || mid.Progress[0].Fraction > 0.6 {
		t.Fatalf("progress %+v", mid.Progress)
	}

	clk.Add(demo.CephRecoveryDuration)
	s = snap()
	if n := SummarizePGs(s.PGStates); n.ActiveClean != s.NumPGs() || len(s.Progress) != 0 {
		t.Fatalf("not clean after recovery: %v %+v", s.PGStates, s.Progress)
	}
	if _, ok := s.Check("PG_DEGRADED"); ok {
		t.Error("PG_DEGRADED after recovery")
	}
}

func TestDemoNooutKeepsDownOSDsIn(t *testing.T) {
	c, clk := startDemo(t, 10*time.Second)
	d := demoDashboard(t, c, false)
	ctx := context.Background()
	if err := d.SetNoout(ctx, true); err != nil {
		t.Fatal(err)
	}
	clk.Add(10 * time.Second)
	if _, err := d.Snapshot(ctx); err != nil { // power loss happens here
		t.Fatal(err)
	}
	clk.Add(2*time.Second + 2*demo.CephDownOutInterval)
	s, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Check("OSDMAP_FLAGS"); !ok || !s.HasFlag("noout") {
		t.Fatalf("noout not shown: %v %v", s.Checks, s.Flags)
	}
	for _, o := range s.OSDs {
		if o.Host == "compute04" && (o.Up || !o.In) {
			t.Errorf("%s up=%v in=%v: noout must keep it in", o.Name, o.Up, o.In)
		}
	}
	if err := d.SetNoout(ctx, false); err != nil {
		t.Fatal(err)
	}
	s, _ = d.Snapshot(ctx)
	if s.HasFlag("noout") || len(s.Flags) != 4 {
		t.Fatalf("flags after unset: %v (the other flags must be kept)", s.Flags)
	}
	for _, o := range s.OSDs {
		if o.Host == "compute04" && o.In {
			t.Errorf("%s in after noout unset past the down-out interval", o.Name)
		}
	}
}

func TestDemoActionsVerifiedAndReadOnlyRefused(t *testing.T) {
	c, _ := startDemo(t, -1)
	ctx := context.Background()
	ro := demoDashboard(t, c, true)
	if _, err := ro.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ro.SetNoout(ctx, true); !errors.Is(err, httpclient.ErrReadOnly) || strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("read-only SetNoout: %v", err)
	}
	if err := ro.MarkOSD(ctx, 3, false); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only MarkOSD: %v", err)
	}
	if m := c.Mutations(); len(m) != 0 {
		t.Fatalf("read-only session sent %v", m)
	}

	rw := demoDashboard(t, c, false)
	if err := rw.MarkOSD(ctx, 3, false); err != nil {
		t.Fatal(err)
	}
	s, _ := rw.Snapshot(ctx)
	o, _ := s.OSD(3)
	if o.In || !o.Up || len(s.Progress) != 1 || !strings.Contains(s.Progress[0].Message, "osd.3 marked out") {
		t.Fatalf("osd.3 %+v progress %+v", o, s.Progress)
	}
	if err := rw.MarkOSD(ctx, 3, true); err != nil {
		t.Fatal(err)
	}
	if err := rw.SetOSDNoout(ctx, 5, true); err != nil {
		t.Fatal(err)
	}
	s, _ = rw.Snapshot(ctx)
	if o, _ := s.OSD(5); !o.Noout {
		t.Fatal("osd.5 noout not read back")
	}
	if _, ok := s.Check("OSD_FLAGS"); !ok {
		t.Fatal("no OSD_FLAGS check")
	}
	if err := rw.MarkOSD(ctx, 99, false); err == nil {
		t.Fatal("marking a missing OSD must fail")
	}
}

func TestMarkOSDDetectsSilentNoop(t *testing.T) {
	// A dashboard that answers 200 to the mark but changes nothing (as it
	// does for unknown actions) must not be reported as success.
	old := verifyTimeout
	verifyTimeout = 600 * time.Millisecond
	defer func() { verifyTimeout = old }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/auth":
			_, _ = w.Write([]byte(`{"token":"t"}`))
		case r.Method == http.MethodGet && r.URL.Path == "/api/osd/2":
			_, _ = w.Write([]byte(`{"osd_map":{"osd":2,"in":1,"up":1}}`))
		default:
			_, _ = w.Write([]byte(`null`))
		}
	}))
	defer srv.Close()
	d, _ := NewDashboard(client(t, false), DashboardOptions{URL: srv.URL, Username: "u", Password: "p"})
	err := d.MarkOSD(context.Background(), 2, false)
	if err == nil || !strings.Contains(err.Error(), "osd.2 in") {
		t.Fatalf("err = %v", err)
	}
}

func TestDemoExpiredTokenReauthenticates(t *testing.T) {
	c, _ := startDemo(t, -1)
	d := demoDashboard(t, c, true)
	ctx := context.Background()
	if _, err := d.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	demo.CephExpireTokens(c)
	if _, err := d.Snapshot(ctx); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	if demo.CephAuthFailures(c) != 0 {
		t.Fatal("auth failures")
	}
}

func TestDemoMetricsFallback(t *testing.T) {
	c, clk := startDemo(t, 5*time.Second)
	clk.Add(5 * time.Second)
	_, _ = demoDashboard(t, c, true).Snapshot(context.Background())
	clk.Add(2 * time.Second)
	m, err := NewMetrics(client(t, true), c.Config().Ceph.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != HealthWarn || len(s.OSDs) != 12 {
		t.Fatalf("%s %d", s.Status, len(s.OSDs))
	}
	if _, ok := s.Check("OSD_DOWN"); !ok {
		t.Fatalf("checks %v", s.Checks)
	}
	down := 0
	for _, o := range s.OSDs {
		if !o.Up {
			down++
			if o.Host != "compute04" {
				t.Errorf("%s on %s down", o.Name, o.Host)
			}
		}
	}
	if down != 2 {
		t.Fatalf("%d down", down)
	}
}

func TestExpiredTokenOneLoginForParallelRequests(t *testing.T) {
	fs := newFixtureServer(t, "03_warn_osd_down", "pw")
	d, _ := NewDashboard(client(t, true), DashboardOptions{URL: fs.URL, Username: "admin", Password: "pw"})
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.token = "revoked" // the server answers 401 to it
	d.mu.Unlock()
	before := fs.auths.Load()
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := fs.auths.Load() - before; n != 1 {
		t.Fatalf("%d logins after a revoked token; want 1", n)
	}
}

func TestFallbackToMetricsSaysWhy(t *testing.T) {
	c, _ := startDemo(t, -1)
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	d, _ := NewDashboard(client(t, true), DashboardOptions{URL: dead, Username: "a", Password: "b"})
	m, _ := NewMetrics(client(t, true), c.Config().Ceph.MetricsURL)
	s, err := Fallback{Primary: d, Secondary: m}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "prometheus" || len(s.Notes) < 2 || !strings.Contains(s.Notes[0], "dashboard unavailable") || !strings.Contains(s.Notes[0], "unreachable") {
		t.Fatalf("source %s notes %v", s.Source, s.Notes)
	}
	if len(s.OSDs) != 12 {
		t.Fatalf("%d osds", len(s.OSDs))
	}
	// Both failing: both errors are reported.
	m2, _ := NewMetrics(client(t, true), dead+"/metrics")
	if _, err := (Fallback{Primary: d, Secondary: m2}).Snapshot(context.Background()); err == nil || !strings.Contains(err.Error(), "prometheus") {
		t.Fatalf("err = %v", err)
	}
}

func TestJWTExpiryTriggersLoginBeforeTheServerRefuses(t *testing.T) {
	c, _ := startDemo(t, -1)
	d := demoDashboard(t, c, true)
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	first, exp := d.token, d.expires
	d.now = func() time.Time { return exp.Add(-10 * time.Second) } // expires within 30 s
	d.mu.Unlock()
	if exp.IsZero() {
		t.Fatal("exp claim not read from the JWT")
	}
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.token == first {
		t.Fatal("token about to expire was not renewed")
	}
}

// backingOff answers as a primary the pacer is sparing.
type backingOff struct{}

func (backingOff) Kind() string { return "dashboard" }
func (backingOff) Snapshot(context.Context) (*Cluster, error) {
	return nil, fmt.Errorf("ceph dashboard: %w", &httpclient.BackoffError{Host: "mgr:8443", Reason: "p95 latency 4.1s"})
}

// countingSource counts reads of the secondary.
type countingSource struct{ n int }

func (c *countingSource) Kind() string { return "prometheus" }
func (c *countingSource) Snapshot(context.Context) (*Cluster, error) {
	c.n++
	return &Cluster{Source: "prometheus"}, nil
}

// A primary that is backing off is spared, not replaced: the fallback
// does not read the secondary (issue 15: the metrics text each refresh,
// 630 kB at 1,000 hosts, while the dashboard was being spared).
func TestFallbackSparesABackingOffPrimary(t *testing.T) {
	sec := &countingSource{}
	_, err := Fallback{Primary: backingOff{}, Secondary: sec}.Snapshot(context.Background())
	if !errors.Is(err, httpclient.ErrBackoff) || sec.n != 0 {
		t.Fatalf("err %v, %d secondary reads; want the backoff error and none", err, sec.n)
	}
}
