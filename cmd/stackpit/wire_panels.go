package main

import (
	"fmt"
	"path/filepath"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/panels"
)

func init() {
	registerPane(PaneSpec{ID: "panels", Title: "Panels", Order: 50, Aliases: []string{"prom", "prometheus"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := promClient(e)
			if err != nil {
				return nil, err
			}
			return panels.New(e.Ctx, c, panels.Options{
				DashboardDir: filepath.Join(config.Dir(), "dashboards"),
				HistoryFile:  filepath.Join(config.StateDir(), "promql_history"),
				SharedWindow: e.Share != nil}), nil
		}})
}

// promClient is the session's Prometheus client (shared by every pane that
// queries Prometheus), built through the read-only guarded HTTP client.
func promClient(e *Env) (*prometheus.Client, error) {
	if e.Cloud == nil || e.Cloud.Prometheus == nil || e.Cloud.Prometheus.URL == "" {
		return nil, errNotConfigured("prometheus", e.CloudName)
	}
	v, err := e.Shared("prometheus", func() (any, error) {
		hc, err := e.HTTP(e.Cloud.Prometheus, false)
		if err != nil {
			return nil, err
		}
		c, err := prometheus.New(e.Cloud.Prometheus.URL, hc)
		if err == nil && e.Share != nil {
			// Served: every session evaluates at the same aligned time, so
			// the share sends each query once for all of them.
			c.Align = e.Ctx.Refresh
		}
		return c, err
	})
	if err != nil {
		return nil, err
	}
	c, ok := v.(*prometheus.Client)
	if !ok {
		return nil, fmt.Errorf("shared %q client has type %T", "prometheus", v)
	}
	return c, nil
}
