package instances

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// pagedSource hands out its servers in two pages and holds the second
// until release is closed.
type pagedSource struct {
	*fakeSource
	release chan struct{}
}

func (s *pagedSource) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	all := s.fakeSource.servers
	onPage(all[:10])
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	onPage(all[10:])
	return all, nil
}

// The first rows of a first load reach the table as soon as the first
// page arrives, while the rest still loads; the final list then replaces
// them as usual.
func TestFirstLoadShowsRowsPageByPage(t *testing.T) {
	src := &pagedSource{fakeSource: &fakeSource{servers: fixture()}, release: make(chan struct{})}
	p, _ := newPane(t, src)
	msg := p.Init()()
	pm, ok := msg.(pagesMsg)
	if !ok {
		t.Fatalf("first message of a paged first load is %T, want the first page", msg)
	}
	_, next := p.Update(pm)
	if n := len(p.tbl.Rows()); n != 10 {
		t.Errorf("%d rows after the first page, want 10", n)
	}
	// On screen, not only in the table: the header counts them and the
	// rows are drawn (not "loading servers…").
	screen := ansi.Strip(p.View(160, 20))
	if strings.Contains(screen, "loading servers") || !strings.Contains(screen, src.servers[0].Name) {
		t.Errorf("after the first page the screen shows no rows:\n%s", screen)
	}
	if !p.Status().Loading {
		t.Error("not loading while the rest of the list is still coming")
	}
	close(src.release)
	for i := 0; next != nil && i < 5; i++ {
		_, next = p.Update(next())
	}
	if n := len(p.tbl.Rows()); n != len(fixture()) {
		t.Errorf("%d rows after the load, want %d", n, len(fixture()))
	}
	if p.Status().Loading || p.Status().Updated.IsZero() {
		t.Errorf("status after the load: %+v", p.Status())
	}
}

// loadFirst runs p's first load through Update, at most steps messages
// (its pages, then its end).
func loadFirst(p *Pane, steps int) {
	msg := p.Init()()
	for i := 0; i < steps; i++ {
		_, next := p.Update(msg)
		if next == nil {
			return
		}
		msg = next()
	}
}

// manyPages hands out its servers one per page, as fast as it can.
type manyPages struct{ *fakeSource }

func (s manyPages) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	all := s.fakeSource.servers
	for i := range all {
		onPage(all[i : i+1])
		time.Sleep(5 * time.Millisecond)
	}
	return all, nil
}

// Pages that arrive faster than pageEvery reach Update in a few batches,
// not one re-sort per page.
func TestFirstLoadPagesAreBatched(t *testing.T) {
	src := manyPages{&fakeSource{servers: fixture()}} // 30 pages over ~150 ms
	p, _ := newPane(t, src)
	batches := 0
	msg := p.Init()()
	for i := 0; i < 100; i++ {
		if _, ok := msg.(pagesMsg); ok {
			batches++
		}
		_, next := p.Update(msg)
		if next == nil {
			break
		}
		msg = next()
	}
	if batches < 1 || batches > 3 {
		t.Errorf("%d page batches for 30 pages in ~150 ms, want 1-3", batches)
	}
	if n := len(p.tbl.Rows()); n != len(fixture()) || p.Status().Loading {
		t.Errorf("%d rows, loading %v after the load", n, p.Status().Loading)
	}
}

