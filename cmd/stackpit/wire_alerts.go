package main

import (
	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/views/alerts"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{ID: "alerts", Title: "Alerts", Order: 70, Aliases: []string{"alert", "am", "alertmanager"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := alertmanagerClient(e)
			if err != nil {
				return nil, err
			}
			return alerts.New(e.Ctx, c, alerts.Options{}), nil
		}})
}

// alertmanagerClient returns the session's shared Alertmanager client (the
// alerts and silences panes use one), over every configured instance. Each
// instance's HTTP client comes from e.HTTP, so the read-only guard refuses
// silence writes in read-only sessions whatever the panes do.
func alertmanagerClient(e *Env) (*alertmanager.Client, error) {
	v, err := e.Shared("alertmanager", func() (any, error) {
		if e.Cloud == nil || len(e.Cloud.Alertmanagers) == 0 {
			return nil, errNotConfigured("alertmanager", e.CloudName)
		}
		var ins []alertmanager.Instance
		for i := range e.Cloud.Alertmanagers {
			ep := &e.Cloud.Alertmanagers[i]
			hc, err := e.HTTP(ep, false)
			if err != nil {
				return nil, err
			}
			ins = append(ins, alertmanager.Instance{URL: ep.URL, HTTP: hc})
		}
		c, err := alertmanager.New(ins...)
		if err != nil {
			return nil, err
		}
		// The alerts and silences panes read both lists each refresh: share.
		c.SharedTTL = e.Ctx.Refresh / 2
		c.Clock = e.Ctx.Now
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*alertmanager.Client), nil
}
