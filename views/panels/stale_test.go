package panels

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/themes"
)

// Prometheus dies after a good refresh: every panel keeps its last good
// data under a one-line error naming the server and the reason, the header
// shows how old that data is, and the pane's age stays the good data's.
func TestDeadPrometheusKeepsLastGoodDataWithAge(t *testing.T) {
	srv := sampleServer(t, sampleRoutes())
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prometheus.New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	now := captureTime
	ctx := testCtx(now)
	ctx.Now = func() time.Time { return now }
	p := New(ctx, c, Options{})
	_ = p.View(120, 40)
	run(p, p.Init())
	good := ansi.Strip(p.View(120, 40))
	if !showsValue(good, "8/9") || strings.Contains(good, "✗ ERR") {
		t.Fatalf("first refresh should show data:\n%s", good)
	}

	srv.Close()
	now = now.Add(40 * time.Second)
	run(p, p.refreshAll())
	v := ansi.Strip(p.View(120, 40))
	if !showsValue(v, "8/9") {
		t.Errorf("the last good value is gone after a failed refresh:\n%s", v)
	}
	if !strings.Contains(v, "✗ ERR 40s") {
		t.Errorf("failed panels must show the age of the data they keep:\n%s", v)
	}
	if !strings.Contains(v, "prometheus at "+srv.URL) || !strings.Contains(v, "connection refused") {
		t.Errorf("the error must name the server and the reason:\n%s", v)
	}
	st := p.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "unreachable: prometheus at") {
		t.Errorf("status err %v", st.Err)
	}
	if !st.Updated.Equal(captureTime) {
		t.Errorf("status age from %v, want the last good data's %v", st.Updated, captureTime)
	}
}

// An ad-hoc instant query shows each value's sample age (timestamp() of
// the same expression, relative to its evaluation): a host that stopped
// reporting four minutes ago keeps a value in Prometheus's lookback window,
// and its row says "4m stale" in grey instead of passing for the present.
func TestAdhocValuesShowSampleAgeAndGreyWhenStale(t *testing.T) {
	const eval = 1795341444
	res := func(vals map[string]float64) string {
		var parts []string
		for h, v := range vals {
			parts = append(parts, fmt.Sprintf(`{"metric":{"__name__":"node_load1","instance":"%s:9100"},"value":[%d,"%g"]}`, h, eval, v))
		}
		return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(parts, ",") + `]}}`
	}
	ts := func(vals map[string]float64) string {
		var parts []string
		for h, v := range vals {
			parts = append(parts, fmt.Sprintf(`{"metric":{"instance":"%s:9100"},"value":[%d,"%g"]}`, h, eval, v))
		}
		return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(parts, ",") + `]}}`
	}
	srv := sampleServer(t, map[string]string{
		"node_load1":            res(map[string]float64{"compute01": 3.5, "compute04": 7.25}),
		"timestamp(node_load1)": ts(map[string]float64{"compute01": eval - 12, "compute04": eval - 240}),
	})
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prometheus.New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(captureTime)
	ctx.Theme = themes.Default(false) // colour on: greying is checked below
	p := New(ctx, c, Options{})
	_ = p.View(120, 40)
	run(p, p.runAdhoc("node_load1", false))
	raw := p.View(120, 40)
	v := ansi.Strip(raw)
	var fresh, stale string
	for _, l := range strings.Split(v, "\n") {
		switch {
		case strings.Contains(l, "compute01:9100"):
			fresh = l
		case strings.Contains(l, "compute04:9100"):
			stale = l
		}
	}
	if !strings.Contains(v, "SAMPLE AGE") || !strings.Contains(fresh, "10s") || strings.Contains(fresh, "stale") {
		t.Fatalf("fresh row %q:\n%s", fresh, v)
	}
	if !strings.Contains(stale, "4m stale") {
		t.Fatalf("stale row %q:\n%s", stale, v)
	}
	// The stale row is greyed as a whole (muted role), the fresh one is not.
	muted := p.ctx.Theme.Render(themes.Muted, "x")
	prefix := muted[:strings.Index(muted, "x")]
	if prefix == "" {
		t.Fatal("the colour theme renders muted text without a style")
	}
	for _, l := range strings.Split(raw, "\n") {
		if strings.Contains(ansi.Strip(l), "compute04:9100") && !strings.HasPrefix(l, prefix) {
			t.Errorf("stale row not greyed: %q", l)
		}
		if strings.Contains(ansi.Strip(l), "compute01:9100") && strings.HasPrefix(l, prefix) {
			t.Errorf("fresh row greyed: %q", l)
		}
	}

	// No timestamp() answer: ages unknown, never shown as fresh.
	srv2 := sampleServer(t, map[string]string{"node_load1": res(map[string]float64{"compute01": 3.5})})
	c2, _ := prometheus.New(srv2.URL, hc)
	p2 := New(testCtx(captureTime), c2, Options{})
	_ = p2.View(120, 40)
	run(p2, p2.runAdhoc("node_load1", false))
	if v := ansi.Strip(p2.View(120, 40)); strings.Contains(v, "SAMPLE AGE") || !strings.Contains(v, "compute01:9100") {
		t.Fatalf("without ages:\n%s", v)
	}
}

// Under SharedWindow (stackpit serve) a live range ends on a step boundary
// and assumes a standard width, so sessions of different sizes at
// different seconds send one identical query.
func TestSharedWindowAlignsRanges(t *testing.T) {
	at := func(sec int) time.Time { return captureTime.Truncate(time.Hour).Add(time.Duration(sec) * time.Second) }
	win := func(now time.Time) (time.Time, time.Time) {
		ctx := testCtx(now)
		p := New(ctx, nil, Options{SharedWindow: true})
		s, e, live := p.window()
		if !live {
			t.Fatal("not live")
		}
		return s, e
	}
	s1, e1 := win(at(61))
	s2, e2 := win(at(64))
	if !s1.Equal(s2) || !e1.Equal(e2) {
		t.Fatalf("two sessions 3 s apart: %v-%v vs %v-%v", s1, e1, s2, e2)
	}
	p := New(testCtx(at(61)), nil, Options{})
	if _, e, _ := p.window(); !e.Equal(at(61)) {
		t.Fatalf("a local cockpit's range must end now: %v", e)
	}
}