// Pages merged one after another (names in no particular order across
// pages, faults among them) give the same rows, order and fault count as
// the whole list at once.
func TestPagesMergeIntoTheSameOrderAsOneList(t *testing.T) {
	all := scatteredFixture(3000)
	whole, _ := newPane(t, &fakeSource{})
	whole.merge(all, true)
	paged, _ := newPane(t, &fakeSource{})
	for from := 0; from < len(all); from += 250 {
		paged.merge(all[from:min(from+250, len(all))], false)
	}
	if paged.nFaults != whole.nFaults || paged.nFaults == 0 {
		t.Errorf("faults %d after pages, %d at once", paged.nFaults, whole.nFaults)
	}
	a, b := paged.tbl.Rows(), whole.tbl.Rows()
	if len(a) != len(b) || len(a) != len(all) {
		t.Fatalf("%d rows after pages, %d at once", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			t.Fatalf("row %d is %s after pages, %s at once", i, a[i].Key, b[i].Key)
		}
	}
	// The load's final full list (the same servers) keeps it all; a full
	// list without one server drops that one.
	paged.merge(all, true)
	if got := paged.tbl.Rows(); len(got) != len(b) || got[0].Key != b[0].Key || got[len(got)-1].Key != b[len(b)-1].Key || paged.nFaults != whole.nFaults {
		t.Errorf("the final full list changed the rows: %d rows, %d faults", len(got), paged.nFaults)
	}
	gone := b[17].Key
	var less []openstack.Server
	for _, s := range all {
		if s.ID != gone {
			less = append(less, s)
		}
	}
	paged.merge(less, true)
	if n := len(paged.tbl.Rows()); n != len(all)-1 || paged.tbl.Rows()[17].Key == gone {
		t.Errorf("a full list without %s left %d rows (row 17 %s)", gone, n, paged.tbl.Rows()[17].Key)
	}
}

// BenchmarkFirstLoadMerge50k: the Update-side cost of a 50,000-server
// first load arriving as 50 batches of 1,000.
func BenchmarkFirstLoadMerge50k(b *testing.B) {
	all := scatteredFixture(50000)
	b.ReportAllocs()
	for range b.N {
		p, _ := newPane(b, &fakeSource{})
		for from := 0; from < len(all); from += 1000 {
			p.merge(all[from:from+1000], false)
		}
	}
}

// BenchmarkFinalFullMerge50k: the end of a paged 50k first load, the full
// list (the same servers the pages brought) merged on the UI goroutine.
func BenchmarkFinalFullMerge50k(b *testing.B) {
	all := bigFixture(50000)
	p, _ := newPane(b, &fakeSource{})
	for from := 0; from < len(all); from += 1000 {
		p.merge(all[from:from+1000], false)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.merge(all, true)
	}
}

// tailSource hands out only its first page; the rest comes with the final
// list (pages still pending when a load ends are not handed out).
type tailSource struct{ *fakeSource }

func (s tailSource) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	all := s.fakeSource.servers
	onPage(all[:700])
	return all, nil
}

// The end of a paged first load adds what its pages did not bring, and
// leaves the pane as one full list would (rows, order, faults).
func TestFirstLoadEndAddsTheRest(t *testing.T) {
	all := scatteredFixture(2000)
	all[1500].Deleted = true // a full list may carry one; it is not shown
	whole, _ := newPane(t, &fakeSource{})
	whole.merge(all, true)
	p, _ := newPane(t, tailSource{&fakeSource{servers: all}})
	loadFirst(p, 10)
	if p.Status().Loading || len(p.byID) != len(whole.byID) || p.nFaults != whole.nFaults || !p.maxUpdated.Equal(whole.maxUpdated) {
		t.Fatalf("after the load: loading %v, %d servers (want %d), %d faults (want %d)", p.Status().Loading, len(p.byID), len(whole.byID), p.nFaults, whole.nFaults)
	}
	a, b := p.tbl.Rows(), whole.tbl.Rows()
	if len(a) != len(b) {
		t.Fatalf("%d rows, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			t.Fatalf("row %d is %s, want %s", i, a[i].Key, b[i].Key)
		}
	}
}

// failSource hands out its first page, then fails the load.
type failSource struct{ *fakeSource }

func (s failSource) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	onPage(s.fakeSource.servers[:300])
	return nil, errors.New("nova: HTTP 500")
}

// A first load that fails after some pages keeps the rows it read, and
// says the list is incomplete (never a half list that looks whole).
func TestFailedFirstLoadSaysTheListIsIncomplete(t *testing.T) {
	p, _ := newPane(t, failSource{&fakeSource{servers: bigFixture(1000)}})
	loadFirst(p, 10)
	if p.Status().Loading || p.Status().Err == nil {
		t.Fatalf("after the load: loading %v, err %v", p.Status().Loading, p.Status().Err)
	}
	if v := p.View(160, 40); !strings.Contains(v, "list incomplete") || !strings.Contains(v, "after 300 servers") {
		t.Fatalf("a failed first load's screen does not say the list is incomplete:\n%s", v)
	}
}

