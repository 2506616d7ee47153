// Package volumes is the Cinder volumes pane: every volume of every
// project with its backend host, attachments (server names), migration
// status and how long it has been in its status. Volumes stuck in a
// transitional status (attaching, detaching, deleting, ...) longer than the
// stuck threshold come first and are flagged, then volumes in error. Its
// actions (reset status, force delete, detach a stale attachment, retype,
// migrate) are ops.ChangeVolume runs handed to the shell.
package volumes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
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
	// VolumesSince lists every volume (zero since) or those updated since.
	VolumesSince(ctx context.Context, since time.Time) (openstack.VolumeList, error)
	// ServerNames names attached servers (IDs it cannot name are absent;
	// others may be present). The map is read only.
	ServerNames(ctx context.Context, ids []string) (map[string]string, error)
	// VolumeIDs lists every volume's ID (the summary list): which volumes
	// still exist, at a fraction of the detail list's bytes.
	VolumeIDs(ctx context.Context) ([]string, error)
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

// DefaultPresenceEvery is how often the refresh asks which volumes still
// exist (the summary list: IDs only), to drop the ones deleted elsewhere:
// a delta (updated_at) never lists a deleted volume. The whole detail
// list is read at the start, on ctrl+r and after our own actions, or
// every Options.FullEvery if set (issue 15: a steady refresh reads what
// changed; 50,000 volumes are ~75 MB of detail, ~3-14 MB of summary).
// A volume about to be called stuck is read on its own first. The checks
// fall on the wall clock's intervals of it (see load).
const DefaultPresenceEvery = 10 * time.Minute

// verifyMax bounds the volumes read one by one per refresh before the
// pane calls them stuck (a deleted one must not show as stuck deleting).
const verifyMax = 20

// Options tune the pane.
type Options struct {
	StuckAfter time.Duration // default DefaultStuckAfter
	Pool       string        // Ceph pool for the p pivot; default DefaultPool
	FullEvery  time.Duration // the whole detail list this often; default: never by itself
	// PresenceEvery: which volumes still exist; default DefaultPresenceEvery.
	PresenceEvery time.Duration
}

// fieldNames are the filter fields (row.fields' order).
var fieldNames = []string{"status", "name", "id", "host", "type", "project", "server", "migration", "stuck"}

const numFields = 9

// row is one volume's derived row. Rows are built once per change of the
// volume (or of its server or project names, or of its stuck flag) and
// reused by every later refresh: at 50,000 volumes, re-deriving every row
// on each 10 s refresh took ~350 ms of the UI goroutine.
type row struct {
	// v is the whole list's volume itself, not a copy: a list is never
	// changed after it came, and in `stackpit serve` it is every
	// session's (a copy per row was ~190 bytes of each session's row at
	// 50,000 volumes). A delta's changed volume is copied (merge).
	v *openstack.Volume
	// The attached servers' names are not kept (a slice a row, and 24
	// bytes of each row: ~1 MB at 50,000 volumes; issue 15): they are
	// the pane's names of v's attachments (server), which the row was
	// built with (a change of names rebuilds the rows it relabels).
	// sh is what the row has in common with others: its project's name
	// and the lower-cased status, host, type, project, migration and
	// stuck fields (one copy per combination, not one per row).
	sh *shared
	// listed is when (UnixNano, at or after) a list last showed the
	// volume: a presence list from before then (serve shares one taken
	// up to an interval earlier) cannot say it was deleted.
	listed int64
	// own is the row's own filter fields, lower-cased and NUL-joined:
	// name, ID, then servers (names, then IDs); ends are name's and ID's
	// ends in it.
	own  string
	ends [2]uint32
	// lowName, lowID: v's name (ID) is lower-case already and not in own
	// (its part there is empty): Cinder's IDs always are, most names too,
	// and a copy of both was ~3 MB at 62,549 volumes (issue 15).
	lowName, lowID bool
	stuck          bool
	errored        bool
	migStuck       bool
	timed          bool // a transitional status or migration: stuck comes with time
	dead           bool // replaced by a newer row, or gone from the list
	// The table cells are made when drawn (Cell: table.CellSource), not
	// kept: eight cells a row were ~20 MB at 50,000 volumes (issue 15).
}

