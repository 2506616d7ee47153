package keepalived

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/prometheus"
)

type fakeProm struct {
	series []prometheus.Series
	err    error
	q      string
}

func (f *fakeProm) Query(_ context.Context, q string, _ time.Time) (*prometheus.Result, error) {
	f.q = q
	return &prometheus.Result{Series: f.series}, f.err
}

func state(inst, ip string, v float64) prometheus.Series {
	return prometheus.Series{Labels: map[string]string{"__name__": "keepalived_vrrp_state", "instance": inst, "iname": "VI_1",
		"intf": "bond0", "vrid": "51", "ip_address": ip}, Points: []prometheus.Point{{V: v}}}
}

func TestWhoHoldsEachVIP(t *testing.T) {
	f := &fakeProm{series: []prometheus.Series{
		state("control01:9650", "10.0.0.250", Master), state("control02:9650", "10.0.0.250", Backup), state("control03:9650", "10.0.0.250", Backup),
		state("10.0.0.11:9650", "10.0.0.251/32", Master), state("control02:9650", "10.0.0.251/32", Master),
		state("control01:9650", "10.0.0.252", Backup), state("control02:9650", "10.0.0.252", Fault),
		state("control01:9650", "192.168.9.9", Master), // not configured: ignored
	}}
	hostOf := func(ip string) string { return map[string]string{"10.0.0.11": "control01"}[ip] }
	vips, err := Read(context.Background(), f, []string{"10.0.0.250", "10.0.0.251", "10.0.0.252", "10.0.0.253"}, hostOf, time.Now())
	if err != nil || f.q != "keepalived_vrrp_state" || len(vips) != 4 {
		t.Fatalf("%v %q %+v", err, f.q, vips)
	}
	want := []struct {
		text string
		ok   bool
	}{
		{"control01 (backup: control02 control03)", true},
		{"✗ split brain: MASTER on control01 control02", false},
		{"✗ no MASTER (backup: control01) (fault: control02)", false},
		{"unknown: no keepalived_vrrp_state series for it", false},
	}
	for i, w := range want {
		if vips[i].Text() != w.text || vips[i].OK() != w.ok {
			t.Errorf("%s: %q ok=%v, want %q", vips[i].Addr, vips[i].Text(), vips[i].OK(), w.text)
		}
	}
	if vips[0].Holder() != "control01" || vips[1].Holder() != "" || vips[3].Known {
		t.Fatalf("%+v", vips)
	}
	// Prometheus down: an error, never "unknown" VIPs that look read.
	f.err = errors.New("prometheus at http://x: connection refused")
	if _, err := Read(context.Background(), f, []string{"10.0.0.250"}, nil, time.Now()); err == nil {
		t.Fatal("no error")
	}
}
