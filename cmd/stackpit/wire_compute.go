package main

import (
	"context"

	"github.com/stackpit/stackpit/datasource/openstack"
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
			p := compute.New(e.Ctx, c)
			p.SetHostOps(computeHostOps{c})
			p.SetEphemeralShared(e.Cloud != nil && e.Cloud.EphemeralShared)
			p.SetJournal(e.Ops)
			return p, nil
		},
	})
}

// computeHostOps adds ServersOnHost to the client for host evacuate/drain.
type computeHostOps struct{ *openstack.Client }

// ServersOnHost lists every server whose compute host is host.
func (o computeHostOps) ServersOnHost(ctx context.Context, host string) ([]openstack.Server, error) {
	all, err := o.Client.Servers(ctx)
	if err != nil {
		return nil, err
	}
	var out []openstack.Server
	for _, s := range all {
		if s.Host == host && !s.Deleted {
			out = append(out, s)
		}
	}
	return out, nil
}

var _ compute.HostOps = computeHostOps{}