// shared is the part of rows' filter fields that many rows have alike
// (a few statuses, backends, types and projects among 50,000 volumes): at
// 62,549 volumes one lower-cased copy per row was ~5 MB (issue 15).
type shared struct {
	project string // the project's name (its ID when unnamed)
	// drawn is the pane's time of the last refresh and its server names:
	// the age in status and the servers are made from it when drawn (a
	// refresh moves one time, not each row's). Here, not in each row: a
	// row of 88 bytes took 96, then 80, now 64 (~1 MB each at 62,549
	// volumes; issue 15).
	drawn *drawn
	// f are status, host, type, project ("name id"), migration and stuck
	// (yes/no), lower-cased; all is them NUL-joined.
	f   [6]string
	all string
}

// sharedKey tells shared fields apart.
type sharedKey struct {
	status, host, typ, project, projectID, mig string
	stuck                                      bool
}

// maxShared bounds a pane's shared fields (rows keep theirs: a new map
// only stops sharing with older rows).
const maxShared = 100000

// drawn is what a pane's rows are drawn with, one per pane: when their
// ages are told (the last refresh), and the server names they were built
// with (the pane's names).
type drawn struct {
	at    time.Time
	names map[string]string
}

// server is the name of r's i-th attached server (its ID when unnamed).
func (r *row) server(i int) string {
	return serverName(r.sh.drawn.names, r.v.Attachments[i].ServerID)
}

// serverList is r's attached servers' names, comma-separated.
func (r *row) serverList() string {
	if len(r.v.Attachments) == 1 {
		return r.server(0) // no copy: a sort by servers reads every row's
	}
	var b strings.Builder
	for i := range r.v.Attachments {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.server(i))
	}
	return b.String()
}

// age is r's time in status (since updated_at) as of the last refresh.
func (r *row) age() time.Duration {
	if r.v.Updated.IsZero() {
		return 0
	}
	return max(r.sh.drawn.at.Sub(r.v.Updated), 0)
}

// fields are the row's filter fields (substrings of own and sh.all, no
// copy).
func (r *row) fields(f *[numFields]string) {
	sh := &r.sh.f
	f[0], f[3], f[4], f[5], f[7], f[8] = sh[0], sh[1], sh[2], sh[3], sh[4], sh[5]
	f[1] = r.own[:r.ends[0]]
	if r.lowName {
		f[1] = r.v.Name
	}
	f[2] = r.own[r.ends[0]+1 : r.ends[1]]
	if r.lowID {
		f[2] = r.v.ID
	}
	f[6] = r.own[r.ends[1]+1:]
}

func (r *row) rank() int {
	switch {
	case r.stuck || r.migStuck:
		return 0
	case r.errored:
		return 1
	}
	return 2
}

// Pane is the volumes pane.
type Pane struct {
	ctx    pane.Context
	src    Source
	opts   Options
	tbl    *table.Model
	prompt uiprompt.Prompt

	since    time.Time // next delta's since (zero: whole list)
	wantFull bool      // the next load lists everything
	lastFull time.Time
	lastSeen time.Time // the last presence check (or whole list)
	// names is drawn.names (the map every live row was built with): set
	// both together, or rows show names their filter text was not made of.
	names    map[string]string
	projects map[string]string
	// rows are sorted: stuck, error, the rest. A new order is a new slice
	// (a load in flight reads the old one); rows are never changed but for
	// their age cell and dead flag.
	rows  []*row
	byID  map[string]*row
	drawn *drawn // the rows' ages are told as of drawn.at
	// timed are the rows whose stuck flag can change with time alone (a
	// transitional status or migration), retired ones too until the next
	// refresh drops them: a refresh looks at these, not at every row.
	timed  []*row
	nStuck int // counted at each change, for the header
	nErr   int
	// refs counts the live rows attached to each server; ids are its keys,
	// made again only when a server gains its first or loses its last
	// attached volume (loads ask names for ids).
	refs     map[string]int
	ids      []string
	shares   map[sharedKey]*shared // the rows' shared fields (row.sh)
	idsStale bool
	built    int // rows built (tests: a delta rebuilds only its volumes)
	visited  int // rows a refresh looked at (tests: not every row)
	err      error
	loading  bool
	at       time.Time
	lastTry  time.Time

	filterText string
	match      filter.Matcher
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
	if o.PresenceEvery <= 0 {
		o.PresenceEvery = DefaultPresenceEvery
	}
	return &Pane{ctx: ctx, src: src, opts: o, tbl: table.New(columns...), drawn: &drawn{}}
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
	p.match = filter.Compile(filter.Parse(p.filterText), fieldNames)
	p.apply()
}

