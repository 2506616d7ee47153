//go:build integration

package openstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
)

// Neutron ports against `openstack port list`: the same IDs, statuses and
// fixed IPs, paged the way the pane pages (a page size below the count).
// The test makes its own flat network with two ports: one unbound (DOWN,
// no device: not stuck) and one bound to compute01, where no Linux bridge
// agent runs, so real Neutron fails the binding (binding_failed: stuck).
// The testenv's Neutron has no L3 router plugin (service_plugins empty) and
// no L3 agent, so HA routers cannot exist there: HARouters must answer "no
// routers"; the HA view is tested against Neutron's l3-agents answer
// shape in network_test.go.
func TestIntegrationPortsMatchCLI(t *testing.T) {
	requireCloud(t)
	c := cloudClient(t, true)
	ctx := itCtx(t, 3*time.Minute)
	const net = "stackpit-it-ports"
	cleanup := func() {
		for _, p := range []string{net + "-unbound", net + "-bound"} {
			_, _ = runOSC(context.Background(), "port", "delete", p)
		}
		_, _ = runOSC(context.Background(), "network", "delete", net)
	}
	cleanup() // a previous run's leftovers
	t.Cleanup(cleanup)
	oscRaw(t, "network", "create", "--provider-network-type", "flat", "--provider-physical-network", "stackpit-it", net)
	unbound := osc1(t, "port", "create", "--network", net, net+"-unbound")
	bound := osc1(t, "port", "create", "--network", net, "--host", "compute01", net+"-bound")
	t.Logf("bound port: status %v vif_type %v", bound["status"], bound["binding_vif_type"])

	ports, err := c.Ports(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cli := byKey(t, osc(t, "port", "list"), "ID")
	type row struct{ status, ips string }
	ds := map[string]row{}
	for _, p := range ports {
		ips := append([]string(nil), p.FixedIPs...)
		sort.Strings(ips)
		ds[p.ID] = row{p.Status, strings.Join(ips, ",")}
	}
	sameKeys(t, "port IDs", ds, cli)
	if len(ds) == 0 {
		t.Fatal("the test cloud has no ports: nothing compared")
	}
	for id, r := range cli {
		var ips []string
		if l, ok := r["Fixed IP Addresses"].([]any); ok {
			for _, x := range l {
				if m, ok := x.(map[string]any); ok {
					ips = append(ips, str(m["ip_address"]))
				}
			}
		}
		sort.Strings(ips)
		eq(t, id+" status", ds[id].status, str(r["Status"]))
		eq(t, id+" fixed IPs", ds[id].ips, strings.Join(ips, ","))
	}
	// Paged: the same ports through next links.
	old := openstack.PortPageSize
	openstack.PortPageSize = 2
	defer func() { openstack.PortPageSize = old }()
	paged, err := c.Ports(ctx, nil)
	if err != nil || len(paged) != len(ports) {
		t.Fatalf("paged list: %d ports (%v), unpaged %d", len(paged), err, len(ports))
	}
	// Stuck ports: every one is binding_failed or DOWN/BUILD of an ACTIVE server.
	stuck, _, err := c.StuckPorts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, sp := range stuck {
		if sp.VIFType != "binding_failed" && sp.ServerStatus != "ACTIVE" {
			t.Errorf("port %s reported stuck: %+v", sp.ID, sp)
		}
		found[sp.ID] = sp.Reason + " on " + sp.HostID
	}
	if got := found[str(bound["id"])]; got != "binding failed on compute01" {
		t.Errorf("the port bound to compute01 (no agent there): %q, want binding failed on compute01 (CLI: %v)", got, bound)
	}
	if _, ok := found[str(unbound["id"])]; ok {
		t.Errorf("an unbound port without a device reported stuck")
	}
	t.Logf("%d ports, %d stuck", len(ports), len(stuck))

	rs, err := c.HARouters(ctx)
	if err != nil || len(rs) != 0 {
		t.Fatalf("HA routers on a Neutron without the L3 plugin: %v %v", rs, err)
	}
}

// osc1 runs `openstack ARGS -f json` for one object.
func osc1(t testing.TB, args ...string) map[string]any {
	t.Helper()
	var m map[string]any
	out := oscRaw(t, append(args, "-f", "json")...)
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("openstack %s: decoding %q: %v", strings.Join(args, " "), out, err)
	}
	return m
}

// The DHCP agent disabled and enabled again through ops, read back from
// Neutron and from `openstack network agent show`; a read-only client's
// attempt reaches nothing.
func TestIntegrationAgentDisableEnableThroughOps(t *testing.T) {
	requireCloud(t)
	c := cloudClient(t, false)
	ctx := itCtx(t, 3*time.Minute)
	agents, err := c.NetworkAgents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, a := range agents {
		if a.Binary == "neutron-dhcp-agent" {
			id = a.ID
		}
	}
	if id == "" {
		t.Fatal("no neutron-dhcp-agent in the test cloud")
	}
	t.Cleanup(func() { _ = c.SetAgentAdminState(itCtx(t, time.Minute), id, true) })
	cliAdmin := func() string {
		var m map[string]any
		if err := json.Unmarshal(oscRaw(t, "network", "agent", "show", id, "-f", "json"), &m); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m["admin_state_up"])
	}

	ro := cloudClient(t, true)
	if _, err := ops.ChangeAgent(ctx, ro, id, ops.AgentDisable, nil); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only disable: %v", err)
	}
	if got := cliAdmin(); got != "true" {
		t.Fatalf("read-only client changed the agent: admin_state_up %s", got)
	}

	if _, err := ops.ChangeAgent(ctx, c, id, ops.AgentDisable, nil); err != nil {
		t.Fatal(err)
	}
	done, ev, err := ops.ReadBackAgent(ctx, c, id, ops.AgentDisable, time.Second, 30*time.Second)
	if !done || err != nil {
		t.Fatalf("read-back disable: %v %q %v", done, ev, err)
	}
	if got := cliAdmin(); got != "false" {
		t.Fatalf("CLI admin_state_up after disable: %s", got)
	}
	// A live agent's delete is refused before Neutron is asked.
	if _, err := ops.ChangeAgent(ctx, c, id, ops.AgentDelete, nil); !errors.Is(err, ops.ErrAgentAlive) {
		t.Fatalf("delete of a live agent: %v", err)
	}
	if _, err := ops.ChangeAgent(ctx, c, id, ops.AgentEnable, nil); err != nil {
		t.Fatal(err)
	}
	if done, ev, err := ops.ReadBackAgent(ctx, c, id, ops.AgentEnable, time.Second, 30*time.Second); !done || err != nil {
		t.Fatalf("read-back enable: %v %q %v", done, ev, err)
	}
	if got := cliAdmin(); got != "true" {
		t.Fatalf("CLI admin_state_up after enable: %s", got)
	}
}
