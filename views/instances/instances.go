// Package instances is the instances pane: every Nova server across all
// projects in one windowed table, with field filters, a faults-only toggle,
// a detail view, pivots to the compute host, and instance actions (reboot,
// migrate, evacuate, stop/start, reset state) handed to the shell.
//
// The pane keeps its own copy of the server list and refreshes it
// incrementally (changes-since) on the shell's tick, one request at a time.
package instances

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	uiprompt "github.com/stackpit/stackpit/ui/prompt"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs from OpenStack. The wiring adapts the real
// datasource/openstack client; tests use a fake.
type Source interface {
	// Servers lists servers in all projects. With a zero since it is a full
	// list; otherwise only servers changed at or after since (Nova's
	// changes-since), including deleted ones (Deleted set).
	Servers(ctx context.Context, since time.Time) ([]openstack.Server, error)
	// Server fetches one server.
	Server(ctx context.Context, id string) (openstack.Server, error)
	InstanceActions(ctx context.Context, id string) ([]openstack.InstanceAction, error)
	ServerVolumes(ctx context.Context, id string) ([]openstack.VolumeAttachment, error)
	// ServerMigrations lists the server's migrations (newest first).
	ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error)
	// ComputeServices tells which hosts are down: their instances count as
	// faults (Nova still reports them ACTIVE/Running).
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
	// ConsoleLog returns the last lines of the console log.
	ConsoleLog(ctx context.Context, id string, lines int) (string, error)

	Reboot(ctx context.Context, id string, hard bool) error
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	// LiveMigrate and Evacuate let the scheduler pick when host is "".
	LiveMigrate(ctx context.Context, id, host string) error
	Migrate(ctx context.Context, id string) error
	ConfirmResize(ctx context.Context, id string) error
	Evacuate(ctx context.Context, id, host string) error
	// ResetState sets the server's vm_state to "active" or "error".
	ResetState(ctx context.Context, id, state string) error
}

// Timeouts and policy.
const (
	fullTimeout   = 60 * time.Second
	deltaTimeout  = 20 * time.Second
	detailTimeout = 20 * time.Second
	// fullResyncEvery: a whole list again only this rarely (issue 15: the
	// steady refresh reads what changed; 50,000 servers are ~105 MB, so
	// every 10 minutes was 10 MB per minute). changes-since lists
	// deleted servers too; the presence check (presenceEvery, IDs only)
	// catches the ones it cannot (rows archived out of Nova's database).
	fullResyncEvery = 6 * time.Hour
	presenceEvery   = 30 * time.Minute
	// presenceSkew: a server created this little before a presence check
	// is not dropped for being absent from it (Nova's clock may differ
	// from ours). Deltas list deleted servers, so such a server's
	// deletion still shows; the check is a backstop.
	presenceSkew = 5 * time.Minute
	// changesSlack widens each changes-since window backwards: updated_at
	// is stamped by services on other hosts whose clocks may lag.
	changesSlack     = openstack.DefaultOverlap
	stuckTaskAfter   = 15 * time.Minute
	consoleTailLines = 40
)

// Pane is the instances pane.
type Pane struct {
	ctx pane.Context
	src Source

	tbl *table.Model

	byID    map[string]*entry
	order   []*entry // name order (the table's "given order")
	nFaults int

	filterText string
	query      filter.Query
	match      matcher
	// matched are the entries (in order) matching match, ignoring the
	// faults toggle; a narrowing keystroke only re-checks these.
	matched      []*entry
	matchedSpare []*entry // the buffer a narrowing keystroke fills (it reads matched)
	matchedValid bool
	matchedSort  [2]int // the table sort matched is in (column, desc)
	// sorted is order in the table's sort (sorted.go).
	sorted     sortCache
	faultsOnly bool
	shown      int

	loading      bool
	lastAttempt  time.Time
	lastFull     time.Time
	lastPresence time.Time
	wantFull     bool      // ctrl+r: the next refresh lists everything
	updated      time.Time // last successful refresh (local clock)
	maxUpdated   time.Time // newest server updated_at seen (server clock)
	// sinceFloor: the start of the last list when it took longer than
	// half of changesSlack (local clock), else zero. The next changes-
	// since reads from no later: a server changed while a long multi-page
	// list ran may sit on a page read before its change while later pages
	// carry newer updated_at (a 50k first load on a loaded machine could
	// miss it until the next full list, hours later). A quick list needs
	// no floor (the slack covers it), and none keeps the sessions of
	// `stackpit serve` asking one question (their own starts differ).
	sinceFloor time.Time
	err        error

	detail *detail
	prompt uiprompt.Prompt

	bufA, bufB []table.Row
	flip       bool

	// prog is the running first load handing out pages (paged.go);
	// pagedIn counts the servers its pages brought so far.
	prog    *progress
	pagedIn int
	// partial: the rows are what a failed first load read before failing.
	partial bool

	// downHosts are hosts whose nova-compute is down or forced down.
	downHosts map[string]bool
	svcErr    error

	// ephemeralShared: instance disks live on shared storage (Ceph RBD), so
	// evacuation keeps them (per-cloud config).
	ephemeralShared bool
	// watchTune bounds the watch after a move is accepted (ops.WatchMove).
	watchTune ops.WatchTuning
	// journal keeps moves until they are seen to complete (nil: none).
	journal *ops.Store
}

// SetJournal journals every move (and locks its server) in store, so an
// interrupted one can be resumed.
func (p *Pane) SetJournal(store *ops.Store) { p.journal = store }

