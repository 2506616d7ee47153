package instances

import (
	"testing"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// BenchmarkFirstLoadEnd50k: on the UI goroutine, the end of a paged 50k
// first load whose services answer says one host of 200 is down (the
// demo's story at start): the final list message on a pane its pages
// filled.
func BenchmarkFirstLoadEnd50k(b *testing.B) {
	all := bigFixture(50000)
	p, _ := newPane(b, &fakeSource{})
	for from := 0; from < len(all); from += 1000 {
		p.merge(all[from:from+1000], false)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		p.downHosts, p.loading, p.pagedIn = nil, true, len(all)
		b.StartTimer()
		p.Update(serversMsg{servers: all, full: true, paged: true, down: map[string]bool{"compute003": true}})
	}
}

// BenchmarkBuildEntries50k: the entries of a 50k first load, made by the
// load's builder as the pages come (CPU the load shares with decoding and
// the server on a 2-core machine).
func BenchmarkBuildEntries50k(b *testing.B) {
	all := bigFixture(50000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for from := 0; from < len(all); from += 1000 {
			buildEntries(all[from:from+1000], t0, nil)
		}
	}
}

// BenchmarkFirstLoadEndTail50k: the end of a paged 50k first load on the
// UI goroutine, its last page coming with the final message (built) and
// the services' answer putting one host of 200 down.
func BenchmarkFirstLoadEndTail50k(b *testing.B) {
	all := bigFixture(50000)
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		p, _ := newPane(b, &fakeSource{})
		for from := 0; from < 49000; from += 1000 {
			p.merge(all[from:from+1000], false)
		}
		p.loading, p.pagedIn = true, 49000
		tail := all[49000:]
		m := serversMsg{servers: all, full: true, paged: true, down: map[string]bool{"compute003": true},
			tailPages: [][]openstack.Server{tail}, tailBuilt: buildEntries(tail, t0, nil)}
		b.StartTimer()
		p.Update(m)
	}
}

// BenchmarkFirstLoadBatches50k: on the UI goroutine, a 50k first load's
// batches as the builder hands them (entries built and sorted off the
// timer), 5, 10, 15 and 20 pages of 1,000: each merges into the rows so
// far and hands the table every row again (the cursor, on the first
// batch's first row, is followed down as rows sort in above it).
func BenchmarkFirstLoadBatches50k(b *testing.B) {
	all := scatteredFixture(50000)
	for range b.N {
		b.StopTimer()
		p, _ := newPane(b, &fakeSource{})
		p.loading = true
		type batch struct {
			pages [][]openstack.Server
			built []*entry
		}
		var batches []batch
		from := 0
		for _, n := range []int{5, 10, 15, 20} {
			var bt batch
			var runs [][]*entry
			for range n {
				pg := all[from : from+1000]
				from += 1000
				bt.pages = append(bt.pages, pg)
				runs = pushRun(runs, buildEntries(pg, t0, nil))
			}
			bt.built = mergeRuns(runs)
			batches = append(batches, bt)
		}
		b.StartTimer()
		for _, bt := range batches {
			if !p.addPages(nil, bt.pages, bt.built) {
				b.Fatal("a batch was not applied")
			}
		}
		if p.tbl.Len() != len(all) || p.tbl.Cursor() == 0 {
			b.Fatalf("%d rows, cursor %d (not followed down)", p.tbl.Len(), p.tbl.Cursor())
		}
	}
}
