// Package compute is the compute hosts pane: one row per nova-compute host
// with service state, admin state (and reason), forced-down flag, vCPU/RAM/
// disk usage bars, running VMs and last heartbeat; down hosts first. Enter
// shows the host's instances; other keys pivot to its agents, containers,
// logs, alerts and panels. Service actions (disable with reason, enable,
// force-down/up) are handed to the shell as Actions.
package compute

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	uiprompt "github.com/stackpit/stackpit/ui/prompt"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs; *openstack.Client satisfies it.
type Source interface {
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
	// Hypervisors may return rows together with an error (usage from
	// Placement unavailable): both are shown.
	Hypervisors(ctx context.Context) ([]openstack.Hypervisor, error)
	DisableService(ctx context.Context, host, reason string) error
	EnableService(ctx context.Context, host string) error
	ForceDown(ctx context.Context, host string, down bool) error
}

const loadTimeout = 20 * time.Second

// hvHiddenEvery: while the pane is not on screen its refresh reads the
// hypervisors (capacity and usage, with Placement's provider list behind
// them) this often; Nova's service list, which says which hosts are down,
// is still read every refresh (issue 15: at 1,000 hosts the hypervisors
// and Placement's providers were 735 kB a refresh, for a pane nobody
// looked at). On screen, every refresh, and at once when it comes back.
const hvHiddenEvery = time.Minute

// Pane is the compute hosts pane.
type Pane struct {
	ctx pane.Context
	src Source
	tbl *table.Model

	svcs    []openstack.ComputeService
	hvs     []openstack.Hypervisor
	svcErr  error
	hvErr   error
	svcLoad bool
	hvLoad  bool
	svcAt   time.Time // last successful services load
	hvAt    time.Time
	lastTry time.Time

	// seen.Stale(): the clock (BEAT, down) or a conflict moved while the pane was
	// hidden; the rows are made again before anything reads them (issue
	// 15: at 1,000 hosts the hidden pane joined and remade every host's
	// row each clock tick on the UI goroutine). A list's answer still
	// makes them at once.
	seen  pane.Seen
	hvTry time.Time // when the hypervisors were last asked for
	// wantHv: the pane came on screen with hypervisors older than a
	// refresh: the next tick reads them.
	wantHv bool

	hosts []host
	// joinStale: a list changed since hosts was joined; hostList joins
	// them for readers that need the hosts, not their rows (a hidden
	// pane's answers leave both to whoever reads first, issue 15).
	joinStale  bool
	filterText string
	query      filter.Query
	// conflictsKey: the host model's conflicts the rows were built with.
	conflictsKey string
	// made: each host's last row, by name (rebuild reuses its cells).
	made   map[string]madeRow
	builds int // tests: how often the rows were made
	remade int // tests: rows rowOf made anew (not from made)
	joins  int // tests: how often the lists were joined

	prompt uiprompt.Prompt

	// Host evacuate / drain (hostops.go).
	ops             HostOps
	ephemeralShared bool
	tune            ops.Tuning
	journal         *ops.Store
	run             *runView
	// pendingPlan is a resumed run re-planned before the hosts loaded.
	pendingPlan *planMsg

	// Host power (power.go): nil power means no BMC configured.
	power        Power
	powers       map[string]powerInfo
	pwLoad       bool
	recoveryTune func(*ops.RecoveryPlan) // tests shorten the waits
}

// host is one joined row: the nova-compute service and its hypervisor.
type host struct {
	name string
	svc  *openstack.ComputeService
	hv   *openstack.Hypervisor
	row  table.Row
	down bool
}

// New makes the pane.
func New(ctx pane.Context, src Source) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	return &Pane{ctx: ctx, src: src, tbl: table.New(columns...), tune: ops.DefaultTuning}
}

const barWidth = 13

var columns = []table.Column{
	{Title: "HOST", Min: 9},
	{Title: "ZONE", Width: 8, HideBelow: 100},
	{Title: "STATE", Width: 5},
	{Title: "ADMIN", Min: 8},
	{Title: "FORCED", Width: 6},
	{Title: "VCPU", Width: barWidth, HideBelow: 75},
	{Title: "RAM", Width: barWidth, HideBelow: 75},
	{Title: "DISK", Width: barWidth, HideBelow: 110},
	{Title: "VMS", Width: 4, Right: true},
	{Title: "BEAT", Width: 5, Right: true, HideBelow: 60},
}

