package config

import (
	"strings"
	"testing"
)

func TestMaxResponseSizes(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`
clouds:
  p:
    openstack_max_response: 256MiB
    prometheus: {url: "http://prom:9090", max_response: 512 MiB}
    loki: {url: "http://loki:3100", max_response: 100MB}
    ceph: {url: "https://mgr:8443", max_response: 1048576}
    alertmanagers: [{url: "http://am:9093", max_response: 8MiB}]
    docker: {hosts: {c1: "unix:///run/docker.sock"}, max_response: 1GiB}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Cloud("p")
	for what, got := range map[string]ByteSize{
		"openstack": c.OpenStackMaxResponse, "prometheus": c.Prometheus.MaxResponse, "loki": c.Loki.MaxResponse,
		"ceph": c.Ceph.MaxResponse, "alertmanager": c.Alertmanagers[0].MaxResponse, "docker": c.Docker.MaxResponse,
	} {
		want := map[string]ByteSize{"openstack": 256 << 20, "prometheus": 512 << 20, "loki": 100e6,
			"ceph": 1 << 20, "alertmanager": 8 << 20, "docker": 1 << 30}[what]
		if got != want {
			t.Errorf("%s: %d, want %d", what, got, want)
		}
	}
	_, err = Parse("c.yaml", []byte("clouds:\n  p:\n    prometheus: {url: \"http://p\", max_response: lots}\n"))
	if err == nil || !strings.Contains(err.Error(), `bad size "lots"`) || !strings.Contains(err.Error(), ":3") {
		t.Errorf("bad size: %v", err)
	}
}
