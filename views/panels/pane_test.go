package panels

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/views/pane"
)

func plain(p *Pane, w, h int) string { return ansi.Strip(p.View(w, h)) }

// onePanel builds a pane with a single-panel dashboard from YAML.
func onePanel(t *testing.T, yaml string, routes map[string]string) *Pane {
	t.Helper()
	d, err := ParseDashboard([]byte("name: t\ntitle: Test\npanels:\n"+yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := sampleServer(t, routes)
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, _ := prometheus.New(srv.URL, hc)
	p := New(testCtx(captureTime), c, Options{Dashboards: []*Dashboard{d}})
	_ = p.View(60, 12)
	run(p, p.Init())
	return p
}

func TestStatPanelGolden(t *testing.T) {
	p := onePanel(t, `
  - {title: Ceph used, type: stat, query: ceph_used, unit: ratio, w: 12, h: 6,
     thresholds: [{value: 0.75, level: warn}, {value: 0.85, level: crit}]}
`, map[string]string{"ceph_used": "@prom_query_stat_ceph_used_ratio.json"})
	v := p.View(40, 7)
	checkSize(t, v, 40, 7)
	golden(t, "stat_40x7", v)
	if pv := ansi.Strip(v); !strings.Contains(pv, "! WARN") {
		t.Errorf("82.9%% with warn at 75%% must say WARN in words:\n%s", pv)
	}
	// Small: one line value + word.
	v = plain(p, 30, 4)
	if !strings.Contains(v, "82.9%") || !strings.Contains(v, "WARN") {
		t.Errorf("small stat:\n%s", v)
	}
}

func TestThresholdMarkers(t *testing.T) {
	p := onePanel(t, `
  - {title: Mem, type: bargauge, query: mem, legend: "{{.instance}}", unit: ratio, base: crit, w: 12, h: 8,
     thresholds: [{value: 0.1, level: warn}, {value: 0.2, level: ok}]}
`, map[string]string{"mem": vecs("instance", map[string]float64{"a": 0.05, "b": 0.15, "c": 0.5})})
	v := plain(p, 50, 6)
	for host, mark := range map[string]string{"a": "✗", "b": "!", "c": "%"} {
		found := false
		for _, l := range strings.Split(v, "\n") {
			if strings.HasPrefix(l, host+" ") && strings.HasSuffix(strings.TrimRight(l, " "), mark) {
				found = true
			}
		}
		if !found {
			t.Errorf("host %s should end with marker %q:\n%s", host, mark, v)
		}
	}
	golden(t, "bargauge_50x6", p.View(50, 6))
}

func TestSparklineGolden(t *testing.T) {
	p := onePanel(t, `
  - {title: API 5xx ratio, type: timeseries, query: ratio, legend: "{{.proxy}}", unit: ratio, w: 12, h: 10,
     thresholds: [{value: 0.02, level: warn}, {value: 0.05, level: crit}]}
`, map[string]string{"ratio": "@prom_range_api_5xx_ratio_3h.json"})
	v := p.View(70, 14)
	checkSize(t, v, 70, 14)
	golden(t, "timeseries_70x14", v)
	pv := ansi.Strip(v)
	if !strings.Contains(pv, "2%┄┤") {
		t.Errorf("threshold line label missing:\n%s", pv)
	}
	if !strings.Contains(pv, "nova_api_back") || !strings.Contains(pv, "✗ CRIT") {
		t.Errorf("legend must name the worst series and its level:\n%s", pv)
	}
	// Without colour every series still has its own legend marker, and the
	// same letter ends its line in the plot.
	seen := map[string]bool{}
	for _, l := range strings.Split(pv, "\n") {
		for _, name := range []string{"nova_api_back", "neutron_server_back", "glance_api_back"} {
			if strings.Contains(l, " "+name+" ") {
				m := strings.Fields(l)[0]
				if seen[m] {
					t.Errorf("legend marker %q used by two series:\n%s", m, pv)
				}
				seen[m] = true
				if letter := m[len(m)-1:]; !strings.Contains(strings.Join(strings.Split(pv, "\n")[2:11], "\n"), letter) {
					t.Errorf("series letter %q of %s not in the plot:\n%s", letter, name, pv)
				}
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("want 3 distinct legend markers, got %v:\n%s", seen, pv)
	}
	// Tiny: block sparklines, one per series.
	v = plain(p, 40, 4) // header + 3 lines: no room for a braille chart
	if !strings.ContainsAny(v, "▁▂▃▄▅▆▇█") {
		t.Errorf("compact sparkline:\n%s", v)
	}
}

func TestTableGoldenAndEscapes(t *testing.T) {
	evil := "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"
	p := onePanel(t, `
  - {title: Agents, type: table, query: agents, columns: [hostname, service], mappings: {"0": DOWN, "1": UP},
     base: crit, thresholds: [{value: 1, level: ok}], w: 12, h: 8}
`, map[string]string{"agents": `{"status":"success","data":{"resultType":"vector","result":[
 {"metric":{"hostname":"compute01","service":"nova-compute"},"value":[1795341444,"1"]},
 {"metric":{"hostname":"compute03","service":"nova-compute"},"value":[1795341444,"0"]},
 {"metric":{"hostname":"` + strings.ReplaceAll(strings.ReplaceAll(evil, "\x1b", `\u001b`), "\a", `\u0007`) + `","service":"x"},"value":[1795341444,"1"]}]}}`})
	v := p.View(60, 6)
	checkSize(t, v, 60, 6)
	golden(t, "table_60x6", v)
	pv := ansi.Strip(v)
	lines := strings.Split(pv, "\n")
	if !strings.Contains(lines[3], "compute03") || !strings.Contains(lines[3], "DOWN ✗") {
		t.Errorf("down agent first, with a marker:\n%s", pv)
	}
	if !strings.Contains(pv, `\e]52`) {
		t.Errorf("escape-laden hostname must render inert and visible:\n%s", pv)
	}
}

func TestErrorPanelGolden(t *testing.T) {
	p := onePanel(t, `
  - {title: Broken, type: stat, query: "sum(rate(x[5m])", w: 12, h: 5}
`, map[string]string{})
	v := p.View(50, 6)
	golden(t, "error_50x6", v)
	pv := ansi.Strip(v)
	if !strings.Contains(pv, "✗ ERR") || !strings.Contains(pv, "bad_data") || !strings.Contains(pv, "unclosed left parenthesis") {
		t.Errorf("error panel must show Prometheus' error text:\n%s", pv)
	}
	st := p.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "1 of 1 panels failed") {
		t.Errorf("status %+v", st)
	}
}

// Each panel fails on its own: one broken query leaves the others intact.
func TestPanelsFailIndependently(t *testing.T) {
	routes := sampleRoutes()
	delete(routes, `ceph_health_status`)
	p, _ := newTestPane(t, routes)
	_ = p.View(120, 40)
	run(p, p.Init())
	v := plain(p, 120, 40)
	if strings.Count(v, "✗ ERR") != 1 {
		t.Errorf("want exactly one failed panel:\n%s", v)
	}
	if !showsValue(v, "8/9") || !strings.Contains(v, "nova_api_back") {
		t.Errorf("other panels must still show data:\n%s", v)
	}
}

func TestManySeriesTopN(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"pod":"p%04d"},"values":[[1795337844,"%d"],[1795341444,"%d"]]}`, i, i, i)
	}
	b.WriteString(`]}}`)
	p := onePanel(t, `
  - {title: Many, type: timeseries, query: many, legend: "{{.pod}}", w: 12, h: 10}
