package rabbitmq

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// Owner is who should consume a queue, read from oslo.messaging's naming:
// "<topic>" (any server of the service), "<topic>.<server>" (one host),
// "<topic>_fanout_<uuid>" (every server, one queue each), "reply_<uuid>"
// (an RPC caller waiting for answers).
type Owner struct {
	Topic   string // compute, cinder-scheduler, notifications.info
	Service string // nova-compute; "" when the topic is not a known one
	Server  string // compute04, storage1@lvm; "" for the shared queue
	Host    string // Server without a cinder "@backend"
	Fanout  bool
	Reply   bool
}

// topics maps oslo.messaging topics to the service consuming them.
var topics = map[string]string{
	"compute":                    "nova-compute",
	"conductor":                  "nova-conductor",
	"scheduler":                  "nova-scheduler",
	"cinder-scheduler":           "cinder-scheduler",
	"cinder-volume":              "cinder-volume",
	"cinder-backup":              "cinder-backup",
	"q-plugin":                   "neutron-server",
	"q-reports-plugin":           "neutron-server",
	"q-l3-plugin":                "neutron-server",
	"q-server-resource-versions": "neutron-server",
	"dhcp_agent":                 "neutron-dhcp-agent",
	"l3_agent":                   "neutron-l3-agent",
	"metering_agent":             "neutron-metering-agent",
	"engine":                     "heat-engine",
	"heat-engine-listener":       "heat-engine",
	"magnum-conductor":           "magnum-conductor",
	"manila-scheduler":           "manila-scheduler",
	"manila-share":               "manila-share",
	"manila-data":                "manila-data",
	"octavia_prov":               "octavia-driver-agent",
	"ironic.conductor_manager":   "ironic-conductor",
	"central":                    "designate-central",
	"worker":                     "designate-worker",
	"producer":                   "designate-producer",
	"notifications":              "notification listener",
	"versioned_notifications":    "notification listener",
}

// QueueOwner says which service (and host) should consume the queue named
// name.
func QueueOwner(name string) Owner {
	if rest, ok := strings.CutPrefix(name, "reply_"); ok && rest != "" {
		return Owner{Topic: "reply", Service: "RPC caller (reply queue)", Reply: true}
	}
	o := Owner{Topic: name}
	if i := strings.Index(name, "_fanout_"); i > 0 {
		o.Topic, o.Fanout = name[:i], true
	} else if i := strings.IndexByte(name, '.'); i > 0 {
		// The longest known topic wins: "notifications.info" and
		// "ironic.conductor_manager.host" both have dots of their own.
		o.Topic, o.Server = name[:i], name[i+1:]
		for t := range topics {
			if strings.HasPrefix(name, t+".") && len(t) > i {
				o.Topic, o.Server = t, name[len(t)+1:]
				i = len(t)
			}
		}
		if _, known := topics[o.Topic]; !known && topics[name] != "" {
			o.Topic, o.Server = name, ""
		}
	}
	if strings.HasPrefix(o.Topic, "q-agent-notifier-") {
		o.Service = "neutron L2 agent"
	} else {
		o.Service = topics[o.Topic]
	}
	if strings.HasPrefix(o.Topic, "notifications") || strings.HasPrefix(o.Topic, "versioned_notifications") {
		// notifications.info, .error...: the level is not a host
		o.Service, o.Server = "notification listener", ""
	}
	o.Host = o.Server
	if i := strings.IndexByte(o.Host, '@'); i >= 0 {
		o.Host = o.Host[:i]
	}
	return o
}

// Who is the owner as words: "nova-compute on compute04",
// "cinder-scheduler", "queue foo" when unknown.
func (o Owner) Who() string {
	s := o.Service
	if s == "" {
		s = o.Topic
	}
	if o.Host != "" {
		s += " on " + o.Host
	}
	return s
}

// Unconsumed is a queue holding messages with no consumer: its service is
// down or has lost its connection.
type Unconsumed struct {
	Queue Queue
	Owner Owner
}

func (u Unconsumed) String() string {
	return fmt.Sprintf("%s: %d ready, 0 consumers (queue %s)", u.Owner.Who(), u.Queue.Ready, u.Queue.Name)
}

// UnconsumedQueues lists the queues with messages and no consumer, deepest first.
func UnconsumedQueues(qs []Queue) []Unconsumed {
	var out []Unconsumed
	for _, q := range qs {
		if q.Messages > 0 && q.Consumers == 0 {
			out = append(out, Unconsumed{Queue: q, Owner: QueueOwner(q.Name)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Queue.Messages > out[j].Queue.Messages })
	return out
}

// parseClientName reads oslo.messaging's "<process>:<pid>:<uuid>", and
// the "<host>:<process>:<pid>:<uuid>" some deployments patch in.
func parseClientName(s string) (host, process string, pid int) {
	parts := strings.Split(s, ":")
	for i := len(parts) - 2; i >= 1; i-- {
		if n, err := strconv.Atoi(parts[i]); err == nil && n > 0 {
			return strings.Join(parts[:i-1], ":"), parts[i-1], n
		}
	}
	return "", "", 0
}

// ServiceHost keys connections by the service and host they come from.
type ServiceHost struct{ Service, Host string }

// ConnectionsBy groups connections by service and host: the host the
// connection names, else hostOf(peer address) (nil, or "" from it, keeps
// the address). Connections without an oslo.messaging name are grouped
// under the process "".
func ConnectionsBy(conns []Connection, hostOf func(peer string) string) map[ServiceHost][]Connection {
	out := map[ServiceHost][]Connection{}
	for _, c := range conns {
		h := c.PeerHost
		if c.ClientHost != "" {
			h = c.ClientHost
		} else if hostOf != nil {
			if n := hostOf(h); n != "" {
				h = n
			}
		}
		k := ServiceHost{Service: c.Process, Host: h}
		out[k] = append(out[k], c)
	}
	return out
}

// Missing returns the expected services (e.g. nova-compute on every
// enabled compute host) with no connection to the broker, in the order
// given.
func Missing(conns []Connection, hostOf func(peer string) string, expected []ServiceHost) []ServiceHost {
	have := ConnectionsBy(conns, hostOf)
	var out []ServiceHost
	for _, e := range expected {
		if len(have[e]) == 0 {
			out = append(out, e)
		}
	}
	return out
}

// CheckConnections says which expected services (service@host -> up by the cloud's
// API) have no connection, up ones first. It refuses to tell (why != "")
// when a connection of an expected service comes from an address hostOf
// cannot name: that connection could be any of the missing ones.
func CheckConnections(conns []Connection, hostOf func(peer string) string, expected map[ServiceHost]bool) (missing []ServiceHost, why string) {
	services := map[string]bool{}
	for k := range expected {
		services[k.Service] = true
	}
	var unknown []string
	for k := range ConnectionsBy(conns, hostOf) {
		if services[k.Service] && net.ParseIP(k.Host) != nil {
			unknown = append(unknown, k.Host)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Sprintf("%d connection peer(s) no known host has as its address (%s): missing connections cannot be told",
			len(unknown), strings.Join(unknown, " "))
	}
	keys := make([]ServiceHost, 0, len(expected))
	for k := range expected {
		keys = append(keys, k)
	}
	SortServiceHosts(keys)
	missing = Missing(conns, hostOf, keys)
	sort.SliceStable(missing, func(i, j int) bool { return expected[missing[i]] && !expected[missing[j]] })
	return missing, ""
}

// SortServiceHosts orders by service, then host.
func SortServiceHosts(s []ServiceHost) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Service != s[j].Service {
			return s[i].Service < s[j].Service
		}
		return s[i].Host < s[j].Host
	})
}
