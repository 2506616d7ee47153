// Package agents is the agents pane: Neutron agents, Nova services and
// Cinder services in one table grouped by host, hosts with dead agents
// first and dead agents first within a host. Each of the three lists loads,
// fails and refreshes on its own; an error (or a service missing from the
// catalog) is shown inline while the other lists stay.
package agents

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs; *openstack.Client satisfies it.
type Source interface {
	NetworkAgents(ctx context.Context) ([]openstack.NetworkAgent, error)
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
	VolumeServices(ctx context.Context) ([]openstack.VolumeService, error)
}

// ProblemSource lists only the Neutron agents that are dead or
// administratively down; *openstack.Client satisfies it.
type ProblemSource interface {
	NetworkAgentProblems(ctx context.Context) ([]openstack.NetworkAgent, error)
}

const loadTimeout = 20 * time.Second

// neutronWholeEvery: while the pane is not on screen, Neutron's whole
// agent list is read this often; each other refresh reads only the agents
// with a problem and marks every other known agent alive and up (issue
// 15: the whole list each cycle was 14 MB a minute at 1,000 hosts). On
// screen, the whole list is read every refresh, and at once when the pane
// comes on screen.
const neutronWholeEvery = time.Minute

// The three lists.
const (
	kNova = iota
	kNeutron
	kCinder
	nKinds
)

var kindNames = [nKinds]string{"nova", "neutron", "cinder"}

type list struct {
	// agents is replaced whole, never changed in place: a Neutron
	// problems-only load merges it on its own goroutine (fetch).
	agents  []agent
	err     error
	loading bool
	at      time.Time // last success
}

// agent is one row's data, whichever API it came from.
type agent struct {
	kind      int
	id        string
	host      string // as the API reports it (cinder: host@backend)
	base      string // host without @backend
	typ       string
	binary    string
	dead      bool
	admin     string
	adminDown bool
	zone      string
	beat      time.Time
}

// Pane is the agents pane.
type Pane struct {
	ctx     pane.Context
	src     Source
	tbl     *table.Model
	lists   [nKinds]list
	lastTry time.Time

	// seen.Stale(): a list, a conflict or the clock (BEAT) moved while the pane
	// was hidden; the rows are made when it is next drawn or its rows are
	// read (issue 15: at 1,000 hosts a hidden pane sorted and remade some
	// 3,000 rows every clock tick on the UI goroutine). The host model's
	// observations still go out with each list.
	seen pane.Seen
	// neutronWhole: when Neutron's whole agent list was last read (the
	// refreshes between read its problems only); wantWhole: the pane
	// came on screen since, so the next tick reads the whole list.
	neutronWhole time.Time
	wantWhole    bool

	all        []agent // sorted
	filterText string
	query      filter.Query
	// conflictsKey: the host model's conflicts the rows were built with.
	conflictsKey string
	builds       int // tests: how often the rows were made
	merges       int // tests: how often the lists were merged and sorted
}

// New makes the pane.
func New(ctx pane.Context, src Source) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	return &Pane{ctx: ctx, src: src, tbl: table.New(columns...)}
}

var columns = []table.Column{
	{Title: "HOST", Min: 9},
	{Title: "SERVICE", Width: 7, HideBelow: 70},
	{Title: "TYPE", Width: 18, HideBelow: 90},
	{Title: "BINARY", Width: 25},
	{Title: "STATE", Width: 5},
	{Title: "ADMIN", Min: 8, HideBelow: 60},
	{Title: "ZONE", Width: 8, HideBelow: 110},
	{Title: "BEAT", Width: 5, Right: true},
}

func (p *Pane) ID() string          { return "agents" }
func (p *Pane) Title() string       { return "Agents" }
func (p *Pane) KeyGroups() []string { return []string{"agents", "table"} }
func (p *Pane) Capturing() bool     { return false }
func (p *Pane) Init() tea.Cmd       { return p.load() }
func (p *Pane) Refresh() tea.Cmd    { return p.load() }