// Pivot opens the pane on a query ("host:control01", "server:<id>").
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	return p.load()
}

type loadedMsg struct {
	list     openstack.VolumeList
	present  map[string]struct{} // non-nil: every volume that exists
	presAt   time.Time           // present's time (at or before its read)
	gone     []string            // read one by one: not found
	names    map[string]string
	projects map[string]string
	err      error
	asOf     time.Time // non-zero: the volume reads were a shared answer of then (serve)

	// first: the first list's rows, built by the load (prebuild.go).
	first *firstRows
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
	src, since, now := p.src, p.since, p.ctx.Now()
	if p.wantFull || p.byID == nil || (p.opts.FullEvery > 0 && now.Sub(p.lastFull) >= p.opts.FullEvery) {
		since, p.wantFull = time.Time{}, false
	}
	// Once per PresenceEvery of the wall clock, at the first refresh after
	// its start, not PresenceEvery after this pane's own last check: the
	// sessions of `stackpit serve` then ask at once and share one list
	// (each at its own moment made one each: 20 sessions, 20 lists).
	presence := !since.IsZero() && now.Truncate(p.opts.PresenceEvery).After(p.lastSeen)
	var verify []string
	if !since.IsZero() {
		verify = p.aboutStuck(now)
	}
	// Names for every attached server shown, not only the changed ones
	// (the source caches them), plus those of the list that comes.
	if p.idsStale {
		p.ids, p.idsStale = p.refIDs(), false
	}
	ids := p.ids[:len(p.ids):len(p.ids)] // appending copies: p.ids stays as is
	first, opts := p.byID == nil && since.IsZero(), p.opts
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		l, err := src.VolumesSince(ctx, since)
		if err != nil {
			return loadedMsg{err: err}
		}
		var present map[string]struct{}
		var presAt time.Time
		if presence {
			idsCtx, idsAge := cadence.WithAge(ctx)
			all, err := src.VolumeIDs(idsCtx)
			presAt = idsAge.At(now) // now: before a read of our own
			if err != nil {
				return loadedMsg{err: err}
			}
			present = make(map[string]struct{}, len(all))
			for _, id := range all {
				present[id] = struct{}{}
			}
		}
		var gone []string
		// The list may be other sessions' too (serve): appending copies.
		l.Volumes = slices.Clip(l.Volumes)
		for _, id := range verify {
			v, err := src.Volume(ctx, id)
			switch {
			case errors.Is(err, openstack.ErrNotFound):
				gone = append(gone, id)
			case err == nil:
				l.Volumes = append(l.Volumes, v)
			}
		}
		asOf := age.Oldest() // the volumes' (names may be older: they are names)
		for _, v := range l.Volumes {
			for _, a := range v.Attachments {
				if a.ServerID != "" {
					ids = append(ids, a.ServerID) // the source tolerates repeats
				}
			}
		}
		// Names are a nicety: without them the IDs show.
		var names map[string]string
		if len(ids) > 0 {
			names, _ = src.ServerNames(ctx, ids)
		}
		projects, _ := src.Projects(ctx)
		var pre *firstRows
		if first {
			pre = prebuild(l.Volumes, now, names, projects, opts)
		}
		return loadedMsg{list: l, present: present, presAt: presAt, gone: gone, names: names, projects: projects, asOf: asOf, first: pre}
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
		// The stuck rows sort first.
		now := p.ctx.Now()
		for _, r := range p.rows {
			if r.rank() != 0 {
				break
			}
			if sr, ok := StuckVolume(*r.v, now, p.opts.StuckAfter); ok {
				rs = append(rs, sr)
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
			full := m.list.Full || p.byID == nil
			if full || m.present != nil {
				p.lastSeen = p.ctx.Now()
			}
			if full {
				p.lastFull = p.ctx.Now()
			}
			p.since, p.at = m.list.AsOf, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.drop(m.present, m.presAt, m.gone, m.list.Volumes)
			if !p.takeFirst(m) {
				p.merge(m.list.Volumes, full, m.names, m.projects)
			}
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
	v := *r.v
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
	r, ok := p.byID[sel.Key]
	return r, ok
}

// merge takes a list into the rows: a whole list (full) or the volumes
// changed since the last one. Only new or changed volumes get a new row
// (and rows whose server or project names or stuck flag changed); the
// rest keep theirs, and the order is re-made only when a row changed.
// Order: stuck first (oldest first), then errors, then by project and
// name.
func (p *Pane) merge(vols []openstack.Volume, full bool, names, projects map[string]string) {
	now := p.ctx.Now()
	listed := now.UnixNano() // in Update: after the list was taken
	relabel := !sameMap(p.names, names) || !sameMap(p.projects, projects)
	was := p.names
	p.names, p.projects = names, projects
	p.drawn.names = names
	prev, byID := p.byID, p.byID
	if full || byID == nil {
		byID = make(map[string]*row, len(vols))
	}
	var added, olds []*row // olds[i]: the row added[i] replaced (nil: new)
	changed := false
	for i := range vols {
		v := &vols[i]
		cur := byID[v.ID]
		if cur == nil && full {
			cur = prev[v.ID]
		}
		if cur != nil && sameVolume(cur.v, v) {
			if full {
				// The new list's own, equal: the older list is then no
				// row's and goes (rows kept pointing into every list
				// they came in: two whole lists after a ctrl+r, ~11 MB at
				// 62,549 volumes; issue 15).
				cur.v = v
			}
			byID[v.ID] = cur
			cur.listed = listed
			continue
		}
		if cur != nil {
			p.retire(cur)
		}
		if !full {
			// A delta's changed volume is copied out: a row pointing into
			// the delta kept all of it (the overlap's unchanged volumes
			// too) until each of its volumes changed again: ~7 MB of
			// deltas at 62,549 volumes after 20 refreshes (issue 15).
			c := *v
			v = &c
		}
		r := p.newRow(v, now)
		r.listed = listed
		byID[v.ID] = r
		added, olds = append(added, r), append(olds, cur)
		changed = true
	}
	if full {
		for id, r := range prev {
			if byID[id] != r && !r.dead {
				p.retire(r)
				changed = true
			}
		}
	}
	// Time moves: the ages (one clock: each row's is made when drawn) and
	// the stuck flag of volumes in a transitional status, so only those
	// rows are looked at, or every row when names changed (at 50,000
	// volumes a pass over every row held the UI goroutine 77-121 ms a
	// refresh in-process, issue 15).
	p.drawn.at = now
	p.timed = slices.DeleteFunc(p.timed, func(r *row) bool { return r.dead })
	check := p.timed // newRow appends to p.timed: those are not visited
	if relabel {
		check = p.rows
	}
	for _, r := range check {
		if r.dead {
			continue
		}
		p.visited++
		if (relabel && !p.sameLabels(r, was)) || (r.timed && p.stuckChanged(r, now)) {
			nr := p.newRow(r.v, now)
			nr.listed = r.listed
			p.retire(r)
			byID[r.v.ID] = nr
			added, olds = append(added, nr), append(olds, r)
			changed = true
		}
	}
	p.byID = byID
	if !changed {
		return
	}
	if !full && p.patch(olds, added) {
		for k, n := range added { // the counts, without a pass over every row
			p.count(olds[k], -1)
			p.count(n, +1)
		}
		return
	}
	p.rows = mergeSorted(p.rows, added)
	p.recount()
	p.apply()
}

// patchMax: more replaced rows than this rebuild the table (a relabel).
const patchMax = 64

// patch puts rows that replace rows in place (a steady refresh's few
// changed volumes that keep their place in the order) into p.rows and the
// table without rebuilding either: at 50,000 volumes the rebuild held the
// UI goroutine ~50 ms a refresh (issue 15). False, having changed
// nothing: a new row, a row that moves or shows or hides, replaced rows
// side by side, or the table in a sort of its own; merge then rebuilds.
func (p *Pane) patch(olds, news []*row) bool {
	if len(news) == 0 || len(news) > patchMax {
		return false
	}
	if col, _ := p.tbl.SortState(); col >= 0 {
		return false
	}
	at := make([]int, len(news))
	for k, o := range olds {
		n := news[k]
		if o == nil || n.dead {
			return false
		}
		i, found := slices.BinarySearchFunc(p.rows, o, compareRows)
		if !found || p.rows[i] != o {
			return false
		}
		if i > 0 && (p.rows[i-1].dead || compareRows(p.rows[i-1], n) >= 0) {
			return false // a neighbour replaced too, or n sorts before it
		}
		if i+1 < len(p.rows) && (p.rows[i+1].dead || compareRows(n, p.rows[i+1]) >= 0) {
			return false
		}
		if p.visible(o) != p.visible(n) {
			return false
		}
		at[k] = i
	}
	for k, n := range news {
		o := olds[k]
		p.rows[at[k]] = n
		if !p.visible(n) {
			continue
		}
		// The table holds the visible rows in p.rows' order.
		rows := p.tbl.Rows()
		j, found := slices.BinarySearchFunc(rows, o, func(r table.Row, t *row) int {
			src, _ := r.Src.(*row)
			if src == nil {
				return -1
			}
			return compareRows(src, t)
		})
		if !found || rows[j].Src != table.CellSource(o) {
			p.apply() // not expected: p.rows is right, the table from it
			return true
		}
		p.tbl.SetRow(j, n.tableRow())
	}
	return true
}

// allVisible: no filter and no stuck-only view, so visible is true for
// every row (a prebuilt first list's table is taken as it is then).
func (p *Pane) allVisible() bool { return p.match.Empty() && !p.stuckOnly }

// visible: r passes the filter and the stuck-only toggle (a table row).
func (p *Pane) visible(r *row) bool {
	if p.allVisible() {
		return true
	}
	if p.stuckOnly && !r.stuck && !r.migStuck && !r.errored {
		return false
	}
	return p.match.Empty() || match(p.match, r)
}

// recount counts the stuck and errored rows for the header.
func (p *Pane) recount() {
	p.nStuck, p.nErr = 0, 0
	for _, r := range p.rows {
		p.count(r, +1)
	}
}

// count adds r (d 1) to the header's counts or takes it out (d -1).
func (p *Pane) count(r *row, d int) {
	switch r.rank() {
	case 0:
		p.nStuck += d
	case 1:
		p.nErr += d
	}
}

// sameMap: a and b hold the same; the same map (a source's shared cache)
// is not compared entry by entry.
func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	if reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true
	}
	return maps.Equal(a, b)
}

