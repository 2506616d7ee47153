package main

import (
	"context"
	"errors"
	"sync"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/networks"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{
		ID: "networks", Title: "Networks", Order: 97, Aliases: []string{"net", "ports", "routers"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			// *openstack.Client has exactly the methods networks.Source lists.
			return networks.New(e.Ctx, c), nil
		},
	})
}

// stuckNetworks is the snapshot's networks reader: stuck ports and broken
// HA routers, read concurrently, graded as the pane grades them. What one
// read returned is kept when the other fails.
func stuckNetworks(ctx context.Context, c *openstack.Client) ([]hostmodel.StuckResource, error) {
	var (
		wg         sync.WaitGroup
		ports      []openstack.StuckPort
		routers    []openstack.HARouter
		perr, rerr error
	)
	wg.Add(2)
	go func() { defer wg.Done(); ports, _, perr = c.StuckPorts(ctx) }()
	go func() { defer wg.Done(); routers, rerr = c.HARouters(ctx) }()
	wg.Wait()
	out := append(hostmodel.FromStuckPorts(ports), hostmodel.FromHARouters(routers)...)
	return out, errors.Join(perr, rerr)
}
