// Package controlplane is the control-plane pane: the infrastructure under
// OpenStack. HAProxy backends and servers (which controllers serve each
// API), RabbitMQ nodes, queues with messages and no consumer (flagged with
// the service that should consume them), memcached per node and the
// MariaDB Galera nodes (state, cluster size, split, flow control,
// connections, longest statements). Each
// backend loads in its own command and fails on its own, showing its error
// and the age of what it last read. HAProxy drain/maint/ready go through
// the shell as confirmed, audited actions verified by read-back.
package controlplane

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/haproxy"
	"github.com/stackpit/stackpit/datasource/keepalived"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/rabbitmq"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// RabbitSource reads the RabbitMQ management API (*rabbitmq.Client).
type RabbitSource interface {
	Snapshot(ctx context.Context) rabbitmq.Snapshot
}

// WholeRabbitSource also reads the whole queue and connection lists on
// demand (*rabbitmq.Client). Its Snapshot reads them only when the
// overview's counts moved or once a minute (issue 15: about a megabyte a
// refresh at 1,000 hosts); the pane on screen reads them every refresh.
type WholeRabbitSource interface {
	Whole(ctx context.Context) rabbitmq.Snapshot
}

// MemcachedSource reads one memcached (*memcached.Client).
type MemcachedSource interface {
	Addr() string
	Stats(ctx context.Context) (memcached.Stats, error)
}

// VIPSource says which host holds each keepalived VIP (keepalived.Source).
type VIPSource interface {
	Holders(ctx context.Context, hostOf func(string) string) ([]keepalived.VIP, error)
}

// GaleraSource reads every Galera node (*galera.Client).
type GaleraSource interface {
	Read(ctx context.Context) galera.Cluster
}

// Sources are the pane's backends; any may be nil (not configured).
type Sources struct {
	Rabbit    RabbitSource
	HAProxy   ops.HAProxyActor
	Memcached []MemcachedSource
	VIPs      VIPSource
	Galera    GaleraSource
}

// Section is one of the pane's sub-views.
type Section int

// Sections, in cycling order.
const (
	SecHAProxy Section = iota
	SecRabbit
	SecQueues
	SecMemcached
	SecConns
	SecControllers
	SecGalera
	numSections
)

var sectionNames = [...]string{"HAProxy", "RabbitMQ", "Queues", "memcached", "Connections", "Controllers", "Galera"}

func (s Section) String() string { return sectionNames[s] }

// loadTimeout bounds one backend's refresh.
const loadTimeout = 15 * time.Second

// part is one backend's load state: it fails and ages on its own.
type part struct {
	name       string
	configured bool
	loading    bool
	loaded     bool
	err        error
	updated    time.Time
	lastTry    time.Time
}

// Pane is the control-plane pane.
type Pane struct {
	ctx pane.Context
	src Sources

	rabbit  rabbitmq.Snapshot
	hap     haproxy.Stats
	mc      []mcRow
	vips    []keepalived.VIP
	galera  galera.Cluster
	parts   [5]*part // haproxy, rabbit, memcached, keepalived, galera
	section Section

	filterText string
	query      filter.Query

	servers, nodes, queues, mcs, conns, ctls, gnodes *table.Model
	// conn is what connRows last computed; connPub the missing-connection
	// facts last published (connKey; "" none).
	conn    connState
	connPub string
	// connIn are the host model's inputs conn was computed from; an
	// observation that leaves them as they were changes no connection row
	// (issue 15: every other pane's observation, 40 hosts' containers
	// among them, regrouped every broker connection on the UI goroutine,
	// a quarter of the cockpit's allocations).
	connIn connInputs
	// connLast is the last connection check and what it was made from: a
	// RabbitMQ answer with the same peers and services checks nothing
	// again (issue 15: at 1,000 hosts each answer grouped every broker
	// connection twice, on screen or not).
	connLast connCheck
	// connWant are the inputs of the check under way in a command (ok:
	// one is), connGen numbers the checks handed out: a result of any
	// other is dropped. connCmd is a check to start, which the next
	// Update returns.
	connWant    connCheck
	connGen     int
	connCmd     tea.Cmd
	connChecks  int // tests: how often a check was started
	connDropped int // tests: results dropped as not current
	// obsVer: the host model's FactsVersion the rows above were made at.
	obsVer     int
	obsSeen    bool
	obsBuilds  int // tests: observations that made the rows again
	connBuilds int // tests: how often the connection state was made
	connReads  int // tests: how often the connection inputs were read

	// seen.Stale(): an answer or observation came while the pane was hidden;
	// the tables are made when it is next drawn or its rows are read
	// (issue 15: at 1,000 hosts every RabbitMQ/HAProxy answer and every
	// facts change regrouped the connections and remade the controller
	// rows of a pane nobody looked at, on the UI goroutine). The host
	// model's observations still go out with each answer.
	seen      pane.Seen
	builds    int // tests: how often the tables were made
	connMakes int // tests: how often the connection table was made
	// wantWhole: the pane came on screen; the next tick reads RabbitMQ's
	// whole lists.
	wantWhole bool
}

