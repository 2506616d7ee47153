// Package ceph is the Ceph pane: overall health with every check and its
// detail lines (like `ceph health detail`), the OSD tree by host, pools, PG
// states, monitors and quorum, recent crashes and recovery progress, in
// sections cycled with s/S. From an OSD or host it pivots to the compute,
// containers and logs panes; noout and OSD out/in go through the shell as
// verified, audited actions.
package ceph

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	ds "github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Section is one of the pane's sub-views.
type Section int

// Sections, in cycling order.
const (
	SecHealth Section = iota
	SecOSDs
	SecPools
	SecPGs
	SecMons
	numSections
)

var sectionNames = [...]string{"Health", "OSDs", "Pools", "PGs", "Mons"}

func (s Section) String() string { return sectionNames[s] }

// snapshotTimeout bounds one refresh, so a dead backend never hangs the pane.
const snapshotTimeout = 25 * time.Second

// collapsedDetail is how many detail lines a check shows until expanded.
const collapsedDetail = 5

// Pane is the Ceph pane.
type Pane struct {
	ctx   pane.Context
	src   ds.Source
	actor ds.Actor // nil when the source cannot act (prometheus metrics)

	cl      *ds.Cluster
	err     error
	loading bool
	updated time.Time
	lastTry time.Time
	// seen: the pane is on screen, so its refreshes ask for the whole
	// snapshot (ds.WithWhole); wantWhole: it came on screen after reads
	// that were not whole, so the next tick reads at once.
	// seen.Stale(): a snapshot or filter came while the pane was hidden,
	// so the OSD rows wait for osdTable (issue 15).
	seen      pane.Seen
	osdBuilds int // tests: how often the OSD rows were made
	lastWhole bool
	wantWhole bool

	section    Section
	filterText string
	query      filter.Query

	health    *table.Model
	expanded  map[string]bool
	expandAll bool
	osds      *table.Model
	pools     *table.Model
	pgs       *table.Model
	mons      *table.Model
}

// New builds the pane. actor may be nil.
func New(ctx pane.Context, src ds.Source, actor ds.Actor) *Pane {
	p := &Pane{ctx: ctx, src: src, actor: actor, expanded: map[string]bool{}}
	p.health = table.New(table.Column{Title: "HEALTH DETAIL", Min: 10})
	p.osds = table.New(
		table.Column{Title: "HOST / OSD", Min: 10},
		table.Column{Title: "STATUS", Width: 7},
		table.Column{Title: "IN", Width: 5},
		table.Column{Title: "CLASS", Width: 5, HideBelow: 56},
		table.Column{Title: "USE", Width: 14, HideBelow: 48},
		table.Column{Title: "PGS", Width: 5, Right: true, HideBelow: 76},
		table.Column{Title: "FLAGS", Width: 6, HideBelow: 60},
	)
	p.pools = table.New(
		table.Column{Title: "POOL", Min: 8},
		table.Column{Title: "SIZE", Width: 4, Right: true},
		table.Column{Title: "MIN", Width: 3, Right: true, HideBelow: 50},
		table.Column{Title: "PGS", Width: 4, Right: true},
		table.Column{Title: "STORED", Width: 9, Right: true, HideBelow: 58},
		table.Column{Title: "USED", Width: 12},
		table.Column{Title: "MAX AVAIL", Width: 9, Right: true},
		table.Column{Title: "NOTE", Min: 6, HideBelow: 80},
	)
	p.pgs = table.New(
		table.Column{Title: "PG STATE", Min: 12},
		table.Column{Title: "PGS", Width: 6, Right: true},
		table.Column{Title: "%", Width: 6, Right: true},
		table.Column{Title: "POOLS", Min: 8, HideBelow: 64},
	)
	p.mons = table.New(
		table.Column{Title: "MON", Min: 6},
		table.Column{Title: "RANK", Width: 4, Right: true},
		table.Column{Title: "HOST", Min: 8},
		table.Column{Title: "ADDRESS", Min: 10, HideBelow: 56},
		table.Column{Title: "QUORUM", Width: 7},
	)
	return p
}

// snapshotMsg carries one refresh result.
type snapshotMsg struct {
	c   *ds.Cluster
	err error
	at  time.Time
	// facts: c's facts for the host model, made by the load's tea.Cmd
	// (issue 15: at 1,000 hosts, 10,000 OSDs made into facts held the UI
	// goroutine ~8 ms a snapshot); nil: Update makes them.
	facts []hostmodel.Fact
}

