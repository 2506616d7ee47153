package hostmodel

import (
	"strconv"
	"strings"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// What each backend's rows mean as facts, in one place: the panes and the
// snapshot publish through these, so they cannot grade one thing two ways.

// FromComputeServices: Nova's os-services (down or forced down is down).
func FromComputeServices(ss []openstack.ComputeService) []Fact {
	out := make([]Fact, 0, len(ss))
	for _, s := range ss {
		out = append(out, ServiceFact(s.Host, s.Binary, strings.EqualFold(s.State, "down") || s.ForcedDown,
			strings.EqualFold(s.Status, "disabled")))
	}
	return out
}

// FromNetworkAgents: Neutron's agents (not alive is down).
func FromNetworkAgents(as []openstack.NetworkAgent) []Fact {
	out := make([]Fact, 0, len(as))
	for _, a := range as {
		out = append(out, ServiceFact(a.Host, a.Binary, !a.Alive, !a.AdminUp))
	}
	return out
}

// FromVolumeServices: Cinder's services, one fact per backend (host@backend).
func FromVolumeServices(vs []openstack.VolumeService) []Fact {
	out := make([]Fact, 0, len(vs))
	for _, v := range vs {
		f := ServiceFact(v.Host, v.Binary, strings.EqualFold(v.State, "down"), strings.EqualFold(v.Status, "disabled"))
		if strings.Contains(v.Host, "@") {
			f.ID = v.Binary + "@" + v.Host
		}
		out = append(out, f)
	}
	return out
}

// AlertSeverity grades an alert's severity label.
func AlertSeverity(label string) Severity {
	switch strings.ToLower(label) {
	case "critical", "crit", "page", "error":
		return Crit
	case "warning", "warn":
		return Warn
	}
	return OK
}

// FromAlerts: the firing ones; silenced, inhibited and suppressed alerts are
// known and handled, so they are left out.
func FromAlerts(as []alertmanager.Alert) []Fact {
	var out []Fact
	for _, a := range as {
		if (a.Status.State != "" && a.Status.State != "active") || a.Silenced() || a.Inhibited() {
			continue
		}
		out = append(out, Fact{Host: a.Host(), Kind: Alert, Name: a.Name(), ID: a.Fingerprint,
			State: Firing, Detail: a.Severity(), Severity: AlertSeverity(a.Severity())})
	}
	return out
}

// FromCeph: the cluster's health (cluster-wide) and each OSD on its host.
func FromCeph(c *ceph.Cluster) []Fact {
	if c == nil {
		return nil
	}
	h := Fact{Kind: Health, Name: "ceph", State: c.Status}
	switch c.Status {
	case ceph.HealthErr:
		h.Severity = Crit
	case ceph.HealthWarn:
		h.Severity = Warn
	}
	out := make([]Fact, 0, 1+len(c.OSDs)) // sized once: 10,000 OSDs at 1,000 hosts
	out = append(out, h)
	for _, d := range c.OSDs {
		f := Fact{Host: d.Host, Kind: OSD, Name: d.Name, State: Up}
		if !d.Up {
			f.State, f.Severity = Down, Warn
		}
		if !d.In {
			f.Detail = "out"
		}
		out = append(out, f)
	}
	return out
}

// FromContainers: one host's Docker containers. Exited, dead and unhealthy
// are CRIT; restarting and starting WARN.
func FromContainers(host string, cs []docker.Container) []Fact {
	out := make([]Fact, 0, len(cs))
	for _, c := range cs {
		f := Fact{Host: host, Kind: Container, Name: c.Name, State: c.State}
		switch {
		case c.Health == "unhealthy":
			f.Severity, f.Detail = Crit, "unhealthy"
		case c.State == "exited" || c.State == "dead":
			f.Severity, f.Detail = Crit, "?" // the exit code, when an inspect told it
			if c.Inspected() {
				f.Detail = strconv.Itoa(c.ExitCode)
			}
		case c.State == "restarting" || c.Health == "starting":
			f.Severity = Warn
		}
		out = append(out, f)
	}
	return out
}
