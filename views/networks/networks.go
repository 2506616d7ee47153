// Package networks is the networks pane: the Neutron resources operators
// chase, in two sections. Ports: binding failed, or DOWN/BUILD while their
// server is ACTIVE, with the binding host, owner, network, IPs and age.
// Routers: every L3 HA router with each agent's HA state, routers active
// on no agent or on several (split brain) first. Each section loads on its
// own, slower than the instance list (ports every 3 refresh periods,
// routers every 6: one l3-agents request per HA router), and publishes its
// stuck resources to the host model (strip, tab marker).
package networks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs; *openstack.Client satisfies it.
type Source interface {
	StuckPorts(ctx context.Context) ([]openstack.StuckPort, int, error)
	HARouters(ctx context.Context) ([]openstack.HARouter, error)
}

const loadTimeout = 30 * time.Second

// Section is one of the pane's two lists.
type Section int

const (
	SecPorts Section = iota
	SecRouters
	numSections
)

func (s Section) String() string { return [...]string{"Ports", "HA routers"}[s] }

// every is a section's reload period in refresh periods.
var every = [numSections]int{3, 6}

type part struct {
	loading bool
	err     error
	at      time.Time // last success
	tried   time.Time
}

// Pane is the networks pane.
type Pane struct {
	ctx     pane.Context
	src     Source
	section Section
	parts   [numSections]part
	tbls    [numSections]*table.Model

	ports     []openstack.StuckPort
	unchecked int
	routers   []openstack.HARouter

	filterText string
	query      filter.Query
}

// New makes the pane.
func New(ctx pane.Context, src Source) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	p := &Pane{ctx: ctx, src: src}
	p.tbls[SecPorts] = table.New(portColumns...)
	p.tbls[SecRouters] = table.New(routerColumns...)
	return p
}

var portColumns = []table.Column{
	{Title: "PORT", Min: 12},
	{Title: "STATUS", Width: 6},
	{Title: "PROBLEM", Min: 14},
	{Title: "HOST", Width: 10},
	{Title: "OWNER", Width: 12, HideBelow: 90},
	{Title: "NETWORK", Width: 12, HideBelow: 70},
	{Title: "IPS", Width: 15, HideBelow: 100},
	{Title: "SERVER", Width: 12, HideBelow: 120},
	{Title: "AGE", Width: 4, Right: true},
}

var routerColumns = []table.Column{
	{Title: "ROUTER", Min: 12},
	{Title: "PROBLEM", Min: 12},
	{Title: "AGENT HOST", Width: 10},
	{Title: "HA STATE", Width: 8},
	{Title: "AGENT", Width: 5},
	{Title: "ADMIN", Width: 5, HideBelow: 70},
	{Title: "ROUTER ID", Width: 36, HideBelow: 110},
}

func (p *Pane) ID() string          { return "networks" }
func (p *Pane) Title() string       { return "Networks" }
func (p *Pane) KeyGroups() []string { return []string{"networks", "table"} }
func (p *Pane) Capturing() bool     { return false }
func (p *Pane) Init() tea.Cmd       { return p.load(true) }
func (p *Pane) Refresh() tea.Cmd    { return p.load(true) }

// Section is the section shown.
func (p *Pane) Section() Section { return p.section }

// Table is the list the operator sees (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbls[p.section] }

// Status: the shown section's age and error; loading when either loads.
func (p *Pane) Status() pane.Status {
	pt := &p.parts[p.section]
	st := pane.Status{Updated: pt.at, Err: pt.err, Every: p.ctx.Refresh * time.Duration(every[p.section])}
	if errors.Is(pt.err, openstack.ErrNoService) {
		st.Err = nil
	}
	for i := range p.parts {
		st.Loading = st.Loading || p.parts[i].loading
	}
	return st
}

// SetFilter: host: status: network: owner: router: state:, free text.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	p.rebuild()
}

// Pivot opens the pane on a query; "section:routers" shows the routers.
func (p *Pane) Pivot(query string) tea.Cmd {
	var rest []string
	for _, f := range strings.Fields(query) {
		switch f {
		case "section:routers", "routers":
			p.section = SecRouters
		case "section:ports", "ports":
			p.section = SecPorts
		default:
			rest = append(rest, f)
		}
	}
	p.SetFilter(strings.Join(rest, " "))
	return p.load(false)
}