// SetEphemeralShared says whether the cloud's ephemeral disks are on shared
// storage; the evacuate pre-checks use it.
func (p *Pane) SetEphemeralShared(b bool) { p.ephemeralShared = b }

// entry is one server with its filter fields, rebuilt only when the server
// changes. Its table cells are made when drawn (table.CellSource: the rows
// on screen, the sort column), not kept (issue 15: ten cells, a field
// array and a joined copy per server were a third of the cockpit's heap at
// 50,000 servers).
//
// The fields a sort, a filter keystroke and a row read come first, so
// with the server's ID (the Server's first field) they share the entry's
// first two cache lines (issue 15: at 50,000 entries those passes mostly
// wait for memory; s first put all, ends and fault 488 bytes on).
type entry struct {
	// all is the lower-cased filter fields NUL-joined (one search per
	// free-text term); field i is all[ends[i-1]+1 : ends[i]] (match.go).
	all  string
	ends [len(fieldNames)]uint32
	// crit: a cell is CRIT (Crit), known at the build. In the padding
	// after ends: the entry stays 128 bytes. The table asks each row as a
	// first load's batches arrive, and reading the server's status for it
	// was a cache miss per row.
	crit  bool
	fault string
	// ageS is the server's age in seconds at the build (AGE: its text and
	// sort key); hasAge: its creation time is known. int32 and the two
	// flags keep the entry in a 576-byte size class (640 with an int64
	// and the text: 3 MB at 50,000).
	ageS     int32
	hasAge   bool
	hostDown bool // nova-compute on the server's host was down at the build
	// lowID, lowImage: the server's ID (image ID) is lower-case already
	// and not copied into all (its field there is empty: match.go reads
	// the server's own). Nova's IDs always are: two copies were ~72 bytes
	// an entry, ~3.6 MB at 50,000 (issue 15).
	lowID, lowImage bool
	id              string // s.ID and s.Host, beside the fields sorts and a change of
	host            string // down hosts read (no pointer chase per row)
	// s is read only: a first load's entries point into the pages the
	// list came in (issue 15: a copy per entry was 24 MB of new memory at
	// 50k, page faults the first load paid with the collector off; the
	// pages are kept by their entries instead of dropped).
	s *openstack.Server
}

// New makes the pane.
func New(ctx pane.Context, src Source) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	tbl := table.New(columns...)
	tbl.SetPresorted(true) // rows always come in the sort's order (sorted.go)
	// Entries change only through merge, which hands the table its rows
	// again: the table may keep its last frame.
	tbl.SetFrameCache(true)
	return &Pane{ctx: ctx, src: src, tbl: tbl, byID: map[string]*entry{}, watchTune: ops.DefaultWatch}
}

var columns = []table.Column{
	{Title: "NAME", Min: 10},
	{Title: "ID", Width: 13, HideBelow: 120},
	{Title: "PROJECT", Width: 9, HideBelow: 90},
	{Title: "STATUS", Width: 9},
	{Title: "TASK", Width: 10, HideBelow: 70},
	{Title: "POWER", Width: 8, HideBelow: 110},
	{Title: "HOST", Width: 12},
	{Title: "FLAVOR", Width: 9, HideBelow: 110},
	{Title: "IPS", Width: 15, HideBelow: 80},
	{Title: "AGE", Width: 4, Right: true},
}

// Column indexes.
const (
	colName = iota
	colID
	colProject
	colStatus
	colTask
	colPower
	colHost
	colFlavor
	colIPs
	colAge
)

func (p *Pane) ID() string    { return "instances" }
func (p *Pane) Title() string { return "Instances" }
func (p *Pane) KeyGroups() []string {
	if p.detail != nil {
		return []string{"instance_detail", "instances", "table"}
	}
	return []string{"instances", "table"}
}
func (p *Pane) Capturing() bool { return p.prompt.Active }

// Init starts the first full load.
func (p *Pane) Init() tea.Cmd { return p.fetch() }

// Refresh reloads now (ctrl+r).
func (p *Pane) Refresh() tea.Cmd {
	// ctrl+r: the whole list (a steady refresh reads only what changed).
	p.wantFull = true
	var cmds []tea.Cmd
	cmds = append(cmds, p.fetch())
	if p.detail != nil {
		cmds = append(cmds, p.detail.loadAll(p)...)
	}
	return tea.Batch(cmds...)
}

// Back closes the detail view (esc).
func (p *Pane) Back() bool {
	if p.prompt.Active {
		p.prompt.Close()
		return true
	}
	if p.detail != nil {
		p.detail = nil
		return true
	}
	return false
}

// Status reports data age, loading and the last error.
func (p *Pane) Status() pane.Status {
	st := pane.Status{Updated: p.updated, Loading: p.loading, Err: p.err}
	if p.faultsOnly {
		st.Note = "faults only"
	}
	return st
}

// SetFilter applies the shell's "/" text.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	next := compile(p.query)
	narrow := p.matchedValid && p.matchedSort == p.sortState() && p.match.narrows(next)
	p.match = next
	if narrow {
		p.applyFrom(p.matched, true)
		return
	}
	p.apply()
}

// Pivot opens the pane filtered on query ("host:compute03").
func (p *Pane) Pivot(query string) tea.Cmd {
	p.detail = nil
	p.SetFilter(query)
	if p.loading {
		return nil
	}
	return p.fetch()
}

