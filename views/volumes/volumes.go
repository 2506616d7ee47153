// Package volumes is the Cinder volumes pane: every volume of every
// project with its backend host, attachments (server names), migration
// status and how long it has been in its status. Volumes stuck in a
// transitional status (attaching, detaching, deleting, ...) longer than the
// stuck threshold come first and are flagged, then volumes in error. Its
// actions (reset status, force delete, detach a stale attachment, retype,
// migrate) are ops.ChangeVolume runs handed to the shell.
package volumes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
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
	// VolumesSince lists every volume (zero since) or those updated since.
	VolumesSince(ctx context.Context, since time.Time) (openstack.VolumeList, error)
	// ServerNames names attached servers (IDs it cannot name are absent).
	ServerNames(ctx context.Context, ids []string) (map[string]string, error)
	Projects(ctx context.Context) (map[string]string, error)
	ops.VolumeActor
}

const loadTimeout = 30 * time.Second

// DefaultStuckAfter is how long a transitional status may last before the
// volume counts as stuck.
const DefaultStuckAfter = 10 * time.Minute

// DefaultPool is the Ceph pool Kolla-Ansible's Cinder RBD backend uses.
const DefaultPool = "volumes"

// Transitional statuses: Cinder should leave them by itself. error_deleting
// is not transitional but is what operators chase with them.
var transitional = map[string]bool{
	"creating": true, "attaching": true, "detaching": true, "deleting": true, "error_deleting": true,
	"extending": true, "reserved": true, "maintenance": true, "downloading": true, "uploading": true,
	"retyping": true, "backing-up": true, "restoring-backup": true, "awaiting-transfer": true,
}

// DefaultFullEvery is how often the whole list is read again; refreshes
// in between read only the volumes that changed (deleted ones leave at the
// next whole list, or at once after an action of ours).
const DefaultFullEvery = 5 * time.Minute

// Options tune the pane.
type Options struct {
	StuckAfter time.Duration // default DefaultStuckAfter
	Pool       string        // Ceph pool for the p pivot; default DefaultPool
	FullEvery  time.Duration // default DefaultFullEvery
}

type row struct {
	v        openstack.Volume
	servers  []string // attached servers' names (or IDs when unnamed)
	project  string
	age      time.Duration // in status (since updated_at)
	stuck    bool
	errored  bool
	fields   map[string]string // lower-cased, for the filter
	all      string            // every field, NUL-joined: one search per free-text term
	migStuck bool
	tr       table.Row // built once per load: a keystroke only filters
}

// Pane is the volumes pane.
type Pane struct {
	ctx    pane.Context
	src    Source
	opts   Options
	tbl    *table.Model
	prompt uiprompt.Prompt

	vols     map[string]openstack.Volume // by ID
	since    time.Time                   // next delta's since (zero: whole list)
	wantFull bool                        // the next load lists everything
	lastFull time.Time
	names    map[string]string
	projects map[string]string
	rows     []row          // sorted: stuck, error, the rest
	index    map[string]int // volume ID -> rows index
	nStuck   int            // counted at rebuild, for the header
	nErr     int
	err      error
	loading  bool
	at       time.Time
	lastTry  time.Time

	filterText string
	query      filter.Query
	stuckOnly  bool
}

// New makes the pane.
func New(ctx pane.Context, src Source, o Options) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = DefaultStuckAfter
	}
	if o.Pool == "" {
		o.Pool = DefaultPool
	}
	if o.FullEvery <= 0 {
		o.FullEvery = DefaultFullEvery
	}
	return &Pane{ctx: ctx, src: src, opts: o, tbl: table.New(columns...)}
}

var columns = []table.Column{
	{Title: "STATUS", Width: 16},
	{Title: "NAME", Min: 12},
	{Title: "SIZE", Width: 6, Right: true},
	{Title: "TYPE", Width: 8, HideBelow: 90},
	{Title: "HOST", Min: 10, HideBelow: 70},
	{Title: "ATTACHED TO", Min: 12},
	{Title: "MIGRATION", Width: 12, HideBelow: 110},
	{Title: "AGE IN STATUS", Width: 13, Right: true},
}

