package main

// The composition root: each pane registers, in its own wire_<pane>.go file,
// how to build itself from the environment (config, auth, read-only flag,
// shared clients). Panes and datasources never see each other's wiring.

import (
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// Env is what pane builders get.
type Env struct {
	CloudName string
	Cloud     *config.Cloud // stackpit's settings for this cloud
	Auth      *config.Auth  // OpenStack auth; nil when none is configured
	AuthErr   error         // why Auth is nil
	ReadOnly  bool
	Ctx       pane.Context
	Audit     *audit.Log
	Demo      *demo.Cloud // non-nil under --demo
	Ops       *ops.Store  // journals and locks of running operations
	// Share answers identical reads of all `stackpit serve` sessions once
	// (nil in a local cockpit).
	Share *httpclient.Share
	// Clients, under `stackpit serve`, holds the clients and decoded reads
	// every session of this cloud and Role shares (nil in a local
	// cockpit): Shared then builds once for the server, not per session.
	Clients *servedClients
	Role    string // the served user's role: part of every shared key

	mu     sync.Mutex
	shared map[string]any

	pacerOnce sync.Once
	pacer     *httpclient.Pacer
}

// HTTP builds a client for an endpoint. The read-only guard is always in
// the chain: this is the only way panes' datasources get a client.
func (e *Env) HTTP(ep *config.Endpoint, streaming bool) (*http.Client, error) {
	o := httpclient.Options{ReadOnly: e.ReadOnly}
	if ep != nil {
		o.CAFile, o.Insecure, o.Headers = ep.CAFile, ep.Insecure, ep.Headers
		o.Username, o.Password, o.Bearer = ep.Username, ep.Password, ep.Bearer
		o.MaxResponse = int64(ep.MaxResponse)
	}
	if streaming {
		o.Timeout = -1
	} else {
		// Refresh reads back off a backend that slows down (one pacer per
		// session, state per backend address); streams are not paced.
		e.pacerOnce.Do(func() {
			e.pacer = httpclient.NewPacer()
			e.pacer.Now = e.Ctx.Now
		})
		o.Pacer = e.pacer
		o.Share = e.Share
	}
	if e.Clients != nil {
		// Served: one client (one transport, one set of connections) per
		// endpoint settings for every session of this cloud and role,
		// paced as one.
		v, err := e.Shared("http\x00"+httpKey(o), func() (any, error) {
			if o.Pacer != nil {
				pv, _ := e.Shared("pacer", func() (any, error) { return o.Pacer, nil })
				o.Pacer = pv.(*httpclient.Pacer)
			}
			return httpclient.New(o)
		})
		if err != nil {
			return nil, err
		}
		return v.(*http.Client), nil
	}
	return httpclient.New(o)
}

// httpKey names a client's settings (not its pacer or share: one each per
// server and role).
func httpKey(o httpclient.Options) string {
	hs := make([]string, 0, len(o.Headers))
	for k, v := range o.Headers {
		hs = append(hs, k+"="+v)
	}
	sort.Strings(hs)
	return fmt.Sprintf("%v|%q|%v|%q|%q|%q|%q|%v|%v", o.ReadOnly, o.CAFile, o.Insecure, hs, o.Username, o.Password, o.Bearer, o.Timeout, o.MaxResponse)
}

// Shared returns a value built once per session under key (a shared
// OpenStack client, say), so several panes reuse one connection and cache;
// under `stackpit serve`, once per cloud and role for every session.
func (e *Env) Shared(key string, build func() (any, error)) (any, error) {
	if e.Clients != nil {
		// Never across roles: the key names the role and the guard.
		return e.Clients.get(servedKey(e.CloudName, e.Role, e.ReadOnly, key), build)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shared == nil {
		e.shared = map[string]any{}
	}
	if v, ok := e.shared[key]; ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v, nil
	}
	v, err := build()
	if err != nil {
		e.shared[key] = err
		return nil, err
	}
	e.shared[key] = v
	return v, nil
}

// PaneSpec registers one pane.
type PaneSpec struct {
	ID      string
	Title   string
	Order   int      // tab order: instances 10, compute 20, agents 30, ceph 40, panels 50, logs 60, alerts 70, silences 80, containers 90
	Aliases []string // extra :command names ("vm")
	// Build makes the pane. An error shows as a placeholder pane that says
	// what is missing (e.g. "no prometheus configured for cloud prod").
	Build func(e *Env) (pane.Pane, error)
}

var paneSpecs []PaneSpec

func registerPane(s PaneSpec) { paneSpecs = append(paneSpecs, s) }

func sortedPaneSpecs() []PaneSpec {
	out := append([]PaneSpec(nil), paneSpecs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// errNotConfigured is the usual Build error when a backend has no endpoint.
func errNotConfigured(what, cloud string) error {
	return fmt.Errorf("%s is not configured for cloud %q: add it under clouds.%s in %s", what, cloud, cloud, config.DefaultPath())
}