// observation is the cluster's health and its OSDs by host, for the host
// model.
func observation(m snapshotMsg) hostmodel.Observation {
	fs := m.facts
	if fs == nil {
		fs = hostmodel.FromCeph(m.c)
	}
	return hostmodel.Observation{Pane: "ceph", Source: hostmodel.Ceph, At: m.at, Facts: fs}
}

// LoadKey lets the shell drop an older snapshot that lands after a newer one.
func (snapshotMsg) LoadKey() string { return "snapshot" }

// ID implements pane.Pane.
func (p *Pane) ID() string { return "ceph" }

// Title implements pane.Pane.
func (p *Pane) Title() string { return "Ceph" }

// KeyGroups implements pane.Pane.
func (p *Pane) KeyGroups() []string { return []string{"ceph", "table"} }

// Init implements pane.Pane.
func (p *Pane) Init() tea.Cmd { return p.load() }

// Capturing implements pane.Pane.
func (p *Pane) Capturing() bool { return false }

// Refresh implements pane.Refresher.
func (p *Pane) Refresh() tea.Cmd { return p.load() }

// Section returns the current section.
func (p *Pane) Section() Section { return p.section }

// Cluster returns the last snapshot (nil before the first).
func (p *Pane) Cluster() *ds.Cluster { return p.cl }

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

func (p *Pane) load() tea.Cmd {
	if p.src == nil {
		return nil
	}
	p.loading = true
	p.lastTry = p.now()
	whole := p.seen.On(p.lastTry)
	p.lastWhole, p.wantWhole = whole, false
	src := p.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		defer cancel()
		if whole {
			ctx = ds.WithWhole(ctx)
		}
		ctx, age := cadence.WithAge(ctx)
		c, err := src.Snapshot(ctx)
		m := snapshotMsg{c: c, err: err, at: age.At(time.Now())}
		if err == nil {
			m.facts = hostmodel.FromCeph(c)
		}
		return m
	}
}

// Status implements pane.Pane.
func (p *Pane) Status() pane.Status {
	st := pane.Status{Updated: p.updated, Loading: p.loading, Err: p.err}
	// On screen its usage and pools are shown: a summary's age over an
	// older whole snapshot (just come on screen) would be fresher than
	// they are. Hidden, the summary's age is the one the cockpit uses.
	if p.cl != nil && !p.cl.LaidOver.IsZero() && p.cl.LaidOver.Before(st.Updated) && p.seen.On(p.now()) {
		st.Updated = p.cl.LaidOver
	}
	if p.cl != nil {
		note := "via " + p.cl.Source
		if len(p.cl.Notes) > 0 {
			note += ": " + p.cl.Notes[0]
		}
		st.Note = note
	}
	return st
}

// SetFilter implements pane.Pane.
func (p *Pane) SetFilter(text string) {
	p.filterText = text
	p.query = filter.Parse(text)
	p.rebuild()
}

// Pivot implements pane.Pivoter: "host:compute04" opens the OSD tree on
// that host; "pool:images" the pools section on that pool; "osd.6" or
// other text filters the current section.
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	if strings.Contains(query, "host:") || strings.Contains(query, "osd.") {
		p.section = SecOSDs
	}
	if strings.Contains(query, "pool:") {
		p.section = SecPools // an image's or a volume's pool
	}
	if p.cl == nil && !p.loading {
		return p.load()
	}
	return nil
}

// Back implements pane.Backer: collapse expanded detail first.
func (p *Pane) Back() bool {
	if p.expandAll || len(p.expanded) > 0 {
		p.expandAll = false
		p.expanded = map[string]bool{}
		p.rebuild()
		return true
	}
	return false
}

func (p *Pane) current() *table.Model {
	switch p.section {
	case SecOSDs:
		return p.osdTable()
	case SecPools:
		return p.pools
	case SecPGs:
		return p.pgs
	case SecMons:
		return p.mons
	}
	return p.health
}

// Update implements pane.Pane.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case snapshotMsg:
		p.loading = false
		if m.err != nil {
			p.err = m.err
			return p, p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Ceph, Err: m.err})
		}
		p.err = nil
		p.cl = m.c
		p.updated = m.at
		p.rebuild()
		return p, p.ctx.Observe(observation(m))
	case pane.TickMsg:
		if !p.loading && (p.wantWhole || p.now().Sub(p.lastTry) >= p.refreshEvery()) {
			return p, p.load()
		}
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "ceph-") {
			return p, p.load()
		}
	case tea.KeyPressMsg:
		return p, p.key(m.String())
	}
	return p, nil
}

