package main

import (
	"github.com/stackpit/stackpit/views/compute"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{
		ID: "compute", Title: "Compute", Order: 20, Aliases: []string{"hv", "hosts"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			// *openstack.Client has exactly the methods compute.Source lists.
			return compute.New(e.Ctx, c), nil
		},
	})
}
