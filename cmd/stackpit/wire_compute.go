package main

import (
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
			p.SetHostOps(hostOps(c))
			p.SetEphemeralShared(e.Cloud != nil && e.Cloud.EphemeralShared)
			p.SetJournal(e.Ops)
			if e.Cloud != nil && e.Cloud.BMC != nil {
				// A BMC that cannot be built is the pane's "-" and the
				// fence action's toast, not a pane that fails to open.
				if b, err := e.BMC(); err == nil {
					p.SetPower(b)
				}
			}
			return p, nil
		},
	})
}

// hostOps is what host evacuate/drain use: the client itself, whose
// ServersOnHost asks Nova for one host's servers (its host filter), so a
// pre-check never reads the whole cloud.
func hostOps(c *openstack.Client) compute.HostOps { return c }
