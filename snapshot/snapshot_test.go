package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/openstack"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func alert(name, sev, host string, silenced bool) alertmanager.Alert {
	a := alertmanager.Alert{Labels: map[string]string{"alertname": name, "severity": sev, "host": host},
		Annotations: map[string]string{"summary": name + " on " + host}}
	a.Status.State = "active"
	if silenced {
		a.Status.State = "suppressed"
		a.Status.SilencedBy = []string{"s1"}
	}
	return a
}

func TestLevelsAndExitCodes(t *testing.T) {
	ok := Collect(context.Background(), "c", "r", Sources{
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) {
			return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute01", Status: "enabled", State: "up"}}, nil
		},
		Ceph: func(context.Context) (*ceph.Cluster, error) { return &ceph.Cluster{Status: ceph.HealthOK}, nil },
	}, time.Second, now)
	if ok.ExitCode() != 0 || ok.Summary() != "OK: no problems found" {
		t.Fatalf("%+v", ok)
	}
	warn := Collect(context.Background(), "c", "", Sources{
		Alerts: func(context.Context) ([]alertmanager.Alert, error) {
			return []alertmanager.Alert{alert("HostDown", "critical", "compute04", true), alert("DiskFilling", "warning", "control02", false)}, nil
		},
	}, time.Second, now)
	if warn.ExitCode() != 1 || len(warn.Findings) != 1 {
		t.Fatalf("silenced alert counted, or warning lost: %+v", warn.Findings)
	}
	crit := Collect(context.Background(), "c", "", Sources{
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) {
			return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute04", Status: "enabled", State: "down"},
				{Binary: "nova-compute", Host: "compute05", Status: "disabled", State: "up", DisabledReason: "maintenance"}}, nil
		},
	}, time.Second, now)
	if crit.ExitCode() != 2 || crit.Findings[0].Host != "compute04" || crit.Findings[0].Level != Crit || crit.Findings[1].Level != Warn {
		t.Fatalf("%+v", crit.Findings)
	}
}

func TestUnreachableBackendIsAFindingNotAHang(t *testing.T) {
	r := Collect(context.Background(), "c", "", Sources{
		Ceph: func(ctx context.Context) (*ceph.Cluster, error) { <-ctx.Done(); return nil, ctx.Err() },
		NetworkAgents: func(context.Context) ([]openstack.NetworkAgent, error) {
			return nil, errors.New("neutron: dial tcp 127.0.0.1:9696: connection refused")
		},
		ComputeServices: func(context.Context) ([]openstack.ComputeService, error) { return nil, nil },
	}, 100*time.Millisecond, now)
	if r.ExitCode() != 1 || len(r.Findings) != 2 || r.Checked["ceph"] != -1 {
		t.Fatalf("%+v", r)
	}
	var b bytes.Buffer
	r.Text(&b)
	if !strings.Contains(b.String(), "backend  agents: neutron: dial tcp") || !strings.Contains(b.String(), "ceph n/a") {
		t.Fatalf("text:\n%s", b.String())
	}
}

func TestFormatsAreSafe(t *testing.T) {
	r := Collect(context.Background(), "c", "", Sources{
		Alerts: func(context.Context) ([]alertmanager.Alert, error) {
			return []alertmanager.Alert{alert("Evil|\x1b]52;c;ZWNobyBoaQ==\a\x1b[2J", "critical", "compute04", false)}, nil
		},
	}, time.Second, now)
	var text, md, js bytes.Buffer
	r.Text(&text)
	r.Markdown(&md)
	r.JSON(&js)
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "json": js.String()} {
		if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
			t.Fatalf("%s output carries raw control characters: %q", name, out)
		}
	}
	if !strings.Contains(md.String(), `Evil\|\e]52`) {
		t.Fatalf("markdown cell not escaped:\n%s", md.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc["status"] != "CRIT" {
		t.Fatalf("json: %v %s", err, js.String())
	}
}

// The monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN;
// a snapshot that checked nothing is never OK.
func TestPluginExitCodes(t *testing.T) {
	up := func(context.Context) ([]openstack.ComputeService, error) {
		return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute01", Status: "enabled", State: "up"}}, nil
	}
	down := func(context.Context) ([]openstack.ComputeService, error) {
		return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute04", Status: "enabled", State: "down"}}, nil
	}
	warnAlert := func(context.Context) ([]alertmanager.Alert, error) {
		return []alertmanager.Alert{alert("DiskFilling", "warning", "control02", false)}, nil
	}
	critAlert := func(context.Context) ([]alertmanager.Alert, error) {
		return []alertmanager.Alert{alert("HostDown", "critical", "compute04", false)}, nil
	}
	broken := func(context.Context) ([]openstack.ComputeService, error) {
		return nil, errors.New("connection refused")
	}
	hint := "set OS_CLOUD or --cloud (clouds.yaml); backends go in /home/x/.config/stackpit/config.yaml"
	for _, tc := range []struct {
		name    string
		src     Sources
		code    int
		summary string
	}{
		{"ok", Sources{ComputeServices: up, NotConfigured: []string{"ceph"}}, 0, "OK: no problems found"},
		{"warning", Sources{ComputeServices: up, Alerts: warnAlert}, 1, "WARNING: 0 critical, 1 warning(s)"},
		{"critical", Sources{ComputeServices: down}, 2, "CRITICAL: 1 critical, 0 warning(s)"},
		{"nothing configured", Sources{NotConfigured: []string{"openstack", "alerts", "ceph"}, ConfigHint: hint}, 3, "UNKNOWN: nothing is configured to check"},
		{"no cloud, alerts warn", Sources{Alerts: warnAlert, NotConfigured: []string{"openstack"}, ConfigHint: hint}, 3, "UNKNOWN: no OpenStack cloud configured"},
		{"no cloud, alerts critical", Sources{Alerts: critAlert, NotConfigured: []string{"openstack"}}, 2, "CRITICAL: 1 critical, 0 warning(s); no OpenStack cloud configured"},
		{"nothing answered", Sources{ComputeServices: broken}, 3, "UNKNOWN: no backend could be read"},
	} {
		r := Collect(context.Background(), "c", "", tc.src, time.Second, now)
		if r.ExitCode() != tc.code || !strings.HasPrefix(r.Summary(), tc.summary) {
			t.Errorf("%s: exit %d, summary %q; want %d, %q", tc.name, r.ExitCode(), r.Summary(), tc.code, tc.summary)
		}
		var b bytes.Buffer
		r.Text(&b)
		if first, _, _ := strings.Cut(b.String(), "\n"); first != r.Summary() {
			t.Errorf("%s: first line %q is not the status line", tc.name, first)
		}
		if tc.src.ConfigHint != "" && tc.code == 3 && !strings.Contains(b.String(), "to configure: "+hint) {
			t.Errorf("%s: no hint on how to configure:\n%s", tc.name, b.String())
		}
		for _, n := range tc.src.NotConfigured {
			if !strings.Contains(b.String(), "not checked (not configured): ") || !strings.Contains(b.String(), n) {
				t.Errorf("%s: %s not listed as not checked:\n%s", tc.name, n, b.String())
			}
		}
	}
}
