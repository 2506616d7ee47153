package main

import (
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
