package ceph

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/demo"
)

// cephPaths are the dashboard GETs the demo saw after from (auth left out).
func cephPaths(c *demo.Cloud, from int) []string {
	var out []string
	for _, r := range c.Requests()[from:] {
		if r.Service == "ceph" && r.Method == "GET" {
			out = append(out, r.Path)
		}
	}
	sort.Strings(out)
	return out
}

// TestSummaryBetweenWholeSnapshots: a refresh that changes nothing but
// counters reads the summary only and shows the same OSDs as a whole read;
// OSDs going down, a change through the client and the safety net each
// bring a whole read (issue 15: the whole snapshot every refresh was 1.5
// MB at 2,000 OSDs). The summary is /api/health/snapshot where the
// dashboard has it (OSD counts, not one entry per OSD), else the minimal.
func TestSummaryBetweenWholeSnapshots(t *testing.T) {
	for _, brief := range []bool{true, false} {
		name := map[bool]string{true: "snapshot", false: "minimal"}[brief]
		t.Run(name, func(t *testing.T) { testSummaryBetweenWholeSnapshots(t, brief) })
	}
}

func testSummaryBetweenWholeSnapshots(t *testing.T, brief bool) {
	c, clk := startDemo(t, 45*time.Second)
	if !brief {
		c.CephWithoutSnapshot()
	}
	d := demoDashboard(t, c, false)
	now := time.Now()
	d.now = func() time.Time { return now }
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
	first := snap()
	if w, s := d.Reads(); w != 1 || s != 0 {
		t.Fatalf("first snapshot: %d whole, %d summary; want whole", w, s)
	}
	n := len(c.Requests())
	clk.Add(3 * time.Second)
	second := snap()
	if w, s := d.Reads(); w != 1 || s != 1 {
		t.Fatalf("nothing changed: %d whole, %d summary reads; want the summary", w, s)
	}
	want := []string{"/api/health/snapshot", "/api/osd/flags", "/api/summary"}
	if !brief { // the first summary tried the snapshot: the one after it
		n = len(c.Requests())
		clk.Add(3 * time.Second)
		second = snap()
		want = []string{"/api/health/minimal", "/api/osd/flags", "/api/summary"}
	}
	if got := cephPaths(c, n); !reflect.DeepEqual(got, want) {
		t.Errorf("summary read %v, want %v", got, want)
	}
	// Counters in the checks' text move (SLOW_OPS' age): the checks
	// present, the OSDs and the rest are the whole read's.
	if !reflect.DeepEqual(first.OSDs, second.OSDs) || signature(first) != signature(second) || first.Status != second.Status ||
		!reflect.DeepEqual(first.Mons, second.Mons) || first.Usage != second.Usage || !second.Fetched.After(first.Fetched) {
		t.Errorf("summary differs from the whole read:\n%+v\n%+v", first, second)
	}
	if !first.LaidOver.IsZero() || !second.LaidOver.Equal(first.Fetched) {
		t.Errorf("laid over: whole %v, summary %v; want zero and the whole read's %v", first.LaidOver, second.LaidOver, first.Fetched)
	}

	// compute04 loses power; its OSDs go down about a second later.
	clk.Add(45 * time.Second)
	snap()
	clk.Add(1500 * time.Millisecond)
	s := snap()
	down := 0
	for _, o := range s.OSDs {
		if o.Host == "compute04" && !o.Up {
			down++
		}
	}
	if w, _ := d.Reads(); w != 2 || down != 2 {
		t.Fatalf("OSDs went down: %d whole reads (want 2), %d of compute04's OSDs down (want 2)", w, down)
	}
	snap()
	if w, _ := d.Reads(); w != 2 {
		t.Fatalf("no change since: %d whole reads, want 2", w)
	}
	if err := d.SetNoout(ctx, true); err != nil {
		t.Fatal(err)
	}
	w0, _ := d.Reads()
	s = snap()
	if w, _ := d.Reads(); w != w0+1 || !s.HasFlag("noout") {
		t.Fatalf("after setting noout: %d whole reads (want %d), flags %v", w, w0+1, s.Flags)
	}
	snap()
	now = now.Add(defaultWholeEvery)
	snap()
	if w, _ := d.Reads(); w != w0+2 {
		t.Errorf("a minute on: %d whole reads, want %d (the safety net)", w, w0+2)
	}
}

