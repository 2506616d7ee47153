package panels

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
)

// Two sessions' panels through one share (`stackpit serve`): the second
// is given the first one's answer, and its panel says how old that is,
// not when it arrived.
func TestSharedPanelShowsItsRealAge(t *testing.T) {
	d, err := ParseDashboard([]byte(`name: t
title: Test
panels:
  - {title: load, type: stat, query: up_q, w: 12, h: 6}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vec := `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"5"]}]}}`
	srv := sampleServer(t, map[string]string{"up_q": vec})
	asked := captureTime.Add(-5 * time.Second)
	share := httpclient.NewShare(time.Hour)
	share.Now = func() time.Time { return asked }
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Share: share})
	c, _ := prometheus.New(srv.URL, hc)
	load := func() *Pane {
		p := New(testCtx(captureTime), c, Options{Dashboards: []*Dashboard{d}})
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
			case nil:
			default:
				_, next := p.Update(m)
				apply(next)
			}
		}
		apply(p.Init())
		return p
	}
	first := load()
	if got := first.Status().Updated; !got.Equal(captureTime) {
		t.Fatalf("the asking session's panel: updated %v, want %v (its own answer)", got, captureTime)
	}
	second := load()
	if got := second.Status().Updated; !got.Equal(asked) {
		t.Fatalf("the second session's panel: updated %v, want the shared answer's %v", got, asked)
	}
}