// Status: oldest successful list, first real error.
func (p *Pane) Status() pane.Status {
	var st pane.Status
	for k := range p.lists {
		l := &p.lists[k]
		st.Loading = st.Loading || l.loading
		if l.err != nil && st.Err == nil && !errors.Is(l.err, openstack.ErrNoService) {
			st.Err = l.err
		}
		if !l.at.IsZero() && (st.Updated.IsZero() || l.at.Before(st.Updated)) {
			st.Updated = l.at
		}
	}
	return st
}

// SetFilter: host: service: type: binary: state: admin: zone:.
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
func (m loadedMsg) LoadKey() string { return "agents/" + strconv.Itoa(m.kind) }

type loadedMsg struct {
	kind   int
	agents []agent
	err    error
	// problems: only the agents with a problem were read (Neutron); the
	// others known are alive and up.
	problems bool
	asOf     time.Time // non-zero: a shared answer's time (serve)
	// facts: a whole list's facts for the host model, made by the load's
	// tea.Cmd (issue 15: 0.35-0.9 MB a list at 1,000 hosts made in
	// Update); for a problems list, merged's; nil for a failure.
	facts []hostmodel.Fact
	// A problems list merged by the load's tea.Cmd with base, the whole
	// list the pane held when it started (issue 15: at 1,000 hosts the
	// merge and its facts were made in Update every hidden refresh);
	// same: base's agents with a problem were exactly these. Update
	// merges again if the pane's list is no longer base.
	base, merged []agent
	same         bool
}

// problemsAnswer is a problems-only read merged with whole, as a hidden
// refresh's load hands it over.
func problemsAnswer(whole, probs []agent) loadedMsg {
	merged := mergeProblems(whole, probs)
	return loadedMsg{kind: kNeutron, agents: probs, problems: true, base: whole, merged: merged,
		same: sameProblems(whole, probs), facts: facts(merged)}
}

func (p *Pane) load() tea.Cmd {
	if p.src == nil {
		return nil
	}
	now := p.ctx.Now()
	p.lastTry = now
	p.wantWhole = false
	var cmds []tea.Cmd
	for k := range p.lists {
		if p.lists[k].loading {
			continue
		}
		p.lists[k].loading = true
		kind, src := k, p.src
		problems := kind == kNeutron && p.problemsOnly(now)
		whole := p.lists[k].agents // never changed in place: read by the load
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			ctx, age := cadence.WithAge(ctx)
			var m loadedMsg
			if problems {
				as, err := fetchProblems(ctx, src.(ProblemSource))
				m = loadedMsg{kind: kind, agents: as, err: err, problems: true}
				if err == nil {
					m = problemsAnswer(whole, as)
				}
			} else {
				as, err := fetch(ctx, src, kind)
				m = loadedMsg{kind: kind, agents: as, err: err}
				if err == nil {
					m.facts = facts(as)
				}
			}
			m.asOf = age.Oldest()
			return m
		})
	}
	return tea.Batch(cmds...)
}

// problemsOnly: this refresh reads only Neutron's agents with a problem
// (the pane is not on screen, a whole list was read within
// neutronWholeEvery and its last read succeeded).
func (p *Pane) problemsOnly(now time.Time) bool {
	l := &p.lists[kNeutron]
	_, ok := p.src.(ProblemSource)
	return ok && !p.seen.On(now) && l.err == nil && len(l.agents) > 0 &&
		!p.neutronWhole.IsZero() && now.Sub(p.neutronWhole) < neutronWholeEvery
}

// sameProblems: the agents with a problem in whole are exactly probs,
// each with the same problem.
func sameProblems(whole, probs []agent) bool {
	type state struct{ dead, down bool }
	was := map[string]state{}
	for _, a := range whole {
		if a.dead || a.adminDown {
			was[a.id] = state{a.dead, a.adminDown}
		}
	}
	if len(was) != len(probs) {
		return false
	}
	for _, a := range probs {
		if st, ok := was[a.id]; !ok || st != (state{a.dead, a.adminDown}) {
			return false
		}
	}
	return true
}

// sameList: a and b are the same slice (the same agents, not equal ones).
func sameList(a, b []agent) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func fetchProblems(ctx context.Context, src ProblemSource) ([]agent, error) {
	as, err := src.NetworkAgentProblems(ctx)
	if err != nil {
		return nil, err
	}
	return neutronAgents(as), nil
}

