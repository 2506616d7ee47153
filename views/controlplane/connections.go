package controlplane

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
)

// RabbitMQ connections per service and host. The services that should be
// connected come from the host model (Nova's os-services as the compute
// pane loaded them), never from a request of this pane: every nova-compute
// Nova knows should hold a connection, and one Nova says is up without a
// connection cannot receive RPCs (the "did not reconnect after a RabbitMQ
// restart" case). A peer address names its host through the addresses the
// cockpit knows (HAProxy's server addresses, Nova's hypervisor host_ip).

// expectedBinary is the service whose connection is checked on every host.
const expectedBinary = "nova-compute"

// hostOf maps a connection's peer address to a host name ("" unknown).
func (p *Pane) hostOf() func(string) string {
	addrs := p.peerAddrs()
	return func(ip string) string { return addrs[ip] }
}

// peerAddrs names hosts by address: the host model's, then HAProxy's
// server addresses.
func (p *Pane) peerAddrs() map[string]string {
	addrs := p.ctx.Hosts.Addresses()
	for _, b := range p.hap.Backends {
		for _, s := range b.Servers {
			if a := hostmodel.AddrHost(s.Addr); a != "" {
				addrs[a] = s.Name
			}
		}
	}
	return addrs
}

// connCheck is a check's outcome (known, missing, why) and its inputs.
type connCheck struct {
	ok       bool
	addrs    map[string]string
	expected map[rabbitmq.ServiceHost]bool
	peers    []connPeer
	cs       connState
}

// connPeer is what a check reads of one connection.
type connPeer struct{ process, clientHost, peerHost string }

// sameInputs: c was checked from these addresses, services and
// connections (only who connects from where counts, not channels).
func (c *connCheck) sameInputs(addrs map[string]string, expected map[rabbitmq.ServiceHost]bool, conns []rabbitmq.Connection) bool {
	if !c.ok || len(c.peers) != len(conns) || !maps.Equal(c.addrs, addrs) || !maps.Equal(c.expected, expected) {
		return false
	}
	for i, x := range conns {
		if c.peers[i] != (connPeer{x.Process, x.ClientHost, x.PeerHost}) {
			return false
		}
	}
	return true
}

// connState is what the pane knows of the broker's connections.
type connState struct {
	known    bool                          // connections were read and Nova's services are known
	expected map[rabbitmq.ServiceHost]bool // service -> up in Nova
	by       map[rabbitmq.ServiceHost][]rabbitmq.Connection
	missing  []rabbitmq.ServiceHost
	why      string // why missing cannot be told
	pending  bool   // a check of the current inputs is under way (why, or the summary, says so)
}

// connInputs are what connections reads from the host model.
type connInputs struct {
	ok    bool
	addrs map[string]string
	up    map[rabbitmq.ServiceHost]bool
}

func (p *Pane) connInputs() connInputs {
	p.connReads++
	return connInputs{ok: true, addrs: p.ctx.Hosts.Addresses(), up: p.ctx.Hosts.ServicesUp(hostmodel.Nova, expectedBinary)}
}

// feedsConns: an observation from src can move the connection inputs:
// Nova's services (Source Nova) or the addresses (HAProxy's servers,
// Placement's hypervisors); the host model gives each fact its
// observation's source. Issue 15: at 1,000 hosts every Docker answer
// that moved the facts copied every host's addresses and services again.
func feedsConns(src hostmodel.Source) bool {
	return src == hostmodel.Nova || src == hostmodel.Placement || src == hostmodel.HAProxy
}

// same: a and b are the same inputs (both known).
func (a connInputs) same(b connInputs) bool {
	return a.ok && b.ok && maps.Equal(a.addrs, b.addrs) && maps.Equal(a.up, b.up)
}

func (p *Pane) connections() connState {
	p.connBuilds++
	var cs connState
	p.connIn = p.connInputs()
	if !p.parts[pRabbit].loaded {
		cs.why = "RabbitMQ not read yet"
		return cs
	}
	if err := p.rabbit.Errs["connections"]; err != nil {
		cs.why = "connections could not be read: " + err.Error()
		return cs
	}
	cs.expected = p.connIn.up // read just above (connInputs): not copied again
	if len(cs.expected) == 0 {
		cs.why = "Nova's service list not loaded yet: missing " + expectedBinary + " connections cannot be told"
		return cs
	}
	addrs, conns := p.peerAddrs(), p.rabbit.Connections
	if p.connLast.sameInputs(addrs, cs.expected, conns) {
		return p.connLast.cs
	}
	if !p.connWant.sameInputs(addrs, cs.expected, conns) {
		p.startCheck(addrs, cs.expected, conns)
	}
	if last := p.connLast.cs; p.connLast.ok && last.known {
		// The last result stays on screen, its head line saying it is
		// being checked again: its "no connection" rows (the alarm rows,
		// where the cursor may be) would otherwise blink out for the
		// check's time at every change of the peers (review of cpcheck).
		last.pending = true
		return last
	}
	cs.pending, cs.why = true, "checking "+expectedBinary+" connections…"
	return cs
}

// startCheck hands a connection check of these inputs to a command (the
// next Update returns it): issue 15, at 1,000 hosts a check took 22-31 ms
// of the UI goroutine when the addresses first came, and keys waited
// behind it. addrs and expected are the pane's own fresh maps (peerAddrs,
// connInputs), which nothing writes once made; the connections are copied.
func (p *Pane) startCheck(addrs map[string]string, expected map[rabbitmq.ServiceHost]bool, conns []rabbitmq.Connection) {
	p.connChecks++
	p.connGen++
	peers := make([]connPeer, len(conns))
	for i, x := range conns {
		peers[i] = connPeer{x.Process, x.ClientHost, x.PeerHost}
	}
	in := connCheck{ok: true, addrs: addrs, expected: expected, peers: peers}
	p.connWant = in
	gen := p.connGen
	p.connCmd = func() tea.Msg { return connCheckedMsg{gen: gen, check: in.run()} }
}

