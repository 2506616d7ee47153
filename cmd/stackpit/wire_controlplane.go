package main

import (
	"fmt"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/views/controlplane"
	"github.com/stackpit/stackpit/views/pane"
)

func init() {
	registerPane(PaneSpec{ID: "controlplane", Title: "Control plane", Order: 95, Aliases: []string{"cp", "infra"},
		Build: buildControlPlane})
}

// buildControlPlane wires the control-plane pane from the cloud's rabbitmq,
// haproxy, memcached and galera blocks; any may be missing (its section says so).
// HTTP goes through e.HTTP (the read-only guard); the HAProxy runtime API
// is a socket, so its client gets the session's ReadOnly itself.
func buildControlPlane(e *Env) (pane.Pane, error) {
	src, err := controlPlaneSources(e)
	if err != nil {
		return nil, err
	}
	return controlplane.New(e.Ctx, src), nil
}

func controlPlaneSources(e *Env) (controlplane.Sources, error) {
	var src controlplane.Sources
	c := e.Cloud
	if c.RabbitMQ == nil && c.HAProxy == nil && c.Memcached == nil && c.Keepalived == nil && c.Galera == nil {
		return src, errNotConfigured("rabbitmq, haproxy, memcached, keepalived or galera", e.CloudName)
	}
	if k := c.Keepalived; k != nil && len(k.VIPs) > 0 {
		pc, err := promClient(e) // config check insists on a prometheus block
		if err != nil {
			return src, fmt.Errorf("keepalived: %w", err)
		}
		src.VIPs = keepalived.Source{Prom: pc, VIPs: k.VIPs}
	}
	if c.RabbitMQ != nil {
		hc, err := e.HTTP(c.RabbitMQ, false)
		if err != nil {
			return src, fmt.Errorf("rabbitmq: %w", err)
		}
		r, err := rabbitmq.New(c.RabbitMQ.URL, hc)
		if err != nil {
			return src, err
		}
		src.Rabbit = r
	}
	if h := c.HAProxy; h != nil {
		hcfg := haproxy.Config{StatsURL: h.URL, Runtime: h.Runtime, ReadOnly: e.ReadOnly}
		if h.URL != "" {
			hc, err := e.HTTP(&config.Endpoint{URL: h.URL, CAFile: h.CAFile, Insecure: h.Insecure, Username: h.Username, Password: h.Password}, false)
			if err != nil {
				return src, fmt.Errorf("haproxy: %w", err)
			}
			hcfg.HTTP = hc
		}
		cl, err := haproxy.New(hcfg)
		if err != nil {
			return src, err
		}
		src.HAProxy = cl
	}
	if m := c.Memcached; m != nil {
		for _, a := range m.Addresses {
			if e.Clients != nil { // served: one client, one read per interval, for every session
				v, err := e.Shared("memcached\x00"+a, func() (any, error) {
					cl, err := memcached.New(a, m.Timeout.D())
					if err != nil {
						return nil, err
					}
					return sharedMemcached{cl, newSharedRead[memcached.Stats](e.Clients.fresh, e.Clients.slot)}, nil
				})
				if err != nil {
					return src, err
				}
				src.Memcached = append(src.Memcached, v.(sharedMemcached))
				continue
			}
			cl, err := memcached.New(a, m.Timeout.D())
			if err != nil {
				return src, err
			}
			src.Memcached = append(src.Memcached, cl)
		}
	}
	if g := c.Galera; g != nil {
		// SQL, not HTTP: the client is read-only by construction (read-only
		// transactions, a statement allowlist), whatever the session's mode.
		gc := galera.Config{User: g.Username, Password: g.Password, Expected: g.ClusterSize, Timeout: g.Timeout.D()}
		for _, n := range g.Nodes {
			gc.Nodes = append(gc.Nodes, galera.Node{Host: n.Host, Address: n.Address})
		}
		if e.Clients != nil { // served: one client, one read per interval, for every session
			v, err := e.Shared("galera", func() (any, error) {
				cl, err := galera.New(gc)
				if err != nil {
					return nil, err
				}
				return sharedGalera{cl, newSharedRead[galera.Cluster](e.Clients.fresh, e.Clients.slot)}, nil
			})
			if err != nil {
				return src, err
			}
			src.Galera = v.(sharedGalera)
			return src, nil
		}
		cl, err := galera.New(gc)
		if err != nil {
			return src, err
		}
		src.Galera = cl
	}
	return src, nil
}