// serversMsg carries a refresh result.
type serversMsg struct {
	servers []openstack.Server
	full    bool
	started time.Time
	err     error
	down    map[string]bool // nil when the services list failed
	svcErr  error
	paged   bool                // the list of a paged first load (its pages came first)
	asOf    time.Time           // non-zero: part of it was another session's answer, as of then (serve)
	present map[string]struct{} // non-nil: every server that exists (presence check)
	presAt  time.Time           // present's time (at or before its read)
	// A paged first load's pages not handed in a pagesMsg (the list's
	// last servers) with their entries, built as they came (paged.go).
	tailPages [][]openstack.Server
	tailBuilt []*entry
	tailDown  map[string]bool // the down hosts they were built with
	// counted: a paged first load read through PageCounter; servers is
	// nil (every server came in a page).
	counted bool
}

// PresenceSource lists which servers exist (IDs only: Nova's brief list),
// for a presence check between whole lists.
type PresenceSource interface {
	ServerIDs(ctx context.Context) ([]string, error)
}

// fetch starts a refresh unless one is running (requests never overlap).
func (p *Pane) fetch() tea.Cmd {
	if p.loading || p.src == nil {
		return nil
	}
	now := p.ctx.Now()
	full := p.wantFull || p.lastFull.IsZero() || now.Sub(p.lastFull) >= fullResyncEvery || p.maxUpdated.IsZero()
	p.wantFull = false
	var since time.Time
	timeout := fullTimeout
	if !full {
		since = p.maxUpdated
		if !p.sinceFloor.IsZero() && p.sinceFloor.Before(since) {
			since = p.sinceFloor
		}
		since = since.Add(-changesSlack)
		timeout = deltaTimeout
	}
	p.loading = true
	p.lastAttempt = now
	src := p.src
	// A first load shows its rows page by page (issue 15: first rows as
	// soon as the first page arrives); later full lists replace at once.
	paged, _ := src.(PagedSource)
	if !full || len(p.byID) > 0 {
		paged = nil
	}
	presence, _ := src.(PresenceSource)
	if full || now.Sub(p.lastPresence) < presenceEvery {
		presence = nil
	}
	var prog *progress
	if paged != nil {
		prog = newProgress(now, p.downHosts)
		p.prog, p.pagedIn = prog, 0
	}
	load := func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		m := serversMsg{full: full, started: now}
		// A paged first load asks for the compute services once its first
		// page is in (issue 15, first rows): at 1,000 hosts they are a
		// thousand entries for Nova to serve and us to decode beside that
		// page on two cores, and the down hosts they give are applied at
		// the load's end, not to its pages.
		firstPage, pageIn := servicesGate(paged != nil)
		onPage := func(ss []openstack.Server) { prog.add(ss); pageIn() }
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			waitFirstPage(ctx, firstPage)
			svcs, err := src.ComputeServices(ctx)
			if err != nil {
				m.svcErr = err
				return
			}
			m.down = map[string]bool{}
			for _, s := range svcs {
				if s.Binary == "nova-compute" && (strings.EqualFold(s.State, "down") || s.ForcedDown) {
					m.down[s.Host] = true
				}
			}
		}()
		if paged != nil {
			m.paged = true
			if pc, ok := src.(PageCounter); ok {
				m.counted = true
				_, m.err = pc.ServersPagedCount(ctx, since, onPage)
			} else {
				m.servers, m.err = paged.ServersPaged(ctx, since, onPage)
			}
			pageIn() // a list that ended without a page (failed) waits no more
		} else {
			m.servers, m.err = src.Servers(ctx, since)
		}
		if presence != nil && m.err == nil {
			pctx, page := cadence.WithAge(ctx)
			ids, err := presence.ServerIDs(pctx)
			m.presAt = page.At(now) // now: before a read of our own
			if err == nil {
				m.present = make(map[string]struct{}, len(ids))
				for _, id := range ids {
					m.present[id] = struct{}{}
				}
			}
			// A failed check is tried again at the next refresh.
		}
		wg.Wait()
		m.asOf = age.Oldest()
		return m
	}
	if prog == nil {
		return load
	}
	return func() tea.Msg {
		go func() { prog.finish(load().(serversMsg)) }()
		return prog.wait()
	}
}

// servicesWaitMax bounds how long a paged first load's services read waits
// for the first page (a var for tests).
var servicesWaitMax = time.Second

// servicesGate makes the gate a paged first load's services read waits
// on: pageIn opens it (at the first page, or when the list ended). Not
// paged: open already.
func servicesGate(paged bool) (gate <-chan struct{}, pageIn func()) {
	c := make(chan struct{})
	if !paged {
		close(c)
		return c, func() {}
	}
	return c, sync.OnceFunc(func() { close(c) })
}