func (p *Pane) ID() string          { return "compute" }
func (p *Pane) Title() string       { return "Compute" }
func (p *Pane) KeyGroups() []string { return []string{"compute", "table"} }
func (p *Pane) Capturing() bool     { return p.prompt.Active }
func (p *Pane) Init() tea.Cmd       { return p.load() }
func (p *Pane) Refresh() tea.Cmd    { return p.load() }

// Back closes an open prompt, then a finished evacuate/drain panel.
func (p *Pane) Back() bool {
	if p.prompt.Active {
		p.prompt.Close()
		return true
	}
	if p.run != nil && p.run.ended {
		p.run = nil
		return true
	}
	return false
}

// Status: age of the older of the two lists, first error.
func (p *Pane) Status() pane.Status {
	st := pane.Status{Loading: p.svcLoad || p.hvLoad, Err: p.svcErr}
	if st.Err == nil {
		st.Err = p.hvErr
	}
	st.Updated = p.svcAt
	// The hypervisors count on screen (their capacity and VM columns are
	// shown), and off screen when failing or older than their own cadence
	// allows (hidden they are read once a minute, and an age stepping
	// through that minute would redraw every pane's footer: issue 15's
	// idle screen writes nothing).
	now := p.ctx.Now()
	if !p.hvAt.IsZero() && (st.Updated.IsZero() || p.hvAt.Before(st.Updated)) &&
		(st.Updated.IsZero() || p.seen.On(now) || p.hvErr != nil || now.Sub(p.hvAt) > hvHiddenEvery+p.ctx.Refresh) {
		st.Updated = p.hvAt
	}
	return st
}

// SetFilter applies "/" text: host: zone: state: status: reason: forced:.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	if p.seen.Stale() {
		p.rebuild()
		return
	}
	p.apply()
}

// Pivot opens the pane on a query such as "host:compute03".
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	return p.load()
}

// LoadKey lets the shell drop an older list that lands after a newer one.
func (servicesMsg) LoadKey() string    { return "services" }
func (hypervisorsMsg) LoadKey() string { return "hypervisors" }

// The lists' facts for the host model are made by the load's tea.Cmd
// (issue 15: at 1,000 hosts, 0.4 MB each made in Update, where the
// first load's collection charged assists for them: 27 ms in a trace);
// nil facts: Update makes them. A failed services list has none (the
// model keeps the last); hypervisors with an error have their partial
// answer's.
type servicesMsg struct {
	svcs  []openstack.ComputeService
	err   error
	asOf  time.Time // non-zero: a shared answer's time (serve)
	facts []hostmodel.Fact
}

type hypervisorsMsg struct {
	hvs   []openstack.Hypervisor
	err   error
	asOf  time.Time
	facts []hostmodel.Fact
}

// load starts whichever of the two lists is not already loading.
func (p *Pane) load() tea.Cmd { return p.loadLists(true) }

// loadLists starts the lists not already loading; hv false leaves the
// hypervisors out (a refresh while the pane is off screen).
func (p *Pane) loadLists(hv bool) tea.Cmd {
	if p.src == nil {
		return nil
	}
	p.lastTry = p.ctx.Now()
	src := p.src
	var cmds []tea.Cmd
	if !p.svcLoad {
		p.svcLoad = true
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			s, err := src.ComputeServices(ctx)
			m := servicesMsg{svcs: s, err: err, asOf: age.Oldest()}
			if err == nil { // a failure publishes no facts: the model keeps the last
				m.facts = hostmodel.FromComputeServices(s)
			}
			return m
		})
	}
	if hv && !p.hvLoad {
		p.hvLoad, p.hvTry, p.wantHv = true, p.lastTry, false
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			h, err := src.Hypervisors(ctx)
			// Facts even with an error: a partial answer's rows still count.
			return hypervisorsMsg{h, err, age.Oldest(), usageFacts(h)}
		})
	}
	return tea.Batch(cmds...)
}