// connCheckedMsg is a check made off the UI goroutine; gen names the
// inputs it was handed (Pane.connGen when it started).
type connCheckedMsg struct {
	gen   int
	check connCheck
}

// LoadKey: a newer check that landed first replaces this one.
func (connCheckedMsg) LoadKey() string { return "connections-check" }

// run checks c's connections: it reads only c, and returns c with the
// outcome.
func (c connCheck) run() connCheck {
	conns := make([]rabbitmq.Connection, len(c.peers))
	for i, x := range c.peers {
		conns[i] = rabbitmq.Connection{Process: x.process, ClientHost: x.clientHost, PeerHost: x.peerHost}
	}
	missing, why := rabbitmq.CheckConnections(conns, func(ip string) string { return c.addrs[ip] }, c.expected)
	c.cs = connState{expected: c.expected}
	if why != "" {
		c.cs.why = expectedBinary + ": " + why
	} else {
		c.cs.known, c.cs.missing = true, missing
	}
	return c
}

// checked applies a check's result if it was made from the inputs the
// pane handed out last; an older one is dropped (its inputs moved on and
// a newer check is under way).
func (p *Pane) checked(m connCheckedMsg) tea.Cmd {
	if m.gen != p.connGen {
		p.connDropped++
		return nil
	}
	p.connLast, p.connWant = m.check, connCheck{}
	if p.seen.On(p.now()) {
		p.conns.SetRows(p.connRows())
	} else {
		p.conn = p.connections() // the facts go out now, the rows when drawn
		p.seen.MarkStale()
	}
	return p.publishConns(true)
}

// connFacts are the host model's facts about missing connections.
func (p *Pane) connFacts(cs connState) []hostmodel.Fact {
	if !cs.known {
		return nil
	}
	return hostmodel.FromMissingConnections(cs.missing, func(k rabbitmq.ServiceHost) bool { return cs.expected[k] })
}

// connKey names a fact set, so an unchanged one is not published again.
func connKey(fs []hostmodel.Fact) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s|%s|%d\n", f.Host, f.Name, f.Severity)
	}
	return b.String()
}

// connRows groups the connections (by: only the rows need it, a hidden
// pane's facts do not). It also keeps what it computed for the head line
// and the host model (p.conn): the View reads it every frame.
func (p *Pane) connRows() []table.Row {
	p.connMakes++
	cs := p.connections()
	if p.parts[pRabbit].loaded && p.rabbit.Errs["connections"] == nil {
		cs.by = rabbitmq.ConnectionsBy(p.rabbit.Connections, p.hostOf())
	}
	p.conn = cs
	var rows []table.Row
	for _, m := range cs.missing {
		up := cs.expected[m]
		state, role := "no connection (nova: down)", themes.Warn
		if up {
			state, role = "✗ no connection (nova: up)", themes.Crit
		}
		if !p.match(m.Service+" "+m.Host+" "+state, m.Host) {
			continue
		}
		rows = append(rows, table.Row{Key: "conn:" + m.Service + "|" + m.Host, Role: role, Cells: []table.Cell{
			table.C(safe.Text(m.Service)), table.C(safe.Text(m.Host)), table.C("0"), table.C("-"), table.C("-"), table.C("-"), table.C(state),
		}})
	}
	keys := make([]rabbitmq.ServiceHost, 0, len(cs.by))
	for k := range cs.by {
		keys = append(keys, k)
	}
	rabbitmq.SortServiceHosts(keys)
	for _, k := range keys {
		conns := cs.by[k]
		ch := 0
		peers := map[string]bool{}
		nodes := map[string]bool{}
		for _, c := range conns {
			ch += c.Channels
			peers[c.PeerHost] = true
			nodes[rabbitmq.Node{Name: c.Node}.Host()] = true
		}
		svc := k.Service
		if svc == "" {
			svc = "(unnamed)"
		}
		state, role := "connected", themes.Normal
		for _, c := range conns {
			if c.State != "" && c.State != "running" {
				state, role = c.State, themes.Warn
			}
		}
		if !p.match(svc+" "+k.Host+" "+state, k.Host) {
			continue
		}
		rows = append(rows, table.Row{Key: "conn:" + k.Service + "|" + k.Host, Role: role, Cells: []table.Cell{
			table.C(safe.Text(svc)), table.C(safe.Text(k.Host)), table.C(fmt.Sprint(len(conns))), table.C(fmt.Sprint(ch)),
			table.C(safe.Text(joinKeys(peers))), table.C(safe.Text(joinKeys(nodes))), table.C(state),
		}})
	}
	return rows
}

func joinKeys(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// connSummary is the Connections section's head line.
func (p *Pane) connSummary() []string {
	cs := p.conn
	if !p.parts[pRabbit].loaded {
		cs.why = "RabbitMQ not read yet"
	}
	if !cs.known {
		if cs.why == "" {
			return nil
		}
		return []string{"  " + cs.why}
	}
	up := 0
	for _, m := range cs.missing {
		if cs.expected[m] {
			up++
		}
	}
	s := fmt.Sprintf("  %d connections · %s: %d of %d Nova knows connected", len(p.rabbit.Connections), expectedBinary,
		len(cs.expected)-len(cs.missing), len(cs.expected))
	if up > 0 {
		s += fmt.Sprintf(" · ✗ %d up in Nova without a connection", up)
	}
	if cs.pending {
		s += " · checking again…" // the counts are the last check's
	}
	return []string{s}
}