// retire drops r: replaced by a newer row, or gone from the list.
// drop retires the rows of volumes that no longer exist: absent from
// present (when a presence check ran, and a list showed them before its
// time presAt) or read one by one as not found, unless this load's list
// brought them (created after the check).
func (p *Pane) drop(present map[string]struct{}, presAt time.Time, gone []string, listed []openstack.Volume) {
	if present == nil && len(gone) == 0 {
		return
	}
	keep := make(map[string]bool, len(listed))
	for i := range listed {
		keep[listed[i].ID] = true
	}
	dead := map[string]bool{}
	for _, id := range gone {
		dead[id] = true
	}
	if present != nil {
		at := presAt.UnixNano()
		for id, r := range p.byID {
			if _, ok := present[id]; !ok && r.listed <= at {
				dead[id] = true
			}
		}
	}
	removed := false
	for id := range dead {
		if r := p.byID[id]; r != nil && !keep[id] && !r.dead {
			p.retire(r)
			delete(p.byID, id)
			removed = true
		}
	}
	if removed {
		p.rows = slices.DeleteFunc(p.rows, func(r *row) bool { return r.dead })
		p.recount()
		p.apply()
	}
}

// aboutStuck: volumes in a transitional status that are stuck or will be
// within two refreshes, to read one by one before they are called stuck
// (at most verifyMax, the oldest first). Only the timed rows can be.
func (p *Pane) aboutStuck(now time.Time) []string {
	var due []*row
	soon := p.opts.StuckAfter - 2*p.ctx.Refresh
	for _, r := range p.timed {
		if r.dead || !transitional[r.v.Status] || r.v.Updated.IsZero() || now.Sub(r.v.Updated) < soon {
			continue
		}
		due = append(due, r)
	}
	slices.SortFunc(due, func(a, b *row) int {
		return cmp.Or(a.v.Updated.Compare(b.v.Updated), strings.Compare(a.v.ID, b.v.ID))
	})
	var ids []string
	for _, r := range due[:min(len(due), verifyMax)] {
		ids = append(ids, r.v.ID)
	}
	return ids
}