// hvDue: a refresh at now reads the hypervisors too (on screen, failing,
// never read, or last asked hvHiddenEvery ago).
func (p *Pane) hvDue(now time.Time) bool {
	return p.seen.On(now) || p.hvErr != nil || len(p.hvs) == 0 || now.Sub(p.hvTry) >= hvHiddenEvery
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch msg.(type) {
	case planMsg, pane.ActionProgressMsg, pane.ResumeMsg, pane.ActionDoneMsg, tea.KeyPressMsg:
		p.fresh() // these read the hosts
	}
	switch m := msg.(type) {
	case servicesMsg:
		p.svcLoad, p.svcErr = false, m.err
		if m.err == nil {
			p.svcs, p.svcAt = m.svcs, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.answered()
			if pp := p.pendingPlan; pp != nil && len(p.hostList()) > 0 {
				p.pendingPlan = nil
				return p, tea.Batch(p.ctx.Observe(servicesObservation(m, p.ctx.Now())), p.onPlan(*pp), p.loadPower())
			}
		}
		return p, tea.Batch(p.ctx.Observe(servicesObservation(m, p.ctx.Now())), p.loadPower())
	case powerMsg:
		p.onPower(m)
	case hypervisorsMsg:
		p.hvLoad, p.hvErr = false, m.err
		// Rows with a partial error (Placement usage missing) still count.
		if m.err == nil || len(m.hvs) > 0 {
			p.hvs, p.hvAt = m.hvs, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.answered()
			obs := p.ctx.Observe(usageObservation(m, p.ctx.Now()))
			if pp := p.pendingPlan; pp != nil && len(p.hostList()) > 0 {
				p.pendingPlan = nil
				return p, tea.Batch(obs, p.onPlan(*pp))
			}
			return p, obs
		}
		return p, p.ctx.Observe(hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, Err: m.err})
	case hostmodel.Observation:
		if k := p.ctx.Hosts.ConflictsKey(); k != p.conflictsKey {
			p.conflictsKey = k
			p.rebuildSoon() // another source now disagrees with a row, or agrees again
		}
	case pane.TickMsg:
		if len(p.svcs) > 0 || len(p.hvs) > 0 {
			p.rebuildSoon() // BEAT ages with the clock, also when Nova stops answering
		}
		now := p.ctx.Now()
		if p.wantHv && !p.hvLoad {
			return p, p.load()
		}
		if !p.svcLoad && !p.hvLoad && now.Sub(p.lastTry) >= p.ctx.Refresh {
			return p, p.loadLists(p.hvDue(now))
		}
	case planMsg:
		return p, p.onPlan(m)
	case pane.ActionProgressMsg:
		if e, ok := m.Event.(ops.Event); ok {
			p.onEvent(e)
		}
	case pane.ResumeMsg:
		return p, p.resume(m)
	case pane.ActionDoneMsg:
		return p, p.load()
	case tea.KeyPressMsg:
		return p, p.key(m)
	}
	return p, nil
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(msg tea.KeyPressMsg) tea.Cmd {
	if p.prompt.Active {
		return p.prompt.Key(msg)
	}
	k := msg.String()
	if p.runScroll(k) {
		return nil
	}
	if p.tbl.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "global.refresh"):
		return p.load()
	}
	h, ok := p.selected()
	if !ok {
		return nil
	}
	switch {
	case p.is(k, "table.open"), p.is(k, "compute.instances"):
		return pane.Pivot("instances", "host:"+h.name)
	case p.is(k, "table.copy"):
		name := h.name
		return pane.Copy(name, safe.Line)
	case p.is(k, "compute.agents"):
		return pane.Pivot("agents", "host:"+h.name)
	case p.is(k, "compute.containers"):
		return pane.Pivot("containers", "host:"+h.name)
	case p.is(k, "compute.logs"):
		return pane.Pivot("logs", "host:"+h.name)
	case p.is(k, "compute.alerts"):
		return pane.Pivot("alerts", "host="+h.name)
	case p.is(k, "compute.panels"):
		return pane.Pivot("panels", "host:"+h.name)
	case p.is(k, "compute.disable"):
		// The prompt outlives refreshes: look the host up again on submit.
		name := h.name
		p.prompt.Open("disable nova-compute on "+safe.Text(name)+": reason:", "", func(reason string) tea.Cmd {
			h, ok := p.hostByName(name)
			if !ok {
				return pane.Toast(themes.Warn, safe.Text(name)+" is no longer listed")
			}
			return pane.RunAction(p.serviceAction("disable", h, reason))
		})
		return nil
	case p.is(k, "compute.enable"):
		return pane.RunAction(p.serviceAction("enable", h, ""))
	case p.is(k, "compute.force_down"):
		return pane.RunAction(p.serviceAction("force-down", h, ""))
	case p.is(k, "compute.force_up"):
		return pane.RunAction(p.serviceAction("force-up", h, ""))
	case p.is(k, "compute.evacuate"):
		return p.plan("evacuate", h, "")
	case p.is(k, "compute.fence"):
		return p.fenceAction(h)
	case p.is(k, "compute.recover"):
		return p.recoverCmd(h)
	case p.is(k, "compute.drain"):
		name := h.name
		p.prompt.Open("drain "+safe.Text(name)+": reason for disabling:", "maintenance", func(reason string) tea.Cmd {
			h, ok := p.hostByName(name)
			if !ok {
				return pane.Toast(themes.Warn, safe.Text(name)+" is no longer listed")
			}
			return p.plan("drain", h, reason)
		})
		return nil
	}
	return nil
}

