package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/redact"
	"github.com/stackpit/stackpit/snapshot"
	"github.com/stackpit/stackpit/views/controlplane"
	"github.com/stackpit/stackpit/views/images"
	"github.com/stackpit/stackpit/views/volumes"
)

// snapshotCmd prints the incident snapshot and exits as a monitoring plugin
// does: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it could not run, no cloud
// is configured, or nothing could be read).
//
//	stackpit snapshot [--format text|markdown|json] [--cloud NAME] [--demo]
func snapshotCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "text, markdown or json")
	timeout := fs.Duration("timeout", 20*time.Second, "per-backend timeout")
	f, err := parseFlags(fs, args)
	if err != nil {
		return 3
	}
	file, err := loadConfig(f.configPath)
	if err != nil {
		fmt.Fprintln(stderr, "stackpit snapshot:", redact.Error(err))
		return 3
	}
	cloud := f.cloud
	var cc *config.Cloud
	if f.demo {
		// The report shows the story after its incident: compute04 lost
		// power --demo-fail-after into a story that has run a minute longer.
		so := demo.Options{Instances: f.demoScale, FailAfter: f.demoFailAfter}
		if f.demoFailAfter > 0 {
			so.Elapsed = f.demoFailAfter + time.Minute
		}
		d, err := demo.Start(demo.StartOptions{Story: so})
		if err != nil {
			fmt.Fprintln(stderr, "stackpit snapshot:", redact.Error(err))
			return 3
		}
		defer d.Close()
		cloud, cc = "demo", d.Config()
	} else {
		if cloud == "" {
			cloud = os.Getenv("OS_CLOUD")
		}
		cc = file.Cloud(cloud)
	}
	// A snapshot never changes anything: always read-only.
	e := &Env{CloudName: cloud, Cloud: cc, ReadOnly: true, Audit: audit.Open(os.DevNull)}
	e.Auth, e.AuthErr = config.ResolveAuth(cloud, f.region, cc)
	var src snapshot.Sources
	var hypervisors func(context.Context) ([]openstack.Hypervisor, error)
	region := ""
	if e.Auth != nil {
		region = e.Auth.Region()
		if os, err := openstackClient(e); err == nil {
			src.ComputeServices = func(ctx context.Context) ([]openstack.ComputeService, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				return os.ComputeServices(ctx)
			}
			src.NetworkAgents = func(ctx context.Context) ([]openstack.NetworkAgent, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				if !os.HasNetwork() {
					return nil, nil
				}
				return os.NetworkAgents(ctx)
			}
			hypervisors = func(ctx context.Context) ([]openstack.Hypervisor, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				return os.Hypervisors(ctx)
			}
			src.VolumeServices = func(ctx context.Context) ([]openstack.VolumeService, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				if !os.HasVolume() {
					return nil, nil
				}
				return os.VolumeServices(ctx)
			}
			src.Stuck = append(src.Stuck, snapshot.StuckSource{Area: "networks", Read: func(ctx context.Context) ([]hostmodel.StuckResource, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				if !os.HasNetwork() {
					return nil, nil
				}
				return stuckNetworks(ctx, os)
			}})
			stuckAfter := e.Cloud.StuckAfter.D()
			src.Stuck = append(src.Stuck, snapshot.StuckSource{Area: "volumes", Read: func(ctx context.Context) ([]hostmodel.StuckResource, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				if !os.HasVolume() {
					return nil, nil
				}
				vs, err := os.Volumes(ctx)
				var rs []hostmodel.StuckResource
				for _, v := range vs {
					if r, ok := volumes.StuckVolume(v, time.Now(), stuckAfter); ok {
						rs = append(rs, r)
					}
				}
				return rs, err
			}}, snapshot.StuckSource{Area: "images", Read: func(ctx context.Context) ([]hostmodel.StuckResource, error) {
				if err := os.Connect(ctx); err != nil {
					return nil, err
				}
				ims, err := os.Images(ctx)
				if errors.Is(err, openstack.ErrNoService) {
					return nil, nil
				}
				return images.StuckImages(ims, time.Now()), err
			}})
		} else {
			src.ComputeServices = func(context.Context) ([]openstack.ComputeService, error) { return nil, err }
		}
	} else {
		src.NotConfigured = append(src.NotConfigured, "openstack")
		src.ConfigHint = snapshotHint(e.AuthErr, file.Path)
	}
	if src.ConfigHint == "" {
		src.ConfigHint = "alertmanagers and ceph go under clouds." + cloud + " in " + file.Path
	}
	if am, err := alertmanagerClient(e); err == nil {
		src.Alerts = func(ctx context.Context) ([]alertmanager.Alert, error) {
			res, err := am.Alerts(ctx, alertmanager.AlertFilter{Active: alertmanager.Bool(true),
				Silenced: alertmanager.Bool(false), Inhibited: alertmanager.Bool(false)})
			return res.Alerts, err
		}
	} else {
		src.NotConfigured = append(src.NotConfigured, "alerts")
	}
	if cs, _, err := cephSource(e); err == nil {
		src.Ceph = func(ctx context.Context) (*ceph.Cluster, error) { return cs.Snapshot(ctx) }
	} else {
		src.NotConfigured = append(src.NotConfigured, "ceph")
	}
	if cp, err := controlPlaneSources(e); err == nil {
		src.ControlPlane = snapshotControlPlane(cp, src.ComputeServices != nil, hypervisors)
	} else {
		src.NotConfigured = append(src.NotConfigured, "controlplane")
	}
	r := snapshot.Collect(context.Background(), cloud, region, src, *timeout, time.Now())
	switch *format {
	case "text":
		err = r.Text(stdout)
	case "markdown", "md":
		err = r.Markdown(stdout)
	case "json":
		err = r.JSON(stdout)
	default:
		fmt.Fprintf(stderr, "stackpit snapshot: unknown format %q (text, markdown, json)\n", *format)
		return 3
	}
	if err != nil {
		fmt.Fprintln(stderr, "stackpit snapshot:", redact.Error(err))
		return 3
	}
	return r.ExitCode()
}