func (p *Pane) ID() string          { return "volumes" }
func (p *Pane) Title() string       { return "Volumes" }
func (p *Pane) KeyGroups() []string { return []string{"volumes", "table"} }
func (p *Pane) Capturing() bool     { return p.prompt.Active }
func (p *Pane) Init() tea.Cmd       { return p.load() }
func (p *Pane) Refresh() tea.Cmd    { return p.full() }

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbl }

// Status reports the list's age and error.
func (p *Pane) Status() pane.Status {
	return pane.Status{Updated: p.at, Loading: p.loading, Err: p.err}
}

// SetFilter: status: name: host: project: type: server: id: migration:
// stuck:yes; free text matches any of them.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	p.apply()
}

// Pivot opens the pane on a query ("host:control01", "server:<id>").
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	return p.load()
}

type loadedMsg struct {
	list     openstack.VolumeList
	names    map[string]string
	projects map[string]string
	err      error
}

// full reads the whole list now (ctrl+r, after our own actions).
// A full asked for while a load is in flight runs when that one lands.
func (p *Pane) full() tea.Cmd {
	p.wantFull = true
	return p.load()
}

// LoadKey lets the shell drop an older list that lands after a newer one.
func (loadedMsg) LoadKey() string { return "volumes" }

func (p *Pane) load() tea.Cmd {
	if p.src == nil || p.loading {
		return nil
	}
	p.loading, p.lastTry = true, p.ctx.Now()
	src, since := p.src, p.since
	if p.wantFull || p.ctx.Now().Sub(p.lastFull) >= p.opts.FullEvery {
		since, p.wantFull = time.Time{}, false
	}
	// Names for every attached server shown, not only the changed ones
	// (the source caches them).
	var ids []string
	seen := map[string]bool{}
	for _, v := range p.vols {
		for _, a := range v.Attachments {
			if a.ServerID != "" && !seen[a.ServerID] {
				seen[a.ServerID] = true
				ids = append(ids, a.ServerID)
			}
		}
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		l, err := src.VolumesSince(ctx, since)
		if err != nil {
			return loadedMsg{err: err}
		}
		for _, v := range l.Volumes {
			for _, a := range v.Attachments {
				if a.ServerID != "" && !seen[a.ServerID] {
					seen[a.ServerID] = true
					ids = append(ids, a.ServerID)
				}
			}
		}
		// Names are a nicety: without them the IDs show.
		var names map[string]string
		if len(ids) > 0 {
			names, _ = src.ServerNames(ctx, ids)
		}
		projects, _ := src.Projects(ctx)
		return loadedMsg{list: l, names: names, projects: projects}
	}
}

// Update handles messages.
// observe publishes the stuck volumes to the host model (the incident
// strip counts them), or Cinder's failure.
func (p *Pane) observe(err error) tea.Cmd {
	if errors.Is(err, openstack.ErrNoService) {
		return nil // not in this cloud: nothing to count
	}
	var rs []hostmodel.StuckResource
	if err == nil {
		now := p.ctx.Now()
		for i := range p.rows {
			if r, ok := StuckVolume(p.rows[i].v, now, p.opts.StuckAfter); ok {
				rs = append(rs, r)
			}
		}
	}
	return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Cinder, Scope: "volumes",
		At: p.ctx.Now(), Facts: hostmodel.StuckFacts(rs), Err: err})
}

// StuckVolume is v as a stuck resource when it has sat in a transitional
// status (or a migration) for after or longer: the pane's ⚠ rows, the
// strip's and the snapshot's count.
func StuckVolume(v openstack.Volume, now time.Time, after time.Duration) (hostmodel.StuckResource, bool) {
	if after <= 0 {
		after = DefaultStuckAfter
	}
	if v.Updated.IsZero() || now.Sub(v.Updated) < after {
		return hostmodel.StuckResource{}, false
	}
	st := v.Status
	switch {
	case transitional[v.Status]:
	case v.MigrationStatus == "migrating" || v.MigrationStatus == "starting":
		st = "migration " + v.MigrationStatus
	default:
		return hostmodel.StuckResource{}, false
	}
	return hostmodel.StuckResource{Kind: "volume", ID: v.ID, Name: v.Name, Status: st, Host: v.BackendHost(), Since: v.Updated}, true
}

