package table

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// naiveCompare is the comparator the table used before sort keys were
// precomputed: numbers numerically (a trailing % ignored), else text
// case-insensitively; the sort key wins over the text.
func naiveCompare(a, b Cell) int {
	ka, kb := a.Sort, b.Sort
	if ka == "" {
		ka = a.Text
	}
	if kb == "" {
		kb = b.Text
	}
	fa, ea := strconv.ParseFloat(strings.TrimRight(ka, "%"), 64)
	fb, eb := strconv.ParseFloat(strings.TrimRight(kb, "%"), 64)
	if ea == nil && eb == nil {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(strings.ToLower(ka), strings.ToLower(kb))
}

// The precomputed keys order rows exactly as comparing the cells does,
// for mixed numbers, percentages, sort keys and case, both directions.
func TestSortKeysMatchCellComparison(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"web", "Web", "db", "DB-2", "10", "9", "9.5", "-3", "12%", "7%", "", "-", "compute01", "Compute10"}
	for round := range 50 {
		n := 1 + r.IntN(200)
		in := make([]Row, n)
		for i := range in {
			c := Cell{Text: words[r.IntN(len(words))]}
			if r.IntN(4) == 0 {
				c.Sort = words[r.IntN(len(words))]
			}
			in[i] = Row{Key: fmt.Sprintf("k%03d", r.IntN(1000)), Cells: []Cell{C("x"), c}}
		}
		for _, desc := range []bool{false, true} {
			want := slices.Clone(in)
			slices.SortStableFunc(want, func(a, b Row) int {
				c := naiveCompare(a.Cells[1], b.Cells[1])
				if desc {
					c = -c
				}
				if c == 0 {
					c = strings.Compare(a.Key, b.Key)
				}
				return c
			})
			m := New(Column{Title: "A"}, Column{Title: "B"})
			m.SetRows(slices.Clone(in))
			m.SortBy(1, desc)
			got := m.Rows()
			for i := range want {
				if got[i].Key != want[i].Key || got[i].Cells[1] != want[i].Cells[1] {
					t.Fatalf("round %d desc=%v: row %d is %v, want %v", round, desc, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkSortChange50k: one sort-column change over 50,000 rows.
func BenchmarkSortChange50k(b *testing.B) {
	rs := make([]Row, 50000)
	for i := range rs {
		rs[i] = Row{Key: fmt.Sprintf("%08x-1111", i*7919%50000), Cells: []Cell{
			C(fmt.Sprintf("web-vm-%06d", (i*31)%50000)), C(fmt.Sprintf("compute%03d", i%40)),
			{Text: "3d", Sort: fmt.Sprint(i * 60)}}}
	}
	m := New(Column{Title: "NAME"}, Column{Title: "HOST"}, Column{Title: "AGE"})
	m.SetRows(rs)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m.SortBy(i%3, i%2 == 0)
	}
}