type mcRow struct {
	Addr  string
	Stats memcached.Stats
	Err   error
}

const (
	pHAProxy = iota
	pRabbit
	pMemcached
	pVIP
	pGalera
)

// New builds the pane.
func New(ctx pane.Context, src Sources) *Pane {
	p := &Pane{ctx: ctx, src: src}
	p.parts[pHAProxy] = &part{name: "HAProxy", configured: src.HAProxy != nil}
	p.parts[pRabbit] = &part{name: "RabbitMQ", configured: src.Rabbit != nil}
	p.parts[pMemcached] = &part{name: "memcached", configured: len(src.Memcached) > 0}
	p.parts[pVIP] = &part{name: "keepalived", configured: src.VIPs != nil}
	p.parts[pGalera] = &part{name: "Galera", configured: src.Galera != nil}
	p.gnodes = galeraTable()
	p.servers = table.New(
		table.Column{Title: "BACKEND", Min: 12},
		table.Column{Title: "SERVER", Min: 8},
		table.Column{Title: "STATUS", Width: 10},
		table.Column{Title: "CHECK", Min: 8, HideBelow: 60},
		table.Column{Title: "LASTCHG", Width: 7, Right: true, HideBelow: 70},
		table.Column{Title: "SESS", Width: 5, Right: true, HideBelow: 80},
		table.Column{Title: "SERVICE", Min: 8, HideBelow: 90},
	)
	p.nodes = table.New(
		table.Column{Title: "NODE", Min: 12},
		table.Column{Title: "RUNNING", Width: 7},
		table.Column{Title: "FD", Width: 15, HideBelow: 60},
		table.Column{Title: "SOCKETS", Width: 15, HideBelow: 76},
		table.Column{Title: "UPTIME", Width: 6, Right: true, HideBelow: 90},
		table.Column{Title: "PROBLEMS", Min: 10},
	)
	p.queues = table.New(
		table.Column{Title: "QUEUE", Min: 14},
		table.Column{Title: "MSGS", Width: 7, Right: true},
		table.Column{Title: "CONS", Width: 4, Right: true},
		table.Column{Title: "PUB/s", Width: 6, Right: true, HideBelow: 70},
		table.Column{Title: "CONSUMER", Min: 10},
	)
	p.mcs = table.New(
		table.Column{Title: "MEMCACHED", Min: 12},
		table.Column{Title: "UP", Width: 4},
		table.Column{Title: "CONNS", Width: 6, Right: true},
		table.Column{Title: "EVICTIONS", Width: 9, Right: true},
		table.Column{Title: "HIT%", Width: 6, Right: true},
		table.Column{Title: "NOTE", Min: 8, HideBelow: 70},
	)
	p.conns = table.New(
		table.Column{Title: "SERVICE", Width: 25},
		table.Column{Title: "HOST", Min: 10},
		table.Column{Title: "CONNS", Width: 5, Right: true},
		table.Column{Title: "CHAN", Width: 4, Right: true, HideBelow: 70},
		table.Column{Title: "PEER", Width: 15, HideBelow: 80},
		table.Column{Title: "NODE", Width: 12, HideBelow: 90},
		table.Column{Title: "STATE", Min: 26},
	)
	p.ctls = table.New(
		table.Column{Title: "CONTROLLER", Width: 12},
		table.Column{Title: "RABBITMQ", Min: 12},
		table.Column{Title: "HAPROXY", Min: 30},
		table.Column{Title: "MEMCACHED", Width: 9, HideBelow: 70},
		table.Column{Title: "VIP", Min: 10, HideBelow: 80},
		table.Column{Title: "GALERA", Width: 16, HideBelow: 100},
	)
	return p
}

