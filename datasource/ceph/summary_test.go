package ceph

import (
	"context"
	"reflect"
	"sort"
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
// MB at 2,000 OSDs).
func TestSummaryBetweenWholeSnapshots(t *testing.T) {
	c, clk := startDemo(t, 45*time.Second)
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
	if got, want := cephPaths(c, n), []string{"/api/health/minimal", "/api/osd/flags", "/api/summary"}; !reflect.DeepEqual(got, want) {
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