// runScroll: while the run panel shows a list longer than its room, the
// movement keys scroll that list (the table cursor stays).
func (p *Pane) runScroll(k string) bool {
	r := p.run
	if r == nil {
		return false
	}
	page := max(r.room-1, 1)
	switch {
	case p.is(k, "table.down"):
		return r.scroll(1)
	case p.is(k, "table.up"):
		return r.scroll(-1)
	case p.is(k, "table.page_down"):
		return r.scroll(page)
	case p.is(k, "table.page_up"):
		return r.scroll(-page)
	}
	return false
}

// selected is the host under the cursor. The pointer is only valid until
// the next refresh (rebuild reuses p.hosts).
func (p *Pane) selected() (*host, bool) {
	p.fresh()
	r, ok := p.tbl.Selected()
	if !ok {
		return nil, false
	}
	return p.hostByName(r.Key)
}

func (p *Pane) hostByName(name string) (*host, bool) {
	hs := p.hostList()
	for i := range hs {
		if hs[i].name == name {
			return &hs[i], true
		}
	}
	return nil, false
}

// hostList is the joined hosts of the last lists, joined first if an
// answer left them stale: every reader of the hosts (power reads, host
// operations, plans) goes through it or through fresh, so none reads a
// list older than the last answer. Their rows may still wait for fresh.
func (p *Pane) hostList() []host {
	if p.joinStale {
		p.join()
	}
	return p.hosts
}

// answered: a list changed. The rows are made now on screen; hidden,
// the join and the rows wait for their first reader.
func (p *Pane) answered() {
	p.joinStale = true
	p.rebuildSoon()
}

// rebuildSoon makes the rows now when the pane is on screen; a hidden
// pane's are only marked stale.
func (p *Pane) rebuildSoon() {
	p.seen.Defer(p.ctx.Now(), p.rebuild)
}

// fresh makes the rows if the clock or a conflict moved while hidden.
func (p *Pane) fresh() {
	p.seen.Fresh(p.rebuild)
}