// Messages, one per backend; LoadKey lets the shell drop a stale one.
type (
	hapMsg struct {
		st  haproxy.Stats
		err error
		at  time.Time
	}
	rabbitMsg struct {
		s  rabbitmq.Snapshot
		at time.Time
	}
	mcMsg struct {
		rows []mcRow
		at   time.Time
	}
	vipMsg struct {
		vips []keepalived.VIP
		err  error
		at   time.Time
	}
)

func (hapMsg) LoadKey() string    { return "haproxy" }
func (rabbitMsg) LoadKey() string { return "rabbitmq" }
func (mcMsg) LoadKey() string     { return "memcached" }
func (vipMsg) LoadKey() string    { return "keepalived" }
func (galeraMsg) LoadKey() string { return "galera" }

// ID implements pane.Pane.
func (p *Pane) ID() string { return "controlplane" }

// Title implements pane.Pane.
func (p *Pane) Title() string { return "Control plane" }

// KeyGroups implements pane.Pane.
func (p *Pane) KeyGroups() []string { return []string{"controlplane", "table"} }

// Init implements pane.Pane.
func (p *Pane) Init() tea.Cmd { return p.loadAll(true) }

// Capturing implements pane.Pane.
func (p *Pane) Capturing() bool { return false }

// Refresh implements pane.Refresher.
func (p *Pane) Refresh() tea.Cmd { return p.loadAll(true) }

// Section is the current section.
func (p *Pane) Section() Section { return p.section }

func (p *Pane) now() time.Time {
	if p.ctx.Now != nil {
		return p.ctx.Now()
	}
	return time.Now()
}

func (p *Pane) refreshEvery() time.Duration {
	if p.ctx.Refresh > 0 {
		return p.ctx.Refresh
	}
	return 10 * time.Second
}

// loadAll starts every configured backend's load that is due (all when
// force), each in its own command so a slow one holds no other back.
func (p *Pane) loadAll(force bool) tea.Cmd {
	var cmds []tea.Cmd
	due := func(i int) bool {
		pt := p.parts[i]
		if !pt.configured || pt.loading || (!force && p.now().Sub(pt.lastTry) < p.refreshEvery()) {
			return false
		}
		pt.loading, pt.lastTry = true, p.now()
		return true
	}
	if due(pHAProxy) {
		src := p.src.HAProxy
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			st, err := src.Stats(ctx)
			return hapMsg{st: st, err: err, at: age.At(time.Now())}
		})
	}
	if due(pRabbit) {
		src := p.src.Rabbit
		read := src.Snapshot
		if w, ok := src.(WholeRabbitSource); ok && (force || p.wantWhole || p.seen.On(p.now())) {
			read = w.Whole
		}
		p.wantWhole = false
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			return rabbitMsg{s: read(ctx), at: age.At(time.Now())}
		})
	}
	if due(pMemcached) {
		srcs := p.src.Memcached
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			return mcMsg{rows: ReadMemcached(ctx, srcs), at: age.At(time.Now())}
		})
	}
	if due(pVIP) {
		src, hostOf := p.src.VIPs, p.hostOf() // the addresses as known now: no model read off the UI goroutine
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			v, err := src.Holders(ctx, hostOf)
			return vipMsg{vips: v, err: err, at: age.At(time.Now())}
		})
	}
	if due(pGalera) {
		cmds = append(cmds, loadGalera(p.src.Galera))
	}
	return tea.Batch(cmds...)
}

// ReadMemcached reads every memcached at once.
func ReadMemcached(ctx context.Context, srcs []MemcachedSource) []mcRow {
	rows := make([]mcRow, len(srcs))
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.Stats(ctx)
			rows[i] = mcRow{Addr: s.Addr(), Stats: st, Err: err}
		}()
	}
	wg.Wait()
	return rows
}

// Status implements pane.Pane: the newest load, and an error only when
// every configured backend failed (each section shows its own).
func (p *Pane) Status() pane.Status {
	st := pane.Status{Every: p.refreshEvery()}
	failed, configured := 0, 0
	var errs []string
	for _, pt := range p.parts {
		if !pt.configured {
			continue
		}
		configured++
		st.Loading = st.Loading || pt.loading
		if pt.updated.After(st.Updated) {
			st.Updated = pt.updated
		}
		if pt.err != nil {
			failed++
			errs = append(errs, pt.name)
		}
	}
	if configured > 0 && failed == configured {
		st.Err = p.parts[0].err
		for _, pt := range p.parts {
			if pt.err != nil {
				st.Err = pt.err
				break
			}
		}
	} else if failed > 0 {
		st.Note = "failing: " + strings.Join(errs, ", ")
	}
	return st
}