// gatedPages hands out its first page, waits for gate, then the rest in
// pages of 100 at once, and ends the list.
type gatedPages struct {
	*fakeSource
	gate chan struct{}
}

func (s gatedPages) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	all := s.fakeSource.servers
	onPage(all[:100])
	<-s.gate
	for from := 100; from < len(all); from += 100 {
		onPage(all[from:min(from+100, len(all))])
	}
	return all, nil
}

// A first load's pages reach Update with their entries already made (off
// the UI goroutine, while the next pages load), and Update takes them as
// they are; the list's last pages come with the final list, built too.
// The pane ends as one whole list leaves it, with the services' down
// host (known only at the end) faulting its servers.
func TestPagedLoadHandsBuiltEntries(t *testing.T) {
	all := scatteredFixture(2000)
	for i := range all {
		all[i].Host = fmt.Sprintf("compute%02d", 1+i%6) // the fake's services' hosts
	}
	down := []string{"compute03"}
	src := gatedPages{&fakeSource{servers: all, down: down}, make(chan struct{})}
	p, _ := newPane(t, src)
	msg := p.Init()()
	pm, ok := msg.(pagesMsg)
	if !ok {
		t.Fatalf("first message %T, want a page", msg)
	}
	if len(pm.built) != 100 || !slices.IsSortedFunc(pm.built, entryCmp) {
		t.Fatalf("the first page came with %d entries (sorted %v), want its 100 in order", len(pm.built), slices.IsSortedFunc(pm.built, entryCmp))
	}
	close(src.gate)
	_, next := p.Update(pm)
	for _, e := range pm.built {
		if p.byID[e.s.ID] != e {
			t.Fatalf("Update made its own entry for %s", e.s.ID)
		}
	}
	tail := 0
	for i := 0; next != nil && i < 20; i++ {
		msg := next()
		if m, ok := msg.(serversMsg); ok {
			tail = len(m.tailBuilt)
			for _, e := range m.tailBuilt {
				defer func() {
					if p.byID[e.s.ID] != e {
						t.Errorf("the final list's entry for %s was made again", e.s.ID)
					}
				}()
			}
		}
		_, next = p.Update(msg)
	}
	if tail == 0 {
		t.Error("the final list came with no built entries")
	}
	whole, _ := newPane(t, &fakeSource{servers: all, down: down})
	drive(whole, whole.Init())
	if p.Status().Loading || len(p.byID) != len(whole.byID) || p.nFaults != whole.nFaults || !p.maxUpdated.Equal(whole.maxUpdated) {
		t.Fatalf("after the load: loading %v, %d servers (want %d), %d faults (want %d)", p.Status().Loading, len(p.byID), len(whole.byID), p.nFaults, whole.nFaults)
	}
	a, b := p.tbl.Rows(), whole.tbl.Rows()
	if len(a) != len(b) {
		t.Fatalf("%d rows, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			t.Fatalf("row %d is %s, want %s", i, a[i].Key, b[i].Key)
		}
		if ea, eb := p.byID[a[i].Key], whole.byID[b[i].Key]; ea.fault != eb.fault || ea.hostDown != eb.hostDown {
			t.Fatalf("%s: fault %q down %v, want %q %v", a[i].Key, ea.fault, ea.hostDown, eb.fault, eb.hostDown)
		}
	}
}

