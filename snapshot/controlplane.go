package snapshot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/hostmodel"
)

// The control plane under OpenStack in the snapshot: the facts the
// control-plane pane publishes (graded by the same hostmodel functions),
// each non-OK one a finding of area "controlplane".

// ControlPlane are its readers; nil ones are not configured.
type ControlPlane struct {
	RabbitMQ  func(context.Context) rabbitmq.Snapshot
	HAProxy   func(context.Context) (haproxy.Stats, error)
	Memcached func(context.Context) []MemcachedResult
	// Hypervisors names RabbitMQ connection peers (host_ip), so a
	// nova-compute Nova says is up without a connection can be told.
	Hypervisors func(context.Context) ([]openstack.Hypervisor, error)
	// VIPs: who holds each keepalived VIP (read after HAProxy, whose
	// server addresses name the hosts).
	VIPs func(ctx context.Context, hostOf func(string) string) ([]keepalived.VIP, error)
	// Galera reads every node (read-only SQL).
	Galera func(context.Context) galera.Cluster
}

// MemcachedResult is one memcached's answer.
type MemcachedResult struct {
	Addr string
	Err  error
}

func (c ControlPlane) configured() bool {
	return c.RabbitMQ != nil || c.HAProxy != nil || c.Memcached != nil || c.VIPs != nil || c.Galera != nil
}

// controlPlane reads every configured part concurrently; the connection
// check needs Nova's services too (services, nil when not read).
func (c ControlPlane) read(ctx context.Context, hm *hostModel, services func() ([]openstack.ComputeService, bool), now time.Time) ([]Finding, int, error) {
	var (
		wg    sync.WaitGroup
		rs    rabbitmq.Snapshot
		st    haproxy.Stats
		hErr  error
		mcs   []MemcachedResult
		hvs   []openstack.Hypervisor
		hvErr error
		gc    galera.Cluster
	)
	do := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	if c.RabbitMQ != nil {
		do(func() { rs = c.RabbitMQ(ctx) })
		if c.Hypervisors != nil {
			do(func() { hvs, hvErr = c.Hypervisors(ctx) })
		}
	}
	if c.HAProxy != nil {
		do(func() { st, hErr = c.HAProxy(ctx) })
	}
	if c.Memcached != nil {
		do(func() { mcs = c.Memcached(ctx) })
	}
	if c.Galera != nil {
		do(func() { gc = c.Galera(ctx) })
	}
	wg.Wait()
	var facts []hostmodel.Fact
	var errs []string
	n := 0
	addrs := map[string]string{}
	for _, hv := range hvs {
		if hv.HostIP != "" {
			addrs[hv.HostIP] = hostmodel.ShortHost(hv.Host)
		}
	}
	if c.HAProxy != nil {
		if hErr != nil {
			errs = append(errs, "haproxy: "+hErr.Error())
		} else {
			fs := hostmodel.FromHAProxy(st)
			hm.apply(hostmodel.HAProxy, fs, nil, now)
			facts = append(facts, fs...)
			for _, f := range fs {
				if f.Kind == hostmodel.Address {
					addrs[f.Name] = f.Host
				} else {
					n++
				}
			}
		}
	}
	if c.RabbitMQ != nil {
		if rs.Err != nil {
			errs = append(errs, "rabbitmq: "+rs.Err.Error())
		} else {
			fs := hostmodel.FromRabbitMQ(rs.Nodes, rs.Queues)
			n += len(rs.Nodes)
			if ss, ok := services(); ok && rs.Errs["connections"] == nil && hvErr == nil {
				expected := map[rabbitmq.ServiceHost]bool{}
				for _, s := range ss {
					if s.Binary == "nova-compute" {
						expected[rabbitmq.ServiceHost{Service: s.Binary, Host: hostmodel.ShortHost(s.Host)}] = strings.EqualFold(s.State, "up") && !s.ForcedDown
					}
				}
				if len(expected) > 0 {
					if missing, why := rabbitmq.CheckConnections(rs.Connections, func(ip string) string { return addrs[ip] }, expected); why == "" {
						fs = append(fs, hostmodel.FromMissingConnections(missing, func(k rabbitmq.ServiceHost) bool { return expected[k] })...)
					}
				}
			}
			hm.apply(hostmodel.RabbitMQ, fs, nil, now)
			facts = append(facts, fs...)
		}
	}
	if c.Memcached != nil {
		var fs []hostmodel.Fact
		down := 0
		for _, m := range mcs {
			fs = append(fs, hostmodel.FromMemcached(m.Addr, m.Err, addrs))
			if m.Err != nil {
				down++
			}
		}
		n += len(mcs)
		if down > 0 && down == len(mcs) {
			errs = append(errs, "memcached: none answers")
		}
		hm.apply(hostmodel.MemcachedSrc, fs, nil, now)
		facts = append(facts, fs...)
	}
	if c.VIPs != nil {
		vs, err := c.VIPs(ctx, func(ip string) string { return addrs[ip] })
		if err != nil {
			errs = append(errs, "keepalived: "+err.Error())
		} else {
			fs := hostmodel.FromVIPs(vs)
			n += len(vs)
			hm.apply(hostmodel.Keepalived, fs, nil, now)
			facts = append(facts, fs...)
		}
	}
	if c.Galera != nil {
		answered := 0
		for _, nd := range gc.Nodes {
			if nd.Err == nil {
				answered++
			}
		}
		if len(gc.Nodes) > 0 && answered == 0 {
			errs = append(errs, "galera: no node answers")
		}
		fs := hostmodel.FromGalera(gc)
		n += len(gc.Nodes)
		hm.apply(hostmodel.Galera, fs, nil, now)
		facts = append(facts, fs...)
	}
	var err error
	if len(errs) > 0 {
		err = fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return controlFindings(facts), n, err
}

// controlFindings: every control-plane fact worse than OK.
func controlFindings(fs []hostmodel.Fact) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == hostmodel.OK {
			continue
		}
		l := Warn
		if f.Severity == hostmodel.Crit {
			l = Crit
		}
		var what string
		switch f.Kind {
		case hostmodel.RabbitNode:
			what = "RabbitMQ node " + f.Name + ": " + f.Detail
		case hostmodel.Queue:
			what = f.Detail + " (queue " + f.Name + ")"
		case hostmodel.RabbitConn:
			what = f.Name + " has no RabbitMQ connection: " + f.Detail
		case hostmodel.HAProxyServer:
			what = "HAProxy server " + f.Name + " " + f.Detail
		case hostmodel.VIP:
			what = "VIP " + f.Name + ": " + f.Detail
		case hostmodel.Memcached:
			what = "memcached " + f.Name + " down: " + f.Detail
		case hostmodel.GaleraNode:
			what = "Galera node " + f.State + ": " + f.Detail
		case hostmodel.GaleraCluster:
			what = "Galera cluster " + f.Name + ": " + f.Detail
		default:
			what = string(f.Kind) + " " + f.Name + " " + f.State
		}
		out = append(out, Finding{Level: l, Area: "controlplane", Host: f.Host, What: what})
	}
	return out
}