// SetFilter implements pane.Pane.
func (p *Pane) SetFilter(text string) {
	p.filterText = text
	p.query = filter.Parse(text)
	p.rebuild()
}

// Pivot implements pane.Pivoter: "host:control02" filters every section to
// that host; "queue" or "rabbit" text opens the matching section.
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	return nil
}

// Update implements pane.Pane. A connection check that anything asked for
// (connections) starts with the commands of this Update.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	cmd := p.update(msg)
	if c := p.connCmd; c != nil {
		p.connCmd = nil
		cmd = tea.Batch(cmd, c)
	}
	return p, cmd
}

func (p *Pane) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case hapMsg:
		pt := p.parts[pHAProxy]
		pt.loading = false
		if pt.err = m.err; m.err != nil {
			return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.HAProxy, Err: m.err})
		}
		moved := !sameServerAddrs(p.hap, m.st)
		p.hap, pt.updated, pt.loaded = m.st, m.at, true
		if moved {
			// HAProxy's server addresses name connection peers and
			// memcached hosts (peerAddrs): every table again, and the
			// connections checked again now even if hidden.
			if !p.rebuildSoon() && p.parts[pRabbit].loaded {
				p.conn = p.connections()
			}
		} else {
			p.rebuildSoon(p.makeServers)
		}
		return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.HAProxy, At: m.at, Facts: hostmodel.FromHAProxy(m.st)})
	case rabbitMsg:
		pt := p.parts[pRabbit]
		pt.loading = false
		if pt.err = m.s.Err; m.s.Err != nil {
			return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.RabbitMQ, Err: m.s.Err})
		}
		p.rabbit, pt.updated, pt.loaded = m.s, m.at, true
		if !p.rebuildSoon(p.makeRabbit) {
			p.conn = p.connections() // the missing-connection facts go out now
		}
		return tea.Batch(p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.RabbitMQ, At: m.at,
			Facts: hostmodel.FromRabbitMQ(m.s.Nodes, m.s.Queues)}), p.publishConns(true))
	case mcMsg:
		pt := p.parts[pMemcached]
		pt.loading = false
		pt.err = nil
		if len(m.rows) > 0 && allFailed(m.rows) {
			pt.err = m.rows[0].Err
		}
		p.mc, pt.updated, pt.loaded = m.rows, m.at, true
		p.rebuildSoon(p.makeMemcached)
		addrs := p.ctx.Hosts.Addresses()
		o := hostmodel.Observation{Pane: p.ID(), Source: hostmodel.MemcachedSrc, At: m.at}
		for _, r := range m.rows {
			o.Facts = append(o.Facts, hostmodel.FromMemcached(r.Addr, r.Err, addrs))
		}
		return p.ctx.Observe(o)
	case vipMsg:
		pt := p.parts[pVIP]
		pt.loading = false
		if pt.err = m.err; m.err != nil {
			return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Keepalived, Err: m.err})
		}
		p.vips, pt.updated, pt.loaded = m.vips, m.at, true
		p.rebuildSoon(p.makeControllers)
		return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Keepalived, At: m.at, Facts: hostmodel.FromVIPs(m.vips)})
	case hostmodel.Observation:
		// Only a change of facts moves these rows (issue 15: with 1,000
		// hosts, redoing them for every host's refresh was a fifth of
		// the cockpit's CPU).
		v := p.ctx.Hosts.FactsVersion()
		if p.obsSeen && v == p.obsVer {
			return nil
		}
		p.obsBuilds++
		p.obsSeen, p.obsVer = true, v
		on := p.seen.On(p.now())
		if on {
			p.ctls.SetRows(p.controllerRows())
		} else {
			p.seen.MarkStale()
		}
		// Nova's services or known addresses may have moved: who should
		// be connected, and from where.
		if m.Pane != p.ID() && p.parts[pRabbit].loaded && feedsConns(m.Source) {
			if p.connIn.same(p.connInputs()) {
				return nil
			}
			if on {
				p.conns.SetRows(p.connRows())
			} else {
				p.conn = p.connections() // the facts go out now, the rows when drawn
			}
			return p.publishConns(false)
		}
	case connCheckedMsg:
		return p.checked(m)
	case galeraMsg:
		return p.galeraLoaded(m)
	case pane.TickMsg:
		if p.wantWhole && !p.parts[pRabbit].loading {
			p.parts[pRabbit].lastTry = time.Time{} // due now
		}
		return p.loadAll(false)
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "haproxy-") {
			p.parts[pHAProxy].loading = false
			return p.loadAll(true)
		}
	case tea.KeyPressMsg:
		return p.key(m.String())
	}
	return nil
}