func (p *Pane) is(key, action string) bool {
	return p.ctx.Keys != nil && p.ctx.Keys.Is(key, action)
}

func (p *Pane) key(k string) tea.Cmd {
	t := p.current()
	if t.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "ceph.next_section"):
		p.section = (p.section + 1) % numSections
	case p.is(k, "ceph.prev_section"):
		p.section = (p.section + numSections - 1) % numSections
	case p.is(k, "ceph.expand"):
		p.expandAll = !p.expandAll
		p.expanded = map[string]bool{}
		p.rebuild()
	case p.is(k, "table.copy"):
		if r, ok := t.Selected(); ok {
			text := copyText(r.Key)
			if p.section == SecHealth {
				text = strings.TrimSpace(r.Cells[0].Text) // the line, as `ceph health detail` prints it
			}
			return pane.Copy(text, safe.Line)
		}
	case p.is(k, "table.open"):
		return p.open()
	case p.is(k, "ceph.compute"):
		return p.pivotHost("compute")
	case p.is(k, "ceph.containers"):
		return p.pivotHost("containers")
	case p.is(k, "ceph.logs"):
		return p.pivotHost("logs")
	case p.is(k, "ceph.noout"):
		return p.nooutCmd()
	case p.is(k, "ceph.osd_noout"):
		return p.osdCmd("noout")
	case p.is(k, "ceph.out"):
		return p.osdCmd("out")
	case p.is(k, "ceph.in"):
		return p.osdCmd("in")
	}
	return nil
}

// copyText turns a row key into what an operator pastes: "osd.6",
// "compute04", a check type, a pool name.
func copyText(key string) string {
	_, v, ok := strings.Cut(key, ":")
	if !ok {
		return key
	}
	if strings.HasPrefix(key, "osd:") {
		return "osd." + v
	}
	if i := strings.Index(v, "#"); i >= 0 {
		v = v[:i]
	}
	return v
}

func (p *Pane) open() tea.Cmd {
	r, ok := p.current().Selected()
	if !ok {
		return nil
	}
	if p.section == SecHealth {
		if typ, ok := strings.CutPrefix(r.Key, "check:"); ok {
			typ, _, _ = strings.Cut(typ, "#")
			p.expanded[typ] = !p.expanded[typ]
			p.rebuild()
			p.health.SelectKey("check:" + typ)
			return nil
		}
	}
	return p.pivotHost("compute")
}

// selectedHost is the host of the cursor row: an OSD's or host row's host,
// a mon's host, or the host a health detail line names.
func (p *Pane) selectedHost() string {
	r, ok := p.current().Selected()
	if !ok || p.cl == nil {
		return ""
	}
	kind, v, _ := strings.Cut(r.Key, ":")
	switch kind {
	case "host":
		return v
	case "osd":
		var id int
		if _, err := fmt.Sscanf(v, "%d", &id); err == nil {
			if o, ok := p.cl.OSD(id); ok {
				return o.Host
			}
		}
	case "mon":
		for _, m := range p.cl.Mons {
			if m.Name == v {
				return m.Host
			}
		}
	}
	return hostInText(r.Cells[0].Text)
}

var hostRe = regexp.MustCompile(`host[= ]([A-Za-z0-9][A-Za-z0-9._-]*)`)

func hostInText(s string) string {
	if m := hostRe.FindStringSubmatch(s); m != nil && m[1] != "default" {
		return strings.TrimRight(m[1], ",)")
	}
	return ""
}

func (p *Pane) pivotHost(target string) tea.Cmd {
	h := p.selectedHost()
	if h == "" || h == "(no host)" {
		return pane.Toast(themes.Info, "select an OSD, host, mon or a detail line that names a host")
	}
	return pane.Pivot(target, "host:"+h)
}

func (p *Pane) selectedOSD() (ds.OSD, bool) {
	if p.section != SecOSDs || p.cl == nil {
		return ds.OSD{}, false
	}
	r, ok := p.osdTable().Selected()
	if !ok {
		return ds.OSD{}, false
	}
	v, ok := strings.CutPrefix(r.Key, "osd:")
	if !ok {
		return ds.OSD{}, false
	}
	var id int
	if _, err := fmt.Sscanf(v, "%d", &id); err != nil {
		return ds.OSD{}, false
	}
	return p.cl.OSD(id)
}

