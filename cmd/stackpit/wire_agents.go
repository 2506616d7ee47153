package main

import (
	"github.com/stackpit/stackpit/views/agents"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{
		ID: "agents", Title: "Agents", Order: 30, Aliases: []string{"services"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			// *openstack.Client has exactly the methods agents.Source lists.
			return agents.New(e.Ctx, c), nil
		},
	})
}
