package hostmodel

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

// The control plane's sources and kinds (the controlplane pane publishes
// them): a controller's row shows its RabbitMQ node and HAProxy servers, a
// compute's row the queue nobody consumes for it.
const (
	RabbitMQ     Source = "rabbitmq"
	HAProxy      Source = "haproxy"
	MemcachedSrc Source = "memcached"
	Keepalived   Source = "keepalived"

	RabbitNode    Kind = "rabbitmq-node"  // Name is the node (rabbit@control01)
	Queue         Kind = "queue"          // a queue with messages and no consumer; Name is the queue
	HAProxyServer Kind = "haproxy-server" // Name is backend/server
	// RabbitConn: a service the cloud's API says runs on the host, with
	// no connection to the broker (Name is the service). Only the missing
	// ones are facts: connected is the normal case.
	RabbitConn Kind = "rabbitmq-connection"
	// Memcached: one memcached; Name is its address.
	Memcached Kind = "memcached"
	// Address: an IP address the host is known by (Name is the address),
	// from HAProxy's server addresses and Nova's hypervisor host_ip, so a
	// RabbitMQ connection's peer address finds its host.
	Address Kind = "address"
	// VIP: a keepalived virtual IP the host holds (Name is the VIP).
	VIP Kind = "vip"
)

// FromRabbitMQ: each node on its host (CRIT when not running, WARN with
// alarms or partitions), and each unconsumed per-host queue on the host
// whose service should consume it (WARN).
func FromRabbitMQ(nodes []rabbitmq.Node, queues []rabbitmq.Queue) []Fact {
	var out []Fact
	for _, n := range nodes {
		f := Fact{Host: n.Host(), Kind: RabbitNode, Name: n.Name, State: Running}
		if p := n.Problems(); len(p) > 0 {
			f.Detail, f.Severity = strings.Join(p, "; "), Warn
			if !n.Running {
				f.State, f.Severity = Down, Crit
			}
		}
		out = append(out, f)
	}
	for _, u := range rabbitmq.UnconsumedQueues(queues) {
		out = append(out, Fact{Host: u.Owner.Host, Kind: Queue, Name: u.Queue.Name, State: "unconsumed", Severity: Warn,
			Detail: fmt.Sprintf("%s: %d ready, 0 consumers", u.Owner.Who(), u.Queue.Ready)})
	}
	return out
}

// FromHAProxy: each backend server on the host it is named after; DOWN is
// CRIT, MAINT/DRAIN WARN (someone took it out).
func FromHAProxy(st haproxy.Stats) []Fact {
	var out []Fact
	for _, b := range st.Backends {
		for _, s := range b.Servers {
			if a := AddrHost(s.Addr); a != "" {
				out = append(out, Fact{Host: s.Name, Kind: Address, Name: a})
			}
			f := Fact{Host: s.Name, Kind: HAProxyServer, Name: b.Proxy + "/" + s.Name, State: s.State(), Detail: s.Status}
			switch s.State() {
			case "DOWN":
				f.Severity = Crit
			case "MAINT", "DRAIN", "NOLB":
				f.Severity = Warn
			}
			out = append(out, f)
		}
	}
	return out
}

// AddrHost is the IP of "ip:port", "[v6]:port" or a bare address.
func AddrHost(addr string) string {
	addr = strings.TrimSpace(addr)
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return strings.Trim(addr, "[]")
}

// FromMissingConnections: each expected service with no broker connection
// on its host. CRIT when its API says it is up (it cannot receive RPCs:
// the "nova-compute did not reconnect" case), WARN when it is down
// anyway (already counted as down).
func FromMissingConnections(missing []rabbitmq.ServiceHost, up func(rabbitmq.ServiceHost) bool) []Fact {
	var out []Fact
	for _, m := range missing {
		f := Fact{Host: m.Host, Kind: RabbitConn, Name: m.Service, State: "no connection", Severity: Warn,
			Detail: "down in its API too"}
		if up(m) {
			f.Severity, f.Detail = Crit, "up in its API but not connected to RabbitMQ"
		}
		out = append(out, f)
	}
	return out
}

// Addresses maps every IP address a host is known by to the host.
func (m *Model) Addresses() map[string]string {
	if m == nil {
		return map[string]string{}
	}
	c := m.byFacts()
	if c.addrs == nil {
		c.addrs = m.addresses()
	}
	return maps.Clone(c.addrs) // the caller's to add to
}