type portsMsg struct {
	ports     []openstack.StuckPort
	unchecked int
	err       error
	asOf      time.Time // non-zero: a shared answer's time (serve)
}

type routersMsg struct {
	routers []openstack.HARouter
	err     error
	asOf    time.Time
}

// LoadKey lets the shell drop an older list that lands after a newer one.
func (portsMsg) LoadKey() string   { return "networks/ports" }
func (routersMsg) LoadKey() string { return "networks/routers" }

// load starts the sections that are due (all when force), never two loads
// of one section at once.
func (p *Pane) load(force bool) tea.Cmd {
	if p.src == nil {
		return nil
	}
	now := p.ctx.Now()
	var cmds []tea.Cmd
	for s := Section(0); s < numSections; s++ {
		pt := &p.parts[s]
		due := force || pt.tried.IsZero() || now.Sub(pt.tried) >= p.ctx.Refresh*time.Duration(every[s])
		if pt.loading || !due {
			continue
		}
		pt.loading, pt.tried = true, now
		src := p.src
		// The section's own period goes with its reads: under `stackpit
		// serve` an answer that young is every session's (sessions asked
		// each at their own moments: 7 → 16 port lists a minute at 20).
		period := p.ctx.Refresh * time.Duration(every[s])
		switch s {
		case SecPorts:
			cmds = append(cmds, func() tea.Msg {
				ctx, cancel := context.WithTimeout(cadence.With(context.Background(), period), loadTimeout)
				defer cancel()
				ctx, age := cadence.WithAge(ctx)
				ps, n, err := src.StuckPorts(ctx)
				return portsMsg{ports: ps, unchecked: n, err: err, asOf: age.Oldest()}
			})
		case SecRouters:
			cmds = append(cmds, func() tea.Msg {
				ctx, cancel := context.WithTimeout(cadence.With(context.Background(), period), loadTimeout)
				defer cancel()
				ctx, age := cadence.WithAge(ctx)
				rs, err := src.HARouters(ctx)
				return routersMsg{routers: rs, err: err, asOf: age.Oldest()}
			})
		}
	}
	return tea.Batch(cmds...)
}

// observe publishes a section's stuck resources (or its failure).
func (p *Pane) observe(s Section, rs []hostmodel.StuckResource, err error) tea.Cmd {
	if errors.Is(err, openstack.ErrNoService) {
		return nil
	}
	scope := "ports"
	if s == SecRouters {
		scope = "routers"
	}
	return p.ctx.Observe(hostmodel.Observation{Pane: "networks", Source: hostmodel.Neutron, Scope: scope,
		At: p.ctx.Now(), Facts: hostmodel.StuckFacts(rs), Err: err})
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case portsMsg:
		pt := &p.parts[SecPorts]
		pt.loading, pt.err = false, m.err
		if m.err == nil {
			p.ports, p.unchecked, pt.at = m.ports, m.unchecked, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.rebuild()
		}
		return p, p.observe(SecPorts, hostmodel.FromStuckPorts(m.ports), m.err)
	case routersMsg:
		pt := &p.parts[SecRouters]
		pt.loading, pt.err = false, m.err
		if m.err == nil {
			p.routers, pt.at = m.routers, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.rebuild()
		}
		return p, p.observe(SecRouters, hostmodel.FromHARouters(m.routers), m.err)
	case pane.TickMsg:
		return p, p.load(false)
	case tea.KeyPressMsg:
		return p, p.key(m.String())
	}
	return p, nil
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(k string) tea.Cmd {
	switch {
	case p.is(k, "networks.next_section"):
		p.section = (p.section + 1) % numSections
		return nil
	case p.is(k, "networks.prev_section"):
		p.section = (p.section + numSections - 1) % numSections
		return nil
	case p.is(k, "global.refresh"):
		return p.load(true)
	}
	if p.Table().HandleKey(p.is, k) {
		return nil
	}
	r, ok := p.Table().Selected()
	if !ok {
		return nil
	}
	t := p.target(r.Key)
	switch {
	case p.is(k, "networks.host"):
		if t.host == "" {
			return pane.Toast(themes.Warn, "no host bound")
		}
		return pane.Pivot("compute", "host:"+t.host)
	case p.is(k, "networks.instance"), p.is(k, "table.open") && t.server != "":
		if t.server == "" {
			return pane.Toast(themes.Warn, "not a server's port")
		}
		return pane.Pivot("instances", "id:"+t.server)
	case p.is(k, "networks.logs"), p.is(k, "table.open"):
		return pane.Pivot("logs", "id:"+t.id)
	case p.is(k, "table.copy"):
		return pane.Copy(t.id, safe.Line)
	}
	return nil
}