// A change of the down hosts re-faults the servers of the hosts that
// changed, both ways, and only their entries are made again.
func TestDownHostsChangeRebuildsOnlyTheirServers(t *testing.T) {
	src := &fakeSource{servers: fixture(), down: []string{"compute03"}}
	p, now := newPane(t, src)
	drive(p, p.Init())
	hostFaults := func(p *Pane, host string) (n int) {
		for _, e := range p.byID {
			if e.fault == "host "+host+" DOWN" {
				n++
			}
		}
		return n
	}
	if hostFaults(p, "compute03") == 0 {
		t.Fatal("no server of compute03 faulted")
	}
	var other *entry // a server on a host that stays up
	for _, e := range p.byID {
		if e.s.Host == "compute01" && e.s.TaskState == "" {
			other = e
		}
	}
	age := other.ageS
	*now = now.Add(time.Hour)
	src.mu.Lock()
	src.down = []string{"compute05"}
	src.mu.Unlock()
	p.wantFull = true
	drive(p, p.fetch())
	want, wnow := newPane(t, &fakeSource{servers: fixture(), down: []string{"compute05"}})
	*wnow = *now
	drive(want, want.Init())
	if hostFaults(p, "compute03") != 0 || hostFaults(p, "compute05") == 0 || p.nFaults != want.nFaults {
		t.Fatalf("after the change: compute03 %d, compute05 %d faulted; %d faults, want %d", hostFaults(p, "compute03"), hostFaults(p, "compute05"), p.nFaults, want.nFaults)
	}
	for id, e := range want.byID {
		if got := p.byID[id]; got.fault != e.fault || got.hostDown != e.hostDown {
			t.Errorf("%s: fault %q down %v, want %q %v", id, got.fault, got.hostDown, e.fault, e.hostDown)
		}
	}
	if other.ageS != age {
		t.Errorf("a server on a host that did not change was made again (age %d -> %d)", age, other.ageS)
	}
}

// countSource hands out its servers in pages and, asked for a first load
// through PageCounter, never joins them into a list.
type countSource struct {
	*fakeSource
	t      *testing.T
	joined bool
}

func (s *countSource) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	s.joined = true
	return nil, errors.New("the joined list was asked for")
}

func (s *countSource) ServersPagedCount(ctx context.Context, since time.Time, onPage func([]openstack.Server)) (int, error) {
	all := s.fakeSource.servers
	for from := 0; from < len(all); from += 100 {
		onPage(all[from:min(from+100, len(all))])
	}
	return len(all), nil
}

// A first load from a source that can hand its pages without the joined
// list (PageCounter) asks it that way, and ends as one whole list leaves
// the pane (rows, order, faults, newest change).
func TestFirstLoadWithoutTheJoinedList(t *testing.T) {
	all := bigFixture(1500)
	for i := range all {
		j := (i * 7919) % len(all)
		all[i], all[j] = all[j], all[i]
		all[i].Host = fmt.Sprintf("compute%02d", 1+i%6)
	}
	down := []string{"compute02"}
	src := &countSource{fakeSource: &fakeSource{servers: all, down: down}, t: t}
	p, _ := newPane(t, src)
	loadFirst(p, 20)
	if src.joined {
		t.Fatal("the first load asked for the joined list")
	}
	whole, _ := newPane(t, &fakeSource{servers: all, down: down})
	drive(whole, whole.Init())
	if p.Status().Loading || p.Status().Err != nil || len(p.byID) != len(whole.byID) || p.nFaults != whole.nFaults || !p.maxUpdated.Equal(whole.maxUpdated) {
		t.Fatalf("after the load: loading %v err %v, %d servers (want %d), %d faults (want %d)", p.Status().Loading, p.Status().Err, len(p.byID), len(whole.byID), p.nFaults, whole.nFaults)
	}
	a, b := p.tbl.Rows(), whole.tbl.Rows()
	if len(a) != len(b) {
		t.Fatalf("%d rows, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			t.Fatalf("row %d is %s, want %s", i, a[i].Key, b[i].Key)
		}
	}
}

// The batches of a long first load come further apart as it goes on
// (each costs Update a pass over every row so far): the first at once,
// then after 250 ms, 500 ms, and at most a second.
func TestFirstLoadBatchesSpreadOut(t *testing.T) {
	g := &progress{}
	var got []time.Duration
	for range 6 {
		got = append(got, g.every())
		g.outs++
	}
	want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, time.Second, time.Second}
	if !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
}