func allFailed(rows []mcRow) bool {
	for _, r := range rows {
		if r.Err == nil {
			return false
		}
	}
	return true
}

func (p *Pane) is(key, action string) bool {
	return p.ctx.Keys != nil && p.ctx.Keys.Is(key, action)
}

// current is the section's table, its rows made if they were stale.
func (p *Pane) current() *table.Model {
	p.fresh()
	switch p.section {
	case SecRabbit:
		return p.nodes
	case SecQueues:
		return p.queues
	case SecMemcached:
		return p.mcs
	case SecConns:
		return p.conns
	case SecControllers:
		return p.ctls
	case SecGalera:
		return p.gnodes
	}
	return p.servers
}

func (p *Pane) key(k string) tea.Cmd {
	t := p.current()
	if t.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "controlplane.next_section"):
		p.section = (p.section + 1) % numSections
	case p.is(k, "controlplane.prev_section"):
		p.section = (p.section + numSections - 1) % numSections
	case p.is(k, "table.copy"):
		if r, ok := t.Selected(); ok {
			_, v, _ := strings.Cut(r.Key, ":")
			return pane.Copy(v, safe.Line)
		}
	case p.is(k, "table.open"), p.is(k, "controlplane.compute"):
		return p.pivotHost("compute")
	case p.is(k, "controlplane.agents"):
		return p.pivotHost("agents")
	case p.is(k, "controlplane.containers"):
		return p.pivotHost("containers")
	case p.is(k, "controlplane.logs"):
		return p.pivotHost("logs")
	case p.is(k, "controlplane.drain"):
		return p.serverCmd(haproxy.Drain)
	case p.is(k, "controlplane.maint"):
		return p.serverCmd(haproxy.Maint)
	case p.is(k, "controlplane.ready"):
		return p.serverCmd(haproxy.Ready)
	}
	return nil
}

// SelectedHost is the host of the cursor row: a HAProxy server's name (Kolla
// names servers after their hosts), a RabbitMQ node's host, the host a
// queue's consumer runs on.
func (p *Pane) SelectedHost() string {
	r, ok := p.current().Selected()
	if !ok {
		return ""
	}
	kind, v, _ := strings.Cut(r.Key, ":")
	switch kind {
	case "server":
		_, s, _ := strings.Cut(v, "/")
		return s
	case "node":
		return rabbitmq.Node{Name: v}.Host()
	case "queue":
		_, name, _ := strings.Cut(v, "|")
		return rabbitmq.QueueOwner(name).Host
	case "conn":
		_, h, _ := strings.Cut(v, "|")
		return h
	case "ctl":
		return v
	case "mc":
		return p.mcHost(v)
	case "galera":
		return v
	}
	return ""
}

func (p *Pane) pivotHost(target string) tea.Cmd {
	h := p.SelectedHost()
	if h == "" {
		return pane.Toast(themes.Info, "select a HAProxy server, a RabbitMQ node, a per-host queue or a Galera node")
	}
	return pane.Pivot(target, "host:"+h)
}

func (p *Pane) selectedServer() (haproxy.Row, bool) {
	if p.section != SecHAProxy {
		return haproxy.Row{}, false
	}
	r, ok := p.servers.Selected()
	if !ok {
		return haproxy.Row{}, false
	}
	v, ok := strings.CutPrefix(r.Key, "server:")
	if !ok {
		return haproxy.Row{}, false
	}
	b, s, _ := strings.Cut(v, "/")
	return p.hap.Server(b, s)
}