func (p *Pane) noActor() tea.Cmd {
	src := "this source"
	if p.cl != nil {
		src = p.cl.Source
	}
	return pane.Toast(themes.Warn, "Ceph actions need the mgr dashboard API (data comes from "+src+")")
}

func (p *Pane) nooutCmd() tea.Cmd {
	if p.actor == nil {
		return p.noActor()
	}
	if p.cl == nil {
		return pane.Toast(themes.Info, "Ceph status not loaded yet")
	}
	on := !p.cl.HasFlag("noout")
	a := p.readBack(NooutAction(p.actor, on), ops.CephChange{Kind: ops.CephNoout, On: on})
	down := 0
	for _, o := range p.cl.OSDs {
		if !o.Up && o.In {
			down++
		}
	}
	if on {
		a.Checks = append(a.Checks, fmt.Sprintf("cluster is %s; %d OSD(s) down and still in", p.cl.Status, down))
	} else if down > 0 {
		a.Checks = append(a.Checks, fmt.Sprintf("%d OSD(s) are down: without noout the mon marks them out after mon_osd_down_out_interval and data moves", down))
	}
	return pane.RunAction(a)
}

func (p *Pane) osdCmd(op string) tea.Cmd {
	if p.actor == nil {
		return p.noActor()
	}
	o, ok := p.selectedOSD()
	if !ok {
		return pane.Toast(themes.Info, "select an OSD row in the OSDs section ("+p.ctx.KeyText("ceph.next_section")+" cycles sections)")
	}
	var a pane.Action
	switch op {
	case "noout":
		a = p.readBack(OSDNooutAction(p.actor, o.ID, o.Host, !o.Noout), ops.CephChange{Kind: ops.CephOSDNoout, OSD: o.ID, On: !o.Noout})
	case "out":
		if !o.In {
			return pane.Toast(themes.Info, o.Name+" is already out")
		}
		a = p.readBack(MarkAction(p.actor, o.ID, o.Host, false), ops.CephChange{Kind: ops.CephMark, OSD: o.ID})
		a.Checks = append(a.Checks, fmt.Sprintf("%s on %s is %s with %d PGs", o.Name, o.Host, upDown(o.Up), o.PGs))
		if s := ds.SummarizePGs(p.cl.PGStates); s.Degraded > 0 {
			a.Checks = append(a.Checks, fmt.Sprintf("cluster already has %d degraded PGs (%s)", s.Degraded, p.cl.Status))
		}
		if p.cl.HasFlag("noout") {
			a.Checks = append(a.Checks, "noout is set cluster-wide; an explicit out still moves data")
		}
	case "in":
		if o.In {
			return pane.Toast(themes.Info, o.Name+" is already in")
		}
		a = p.readBack(MarkAction(p.actor, o.ID, o.Host, true), ops.CephChange{Kind: ops.CephMark, OSD: o.ID, On: true})
		a.Checks = append(a.Checks, fmt.Sprintf("%s on %s is %s", o.Name, o.Host, upDown(o.Up)))
	}
	return pane.RunAction(a)
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "DOWN"
}

// NooutAction sets (on) or unsets the cluster-wide noout flag, verified by
// reading the flags back.
func NooutAction(a ds.Actor, on bool) pane.Action {
	check := "down OSDs will be marked out after mon_osd_down_out_interval and their data rebalanced"
	if on {
		check = "the mon will not mark down OSDs out: no rebalancing, degraded PGs stay degraded until the OSDs return"
	}
	c := ops.CephChange{Kind: ops.CephNoout, On: on}
	act := cephAction(a, c)
	act.ConfirmYes, act.Checks = true, []string{check}
	act.Details = map[string]string{"flag": "noout", "op": verbOf(on)}
	return act
}

// OSDNooutAction sets or unsets noout on one OSD, verified by read-back.
func OSDNooutAction(a ds.Actor, id int, host string, on bool) pane.Action {
	c := ops.CephChange{Kind: ops.CephOSDNoout, OSD: id, On: on}
	act := cephAction(a, c)
	act.ConfirmYes = true
	act.Checks = []string{fmt.Sprintf("%s on %s: noout %s for this OSD only", c.OSDName(), host, verbOf(on))}
	act.Details = map[string]string{"osd": c.OSDName(), "host": host, "flag": "noout", "op": verbOf(on)}
	return act
}