func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		p.loading, p.err = false, m.err
		if m.err == nil {
			if m.list.Full || p.vols == nil {
				p.vols = make(map[string]openstack.Volume, len(m.list.Volumes))
				p.lastFull = p.ctx.Now()
			}
			for _, v := range m.list.Volumes {
				p.vols[v.ID] = v
			}
			p.since = m.list.AsOf
			p.names, p.projects, p.at = m.names, m.projects, p.ctx.Now()
			p.rebuild()
		}
		obs := p.observe(m.err)
		if p.wantFull {
			return p, tea.Batch(obs, p.load())
		}
		return p, obs
	case pane.TickMsg:
		if !p.loading && p.ctx.Now().Sub(p.lastTry) >= p.ctx.Refresh {
			return p, p.load()
		}
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "volume-") {
			return p, p.full()
		}
	case tea.KeyPressMsg:
		if p.prompt.Active {
			return p, p.prompt.Key(m)
		}
		return p, p.key(m.String())
	}
	return p, nil
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(k string) tea.Cmd {
	if p.tbl.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "global.refresh"):
		return p.full()
	case p.is(k, "volumes.stuck"):
		p.stuckOnly = !p.stuckOnly
		p.apply()
		return nil
	}
	r, ok := p.selected()
	if !ok {
		return nil
	}
	v := r.v
	switch {
	case p.is(k, "volumes.instance"), p.is(k, "table.open"):
		if len(v.Attachments) == 0 {
			return pane.Toast(themes.Info, "volume "+v.ID+" is not attached")
		}
		return pane.Pivot("instances", "id="+v.Attachments[0].ServerID)
	case p.is(k, "volumes.host"), p.is(k, "volumes.agents"):
		if v.ServiceHost() == "" {
			return pane.Toast(themes.Info, "volume "+v.ID+" has no backend host (not scheduled, or not an admin)")
		}
		// The backend host is a controller (or storage node): its view is
		// its services; v narrows to the backend's cinder-volume.
		if p.is(k, "volumes.host") {
			return pane.Pivot("agents", "host:"+v.BackendHost())
		}
		return pane.Pivot("agents", "host="+v.ServiceHost()+" binary=cinder-volume")
	case p.is(k, "volumes.containers"):
		if v.BackendHost() == "" {
			return pane.Toast(themes.Info, "volume "+v.ID+" has no backend host")
		}
		return pane.Pivot("containers", "host:"+v.BackendHost()+" name:cinder_volume")
	case p.is(k, "volumes.logs"):
		return pane.Pivot("logs", "id:"+v.ID)
	case p.is(k, "volumes.ceph"):
		return pane.Pivot("ceph", "pool:"+p.opts.Pool)
	case p.is(k, "table.copy"):
		return pane.Copy(v.ID, safe.Line)
	}
	return p.actionKey(k, r)
}

func (p *Pane) selected() (*row, bool) {
	sel, ok := p.tbl.Selected()
	if !ok {
		return nil, false
	}
	i, ok := p.index[sel.Key]
	if !ok {
		return nil, false
	}
	return &p.rows[i], true
}