// factsCache holds answers that read no fact's time, while FactsVersion
// stays (issue 15: the control-plane pane asked them on each observation,
// each a pass over every fact of 1,000 hosts).
type factsCache struct {
	at    int
	addrs map[string]string
	up    map[[2]string]map[rabbitmq.ServiceHost]bool
	ctls  []ControllerRow
	ctlOK bool
}

func (m *Model) byFacts() *factsCache {
	if m.fc == nil || m.fc.at != m.factsVer {
		m.fc = &factsCache{at: m.factsVer, up: map[[2]string]map[rabbitmq.ServiceHost]bool{}}
	}
	return m.fc
}

func (m *Model) addresses() map[string]string {
	m.factPasses++
	out := map[string]string{}
	for _, h := range m.hosts {
		for _, f := range h.Facts {
			if f.Kind == Address {
				out[f.Name] = h.Name
			}
		}
	}
	return out
}

// FromMemcached: each memcached on its host (the address's host part,
// through addrs when it is an IP, cluster-wide when no host has that IP);
// one that does not answer is CRIT.
func FromMemcached(addr string, err error, addrs map[string]string) Fact {
	h := AddrHost(addr)
	if n, ok := addrs[h]; ok {
		h = n
	} else if net.ParseIP(h) != nil {
		h = "" // an address no host is known by: cluster-wide
	}
	f := Fact{Host: h, Kind: Memcached, Name: addr, State: Up}
	if err != nil {
		f.State, f.Severity, f.Detail = Down, Crit, err.Error()
	}
	return f
}

// ServicesUp lists the services src (Nova, Cinder, Neutron) reports on
// each host, named binary (all binaries when ""), with whether each is up.
func (m *Model) ServicesUp(src Source, binary string) map[rabbitmq.ServiceHost]bool {
	if m == nil {
		return map[rabbitmq.ServiceHost]bool{}
	}
	c := m.byFacts()
	k := [2]string{string(src), binary}
	if c.up[k] == nil {
		c.up[k] = m.servicesUp(src, binary)
	}
	return maps.Clone(c.up[k])
}

func (m *Model) servicesUp(src Source, binary string) map[rabbitmq.ServiceHost]bool {
	m.factPasses++
	out := map[rabbitmq.ServiceHost]bool{}
	for _, h := range m.Hosts() {
		for _, f := range h.Facts {
			if f.Kind == Service && f.Source == src && (binary == "" || f.Name == binary) {
				out[rabbitmq.ServiceHost{Service: f.Name, Host: h.Name}] = f.State == Up
			}
		}
	}
	return out
}

// countControlPlane counts one control-plane fact for the strip.
func (s *Summary) countControlPlane(f Fact) {
	if f.Severity == OK {
		return
	}
	switch f.Kind {
	case RabbitNode:
		if f.State == Down {
			s.RabbitDown = append(s.RabbitDown, f.Host)
		} else {
			s.RabbitProblems++
		}
	case Queue:
		s.QueuesUnconsumed++
	case RabbitConn:
		if f.Severity == Crit { // a down service without one is counted as down
			s.Disconnected = append(s.Disconnected, f.Name+"@"+f.Host)
		}
	case HAProxyServer:
		if f.State == "DOWN" {
			s.HAProxyDown++
		}
	case Memcached:
		s.MemcachedDown++
	case VIP:
		s.VIPProblems++
	case GaleraNode:
		s.GaleraNodes = append(s.GaleraNodes, f.Host+" "+f.State)
		s.GaleraSeverity = max(s.GaleraSeverity, f.Severity)
	case GaleraCluster:
		s.GaleraCluster = append(s.GaleraCluster, f.Detail)
		s.GaleraSeverity = max(s.GaleraSeverity, f.Severity)
	}
}