func (p *Pane) retire(r *row) {
	r.dead = true
	p.ref(r, -1)
}

// refIDs is refs' keys (sized at once: slices.Collect grew the slice
// through 3.4 MB for 45,000 servers, on the UI goroutine).
func (p *Pane) refIDs() []string {
	ids := make([]string, 0, len(p.refs))
	for id := range p.refs {
		ids = append(ids, id)
	}
	return ids
}

// ref counts r's attached servers in or out of refs.
func (p *Pane) ref(r *row, d int) {
	for _, a := range r.v.Attachments {
		if a.ServerID == "" {
			continue
		}
		if p.refs == nil {
			p.refs = map[string]int{}
		}
		n := p.refs[a.ServerID] + d
		switch {
		case n <= 0:
			delete(p.refs, a.ServerID)
			p.idsStale = true
		case n == 1 && d > 0:
			p.refs[a.ServerID] = n
			p.idsStale = true
		default:
			p.refs[a.ServerID] = n
		}
	}
}

// mergeSorted is the live rows of old (sorted) with added, in a new slice:
// one pass when few rows changed, a sort when many did.
func mergeSorted(old, added []*row) []*row {
	added = slices.DeleteFunc(added, func(r *row) bool { return r.dead })
	out := make([]*row, 0, len(old)+len(added))
	if len(added) > len(old)/8 {
		for _, r := range old {
			if !r.dead {
				out = append(out, r)
			}
		}
		out = append(out, added...)
		slices.SortFunc(out, compareRows)
		return out
	}
	// Each added row's place by binary search (dead rows keep their
	// place in old's order), the live rows between copied.
	slices.SortFunc(added, compareRows)
	live := func(rs []*row) {
		for _, r := range rs {
			if !r.dead {
				out = append(out, r)
			}
		}
	}
	prev := 0
	for _, a := range added {
		i, _ := slices.BinarySearchFunc(old[prev:], a, compareRows)
		live(old[prev : prev+i])
		out = append(out, a)
		prev += i
	}
	live(old[prev:])
	return out
}

