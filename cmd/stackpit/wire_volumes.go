package main

import (
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/volumes"
)

func init() {
	registerPane(PaneSpec{
		ID: "volumes", Title: "Volumes", Order: 96, Aliases: []string{"vol", "cinder"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			var o volumes.Options
			if e.Cloud != nil {
				o.StuckAfter, o.Pool = e.Cloud.StuckAfter.D(), e.Cloud.VolumePool
			}
			// *openstack.Client lists, names and acts (volumes.Source).
			return volumes.New(e.Ctx, c, o), nil
		},
	})
}
