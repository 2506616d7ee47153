package instances

import (
	"context"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// PagedSource is a Source that can also hand out a full list page by page
// as it arrives; the pane then shows the first rows of a first load while
// the rest loads (a 50,000-server list is ~50 pages).
type PagedSource interface {
	ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error)
}

// PageCounter is a PagedSource that can also hand out a first load's
// pages without the joined list, returning only how many servers they
// held: the pane keeps its own rows, and the joined copy of 50,000 servers
// was a seventh of the cockpit's CPU in that load.
type PageCounter interface {
	ServersPagedCount(ctx context.Context, since time.Time, onPage func([]openstack.Server)) (int, error)
}

// progress carries pages from a running load to Update. A builder
// goroutine makes each page's entries as it arrives, off the UI goroutine
// and while the next pages are on the wire (issue 15: built in Update,
// 50,000 entries and their sort held the screen 300-400 ms after the last
// page came); pages built while Update is busy are coalesced into one
// message.
type progress struct {
	mu      sync.Mutex
	pending [][]openstack.Server // pages not yet built
	pages   [][]openstack.Server // pages built, not yet handed to Update
	runs    [][]*entry           // their entries: sorted runs (pushRun), merged when handed
	done    bool                 // the load ended (final is set)
	idle    bool                 // done, and every page built: ended is closed
	final   serversMsg
	notify  chan struct{} // capacity 1: a page was built, or the end
	work    chan struct{} // capacity 1: wakes the builder
	ended   chan struct{}
	lastOut time.Time // when pages were last handed to Update
	outs    int       // batches handed to Update
	// now and down are what the entries are built with: the pane's clock
	// and down hosts when the load started (down hosts change only when a
	// load ends, and loads never overlap).
	now  time.Time
	down map[string]bool
}

// pageEvery spaces the page batches of one load: each batch re-sorts the
// rows so far, and 50 of them would cost more than the first rows gain.
// The spacing doubles after each batch, up to pageEveryMax: a batch costs
// Update a pass over every row so far (merge, filter, table rows: 50-150
// ms of the UI goroutine near the end of a 50k load, in traces of the
// real binary), and a few of them are enough to show the load going on.
const (
	pageEvery    = 250 * time.Millisecond
	pageEveryMax = time.Second
)

// every is the wait before the next batch.
func (g *progress) every() time.Duration {
	return min(pageEvery<<min(max(g.outs-1, 0), 8), pageEveryMax)
}

// pagesMsg is a batch of rows of a first load still running: its pages
// and their entries (built, sorted by entryCmp).
type pagesMsg struct {
	prog  *progress
	pages [][]openstack.Server
	built []*entry
}