func (p *Pane) serverCmd(st haproxy.ServerState) tea.Cmd {
	if p.src.HAProxy == nil {
		return pane.Toast(themes.Warn, "HAProxy is not configured for this cloud")
	}
	r, ok := p.selectedServer()
	if !ok {
		return pane.Toast(themes.Info, "select a server in the HAProxy section ("+p.ctx.KeyText("controlplane.next_section")+" cycles sections)")
	}
	a := ServerAction(p.src.HAProxy, ops.HAProxyChange{Backend: r.Proxy, Server: r.Name, State: st})
	b, _ := p.hap.Backend(r.Proxy)
	others := b.Up()
	if r.Serving() {
		others--
	}
	a.Checks = append(a.Checks, fmt.Sprintf("%s/%s is %s; %d other server(s) of %s take new sessions",
		r.Proxy, r.Name, r.Status, others, r.Proxy))
	if st != haproxy.Ready && others == 0 {
		a.Checks = append(a.Checks, "no other server serves "+r.Proxy+": its API stops answering")
	}
	return pane.RunAction(a)
}

// ServerAction sets a HAProxy server's state through ops.ChangeHAProxy,
// verified by read-back. Maint (checks stop) needs the server's name typed.
func ServerAction(a ops.HAProxyActor, c ops.HAProxyChange) pane.Action {
	act := pane.Action{Name: c.Name(), Target: c.Target(), Mutates: true,
		Details: map[string]string{"backend": c.Backend, "server": c.Server, "state": string(c.State)},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			return ops.ChangeHAProxy(ctx, a, c, func(s ops.Step) {
				if report != nil {
					report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
				}
			})
		},
		Reconcile: func(ctx context.Context) (bool, string, error) { return ops.ReadBackHAProxy(ctx, a, c) },
	}
	switch c.State {
	case haproxy.Drain:
		act.ConfirmYes = true
		act.Checks = []string{"no new sessions go to " + c.Server + "; open ones finish"}
	case haproxy.Maint:
		act.Confirm = c.Server
		act.Checks = []string{c.Server + " leaves rotation and its health checks stop"}
	default:
		act.ConfirmYes = true
		act.Checks = []string{c.Server + " takes new sessions again once its checks pass"}
	}
	return act
}

// ---- rows ----

func (p *Pane) match(text, host string) bool {
	if p.query.Empty() {
		return true
	}
	return p.query.Match(map[string]string{"text": text, "host": host})
}

// rebuildSoon makes the tables now when the pane is on screen and
// reports true; a hidden pane's are only marked stale. Given tables, an
// answer on screen makes only those, the ones it feeds (issue 15: each
// HAProxy, memcached, VIP or Galera answer remade the 1,000-host
// connection table too), unless others were left stale.
func (p *Pane) rebuildSoon(only ...func()) bool {
	return p.seen.Defer(p.now(), func() {
		if len(only) == 0 || p.seen.Stale() {
			p.rebuild()
			return
		}
		p.builds++
		for _, f := range only {
			f()
		}
	})
}

// sameServerAddrs: a and b name the same servers at the same addresses
// (what peerAddrs reads of HAProxy).
func sameServerAddrs(a, b haproxy.Stats) bool {
	if len(a.Backends) != len(b.Backends) {
		return false
	}
	for i := range a.Backends {
		x, y := a.Backends[i].Servers, b.Backends[i].Servers
		if len(x) != len(y) {
			return false
		}
		for j := range x {
			if x[j].Name != y[j].Name || x[j].Addr != y[j].Addr {
				return false
			}
		}
	}
	return true
}

// The tables each answer feeds (rebuildSoon).
func (p *Pane) makeServers()     { p.servers.SetRows(p.serverRows()) }
func (p *Pane) makeMemcached()   { p.mcs.SetRows(p.mcRows()) }
func (p *Pane) makeControllers() { p.ctls.SetRows(p.controllerRows()) }
func (p *Pane) makeGalera()      { p.gnodes.SetRows(p.galeraRows()) }
func (p *Pane) makeRabbit() {
	p.nodes.SetRows(p.nodeRows())
	p.queues.SetRows(p.queueRows())
	p.conns.SetRows(p.connRows())
}

// fresh makes the tables if an answer came while the pane was hidden.
func (p *Pane) fresh() {
	p.seen.Fresh(p.rebuild)
}

func (p *Pane) rebuild() {
	p.seen.Made()
	p.builds++
	p.servers.SetRows(p.serverRows())
	p.nodes.SetRows(p.nodeRows())
	p.queues.SetRows(p.queueRows())
	p.mcs.SetRows(p.mcRows())
	p.conns.SetRows(p.connRows())
	p.ctls.SetRows(p.controllerRows())
	p.gnodes.SetRows(p.galeraRows())
}

