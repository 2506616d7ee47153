package hostmodel

import (
	"testing"

	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
)

func TestControlPlaneFacts(t *testing.T) {
	fs := FromRabbitMQ([]rabbitmq.Node{{Name: "rabbit@control01", Running: true}, {Name: "rabbit@control03"}},
		[]rabbitmq.Queue{{Name: "compute.compute04", Vhost: "/", Messages: 12, Ready: 12}, {Name: "conductor", Vhost: "/", Consumers: 3}})
	if len(fs) != 3 {
		t.Fatalf("%+v", fs)
	}
	if f := fs[0]; f.Host != "control01" || f.Severity != OK || f.State != Running {
		t.Errorf("%+v", f)
	}
	if f := fs[1]; f.Host != "control03" || f.Severity != Crit || f.State != Down {
		t.Errorf("%+v", f)
	}
	if f := fs[2]; f.Host != "compute04" || f.Kind != Queue || f.Severity != Warn || f.Detail != "nova-compute on compute04: 12 ready, 0 consumers" {
		t.Errorf("%+v", f)
	}
	hs := FromHAProxy(haproxy.Group([]haproxy.Row{
		{Proxy: "keystone_internal", Name: "control02", Kind: haproxy.Server, Status: "DOWN"},
		{Proxy: "nova_api", Name: "control01", Kind: haproxy.Server, Status: "DRAIN"},
		{Proxy: "nova_api", Name: "control03", Kind: haproxy.Server, Status: "UP 1/3"},
	}))
	want := map[string]Severity{"keystone_internal/control02": Crit, "nova_api/control01": Warn, "nova_api/control03": OK}
	if len(hs) != 3 {
		t.Fatalf("%+v", hs)
	}
	for _, f := range hs {
		if want[f.Name] != f.Severity || f.Kind != HAProxyServer {
			t.Errorf("%+v", f)
		}
	}
}
