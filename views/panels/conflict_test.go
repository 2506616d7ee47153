package panels

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/hostmodel"
)

// The Panels stat "nova-compute up 5/5 ✓ ALL UP" while Nova says
// compute04's nova-compute is DOWN: the stat says both, never ALL UP alone.
func TestServiceStatShowsConflictWithNova(t *testing.T) {
	vec := func(v string) string {
		return `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"` + v + `"]}]}}`
	}
	d, err := ParseDashboard([]byte(`name: t
title: Test
panels:
  - {title: nova-compute up, type: stat, query: up_q, total: total_q, service: nova-compute, w: 12, h: 6}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := sampleServer(t, map[string]string{"up_q": vec("5"), "total_q": vec("5")})
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, _ := prometheus.New(srv.URL, hc)
	hosts := hostmodel.New()
	ctx := testCtx(captureTime)
	ctx.Hosts = hosts
	hosts.Apply(hostmodel.Observation{Pane: "compute", Source: hostmodel.Nova, At: captureTime.Add(-5 * time.Second), Facts: []hostmodel.Fact{
		hostmodel.ServiceFact("compute04", "nova-compute", true, false), hostmodel.ServiceFact("compute01", "nova-compute", false, false)}})
	p := New(ctx, c, Options{Dashboards: []*Dashboard{d}})
	_ = p.View(60, 12)
	var apply func(tea.Cmd)
	apply = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch m := cmd().(type) {
		case tea.BatchMsg:
			for _, c := range m {
				apply(c)
			}
		case hostmodel.Observation:
			hosts.Apply(m)
		case nil:
		default:
			_, next := p.Update(m)
			apply(next)
		}
	}
	apply(p.Init())
	if len(hosts.Conflicts()) != 1 {
		t.Fatalf("the stat was not published or not found contradicting Nova: %+v", hosts.Conflicts())
	}
	v := plain(p, 60, 8)
	if !strings.Contains(v, "ALL UP ⚠ nova: compute04 DOWN <10s") {
		t.Fatalf("stat does not show Nova's view:\n%s", v)
	}
	golden(t, "stat_conflict_60x8", p.View(60, 8))
}