`, map[string]string{"many": b.String()})
	v := plain(p, 60, 12)
	if !strings.Contains(v, "top 8 of 1000 series") || !strings.Contains(v, "p0999") {
		t.Errorf("1000 series must be cut to the top 8 with a note:\n%s", v)
	}
}

// The range step gives about one point per chart cell.
func TestStepFromPanelWidth(t *testing.T) {
	var mu sync.Mutex
	steps := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		steps[r.Form.Get("query")] = r.Form.Get("step")
		mu.Unlock()
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[]}}`))
	}))
	defer srv.Close()
	d, err := ParseDashboard([]byte("name: t\nrange: 1h\npanels:\n  - {title: a, type: timeseries, query: q, w: 12}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := httpclient.New(httpclient.Options{})
	c, _ := prometheus.New(srv.URL, hc)
	p := New(testCtx(captureTime), c, Options{Dashboards: []*Dashboard{d}})
	_ = p.View(129, 20) // chart = 129 - 9 cells
	run(p, p.Init())
	if steps["q"] != "30" {
		t.Errorf("1h over 120 cells: step %q, want 30", steps["q"])
	}
	key(p, "t") // 6h
	_ = p.View(129, 20)
	run(p, p.Init())
	if steps["q"] != "180" {
		t.Errorf("6h over 120 cells: step %q, want 180", steps["q"])
	}
}

// A refresh issues every panel's query at once: the server holds each
// request until all have arrived.
func TestRefreshIsConcurrent(t *testing.T) {
	routes := sampleRoutes()
	n := 0
	ds, _ := LoadDashboards("")
	for _, pn := range ds[0].Panels {
		n += len(pn.Targets)
	}
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	inner := sampleServer(t, routes)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if !strings.HasPrefix(r.Form.Get("query"), "count(") { // totals run after their panel's query
			mu.Lock()
			arrived++
			if arrived == n {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(20 * time.Second):
				http.Error(w, "queries were not concurrent", 500)
				return
			}
		}
		req, _ := http.NewRequest(r.Method, inner.URL+r.URL.Path, strings.NewReader(r.Form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 1<<20)
		for {
			k, err := resp.Body.Read(buf)
			_, _ = w.Write(buf[:k])
			if err != nil {
				break
			}
		}
	}))
	defer srv.Close()
	hc, _ := httpclient.New(httpclient.Options{})
	c, _ := prometheus.New(srv.URL, hc)
	p := New(testCtx(captureTime), c, Options{})
	batch, ok := p.Init()().(tea.BatchMsg)
	if !ok || len(batch) != len(ds[0].Panels) {
		t.Fatalf("Init should batch one command per panel, got %T", batch)
	}
	msgs := make(chan tea.Msg, len(batch))
	for _, cmd := range batch {
		go func() { msgs <- cmd() }()
	}
	for range batch {
		p.Update(<-msgs)
	}
	if st := p.Status(); st.Err != nil {
		t.Fatalf("panels failed: %v", st.Err)
	}
}