func compareRows(a, b *row) int {
	ra, rb := a.rank(), b.rank()
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	// Stuck and errored: longest in status first (unknown last).
	if ra < 2 && !a.v.Updated.Equal(b.v.Updated) {
		switch {
		case a.v.Updated.IsZero():
			return 1
		case b.v.Updated.IsZero():
			return -1
		}
		return a.v.Updated.Compare(b.v.Updated)
	}
	if c := strings.Compare(a.sh.project, b.sh.project); c != 0 {
		return c
	}
	if c := strings.Compare(a.v.Name, b.v.Name); c != 0 {
		return c
	}
	return strings.Compare(a.v.ID, b.v.ID)
}

// sameVolume: a and b are the same volume in the same state (a row built
// from one shows the other).
func sameVolume(a, b *openstack.Volume) bool {
	if a.ID != b.ID || a.Name != b.Name || a.Status != b.Status || a.Size != b.Size || a.Type != b.Type ||
		a.Host != b.Host || a.ProjectID != b.ProjectID || a.MigrationStatus != b.MigrationStatus ||
		!a.Updated.Equal(b.Updated) || len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Attachments {
		x, y := &a.Attachments[i], &b.Attachments[i]
		if x.ID != y.ID || x.ServerID != y.ServerID || x.HostName != y.HostName || x.Device != y.Device {
			return false
		}
	}
	return true
}

