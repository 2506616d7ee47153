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

// Rows handed over already in the sort's order stay as they are (no sort
// on each filter keystroke), rows out of order are still sorted, and
// CompareRows and SortOrder agree with what SetRows shows.
func TestSetRowsInOrderAndCompareRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"web", "Web", "db", "10", "9", "9.5", "-3", "12%", "", "compute01", "Compute10"}
	for round := range 30 {
		in := make([]Row, 1+r.IntN(100))
		for i := range in {
			in[i] = Row{Key: fmt.Sprintf("k%04d", i), Cells: []Cell{C("x"), C(words[r.IntN(len(words))])}}
		}
		for _, desc := range []bool{false, true} {
			m := New(Column{Title: "A"}, Column{Title: "B"})
			m.SortBy(1, desc)
			m.SetRows(slices.Clone(in))
			sorted := slices.Clone(m.Rows())
			for i := 1; i < len(sorted); i++ {
				if CompareRows(sorted[i-1], sorted[i], 1, desc) > 0 {
					t.Fatalf("round %d: rows %d, %d out of CompareRows' order", round, i-1, i)
				}
			}
			perm := SortOrder(in, 1, desc)
			for i, k := range perm {
				if in[k].Key != sorted[i].Key {
					t.Fatalf("round %d: SortOrder[%d] = %s, SetRows shows %s", round, i, in[k].Key, sorted[i].Key)
				}
			}
			// A filtered subsequence of the sorted rows stays in order.
			var sub []Row
			for i, row := range sorted {
				if i%3 != 1 {
					sub = append(sub, row)
				}
			}
			m.SetRows(slices.Clone(sub))
			for i, row := range m.Rows() {
				if row.Key != sub[i].Key {
					t.Fatalf("round %d: a sorted subsequence was reordered at %d", round, i)
				}
			}
		}
	}
}

// BenchmarkSetRowsSorted50k: 50,000 rows handed over already in the sort's
// order (a pane that keeps them sorted): one pass, no sort.
func BenchmarkSetRowsSorted50k(b *testing.B) {
	rs := make([]Row, 50000)
	for i := range rs {
		rs[i] = Row{Key: fmt.Sprintf("%08x-1111", i*7919%50000), Cells: []Cell{
			C(fmt.Sprintf("web-vm-%06d", (i*31)%50000)), C(fmt.Sprintf("compute%03d", i%40))}}
	}
	m := New(Column{Title: "NAME"}, Column{Title: "HOST"})
	m.SortBy(1, false)
	m.SetRows(rs)
	sorted := slices.Clone(m.Rows())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.SetRows(sorted)
	}
}

// A presorted table takes rows as they come and SortBy only records the
// sort (the owner hands over the new order); RestoreView still sorts.
func TestPresortedTable(t *testing.T) {
	rows := []Row{{Key: "b", Cells: []Cell{C("2")}}, {Key: "a", Cells: []Cell{C("1")}}, {Key: "c", Cells: []Cell{C("3")}}}
	keys := func(m *Model) string {
		var s []string
		for _, r := range m.Rows() {
			s = append(s, r.Key)
		}
		return strings.Join(s, "")
	}
	m := New(Column{Title: "N"})
	m.SetPresorted(true)
	m.SetRows(slices.Clone(rows))
	m.SetCursor(2)
	m.SortBy(0, false)
	if c, desc := m.SortState(); c != 0 || desc || keys(m) != "bac" {
		t.Fatalf("SortBy on a presorted table: sort %d/%v rows %s, want 0/false bac", c, desc, keys(m))
	}
	m.SetRows([]Row{rows[1], rows[0], rows[2]})
	if keys(m) != "abc" {
		t.Fatalf("rows %s", keys(m))
	}
	if r, _ := m.Selected(); r.Key != "c" {
		t.Fatalf("cursor on %s, want c (its row kept)", r.Key)
	}
	v := m.SaveView()
	m.SetRows(slices.Clone(rows))
	m.RestoreView(v)
	if keys(m) != "abc" {
		t.Fatalf("RestoreView left rows %s, want abc", keys(m))
	}
}