// MarkAction marks an OSD in or out, verified by reading the OSD map back
// (the dashboard answers 200 even when nothing changed). Marking out needs
// the OSD's name typed: it moves data.
func MarkAction(a ds.Actor, id int, host string, in bool) pane.Action {
	c := ops.CephChange{Kind: ops.CephMark, OSD: id, On: in}
	name := c.OSDName()
	act := cephAction(a, c)
	act.Details = map[string]string{"osd": name, "host": host}
	if in {
		act.ConfirmYes = true
		act.Checks = []string{"data will move back onto " + name + " (backfill)"}
	} else {
		act.Confirm = name
		act.Checks = []string{"marking " + name + " out moves its placement groups to other OSDs (recovery/backfill load)"}
	}
	return act
}

// cephAction runs c through ops.ChangeCeph.
func cephAction(a ds.Actor, c ops.CephChange) pane.Action {
	return pane.Action{Name: c.Name(), Target: c.Target(), Mutates: true,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			return ops.ChangeCeph(ctx, a, c, func(s ops.Step) {
				if report != nil {
					report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
				}
			})
		}}
}

// readBack reads a lost reply's outcome back from the cluster's state.
func (p *Pane) readBack(a pane.Action, c ops.CephChange) pane.Action {
	src := p.src
	a.Reconcile = func(ctx context.Context) (bool, string, error) {
		return ops.ReadBackCeph(ctx, src, c, 0, 0)
	}
	return a
}

func verbOf(on bool) string {
	if on {
		return "set"
	}
	return "unset"
}

// ---- rows ----

func (p *Pane) rebuild() {
	if p.cl == nil {
		return
	}
	p.health.SetRows(p.healthRows())
	p.seen.Defer(p.now(), p.makeOSDs)
	p.pools.SetRows(p.poolRows())
	p.pgs.SetRows(p.pgRows())
	p.mons.SetRows(p.monRows())
}

// makeOSDs makes the OSD tree's rows: the biggest table (issue 15: at
// 1,000 hosts some 10,000 OSDs regrouped on every snapshot), so a hidden
// pane leaves it to osdTable.
func (p *Pane) makeOSDs() {
	p.seen.Made()
	p.osdBuilds++
	p.osds.SetRows(p.osdRows())
}

// osdTable is the OSD tree with its rows made if a snapshot or filter
// left them stale: every reader goes through it, so none sees old rows.
func (p *Pane) osdTable() *table.Model {
	if p.cl != nil {
		p.seen.Fresh(p.makeOSDs)
	}
	return p.osds
}

func sevWord(sev string) (string, themes.Role) {
	switch sev {
	case ds.HealthErr:
		return "[ERR]", themes.Crit
	case ds.HealthWarn:
		return "[WRN]", themes.Warn
	case ds.HealthOK:
		return "[OK]", themes.OK
	}
	return "[" + sev + "]", themes.Info
}

// StatusWord renders an overall status with a symbol, never colour alone.
func StatusWord(status string) (string, themes.Role) {
	switch status {
	case ds.HealthOK:
		return "HEALTH_OK ✓", themes.OK
	case ds.HealthWarn:
		return "HEALTH_WARN ⚠", themes.Warn
	case ds.HealthErr:
		return "HEALTH_ERR ✗", themes.Crit
	case "":
		return "HEALTH_UNKNOWN ?", themes.Muted
	}
	return status + " ?", themes.Info
}

func (p *Pane) matchLine(text, typ, host string) bool {
	if p.query.Empty() {
		return true
	}
	return p.query.Match(map[string]string{"text": text, "type": typ, "check": typ, "host": host})
}

