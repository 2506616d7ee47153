package main

import (
	"context"

	"github.com/stackpit/stackpit/datasource/docker"
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
			fleet, err := newDockerSource(e)
			if err != nil {
				return nil, err
			}
			var src containers.Source = fleet
			if e.Clients != nil {
				// Served: each host's list once per interval for every
				// session of this cloud and role.
				v, err := e.Shared("docker-lists", func() (any, error) {
					return &hostReads{fresh: e.Clients.fresh, slot: e.Clients.slot, m: map[string]*sharedRead[[]docker.Container]{}}, nil
				})
				if err != nil {
					return nil, err
				}
				src = sharedDocker{fleet, v.(*hostReads)}
			}
			p := containers.New(e.Ctx, src)
			if os, err := openstackClient(e); err == nil {
				p.SetServices(os) // restart post-check: the service reports alive again
			}
			return p, nil
		}})
}

// newDockerSource builds the cloud's Docker fleet: configured hosts, and
// the cloud's own service hosts through address_template.
func newDockerSource(e *Env) (*docker.Fleet, error) {
	d := e.Cloud.Docker
	var pool *docker.Pool
	if e.Clients != nil {
		// Served: one client per host for every session of this cloud
		// and role (its last inspects are everyone's).
		v, err := e.Shared("docker-clients", func() (any, error) { return docker.NewPool(), nil })
		if err != nil {
			return nil, err
		}
		pool = v.(*docker.Pool)
	}
	return docker.NewFleet(docker.FleetOptions{Hosts: d.Hosts, AddressTemplate: d.AddressTemplate,
		ReadOnly: e.ReadOnly, MaxResponse: int64(d.MaxResponse), Pool: pool,
		ServiceHosts: func(ctx context.Context) ([]string, error) {
			os, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			return ops.ServiceHosts(ctx, os)
		}}), nil
}