// target is what the selected row points at.
type target struct{ id, host, server string }

func (p *Pane) target(key string) target {
	if p.section == SecPorts {
		for _, sp := range p.ports {
			if sp.ID == key {
				t := target{id: sp.ID, host: sp.HostID}
				if strings.HasPrefix(sp.DeviceOwner, "compute:") {
					t.server = sp.DeviceID
				}
				return t
			}
		}
		return target{}
	}
	id, host, _ := strings.Cut(key, "/")
	return target{id: id, host: host}
}

// rebuild makes both tables' rows from the last lists and the filter.
func (p *Pane) rebuild() {
	now := p.ctx.Now()
	rows := make([]table.Row, 0, len(p.ports))
	for _, sp := range p.ports {
		if !p.query.Empty() && !p.query.Match(portFields(sp)) {
			continue
		}
		rows = append(rows, portRow(sp, now))
	}
	p.tbls[SecPorts].SetRows(rows)

	rows = rows[:0:0]
	var bad, good []table.Row
	for _, r := range p.routers {
		problem := hostmodel.RouterProblem(r)
		if r.Err != nil {
			problem = "agents not read: " + r.Err.Error()
		}
		name := r.Name
		if name == "" {
			name = r.ID
		}
		agents := r.Agents
		if len(agents) == 0 {
			agents = []openstack.RouterAgent{{}}
		}
		for _, a := range agents {
			if !p.query.Empty() && !p.query.Match(routerFields(r, a, problem)) {
				continue
			}
			row := routerRow(r, a, name, problem)
			if problem != "" {
				bad = append(bad, row)
			} else {
				good = append(good, row)
			}
		}
	}
	rows = append(append(rows, bad...), good...)
	p.tbls[SecRouters].SetRows(rows)
}

func portFields(sp openstack.StuckPort) map[string]string {
	return map[string]string{"id": sp.ID, "name": sp.Name, "status": sp.Status, "problem": sp.Reason, "host": sp.HostID,
		"owner": sp.DeviceOwner, "network": sp.NetworkName + " " + sp.NetworkID, "ip": strings.Join(sp.FixedIPs, " "),
		"server": sp.DeviceID, "project": sp.ProjectID}
}

func routerFields(r openstack.HARouter, a openstack.RouterAgent, problem string) map[string]string {
	return map[string]string{"id": r.ID, "router": r.Name, "name": r.Name, "problem": problem, "host": a.Host,
		"state": a.HAState, "project": r.ProjectID}
}

func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return pane.Age(now.Sub(t))
}

func portRow(sp openstack.StuckPort, now time.Time) table.Row {
	name := sp.Name
	if name == "" {
		name = sp.ID
	}
	net := sp.NetworkName
	if net == "" {
		net = sp.NetworkID
	}
	role := themes.Warn
	if sp.VIFType == "binding_failed" {
		role = themes.Crit
	}
	var ageSort string
	if !sp.Updated.IsZero() {
		ageSort = fmt.Sprintf("%012d", int64(now.Sub(sp.Updated)/time.Second))
	}
	return table.Row{Key: sp.ID, Role: role, Cells: []table.Cell{
		table.C(name), table.S(sp.Status, role), table.S(sp.Reason, role), table.C(orDash(sp.HostID)),
		table.C(orDash(sp.DeviceOwner)), table.C(orDash(net)), table.C(orDash(strings.Join(sp.FixedIPs, ","))),
		table.C(orDash(sp.DeviceID)), {Text: age(now, sp.Updated), Sort: ageSort},
	}}
}

