package hostmodel

import (
	"fmt"
	"strings"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

// The control plane's sources and kinds (the controlplane pane publishes
// them): a controller's row shows its RabbitMQ node and HAProxy servers, a
// compute's row the queue nobody consumes for it.
const (
	RabbitMQ Source = "rabbitmq"
	HAProxy  Source = "haproxy"

	RabbitNode    Kind = "rabbitmq-node"  // Name is the node (rabbit@control01)
	Queue         Kind = "queue"          // a queue with messages and no consumer; Name is the queue
	HAProxyServer Kind = "haproxy-server" // Name is backend/server
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