// mergeProblems applies a problems-only read to the last whole list: an
// agent it names takes its answer, every other is alive and up (it was
// not among the problems), with its last known heartbeat; an agent new
// since the whole list is added.
func mergeProblems(whole, probs []agent) []agent {
	byID := make(map[string]agent, len(probs))
	for _, a := range probs {
		byID[a.id] = a
	}
	out := make([]agent, 0, len(whole)+len(probs))
	for _, a := range whole {
		if pa, ok := byID[a.id]; ok {
			out = append(out, pa)
			delete(byID, a.id)
			continue
		}
		a.dead, a.admin, a.adminDown = false, "up", false
		out = append(out, a)
	}
	for _, a := range probs {
		if _, ok := byID[a.id]; ok {
			out = append(out, a)
		}
	}
	return out
}

func fetch(ctx context.Context, src Source, kind int) ([]agent, error) {
	var out []agent
	switch kind {
	case kNova:
		ss, err := src.ComputeServices(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			a := agent{kind: kNova, id: s.ID, host: s.Host, typ: strings.TrimPrefix(s.Binary, "nova-"), binary: s.Binary,
				dead: strings.EqualFold(s.State, "down") || s.ForcedDown, zone: s.Zone, beat: s.UpdatedAt}
			a.admin, a.adminDown = adminText(s.Status, s.DisabledReason)
			if s.ForcedDown {
				a.admin = "FORCED DOWN · " + a.admin
			}
			out = append(out, a)
		}
	case kNeutron:
		as, err := src.NetworkAgents(ctx)
		if err != nil {
			return nil, err
		}
		return neutronAgents(as), nil
	case kCinder:
		ss, err := src.VolumeServices(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			typ := strings.TrimPrefix(s.Binary, "cinder-")
			if _, backend, ok := strings.Cut(s.Host, "@"); ok {
				typ += " (" + backend + ")"
			}
			a := agent{kind: kCinder, host: s.Host, typ: typ, binary: s.Binary,
				dead: strings.EqualFold(s.State, "down"), zone: s.Zone, beat: s.UpdatedAt}
			a.admin, a.adminDown = adminText(s.Status, s.DisabledReason)
			out = append(out, a)
		}
	}
	for i := range out {
		out[i].base, _, _ = strings.Cut(out[i].host, "@")
	}
	return out, nil
}

func neutronAgents(as []openstack.NetworkAgent) []agent {
	out := make([]agent, 0, len(as))
	for _, n := range as {
		a := agent{kind: kNeutron, id: n.ID, host: n.Host, typ: n.Type, binary: n.Binary, dead: !n.Alive,
			admin: "up", zone: n.Zone, beat: n.HeartbeatAt}
		if !n.AdminUp {
			a.admin, a.adminDown = "down", true
		}
		a.base, _, _ = strings.Cut(a.host, "@")
		out = append(out, a)
	}
	return out
}

var kindSources = [nKinds]hostmodel.Source{hostmodel.Nova, hostmodel.Neutron, hostmodel.Cinder}

// facts is what one list says about hosts, for the host model.
func facts(as []agent) []hostmodel.Fact {
	fs := make([]hostmodel.Fact, 0, len(as))
	for _, a := range as {
		f := hostmodel.ServiceFact(a.base, a.binary, a.dead, a.adminDown)
		if a.host != a.base {
			f.ID = a.binary + "@" + a.host // one per Cinder backend
		}
		fs = append(fs, f)
	}
	return fs
}

// conflicts are what other sources say against this row.
func (p *Pane) conflicts(a *agent) []hostmodel.Conflict {
	return p.ctx.Hosts.ConflictsOf(a.base, hostmodel.Service, a.binary)
}

