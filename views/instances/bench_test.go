package instances

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

func bigFixture(n int) []openstack.Server {
	projects := []string{"web", "db", "ci", "analytics", "admin"}
	out := make([]openstack.Server, n)
	for i := range out {
		out[i] = openstack.Server{
			ID: fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i*7919), Name: fmt.Sprintf("%s-vm-%06d", projects[i%5], i),
			ProjectID: fmt.Sprintf("%032x", i%5), ProjectName: projects[i%5], Status: "ACTIVE", PowerState: 1,
			Host: fmt.Sprintf("compute%03d", i%200), FlavorName: "m1.small", Zone: "nova",
			IPs:     []string{fmt.Sprintf("10.%d.%d.%d", i/65536, (i/256)%256, i%256)},
			Created: t0.Add(-time.Duration(i) * time.Minute), Updated: t0.Add(-time.Duration(i) * time.Second),
		}
		if i%500 == 0 {
			out[i].Status = "ERROR"
		}
	}
	return out
}

// scatteredFixture is bigFixture(n) with the names in no order (a page of
// it holds names from across the whole list, as a list by UUID does).
func scatteredFixture(n int) []openstack.Server {
	all := bigFixture(n)
	for i := range all {
		j := (i * 7919) % len(all)
		all[i], all[j] = all[j], all[i]
	}
	return all
}

func loadedBig(b *testing.B, n int) *Pane {
	src := &fakeSource{servers: bigFixture(n)}
	p, _ := newPane(b, src)
	drive(p, p.Init())
	if len(p.byID) != n {
		b.Fatalf("loaded %d", len(p.byID))
	}
	return p
}

// BenchmarkRender50k: one frame with 50,000 instances loaded; the table
// renders only the visible rows, so this should not grow with n.
func BenchmarkRender50k(b *testing.B) {
	p := loadedBig(b, 50000)
	p.tbl.SetCursor(25000)
	// Heap in use with 50,000 servers loaded (pane cache plus the fake
	// source's own copy), for the RSS budget.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = p.View(120, 40)
	}
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkFilterKeystroke50k: one keystroke of typing a filter, then the
// frame render, cycling through typing "host:compute012" and "web-vm-01"
// character by character (a grown term re-checks only the previous
// matches; shrinking or a new query re-filters all 50,000 rows).
func BenchmarkFilterKeystroke50k(b *testing.B) {
	p := loadedBig(b, 50000)
	var qs []string
	for _, full := range []string{"host:compute012", "web-vm-01"} {
		for i := 1; i <= len(full); i++ {
			qs = append(qs, full[:i])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.SetFilter(qs[i%len(qs)])
		_ = p.View(120, 40)
	}
}

// BenchmarkFilterFull50k: the worst case, every keystroke an unrelated
// query so all 50,000 rows are re-filtered.
func BenchmarkFilterFull50k(b *testing.B) {
	p := loadedBig(b, 50000)
	qs := []string{"host:compute01", "host:compute012", "web", "status:error", "ip:10.0.1", "db-vm-0"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.SetFilter(qs[i%len(qs)])
		_ = p.View(120, 40)
	}
}

// BenchmarkIncrementalMerge50k: merging a 10-server changes-since result
// into 50,000 cached servers.
func BenchmarkIncrementalMerge50k(b *testing.B) {
	p := loadedBig(b, 50000)
	delta := bigFixture(10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for j := range delta {
			delta[j].Updated = t0.Add(time.Duration(i) * time.Second)
		}
		p.merge(delta, false)
	}
}

// Render cost follows the visible rows: a frame over 50,000 servers does
// the same allocations as one over 1,000 (no timing involved).
func TestRenderCostFollowsVisibleRows(t *testing.T) {
	allocs := func(n int) float64 {
		src := &fakeSource{servers: bigFixture(n)}
		p, _ := newPane(t, src)
		drive(p, p.Init())
		p.tbl.SetCursor(n / 2)
		return testing.AllocsPerRun(20, func() { _ = p.View(120, 40) })
	}
	small, big := allocs(1000), allocs(50000)
	if big > small+5 {
		t.Fatalf("frame allocations grow with rows: %v at 1k, %v at 50k", small, big)
	}
}

// BenchmarkFilterKeystrokeSorted50k: BenchmarkFilterKeystroke50k with the
// table sorted on a column (HOST): a keystroke must not re-sort the rows.
func BenchmarkFilterKeystrokeSorted50k(b *testing.B) {
	p := loadedBig(b, 50000)
	p.tbl.SortBy(colHost, false)
	var qs []string
	for _, full := range []string{"host:compute012", "web-vm-01"} {
		for i := 1; i <= len(full); i++ {
			qs = append(qs, full[:i])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.SetFilter(qs[i%len(qs)])
		_ = p.View(120, 40)
	}
}

// BenchmarkIncrementalMergeSorted50k: a 10-server refresh into 50,000
// servers sorted on a column (HOST).
func BenchmarkIncrementalMergeSorted50k(b *testing.B) {
	p := loadedBig(b, 50000)
	p.tbl.SortBy(colHost, false)
	delta := bigFixture(10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for j := range delta {
			delta[j].Updated = t0.Add(time.Duration(i) * time.Second)
		}
		p.merge(delta, false)
	}
}

// BenchmarkSortKey50k: one sort key press (">", the next column, as the
// whole-program benchmark presses it) over 50,000 instances, then the
// frame: each op is one of the 11 sort states in turn.
func BenchmarkSortKey50k(b *testing.B) {
	p := loadedBig(b, 50000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		press(p, ">")
		_ = p.View(120, 40)
	}
}

// BenchmarkSortColumn50k: a change to each column from given order, so
// each column's cost shows on its own.
func BenchmarkSortColumn50k(b *testing.B) {
	p := loadedBig(b, 50000)
	for c, col := range columns {
		b.Run(col.Title, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				p.tbl.SortBy(c, i%2 == 1)
				p.apply()
				_ = p.View(120, 40)
			}
		})
	}
}

// BenchmarkFilterTypeErase50k: the whole-program benchmark's filter
// keystroke: "a" typed into an empty filter, then erased (each op is one
// of the two, with its frame).
func BenchmarkFilterTypeErase50k(b *testing.B) {
	p := loadedBig(b, 50000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.SetFilter([]string{"a", ""}[i%2])
		_ = p.View(120, 40)
	}
}
