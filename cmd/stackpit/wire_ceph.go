package main

import (
	"fmt"

	"github.com/stackpit/stackpit/config"
	ds "github.com/stackpit/stackpit/datasource/ceph"
	cephview "github.com/stackpit/stackpit/views/ceph"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{ID: "ceph", Title: "Ceph", Order: 40, Aliases: []string{"storage", "osd", "osds"},
		Build: buildCeph})
}

// buildCeph picks the Ceph source: the mgr dashboard API (which can also
// act), falling back to the prometheus module's metrics, or a configured
// command (`ssh mon1 ceph`) when neither HTTP API is enabled.
func buildCeph(e *Env) (pane.Pane, error) {
	src, actor, err := cephSource(e)
	if err != nil {
		return nil, err
	}
	return cephview.New(e.Ctx, src, actor), nil
}

// cephSource builds the session's Ceph reader and actor (the pane and
// `stackpit snapshot` share it).
func cephSource(e *Env) (ds.Source, ds.Actor, error) {
	cc := e.Cloud.Ceph
	if cc == nil || (cc.URL == "" && cc.MetricsURL == "" && len(cc.Command) == 0) {
		return nil, nil, errNotConfigured("ceph", e.CloudName)
	}
	var (
		src   ds.Source
		actor ds.Actor
	)
	if cc.URL != "" {
		// The client logs in itself (POST /api/auth -> JWT): keep the
		// credentials out of the transport, which would otherwise send
		// them as Basic auth on every request.
		ep := cc.Endpoint
		ep.Username, ep.Password, ep.Bearer = "", "", ""
		build := func() (any, error) {
			hc, err := e.HTTP(&ep, false)
			if err != nil {
				return nil, fmt.Errorf("ceph dashboard: %w", err)
			}
			return ds.NewDashboard(hc, ds.DashboardOptions{URL: cc.URL, Username: cc.Username, Password: cc.Password, Token: cc.Bearer})
		}
		var v any
		var err error
		if e.Clients != nil {
			// Served: one login (one JWT) for every session of this cloud
			// and role; a token per session made each session's reads
			// its own (the token is part of what the share compares).
			v, err = e.Shared("ceph-dashboard", build)
		} else {
			v, err = build()
		}
		if err != nil {
			return nil, nil, err
		}
		d := v.(*ds.Dashboard)
		src, actor = d, d
	}
	var second ds.Source
	if cc.MetricsURL != "" {
		hc, err := e.HTTP(&config.Endpoint{CAFile: cc.CAFile, Insecure: cc.Insecure, Headers: cc.Headers, MaxResponse: cc.MaxResponse}, false)
		if err != nil {
			return nil, nil, fmt.Errorf("ceph metrics: %w", err)
		}
		m, err := ds.NewMetrics(hc, cc.MetricsURL)
		if err != nil {
			return nil, nil, err
		}
		second = m
	}
	if len(cc.Command) > 0 {
		cmd := ds.NewCommand(cc.Command, e.ReadOnly)
		if src == nil {
			src, actor = cmd, cmd
		} else if second == nil {
			second = cmd
		}
	}
	switch {
	case src == nil:
		src = second
	case second != nil:
		src = ds.Fallback{Primary: src, Secondary: second}
	}
	return src, actor, nil
}
