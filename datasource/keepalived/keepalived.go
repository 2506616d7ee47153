// Package keepalived tells which host holds each keepalived virtual IP,
// from keepalived_exporter's keepalived_vrrp_state in Prometheus (labels
// iname, intf, vrid, ip_address; the value is keepalived's VRRP state:
// 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT). The host is the series' host or
// hostname label, else its scrape instance without the port. A VIP with
// no series is "unknown", never a guess; two MASTERs for one VIP is a
// split brain. It only reads, through the caller's Prometheus client.
package keepalived

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/prometheus"
)

// Querier is the Prometheus instant query (*prometheus.Client).
type Querier interface {
	Query(ctx context.Context, q string, t time.Time) (*prometheus.Result, error)
}

// VRRP states as keepalived numbers them.
const (
	Init   = 0
	Backup = 1
	Master = 2
	Fault  = 3
)

// VIP is one virtual IP and what the exporters say about it.
type VIP struct {
	Addr    string
	Masters []string // hosts in MASTER state: the holder (two: split brain)
	Backups []string
	Faults  []string // hosts in FAULT (or an unknown state)
	Known   bool     // at least one series names this VIP
}

// Holder is the one host holding the VIP ("" when none or several do).
func (v VIP) Holder() string {
	if len(v.Masters) == 1 {
		return v.Masters[0]
	}
	return ""
}

// OK: held by exactly one host.
func (v VIP) OK() bool { return v.Known && len(v.Masters) == 1 }

// Text says who holds the VIP: "control01 (backup: control02 control03)",
// "unknown: no keepalived_vrrp_state series for it", "✗ split brain:
// MASTER on control01 control02", "✗ no MASTER (backup: ...)".
func (v VIP) Text() string {
	switch {
	case !v.Known:
		return "unknown: no keepalived_vrrp_state series for it"
	case len(v.Masters) > 1:
		return "✗ split brain: MASTER on " + strings.Join(v.Masters, " ")
	case len(v.Masters) == 0:
		s := "✗ no MASTER"
		if len(v.Backups) > 0 {
			s += " (backup: " + strings.Join(v.Backups, " ") + ")"
		}
		if len(v.Faults) > 0 {
			s += " (fault: " + strings.Join(v.Faults, " ") + ")"
		}
		return s
	}
	s := v.Masters[0]
	if len(v.Backups) > 0 {
		s += " (backup: " + strings.Join(v.Backups, " ") + ")"
	}
	if len(v.Faults) > 0 {
		s += " ⚠ fault: " + strings.Join(v.Faults, " ")
	}
	return s
}

// Query is what Read asks Prometheus.
const Query = "keepalived_vrrp_state"

// Read asks Prometheus for every keepalived_vrrp_state series and sorts
// them onto the configured VIPs (in their order). hostOf names a host
// from an instance's address (nil: the address as it is).
func Read(ctx context.Context, q Querier, vips []string, hostOf func(string) string, now time.Time) ([]VIP, error) {
	res, err := q.Query(ctx, Query, now)
	if err != nil {
		return nil, fmt.Errorf("keepalived VIPs: %w", err)
	}
	return Sort(res.Series, vips, hostOf), nil
}

// Sort places each series on its VIP.
func Sort(series []prometheus.Series, vips []string, hostOf func(string) string) []VIP {
	out := make([]VIP, len(vips))
	idx := map[string]int{}
	for i, v := range vips {
		out[i].Addr = v
		idx[v] = i
	}
	for _, s := range series {
		ip := s.Labels["ip_address"]
		if h, _, ok := strings.Cut(ip, "/"); ok { // 10.0.0.250/32
			ip = h
		}
		i, ok := idx[ip]
		if !ok || len(s.Points) == 0 {
			continue
		}
		h := host(s.Labels, hostOf)
		v := &out[i]
		v.Known = true
		switch int(s.Last()) {
		case Master:
			v.Masters = appendNew(v.Masters, h)
		case Backup, Init:
			v.Backups = appendNew(v.Backups, h)
		default:
			v.Faults = appendNew(v.Faults, h)
		}
	}
	for i := range out {
		sort.Strings(out[i].Masters)
		sort.Strings(out[i].Backups)
		sort.Strings(out[i].Faults)
	}
	return out
}

func host(l map[string]string, hostOf func(string) string) string {
	for _, k := range []string{"host", "hostname", "nodename"} {
		if h := l[k]; h != "" {
			return h
		}
	}
	h := l["instance"]
	if a, _, err := net.SplitHostPort(h); err == nil {
		h = a
	}
	if hostOf != nil {
		if n := hostOf(h); n != "" {
			return n
		}
	}
	return h
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// Source reads the configured VIPs through one Prometheus.
type Source struct {
	Prom Querier
	VIPs []string
}

// Holders reads who holds each VIP now.
func (s Source) Holders(ctx context.Context, hostOf func(string) string) ([]VIP, error) {
	return Read(ctx, s.Prom, s.VIPs, hostOf, time.Now())
}