// The end of a first load whose last page is empty (Nova's last marker
// page) and whose services answer puts a host down: the faults made in
// place reach the screen (the table keeps its frame until an apply).
func TestFirstLoadEndEmptyTailDrawsNewFaults(t *testing.T) {
	all := fixture()
	p, _ := newPane(t, &fakeSource{})
	p.merge(all, false)
	host := all[0].Host
	before := ansi.Strip(p.View(200, 40))
	if strings.Contains(before, "✗ "+host) {
		t.Fatalf("a fault before the host went down:\n%s", before)
	}
	p.loading, p.pagedIn = true, len(all)
	p.Update(serversMsg{servers: all, full: true, paged: true, down: map[string]bool{host: true},
		tailPages: [][]openstack.Server{{}}})
	if out := ansi.Strip(p.View(200, 40)); !strings.Contains(out, "✗ "+host) {
		t.Fatalf("%s down, not drawn:\n%s", host, out)
	}
}

// The builder's runs: pages pushed one at a time stay a short stack (each
// entry merged O(log pages) times, not once per page after it), and
// merged they are every entry in entryCmp order.
func TestPushRunKeepsFewRunsAndMergesInOrder(t *testing.T) {
	all := scatteredFixture(50000)
	var runs [][]*entry
	most := 0
	for from := 0; from < len(all); from += 1000 {
		runs = pushRun(runs, buildEntries(all[from:from+1000], t0, nil))
		most = max(most, len(runs))
		for i := 1; i < len(runs); i++ {
			if 2*len(runs[i]) >= len(runs[i-1]) {
				t.Fatalf("after %d pages, run %d has %d entries over %d: not merged", from/1000+1, i, len(runs[i]), len(runs[i-1]))
			}
		}
	}
	if most > 7 {
		t.Errorf("%d runs at most for 50 pages, want at most log2(50)+1", most)
	}
	got := mergeRuns(append(runs, nil...))
	if len(got) != len(all) || !slices.IsSortedFunc(got, entryCmp) {
		t.Fatalf("merged %d entries (sorted %v), want %d in order", len(got), slices.IsSortedFunc(got, entryCmp), len(all))
	}
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.s.ID] = true
	}
	if len(seen) != len(all) {
		t.Fatalf("%d distinct servers merged, want %d", len(seen), len(all))
	}
	if mergeRuns(nil) != nil || len(pushRun(nil, nil)) != 0 {
		t.Error("no runs should merge to nothing")
	}
}

// BenchmarkBuilderMerge50k: the builder's ordering work in a 50k first
// load handed in batches of 25 pages (as the batches' spacing gives in the
// real binary): "list" merges each page into one growing list (before),
// "runs" keeps a stack of runs merged once per batch.
func BenchmarkBuilderMerge50k(b *testing.B) {
	all := scatteredFixture(50000)
	var pages [][]*entry
	for from := 0; from < len(all); from += 1000 {
		pages = append(pages, buildEntries(all[from:from+1000], t0, nil))
	}
	b.Run("list", func(b *testing.B) {
		for range b.N {
			var built []*entry
			for i, es := range pages {
				built = mergeSorted(built, es)
				if i%25 == 24 {
					built = nil
				}
			}
		}
	})
	b.Run("runs", func(b *testing.B) {
		for range b.N {
			var runs [][]*entry
			for i, es := range pages {
				runs = pushRun(runs, es)
				if i%25 == 24 {
					mergeRuns(runs)
					runs = nil
				}
			}
		}
	})
}

