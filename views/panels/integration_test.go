//go:build integration

package panels

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
)

func realClient(t *testing.T) *prometheus.Client {
	t.Helper()
	u := os.Getenv("STACKPIT_TEST_PROMETHEUS_URL")
	if u == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_PROMETHEUS_URL unset (testenv/prometheus.sh start; source testenv/run/prometheus.env)")
		}
		t.Skip("STACKPIT_TEST_PROMETHEUS_URL unset")
	}
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prometheus.New(u, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every query of every shipped dashboard returns data from a real server.
func TestRealDashboardQueries(t *testing.T) {
	c := realClient(t)
	ds, errs := LoadDashboards("")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	now := time.Now()
	vars := map[string]string{"host": "compute01", "range": "1h"}
	for _, d := range ds {
		for _, pn := range d.Panels {
			t.Run(d.Name+"/"+pn.Title, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				data := fetchPanel(ctx, c, pn, vars, now.Add(-time.Hour), now, prometheus.StepFor(time.Hour, 100, 15*time.Second), true)
				if data.err != nil {
					t.Fatal(data.err)
				}
				if len(data.series) == 0 && pn.Title != "Agents down" {
					t.Fatal("no series")
				}
				if pn.Total != "" && (data.total == nil || data.totalErr != nil) {
					t.Fatalf("total: %v", data.totalErr)
				}
			})
		}
	}
}

// The rendered dashboard shows what direct API queries say.
func TestRealDashboardRender(t *testing.T) {
	c := realClient(t)
	ctx := context.Background()
	direct := func(q string) float64 {
		r, err := c.Query(ctx, q, time.Time{})
		if err != nil || len(r.Series) == 0 {
			t.Fatalf("%s: %v", q, err)
		}
		return r.Series[0].Last()
	}
	up, total := direct(`sum(up{job="node"})`), direct(`count(up{job="node"})`)
	osds, osdTotal := direct(`sum(ceph_osd_up)`), direct(`count(ceph_osd_up)`)
	p := New(testCtx(time.Now()), c, Options{})
	_ = p.View(160, 50)
	run(p, p.Init())
	v := ansi.Strip(p.View(160, 50))
	for _, want := range []string{
		FormatValue(up, "short", -1) + "/" + FormatValue(total, "short", -1),
		FormatValue(osds, "short", -1) + "/" + FormatValue(osdTotal, "short", -1),
		"HEALTH_WARN", "nova_api_back", "compute04", "✗",
	} {
		if !showsValue(v, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, v)
		}
	}
	if st := p.Status(); st.Err != nil {
		t.Errorf("status error: %v", st.Err)
	}
	// Host panels for the dead host: node exporter DOWN.
	run(p, p.Pivot("host:compute04"))
	v = ansi.Strip(p.View(160, 50))
	if !strings.Contains(v, "DOWN") || !strings.Contains(v, "Host compute04") {
		t.Errorf("host panels for compute04:\n%s", v)
	}
}

// A real Prometheus answers timestamp() of an ad-hoc query: every row of
// the result carries its sample age (scraped targets: fresh, not "?").
func TestRealAdhocSampleAges(t *testing.T) {
	c := realClient(t)
	p := New(testCtx(time.Now()), c, Options{})
	_ = p.View(160, 50)
	run(p, p.runAdhoc("up", false))
	if p.result == nil || p.result.data == nil || len(p.result.data.series) == 0 {
		t.Fatal("no result for up")
	}
	for _, s := range p.result.data.series {
		if s.age < 0 || s.age > staleSample {
			t.Errorf("%v: sample age %v", s.labels, s.age)
		}
	}
	if v := ansi.Strip(p.View(160, 50)); !strings.Contains(v, "SAMPLE AGE") {
		t.Errorf("no sample age column:\n%s", v)
	}
}