// rebuild makes the host rows, joining services and hypervisors first
// when a list changed (a clock tick or a power answer only remakes rows).
// A host whose lists say what they said at its last row keeps that row's
// cells but BEAT (issue 15: on screen at 1,000 hosts every answer and
// clock tick formatted every host's usage bars on the UI goroutine).
func (p *Pane) rebuild() {
	p.seen.Made()
	p.builds++
	p.hostList()
	now := p.ctx.Now()
	if p.made == nil {
		p.made = make(map[string]madeRow, len(p.hosts))
	}
	for i := range p.hosts {
		h := &p.hosts[i]
		var power *table.Cell
		if p.power != nil {
			c := powerCell(p.powerOf(h.name), true, now, p.ctx.Refresh, h.down)
			power = &c
		}
		h.row = p.rowOf(h, now, power)
		if cs := p.ctx.Hosts.ConflictsOf(h.name, hostmodel.Service, "nova-compute"); len(cs) > 0 {
			// Another source disagrees: the row says so, the detail line how.
			h.row.Cells[2].Text += "⚠"
			h.row.Cells[2].Role = themes.Warn
		}
	}
	if len(p.made) > len(p.hosts) { // a host left the lists
		listed := make(map[string]bool, len(p.hosts))
		for i := range p.hosts {
			listed[p.hosts[i].name] = true
		}
		maps.DeleteFunc(p.made, func(name string, _ madeRow) bool { return !listed[name] })
	}
	p.apply()
}

// madeRow is a host's row as last made: the lists' values it was made
// from (rowKey) and its cells but BEAT, the only one the clock moves.
type madeRow struct {
	key   rowKey
	cells []table.Cell // not shared with any row: rows get copies
	role  themes.Role
}

// rowKey is everything buildRow reads but the heartbeat's time.
type rowKey struct {
	name          string
	down          bool
	hasSvc, hasHv bool
	svc           openstack.ComputeService // UpdatedAt zero
	hv            openstack.Hypervisor
}

func keyOf(h *host) rowKey {
	k := rowKey{name: h.name, down: h.down, hasSvc: h.svc != nil, hasHv: h.hv != nil}
	if h.svc != nil {
		k.svc = *h.svc
		k.svc.UpdatedAt = time.Time{}
	}
	if h.hv != nil {
		k.hv = *h.hv
	}
	return k
}

// rowOf is h's row at now, with the power cell after FORCED if BMCs are
// configured: its last cells with a new BEAT when its lists say the same,
// else made anew (and kept for the next).
func (p *Pane) rowOf(h *host, now time.Time, power *table.Cell) table.Row {
	k := keyOf(h)
	m, ok := p.made[h.name]
	if !ok || m.key != k {
		r := buildRow(h, now)
		p.remade++
		m = madeRow{key: k, cells: slices.Clone(r.Cells[:len(r.Cells)-1]), role: r.Role}
		p.made[h.name] = m
	}
	n := len(m.cells) + 1
	if power != nil {
		n++
	}
	cells := make([]table.Cell, 0, n) // one allocation a row
	if power != nil {
		cells = append(append(append(cells, m.cells[:5]...), *power), m.cells[5:]...)
	} else {
		cells = append(cells, m.cells...)
	}
	cells = append(cells, beatCell(h.svc, now))
	return table.Row{Key: h.name, Cells: cells, Role: m.role}
}

// join joins services and hypervisors into hosts, down hosts first, then
// disabled, then by name; their rows are rebuild's.
func (p *Pane) join() {
	p.joinStale = false
	p.joins++
	// The hosts in first-seen order, in a slice that cannot outgrow its
	// room (a host per list row at most), so byHost's pointers stay valid.
	slab := make([]host, 0, len(p.svcs)+len(p.hvs))
	byHost := make(map[string]*host, len(p.hvs))
	get := func(name string) *host {
		if h, ok := byHost[name]; ok {
			return h
		}
		slab = append(slab, host{name: name})
		h := &slab[len(slab)-1]
		byHost[name] = h
		return h
	}
	for i := range p.svcs {
		s := &p.svcs[i]
		if s.Binary != "nova-compute" {
			continue
		}
		get(s.Host).svc = s
	}
	for i := range p.hvs {
		hv := &p.hvs[i]
		name := hv.Host
		if name == "" {
			name = hv.Hostname
		}
		if _, ok := byHost[name]; !ok {
			// Hypervisor hostname is often the FQDN of the service host.
			if short, _, found := strings.Cut(hv.Hostname, "."); found {
				if _, ok := byHost[short]; ok {
					name = short
				}
			}
		}
		get(name).hv = hv
	}
	for i := range slab {
		slab[i].down = isDown(&slab[i])
	}
	p.hosts = slab
	// Down hosts first, then disabled, then by name.
	sort.SliceStable(p.hosts, func(i, j int) bool {
		a, b := p.hosts[i], p.hosts[j]
		if a.down != b.down {
			return a.down
		}
		if da, db := disabled(&a), disabled(&b); da != db {
			return da
		}
		return a.name < b.name
	})
}