// A first load's entries point to the servers of the pages they were built
// from (no 488-byte copy each: 24 MB of new memory at 50k), deleted ones
// left out; a refresh's entries are their own copies.
func TestFirstLoadEntriesPointIntoTheirPages(t *testing.T) {
	page := bigFixture(50)
	page[7].Deleted = true
	es := buildEntries(page, t0, nil)
	if len(es) != 49 {
		t.Fatalf("%d entries for 49 servers", len(es))
	}
	at := map[*openstack.Server]bool{}
	for i := range page {
		at[&page[i]] = true
	}
	for _, e := range es {
		if !at[e.s] {
			t.Fatalf("entry %s holds a copy of its server", e.s.ID)
		}
		if e.s == &page[7] {
			t.Fatal("a deleted server got an entry")
		}
	}
	s := page[3]
	if e := newEntry(s, t0, nil); at[e.s] || e.s.ID != s.ID {
		t.Error("newEntry's entry points into the caller's list")
	}
}

// A full list with nothing changed points the kept entries into that
// list: a first load's pages (or any older list) are not kept alive by
// the entries that did not change.
func TestFullListRepointsKeptEntries(t *testing.T) {
	first := bigFixture(50)
	p, _ := newPane(t, &fakeSource{})
	p.merge(first, true)
	again := append([]openstack.Server(nil), first...)
	again[4].Status = "SHUTOFF"
	p.merge(again, true)
	for i := range again {
		if e := p.byID[again[i].ID]; e.s != &again[i] && i != 4 {
			t.Fatalf("entry %s still points into the older list", again[i].ID)
		}
	}
	if e := p.byID[again[4].ID]; e.s.Status != "SHUTOFF" {
		t.Fatalf("the changed server shows %q", e.s.Status)
	}
	// A field the entry's filter text holds but sameServer does not
	// compare: the entry stays with the server it was made from (cells
	// and filter one version), not half of each.
	third := append([]openstack.Server(nil), again...)
	third[2].Zone = "az-elsewhere"
	p.merge(third, true)
	if e := p.byID[third[2].ID]; e.s == &third[2] || e.s.Zone == "az-elsewhere" {
		t.Fatal("an entry made from one version points at another")
	}
	if e := p.byID[third[3].ID]; e.s != &third[3] {
		t.Fatal("an unchanged entry was not repointed")
	}
}

// withAbsent never writes into the spare room of the list it is given
// (serve's sessions share one cache answer).
func TestWithAbsentLeavesTheSharedListAlone(t *testing.T) {
	shared := make([]openstack.Server, 1, 4)
	shared[0].ID = "a"
	gone := &entry{s: &openstack.Server{ID: "gone"}}
	got := withAbsent(shared, map[string]struct{}{"a": {}}, t0, map[string]*entry{"gone": gone})
	if len(got) != 2 || !got[1].Deleted {
		t.Fatalf("the absent server is not marked deleted: %+v", got)
	}
	if shared[:2][1].ID != "" {
		t.Fatal("withAbsent wrote into the shared list's spare room")
	}
}

// A page's entries share blocks for their text: each entry's text is what
// newEntryAt makes alone, also when lower-casing made one longer than
// counted (Ⱥ is 2 bytes, its lower case 3), which must not write over the
// next entry's.
func TestBuildEntriesSharedText(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ss []openstack.Server
	for i := range 300 {
		name := fmt.Sprintf("vm-%03d", i)
		if i%7 == 0 {
			name = strings.Repeat("Ⱥ", i%5+1) + name
		}
		ss = append(ss, openstack.Server{ID: fmt.Sprintf("id-%03d", i), Name: name, Status: "ACTIVE", Host: "h1",
			IPs: []string{"10.0.0.1"}, Created: now.Add(-time.Hour)})
	}
	es := buildEntries(ss, now, nil)
	if len(es) != len(ss) {
		t.Fatalf("%d entries of %d servers", len(es), len(ss))
	}
	for _, e := range es {
		want := newEntryAt(e.s, now, nil)
		if e.all != want.all || e.ends != want.ends || e.id != want.id {
			t.Fatalf("entry of %q: text %q, alone %q", e.s.Name, e.all, want.all)
		}
	}
}