func TestTimeNavigationAndPause(t *testing.T) {
	now := captureTime
	p, _ := newTestPane(t, sampleRoutes())
	p.ctx.Now = func() time.Time { return now }
	_ = p.View(120, 40)
	run(p, p.Init())
	h := strings.Split(plain(p, 120, 40), "\n")[0]
	if !strings.Contains(h, "range 1h") || !strings.Contains(h, "live") {
		t.Fatalf("header %q", h)
	}
	key(p, "t")
	key(p, "[")
	h = strings.Split(plain(p, 120, 40), "\n")[0]
	if !strings.Contains(h, "range 6h") || !strings.Contains(h, "ends 3h ago") {
		t.Fatalf("after t and [: %q", h)
	}
	if q, _ := Expand(`max_over_time(up[{{.range}}])`, p.templateVars()); q != `max_over_time(up[6h])` {
		t.Errorf("{{.range}} expands to %q", q)
	}
	start, end, live := p.window()
	if live || !end.Equal(now.Add(-3*time.Hour)) || end.Sub(start) != 6*time.Hour {
		t.Fatalf("window %v..%v live=%v", start, end, live)
	}
	key(p, "]")
	key(p, "]")
	if _, _, live := p.window(); !live {
		t.Fatal("] twice should be back at now")
	}
	key(p, "p")
	if !strings.Contains(plain(p, 120, 40), "PAUSED") || !strings.Contains(p.Status().Note, "paused") {
		t.Fatal("pause not shown")
	}
	now = now.Add(time.Hour)
	if _, cmd := p.Update(pane.TickMsg(now)); cmd != nil {
		t.Fatal("paused pane refreshed on tick")
	}
	key(p, "p")
	now = now.Add(time.Hour)
	if _, cmd := p.Update(pane.TickMsg(now)); cmd == nil {
		t.Fatal("resumed pane did not refresh after its interval")
	}
}

func TestFilterNarrowsSeries(t *testing.T) {
	p, _ := newTestPane(t, sampleRoutes())
	_ = p.View(120, 40)
	run(p, p.Init())
	p.SetFilter("host:compute05")
	v := plain(p, 120, 40)
	if strings.Contains(v, "compute03 ██") || !strings.Contains(v, "compute05") {
		t.Errorf("filter host:compute05:\n%s", v)
	}
	if !strings.Contains(v, "filter host:compute05") {
		t.Error("header should show the filter")
	}
}

