package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// ServiceReader reads the OpenStack services' own state lists: the
// container post-check and the read-back of service changes use it.
// *openstack.Client implements it.
type ServiceReader interface {
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
	NetworkAgents(ctx context.Context) ([]openstack.NetworkAgent, error)
	VolumeServices(ctx context.Context) ([]openstack.VolumeService, error)
}

// kollaBinaries maps a Kolla container to the OpenStack service it runs.
var kollaBinaries = map[string]string{
	"nova_compute": "nova-compute", "nova_conductor": "nova-conductor", "nova_scheduler": "nova-scheduler",
	"neutron_openvswitch_agent": "neutron-openvswitch-agent", "neutron_dhcp_agent": "neutron-dhcp-agent",
	"neutron_l3_agent": "neutron-l3-agent", "neutron_metadata_agent": "neutron-metadata-agent",
	"neutron_linuxbridge_agent": "neutron-linuxbridge-agent", "cinder_volume": "cinder-volume",
	"cinder_scheduler": "cinder-scheduler", "cinder_backup": "cinder-backup",
}

// KollaServiceBinary is the OpenStack service binary a Kolla container runs
// ("nova_compute" -> "nova-compute"); false for containers that run none
// reporting to a service list (rabbitmq, mariadb...).
func KollaServiceBinary(container string) (string, bool) {
	b, ok := kollaBinaries[container]
	return b, ok
}

// ContainerForBinary maps an OpenStack binary to its Kolla container name.
func ContainerForBinary(binary string) string { return strings.ReplaceAll(binary, "-", "_") }

// ServiceAlive reports whether binary on host is alive in Nova's, Neutron's
// or Cinder's own service list; known is false when no list has it.
func ServiceAlive(ctx context.Context, r ServiceReader, host, binary string) (alive, known bool, err error) {
	switch {
	case strings.HasPrefix(binary, "nova-"):
		ss, err := r.ComputeServices(ctx)
		if err != nil {
			return false, false, err
		}
		for _, s := range ss {
			if s.Host == host && s.Binary == binary {
				return s.State == "up", true, nil
			}
		}
	case strings.HasPrefix(binary, "neutron-"):
		as, err := r.NetworkAgents(ctx)
		if err != nil {
			return false, false, err
		}
		for _, a := range as {
			if a.Host == host && a.Binary == binary {
				return a.Alive, true, nil
			}
		}
	case strings.HasPrefix(binary, "cinder-"):
		vs, err := r.VolumeServices(ctx)
		if err != nil {
			return false, false, err
		}
		for _, v := range vs {
			// Cinder's host is host@backend for cinder-volume.
			if h, _, _ := strings.Cut(v.Host, "@"); h == host && v.Binary == binary {
				return v.State == "up", true, nil
			}
		}
	}
	return false, false, nil
}

// ServiceHostLister is ServiceReader plus what tells whether Neutron and
// Cinder are in the catalog at all.
type ServiceHostLister interface {
	ServiceReader
	Connect(ctx context.Context) error
	HasNetwork() bool
	HasVolume() bool
}

// ServiceHosts lists the hosts of the cloud's Nova, Neutron and Cinder
// services (Cinder's host@backend is cut to the host), sorted and unique.
// Neutron and Cinder errors are not fatal: Nova's list is the core.
func ServiceHosts(ctx context.Context, c ServiceHostLister) ([]string, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	ss, err := c.ComputeServices(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		seen[s.Host] = true
	}
	if c.HasNetwork() {
		if as, err := c.NetworkAgents(ctx); err == nil {
			for _, a := range as {
				seen[a.Host] = true
			}
		}
	}
	if c.HasVolume() {
		if vs, err := c.VolumeServices(ctx); err == nil {
			for _, v := range vs {
				h, _, _ := strings.Cut(v.Host, "@")
				seen[h] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		if h != "" {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Step is a short operation's progress (service, Ceph, silence changes).
type Step struct {
	Done, Total int
	Line        string
}

func stepTo(step func(Step)) func(Step) {
	if step == nil {
		return func(Step) {}
	}
	return step
}

// ServiceChanger changes nova-compute's service state on a host.
// *openstack.Client implements it.
type ServiceChanger interface {
	DisableService(ctx context.Context, host, reason string) error
	EnableService(ctx context.Context, host string) error
	ForceDown(ctx context.Context, host string, down bool) error
}

// ForceUpRefused is Nova's 400 to a force-up after an evacuation: `done`
// evacuation migration records stay on the host until nova-compute there
// restarts (and moves them to `completed`).
func ForceUpRefused(err error) bool {
	if err == nil {
		return false
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "unable to force up") ||
		(strings.Contains(m, "evacuation migration records") && strings.Contains(m, "done"))
}

// ChangeService runs one nova-compute service change on host: verb is
// ServiceDisable (with reason), ServiceEnable, ServiceForceDown or
// ServiceForceUp. It returns the result line for the operator and the
// audit record. A force-up Nova refuses after an evacuation says what to
// do: restart nova-compute on the host, then force up again.
func ChangeService(ctx context.Context, c ServiceChanger, host, verb, reason string, step func(Step)) (string, error) {
	step = stepTo(step)
	var run func() error
	var done string
	switch verb {
	case ServiceDisable:
		run, done = func() error { return c.DisableService(ctx, host, reason) }, "nova-compute disabled on "+host
	case ServiceEnable:
		run, done = func() error { return c.EnableService(ctx, host) }, "nova-compute enabled on "+host
	case ServiceForceDown:
		run, done = func() error { return c.ForceDown(ctx, host, true) }, "nova-compute forced down on "+host
	case ServiceForceUp:
		run, done = func() error { return c.ForceDown(ctx, host, false) }, "forced-down cleared on "+host
	default:
		return "", fmt.Errorf("unknown service change %q", verb)
	}
	step(Step{Done: 0, Total: 1, Line: verb + " " + host})
	if err := run(); err != nil {
		if verb == ServiceForceUp && ForceUpRefused(err) {
			return "", fmt.Errorf("%w; restart nova-compute on %s (container %s) so its evacuation records complete, then force up again",
				err, host, ContainerForBinary("nova-compute"))
		}
		return "", err
	}
	step(Step{Done: 1, Total: 1, Line: done})
	return done, nil
}
