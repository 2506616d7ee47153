package docker

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Fleet is the Docker engines of a cloud's hosts: one Client per host,
// from configured addresses and from an address template filled in for
// every host the cloud's own services run on. It answers per host, so one
// unreachable host (or one unusable address) is that host's error only.
type Fleet struct {
	o     FleetOptions
	hosts []string // configured ones; discovered ones are added to clients
	mu    sync.Mutex
	// clients per host; discovery adds to it from a Cmd's goroutine.
	clients map[string]*Client
	bad     map[string]error // configured hosts whose address is unusable
}

// FleetOptions configure a Fleet.
type FleetOptions struct {
	// Hosts are configured addresses by host name (they win over the
	// template); AddressTemplate has {host} in it ("ssh://ops@{host}").
	Hosts           map[string]string
	AddressTemplate string
	ReadOnly        bool
	MaxResponse     int64
	// ServiceHosts lists the hosts the cloud's services run on (Nova,
	// Neutron, Cinder), for DiscoverHosts. Nil: no discovery.
	ServiceHosts func(ctx context.Context) ([]string, error)
	// StopTimeout is what restart and stop give a container before
	// SIGKILL (default 10 s, as `docker restart`).
	StopTimeout time.Duration
	// Pool, when set, holds the host clients of every fleet built with
	// it (`stackpit serve`: one pool per cloud and role). A client keeps
	// its last inspects: with a client per fleet, the session whose turn
	// it was to list a host inspected everything that changed since its
	// own last turn, not since the last list.
	Pool *Pool
}

// Pool is host clients shared by fleets of one cloud, by host, address
// and read-only setting (a read-only fleet never gets a client without
// the guard, whoever built it first).
type Pool struct {
	mu sync.Mutex
	m  map[string]*Client
}

// NewPool makes an empty pool.
func NewPool() *Pool { return &Pool{m: map[string]*Client{}} }

// get is the pool's client for host at addr, built once.
func (p *Pool) get(host, addr string, readOnly bool, build func() (*Client, error)) (*Client, error) {
	k := fmt.Sprintf("%s\x00%s\x00%v", host, addr, readOnly)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.m[k]; ok {
		return c, nil
	}
	c, err := build()
	if err != nil {
		return nil, err
	}
	p.m[k] = c
	return c, nil
}

// NewFleet builds the clients of the configured hosts.
func NewFleet(o FleetOptions) *Fleet {
	if o.StopTimeout == 0 {
		o.StopTimeout = 10 * time.Second
	}
	f := &Fleet{o: o, clients: map[string]*Client{}, bad: map[string]error{}}
	for h, addr := range o.Hosts {
		// A bad address is that host's error row, not the whole pane's.
		if err := f.add(h, addr); err != nil {
			f.bad[h] = err
		}
		f.hosts = append(f.hosts, h)
	}
	sort.Strings(f.hosts)
	return f
}

func (f *Fleet) add(h, addr string) error {
	ro := f.o.ReadOnly
	build := func() (*Client, error) {
		return New(Options{Host: h, Addr: addr, ReadOnly: ro, MaxResponse: f.o.MaxResponse,
			NewHTTP: func(o httpclient.Options) (*http.Client, error) {
				o.ReadOnly = ro // the guard is never optional
				return httpclient.New(o)
			}})
	}
	var c *Client
	var err error
	if f.o.Pool != nil {
		c, err = f.o.Pool.get(h, addr, ro, build)
	} else {
		c, err = build()
	}
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.clients[h] = c
	f.mu.Unlock()
	return nil
}

// Hosts are the configured hosts, sorted.
func (f *Fleet) Hosts() []string { return f.hosts }

func (f *Fleet) client(h string) (*Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.bad[h]; err != nil {
		return nil, err
	}
	c, ok := f.clients[h]
	if !ok {
		return nil, fmt.Errorf("no docker address configured for host %s", h)
	}
	return c, nil
}

// DiscoverHosts adds every host the cloud's own services run on, reached
// through the address template, so an operator need not list a hundred
// computes by hand. Configured hosts win. It returns the hosts added.
func (f *Fleet) DiscoverHosts(ctx context.Context) ([]string, error) {
	if f.o.AddressTemplate == "" || f.o.ServiceHosts == nil {
		return nil, nil
	}
	names, err := f.o.ServiceHosts(ctx)
	if err != nil {
		return nil, err
	}
	var added []string
	for _, h := range names {
		f.mu.Lock()
		_, known := f.clients[h]
		_, broken := f.bad[h]
		f.mu.Unlock()
		if known || broken {
			continue
		}
		if err := f.add(h, strings.ReplaceAll(f.o.AddressTemplate, "{host}", h)); err != nil {
			return added, err
		}
		added = append(added, h)
	}
	return added, nil
}

// List lists host h's containers.
func (f *Fleet) List(ctx context.Context, h string) ([]Container, error) {
	c, err := f.client(h)
	if err != nil {
		return nil, err
	}
	return c.List(ctx)
}

// Inspect reads one container of host h.
func (f *Fleet) Inspect(ctx context.Context, h, name string) (Container, error) {
	c, err := f.client(h)
	if err != nil {
		return Container{}, err
	}
	return c.Inspect(ctx, name)
}

// Restart restarts a container of host h.
func (f *Fleet) Restart(ctx context.Context, h, name string) error {
	c, err := f.client(h)
	if err != nil {
		return err
	}
	return c.Restart(ctx, name, f.o.StopTimeout)
}

// Stop stops a container of host h.
func (f *Fleet) Stop(ctx context.Context, h, name string) error {
	c, err := f.client(h)
	if err != nil {
		return err
	}
	return c.Stop(ctx, name, f.o.StopTimeout)
}

// Start starts a container of host h.
func (f *Fleet) Start(ctx context.Context, h, name string) error {
	c, err := f.client(h)
	if err != nil {
		return err
	}
	return c.Start(ctx, name)
}

// Logs streams a container's logs of host h.
func (f *Fleet) Logs(ctx context.Context, h, name string, o LogOptions, fn func(LogLine) bool) error {
	c, err := f.client(h)
	if err != nil {
		return err
	}
	return c.Logs(ctx, name, o, fn)
}