func (p *Pane) projectName(v *openstack.Volume) string {
	if n := p.projects[v.ProjectID]; n != "" {
		return n
	}
	return v.ProjectID
}

// serverName is server id's name in names, or id when unnamed.
func serverName(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return id
}

// sameLabels: r's project and server names are still the current ones
// (was: the names r was built with, the pane's before this merge).
func (p *Pane) sameLabels(r *row, was map[string]string) bool {
	if r.sh.project != p.projectName(r.v) {
		return false
	}
	for _, a := range r.v.Attachments {
		if serverName(was, a.ServerID) != serverName(p.names, a.ServerID) {
			return false
		}
	}
	return true
}

// stuckAt: the stuck flags of v at now.
func (p *Pane) stuckAt(v *openstack.Volume, now time.Time) (stuck, migStuck bool) {
	long := !v.Updated.IsZero() && now.Sub(v.Updated) >= p.opts.StuckAfter
	return transitional[v.Status] && long, (v.MigrationStatus == "migrating" || v.MigrationStatus == "starting") && long
}

func (p *Pane) stuckChanged(r *row, now time.Time) bool {
	s, m := p.stuckAt(r.v, now)
	return s != r.stuck || m != r.migStuck
}

// ageCol is the AGE IN STATUS column.
const ageCol = 7

// newRow derives v's row at now.
func (p *Pane) newRow(v *openstack.Volume, now time.Time) *row {
	p.built++
	r := &row{v: v}
	r.stuck, r.migStuck = p.stuckAt(v, now)
	r.timed = transitional[v.Status] || v.MigrationStatus == "migrating" || v.MigrationStatus == "starting"
	if r.timed {
		p.timed = append(p.timed, r)
	}
	r.errored = v.Status == "error" || strings.HasPrefix(v.Status, "error_")
	r.sh = p.shared(v, r.stuck || r.migStuck)
	r.setFields()
	p.ref(r, +1)
	return r
}

// shared is the shared fields of v's rows.
func (p *Pane) shared(v *openstack.Volume, stuck bool) *shared {
	project := p.projectName(v)
	k := sharedKey{status: v.Status, host: v.Host, typ: v.Type, project: project, projectID: v.ProjectID, mig: v.MigrationStatus, stuck: stuck}
	if sh := p.shares[k]; sh != nil {
		return sh
	}
	if p.shares == nil || len(p.shares) >= maxShared {
		p.shares = map[sharedKey]*shared{}
	}
	yes := "no"
	if stuck {
		yes = "yes"
	}
	parts := [6]string{v.Status, v.Host, v.Type, project + " " + v.ProjectID, v.MigrationStatus, yes}
	sh := &shared{project: project, drawn: p.drawn}
	for i, s := range parts {
		sh.f[i] = strings.ToLower(s)
	}
	sh.all = strings.Join(sh.f[:], "\x00")
	p.shares[k] = sh
	return sh
}

// setFields writes the row's own lower-cased filter fields into one string
// (name and ID only when not lower-case already: lowName, lowID).
func (r *row) setFields() {
	v := r.v
	r.lowName = filter.IsLower(v.Name)
	r.lowID = filter.IsLower(v.ID)
	if len(v.Attachments) == 0 && r.lowName && r.lowID {
		r.own, r.ends = noOwn, [2]uint32{0, 1} // the common case: no copy
		return
	}
	// Sized for what is written: a name or ID not copied reserved its
	// length too (~50 bytes of each attached row's string: ~1 MB at 50,000
	// volumes, a third attached; issue 15).
	var b strings.Builder
	n := 3
	if !r.lowName {
		n += len(v.Name)
	}
	if !r.lowID {
		n += len(v.ID)
	}
	for i, a := range v.Attachments {
		n += len(r.server(i)) + len(a.ServerID)
	}
	if k := len(v.Attachments); k > 0 {
		n += 2 * (k - 1) // the spaces between names and between IDs
	}
	b.Grow(n)
	lower := func(s string) { b.WriteString(strings.ToLower(s)) }
	if !r.lowName {
		lower(v.Name)
	}
	r.ends[0] = uint32(b.Len())
	b.WriteByte(0)
	if !r.lowID {
		lower(v.ID)
	}
	r.ends[1] = uint32(b.Len())
	b.WriteByte(0)
	// Server names, then their IDs ("web-1 db-1 <id> <id>").
	for i := range v.Attachments {
		if i > 0 {
			b.WriteByte(' ')
		}
		lower(r.server(i))
	}
	b.WriteByte(' ')
	for i, a := range v.Attachments {
		if i > 0 {
			b.WriteByte(' ')
		}
		lower(a.ServerID)
	}
	r.own = b.String()
}