// waitFirstPage waits for gate, at most servicesWaitMax, or ctx's end.
func waitFirstPage(ctx context.Context, gate <-chan struct{}) {
	select {
	case <-gate:
		return
	default:
	}
	t := time.NewTimer(servicesWaitMax)
	defer t.Stop()
	select {
	case <-gate:
	case <-t.C:
	case <-ctx.Done():
	}
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case pagesMsg:
		if m.prog != p.prog || !p.loading {
			return p, nil
		}
		p.addPages(m.prog.down, m.pages, m.built)
		for _, pg := range m.pages {
			p.pagedIn += len(pg)
		}
		return p, m.prog.wait
	case serversMsg:
		p.loading = false
		p.prog = nil
		if m.err != nil {
			p.err = m.err
			// A first load that failed after some pages: the rows shown
			// are not the whole list, and the screen says so.
			p.partial = m.paged && p.pagedIn > 0
			return p, nil
		}
		p.err = nil
		p.partial = false
		p.svcErr = m.svcErr
		// Host states changed: the faults of the servers on the hosts that
		// went down or came back may change, and are made again with those
		// of servers in a task (a stuck task's fault is the clock's).
		// Making every entry again held the screen 200-400 ms at the end of
		// a 50k first load (BenchmarkFirstLoadEnd50k).
		var flipped map[string]bool
		downWas := p.downHosts
		if m.down != nil && !sameSet(m.down, p.downHosts) {
			flipped = map[string]bool{}
			for h := range m.down {
				if !p.downHosts[h] {
					flipped[h] = true
				}
			}
			for h := range p.downHosts {
				if !m.down[h] {
					flipped[h] = true
				}
			}
			p.downHosts = m.down
		}
		now := p.ctx.Now()
		refault := func(e *entry) bool {
			if flipped == nil || !flipped[e.host] && e.field(4) == "" { // field 4: the task, lower-cased
				return false
			}
			*e = *newEntryAt(e.s, now, p.downHosts)
			return true
		}
		rebuilt := false
		if flipped != nil {
			for _, e := range p.byID {
				had := e.fault != ""
				if refault(e) {
					rebuilt = true
					if had {
						p.nFaults--
					}
					if e.fault != "" {
						p.nFaults++
					}
				}
			}
			if rebuilt {
				p.sorted.ok = false // the rows' cells changed in place
			}
		}
		if m.paged && len(m.tailPages) > 0 && (m.counted || p.pagedIn+pagesLen(m.tailPages) == len(m.servers)) {
			// The list's last pages, built with the down hosts the pane had
			// (their entries made again like the others' if those changed;
			// their order is the name's): in with one apply for both.
			var applied bool
			if sameSet(m.tailDown, downWas) {
				for _, e := range m.tailBuilt {
					refault(e)
				}
				applied = p.addPages(p.downHosts, m.tailPages, m.tailBuilt)
			} else {
				applied = p.addPages(m.tailDown, m.tailPages, m.tailBuilt) // merged page by page
			}
			p.pagedIn += pagesLen(m.tailPages)
			if applied {
				rebuilt = false
			}
		}
		if rebuilt {
			p.apply()
		}
		switch {
		case m.counted:
			// Every page came through the progress (pagesMsg, tail): they
			// were the list.
		case m.paged && p.pagedIn <= len(m.servers):
			// The pages were the list's first pagedIn servers, in order,
			// into an empty pane: only the rest is new (a full merge
			// rebuilt and compared 50,000 entries as the last rows landed).
			if rest := m.servers[p.pagedIn:]; len(rest) > 0 {
				p.merge(rest, false)
			}
		default:
			p.merge(withAbsent(m.servers, m.present, m.presAt, p.byID), m.full)
		}
		// A shared answer (serve): its age is what the pane says, and it
		// was asked for then.
		p.updated = cadence.AsOf(p.ctx.Now(), m.asOf)
		started := cadence.AsOf(m.started, m.asOf)
		p.sinceFloor = time.Time{}
		if p.ctx.Now().Sub(started) > changesSlack/2 {
			p.sinceFloor = started
		}
		if m.full {
			p.lastFull = m.started
		}
		if m.full || m.present != nil {
			p.lastPresence = m.started
		}
		return p, nil
	case detailMsg:
		if p.detail != nil && p.detail.id == m.id {
			p.detail.set(m)
		}
		return p, nil
	case pane.TickMsg:
		var cmds []tea.Cmd
		if !p.loading && p.ctx.Now().Sub(p.lastAttempt) >= p.ctx.Refresh {
			cmds = append(cmds, p.fetch())
		}
		// An open detail view refreshes too (e.g. to follow a migration).
		if d := p.detail; d != nil && !d.busy() && p.ctx.Now().Sub(d.loadedAt) >= p.ctx.Refresh {
			cmds = append(cmds, d.loadAll(p)...)
		}
		if len(cmds) == 0 {
			return p, nil
		}
		return p, tea.Batch(cmds...)
	case pane.ResumeMsg:
		return p, p.resume(m)
	case pane.ActionDoneMsg:
		// Something changed in the cloud: refresh now and reload the detail.
		cmds := []tea.Cmd{p.fetch()}
		if p.detail != nil {
			cmds = append(cmds, p.detail.loadAll(p)...)
		}
		return p, tea.Batch(cmds...)
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
	if p.detail != nil {
		if cmd, ok := p.detail.requestKey(p, k); ok {
			return cmd
		}
	}
	if cmd, ok := p.actionKey(k); ok {
		return cmd
	}
	switch {
	case p.is(k, "instances.faults"):
		p.faultsOnly = !p.faultsOnly
		p.apply()
		return nil
	case p.is(k, "instances.host"):
		if s, ok := p.current(); ok && s.Host != "" {
			return pane.Pivot("compute", "host:"+s.Host)
		}
		return pane.Toast(themes.Warn, "no host known for this instance")
	case p.is(k, "instances.logs"):
		// Logs mentioning this instance's UUID, across every service.
		if s, ok := p.current(); ok && s.ID != "" {
			return pane.Pivot("logs", "instance:"+s.ID)
		}
		return nil
	case p.is(k, "table.copy"):
		if s, ok := p.current(); ok {
			id := s.ID
			return pane.Copy(id, safe.Line)
		}
		return nil
	case p.is(k, "instances.back") || k == "esc":
		p.Back()
		return nil
	case p.is(k, "global.refresh"):
		return p.Refresh()
	}
	if p.detail != nil {
		return p.detail.key(p, k)
	}
	sortWas := p.sortState()
	if p.tbl.HandleKey(p.is, k) {
		if p.sortState() != sortWas {
			p.apply() // the rows in the new order (the table does not sort them: SetPresorted)
		}
		return nil
	}
	switch {
	case p.is(k, "table.open"):
		if s, ok := p.current(); ok {
			p.detail = &detail{id: s.ID}
			return tea.Batch(p.detail.loadAll(p)...)
		}
	}
	return nil
}