// snapshotHint says how to configure a cloud when none was found.
func snapshotHint(authErr error, configPath string) string {
	h := "set OS_CLOUD or --cloud NAME to a cloud of clouds.yaml (./clouds.yaml, ~/.config/openstack/clouds.yaml or /etc/openstack/clouds.yaml), or source an openrc (OS_AUTH_URL...)"
	if authErr != nil && !errors.Is(authErr, config.ErrNoCloud) {
		h = authErr.Error() + "; " + h
	}
	return h + "; alertmanagers and ceph go under clouds.NAME in " + configPath
}

// snapshotControlPlane adapts the control-plane pane's sources to the
// snapshot's readers.
func snapshotControlPlane(cp controlplane.Sources, nova bool, hvs func(context.Context) ([]openstack.Hypervisor, error)) snapshot.ControlPlane {
	var out snapshot.ControlPlane
	if r := cp.Rabbit; r != nil {
		out.RabbitMQ = r.Snapshot
		if nova {
			out.Hypervisors = hvs
		}
	}
	if h := cp.HAProxy; h != nil {
		out.HAProxy = h.Stats
	}
	if v := cp.VIPs; v != nil {
		out.VIPs = v.Holders
	}
	if g := cp.Galera; g != nil {
		out.Galera = g.Read
	}
	if len(cp.Memcached) > 0 {
		out.Memcached = func(ctx context.Context) []snapshot.MemcachedResult {
			var res []snapshot.MemcachedResult
			for _, r := range controlplane.ReadMemcached(ctx, cp.Memcached) {
				res = append(res, snapshot.MemcachedResult{Addr: r.Addr, Err: r.Err})
			}
			return res
		}
	}
	return out
}