// An entry made alone (a refresh's) has text of its own size, not a block
// for a page's entries: 16 KB per changed server would be 4 MB for the 250
// servers of a host going down.
func TestNewEntryTextOwnSize(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := openstack.Server{ID: "id-1", Name: "vm-1", Status: "ACTIVE", Host: "h1", IPs: []string{"10.0.0.1"}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 200 {
		newEntryAt(&s, now, nil)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 200; per > 1024 {
		t.Fatalf("%d bytes per entry", per)
	}
}

// servicesFirst holds its first page until the services are asked, or
// wait passed (0: until the load gives up), and records which came first.
// A services read started beside the page (the old way) is asked within
// wait; one started after it cannot be: wait only bounds how long the test
// gives the old way to show, never decides a pass.
type servicesFirst struct {
	*fakeSource
	asked chan struct{}
	once  sync.Once
	wait  time.Duration
}

func (s *servicesFirst) ComputeServices(ctx context.Context) ([]openstack.ComputeService, error) {
	s.once.Do(func() { close(s.asked) })
	return s.fakeSource.ComputeServices(ctx)
}

func (s *servicesFirst) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	var timeout <-chan time.Time
	if s.wait > 0 {
		timeout = time.After(s.wait)
	}
	select {
	case <-s.asked:
	case <-timeout:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.rec("first page")
	all := s.fakeSource.servers
	onPage(all[:10])
	onPage(all[10:])
	return all, nil
}

// A paged first load asks for the compute services only once its first
// page is in (issue 15: at 1,000 hosts they took Nova's and our cores
// from that page), and its end still applies them: a down host's servers
// are faulted.
func TestPagedFirstLoadAsksServicesAfterTheFirstPage(t *testing.T) {
	defer func(d time.Duration) { servicesWaitMax = d }(servicesWaitMax)
	servicesWaitMax = time.Hour // the fallback (below) must not decide it
	all := fixture()
	src := &servicesFirst{fakeSource: &fakeSource{servers: all, down: []string{all[0].Host}}, asked: make(chan struct{}), wait: 300 * time.Millisecond}
	p, _ := newPane(t, src)
	loadFirst(p, 10)
	src.mu.Lock()
	calls := slices.Clone(src.calls)
	src.mu.Unlock()
	if i, j := slices.Index(calls, "first page"), slices.Index(calls, "services"); i < 0 || j < i {
		t.Fatalf("calls %v: want the services asked after the first page", calls)
	}
	if p.Status().Loading {
		t.Fatal("still loading")
	}
	if !p.downHosts[all[0].Host] {
		t.Errorf("down hosts %v after the load, want %s", p.downHosts, all[0].Host)
	}
}

// A first page that does not come within servicesWaitMax does not hold
// the services read (the dead hosts) any longer: the fake gives its page
// only once they are asked.
func TestSlowFirstPageDoesNotHoldTheServices(t *testing.T) {
	defer func(d time.Duration) { servicesWaitMax = d }(servicesWaitMax)
	servicesWaitMax = 0
	all := fixture()
	src := &servicesFirst{fakeSource: &fakeSource{servers: all, down: []string{all[0].Host}}, asked: make(chan struct{})}
	p, _ := newPane(t, src)
	loadFirst(p, 10)
	if p.Status().Loading || !p.downHosts[all[0].Host] {
		t.Fatalf("loading %v, down hosts %v: want the load done with %s down", p.Status().Loading, p.downHosts, all[0].Host)
	}
}

// noPages fails its list before any page.
type noPages struct{ *fakeSource }

func (s noPages) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	return nil, errors.New("nova: HTTP 500")
}

// A first load whose list fails before any page does not hold its
// services read for a page that will not come.
func TestFailedListDoesNotHoldTheServices(t *testing.T) {
	defer func(d time.Duration) { servicesWaitMax = d }(servicesWaitMax)
	servicesWaitMax = time.Hour
	p, _ := newPane(t, noPages{&fakeSource{servers: fixture()}})
	done := make(chan tea.Msg, 1)
	go func() { done <- p.Init()() }()
	select {
	case msg := <-done:
		if m, ok := msg.(serversMsg); !ok || m.err == nil {
			t.Fatalf("the load gave %T %+v, want its failure", msg, msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed load waited for its services")
	}
}