func adminText(status, reason string) (string, bool) {
	if strings.EqualFold(status, "disabled") {
		if reason != "" {
			return "disabled: " + reason, true
		}
		return "disabled", true
	}
	return status, false
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		l := &p.lists[m.kind]
		l.loading, l.err = false, m.err
		if m.err == nil {
			as := m.agents
			if m.problems {
				if m.merged == nil || !sameList(m.base, l.agents) {
					// Not merged by the load, or with another list than
					// the pane's: merged here.
					m = problemsAnswer(l.agents, m.agents)
				}
				// An agent that recovered or newly failed keeps its last
				// whole list's heartbeat until the whole list is read: at
				// the next refresh, not a minute on.
				if !m.same {
					p.neutronWhole = time.Time{}
				}
				as = m.merged
			} else if m.kind == kNeutron {
				p.neutronWhole = p.ctx.Now()
			}
			l.agents, l.at = as, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.rebuildSoon()
		}
		if errors.Is(m.err, openstack.ErrNoService) {
			return p, nil
		}
		o := hostmodel.Observation{Pane: "agents", Source: kindSources[m.kind], At: p.ctx.Now(), Err: m.err}
		switch {
		case m.err != nil: // the model keeps the last facts
		case m.facts != nil: // l.agents' (m.agents or m.merged)
			o.Facts = m.facts
		default:
			o.Facts = facts(l.agents)
		}
		return p, p.ctx.Observe(o)
	case hostmodel.Observation:
		if k := p.ctx.Hosts.ConflictsKey(); k != p.conflictsKey {
			p.conflictsKey = k
			p.rebuildSoon() // a conflict with another source appeared or went
		}
	case pane.TickMsg:
		if len(p.all) > 0 {
			p.ageSoon() // BEAT ages with the clock, also when an API stops answering
		}
		busy := false
		for k := range p.lists {
			busy = busy || p.lists[k].loading
		}
		if !busy && (p.wantWhole || p.ctx.Now().Sub(p.lastTry) >= p.ctx.Refresh) {
			return p, p.load()
		}
	case pane.ActionDoneMsg:
		return p, p.load()
	case tea.KeyPressMsg:
		return p, p.key(m.String())
	}
	return p, nil
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(k string) tea.Cmd {
	p.fresh()
	if p.tbl.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "global.refresh"):
		return p.load()
	}
	a, ok := p.selected()
	if !ok {
		return nil
	}
	h := a.base
	switch {
	case p.is(k, "table.open"), p.is(k, "agents.host"):
		return pane.Pivot("compute", "host:"+h)
	case p.is(k, "agents.instances"):
		return pane.Pivot("instances", "host:"+h)
	case p.is(k, "agents.containers"):
		q := "host:" + h
		if c := KollaContainer(a.binary); c != "" {
			q += " name:" + c
		}
		return pane.Pivot("containers", q)
	case p.is(k, "agents.logs"):
		return pane.Pivot("logs", "host:"+h)
	case p.is(k, "agents.alerts"):
		return pane.Pivot("alerts", "host="+h)
	case p.is(k, "agents.panels"):
		return pane.Pivot("panels", "host:"+h)
	case p.is(k, "agents.disable"):
		return p.agentAction(ops.AgentDisable, a)
	case p.is(k, "agents.enable"):
		return p.agentAction(ops.AgentEnable, a)
	case p.is(k, "agents.delete"):
		return p.agentAction(ops.AgentDelete, a)
	case p.is(k, "table.copy"):
		text := a.id
		if text == "" {
			text = a.host + " " + a.binary
		}
		return pane.Copy(text, safe.Line)
	}
	return nil
}