// rebuild derives the rows from the last list: stuck first (oldest
// first), then errors, then by project and name.
func (p *Pane) rebuild() {
	now := p.ctx.Now()
	p.rows = p.rows[:0]
	for _, v := range p.vols {
		r := row{v: v, project: p.projects[v.ProjectID]}
		if r.project == "" {
			r.project = v.ProjectID
		}
		if !v.Updated.IsZero() {
			r.age = max(now.Sub(v.Updated), 0)
		}
		long := !v.Updated.IsZero() && r.age >= p.opts.StuckAfter
		r.stuck = transitional[v.Status] && long
		r.migStuck = (v.MigrationStatus == "migrating" || v.MigrationStatus == "starting") && long
		r.errored = v.Status == "error" || strings.HasPrefix(v.Status, "error_")
		for _, a := range v.Attachments {
			n := p.names[a.ServerID]
			if n == "" {
				n = a.ServerID
			}
			r.servers = append(r.servers, n)
		}
		stuck := "no"
		if r.stuck || r.migStuck {
			stuck = "yes"
		}
		r.fields = map[string]string{
			"status": v.Status, "name": v.Name, "id": v.ID, "host": v.Host, "type": v.Type,
			"project": r.project + " " + v.ProjectID, "server": strings.Join(r.servers, " ") + " " + attachedIDs(v),
			"migration": v.MigrationStatus, "stuck": stuck,
		}
		all := make([]string, 0, len(r.fields))
		for k, s := range r.fields {
			r.fields[k] = strings.ToLower(s)
			all = append(all, r.fields[k])
		}
		r.all = strings.Join(all, "\x00")
		r.tr = buildRow(&r)
		p.rows = append(p.rows, r)
	}
	rank := func(r *row) int {
		switch {
		case r.stuck || r.migStuck:
			return 0
		case r.errored:
			return 1
		}
		return 2
	}
	sort.SliceStable(p.rows, func(i, j int) bool {
		a, b := &p.rows[i], &p.rows[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if rank(a) < 2 && a.age != b.age {
			return a.age > b.age
		}
		if a.project != b.project {
			return a.project < b.project
		}
		if a.v.Name != b.v.Name {
			return a.v.Name < b.v.Name
		}
		return a.v.ID < b.v.ID
	})
	p.index = make(map[string]int, len(p.rows))
	p.nStuck, p.nErr = 0, 0
	for i := range p.rows {
		p.index[p.rows[i].v.ID] = i
		switch rank(&p.rows[i]) {
		case 0:
			p.nStuck++
		case 1:
			p.nErr++
		}
	}
	p.apply()
}

func attachedIDs(v openstack.Volume) string {
	var s []string
	for _, a := range v.Attachments {
		s = append(s, a.ServerID)
	}
	return strings.Join(s, " ")
}

func (p *Pane) apply() {
	rows := make([]table.Row, 0, len(p.rows))
	for i := range p.rows {
		r := &p.rows[i]
		if p.stuckOnly && !r.stuck && !r.migStuck && !r.errored {
			continue
		}
		if !p.query.Empty() && !match(p.query, r) {
			continue
		}
		rows = append(rows, r.tr)
	}
	p.tbl.SetRows(rows)
}

func buildRow(r *row) table.Row {
	v := &r.v
	status := table.C(v.Status)
	role := themes.Normal
	switch {
	case r.stuck:
		status, role = table.S(v.Status+" ⚠", themes.Crit), themes.Warn
	case r.errored:
		status, role = table.S(v.Status, themes.Crit), themes.Crit
	case v.Status == "available" || v.Status == "in-use":
		status = table.S(v.Status, themes.OK)
	case transitional[v.Status]:
		status = table.S(v.Status, themes.Info)
	}
	mig := table.C(v.MigrationStatus)
	if r.migStuck {
		mig, role = table.S(v.MigrationStatus+" ⚠", themes.Crit), themes.Warn
	}
	name := v.Name
	if name == "" {
		name = v.ID
	}
	attached := strings.Join(r.servers, ",")
	age := "-"
	if !v.Updated.IsZero() {
		age = pane.DataAge(r.age)
	}
	host := v.ServiceHost()
	return table.Row{Key: v.ID, Role: role, Cells: []table.Cell{
		status, table.C(name), {Text: strconv.Itoa(v.Size) + "G", Sort: strconv.Itoa(v.Size)},
		table.C(v.Type), table.C(host), table.C(attached), mig,
		{Text: age, Sort: strconv.FormatInt(int64(r.age/time.Second), 10)},
	}}
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
	lines := []string{th.Render(themes.Title, safe.Fit(p.header(now), width))}
	if p.err != nil {
		s := "✗ cinder failed"
		if !p.at.IsZero() {
			s += " (showing data from " + pane.DataAge(now.Sub(p.at)) + " ago)"
		}
		lines = append(lines, th.Render(themes.Crit, safe.Fit(s+": "+p.err.Error(), width)))
	}
	var foot string
	if p.prompt.Active {
		foot = p.prompt.View(width, th)
	} else if r, ok := p.selected(); ok {
		foot = th.Render(themes.Info, safe.Fit(detailLine(r, now), width))
	}
	body := height - len(lines)
	if foot != "" {
		body--
	}
	if body > 0 {
		switch {
		case p.at.IsZero() && p.loading:
			lines = append(lines, th.Render(themes.Muted, safe.Fit("loading volumes…", width)))
		case p.at.IsZero() && p.err != nil:
		default:
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

func (p *Pane) header(now time.Time) string {
	stuck, errs := p.nStuck, p.nErr
	var b strings.Builder
	fmt.Fprintf(&b, "%d volumes", len(p.rows))
	if stuck > 0 {
		fmt.Fprintf(&b, " · %d STUCK (> %s in status)", stuck, pane.Age(p.opts.StuckAfter))
	}
	if errs > 0 {
		fmt.Fprintf(&b, " · %d in error", errs)
	}
	if p.stuckOnly {
		b.WriteString(" · stuck/error only")
	}
	if p.filterText != "" {
		fmt.Fprintf(&b, " · filter: %s (%d shown)", safe.Text(p.filterText), p.tbl.Len())
	}
	b.WriteString(pane.Freshness(now, p.at, p.lastTry, p.loading, p.ctx.Refresh))
	return b.String()
}

// detailLine spells out the selected volume (the table truncates).
func detailLine(r *row, now time.Time) string {
	v := &r.v
	parts := []string{v.ID + ": " + v.Status}
	if !v.Updated.IsZero() {
		parts[0] += " for " + pane.DataAge(r.age)
	}
	if r.project != "" {
		parts = append(parts, "project "+r.project)
	}
	if v.Host != "" {
		parts = append(parts, "host "+v.Host)
	}
	for i, a := range v.Attachments {
		s := "attached to " + r.servers[i]
		if a.HostName != "" {
			s += " on " + a.HostName
		}
		if a.Device != "" {
			s += " as " + a.Device
		}
		if a.ID != "" {
			s += " (attachment " + a.ID + ")"
		}
		parts = append(parts, s)
	}
	if v.MigrationStatus != "" {
		parts = append(parts, "migration "+v.MigrationStatus)
	}
	return strings.Join(parts, " · ")
}

// ---- actions ----

// confirmWord is what the operator types for a destructive action: the
// name when plain, else the ID.
func confirmWord(v openstack.Volume) string {
	if v.Name != "" && safe.Text(v.Name) == v.Name && !strings.ContainsAny(v.Name, " \t") && len(v.Name) <= 64 {
		return v.Name
	}
	return v.ID
}

func (p *Pane) actionKey(k string, r *row) tea.Cmd {
	v := r.v
	switch {
	case p.is(k, "volumes.reset_status"):
		initial := "available"
		if len(v.Attachments) > 0 && v.Status != "detaching" {
			initial = "in-use"
		}
		p.prompt.Open(fmt.Sprintf("reset %s from %s to (%s):", safe.Text(confirmWord(v)), v.Status, strings.Join(ops.ResetTargets, "|")), initial,
			func(st string) tea.Cmd {
				st = strings.ToLower(st)
				if !slices.Contains(ops.ResetTargets, st) {
					return pane.Toast(themes.Crit, "reset status: want one of "+strings.Join(ops.ResetTargets, ", ")+", got "+safe.Text(st))
				}
				return pane.RunAction(p.action(ops.VolumeChange{Verb: ops.VolumeResetStatus, Volume: v, Status: st}))
			})
		return nil
	case p.is(k, "volumes.force_delete"):
		c := ops.VolumeChange{Verb: ops.VolumeForceDelete, Volume: v, Override: ops.ForceDeleteNeedsOverride(v)}
		return pane.RunAction(p.action(c))
	case p.is(k, "volumes.detach"):
		if len(v.Attachments) == 0 {
			return pane.Toast(themes.Info, "volume "+v.ID+" has no attachment")
		}
		if len(v.Attachments) == 1 {
			return pane.RunAction(p.action(p.detach(r, 0)))
		}
		p.prompt.Open("detach which attachment (1-"+strconv.Itoa(len(v.Attachments))+", "+safe.Text(strings.Join(r.servers, ","))+"):", "1",
			func(s string) tea.Cmd {
				i, err := strconv.Atoi(s)
				if err != nil || i < 1 || i > len(v.Attachments) {
					return pane.Toast(themes.Crit, "detach: want a number 1-"+strconv.Itoa(len(v.Attachments)))
				}
				return pane.RunAction(p.action(p.detach(r, i-1)))
			})
		return nil
	case p.is(k, "volumes.retype"):
		p.prompt.Open("retype "+safe.Text(confirmWord(v))+" from "+safe.Text(v.Type)+" to type:", "", func(t string) tea.Cmd {
			if t == "" {
				return nil
			}
			return pane.RunAction(p.action(ops.VolumeChange{Verb: ops.VolumeRetype, Volume: v, NewType: t}))
		})
		return nil
	case p.is(k, "volumes.migrate"):
		p.prompt.Open("migrate "+safe.Text(confirmWord(v))+" from "+safe.Text(v.Host)+" to host@backend#pool:", "", func(h string) tea.Cmd {
			if h == "" {
				return nil
			}
			return pane.RunAction(p.action(ops.VolumeChange{Verb: ops.VolumeMigrate, Volume: v, Host: h}))
		})
		return nil
	}
	return nil
}

func (p *Pane) detach(r *row, i int) ops.VolumeChange {
	return ops.VolumeChange{Verb: ops.VolumeDetach, Volume: r.v, Attachment: r.v.Attachments[i].ID, ServerName: r.servers[i]}
}

// action wraps a change for the shell: confirmation (typed for force
// delete and detach; force delete outside the safe statuses asks for
// "override <word>"), audit details, the run and the read-back.
func (p *Pane) action(c ops.VolumeChange) pane.Action {
	src := p.src
	v := c.Volume
	a := pane.Action{Name: c.Name(), Target: c.Target(), Mutates: true, Checks: c.Checks(),
		Details: map[string]string{"volume": v.ID, "status": v.Status, "host": v.Host},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			return ops.ChangeVolume(ctx, src, c, func(s ops.Step) {
				if report != nil {
					report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
				}
			})
		},
		Reconcile: func(ctx context.Context) (bool, string, error) { return ops.ReadBackVolume(ctx, src, c) },
	}
	switch c.Verb {
	case ops.VolumeForceDelete:
		a.Confirm = confirmWord(v)
		if c.Override {
			a.Confirm = "override " + confirmWord(v)
			a.Details["override"] = "yes"
		}
	case ops.VolumeDetach:
		a.Confirm = confirmWord(v)
		a.Details["attachment"] = c.Attachment
		a.Details["server"] = c.ServerName
	case ops.VolumeResetStatus:
		a.ConfirmYes = true
		a.Details["target"] = c.Status
	case ops.VolumeRetype:
		a.ConfirmYes = true
		a.Details["new_type"] = c.NewType
	case ops.VolumeMigrate:
		a.ConfirmYes = true
		a.Destinations = []string{c.Host}
	}
	return a
}

// match is filter.Query.Match with plain free-text terms searched in the
// joined fields at once (a keystroke over 10,000 volumes stays cheap).
func match(q filter.Query, r *row) bool {
	for _, t := range q.Terms {
		if t.Field != "" || strings.ContainsAny(t.Value, "*?[\x00") {
			if !(filter.Query{Terms: []filter.Term{t}}).Match(r.fields) {
				return false
			}
			continue
		}
		if strings.Contains(r.all, t.Value) == t.Negate {
			return false
		}
	}
	return true
}