// servicesObservation is what Nova's services say, for the host model.
func servicesObservation(m servicesMsg, at time.Time) hostmodel.Observation {
	o := hostmodel.Observation{Pane: "compute", Source: hostmodel.Nova, At: at, Err: m.err}
	if m.err == nil {
		o.Facts = m.facts
		if o.Facts == nil {
			o.Facts = hostmodel.FromComputeServices(m.svcs)
		}
	}
	return o
}

// usageObservation: each hypervisor's usage, for the host model.
func usageObservation(m hypervisorsMsg, at time.Time) hostmodel.Observation {
	fs := m.facts
	if fs == nil {
		fs = usageFacts(m.hvs)
	}
	return hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, At: at, Facts: fs}
}

// usageFacts: each hypervisor's usage and address.
func usageFacts(hvs []openstack.Hypervisor) []hostmodel.Fact {
	n := len(hvs) // sized once: one usage fact each, one more with an address
	for i := range hvs {
		if hvs[i].HostIP != "" {
			n++
		}
	}
	fs := make([]hostmodel.Fact, 0, n)
	for _, hv := range hvs {
		name := hv.Host
		if name == "" {
			name = hv.Hostname
		}
		fs = append(fs, hostmodel.Fact{Host: name, Kind: hostmodel.Usage, Name: "hypervisor", State: strings.ToLower(hv.State),
			Detail: fmt.Sprintf("vCPU %d/%d · %d VMs", hv.VCPUsUsed, capOr(hv.VCPUsCap, hv.VCPUs), hv.RunningVMs)})
		if hv.HostIP != "" { // a RabbitMQ connection's peer address names its host through it
			fs = append(fs, hostmodel.Fact{Host: name, Kind: hostmodel.Address, Name: hv.HostIP})
		}
	}
	return fs
}

func isDown(h *host) bool {
	if h.svc != nil {
		return strings.EqualFold(h.svc.State, "down") || h.svc.ForcedDown
	}
	return h.hv != nil && strings.EqualFold(h.hv.State, "down")
}

func disabled(h *host) bool {
	if h.svc != nil {
		return strings.EqualFold(h.svc.Status, "disabled")
	}
	return h.hv != nil && strings.EqualFold(h.hv.Status, "disabled")
}

func stateOf(h *host) string {
	st := ""
	if h.svc != nil {
		st = h.svc.State
	} else if h.hv != nil {
		st = h.hv.State
	}
	if strings.EqualFold(st, "down") {
		return "DOWN"
	}
	return st
}

func adminOf(h *host) string {
	if h.svc != nil {
		if disabled(h) && h.svc.DisabledReason != "" {
			return "disabled: " + h.svc.DisabledReason
		}
		return h.svc.Status
	}
	if h.hv != nil {
		if h.hv.DisabledReason != "" && disabled(h) {
			return "disabled: " + h.hv.DisabledReason
		}
		return h.hv.Status
	}
	return ""
}

func frac(used, capacity, total int) (float64, bool) {
	c := capacity
	if c <= 0 {
		c = total
	}
	if c <= 0 {
		return 0, false
	}
	return float64(used) / float64(c), true
}

func usageCell(used, capacity, total int) table.Cell {
	f, ok := frac(used, capacity, total)
	if !ok {
		return table.Cell{Text: "n/a", Role: themes.Muted, Sort: "-1"}
	}
	c := table.Cell{Text: table.Bar(f, barWidth), Sort: fmt.Sprintf("%.4f", f)}
	switch {
	case f >= 0.95:
		c.Role = themes.Crit
	case f >= 0.85:
		c.Role = themes.Warn
	}
	return c
}

