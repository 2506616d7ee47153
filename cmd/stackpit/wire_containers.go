package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/containers"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{ID: "containers", Title: "Containers", Order: 90, Aliases: []string{"docker", "ct"},
		Build: func(e *Env) (pane.Pane, error) {
			if e.Cloud.Docker == nil || (len(e.Cloud.Docker.Hosts) == 0 && e.Cloud.Docker.AddressTemplate == "") {
				return nil, errNotConfigured("docker (hosts or address_template)", e.CloudName)
			}
			src, err := newDockerSource(e)
			if err != nil {
				return nil, err
			}
			p := containers.New(e.Ctx, src)
			if os, err := openstackClient(e); err == nil {
				p.SetServices(os) // restart post-check: the service reports alive again
			}
			return p, nil
		}})
}

// dockerSource adapts one docker.Client per host to the pane's Source.
type dockerSource struct {
	e     *Env
	hosts []string // configured ones; discovered ones are added to clients
	mu    sync.Mutex
	// clients per host; discovery adds to it from a Cmd's goroutine.
	clients map[string]*docker.Client
	bad     map[string]error // configured hosts whose address is unusable
}

func newDockerSource(e *Env) (*dockerSource, error) {
	s := &dockerSource{e: e, clients: map[string]*docker.Client{}, bad: map[string]error{}}
	for h, addr := range e.Cloud.Docker.Hosts {
		// A bad address is that host's error row, not the whole pane's.
		if err := s.add(h, addr); err != nil {
			s.bad[h] = err
		}
		s.hosts = append(s.hosts, h)
	}
	sort.Strings(s.hosts)
	return s, nil
}

func (s *dockerSource) add(h, addr string) error {
	c, err := docker.New(docker.Options{Host: h, Addr: addr, ReadOnly: s.e.ReadOnly, MaxResponse: int64(s.e.Cloud.Docker.MaxResponse),
		NewHTTP: func(o httpclient.Options) (*http.Client, error) {
			o.ReadOnly = s.e.ReadOnly // the guard is never optional
			return httpclient.New(o)
		}})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.clients[h] = c
	s.mu.Unlock()
	return nil
}

func (s *dockerSource) Hosts() []string { return s.hosts }

func (s *dockerSource) client(h string) (*docker.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.bad[h]; err != nil {
		return nil, err
	}
	c, ok := s.clients[h]
	if !ok {
		return nil, fmt.Errorf("no docker address configured for host %s", h)
	}
	return c, nil
}

// DiscoverHosts adds every host the cloud's own services run on (Nova,
// Neutron, Cinder), reached through docker.address_template, so an operator
// need not list a hundred computes by hand. Configured hosts win.
func (s *dockerSource) DiscoverHosts(ctx context.Context) ([]string, error) {
	tmpl := s.e.Cloud.Docker.AddressTemplate
	if tmpl == "" {
		return nil, nil
	}
	os, err := openstackClient(s.e)
	if err != nil {
		return nil, err
	}
	names, err := ops.ServiceHosts(ctx, os)
	if err != nil {
		return nil, err
	}
	var added []string
	for _, h := range names {
		s.mu.Lock()
		_, known := s.clients[h]
		_, broken := s.bad[h]
		s.mu.Unlock()
		if known || broken {
			continue
		}
		if err := s.add(h, strings.ReplaceAll(tmpl, "{host}", h)); err != nil {
			return added, err
		}
		added = append(added, h)
	}
	return added, nil
}

func (s *dockerSource) List(ctx context.Context, h string) ([]docker.Container, error) {
	c, err := s.client(h)
	if err != nil {
		return nil, err
	}
	return c.List(ctx)
}

func (s *dockerSource) Inspect(ctx context.Context, h, name string) (docker.Container, error) {
	c, err := s.client(h)
	if err != nil {
		return docker.Container{}, err
	}
	return c.Inspect(ctx, name)
}

func (s *dockerSource) Restart(ctx context.Context, h, name string) error {
	c, err := s.client(h)
	if err != nil {
		return err
	}
	return c.Restart(ctx, name, 10*time.Second)
}

func (s *dockerSource) Stop(ctx context.Context, h, name string) error {
	c, err := s.client(h)
	if err != nil {
		return err
	}
	return c.Stop(ctx, name, 10*time.Second)
}

func (s *dockerSource) Start(ctx context.Context, h, name string) error {
	c, err := s.client(h)
	if err != nil {
		return err
	}
	return c.Start(ctx, name)
}

func (s *dockerSource) Logs(ctx context.Context, h, name string, o docker.LogOptions, fn func(docker.LogLine) bool) error {
	c, err := s.client(h)
	if err != nil {
		return err
	}
	return c.Logs(ctx, name, o, fn)
}