// current is the server under the cursor, or the one the detail shows.
func (p *Pane) current() (openstack.Server, bool) {
	if p.detail != nil {
		if p.detail.server != nil {
			return *p.detail.server, true
		}
		if e, ok := p.byID[p.detail.id]; ok {
			return *e.s, true
		}
		return openstack.Server{ID: p.detail.id}, true
	}
	r, ok := p.tbl.Selected()
	if !ok {
		return openstack.Server{}, false
	}
	e, ok := p.byID[r.Key]
	if !ok {
		return openstack.Server{}, false
	}
	return *e.s, true
}

// merge folds a refresh result into the cache; cost follows the number of
// changed servers plus one pass to re-filter.
// withAbsent adds a deletion for every shown server the presence check
// did not list, unless it may have been created after the check: this
// delta brought it, or Nova says it was created less than presenceSkew
// before the check's time presAt (in serve the ID list may be another
// session's, taken before this session's last delta).
func withAbsent(ss []openstack.Server, present map[string]struct{}, presAt time.Time, shown map[string]*entry) []openstack.Server {
	if present == nil {
		return ss
	}
	// The list may be shared (serve's sessions read one cache's answer):
	// appending into its spare room would write where another reads.
	ss = slices.Clip(ss)
	listed := make(map[string]bool, len(ss))
	for i := range ss {
		listed[ss[i].ID] = true
	}
	before := presAt.Add(-presenceSkew)
	for id, e := range shown {
		if _, ok := present[id]; !ok && !listed[id] && (e.s.Created.IsZero() || e.s.Created.Before(before)) {
			ss = append(ss, openstack.Server{ID: id, Deleted: true})
		}
	}
	return ss
}

func (p *Pane) merge(ss []openstack.Server, full bool) {
	now := p.ctx.Now()
	if full {
		old := p.byID
		p.byID = make(map[string]*entry, len(ss))
		p.maxUpdated = time.Time{}
		kept := 0
		for i := range ss {
			s := &ss[i]
			if s.Deleted {
				continue
			}
			if e, ok := old[s.ID]; ok && sameServer(e.s, s) {
				// The same server: the entry now points into this list,
				// so an older list (a first load's pages) is not kept
				// alive by the entries that did not change. Lists are
				// never written once handed (withAbsent clips). Only when
				// every field the entry's filter text and age came from is
				// equal too: cells read e.s, filter and sort e.all.
				if sameEntryFields(e.s, s) {
					// e.id too: a first load's ID lives in its server's
					// own block (ID, name, addresses), which it would keep.
					e.s, e.id = s, s.ID
				}
				p.byID[s.ID] = e
				kept++
			} else {
				p.byID[s.ID] = newEntry(*s, now, p.downHosts)
			}
			if s.Updated.After(p.maxUpdated) {
				p.maxUpdated = s.Updated
			}
		}
		if kept == len(old) && len(p.byID) == len(old) && len(p.order) == len(old) {
			// The same entries (the end of a paged first load, a periodic
			// full list with no change): the order stands.
			p.apply()
			return
		}
		p.sorted.ok = false
	} else {
		reorder := false
		moved := false                // a changed entry joined or left the matched or shown rows
		var added []*entry            // new servers, merged into p.order when nothing else moved
		var changed, removed []*entry // for the sorted view (sorted.go)
		for _, s := range ss {
			if s.Updated.After(p.maxUpdated) {
				p.maxUpdated = s.Updated
			}
			e, ok := p.byID[s.ID]
			switch {
			case s.Deleted:
				if ok {
					delete(p.byID, s.ID)
					removed = append(removed, e)
					reorder = true
				}
			case !ok:
				e := newEntry(s, now, p.downHosts)
				p.byID[s.ID] = e
				added = append(added, e)
			case sameServer(e.s, &s):
			default:
				// Update in place so p.order stays valid; reorder only
				// when the sort key (name) changed.
				ne := newEntry(s, now, p.downHosts)
				if ne.sortKey() != e.sortKey() {
					reorder = true
				}
				if (ne.fault != "") != (e.fault != "") {
					if ne.fault != "" {
						p.nFaults++
					} else {
						p.nFaults--
					}
				}
				if p.matchedValid && (p.matches(e) != p.matches(ne) || p.shows(e) != p.shows(ne)) {
					moved = true
				}
				*e = *ne
				changed = append(changed, e)
			}
		}
		p.resort(changed, added, removed)
		if !reorder && !moved && len(added) == 0 && len(removed) == 0 && p.patchRows(changed) {
			return
		}
		if !reorder {
			// Only additions (a page of a first load, new servers): sort
			// them and merge, not re-sort everything (50 pages of a 50k
			// load re-sorted up to 50,000 entries each).
			if len(added) > 0 {
				slices.SortFunc(added, entryCmp)
				p.order = mergeSorted(p.order, added)
				for _, e := range added {
					if e.fault != "" {
						p.nFaults++
					}
				}
			}
			p.apply()
			return
		}
	}
	p.order = p.order[:0]
	p.nFaults = 0
	for _, e := range p.byID {
		p.order = append(p.order, e)
		if e.fault != "" {
			p.nFaults++
		}
	}
	slices.SortFunc(p.order, entryCmp)
	p.apply()
}

