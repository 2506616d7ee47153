package hostmodel

import (
	"strings"

	"github.com/stackpit/stackpit/datasource/galera"
)

// Galera: the controlplane pane publishes each node on its host (a
// controller's row shows its Galera state) and the cluster's own problems
// (size below the expected count, a split) as a cluster-wide fact.
const (
	Galera Source = "galera"

	GaleraNode    Kind = "galera-node"    // Name "galera"; State is wsrep_local_state_comment or "unreachable"
	GaleraCluster Kind = "galera-cluster" // Host ""; Name is the cluster name
)

func galeraSeverity(s galera.Severity) Severity {
	switch s {
	case galera.Crit:
		return Crit
	case galera.Warn:
		return Warn
	}
	return OK
}

func problemText(ps []galera.Problem) string {
	t := make([]string, len(ps))
	for i, p := range ps {
		t[i] = p.Text
	}
	return strings.Join(t, "; ")
}

// FromGalera: one fact per node (CRIT when unreadable, not Synced, not
// ready or outside the Primary component; WARN on flow control, queues,
// connections, long statements) and, when the cluster itself is wrong, one
// cluster-wide CRIT fact.
func FromGalera(cl galera.Cluster) []Fact {
	var out []Fact
	name := "galera"
	for _, n := range cl.Nodes {
		ps := n.Problems()
		f := Fact{Host: n.Host, Kind: GaleraNode, Name: "galera", State: n.LocalState, Severity: galeraSeverity(galera.Worst(ps)), Detail: problemText(ps)}
		if n.Err != nil {
			f.State = "unreachable"
		} else if n.ClusterName != "" {
			name = n.ClusterName
		}
		out = append(out, f)
	}
	if ps := cl.Problems(); len(ps) > 0 {
		out = append(out, Fact{Kind: GaleraCluster, Name: name, State: "degraded", Severity: galeraSeverity(galera.Worst(ps)), Detail: problemText(ps)})
	}
	return out
}
