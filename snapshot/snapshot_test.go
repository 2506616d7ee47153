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