func newProgress(now time.Time, down map[string]bool) *progress {
	g := &progress{notify: make(chan struct{}, 1), work: make(chan struct{}, 1), ended: make(chan struct{}), now: now, down: down}
	go g.build()
	return g
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (g *progress) add(ss []openstack.Server) {
	g.mu.Lock()
	g.pending = append(g.pending, ss)
	g.mu.Unlock()
	poke(g.work)
}

func (g *progress) finish(m serversMsg) {
	g.mu.Lock()
	g.final, g.done = m, true
	g.mu.Unlock()
	poke(g.work)
}

// build makes the entries of each page added, until the load ended and
// every page is built.
func (g *progress) build() {
	for {
		g.mu.Lock()
		if len(g.pending) == 0 {
			if g.done {
				g.idle = true
				g.mu.Unlock()
				close(g.ended)
				poke(g.notify)
				return
			}
			g.mu.Unlock()
			<-g.work
			continue
		}
		page := g.pending[0]
		g.pending = g.pending[1:]
		g.mu.Unlock()
		es := buildEntries(page, g.now, g.down)
		g.mu.Lock()
		g.pages = append(g.pages, page)
		g.runs = pushRun(g.runs, es)
		g.mu.Unlock()
		poke(g.notify)
	}
}

// pushRun adds a sorted run to a stack of runs, merging the top two while
// the upper is at least half the size of the one under it: each entry is
// merged O(log pages) times. Merging each page into one growing list
// moved every entry built so far once per page (entryCmp reads two
// entries' names, a cache miss each: 40 ms of the builder's CPU in a 50k
// first load of the real binary, beside the decoding it shares the cores
// with).
func pushRun(runs [][]*entry, es []*entry) [][]*entry {
	if len(es) == 0 {
		return runs
	}
	runs = append(runs, es)
	for n := len(runs); n >= 2 && 2*len(runs[n-1]) >= len(runs[n-2]); n = len(runs) {
		runs[n-2] = mergeSorted(runs[n-2], runs[n-1])
		runs = runs[:n-1]
	}
	return runs
}

// mergeRuns merges a stack of sorted runs into one (nil when none),
// smallest first.
func mergeRuns(runs [][]*entry) []*entry {
	if len(runs) == 0 {
		return nil
	}
	out := runs[len(runs)-1]
	for i := len(runs) - 2; i >= 0; i-- {
		out = mergeSorted(runs[i], out)
	}
	return out
}

// buildEntries makes the entries of a page's servers (not the deleted:
// a first load has nothing to delete), sorted by entryCmp.
//
// Their filter text shares a few blocks: 50,000 allocations fewer in a 50k
// first load. A block (no pointers) lives as long as one of its entries:
// entries rebuilt later (a refresh, a host going down) leave their old text
// in it, at most the first load's text (~10 MB at 50k) over a session.
// The entries themselves are not one block: a dead one would keep the
// page it points into alive (merge repoints the live ones to drop it).
func buildEntries(ss []openstack.Server, now time.Time, down map[string]bool) []*entry {
	es := make([]*entry, 0, len(ss))
	var text []byte
	for i := range ss {
		if !ss[i].Deleted {
			e := new(entry)
			text = e.build(&ss[i], now, down, text, len(ss)-i-1) // the page is kept, never changed
			es = append(es, e)
		}
	}
	slices.SortFunc(es, entryCmp)
	return es
}

// wait returns the next message of the load: pages (at most every
// pageEvery), then the final list, carrying the pages built since the
// last batch.
func (g *progress) wait() tea.Msg {
	for {
		g.mu.Lock()
		if len(g.pages) > 0 && !g.idle {
			if left := g.every() - time.Since(g.lastOut); left > 0 {
				g.mu.Unlock()
				timer := time.NewTimer(left)
				select {
				case <-timer.C:
				case <-g.ended:
				}
				timer.Stop()
				continue
			}
		}
		// Pages still unhanded when the load failed go out first (its
		// rows read stay on screen, said to be incomplete); a whole list
		// carries them with it.
		if len(g.pages) > 0 && (!g.idle || g.final.err != nil) {
			m := pagesMsg{prog: g, pages: g.pages}
			runs := g.runs
			g.pages, g.runs = nil, nil
			g.lastOut = time.Now()
			g.outs++
			g.mu.Unlock()
			m.built = mergeRuns(runs) // off the lock: the builder goes on
			return m
		}
		if g.idle {
			m := g.final
			m.tailPages, m.tailDown = g.pages, g.down
			runs := g.runs
			g.pages, g.runs = nil, nil
			g.mu.Unlock()
			m.tailBuilt = mergeRuns(runs)
			return m
		}
		g.mu.Unlock()
		<-g.notify
	}
}

// addPages merges a batch of a first load's pages into the pane: their
// entries as built when the pane's down hosts are still those they were
// built with and none of the servers is known yet (always, in a first
// load), else page by page as any refresh. It says whether it applied the
// rows (entries changed in place before it reach the screen only by an
// apply: the table keeps its frame).
func (p *Pane) addPages(down map[string]bool, pages [][]openstack.Server, built []*entry) (applied bool) {
	fast := sameSet(down, p.downHosts)
	newest := p.maxUpdated
	for _, pg := range pages {
		for i := range pg {
			if pg[i].Deleted {
				fast = false
			}
			if pg[i].Updated.After(newest) {
				newest = pg[i].Updated
			}
		}
	}
	if fast && p.addBuilt(built) {
		p.maxUpdated = newest
		return len(built) > 0
	}
	for _, pg := range pages {
		p.merge(pg, false)
	}
	return false // a merge applies only what it changed
}

func pagesLen(pages [][]openstack.Server) int {
	n := 0
	for _, pg := range pages {
		n += len(pg)
	}
	return n
}

// addBuilt adds new entries (sorted by entryCmp) as merge adds new
// servers; false, changing nothing, if one of them is already there.
func (p *Pane) addBuilt(built []*entry) bool {
	for i, e := range built {
		if _, dup := p.byID[e.id]; dup {
			for _, d := range built[:i] {
				delete(p.byID, d.id)
			}
			return false
		}
		p.byID[e.id] = e
	}
	if len(built) == 0 {
		return true
	}
	for _, e := range built {
		if e.fault != "" {
			p.nFaults++
		}
	}
	p.resort(nil, built, nil)
	p.order = mergeSorted(p.order, built)
	p.apply()
	return true
}