func TestZoom(t *testing.T) {
	p, _ := newTestPane(t, sampleRoutes())
	_ = p.View(80, 24)
	run(p, p.Init())
	for i := 0; i < 11; i++ {
		key(p, "j")
	}
	key(p, "z")
	v := plain(p, 80, 24)
	if !strings.Contains(v, "▶Agents down") || strings.Contains(v, "Hosts up") {
		t.Errorf("zoomed on the last panel:\n%s", v)
	}
	if !p.Back() || p.zoom {
		t.Error("esc (Back) should leave zoom")
	}
	if p.Back() {
		t.Error("Back with nothing to close must let the shell go back")
	}
}

func startDemo(t *testing.T) (*demo.Cloud, *Pane) {
	t.Helper()
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 60, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, err := prometheus.New(dc.Config().Prometheus.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	p := New(testCtx(time.Now()), c, Options{})
	return dc, p
}

func TestDemoDashboardAndHostPivot(t *testing.T) {
	dc, p := startDemo(t)
	_ = p.View(120, 40)
	run(p, p.Init())
	if st := p.Status(); st.Err != nil {
		t.Fatalf("default dashboard on the demo: %v", st.Err)
	}
	for i, d := range p.data {
		if d == nil || (len(d.series) == 0 && p.cur().Panels[i].Title != "Agents down") {
			t.Errorf("panel %q has no data", p.cur().Panels[i].Title)
		}
	}
	if v := plain(p, 120, 40); !showsValue(v, "9/9") {
		t.Errorf("all hosts up in the demo:\n%s", v)
	}
	run(p, p.Pivot("host:compute03"))
	v := plain(p, 120, 40)
	if !strings.Contains(v, "Host compute03") || !strings.Contains(v, "UP") || !strings.Contains(v, "/var/lib/nova") {
		t.Errorf("host panels:\n%s", v)
	}
	if st := p.Status(); st.Err != nil {
		t.Fatalf("host dashboard on the demo: %v", st.Err)
	}
	key(p, "esc")
	if p.cur().Name != "openstack" {
		t.Error("esc should return to the default dashboard")
	}
	if m := dc.Mutations(); len(m) != 0 {
		t.Fatalf("mutating requests: %+v", m)
	}
}

func TestPromptCompletionHistoryAndErrors(t *testing.T) {
	_, p := startDemo(t)
	_ = p.View(100, 30)
	run(p, p.Init())
	key(p, "e")
	if !p.Capturing() {
		t.Fatal("prompt open: pane must capture keys")
	}
	typeText(p, "node_lo")
	key(p, "tab")
	if got := string(p.prompt.text); got != "node_load" {
		t.Fatalf("common prefix completion: %q", got)
	}
	key(p, "tab")
	if got := string(p.prompt.text); got != "node_load1" || len(p.prompt.cands) != 3 {
		t.Fatalf("cycling candidates: %q %v", got, p.prompt.cands)
	}
	if v := plain(p, 100, 30); !strings.Contains(v, "node_load15") {
		t.Errorf("candidates should be listed:\n%s", v)
	}
	typeText(p, `{hostna`)
	key(p, "tab")
	typeText(p, `="compute0`)
	key(p, "tab") // label values are fetched from the server
	if got := string(p.prompt.text); !strings.HasPrefix(got, `node_load1{hostname="compute0`) {
		t.Fatalf("label completion: %q", got)
	}
	// Fresh query: instant table.
	key(p, "esc")
	if p.Capturing() {
		t.Fatal("esc closes the prompt")
	}
	key(p, "e")
	typeText(p, `node_load1`)
	key(p, "ctrl+t") // instant
	key(p, "enter")
	v := plain(p, 100, 30)
	if p.result == nil || p.result.data == nil || len(p.result.data.series) != 9 || !strings.Contains(v, "compute03:9100") {
		t.Fatalf("instant result table:\n%s", v)
	}
	key(p, "T")
	if v := plain(p, 100, 30); !strings.Contains(v, "as chart") {
		t.Errorf("T toggles chart:\n%s", v)
	}
	// Bad PromQL: Prometheus' error inline, prompt reopened with the text.
	key(p, "e")
	key(p, "ctrl+t") // back to range
	for range "node_load1" {
		_, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(p, `sum(rate(node_load1[5m])`)
	key(p, "enter")
	v = plain(p, 100, 30)
	if !p.Capturing() || !strings.Contains(v, "bad_data") || !strings.Contains(v, "unclosed left parenthesis") {
		t.Fatalf("inline error:\n%s", v)
	}
	// History: up recalls earlier queries.
	key(p, "esc")
	key(p, "e")
	p.prompt.text, p.prompt.cursor = nil, 0
	key(p, "up")
	if got := string(p.prompt.text); got != `sum(rate(node_load1[5m])` {
		t.Fatalf("history up: %q", got)
	}
	key(p, "up")
	if got := string(p.prompt.text); got != `node_load1` {
		t.Fatalf("history up twice: %q", got)
	}
}

func TestUserDashboards(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`
name: mine
title: Mine
panels:
  - title: Load on {{.host}}
    type: timeseries
    query: 'node_load1{instance="{{.host}}:9100"}' 
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: broken\npanels:\n  - {title: x, type: pie, query: up}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, errs := LoadDashboards(dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown type "pie"`) || !strings.Contains(errs[0].Error(), "broken.yaml") {
		t.Fatalf("errs %v", errs)
	}
	names := []string{}
	for _, d := range ds {
		names = append(names, d.Name)
	}
	if strings.Join(names, ",") != "openstack,host,mine" {
		t.Fatalf("dashboards %v", names)
	}
	q, err := Expand(ds[2].Panels[0].Targets[0].Expr, map[string]string{"host": "compute02"})
	if err != nil || q != `node_load1{instance="compute02:9100"}` {
		t.Fatalf("expand %q %v", q, err)
	}
}

func TestParseDashboardErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"panels:\n  - {title: a, type: stat}\n", "no query"},
		{"panels:\n  - {title: a, type: stat, query: up, unit: furlongs}\n", "unknown unit"},
		{"refresh: soon\npanels:\n  - {title: a, type: stat, query: up}\n", "refresh"},
		{"panels:\n  - {title: a, type: stat, query: up, thresholds: [{value: 1, level: purple}]}\n", "threshold level"},
		{"panels:\n  - {title: a, type: stat, query: up, colour: red}\n", "colour"},
		{"name: x\n", "no panels"},
	} {
		_, err := ParseDashboard([]byte(c.yaml), "d.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.4721, "ratio", "47.2%"}, {47.21, "percent", "47.2%"}, {1536, "bytes", "1.5 KiB"},
		{3 * 1024 * 1024 * 1024, "bytes", "3 GiB"}, {52428800, "bytes/s", "50 MiB/s"},
		{0.25, "seconds", "250ms"}, {2.5, "seconds", "2.50s"}, {5400, "seconds", "1.5h"},
		{1234567, "short", "1.2M"}, {42, "short", "42"}, {0.5, "short", "0.5"}, {1.25, "", "1.25"},
	} {
		if got := FormatValue(c.v, c.unit, -1); got != c.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestAdhocTableScrolls(t *testing.T) {
	vals := map[string]float64{}
	for i := 0; i < 50; i++ {
		vals[fmt.Sprintf("pod%02d", i)] = float64(100 - i)
	}
	p, _ := newTestPane(t, map[string]string{"pods": vecs("pod", vals)})
	key(p, "e")
	typeText(p, "pods")
	key(p, "ctrl+t") // instant
	key(p, "enter")
	v := plain(p, 60, 15)
	if !strings.Contains(v, "pod00") || strings.Contains(v, "pod30") || !strings.Contains(v, "rows 1-") {
		t.Fatalf("first page:\n%s", v)
	}
	for i := 0; i < 30; i++ {
		key(p, "j")
	}
	v = plain(p, 60, 15)
	if strings.Contains(v, "pod00") || !strings.Contains(v, "pod30") {
		t.Fatalf("after scrolling 30 rows:\n%s", v)
	}
	key(p, "g")
	if v := plain(p, 60, 15); !strings.Contains(v, "pod00") {
		t.Fatalf("g goes back to the top:\n%s", v)
	}
}

func TestHistoryPersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "promql_history")
	srv := sampleServer(t, map[string]string{"up": vec(`{}`, 1)})
	hc, _ := httpclient.New(httpclient.Options{})
	c, _ := prometheus.New(srv.URL, hc)
	p := New(testCtx(captureTime), c, Options{HistoryFile: file})
	key(p, "e")
	typeText(p, "up")
	key(p, "enter")
	p2 := New(testCtx(captureTime), c, Options{HistoryFile: file})
	key(p2, "e")
	key(p2, "up")
	if got := string(p2.prompt.text); got != "up" {
		t.Fatalf("history from the previous session: %q", got)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("history file %v %v", fi, err)
	}
}