func (p *Pane) healthRows() []table.Row {
	c := p.cl
	var rows []table.Row
	n := 0
	add := func(key, text string, role themes.Role) {
		n++
		rows = append(rows, table.Row{Key: fmt.Sprintf("%s#%d", key, n), Cells: []table.Cell{table.C(text)}, Role: role})
	}
	for _, note := range c.Notes {
		add("note", "! "+note, themes.Warn)
	}
	word, role := StatusWord(c.Status)
	var sums []string
	for _, ch := range c.Checks {
		sums = append(sums, ch.Summary)
	}
	head := word
	if len(sums) > 0 {
		head += " " + strings.Join(sums, "; ")
	} else if c.Status == ds.HealthOK {
		head += " no health checks"
	}
	if p.query.Empty() {
		rows = append(rows, table.Row{Key: "status", Cells: []table.Cell{table.C(head)}, Role: role})
	}
	checks := append([]ds.Check(nil), c.Checks...)
	sort.SliceStable(checks, func(i, j int) bool {
		return ds.SeverityRank(checks[i].Severity) > ds.SeverityRank(checks[j].Severity)
	})
	for _, ch := range checks {
		w, r := sevWord(ch.Severity)
		line := fmt.Sprintf("%s %s: %s", w, ch.Type, ch.Summary)
		if ch.Muted {
			line += " (muted)"
			r = themes.Muted
		}
		headMatch := p.matchLine(line, ch.Type, hostInText(strings.Join(ch.Detail, " ")))
		var details []string
		for _, d := range ch.Detail {
			if headMatch || p.matchLine(d, ch.Type, hostInText(d)) {
				details = append(details, d)
			}
		}
		if !headMatch && len(details) == 0 {
			continue
		}
		rows = append(rows, table.Row{Key: "check:" + ch.Type, Cells: []table.Cell{table.C(line)}, Role: r})
		limit := len(details)
		if !p.expandAll && !p.expanded[ch.Type] && limit > collapsedDetail {
			limit = collapsedDetail
		}
		for _, d := range details[:limit] {
			add("check:"+ch.Type, "    "+d, themes.Normal)
		}
		if more := len(details) - limit; more > 0 {
			n++
			rows = append(rows, table.Row{Key: fmt.Sprintf("check:%s#more%d", ch.Type, n),
				Cells: []table.Cell{table.C(fmt.Sprintf("    … %d more (enter on the check or %s expands)", more, p.ctx.KeyText("ceph.expand")))}, Role: themes.Muted})
		}
	}
	// Crashes.
	var crashRows []table.Row
	for i, cr := range c.Crashes {
		text := "  " + cr.Line
		if cr.Daemon != "" {
			text = fmt.Sprintf("  %-8s host %-12s %s (%s ago)", cr.Daemon, cr.Host, cr.Time.UTC().Format("2006-01-02 15:04:05Z"),
				pane.Age(p.now().Sub(cr.Time)))
		}
		if p.matchLine(text, "RECENT_CRASH", cr.Host) {
			crashRows = append(crashRows, table.Row{Key: fmt.Sprintf("crash:%s#%d", cr.Daemon, i), Cells: []table.Cell{table.C(text)}, Role: themes.Warn})
		}
	}
	if p.query.Empty() || len(crashRows) > 0 {
		add("sep", "", themes.Normal)
		add("hdr-crash", fmt.Sprintf("Recent crashes (%d)", len(c.Crashes)), themes.Header)
		if len(c.Crashes) == 0 {
			add("none", "  none", themes.Muted)
		}
		rows = append(rows, crashRows...)
	}
	if p.query.Empty() {
		add("sep", "", themes.Normal)
		add("hdr-rec", "Recovery", themes.Header)
		for i, pr := range c.Progress {
			rows = append(rows, table.Row{Key: fmt.Sprintf("progress#%d", i), Role: themes.Info,
				Cells: []table.Cell{table.C(fmt.Sprintf("  %s %s", table.Bar(pr.Fraction, 16), pr.Message))}})
		}
		if line := recoveryLine(c); line != "" {
			add("rec", "  "+line, themes.Normal)
		} else if len(c.Progress) == 0 {
			add("rec", "  no recovery in progress", themes.Muted)
		}
	}
	return rows
}

func recoveryLine(c *ds.Cluster) string {
	var parts []string
	o := c.Objects
	if o.Degraded > 0 {
		parts = append(parts, fmt.Sprintf("degraded objects %d/%d (%.1f%%)", o.Degraded, o.Copies, pct(o.Degraded, o.Copies)))
	}
	if o.Misplaced > 0 {
		parts = append(parts, fmt.Sprintf("misplaced %d", o.Misplaced))
	}
	if o.Unfound > 0 {
		parts = append(parts, fmt.Sprintf("UNFOUND %d", o.Unfound))
	}
	if c.RecoveryBytesPerSec > 0 {
		parts = append(parts, "recovering "+Bytes(int64(c.RecoveryBytesPerSec))+"/s")
	}
	return strings.Join(parts, " · ")
}

