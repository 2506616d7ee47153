package loki_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/demo"
)

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

func startDemo(t *testing.T, now func() time.Time, readOnly bool) (*demo.Cloud, *loki.Client) {
	t.Helper()
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 40, Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := c.Config()
	if cfg.Loki == nil || cfg.Loki.HostLabel != "host" {
		t.Fatalf("demo did not configure loki: %+v", cfg.Loki)
	}
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: readOnly})
	sc, _ := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: -1})
	lc, err := loki.New(loki.Options{URL: cfg.Loki.URL, HTTP: hc, Stream: sc})
	if err != nil {
		t.Fatal(err)
	}
	return c, lc
}

func TestDemoQueryIsDeterministicAndRealistic(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	cloud, c := startDemo(t, clk.Now, true)
	ctx := context.Background()
	clk.Add(46 * time.Second) // compute04 loses power at 45 s (noticed at the next look)
	cloud.Story.Lock(func() {})
	clk.Add(74 * time.Second)
	rq := loki.RangeQuery{Query: `{job="kolla"}`, Start: clk.Now().Add(-time.Hour), End: clk.Now(), Limit: 500, Direction: loki.Backward}
	a, err := c.QueryRange(ctx, rq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.QueryRange(ctx, rq)
	if len(a.Entries) != 500 || len(b.Entries) != 500 {
		t.Fatalf("entries %d %d", len(a.Entries), len(b.Entries))
	}
	for i := range a.Entries {
		if a.Entries[i].Key() != b.Entries[i].Key() {
			t.Fatalf("entry %d differs between identical queries", i)
		}
	}
	hosts := map[string]bool{}
	for _, e := range a.Entries {
		hosts[e.Stream.Get("host")] = true
		if e.Stream.Get("service_name") == "" || e.Stream.Get("detected_level") == "" {
			t.Fatalf("labels %v", e.Stream.Map)
		}
	}
	if len(hosts) < 8 {
		t.Fatalf("lines from %d hosts", len(hosts))
	}
	// The story's failure shows: compute04 is silent after power loss and
	// the controllers complain about it.
	down := time.Date(2026, 11, 22, 12, 0, 46, 0, time.UTC)
	errs, err := c.QueryRange(ctx, loki.RangeQuery{Query: `{container=~"nova_scheduler|nova_conductor"} |= "compute04"`, Start: down, End: clk.Now(), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var lost, seems bool
	for _, e := range errs.Entries {
		lost = lost || strings.Contains(e.Line, "Lost connection") && strings.Contains(e.Line, " ERROR ")
		seems = seems || strings.Contains(e.Line, "Seems service nova-compute on host compute04 is down")
	}
	if !lost || !seems {
		t.Fatalf("no host-down errors: %d lines", len(errs.Entries))
	}
	after, _ := c.QueryRange(ctx, loki.RangeQuery{Query: `{host="compute04"}`, Start: down.Add(time.Second), End: clk.Now(), Limit: 100})
	if len(after.Entries) != 0 {
		t.Fatalf("powered-off host logged %q", after.Entries[0].Line)
	}
	// A request ID pivots across services.
	var req string
	for _, e := range a.Entries {
		if strings.Contains(e.Line, "Rebooting instance") {
			req = e.Line[strings.Index(e.Line, "req-"):][:40]
		}
	}
	if req == "" {
		t.Fatal("no reboot trail in the last 500 lines")
	}
	trail, err := c.QueryRange(ctx, loki.RangeQuery{Query: `{host=~".+"} |= "` + req + `"`, Start: clk.Now().Add(-time.Hour), End: clk.Now(), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	svcs := map[string]bool{}
	for _, e := range trail.Entries {
		svcs[e.Stream.Get("container")] = true
	}
	if !svcs["nova_api"] || !svcs["nova_compute"] {
		t.Fatalf("trail for %s covers %v", req, svcs)
	}
}

func TestDemoLabelsErrorsAndLimits(t *testing.T) {
	_, c := startDemo(t, nil, true)
	ctx := context.Background()
	ls, err := c.Labels(ctx, time.Time{}, time.Time{})
	if err != nil || !strings.Contains(strings.Join(ls, ","), "container,detected_level,host") {
		t.Fatalf("labels %v %v", ls, err)
	}
	vs, err := c.LabelValues(ctx, "container", time.Time{}, time.Time{}, `{host="compute01"}`)
	if err != nil || strings.Join(vs, ",") != "neutron_openvswitch_agent,nova_compute,nova_libvirt,openvswitch_vswitchd" {
		t.Fatalf("values %v %v", vs, err)
	}
	ss, err := c.Series(ctx, []string{`{container="nova_compute", detected_level="info"}`}, time.Time{}, time.Time{})
	if err != nil || len(ss) != 6 {
		t.Fatalf("series %d %v", len(ss), err)
	}
	_, err = c.QueryRange(ctx, loki.RangeQuery{Query: `{host="compute01"`})
	var le *loki.Error
	if !errors.As(err, &le) || le.Status != 400 || !strings.Contains(err.Error(), "parse error at line 1, col 18: syntax error: unexpected $end, expecting } or ,") {
		t.Fatalf("bad logql: %v", err)
	}
	if _, err := c.QueryRange(ctx, loki.RangeQuery{Query: `{host=~".*"}`}); err == nil || !strings.Contains(err.Error(), "empty-compatible") {
		t.Fatalf("empty-compatible selector: %v", err)
	}
	var all []loki.Entry
	err = c.QueryAll(ctx, loki.RangeQuery{Query: `{job="kolla"}`, Start: time.Now().Add(-30 * time.Minute), Direction: loki.Forward}, 12000,
		func(es []loki.Entry) bool { all = append(all, es...); return true })
	if err != nil || len(all) != 12000 {
		t.Fatalf("paged %d %v", len(all), err)
	}
	seen := map[loki.Key]bool{}
	for i, e := range all {
		if seen[e.Key()] {
			t.Fatalf("duplicate at %d", i)
		}
		seen[e.Key()] = true
	}
}

func TestDemoTailAndPushedBurstLoseNothing(t *testing.T) {
	cloud, c := startDemo(t, nil, true)
	w, _ := httpclient.New(httpclient.Options{})
	pusher, _ := loki.New(loki.Options{URL: cloud.Config().Loki.URL, HTTP: w})
	ro, _ := loki.New(loki.Options{URL: cloud.Config().Loki.URL, HTTP: mustClient(t, true)})
	if err := ro.Push(context.Background(), nil); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only push: %v", err)
	}
	s := c.Follow(`{job="burst"}`, loki.FollowOptions{PollInterval: 100 * time.Millisecond})
	defer s.Close()
	time.Sleep(300 * time.Millisecond)
	const n = 5000
	var entries []loki.PushEntry
	base := time.Now()
	for i := 0; i < n; i++ {
		entries = append(entries, loki.PushEntry{Time: base.Add(time.Duration(i) * time.Microsecond), Line: fmt.Sprintf("burst %06d", i)})
	}
	if err := pusher.Push(context.Background(), []loki.PushStream{{Labels: map[string]string{"job": "burst", "host": "compute01"}, Entries: entries}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := map[string]int{}
	var drop bool
	var st loki.FollowStatus
	for len(got) < n {
		b, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("%d/%d lines: %v %+v", len(got), n, err, st)
		}
		st = b.FollowStatus
		for _, it := range b.Items {
			if it.Marker != nil {
				drop = drop || it.Marker.Kind == loki.MarkDrop
				continue
			}
			got[it.Line]++
		}
	}
	for l, k := range got {
		if k != 1 {
			t.Fatalf("%s delivered %d times", l, k)
		}
	}
	if !drop || st.Mode != loki.ModePolling {
		t.Fatalf("drop marker %v mode %s", drop, st.Mode)
	}
	for _, r := range cloud.Requests() {
		if r.Service == "loki" && r.Method != http.MethodGet && r.Path != "/loki/api/v1/push" {
			t.Fatalf("unexpected %s %s", r.Method, r.Path)
		}
	}
}

func mustClient(t *testing.T, ro bool) *http.Client {
	c, err := httpclient.New(httpclient.Options{ReadOnly: ro})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDemoEvacuationTrailAcrossServices(t *testing.T) {
	cloud, c := startDemo(t, nil, true)
	const req = "req-11111111-2222-4333-8444-555555555555"
	var id string
	cloud.Story.Lock(func() {
		id = cloud.Story.Instances[0].ID
		for _, ph := range []string{"accepted", "progress", "done"} {
			cloud.Story.Emit(demo.Event{Kind: "evacuate", Host: "compute04", Message: "evacuate " + ph + " for " + id,
				Fields: map[string]string{"request_id": req, "instance_id": id, "phase": ph, "source": "compute04", "target": "compute02"}})
		}
	})
	time.Sleep(500 * time.Millisecond) // the conductor and scheduler lines follow the API's by up to 400 ms
	res, err := c.QueryRange(context.Background(), loki.RangeQuery{Query: `{host=~".+"} |= "` + req + `"`, Start: time.Now().Add(-time.Minute), End: time.Now().Add(time.Second), Direction: loki.Forward, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]bool{}
	for _, e := range res.Entries {
		where[e.Stream.Get("container")+"@"+e.Stream.Get("host")] = true
		if !strings.Contains(e.Line, req) {
			t.Fatalf("line without the request ID: %q", e.Line)
		}
	}
	var api, cond, sched, target bool
	for k := range where {
		api = api || strings.HasPrefix(k, "nova_api@control")
		cond = cond || strings.HasPrefix(k, "nova_conductor@control")
		sched = sched || strings.HasPrefix(k, "nova_scheduler@control")
		target = target || k == "nova_compute@compute02"
	}
	if !api || !cond || !sched || !target {
		t.Fatalf("evacuation trail covers %v", where)
	}
	inst, _ := c.QueryRange(context.Background(), loki.RangeQuery{Query: `{container="nova_compute"} |= "` + id + `"`, Start: time.Now().Add(-time.Minute), End: time.Now().Add(time.Second), Limit: 100})
	if len(inst.Entries) == 0 {
		t.Fatal("no nova_compute lines for the instance UUID")
	}
}

func BenchmarkDemoRequestPivotQuery(b *testing.B) {
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 300}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	lc, _ := loki.New(loki.Options{URL: c.Config().Loki.URL, HTTP: hc})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := lc.QueryRange(context.Background(), loki.RangeQuery{Query: `{host=~".+"} |= "req-11111111-2222-4333-8444-555555555555"`,
			Start: time.Now().Add(-time.Hour), End: time.Now(), Limit: 5000})
		if err != nil {
			b.Fatal(err)
		}
	}
}
