package main

// The five incident flows of issue 16, driven like an operator would on the
// demo in tmux with the default keymap. Each flow counts the keys it sends
// (a typed word is one key), prints "flow <name>: N keys" and fails above
// 10: the key grammar is only worth it if incidents stay short.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const maxFlowKeys = 10

// flow sends keys to the cockpit and counts them.
type flow struct {
	t    *testing.T
	tm   *tmux
	name string
	n    int
}

func newFlow(t *testing.T, tm *tmux, name string) *flow {
	return &flow{t: t, tm: tm, name: name}
}

// key sends tmux key names, one at a time (an ESC glued to the next key
// would read as alt+key), each counting one.
func (f *flow) key(keys ...string) {
	f.t.Helper()
	for _, k := range keys {
		f.n++
		f.tm.keys(k)
		time.Sleep(50 * time.Millisecond)
	}
}

// word types text as one key (a filter, a query, a confirmation).
func (f *flow) word(s string) {
	f.t.Helper()
	f.n++
	f.tm.literal(s)
}

func (f *flow) done() {
	f.t.Helper()
	fmt.Printf("flow %s: %d keys\n", f.name, f.n)
	f.t.Logf("flow %s: %d keys", f.name, f.n)
	if f.n > maxFlowKeys {
		f.t.Errorf("flow %s took %d keys, more than %d", f.name, f.n, maxFlowKeys)
	}
}

// (a) A compute node dies: from its alert to its host, then evacuate it
// (the BMC reads it powered off, so the host name is the confirmation).
func TestE2EFlowComputeNodeDies(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	dc, cfg := startDemoConfig(t, 30, time.Second)
	tm := startTmux(t, 140, 45, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "30/30 servers")
	tm.waitLong(120*time.Second, "1 host DOWN (compute04)", "CRIT")
	f := newFlow(t, tm, "compute-node-dies")
	f.key("7") // alerts: compute04's CRIT alerts sort first
	tm.waitLong(90*time.Second, "alertname=HostDown")
	f.key("g", "h") // the alert's host
	tm.waitFor("alerts › compute (host:compute04)", "DOWN")
	f.key("E") // evacuate
	tm.waitLong(60*time.Second, "Confirm: evacuate-host compute04", `Type "compute04"`)
	f.word("compute04")
	f.key("Enter")
	tm.waitLong(60*time.Second, "EVACUATE compute04")
	f.done()
	s := tm.waitLong(240*time.Second, "EVACUATE compute04", "finished")
	if !strings.Contains(s, " 0 failed") {
		t.Fatalf("evacuation had failures:\n%s", s)
	}
	var left []string
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				left = append(left, in.Name)
			}
		}
	})
	if len(left) > 0 {
		t.Fatalf("still on compute04: %v", left)
	}
}

// (b) An image delete hangs. Today's panes allow: the Glance API's log
// lines, a line's request followed across every service, then Ceph (where
// the slow ops would show). EXTEND when the images pane lands (engineer
// `images`, issue 18): start from `:images`, select the image stuck in
// `deleting`, pivot `l` to its request's logs, then `4` for Ceph's slow
// ops; keep the count ≤ 10.
func TestE2EFlowImageDeleteHangs(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	tm := startTmux(t, 140, 40, e2eEnv(t), "--demo", "--demo-fail-after=-1s", "--demo-scale", "30")
	tm.waitFor("stackpit", "30/30 servers")
	f := newFlow(t, tm, "image-delete-hangs")
	f.key("6") // logs
	tm.waitFor("FOLLOW")
	f.key("e", "C-u") // LogQL prompt, cleared
	f.word(`{container="glance_api"}`)
	f.key("Enter")
	// lines, not only the query
	tm.waitFor(`{container="glance_api"}`, "glance_api INF req-")
	f.key("k") // a line (pauses following)
	f.key("r") // its request across every service
	s := tm.waitFor("logs › logs (req:req-")
	if !strings.Contains(s, `|= "req-`) {
		t.Fatalf("request pivot did not query the request ID:\n%s", s)
	}
	f.key("4") // Ceph: where a hanging RBD delete would show
	tm.waitFor("HEALTH_", "OSDs")
	f.done()
}