func pct(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func (p *Pane) osdRows() []table.Row {
	c := p.cl
	byHost := map[string][]ds.OSD{}
	for _, o := range c.OSDs {
		byHost[o.Host] = append(byHost[o.Host], o)
	}
	var rows []table.Row
	for _, h := range c.Hosts() {
		osds := byHost[h]
		var match []ds.OSD
		hostMatch := p.query.Empty() || p.query.Match(map[string]string{"host": h, "name": h})
		for _, o := range osds {
			if hostMatch || p.query.Match(osdFields(o)) {
				match = append(match, o)
			}
		}
		if len(match) == 0 {
			continue
		}
		var down, out, pgs int
		var used, total int64
		classes := map[string]bool{}
		for _, o := range osds {
			if !o.Up {
				down++
			}
			if !o.In {
				out++
			}
			pgs += o.PGs
			used += o.BytesUsed
			total += o.BytesTotal
			classes[o.DeviceClass] = true
		}
		status, sRole := "up", themes.OK
		switch {
		case down == len(osds):
			status, sRole = "DOWN", themes.Crit
		case down > 0:
			status, sRole = fmt.Sprintf("%d DOWN", down), themes.Crit
		}
		inText, iRole := "in", themes.Normal
		switch {
		case out == len(osds):
			inText, iRole = "OUT", themes.Warn
		case out > 0:
			inText, iRole = fmt.Sprintf("%d OUT", out), themes.Warn
		}
		var cl []string
		for k := range classes {
			cl = append(cl, k)
		}
		sort.Strings(cl)
		frac := 0.0
		if total > 0 {
			frac = float64(used) / float64(total)
		}
		rows = append(rows, table.Row{Key: "host:" + h, Role: themes.Title, Cells: []table.Cell{
			table.C(h + fmt.Sprintf(" (%d)", len(osds))), table.S(status, sRole), table.S(inText, iRole),
			table.C(strings.Join(cl, ",")), table.S(table.Bar(frac, 14), useRole(frac)),
			{Text: fmt.Sprint(pgs)}, table.C(""),
		}})
		for _, o := range match {
			rows = append(rows, p.osdRow(o))
		}
	}
	return rows
}

func osdFields(o ds.OSD) map[string]string {
	return map[string]string{"name": o.Name, "osd": o.Name, "host": o.Host, "status": upDown(o.Up), "in": inOut(o.In),
		"class": o.DeviceClass, "flags": strings.Join(osdFlags(o), ",")}
}

func inOut(in bool) string {
	if in {
		return "in"
	}
	return "OUT"
}

func osdFlags(o ds.OSD) []string {
	var f []string
	if o.Noout {
		f = append(f, "noout")
	}
	for _, s := range o.State {
		switch s {
		case "exists", "up", "new":
		default:
			f = append(f, s)
		}
	}
	return f
}

func useRole(frac float64) themes.Role {
	switch {
	case frac >= 0.95:
		return themes.Crit
	case frac >= 0.85:
		return themes.Warn
	}
	return themes.Normal
}

func (p *Pane) osdRow(o ds.OSD) table.Row {
	role := themes.Normal
	st, sRole := "up", themes.OK
	if !o.Up {
		st, sRole, role = "DOWN", themes.Crit, themes.Crit
	}
	in, iRole := "in", themes.Normal
	if !o.In {
		in, iRole = "OUT", themes.Warn
	}
	use := table.Bar(o.Utilisation(), 14)
	if o.BytesTotal == 0 {
		use = "-"
	}
	fl := osdFlags(o)
	flRole := themes.Normal
	if len(fl) > 0 {
		flRole = themes.Warn
	}
	return table.Row{Key: fmt.Sprintf("osd:%d", o.ID), Role: role, Cells: []table.Cell{
		table.C("  " + o.Name), table.S(st, sRole), table.S(in, iRole), table.C(o.DeviceClass),
		table.S(use, useRole(o.Utilisation())), {Text: fmt.Sprint(o.PGs)}, table.S(strings.Join(fl, ","), flRole),
	}}
}

func (p *Pane) poolRows() []table.Row {
	var rows []table.Row
	for _, pl := range p.cl.Pools {
		if !p.query.Empty() && !p.query.Match(map[string]string{"name": pl.Name, "pool": pl.Name, "app": strings.Join(pl.Apps, ","),
			"size": fmt.Sprint(pl.Size)}) {
			continue
		}
		role := themes.Normal
		note := strings.Join(pl.Apps, ",")
		noteRole := themes.Muted
		switch {
		case pl.NoRedundancy():
			note, noteRole, role = "⚠ NO REPLICAS", themes.Crit, themes.Warn
		case pl.MinSize > 0 && pl.Size > 0 && pl.MinSize >= pl.Size && pl.Type != "erasure":
			note, noteRole = "⚠ min_size = size", themes.Warn
		case len(pl.Apps) == 0:
			note, noteRole = "no application", themes.Warn
		}
		min := "?"
		if pl.MinSize > 0 {
			min = fmt.Sprint(pl.MinSize)
		}
		sizeCell := table.C(fmt.Sprint(pl.Size))
		if pl.NoRedundancy() {
			sizeCell = table.S("1 ⚠", themes.Crit)
			sizeCell.Sort = "1"
		}
		rows = append(rows, table.Row{Key: "pool:" + pl.Name, Role: role, Cells: []table.Cell{
			table.C(pl.Name), sizeCell, table.C(min), {Text: fmt.Sprint(pl.PGNum)},
			{Text: Bytes(pl.Stored), Sort: fmt.Sprint(pl.Stored)},
			{Text: table.Bar(pl.PercentUsed, 12), Role: useRole(pl.PercentUsed), Sort: fmt.Sprintf("%f", pl.PercentUsed)},
			{Text: Bytes(pl.MaxAvail), Sort: fmt.Sprint(pl.MaxAvail)},
			table.S(note, noteRole),
		}})
	}
	return rows
}

// PGRole is the display role of a PG state string.
func PGRole(state string) themes.Role {
	words := map[string]bool{}
	for _, w := range strings.Split(state, "+") {
		words[w] = true
	}
	switch {
	case state == "active+clean":
		return themes.OK
	case words["stale"] || words["down"] || words["incomplete"] || words["inconsistent"] || !words["active"] || words["unknown"]:
		return themes.Crit
	case words["degraded"] || words["undersized"]:
		return themes.Warn
	case words["recovering"] || words["recovery_wait"] || words["backfilling"] || words["backfill_wait"] || words["remapped"]:
		return themes.Info
	}
	return themes.Normal
}

func (p *Pane) pgRows() []table.Row {
	c := p.cl
	total := c.NumPGs()
	type kv struct {
		k string
		v int
	}
	var states []kv
	for k, v := range c.PGStates {
		states = append(states, kv{k, v})
	}
	sort.Slice(states, func(i, j int) bool {
		if states[i].v != states[j].v {
			return states[i].v > states[j].v
		}
		return states[i].k < states[j].k
	})
	var rows []table.Row
	for _, s := range states {
		var pools []string
		for _, pl := range c.Pools {
			if n := pl.PGStates[s.k]; n > 0 {
				pools = append(pools, fmt.Sprintf("%s %d", pl.Name, n))
			}
		}
		if !p.query.Empty() && !p.query.Match(map[string]string{"state": s.k, "pool": strings.Join(pools, " ")}) {
			continue
		}
		rows = append(rows, table.Row{Key: "pg:" + s.k, Role: PGRole(s.k), Cells: []table.Cell{
			table.C(s.k), {Text: fmt.Sprint(s.v)}, {Text: fmt.Sprintf("%.1f%%", pct(int64(s.v), int64(total)))},
			table.C(strings.Join(pools, ", ")),
		}})
	}
	return rows
}

func (p *Pane) monRows() []table.Row {
	var rows []table.Row
	for _, m := range p.cl.Mons {
		if !p.query.Empty() && !p.query.Match(map[string]string{"name": m.Name, "mon": m.Name, "host": m.Host}) {
			continue
		}
		q, role := "in", themes.OK
		if !m.InQuorum {
			q, role = "OUT ✗", themes.Crit
		}
		host := m.Host
		if host == "" {
			host = "-"
		}
		rows = append(rows, table.Row{Key: "mon:" + m.Name, Cells: []table.Cell{
			table.C(m.Name), {Text: fmt.Sprint(m.Rank)}, table.C(host), table.C(m.Addr), table.S(q, role),
		}})
	}
	return rows
}

// Bytes renders a byte count in IEC units: "9.2 TiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.current() }