// controllerRows: each controller as the host model merged it (this
// pane's facts and any other pane's about the same hosts).
func (p *Pane) controllerRows() []table.Row {
	var rows []table.Row
	for _, r := range p.ctx.Hosts.ControllerRows() {
		if !p.match(r.Host+" "+r.RabbitMQ+" "+r.HAProxy+" "+r.VIPs, r.Host) {
			continue
		}
		role := themes.Normal
		switch r.Severity {
		case hostmodel.Crit:
			role = themes.Crit
		case hostmodel.Warn:
			role = themes.Warn
		}
		rows = append(rows, table.Row{Key: "ctl:" + r.Host, Role: role, Cells: []table.Cell{
			table.C(safe.Text(r.Host)), table.C(safe.Text(r.RabbitMQ)), table.C(safe.Text(r.HAProxy)),
			table.C(r.Memcached), table.C(safe.Text(r.VIPs)), table.C(safe.Text(r.Galera)),
		}})
	}
	return rows
}

// publishConns sends the missing-connection facts to the host model when
// they changed (force: with every RabbitMQ read, so their age moves).
func (p *Pane) publishConns(force bool) tea.Cmd {
	cs := p.conn // as connRows last computed it
	if cs.pending || !cs.known && p.connPub == "" {
		// Under way: the facts published last stay, with their age,
		// until the check says.
		return nil
	}
	fs := p.connFacts(cs)
	k := connKey(fs)
	if !force && k == p.connPub {
		return nil
	}
	p.connPub = k
	return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.RabbitMQ, Scope: "connections",
		At: p.parts[pRabbit].updated, Facts: fs})
}

// mcHost is a memcached's host: its address's host part, named through
// the addresses the cockpit knows.
func (p *Pane) mcHost(addr string) string {
	h := hostmodel.AddrHost(addr)
	if n := p.hostOf()(h); n != "" {
		return n
	}
	return h
}

// serverRank puts the servers needing attention first.
func serverRank(r haproxy.Row) int {
	switch r.State() {
	case "DOWN":
		return 0
	case "MAINT":
		return 1
	case "DRAIN", "NOLB":
		return 2
	}
	if r.Transition() != "" {
		return 3
	}
	return 4
}

func serverRole(r haproxy.Row) themes.Role {
	switch r.State() {
	case "DOWN":
		return themes.Crit
	case "MAINT", "DRAIN", "NOLB":
		return themes.Warn
	}
	if r.Transition() != "" {
		return themes.Warn
	}
	return themes.Normal
}

func (p *Pane) serverRows() []table.Row {
	type srv struct {
		haproxy.Row
		service string
	}
	var all []srv
	for _, b := range p.hap.Backends {
		for _, s := range b.Servers {
			all = append(all, srv{s, b.Service})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return serverRank(all[i].Row) < serverRank(all[j].Row) })
	var rows []table.Row
	for _, s := range all {
		status := s.Status
		switch s.State() {
		case "DOWN":
			status = "✗ " + status
		case "MAINT", "DRAIN", "NOLB":
			status = "⚠ " + status
		}
		check := strings.TrimSpace(s.CheckStatus)
		if s.LastCheck != "" && !s.Serving() {
			check += " " + s.LastCheck
		}
		text := s.Proxy + " " + s.Name + " " + s.Status
		if !p.match(text, s.Name) {
			continue
		}
		rows = append(rows, table.Row{Key: "server:" + s.Proxy + "/" + s.Name, Role: serverRole(s.Row), Cells: []table.Cell{
			table.C(safe.Text(s.Proxy)), table.C(safe.Text(s.Name)), table.C(safe.Text(status)),
			table.C(safe.Text(check)), table.C(pane.Age(s.LastChange)), table.C(fmt.Sprint(s.CurSessions)),
			table.C(s.service),
		}})
	}
	return rows
}

// APISummary says, per OpenStack API, which servers serve it: "keystone
// 2/3 control01 control03" (the down ones are missing from the list).
func APISummary(st haproxy.Stats) []string {
	by := st.APIServers()
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		seen := map[string]bool{}
		var up []string
		total := 0
		for _, b := range by[n] {
			for _, s := range b.Servers {
				if !seen[s.Name] {
					seen[s.Name] = true
					total++
				}
			}
		}
		upSeen := map[string]bool{}
		for _, b := range by[n] {
			for _, s := range b.Servers {
				if s.Serving() && !upSeen[s.Name] {
					upSeen[s.Name] = true
					up = append(up, s.Name)
				}
			}
		}
		sort.Strings(up)
		out = append(out, fmt.Sprintf("%s %d/%d %s", n, len(up), total, strings.Join(up, " ")))
	}
	return out
}