// noOwn is own of a row with a lower-case name and ID and no attachments.
const noOwn = "\x00\x00 "

func (p *Pane) apply() {
	rows := make([]table.Row, 0, len(p.rows))
	for _, r := range p.rows {
		if p.visible(r) {
			rows = append(rows, r.tableRow())
		}
	}
	p.tbl.SetRows(rows)
}

// tableRow is r's table row; its cells are made when drawn (Cell).
func (r *row) tableRow() table.Row {
	role := themes.Normal
	switch {
	case r.stuck || r.migStuck:
		role = themes.Warn
	case r.errored:
		role = themes.Crit
	}
	return table.Row{Key: r.v.ID, Role: role, Src: r}
}

// Crit: a cell is CRIT (table.CellSource), as Cell would style them.
func (r *row) Crit() bool { return r.stuck || r.errored || r.migStuck }

// Cell makes column i's cell (table.CellSource).
func (r *row) Cell(i int) table.Cell {
	v := r.v
	switch i {
	case 0:
		switch {
		case r.stuck:
			return table.S(v.Status+" ⚠", themes.Crit)
		case r.errored:
			return table.S(v.Status, themes.Crit)
		case v.Status == "available" || v.Status == "in-use":
			return table.S(v.Status, themes.OK)
		case transitional[v.Status]:
			return table.S(v.Status, themes.Info)
		}
		return table.C(v.Status)
	case 1:
		if v.Name == "" {
			return table.C(v.ID)
		}
		return table.C(v.Name)
	case 2:
		n := strconv.Itoa(v.Size)
		return table.Cell{Text: n + "G", Sort: n}
	case 3:
		return table.C(v.Type)
	case 4:
		return table.C(v.ServiceHost())
	case 5:
		return table.C(r.serverList())
	case 6:
		if r.migStuck {
			return table.S(v.MigrationStatus+" ⚠", themes.Crit)
		}
		return table.C(v.MigrationStatus)
	case ageCol:
		// The age sorts by updated_at (newest first ascending), which
		// does not move with time.
		if v.Updated.IsZero() {
			return table.Cell{Text: "-", Sort: "-1e18"}
		}
		return table.Cell{Text: pane.DataAge(r.age()), Sort: strconv.FormatInt(-v.Updated.Unix(), 10)}
	}
	return table.Cell{}
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
	v := r.v
	parts := []string{v.ID + ": " + v.Status}
	if !v.Updated.IsZero() {
		parts[0] += " for " + pane.DataAge(r.age())
	}
	if r.sh.project != "" {
		parts = append(parts, "project "+r.sh.project)
	}
	if v.Host != "" {
		parts = append(parts, "host "+v.Host)
	}
	for i, a := range v.Attachments {
		s := "attached to " + r.server(i)
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
	v := *r.v
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
		p.prompt.Open("detach which attachment (1-"+strconv.Itoa(len(v.Attachments))+", "+safe.Text(r.serverList())+"):", "1",
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
	return ops.VolumeChange{Verb: ops.VolumeDetach, Volume: *r.v, Attachment: r.v.Attachments[i].ID, ServerName: r.server(i)}
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

// match is m on r's fields.
func match(m filter.Matcher, r *row) bool {
	var f [numFields]string
	r.fields(&f)
	var name, id string // searched apart when not in own
	if r.lowName {
		name = r.v.Name
	}
	if r.lowID {
		id = r.v.ID
	}
	return m.MatchIn(f[:], r.own, r.sh.all, name, id)
}
