package snapshot

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// The report carries the host model's incident line: the words the
// cockpit's strip shows for the same state.
func TestReportCarriesTheIncidentLine(t *testing.T) {
	r := Collect(context.Background(), "c", "", Sources{
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) {
			return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute04", Status: "enabled", State: "down"},
				{Binary: "nova-compute", Host: "compute01", Status: "enabled", State: "up"}}, nil
		},
		NetworkAgents: func(context.Context) ([]openstack.NetworkAgent, error) {
			return []openstack.NetworkAgent{{Binary: "neutron-openvswitch-agent", Host: "compute04", AdminUp: true},
				{Binary: "neutron-dhcp-agent", Host: "control02", AdminUp: true}}, nil
		},
		Alerts: func(context.Context) ([]alertmanager.Alert, error) {
			return []alertmanager.Alert{alert("HostDown", "critical", "compute04", false), alert("NovaComputeDown", "critical", "compute04", false),
				alert("Old", "critical", "compute06", true)}, nil
		},
		Ceph: func(context.Context) (*ceph.Cluster, error) {
			return &ceph.Cluster{Status: ceph.HealthWarn, OSDs: []ceph.OSD{{Name: "osd.6", Host: "compute04"}}}, nil
		},
	}, time.Second, now)
	want := "1 host DOWN (compute04) · 2 CRIT · HEALTH_WARN · 1 OSD down · 1 agent down"
	if r.Incident != want {
		t.Fatalf("incident\n got %q\nwant %q", r.Incident, want)
	}
	var b bytes.Buffer
	_ = r.Text(&b)
	if !strings.Contains(b.String(), "incident: "+want+"\n") {
		t.Fatalf("text report lacks the incident line:\n%s", b.String())
	}
	calm := Collect(context.Background(), "c", "", Sources{
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) {
			return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute01", Status: "enabled", State: "up"}}, nil
		},
	}, time.Second, now)
	b.Reset()
	_ = calm.Text(&b)
	if calm.Incident != "" || strings.Contains(b.String(), "incident:") {
		t.Fatalf("calm report has an incident: %q", calm.Incident)
	}
}
