package main

import (
	"path/filepath"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/views/logs"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{ID: "logs", Title: "Logs", Order: 60, Aliases: []string{"log", "loki"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := lokiClient(e)
			if err != nil {
				return nil, err
			}
			l := e.Cloud.Loki
			return logs.New(e.Ctx, c, logs.Options{
				HostLabel: l.HostLabel, ContainerLabel: l.ContainerLabel, BufferLines: l.BufferLines,
				HistoryFile: filepath.Join(config.StateDir(), "logs_history"),
			}), nil
		}})
}

// lokiClient returns the session's shared Loki client: one per session, so
// every pane following the same query shares one Loki tail. Queries use a
// client with a timeout; tails a streaming one (both from e.HTTP, so the
// read-only guard, TLS, auth and headers apply).
func lokiClient(e *Env) (*loki.Client, error) {
	v, err := e.Shared("loki", func() (any, error) {
		if e.Cloud == nil || e.Cloud.Loki == nil || e.Cloud.Loki.URL == "" {
			return nil, errNotConfigured("loki", e.CloudName)
		}
		l := e.Cloud.Loki
		hc, err := e.HTTP(&l.Endpoint, false)
		if err != nil {
			return nil, err
		}
		sc, err := e.HTTP(&l.Endpoint, true)
		if err != nil {
			return nil, err
		}
		return loki.New(loki.Options{URL: l.URL, HTTP: hc, Stream: sc, TenantID: l.TenantID})
	})
	if err != nil {
		return nil, err
	}
	return v.(*loki.Client), nil
}
