package main

import (
	"github.com/stackpit/stackpit/views/images"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	// After the control plane (95): the digits 1-9 keep their panes.
	registerPane(PaneSpec{
		ID: "images", Title: "Images", Order: 97, Aliases: []string{"img", "image", "glance"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			// Servers per image come from the server lists the instances
			// pane already reads through the same client (no request).
			return images.New(e.Ctx, c, c, c), nil
		},
	})
}
