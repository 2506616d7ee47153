package snapshot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

func cpSources(rabbitErr error) Sources {
	return Sources{
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) {
			return []openstack.ComputeService{
				{Binary: "nova-compute", Host: "compute01", Status: "enabled", State: "up"},
				{Binary: "nova-compute", Host: "compute02", Status: "enabled", State: "up"}}, nil
		},
		ControlPlane: ControlPlane{
			RabbitMQ: func(context.Context) rabbitmq.Snapshot {
				if rabbitErr != nil {
					return rabbitmq.Snapshot{Err: rabbitErr}
				}
				return rabbitmq.Snapshot{
					Nodes:       []rabbitmq.Node{{Name: "rabbit@control01", Running: true}, {Name: "rabbit@control02"}},
					Queues:      []rabbitmq.Queue{{Name: "cinder-scheduler", Messages: 120, Ready: 120}},
					Connections: []rabbitmq.Connection{{PeerHost: "10.0.1.21", Process: "nova-compute", PID: 7}},
				}
			},
			Hypervisors: func(context.Context) ([]openstack.Hypervisor, error) {
				return []openstack.Hypervisor{{Host: "compute01", HostIP: "10.0.1.21"}, {Host: "compute02", HostIP: "10.0.1.22"}}, nil
			},
			HAProxy: func(context.Context) (haproxy.Stats, error) {
				return haproxy.Group([]haproxy.Row{{Proxy: "nova_api", Name: "control03", Kind: haproxy.Server, Status: "DOWN", Addr: "10.0.0.13:8774"}}), nil
			},
			Memcached: func(context.Context) []MemcachedResult {
				return []MemcachedResult{{Addr: "10.0.0.13:11211", Err: errors.New("connection refused")}, {Addr: "10.0.0.11:11211"}}
			},
		},
	}
}

// The snapshot reports the control plane as the pane grades it: the
// RabbitMQ node down, the queue nobody consumes, compute02's nova-compute
// up in Nova without a connection, the HAProxy server DOWN, the memcached
// that does not answer (on control03, by HAProxy's address for it).
func TestSnapshotIncludesTheControlPlane(t *testing.T) {
	r := Collect(context.Background(), "c", "", cpSources(nil), time.Second, now)
	var got []string
	for _, f := range r.Findings {
		if f.Area == "controlplane" {
			got = append(got, f.Level.String()+" "+f.Host+": "+f.What)
		}
	}
	want := []string{
		"CRIT compute02: nova-compute has no RabbitMQ connection: up in its API but not connected to RabbitMQ",
		"CRIT control02: RabbitMQ node rabbit@control02: not running",
		"CRIT control03: HAProxy server nova_api/control03 DOWN",
		"CRIT control03: memcached 10.0.0.13:11211 down: connection refused",
		"WARN : cinder-scheduler: 120 ready, 0 consumers (queue cinder-scheduler)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.ExitCode() != 2 || !strings.Contains(r.Incident, "RabbitMQ node down (control02)") ||
		!strings.Contains(r.Incident, "nova-compute@compute02 not connected to RabbitMQ") || r.Checked["controlplane"] <= 0 {
		t.Fatalf("%d %q %v", r.ExitCode(), r.Incident, r.Checked)
	}
	// RabbitMQ unreachable: a backend finding, the rest still read.
	r = Collect(context.Background(), "c", "", cpSources(errors.New("rabbitmq management API unreachable")), time.Second, now)
	var backend, haproxyDown bool
	for _, f := range r.Findings {
		backend = backend || (f.Area == "backend" && strings.Contains(f.What, "controlplane: rabbitmq: rabbitmq management API unreachable"))
		haproxyDown = haproxyDown || strings.Contains(f.What, "nova_api/control03 DOWN")
	}
	if !backend || !haproxyDown {
		t.Fatalf("%+v", r.Findings)
	}
}

// A Galera node that is not Synced is a CRIT finding on its host, and the
// incident line names it.
func TestSnapshotIncludesGalera(t *testing.T) {
	src := cpSources(nil)
	src.ControlPlane.Galera = func(context.Context) galera.Cluster {
		return galera.Cluster{Expected: 3, Nodes: []galera.NodeStatus{
			{Node: galera.Node{Host: "control01"}, LocalState: "Synced", Ready: true, ClusterSize: 3, StateUUID: "u"},
			{Node: galera.Node{Host: "control02"}, LocalState: "Synced", Ready: true, ClusterSize: 3, StateUUID: "u"},
			{Node: galera.Node{Host: "control03"}, LocalState: "Donor/Desynced", Ready: true, ClusterSize: 3, StateUUID: "u"},
		}}
	}
	r := Collect(context.Background(), "c", "", src, time.Second, now)
	found := false
	for _, f := range r.Findings {
		if f.Area == "controlplane" && f.Host == "control03" && f.Level == Crit && strings.Contains(f.What, "Galera node Donor/Desynced") {
			found = true
		}
	}
	if !found || !strings.Contains(r.Incident, "Galera control03 Donor/Desynced") {
		t.Fatalf("%q\n%+v", r.Incident, r.Findings)
	}
}