// notFloat is only sure of what ParseFloat rejects: on random strings of
// number-ish bytes it never says "not a number" to one ParseFloat reads.
func TestNotFloatOnlyWhenParseFloatFails(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const alphabet = "0123456789..eE+-_xXpPiInNfFaAtTyY% "
	for range 200000 {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		_, err := strconv.ParseFloat(strings.TrimRight(s, "%"), 64)
		if notFloat(s) && err == nil {
			t.Fatalf("notFloat(%q) but ParseFloat reads it", s)
		}
	}
	for _, s := range []string{"1", "-2.5", "1e3", "1E-3", ".5", "5.", "12%", "inf", "-Inf", "NaN", "0x1p-2", "1_000"} {
		if notFloat(s) {
			t.Errorf("notFloat(%q)", s)
		}
	}
	for _, s := range []string{"", "-", "10.0.0.1", "0a1b2c3d-1111", "1e", "e5", "web", "3d"} {
		if !notFloat(s) {
			t.Errorf("!notFloat(%q)", s)
		}
	}
}

// lazyKeyed is a CellSource with SortKey: the sort reads SortKey, never Cell.
type lazyKeyed struct {
	c     Cell
	cells *int
}

func (l lazyKeyed) Cell(int) Cell { *l.cells++; return l.c }
func (l lazyKeyed) Crit() bool    { return false }
func (l lazyKeyed) SortKey(int) string {
	k := l.c.Sort
	if k == "" {
		k = l.c.Text
	}
	return strings.ToLower(k)
}

// SortOrder orders as the cell comparison does in each of its paths:
// keys all numbers (NaN, -0, infinities), all text sharing a long prefix
// (ties by key), mixed; eager rows and SortKeyer rows alike, both ways.
func TestSortOrderPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	sets := map[string][]string{
		"numbers": {"10", "9", "-3", "0", "-0", "1e3", "NaN", "inf", "-Inf", "2.5", "12%", "007"},
		"text":    {"compute012", "compute013", "Compute012", "compute0120", "compute01", "compute", "compute\u00e912", "compute-x"},
		"mixed":   {"10", "9", "web", "Web", "-", "-3", "", "compute01"},
	}
	for name, words := range sets {
		for round := range 40 {
			n := 1 + r.IntN(300)
			eager := make([]Row, n)
			lazy := make([]Row, n)
			cells := 0
			for i := range eager {
				c := Cell{Text: words[r.IntN(len(words))]}
				key := fmt.Sprintf("%08x-%d", r.IntN(4), r.IntN(50)) // shared key prefixes and repeated keys
				eager[i] = Row{Key: key, Cells: []Cell{C("x"), c}}
				lazy[i] = Row{Key: key, Src: lazyKeyed{c: c, cells: &cells}}
			}
			for _, desc := range []bool{false, true} {
				want := slices.Clone(eager)
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
				// Numbers given as numbers (SortNumberer), into a buffer.
				buf := make([]int32, 0, n)
				byNum := SortOrderOf(SortInput{N: n, Desc: desc, Into: buf,
					Key: func(i int) string { return eager[i].Key },
					Low: func(i int) string { return rowKey(eager[i], 1).low },
					Num: func(i int) (float64, bool) { k := rowKey(eager[i], 1); return k.num, k.isNum }})
				if !slices.Equal(byNum, SortOrder(eager, 1, desc)) {
					t.Fatalf("%s round %d desc=%v: with numbers given, order %v, want %v", name, round, desc, byNum, SortOrder(eager, 1, desc))
				}
				if n > 0 && &byNum[0] != &buf[:1][0] {
					t.Fatalf("SortOrderOf did not fill Into")
				}
				for _, rows := range [][]Row{eager, lazy} {
					cells = 0
					perm := SortOrder(rows, 1, desc)
					if cells != 0 {
						t.Fatalf("the sort made %d cells of SortKeyer rows", cells)
					}
					for i, k := range perm {
						if rows[k].Key != want[i].Key || cellAt(rows[k], 1) != want[i].Cells[1] {
							t.Fatalf("%s round %d desc=%v: row %d is %v, want %v", name, round, desc, i, rows[k], want[i])
						}
						if i > 0 && perm[i-1] > k && CompareRows(rows[perm[i-1]], rows[k], 1, desc) == 0 {
							t.Fatalf("%s: equal rows out of their given order", name)
						}
					}
				}
			}
		}
	}
}
