package main

import (
	"context"
	"strings"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// serviceAlive reports whether binary on host is alive in Nova's, Neutron's
// or Cinder's own service list; known is false when no list has it.
func serviceAlive(ctx context.Context, c *openstack.Client, host, binary string) (alive, known bool, err error) {
	switch {
	case strings.HasPrefix(binary, "nova-"):
		ss, err := c.ComputeServices(ctx)
		if err != nil {
			return false, false, err
		}
		for _, s := range ss {
			if s.Host == host && s.Binary == binary {
				return s.State == "up", true, nil
			}
		}
	case strings.HasPrefix(binary, "neutron-"):
		as, err := c.NetworkAgents(ctx)
		if err != nil {
			return false, false, err
		}
		for _, a := range as {
			if a.Host == host && a.Binary == binary {
				return a.Alive, true, nil
			}
		}
	case strings.HasPrefix(binary, "cinder-"):
		vs, err := c.VolumeServices(ctx)
		if err != nil {
			return false, false, err
		}
		for _, v := range vs {
			if strings.HasPrefix(v.Host, host) && v.Binary == binary {
				return v.State == "up", true, nil
			}
		}
	}
	return false, false, nil
}
