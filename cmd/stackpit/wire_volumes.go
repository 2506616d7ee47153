package main

import (
	"github.com/stackpit/stackpit/datasource/openstack"
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
			var src volumes.Source = c
			if e.Clients != nil {
				// Served: one decoded volume list for every session of
				// this cloud and role (c is theirs too).
				v, err := e.Shared("volumes-decoded", func() (any, error) {
					reads := newDecodedReadsOf[openstack.VolumeList](e.Clients.fresh, e.Clients.slot)
					if e.Share != nil {
						reads.changes = e.Share.Changes // an action's read-back is a new list
					}
					return sharedVolumes{src, reads, newSharedRead[[]string](e.Clients.fresh, e.Clients.slot)}, nil
				})
				if err != nil {
					return nil, err
				}
				src = v.(sharedVolumes)
			}
			return volumes.New(e.Ctx, src, o), nil
		},
	})
}