// controlPlaneSegments are the strip's control-plane words, after the
// hosts, alerts and Ceph (those name the incident; these its cause).
func (s Summary) controlPlaneSegments() []Segment {
	var out []Segment
	add := func(n int, one, many string, sev Severity) {
		if n == 1 {
			out = append(out, Segment{"1 " + one, sev})
		} else if n > 1 {
			out = append(out, Segment{fmt.Sprintf("%d %s", n, many), sev})
		}
	}
	if n := len(s.RabbitDown); n == 1 {
		out = append(out, Segment{"RabbitMQ node down (" + s.RabbitDown[0] + ")", Crit})
	} else {
		add(n, "", "RabbitMQ nodes down", Crit)
	}
	add(s.RabbitProblems, "RabbitMQ node alarm/partition", "RabbitMQ node alarms/partitions", Warn)
	if n := len(s.Disconnected); n == 1 {
		out = append(out, Segment{s.Disconnected[0] + " not connected to RabbitMQ", Crit})
	} else {
		add(n, "", "services not connected to RabbitMQ", Crit)
	}
	add(s.QueuesUnconsumed, "queue without consumer", "queues without consumer", Warn)
	add(s.HAProxyDown, "HAProxy server DOWN", "HAProxy servers DOWN", Crit)
	add(s.MemcachedDown, "memcached down", "memcached down", Crit)
	add(s.VIPProblems, "VIP without a single holder", "VIPs without a single holder", Crit)
	switch n := len(s.GaleraNodes); {
	case n >= 1 && n <= 3:
		out = append(out, Segment{"Galera " + strings.Join(s.GaleraNodes, ", "), s.GaleraSeverity})
	case n > 3:
		out = append(out, Segment{fmt.Sprintf("%d Galera nodes with problems", n), s.GaleraSeverity})
	case len(s.GaleraCluster) > 0:
		out = append(out, Segment{"Galera: " + s.GaleraCluster[0], s.GaleraSeverity})
	}
	return out
}

// FromVIPs: the holder of each VIP (State MASTER, on its host); a VIP
// held by two hosts or by none is a cluster-wide CRIT. One no series
// names is not a fact: unknown is not a problem found.
func FromVIPs(vs []keepalived.VIP) []Fact {
	var out []Fact
	for _, v := range vs {
		switch {
		case !v.Known:
		case v.OK():
			out = append(out, Fact{Host: v.Holder(), Kind: VIP, Name: v.Addr, State: "MASTER"})
		default:
			out = append(out, Fact{Kind: VIP, Name: v.Addr, State: "unheld", Severity: Crit, Detail: v.Text()})
		}
	}
	return out
}

// ControllerRow is one controller's control-plane state as a row says it.
type ControllerRow struct {
	Host      string
	RabbitMQ  string // "running", "✗ not running", "⚠ memory alarm (publishers blocked)", "-"
	HAProxy   string // "6 UP", "5 UP · ✗ DOWN keystone_internal", "-"
	Memcached string // "up", "✗ down", "-"
	VIPs      string // the VIPs it holds, "-"
	Galera    string // "Synced", "✗ Donor/Desynced", "-"
	Severity  Severity
}

// ControllerRows: every host with a RabbitMQ node, HAProxy server,
// memcached, VIP or Galera node fact, by name.
func (m *Model) ControllerRows() []ControllerRow {
	if m == nil {
		return nil
	}
	c := m.byFacts()
	if !c.ctlOK {
		c.ctls, c.ctlOK = m.controllerRows(), true
	}
	return slices.Clone(c.ctls)
}

func (m *Model) controllerRows() []ControllerRow {
	m.factPasses++
	var out []ControllerRow
	for _, h := range m.Hosts() {
		r := ControllerRow{Host: h.Name, RabbitMQ: "-", HAProxy: "-", Memcached: "-", VIPs: "-", Galera: "-"}
		up, any := 0, false
		var bad, vips []string
		for _, f := range h.Facts {
			switch f.Kind {
			case RabbitNode:
				any = true
				r.RabbitMQ = "running"
				if f.State == Down {
					r.RabbitMQ = "✗ not running"
				} else if f.Severity > OK {
					r.RabbitMQ = "⚠ " + f.Detail
				}
			case HAProxyServer:
				any = true
				backend, _, _ := strings.Cut(f.Name, "/")
				if f.Severity == OK {
					up++
				} else {
					mark := "⚠ "
					if f.Severity == Crit {
						mark = "✗ "
					}
					bad = append(bad, mark+f.State+" "+backend)
				}
			case Memcached:
				any = true
				r.Memcached = "up"
				if f.Severity > OK {
					r.Memcached = "✗ down"
				}
			case VIP:
				any = true
				vips = append(vips, f.Name)
			case GaleraNode:
				any = true
				r.Galera = f.State
				if f.Severity == Crit {
					r.Galera = "✗ " + f.State
				} else if f.Severity == Warn {
					r.Galera = "⚠ " + f.State
				}
			default:
				continue
			}
			r.Severity = max(r.Severity, f.Severity)
		}
		if !any {
			continue
		}
		if up+len(bad) > 0 {
			r.HAProxy = strings.Join(append([]string{fmt.Sprintf("%d UP", up)}, bad...), " · ")
		}
		if len(vips) > 0 {
			r.VIPs = strings.Join(vips, " ")
		}
		out = append(out, r)
	}
	return out
}
