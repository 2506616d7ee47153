package hostmodel

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkApplyOneHost: one host's container list landing in a model of a
// big cloud (1000 hosts, 30 containers and 3 agents each): the cost every
// containers refresh pays per host.
func BenchmarkApplyOneHost(b *testing.B) {
	m, one := bigCloud()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Apply(one)
	}
}

// BenchmarkApplyThenFrame: the same, then what the next frame asks (the
// strip's summary and nine tabs' severities): paid once per change, as the
// answers are cached until the next Apply.
func BenchmarkApplyThenFrame(b *testing.B) {
	m, one := bigCloud()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Apply(one)
		m.Summarize()
		for _, p := range []string{"instances", "compute", "agents", "ceph", "panels", "logs", "alerts", "silences", "containers"} {
			m.PaneSeverity(p)
		}
	}
}

func bigCloud() (*Model, Observation) {
	m := New()
	var agents []Fact
	for h := 0; h < 1000; h++ {
		host := fmt.Sprintf("compute%04d", h)
		var cs []Fact
		for c := 0; c < 30; c++ {
			cs = append(cs, Fact{Host: host, Kind: Container, Name: fmt.Sprintf("c%02d", c), State: Running})
		}
		m.Apply(Observation{Pane: "containers", Source: Docker, Scope: host, At: t0, Facts: cs})
		agents = append(agents, svc(host, "nova-compute", Up, OK), svc(host, "neutron-openvswitch-agent", Up, OK))
	}
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: agents})
	one := Observation{Pane: "containers", Source: Docker, Scope: "compute0001", At: t0.Add(time.Second),
		Facts: []Fact{{Host: "compute0001", Kind: Container, Name: "c00", State: "exited", Severity: Crit}}}
	return m, one
}

// BenchmarkApplyClusterFact: a cluster-wide answer that is no service
// count (Ceph's health) landing in a big cloud: hosts do not read it, so
// none is merged again (issue 15).
func BenchmarkApplyClusterFact(b *testing.B) {
	m, _ := bigCloud()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Duration(i) * time.Second),
			Facts: []Fact{{Kind: Health, Name: "HEALTH_WARN", State: "warn", Severity: Warn}}})
	}
}

// BenchmarkChangeThenFrame: one host's containers changing state each
// time (exited, then running again), then the next frame's summary and
// tabs: what a changed fact costs at 1,000 hosts.
func BenchmarkChangeThenFrame(b *testing.B) {
	m, one := bigCloud()
	back := one
	back.Facts = []Fact{{Host: "compute0001", Kind: Container, Name: "c00", State: Running}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := one
		if i%2 == 1 {
			o = back
		}
		o.At = t0.Add(time.Duration(i+1) * time.Second)
		m.Apply(o)
		m.Summarize()
		for _, p := range []string{"instances", "compute", "agents", "ceph", "panels", "logs", "alerts", "silences", "containers"} {
			m.PaneSeverity(p)
		}
	}
}

// BenchmarkChangeThenConflictsKey: one host's containers changing state,
// then what each of three panes asks after an observation (the conflicts'
// key): at 1,000 hosts it must not cost a pass over every host.
func BenchmarkChangeThenConflictsKey(b *testing.B) {
	m, one := bigCloud()
	back := one
	back.Facts = []Fact{{Host: "compute0001", Kind: Container, Name: "c00", State: Running}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := one
		if i%2 == 1 {
			o = back
		}
		o.At = t0.Add(time.Duration(i+1) * time.Second)
		m.Apply(o)
		for range 3 {
			m.ConflictsKey()
		}
	}
}

// BenchmarkApplyWholeCloudChanged: a whole-cloud answer (every host's
// agent) whose facts changed on every host: 1,000 hosts merged at once.
func BenchmarkApplyWholeCloudChanged(b *testing.B) {
	m, _ := bigCloud()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var fs []Fact
		for h := 0; h < 1000; h++ {
			fs = append(fs, Fact{Host: fmt.Sprintf("compute%04d", h), Kind: Usage, Name: "hypervisor", State: Up, Detail: fmt.Sprintf("vCPU %d/64", i%64)})
		}
		m.Apply(Observation{Pane: "compute", Source: Placement, At: t0.Add(time.Duration(i) * time.Second), Facts: fs})
	}
}

// BenchmarkRefreshSharedSource: two panes (compute, agents) publishing
// Nova's services of 1,000 hosts, each refresh newer and the same: only
// times move, whichever pane's fact is the merged one.
func BenchmarkRefreshSharedSource(b *testing.B) {
	m, _ := bigCloud()
	var fs []Fact
	for h := 0; h < 1000; h++ {
		fs = append(fs, svc(fmt.Sprintf("compute%04d", h), "nova-compute", Up, OK))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pane := "compute"
		if i%2 == 1 {
			pane = "agents"
		}
		m.Apply(Observation{Pane: pane, Source: Nova, At: t0.Add(time.Duration(i+1) * time.Second), Facts: fs})
	}
}

// BenchmarkRefreshThenControlPlaneAsks: a host's refresh with nothing new,
// then what the control-plane pane asks the model (addresses, Nova's
// services, controller rows) at 1,000 hosts.
func BenchmarkRefreshThenControlPlaneAsks(b *testing.B) {
	m, one := bigCloud()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := one
		o.At = t0.Add(time.Duration(i+1) * time.Second)
		m.Apply(o)
		m.Addresses()
		m.ServicesUp(Nova, "nova-compute")
		m.ControllerRows()
	}
}