// entryCmp is the pane's given order: name (lower-case), then ID.
func entryCmp(a, b *entry) int {
	if c := strings.Compare(a.sortKey(), b.sortKey()); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// mergeSorted merges two slices sorted by entryCmp into a new one.
func mergeSorted(a, b []*entry) []*entry {
	out := make([]*entry, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if entryCmp(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// sameServer compares the fields the pane shows (Updated changes with every
// state change Nova records).
// sameEntryFields: the fields an entry is made from that sameServer
// does not compare are equal too (a repointed entry stays one version).
func sameEntryFields(a, b *openstack.Server) bool {
	return a.ProjectID == b.ProjectID && a.FlavorID == b.FlavorID && a.Zone == b.Zone &&
		a.ImageID == b.ImageID && a.Created.Equal(b.Created)
}

func sameServer(a, b *openstack.Server) bool {
	return a.Updated.Equal(b.Updated) && a.Status == b.Status && a.TaskState == b.TaskState &&
		a.PowerState == b.PowerState && a.Host == b.Host && a.Name == b.Name &&
		a.ProjectName == b.ProjectName && a.FlavorName == b.FlavorName && slices.Equal(a.IPs, b.IPs)
}

// apply re-filters the cached rows into the table.
func (p *Pane) apply() { p.applyFrom(p.view(), false) }

// sortState is the table's sort (column, desc as 0/1).
func (p *Pane) sortState() [2]int {
	c, desc := p.tbl.SortState()
	if desc {
		return [2]int{c, 1}
	}
	return [2]int{c, 0}
}

// applyFrom filters candidates (a subsequence of p.view()) into the table.
// narrowing is set when cands is p.matched itself.
func (p *Pane) applyFrom(cands []*entry, narrowing bool) {
	// Two row buffers used in turn: the table still holds the previous
	// slice while SetRows looks up the cursor row in it.
	p.flip = !p.flip
	buf := &p.bufA
	if p.flip {
		buf = &p.bufB
	}
	if cap(*buf) < len(p.order) {
		*buf = make([]table.Row, 0, len(p.order))
	}
	rows := (*buf)[:0]
	empty := p.match.empty()
	matched := p.matched[:0]
	if narrowing {
		// Into the spare buffer, the old matches becoming the next spare:
		// no 400 kB slice per keystroke at 50,000 servers (a keystroke
		// that allocates during a collection helps mark: issue 15's
		// slowest filter keystroke waited on such an assist).
		matched = p.matchedSpare[:0]
		p.matchedSpare = cands
	}
	if empty && cap(matched) < len(cands) {
		// Every candidate matches: sized once, not regrown by doubling
		// (each batch of a first load brings more rows than the last).
		matched = make([]*entry, 0, len(cands))
	}
	for _, e := range cands {
		if !empty && !p.match.matchEntry(e) {
			continue
		}
		matched = append(matched, e)
		if p.faultsOnly && e.fault == "" {
			continue
		}
		rows = append(rows, e.row())
	}
	p.matched, p.matchedValid, p.matchedSort = matched, true, p.sortState()
	p.shown = len(rows)
	p.tbl.SetRows(rows)
}

// matches: e passes the filter.
func (p *Pane) matches(e *entry) bool { return p.match.empty() || p.match.matchEntry(e) }

// shows: e is one of the table's rows (applyFrom's rule).
func (p *Pane) shows(e *entry) bool { return p.matches(e) && (!p.faultsOnly || e.fault != "") }

// patchRows updates the table's rows of entries a refresh changed in place,
// when the rows shown and their order stand: a steady refresh then costs
// O(changes) on the UI goroutine, not a rebuild of every row (issue 15: the
// 50,000-row apply of a 10-server delta held a keystroke back 20-90 ms).
// False: the order changed, apply.
func (p *Pane) patchRows(changed []*entry) bool {
	if !p.matchedValid || p.matchedSort != p.sortState() {
		return false
	}
	if len(changed) == 0 {
		return true
	}
	rows := p.tbl.Rows()
	c, desc := p.tbl.SortState()
	cmp := func(r table.Row, e *entry) int {
		if c < 0 {
			return entryCmp(r.Src.(*entry), e)
		}
		return table.CompareRows(r, e.row(), c, desc)
	}
	at := make([]int, 0, len(changed))
	for _, e := range changed {
		if !p.shows(e) {
			continue
		}
		// The rows are in order (name, or the sort column, then ID): a
		// binary search finds e if it kept its place; if it did not, the
		// search misses it or a neighbour is out of order.
		i, found := slices.BinarySearchFunc(rows, e, cmp)
		if !found || rows[i].Src != table.CellSource(e) ||
			i > 0 && cmp(rows[i-1], e) > 0 || i+1 < len(rows) && cmp(rows[i+1], e) < 0 {
			return false
		}
		at = append(at, i)
	}
	for _, i := range at {
		p.tbl.SetRow(i, rows[i].Src.(*entry).row())
	}
	return true
}

// faultOf says why a server counts as a fault ("" if it does not).
func faultOf(s openstack.Server, now time.Time, down map[string]bool) string {
	switch {
	case strings.EqualFold(s.Status, "ERROR"):
		return "ERROR"
	case strings.EqualFold(s.Status, "UNKNOWN"):
		return "status UNKNOWN"
	case s.Host != "" && down[s.Host]:
		return "host " + s.Host + " DOWN"
	}
	switch s.PowerState {
	case 1, 3, 4, 7:
	default:
		if !strings.EqualFold(s.Status, "BUILD") {
			return "power " + openstack.PowerStateName(s.PowerState)
		}
	}
	if s.TaskState != "" && !s.Updated.IsZero() && now.Sub(s.Updated) >= stuckTaskAfter {
		return "stuck " + s.TaskState
	}
	return ""
}

func newEntry(s openstack.Server, now time.Time, down map[string]bool) *entry {
	return newEntryAt(&s, now, down)
}

// newEntryAt is newEntry for a server the entry may point to: read only,
// and kept as long as the entry.
func newEntryAt(s *openstack.Server, now time.Time, down map[string]bool) *entry {
	e := new(entry)
	e.build(s, now, down, nil, 0)
	return e
}

// entryTextBlock is the room a page's entries share for their filter text
// (buildEntries: one allocation per block, not one per entry).
const entryTextBlock = 16 << 10

// build makes e the entry of s (newEntryAt), its filter text in buf's
// room, or a new block's when buf has too little: room for this text and
// about as much for each of the more entries still to build (up to
// entryTextBlock). It returns buf past the text.
func (e *entry) build(s *openstack.Server, now time.Time, down map[string]bool, buf []byte, more int) []byte {
	*e = entry{s: s, id: s.ID, host: s.Host, fault: faultOf(*s, now, down), hostDown: s.Host != "" && down[s.Host]}
	if !s.Created.IsZero() {
		e.hasAge = true
		e.ageS = int32(min(max(now.Sub(s.Created)/time.Second, math.MinInt32), math.MaxInt32))
	}
	e.lowID, e.lowImage = filter.IsLower(s.ID), filter.IsLower(s.ImageID)
	n := len(s.Name) + len(ownUnlessLower(s.ID, e.lowID)) + len(s.ProjectName) + len(s.ProjectID) + 1 + len(s.Status) + len(s.TaskState) + 8 + len(s.Host) +
		len(s.FlavorName) + len(s.FlavorID) + len(s.Zone) + len(ownUnlessLower(s.ImageID, e.lowImage)) + len(fieldNames)
	for _, ip := range s.IPs {
		n += len(ip) + 1
	}
	// One buffer, the fields appended and lower-cased in place: no
	// per-field copies (the builder makes 50,000 of these at a 50k start).
	// Its room is capped at n: text longer than counted (a lower-cased
	// rune that grew) moves to its own array, never over the next entry's.
	if cap(buf)-len(buf) < n {
		buf = make([]byte, 0, max(n, min(entryTextBlock, n*(more+1))))
	}
	b := buf[len(buf) : len(buf) : len(buf)+n]
	field := func(i int, v string) {
		if i > 0 {
			b = append(b, 0)
		}
		b = appendLower(b, v)
		e.ends[i] = uint32(len(b))
	}
	field(0, s.Name)
	field(1, ownUnlessLower(s.ID, e.lowID))
	if pn, pid := s.ProjectName, s.ProjectID; pn != "" && pid != "" && strings.TrimSpace(pn) == pn && strings.TrimSpace(pid) == pid {
		b = append(b, 0)
		b = appendLower(b, pn)
		b = append(b, ' ')
		b = appendLower(b, pid)
		e.ends[2] = uint32(len(b))
	} else {
		field(2, strings.TrimSpace(pn+" "+pid))
	}
	field(3, s.Status)
	field(4, s.TaskState)
	field(5, openstack.PowerStateName(s.PowerState))
	field(6, s.Host)
	field(7, orID(s.FlavorName, s.FlavorID))
	b = append(b, 0)
	for k, ip := range s.IPs {
		if k > 0 {
			b = append(b, ' ')
		}
		b = appendLower(b, ip)
	}
	e.ends[8] = uint32(len(b))
	field(9, s.Zone)
	field(10, ownUnlessLower(s.ImageID, e.lowImage))   // image:<id>, the images pane's pivot
	e.all = unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
	e.crit = strings.EqualFold(s.Status, "ERROR") || e.hostDown ||
		strings.HasPrefix(e.fault, "stuck") || strings.HasPrefix(e.fault, "power")
	return buf[:len(buf)+n]
}

// ownUnlessLower is v, or "" when v is lower-case already (low): all then
// keeps no copy of it.
func ownUnlessLower(v string, low bool) string {
	if low {
		return ""
	}
	return v
}

// appendLower appends v lower-cased to b.
func appendLower(b []byte, v string) []byte {
	start := len(b)
	b = append(b, v...)
	for j := start; j < len(b); j++ {
		c := b[j]
		if c >= 0x80 {
			return append(b[:start], strings.ToLower(v)...)
		}
		if 'A' <= c && c <= 'Z' {
			b[j] = c + 'a' - 'A'
		}
	}
	return b
}

// sortKey is the pane's given order: the lower-case name.
func (e *entry) sortKey() string { return e.all[:e.ends[0]] }

// row is the entry's table row; its cells are made when drawn.
func (e *entry) row() table.Row {
	r := table.Row{Key: e.id, Src: e} // e.s.ID, without a read of the server
	if e.fault != "" {
		r.Role = themes.Warn
	}
	return r
}

// Cell makes column i's cell (table.CellSource).
func (e *entry) Cell(i int) table.Cell {
	s := e.s
	switch i {
	case colName:
		return table.C(s.Name)
	case colID:
		return table.C(s.ID)
	case colProject:
		return table.C(orID(s.ProjectName, s.ProjectID))
	case colStatus:
		role := themes.Normal
		switch {
		case strings.EqualFold(s.Status, "ERROR"):
			role = themes.Crit
		case strings.EqualFold(s.Status, "SHUTOFF"):
			role = themes.Muted
		case s.Status != "ACTIVE":
			role = themes.Warn
		}
		return table.S(dash(s.Status), role)
	case colTask:
		switch {
		case strings.HasPrefix(e.fault, "stuck"):
			return table.S("!"+s.TaskState, themes.Crit)
		case s.TaskState == "":
			return table.S("-", themes.Muted)
		}
		return table.S(s.TaskState, themes.Warn)
	case colPower:
		power := openstack.PowerStateName(s.PowerState)
		if strings.HasPrefix(e.fault, "power") {
			return table.S(power, themes.Crit)
		}
		return table.C(power)
	case colHost:
		if e.hostDown {
			return table.Cell{Text: "✗ " + s.Host, Role: themes.Crit, Sort: s.Host}
		}
		return table.C(dash(s.Host))
	case colFlavor:
		return table.C(orID(s.FlavorName, s.FlavorID))
	case colIPs:
		return table.C(strings.Join(s.IPs, " "))
	case colAge:
		if !e.hasAge {
			return table.Cell{}
		}
		return table.Cell{Text: pane.Age(time.Duration(e.ageS) * time.Second), Sort: strconv.Itoa(int(e.ageS))}
	}
	return table.Cell{}
}

// SortKey is column i's sort key lower-cased, as a sort reads it from
// Cell(i) (table.SortKeyer), mostly a field of e.all: no cell made, no
// allocation but AGE's digits and a stuck task's "!".
func (e *entry) SortKey(i int) string {
	switch i {
	case colName:
		return e.field(0)
	case colID:
		return e.field(1)
	case colProject:
		return strings.ToLower(orID(e.s.ProjectName, e.s.ProjectID))
	case colStatus:
		return dash(e.field(3))
	case colTask:
		switch {
		case strings.HasPrefix(e.fault, "stuck"):
			return "!" + e.field(4)
		case e.field(4) == "": // no task (a lower-cased task is never empty)
			return "-"
		}
		return e.field(4)
	case colPower:
		return e.field(5)
	case colHost:
		if e.hostDown {
			return e.field(6)
		}
		return dash(e.field(6))
	case colFlavor:
		return e.field(7)
	case colIPs:
		return e.field(8)
	case colAge:
		if !e.hasAge {
			return ""
		}
		return strconv.Itoa(int(e.ageS))
	}
	return ""
}

// SortNumber is AGE's sort key as the number it is (table.SortNumberer):
// no digits made for a sort on AGE.
func (e *entry) SortNumber(i int) (float64, bool) {
	if i != colAge || !e.hasAge {
		return 0, false
	}
	return float64(e.ageS), true
}

// Crit: a cell is CRIT (table.CellSource), as Cell would style them. The
// fields it is made of change only by a new build: a refault and an
// incremental merge replace the whole entry (*e = *ne), and a repointed
// entry's server has the same status. Setting fault or hostDown on their
// own would leave it stale.
func (e *entry) Crit() bool { return e.crit }

// orID is name, or id when the name is not known.
func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// View renders the list (or the detail view) in width x height.
func (p *Pane) View(width, height int) string {
	if width < 1 || height < 1 {
		return ""
	}
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	var lines []string
	lines = append(lines, p.header(width, th))
	if p.err != nil {
		msg := "✗ refresh failed: "
		if !p.updated.IsZero() {
			msg = "✗ refresh failed (showing data from " + pane.DataAge(p.ctx.Now().Sub(p.updated)) + " ago): "
		}
		if p.partial {
			msg = fmt.Sprintf("✗ list incomplete: loading stopped after %d servers: ", p.pagedIn)
		}
		msg += p.err.Error()
		lines = append(lines, th.Render(themes.Crit, safe.Fit(msg, width)))
	}
	bottom := ""
	if p.prompt.Active {
		bottom = p.prompt.View(width, th)
	}
	body := height - len(lines)
	if bottom != "" {
		body--
	}
	if body > 0 {
		if p.detail != nil {
			lines = append(lines, p.detail.view(p, width, body, th))
		} else if p.updated.IsZero() && p.loading && len(p.byID) == 0 {
			// (Once a first page is in, its rows show while the rest loads.)
			lines = append(lines, th.Render(themes.Muted, safe.Fit("loading servers…", width)))
		} else {
			lines = append(lines, p.tbl.View(width, body, th))
		}
	}
	if bottom != "" {
		lines = append(lines, bottom)
	}
	return strings.Join(lines, "\n")
}

func (p *Pane) header(width int, th *themes.Theme) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d servers", p.shown, len(p.byID))
	if p.nFaults > 0 {
		fmt.Fprintf(&b, " · %d faults", p.nFaults)
	}
	if n := len(p.downHosts); n > 0 {
		fmt.Fprintf(&b, " · %d host(s) DOWN", n)
	}
	if p.faultsOnly {
		b.WriteString(" · FAULTS ONLY")
	}
	if p.filterText != "" {
		b.WriteString(" · filter: " + safe.Text(p.filterText))
	}
	if c, desc := p.tbl.SortState(); c >= 0 {
		dir := "▲"
		if desc {
			dir = "▼"
		}
		b.WriteString(" · sort " + columns[c].Title + dir)
	}
	switch {
	case p.updated.IsZero() && p.loading:
		b.WriteString(" · loading…")
	case p.updated.IsZero():
		b.WriteString(" · no data")
	default:
		b.WriteString(" · updated " + pane.FreshAge(p.ctx.Now().Sub(p.updated), p.ctx.Refresh) + " ago")
		if p.loading && p.ctx.Now().Sub(p.lastAttempt) >= pane.SlowRefresh {
			b.WriteString(" · refreshing…")
		}
	}
	return th.Render(themes.Title, safe.Fit(b.String(), width))
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbl }
