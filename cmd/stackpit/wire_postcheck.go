package main

import (
	"context"
	"sort"
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

// serviceHosts lists the hosts of the cloud's Nova, Neutron and Cinder
// services (Cinder's host@backend is cut to the host), sorted and unique.
func serviceHosts(ctx context.Context, c *openstack.Client) ([]string, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	ss, err := c.ComputeServices(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		seen[s.Host] = true
	}
	if c.HasNetwork() {
		if as, err := c.NetworkAgents(ctx); err == nil {
			for _, a := range as {
				seen[a.Host] = true
			}
		}
	}
	if c.HasVolume() {
		if vs, err := c.VolumeServices(ctx); err == nil {
			for _, v := range vs {
				h, _, _ := strings.Cut(v.Host, "@")
				seen[h] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		if h != "" {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out, nil
}