func used(u, t int64) string {
	if u < 0 || t <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", u, t)
}

func (p *Pane) nodeRows() []table.Row {
	var rows []table.Row
	for _, n := range p.rabbit.Nodes {
		probs := n.Problems()
		run, role := "yes", themes.OK
		if !n.Running {
			run, role = "✗ NO", themes.Crit
		} else if len(probs) > 0 {
			role = themes.Warn
		}
		pr := strings.Join(probs, "; ")
		if pr == "" {
			pr = "ok"
		}
		if !p.match(n.Name+" "+pr, n.Host()) {
			continue
		}
		up := "-"
		if n.Uptime > 0 {
			up = pane.Age(n.Uptime)
		}
		rows = append(rows, table.Row{Key: "node:" + n.Name, Role: role, Cells: []table.Cell{
			table.C(safe.Text(n.Name)), table.C(run), table.C(used(n.FDUsed, n.FDTotal)),
			table.C(used(n.SocketsUsed, n.SocketsTotal)), table.C(up), table.C(safe.Text(pr)),
		}})
	}
	return rows
}

func (p *Pane) queueRows() []table.Row {
	flagged := map[string]rabbitmq.Owner{}
	for _, u := range rabbitmq.UnconsumedQueues(p.rabbit.Queues) {
		flagged[u.Queue.Vhost+"|"+u.Queue.Name] = u.Owner
	}
	var top, rest []table.Row
	for _, q := range p.rabbit.Queues {
		k := q.Vhost + "|" + q.Name
		o, bad := flagged[k]
		if !bad {
			o = rabbitmq.QueueOwner(q.Name)
		}
		who := o.Who()
		role := themes.Normal
		if bad {
			who = fmt.Sprintf("✗ %s: %d ready, 0 consumers", o.Who(), q.Ready)
			role = themes.Crit
		}
		if !p.match(q.Name+" "+who, o.Host) {
			continue
		}
		if !bad && q.Messages == 0 && p.query.Empty() && len(rest) >= 200 {
			continue // idle queues: enough of them for context
		}
		r := table.Row{Key: "queue:" + k, Role: role, Cells: []table.Cell{
			table.C(safe.Text(q.Name)), table.C(fmt.Sprint(q.Messages)), table.C(fmt.Sprint(q.Consumers)),
			table.C(fmt.Sprintf("%.1f", q.PublishRate)), table.C(safe.Text(who)),
		}}
		if bad {
			top = append(top, r)
		} else {
			rest = append(rest, r)
		}
	}
	return append(top, rest...)
}

func (p *Pane) mcRows() []table.Row {
	var rows []table.Row
	for _, m := range p.mc {
		if !p.match(m.Addr, "") {
			continue
		}
		if m.Err != nil {
			rows = append(rows, table.Row{Key: "mc:" + m.Addr, Role: themes.Crit, Cells: []table.Cell{
				table.C(safe.Text(m.Addr)), table.C("✗ no"), table.C("-"), table.C("-"), table.C("-"), table.C(safe.Text(m.Err.Error())),
			}})
			continue
		}
		hit := "-"
		if r, ok := m.Stats.HitRatio(); ok {
			hit = fmt.Sprintf("%.1f", r*100)
		}
		note, role := "", themes.Normal
		if m.Stats.Rejected > 0 {
			note, role = fmt.Sprintf("%d connections rejected (max %d)", m.Stats.Rejected, m.Stats.MaxConnections), themes.Warn
		}
		rows = append(rows, table.Row{Key: "mc:" + m.Addr, Role: role, Cells: []table.Cell{
			table.C(safe.Text(m.Addr)), table.C("yes"), table.C(fmt.Sprint(m.Stats.CurrConnections)),
			table.C(fmt.Sprint(m.Stats.Evictions)), table.C(hit), table.C(note),
		}})
	}
	return rows
}

func rabbitQueuesFlagged(p *Pane) []rabbitmq.Unconsumed {
	return rabbitmq.UnconsumedQueues(p.rabbit.Queues)
}