func buildRow(h *host, now time.Time) table.Row {
	zone := ""
	forced := table.S("-", themes.Muted)
	if h.svc != nil {
		zone = h.svc.Zone
		if h.svc.ForcedDown {
			forced = table.S("FORCED", themes.Crit)
		}
	}
	state := stateOf(h)
	stateCell := table.S(state, themes.OK)
	if state == "DOWN" {
		stateCell = table.S("DOWN", themes.Crit)
	}
	admin := adminOf(h)
	adminCell := table.C(admin)
	if disabled(h) {
		adminCell = table.S(admin, themes.Warn)
	}
	cells := []table.Cell{table.C(h.name), table.C(zone), stateCell, adminCell, forced}
	if hv := h.hv; hv != nil {
		cells = append(cells,
			usageCell(hv.VCPUsUsed, hv.VCPUsCap, hv.VCPUs),
			usageCell(hv.MemUsed, hv.MemoryCap, hv.MemoryMB),
			usageCell(hv.DiskUsed, hv.DiskCap, hv.DiskGB),
			vmsCell(hv.RunningVMs))
	} else {
		na := table.Cell{Text: "no hypervisor", Role: themes.Muted, Sort: "-1"}
		cells = append(cells, na, na, na, table.Cell{Text: "-", Sort: "-1"})
	}
	cells = append(cells, beatCell(h.svc, now))
	r := table.Row{Key: h.name, Cells: cells}
	if h.down {
		r.Role = themes.Crit
	}
	return r
}

// beatCell is the BEAT column: the age of the service's heartbeat.
func beatCell(svc *openstack.ComputeService, now time.Time) table.Cell {
	if svc == nil {
		return table.Cell{Text: "-"}
	}
	return pane.BeatCell(svc.UpdatedAt, now)
}

// apply lays out the hosts' rows under the filter. Rows left stale by a
// hidden pane's answers (a join through hostList has hosts without rows)
// are made first: never blank or old rows.
func (p *Pane) apply() {
	if p.seen.Stale() {
		p.rebuild() // makes the rows, then applies
		return
	}
	rows := make([]table.Row, 0, len(p.hosts))
	for i := range p.hosts {
		h := &p.hosts[i]
		if !p.query.Empty() && !p.query.Match(fields(h)) {
			continue
		}
		rows = append(rows, h.row)
	}
	p.tbl.SetRows(rows)
}

func fields(h *host) map[string]string {
	f := map[string]string{"host": h.name, "state": stateOf(h), "status": "", "reason": "", "zone": "", "forced": ""}
	if h.svc != nil {
		f["status"], f["reason"], f["zone"] = h.svc.Status, h.svc.DisabledReason, h.svc.Zone
		if h.svc.ForcedDown {
			f["forced"] = "forced"
		}
	} else if h.hv != nil {
		f["status"] = h.hv.Status
	}
	if h.hv != nil {
		f["hypervisor"] = h.hv.Hostname
	}
	return f
}

// View renders the pane.
func (p *Pane) View(width, height int) string {
	if width < 1 || height < 1 {
		return ""
	}
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	now := p.ctx.Now()
	if p.seen.Drawn(now) && now.Sub(p.hvTry) >= p.ctx.Refresh {
		p.wantHv = true // back on screen with hypervisors from a hidden cadence
	}
	p.fresh() // the clock moved while hidden
	lines := []string{th.Render(themes.Title, safe.Fit(p.header(now), width))}
	if p.svcErr != nil {
		lines = append(lines, th.Render(themes.Crit, safe.Fit(errLine("compute services", p.svcErr, p.svcAt, now), width)))
	}
	if p.hvErr != nil {
		lines = append(lines, th.Render(themes.Crit, safe.Fit(errLine("hypervisors", p.hvErr, p.hvAt, now), width)))
	}
	var foot []string
	if h, ok := p.selected(); ok {
		detail := detailLine(h, now)
		if p.power != nil {
			// Power first: it is what decides the dangerous actions.
			detail = h.name + ": " + powerDetail(p.powerOf(h.name), now) + " · " + strings.TrimPrefix(detail, h.name+": ")
		}
		foot = append(foot, th.Render(themes.Info, safe.Fit(detail, width)))
		if cs := p.ctx.Hosts.ConflictsOf(h.name, hostmodel.Service, "nova-compute"); len(cs) > 0 {
			foot = append(foot, th.Render(themes.Warn, safe.Fit("⚠ "+cs[0].Line(now, pane.DataAge), width)))
		}
	}
	if p.prompt.Active {
		foot = append(foot, p.prompt.View(width, th))
	}
	if r := p.run; r != nil {
		// The run panel takes up to half the pane below the table.
		avail := height - len(lines) - len(foot) - 3
		foot = append(r.view(width, min(avail, max(height/2, 3)), now, th), foot...)
	}
	body := height - len(lines) - len(foot)
	if body > 0 {
		if p.svcAt.IsZero() && p.hvAt.IsZero() && (p.svcLoad || p.hvLoad) {
			lines = append(lines, th.Render(themes.Muted, safe.Fit("loading compute hosts…", width)))
		} else {
			lines = append(lines, p.tbl.View(width, body, th))
		}
	}
	if len(lines)+len(foot) <= height {
		lines = append(lines, foot...)
	}
	return strings.Join(lines, "\n")
}