// TestWithWholeReadsTheWholeSnapshot: a pane on screen asks for the whole
// snapshot each refresh (OSD usage and pools are only in it), even while a
// summary would do for a hidden pane.
func TestWithWholeReadsTheWholeSnapshot(t *testing.T) {
	c, clk := startDemo(t, 45*time.Second)
	d := demoDashboard(t, c, false)
	now := time.Now()
	d.now = func() time.Time { return now }
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Second)
	if _, err := d.Snapshot(WithWhole(context.Background())); err != nil {
		t.Fatal(err)
	}
	if w, s := d.Reads(); w != 2 || s != 0 {
		t.Fatalf("asked whole: %d whole, %d summary reads; want 2 whole", w, s)
	}
	clk.Add(3 * time.Second)
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, s := d.Reads(); w != 2 || s != 1 {
		t.Fatalf("not asked whole: %d whole, %d summary reads; want the summary", w, s)
	}
}

// A refresh's summary does not grow with the OSDs where the dashboard has
// /api/health/snapshot (issue 15: the minimal's entry per OSD was 81 kB a
// refresh at 2,000 OSDs, 1.7 MB a minute), and an OSD going down is still
// seen by the next refresh.
func TestBriefSummaryBytesDoNotGrowWithOSDs(t *testing.T) {
	perRefresh := func(computes int) (int64, *clock, *Dashboard) {
		clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
		c, err := demo.Start(demo.StartOptions{Story: demo.Options{Now: clk.Now, FailAfter: 45 * time.Second, Instances: 20, Computes: computes}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		d := demoDashboard(t, c, true)
		now := time.Now()
		d.now = func() time.Time { return now }
		if _, err := d.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(3 * time.Second)
		b0 := c.BytesWritten()["ceph"]
		if _, err := d.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w, s := d.Reads(); w != 1 || s != 1 {
			t.Fatalf("%d computes: %d whole, %d summary reads; want one of each", computes, w, s)
		}
		return c.BytesWritten()["ceph"] - b0, clk, d
	}
	small, _, _ := perRefresh(6)
	large, clk, d := perRefresh(300) // 600 OSDs
	if large > small+2000 {
		t.Errorf("a summary reads %d bytes at 600 OSDs, %d at 12: it grows with the OSDs", large, small)
	}
	// compute04 loses power: its OSDs go down, and the refresh after
	// reads the whole snapshot that says which.
	clk.Add(45 * time.Second)
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Add(1500 * time.Millisecond)
	s, err := d.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	down := 0
	for _, o := range s.OSDs {
		if o.Host == "compute04" && !o.Up {
			down++
		}
	}
	if w, _ := d.Reads(); w != 2 || down != 2 {
		t.Fatalf("compute04's OSDs went down: %d whole reads (want 2), %d of its OSDs down (want 2)", w, down)
	}
}

// Off screen, a quiet cluster's whole snapshot (1.5 MB at 2,000 OSDs) is
// read once in 5 minutes of refreshes, not once a minute: only the Ceph
// pane shows what only it brings, and on screen it asks for it.
func TestQuietHiddenClusterWholeReadEveryFiveMinutes(t *testing.T) {
	c, clk := startDemo(t, -1)
	d := demoDashboard(t, c, true)
	now := time.Now()
	d.now = func() time.Time { return now }
	for i := 0; i < 100; i++ { // 5 minutes of 3 s refreshes
		if _, err := d.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(3 * time.Second)
		now = now.Add(3 * time.Second)
	}
	if w, s := d.Reads(); w != 1 || s != 99 {
		t.Errorf("5 quiet minutes: %d whole and %d summary reads, want 1 and 99", w, s)
	}
	if _, err := d.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, _ := d.Reads(); w != 2 {
		t.Errorf("5 minutes on: %d whole reads, want 2 (the safety net)", w)
	}
}

// osdsUp is each host's OSDs that are up, by host.
func osdsUp(s *Cluster) map[string]int {
	out := map[string]int{}
	for _, o := range s.OSDs {
		if _, ok := out[o.Host]; !ok {
			out[o.Host] = 0
		}
		if o.Up {
			out[o.Host]++
		}
	}
	return out
}

// A rolling restart: one host's OSDs come back while another's go down
// within one refresh. The up and in counts stay, OSD_DOWN stays with its
// count, yet the next answer must say which OSDs are down (the host model
// marks hosts from them), not the whole read's.
func TestSummaryOSDSwapWithinOneRefresh(t *testing.T) {
	c, clk := startDemo(t, -1)
	d := demoDashboard(t, c, true)
	now := time.Now()
	d.now = func() time.Time { return now }
	ctx := context.Background()
	var a, b string
	down := func(name string) {
		c.Story.Lock(func() {
			h := c.Story.Host(name)
			h.Powered, h.DownSince = false, c.Story.Now()
		})
	}
	c.Story.Lock(func() { a, b = c.Story.Computes()[1].Name, c.Story.Computes()[2].Name })
	down(a)
	clk.Add(2 * time.Second)
	s, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if up := osdsUp(s); up[a] != 0 || up[b] != 2 {
		t.Fatalf("%s lost power: OSDs up per host %v", a, up)
	}
	c.Story.Lock(func() { c.Story.PowerOn(a) })
	down(b)
	clk.Add(2 * time.Second)
	now = now.Add(3 * time.Second)
	s, err = d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if up := osdsUp(s); up[a] != 2 || up[b] != 0 {
		t.Errorf("%s back, %s down: OSDs up per host %v, want 2 on %s and 0 on %s", a, b, up, a, b)
	}
	for _, ch := range s.Checks {
		if ch.Type == "OSD_DOWN" && (len(ch.Detail) != 2 || !strings.Contains(ch.Detail[0], "host="+b)) {
			t.Errorf("OSD_DOWN detail %q, want %s's OSDs", ch.Detail, b)
		}
	}
}

// A new crash raises RECENT_CRASH's count, not its presence: the next
// answer lists it (the snapshot's checks have no detail: the whole read's
// list under the new count would hide it).
func TestSummaryNewCrashIsListed(t *testing.T) {
	for _, brief := range []bool{true, false} {
		name := map[bool]string{true: "snapshot", false: "minimal"}[brief]
		t.Run(name, func(t *testing.T) {
			c, clk := startDemo(t, -1)
			if !brief {
				c.CephWithoutSnapshot()
			}
			d := demoDashboard(t, c, true)
			now := time.Now()
			d.now = func() time.Time { return now }
			ctx := context.Background()
			var crashes []Crash
			for i := 0; i < 3; i++ {
				if i == 2 {
					c.CephCrash(3)
				}
				s, err := d.Snapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				crashes = s.Crashes
				clk.Add(3 * time.Second)
				now = now.Add(3 * time.Second)
			}
			if len(crashes) != 2 || crashes[1].Daemon != "osd.3" {
				t.Errorf("after a new crash: %+v, want the old one and osd.3's", crashes)
			}
		})
	}
}

// A 404 on /api/health/snapshot (a proxy during a manager's move, a
// dashboard upgraded later) makes the summaries the minimal only until
// the next whole read; any other error does not switch at all.
func TestSnapshotEndpointNotForgottenForever(t *testing.T) {
	c, clk := startDemo(t, -1)
	d := demoDashboard(t, c, true)
	now := time.Now()
	d.now = func() time.Time { return now }
	ctx := context.Background()
	refresh := func() ([]string, error) {
		t.Helper()
		n := len(c.Requests())
		_, err := d.Snapshot(ctx)
		clk.Add(3 * time.Second)
		now = now.Add(3 * time.Second)
		return cephPaths(c, n), err
	}
	summary := []string{"/api/health/snapshot", "/api/osd/flags", "/api/summary"}
	if _, err := refresh(); err != nil {
		t.Fatal(err)
	}
	c.CephSnapshotStatus(http.StatusServiceUnavailable)
	refresh() // an error or a whole read: either way not a 404
	c.CephSnapshotStatus(0)
	if got, err := refresh(); err != nil || !reflect.DeepEqual(got, summary) {
		t.Errorf("after a 503 on the snapshot: read %v (%v), want %v", got, err, summary)
	}
	c.CephWithoutSnapshot()
	if _, err := refresh(); err != nil {
		t.Fatal(err)
	}
	c.CephSnapshotStatus(0) // the manager moved, or the dashboard was upgraded
	if got, err := refresh(); err != nil || !reflect.DeepEqual(got, []string{"/api/health/minimal", "/api/osd/flags", "/api/summary"}) {
		t.Errorf("after a 404, before a whole read: read %v (%v), want the minimal", got, err)
	}
	now = now.Add(defaultWholeEvery) // the safety net: a whole read
	if _, err := refresh(); err != nil {
		t.Fatal(err)
	}
	if w, _ := d.Reads(); w < 2 {
		t.Fatalf("%d whole reads, want the safety net's", w)
	}
	if got, err := refresh(); err != nil || !reflect.DeepEqual(got, summary) {
		t.Errorf("after a whole read: read %v (%v), want %v", got, err, summary)
	}
}