// (c) An alert fires on a host in maintenance: silence it for the window,
// then see the silence.
func TestE2EFlowAlertDuringMaintenance(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	tm := startTmux(t, 140, 40, e2eEnv(t), "--demo", "--demo-fail-after=-1s", "--demo-scale", "30")
	tm.waitFor("stackpit", "30/30 servers")
	f := newFlow(t, tm, "alert-during-maintenance")
	f.key(":")
	f.word("alerts host:compute06")
	f.key("Enter")
	tm.waitFor("filter: host:compute06", "HostInMaintenance", "INFO 1 firing")
	f.key("S")            // silence the selected group (form opens on its matchers)
	f.key("BTab", "BTab") // back to the comment
	f.word("maintenance window compute06")
	tm.waitFor("Preview: matches 1 of")
	f.key("Enter")
	tm.waitLong(30*time.Second, "silenced 1", "INFO silenced")
	f.key("8") // the silences pane lists it
	tm.waitFor("maintenance window compute06")
	f.done()
}

// (d) A Neutron agent is down (its container exited; Neutron may still
// call it up): from the agent to its container on its host, restart it.
func TestE2EFlowNeutronAgentDown(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	tm := startTmux(t, 140, 40, e2eEnv(t), "--demo", "--demo-fail-after=-1s", "--demo-scale", "30")
	tm.waitFor("stackpit", "30/30 servers")
	f := newFlow(t, tm, "neutron-agent-down")
	f.key("3") // agents
	tm.waitFor("neutron-l3-agent")
	f.key("/")
	f.word("host:control03 l3")
	f.key("Enter")
	tm.waitFor("filter: host:control03 l3")
	f.key("c") // the agent's container on its host
	tm.waitFor("containers (host:control03 name:neutron_l3_agent)", "exit 1")
	f.key("R") // restart
	tm.waitFor("restart neutron_l3_agent on control03", "Proceed? [y/N]")
	f.key("y")
	tm.waitLong(60*time.Second, "neutron_l3_agent", "running")
	tm.waitGone("exit 1")
	f.done()
}

// (e) An auditor in a read-only session: pivots work, every action key is
// refused at the shell (a toast, no dialog). Every action key of every pane
// is driven in-process by TestReadOnlyNoMutationReachesAnyServer; this flow
// is the auditor's walk in the real binary.
func TestE2EFlowAuditorReadOnly(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	tm := startTmux(t, 160, 40, e2eEnv(t), "--demo", "--readonly", "--demo-fail-after=1s", "--demo-scale", "30")
	tm.waitFor("READ-ONLY", "30/30 servers")
	tm.waitLong(120*time.Second, "1 host DOWN (compute04)")
	f := newFlow(t, tm, "auditor-read-only")
	refused := func(key string) {
		t.Helper()
		s := tm.waitFor("read-only session", "("+key+") is not available")
		if strings.Contains(s, "Confirm:") || strings.Contains(s, "Proceed?") {
			t.Fatalf("%s: a dialog opened in a read-only session:\n%s", key, s)
		}
	}
	f.key("7") // alerts
	tm.waitLong(90*time.Second, "alertname=HostDown")
	f.key("g", "S") // silence: refused
	refused("S")
	f.key("h") // pivot: the host
	tm.waitFor("alerts › compute (host:compute04)")
	f.key("E") // evacuate: refused
	refused("E")
	f.key("i") // pivot: its instances
	tm.waitFor("compute (host:compute04) › instances (host:compute04)")
	f.key("B") // reboot: refused
	refused("B")
	f.key("l") // pivot: logs of the instance
	tm.waitFor("› logs (instance:")
	f.done()
}