func errLine(what string, err error, at, now time.Time) string {
	s := "✗ " + what + " failed"
	if !at.IsZero() {
		s += " (showing data from " + pane.DataAge(now.Sub(at)) + " ago)"
	}
	return s + ": " + err.Error()
}

func (p *Pane) header(now time.Time) string {
	down, dis := 0, 0
	for i := range p.hosts {
		if p.hosts[i].down {
			down++
		}
		if disabled(&p.hosts[i]) {
			dis++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d compute hosts", len(p.hosts))
	if down > 0 {
		fmt.Fprintf(&b, " · %d DOWN", down)
	}
	if dis > 0 {
		fmt.Fprintf(&b, " · %d disabled", dis)
	}
	if p.filterText != "" {
		fmt.Fprintf(&b, " · filter: %s (%d shown)", safe.Text(p.filterText), p.tbl.Len())
	}
	st := p.Status()
	b.WriteString(pane.Freshness(now, st.Updated, p.lastTry, st.Loading, p.ctx.Refresh))
	return b.String()
}

func detailLine(h *host, now time.Time) string {
	var parts []string
	if hv := h.hv; hv != nil {
		parts = append(parts,
			fmt.Sprintf("vCPU %d/%d", hv.VCPUsUsed, capOr(hv.VCPUsCap, hv.VCPUs)),
			fmt.Sprintf("RAM %d/%d GiB", hv.MemUsed/1024, capOr(hv.MemoryCap, hv.MemoryMB)/1024),
			fmt.Sprintf("disk %d/%d GB", hv.DiskUsed, capOr(hv.DiskCap, hv.DiskGB)),
			vmsText(hv.RunningVMs)+" VMs")
		if hv.UsageFrom != "" {
			parts = append(parts, "usage from "+hv.UsageFrom)
		}
	}
	if s := h.svc; s != nil {
		if !s.UpdatedAt.IsZero() {
			parts = append(parts, "heartbeat "+pane.BeatAge(now.Sub(s.UpdatedAt))+" ago")
		}
		if s.ForcedDown {
			parts = append(parts, "FORCED DOWN")
		}
		if strings.EqualFold(s.Status, "disabled") {
			r := s.DisabledReason
			if r == "" {
				r = "(no reason)"
			}
			parts = append(parts, "disabled: "+r)
		}
	}
	return h.name + ": " + strings.Join(parts, " · ")
}

func capOr(c, total int) int {
	if c > 0 {
		return c
	}
	return total
}

// vmsCell shows a host's VM count; < 0 is not known yet (counted from the
// instance list, which may still be loading).
func vmsCell(n int) table.Cell {
	if n < 0 {
		return table.Cell{Text: "?", Role: themes.Muted, Sort: "-1"}
	}
	return table.C(fmt.Sprint(n))
}

func vmsText(n int) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { p.fresh(); return p.tbl }

// Hide implements pane.Hider: another pane took the screen.
func (p *Pane) Hide() { p.seen.Hide() }