func routerRow(r openstack.HARouter, a openstack.RouterAgent, name, problem string) table.Row {
	role := themes.Normal
	if problem != "" {
		role = themes.Crit
	}
	alive, admin := "-", "-"
	if a.AgentID != "" {
		alive, admin = "alive", "up"
		if !a.Alive {
			alive = "DEAD"
		}
		if !a.AdminUp {
			admin = "down"
		}
	}
	state := table.C(orDash(a.HAState))
	if a.HAState == "active" {
		state.Role = themes.OK
		if problem != "" {
			state.Role = themes.Crit
		}
	}
	return table.Row{Key: r.ID + "/" + a.Host, Role: role, Cells: []table.Cell{
		table.C(name), table.S(orDash(problem), role), table.C(orDash(a.Host)), state,
		table.C(alive), table.C(admin), table.C(r.ID),
	}}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
	var lines []string
	line := func(role themes.Role, s string) { lines = append(lines, th.Render(role, safe.Fit(s, width))) }
	for s := Section(0); s < numSections; s++ {
		role, text := p.partLine(s, now)
		line(role, text)
	}
	var tabs []string
	for s := Section(0); s < numSections; s++ {
		name := s.String()
		if s == p.section {
			name = "[" + name + "]"
		}
		tabs = append(tabs, name)
	}
	hint := "   (s/]: section · h host · i server · l logs)"
	if p.filterText != "" {
		hint = "   filter: " + safe.Text(p.filterText) + fmt.Sprintf(" (%d shown)", p.Table().Len())
	}
	line(themes.Header, strings.Join(tabs, "  ")+hint)
	body := height - len(lines)
	if body > 0 {
		pt := &p.parts[p.section]
		switch {
		case pt.at.IsZero() && pt.loading:
			line(themes.Muted, "loading…")
		case p.Table().Len() == 0 && !pt.at.IsZero():
			empty := "no stuck ports: none binding_failed, none DOWN/BUILD with an ACTIVE server"
			if p.section == SecRouters {
				empty = "no HA routers"
			}
			if p.filterText != "" {
				empty = "nothing matches the filter"
			}
			line(themes.Muted, empty)
		default:
			lines = append(lines, strings.Split(p.Table().View(width, body, th), "\n")...)
		}
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// partLine is one section's status: its count, age, or error.
func (p *Pane) partLine(s Section, now time.Time) (themes.Role, string) {
	pt := &p.parts[s]
	var b strings.Builder
	role := themes.Muted
	switch s {
	case SecPorts:
		fmt.Fprintf(&b, "ports: %d stuck", len(p.ports))
		failed := 0
		for _, sp := range p.ports {
			if sp.VIFType == "binding_failed" {
				failed++
			}
		}
		if failed > 0 {
			fmt.Fprintf(&b, " (%d binding failed)", failed)
		}
		if len(p.ports) > 0 {
			role = themes.Warn
			if failed > 0 {
				role = themes.Crit
			}
		}
		if p.unchecked > 0 {
			fmt.Fprintf(&b, " · %d DOWN ports of servers not checked (limit)", p.unchecked)
		}
	case SecRouters:
		broken := 0
		for _, r := range p.routers {
			if hostmodel.RouterProblem(r) != "" {
				broken++
			}
		}
		fmt.Fprintf(&b, "HA routers: %d", len(p.routers))
		if broken > 0 {
			fmt.Fprintf(&b, " · %d not active on exactly one agent", broken)
			role = themes.Crit
		}
	}
	switch {
	case errors.Is(pt.err, openstack.ErrNoService):
		return themes.Muted, s.String() + ": Neutron is not in this cloud's catalog"
	case pt.err != nil:
		msg := "✗ " + strings.ToLower(s.String()) + " failed"
		if !pt.at.IsZero() {
			msg += " (showing data from " + pane.DataAge(now.Sub(pt.at)) + " ago)"
		}
		return themes.Crit, msg + ": " + pt.err.Error()
	case pt.at.IsZero() && pt.loading:
		return themes.Muted, s.String() + ": loading…"
	case pt.at.IsZero():
		return themes.Muted, s.String() + ": no data"
	}
	b.WriteString(" · updated " + pane.FreshAge(now.Sub(pt.at), p.ctx.Refresh*time.Duration(every[s])) + " ago")
	if pt.loading && now.Sub(pt.tried) >= pane.SlowRefresh {
		b.WriteString(" · refreshing…")
	}
	return role, b.String()
}
