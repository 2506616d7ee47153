//go:build integration

package prometheus

// Against a real Prometheus 2.42 started by testenv/prometheus.sh (6 h of
// the story backfilled with promtool, live tail from testenv/exporter,
// compute04 powered off 40 minutes before start).

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func realServer(t *testing.T) *Client {
	t.Helper()
	u := os.Getenv("STACKPIT_TEST_PROMETHEUS_URL")
	if u == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_PROMETHEUS_URL unset (run testenv/prometheus.sh install && start, then source testenv/run/prometheus.env)")
		}
		t.Skip("STACKPIT_TEST_PROMETHEUS_URL unset")
	}
	return client(t, u, httpclient.Options{ReadOnly: true, Headers: map[string]string{"X-Scope-OrgID": "stackpit"}})
}

func TestRealInstantAndRange(t *testing.T) {
	c := realServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.Query(ctx, `up{job="node"}`, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Series) != 9 {
		t.Fatalf("up{job=node}: %d series, want 9", len(r.Series))
	}
	down := os.Getenv("STACKPIT_TEST_PROMETHEUS_DOWN_HOST")
	for _, s := range r.Series {
		want := 1.0
		if s.Labels["instance"] == down+":9100" {
			want = 0
		}
		if s.Last() != want {
			t.Errorf("up %s = %v, want %v", s.Labels["instance"], s.Last(), want)
		}
	}
	end := time.Now()
	start := end.Add(-6 * time.Hour)
	step := StepFor(end.Sub(start), 120, 15*time.Second)
	rr, err := c.QueryRange(ctx, `node_load1`, start, end, step)
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Series) < 9 {
		t.Fatalf("node_load1 range: %d series", len(rr.Series))
	}
	// The backfill covers the whole window: a healthy host has ~one point per cell.
	for _, s := range rr.Series {
		if s.Labels["instance"] == "compute01:9100" && len(s.Points) < 100 {
			t.Errorf("compute01 load: %d points over 6h at step %v", len(s.Points), step)
		}
	}
	// Scalar result.
	sr, err := c.Query(ctx, `scalar(sum(up{job="node"}))`, time.Time{})
	if err != nil || sr.Type != "scalar" || sr.Series[0].Last() != 8 {
		t.Fatalf("scalar: %+v %v", sr, err)
	}
}

func TestRealSeriesLabelsMetadata(t *testing.T) {
	c := realServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ser, err := c.Series(ctx, []string{`openstack_nova_agent_state{service="nova-compute"}`}, time.Now().Add(-time.Hour), time.Now())
	if err != nil || len(ser) != 6 {
		t.Fatalf("series: %d %v", len(ser), err)
	}
	names, err := c.LabelNames(ctx, nil, time.Time{}, time.Time{})
	if err != nil || !contains(names, "hostname") || !contains(names, "mountpoint") {
		t.Fatalf("label names %v %v", names, err)
	}
	metrics, err := c.LabelValues(ctx, "__name__", nil, time.Time{}, time.Time{})
	if err != nil || !contains(metrics, "ceph_osd_up") || !contains(metrics, "ALERTS") {
		t.Fatalf("metric names %v %v", metrics, err)
	}
	hosts, err := c.LabelValues(ctx, "hostname", []string{"openstack_nova_agent_state"}, time.Time{}, time.Time{})
	if err != nil || len(hosts) != 9 {
		t.Fatalf("hostname values %v %v", hosts, err)
	}
	// Metadata comes from live scrapes (backfilled data has none).
	deadline := time.Now().Add(40 * time.Second)
	for {
		md, err := c.Metadata(ctx, "node_cpu_seconds_total")
		if err != nil {
			t.Fatal(err)
		}
		if m := md["node_cpu_seconds_total"]; len(m) > 0 {
			if m[0].Type != "counter" {
				t.Fatalf("metadata %+v", m)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no metadata for node_cpu_seconds_total")
		}
		time.Sleep(time.Second)
	}
	bi, err := c.Buildinfo(ctx)
	if err != nil || !strings.HasPrefix(bi.Version, "2.") {
		t.Fatalf("buildinfo %+v %v", bi, err)
	}
}

func TestRealErrors(t *testing.T) {
	c := realServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Query(ctx, `sum(rate(node_cpu_seconds_total[5m])`, time.Time{})
	if err == nil || !IsBadData(err) || !strings.Contains(err.Error(), "parse error") {
		t.Fatalf("bad PromQL: %v", err)
	}
	t.Logf("bad PromQL: %v", err)
	end := time.Now()
	_, err = c.QueryRange(ctx, "up", end.Add(-24*time.Hour), end, time.Second)
	if err == nil || !IsBadData(err) || !strings.Contains(err.Error(), "11,000 points") {
		t.Fatalf("too many points: %v", err)
	}
	t.Logf("too many points: %v", err)
	// StepFor never asks for that many.
	if _, err := c.QueryRange(ctx, "up", end.Add(-24*time.Hour), end, StepFor(24*time.Hour, 100000, time.Second)); err != nil {
		t.Fatalf("StepFor step refused: %v", err)
	}
}

// The incident the story tells is visible through the API.
func TestRealIncident(t *testing.T) {
	c := realServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.Query(ctx, `sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / sum by (proxy) (rate(haproxy_backend_http_responses_total[5m]))`, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if v := maxOf(r); v < 0.05 {
		t.Errorf("5xx ratio %v during the incident", v)
	}
	r, err = c.Query(ctx, `sum(ceph_osd_up)`, time.Time{})
	if err != nil || r.Series[0].Last() != 10 {
		t.Fatalf("osds up %+v %v", r, err)
	}
	r, err = c.Query(ctx, `ALERTS{alertname="HostDown",alertstate="firing"}`, time.Time{})
	if err != nil || len(r.Series) != 1 || r.Series[0].Labels["host"] != os.Getenv("STACKPIT_TEST_PROMETHEUS_DOWN_HOST") {
		t.Fatalf("HostDown alert %+v %v", r, err)
	}
}