// KollaContainer maps a service binary to its Kolla-Ansible container name
// (neutron-openvswitch-agent -> neutron_openvswitch_agent, nova-compute ->
// nova_compute). "" when the binary is not a plain service name.
func KollaContainer(binary string) string {
	b := strings.TrimSpace(binary)
	if b == "" {
		return ""
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return strings.ReplaceAll(b, "-", "_")
}

func (p *Pane) selected() (*agent, bool) {
	r, ok := p.tbl.Selected()
	if !ok {
		return nil, false
	}
	for i := range p.all {
		if rowKey(&p.all[i]) == r.Key {
			return &p.all[i], true
		}
	}
	return nil, false
}

func rowKey(a *agent) string {
	return kindNames[a.kind] + "/" + a.host + "/" + a.binary + "/" + a.id
}

// rebuildSoon makes the rows now when the pane is on screen; a hidden
// pane's are only marked stale.
func (p *Pane) rebuildSoon() {
	p.seen.Defer(p.ctx.Now(), p.rebuild)
}

// fresh makes the rows if something moved while the pane was hidden.
func (p *Pane) fresh() {
	p.seen.Fresh(p.rebuild)
}

// ageSoon makes the rows again from the merged, sorted agents when the
// pane is on screen (only the clock moved: the order holds; issue 15: at
// 1,000 hosts each tick merged and sorted some 3,000 agents again); a
// hidden pane's, or rows left stale by an answer, wait for a whole
// rebuild.
func (p *Pane) ageSoon() {
	if p.seen.Stale() {
		p.rebuildSoon()
		return
	}
	p.seen.Defer(p.ctx.Now(), func() {
		p.builds++
		p.apply()
	})
}

// rebuild merges the three lists: hosts with a dead agent first, then by
// host; within a host dead first, then service and binary.
func (p *Pane) rebuild() {
	p.seen.Made()
	p.builds++
	p.merges++
	p.all = p.all[:0]
	hostDead := map[string]bool{}
	// Conflicts (another source disagrees) come next: as much to look at.
	hostConflict, conflict := map[string]bool{}, map[string]bool{}
	for k := range p.lists {
		for _, a := range p.lists[k].agents {
			p.all = append(p.all, a)
			if a.dead {
				hostDead[a.base] = true
			}
			if len(p.conflicts(&a)) > 0 {
				hostConflict[a.base], conflict[rowKey(&a)] = true, true
			}
		}
	}
	sort.SliceStable(p.all, func(i, j int) bool {
		a, b := &p.all[i], &p.all[j]
		if da, db := hostDead[a.base], hostDead[b.base]; da != db {
			return da
		}
		if ca, cb := hostConflict[a.base], hostConflict[b.base]; ca != cb {
			return ca
		}
		if a.base != b.base {
			return a.base < b.base
		}
		if a.dead != b.dead {
			return a.dead
		}
		if len(conflict) > 0 { // none, mostly: no keys to make
			if ca, cb := conflict[rowKey(a)], conflict[rowKey(b)]; ca != cb {
				return ca
			}
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.binary != b.binary {
			return a.binary < b.binary
		}
		return a.host < b.host
	})
	p.apply()
}

func (p *Pane) apply() {
	now := p.ctx.Now()
	rows := make([]table.Row, 0, len(p.all))
	for i := range p.all {
		a := &p.all[i]
		if !p.query.Empty() && !p.query.Match(fields(a)) {
			continue
		}
		r := buildRow(a, now)
		if len(p.conflicts(a)) > 0 {
			// Never one side alone: the row says another source disagrees.
			r.Cells[4] = table.S(stateText(a)+" ⚠", themes.Warn)
			if r.Role == themes.Normal {
				r.Role = themes.Warn
			}
		}
		rows = append(rows, r)
	}
	p.tbl.SetRows(rows)
}

func stateText(a *agent) string {
	if a.dead {
		if a.kind == kNeutron {
			return "DEAD"
		}
		return "DOWN"
	}
	return "up"
}

func fields(a *agent) map[string]string {
	state := "up"
	if a.dead {
		state = "down dead"
	}
	return map[string]string{"host": a.host, "service": kindNames[a.kind], "type": a.typ, "binary": a.binary,
		"state": state, "admin": a.admin, "zone": a.zone, "id": a.id}
}

func buildRow(a *agent, now time.Time) table.Row {
	state := table.S(stateText(a), themes.OK)
	if a.dead {
		state.Role = themes.Crit
	}
	admin := table.C(a.admin)
	if a.adminDown {
		admin.Role = themes.Warn
	}
	r := table.Row{Key: rowKey(a), Cells: []table.Cell{
		table.C(a.host), table.C(kindNames[a.kind]), table.C(a.typ), table.C(a.binary),
		state, admin, table.C(a.zone), pane.BeatCell(a.beat, now),
	}}
	if a.dead {
		r.Role = themes.Crit
	}
	return r
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
	if p.seen.Drawn(now) && p.neutronWhole.Before(p.lastTry) {
		p.wantWhole = true // on screen again after problems-only reads: the whole list next tick
	}
	p.fresh() // what came while hidden
	lines := []string{th.Render(themes.Title, safe.Fit(p.header(now), width))}
	for k := range p.lists {
		l := &p.lists[k]
		if l.err == nil {
			continue
		}
		if errors.Is(l.err, openstack.ErrNoService) {
			lines = append(lines, th.Render(themes.Muted, safe.Fit("· "+kindNames[k]+": not in this cloud's catalog", width)))
			continue
		}
		s := "✗ " + kindNames[k] + " failed"
		if !l.at.IsZero() {
			s += " (showing data from " + pane.DataAge(now.Sub(l.at)) + " ago)"
		}
		lines = append(lines, th.Render(themes.Crit, safe.Fit(s+": "+l.err.Error(), width)))
	}
	if cs := p.visibleConflicts(); len(cs) > 0 {
		s := "⚠ " + cs[0].Line(now, pane.DataAge)
		if len(cs) > 1 {
			s += fmt.Sprintf(" (+%d more conflicts)", len(cs)-1)
		}
		lines = append(lines, th.Render(themes.Warn, safe.Fit(s, width)))
	}
	var foot string
	if a, ok := p.selected(); ok {
		foot = th.Render(themes.Info, safe.Fit(detailLine(a, now), width))
		if cs := p.conflicts(a); len(cs) > 0 {
			o := cs[0].Other(hostmodel.Service, a.binary, kindSources[a.kind])
			foot = th.Render(themes.Warn, safe.Fit(a.host+" "+a.binary+": "+stateText(a)+" ⚠ "+
				hostmodel.Describe(o, pane.DataAge(now.Sub(o.At))), width))
		}
	}
	body := height - len(lines)
	if foot != "" {
		body--
	}
	if body > 0 {
		st := p.Status()
		if st.Updated.IsZero() && st.Loading {
			lines = append(lines, th.Render(themes.Muted, safe.Fit("loading agents and services…", width)))
		} else {
			lines = append(lines, p.tbl.View(width, body, th))
		}
	}
	if foot != "" && body > 0 {
		lines = append(lines, foot)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// visibleConflicts: the conflicts about rows the filter shows.
func (p *Pane) visibleConflicts() []hostmodel.Conflict {
	var out []hostmodel.Conflict
	for i := range p.all {
		a := &p.all[i]
		if !p.query.Empty() && !p.query.Match(fields(a)) {
			continue
		}
		out = append(out, p.conflicts(a)...)
	}
	return out
}

// detailLine spells out the selected row in full (the table truncates).
func detailLine(a *agent, now time.Time) string {
	parts := []string{a.host + " " + a.binary + ": " + stateText(a), "admin " + a.admin}
	if !a.beat.IsZero() {
		parts = append(parts, "heartbeat "+pane.BeatAge(now.Sub(a.beat))+" ago")
	}
	if a.zone != "" {
		parts = append(parts, "zone "+a.zone)
	}
	if a.id != "" {
		parts = append(parts, "id "+a.id)
	}
	return strings.Join(parts, " · ")
}

func (p *Pane) header(now time.Time) string {
	dead := 0
	hosts := map[string]bool{}
	for i := range p.all {
		if p.all[i].dead {
			dead++
			hosts[p.all[i].base] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d agents/services", len(p.all))
	if dead > 0 {
		word := "hosts"
		if len(hosts) == 1 {
			word = "host"
		}
		fmt.Fprintf(&b, " · %d DEAD on %d %s", dead, len(hosts), word)
	} else if len(p.all) > 0 {
		b.WriteString(" · all alive")
	}
	if p.filterText != "" {
		fmt.Fprintf(&b, " · filter: %s (%d shown)", safe.Text(p.filterText), p.tbl.Len())
	}
	st := p.Status()
	b.WriteString(pane.Freshness(now, st.Updated, p.lastTry, st.Loading, p.ctx.Refresh))
	return b.String()
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { p.fresh(); return p.tbl }

// Hide implements pane.Hider: another pane took the screen.
func (p *Pane) Hide() { p.seen.Hide() }
