package main

import (
	"context"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/instances"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{
		ID: "instances", Title: "Instances", Order: 10, Aliases: []string{"vm", "servers"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := openstackClient(e)
			if err != nil {
				return nil, err
			}
			var src serversSource = instancesSource{c}
			if e.Clients != nil {
				// Served: one decoded list for every session of this
				// cloud and role (c is theirs too).
				v, err := e.Shared("servers-decoded", func() (any, error) {
					reads := newDecodedReads(e.Clients.fresh, e.Clients.slot)
					if e.Share != nil {
						reads.changes = e.Share.Changes // an action's read-back is a new list
					}
					return sharedServers{src, reads}, nil
				})
				if err != nil {
					return nil, err
				}
				src = v.(sharedServers)
			}
			p := instances.New(e.Ctx, src)
			p.SetEphemeralShared(e.Cloud != nil && e.Cloud.EphemeralShared)
			p.SetJournal(e.Ops)
			return p, nil
		},
	})
}

// instancesSource adapts the OpenStack client to the pane's Source: a zero
// since is a full list, otherwise a changes-since list.
type instancesSource struct{ *openstack.Client }

func (s instancesSource) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	if since.IsZero() {
		return s.Client.Servers(ctx)
	}
	return s.Client.ServersChangedSince(ctx, since)
}

var _ instances.Source = instancesSource{}

// A first load shows rows page by page (ServersPaged comes with the client).
var _ instances.PagedSource = instancesSource{}

// Its first load takes the pages without the joined list (served
// sessions' shared list, sharedServers, is joined: it is not one).
var _ instances.PageCounter = instancesSource{}

// The detail names images and users through the client's cached lookups.
var _ instances.NameSource = instancesSource{}

// Between whole lists, a presence check lists IDs only (Nova's brief list).
var _ instances.PresenceSource = instancesSource{}
