package table

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/viewtest"
)

func rows(n int) []Row {
	out := make([]Row, n)
	for i := range out {
		out[i] = Row{Key: fmt.Sprint(i), Cells: []Cell{C(fmt.Sprintf("vm-%05d", i)), C(fmt.Sprint(i % 7))}}
	}
	return out
}

func TestWindowedRenderAndCursorKeep(t *testing.T) {
	m := New(Column{Title: "NAME"}, Column{Title: "N", Width: 3, Right: true})
	m.SetRows(rows(1000))
	th := themes.Default(true)
	out := m.View(40, 11, th)
	if got := strings.Count(out, "\n"); got != 10 {
		t.Fatalf("want 10 row lines, got %d", got)
	}
	m.Bottom()
	out = m.View(40, 11, th)
	if !strings.Contains(out, "vm-00999") || strings.Contains(out, "vm-00000") {
		t.Fatalf("window did not follow cursor:\n%s", out)
	}
	m.SetCursor(500)
	m.SetRows(rows(1000)[400:])
	if r, _ := m.Selected(); r.Key != "500" {
		t.Fatalf("cursor lost its row: %s", r.Key)
	}
	for _, line := range strings.Split(ansi.Strip(m.View(40, 11, th)), "\n") {
		if w := ansi.StringWidth(line); w > 40 {
			t.Fatalf("line wider than 40: %d %q", w, line)
		}
	}
}

func TestSortNumericAndCellsSanitized(t *testing.T) {
	m := New(Column{Title: "NAME"}, Column{Title: "N", Width: 4})
	m.SetRows([]Row{
		{Key: "a", Cells: []Cell{C("\x1b[2Jevil"), C("10")}},
		{Key: "b", Cells: []Cell{C("b"), C("9")}},
	})
	m.SortBy(1, false)
	if m.Rows()[0].Key != "b" {
		t.Fatal("numeric sort wrong")
	}
	out := m.View(30, 5, themes.Default(true))
	if strings.Contains(out, "\x1b[2J") || !strings.Contains(out, `\e[2Jevil`) {
		t.Fatalf("cell not sanitized: %q", out)
	}
}

func BenchmarkViewLargeTable(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := New(Column{Title: "NAME"}, Column{Title: "N", Width: 3})
			m.SetRows(rows(n))
			m.SetCursor(n / 2)
			th := themes.Default(false)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = m.View(120, 40, th)
			}
		})
	}
}

type fakeKeys map[string]string

func (f fakeKeys) Is(key, action string) bool { return f[action] == key }

func TestHandleKey(t *testing.T) {
	m := New(Column{Title: "NAME"}, Column{Title: "N", Width: 3})
	m.SetRows(rows(100))
	km := fakeKeys{"table.down": "j", "table.bottom": "G", "table.sort_next": ">", "table.sort_reverse": "~"}
	if !m.HandleKey(km.Is, "j") || m.Cursor() != 1 {
		t.Fatal("down")
	}
	if !m.HandleKey(km.Is, "G") || m.Cursor() != 99 {
		t.Fatal("bottom")
	}
	m.HandleKey(km.Is, ">")
	m.HandleKey(km.Is, "~")
	if c, desc := m.SortState(); c != 0 || !desc || m.Rows()[0].Key != "99" {
		t.Fatalf("sort %d %v %s", c, desc, m.Rows()[0].Key)
	}
	if m.HandleKey(km.Is, "x") {
		t.Fatal("unknown key handled")
	}
}

// The hostile name: 300 soft hyphens counted 0 cells here and 300 in
// tmux, so the row wrapped over the next rows and pushed the header away.
// Every row must be exactly the table's width for us and for tmux.
func TestSoftHyphenNameStaysInItsCell(t *testing.T) {
	m := New(Column{Title: "NAME"}, Column{Title: "STATUS", Width: 7}, Column{Title: "N", Width: 3, Right: true})
	m.SetRows([]Row{
		{Key: "a", Cells: []Cell{C(strings.Repeat("\u00ad", 300)), C("ACTIVE"), C("1")}},
		{Key: "b", Cells: []Cell{C("ok-vm"), C("ERROR"), C("2")}},
		{Key: "c", Cells: []Cell{C("\u00ad" + strings.Repeat("\u00ad", 299)), C("\u00adACTIVE"), C("3")}},
	})
	for _, w := range []int{20, 40, 80} {
		lines := strings.Split(m.View(w, 5, themes.Default(true)), "\n")
		if len(lines) != 4 || !strings.HasPrefix(ansi.Strip(lines[0]), "NAME") {
			t.Fatalf("header not on row 1 at width %d:\n%s", w, ansi.Strip(strings.Join(lines, "\n")))
		}
		viewtest.ExactWidth(t, lines, w)
		if !strings.Contains(ansi.Strip(lines[2]), "ok-vm") || !strings.Contains(ansi.Strip(lines[2]), "ERROR") {
			t.Fatalf("the ERROR row is not on its line at width %d: %q", w, ansi.Strip(lines[2]))
		}
	}
}

// Random Unicode (format characters, marks, emoji sequences, CJK, controls)
// in every cell: every rendered line is exactly the width asked for, for
// Width, for tmux and for a grapheme count, and the header stays on row 1.
func TestRandomUnicodeRowsAreExactlyTheWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	th := themes.Default(true)
	for i := range 300 {
		m := New(Column{Title: "NAME"}, Column{Title: "STATUS", Width: 8}, Column{Title: "HOST", Min: 4}, Column{Title: "N", Width: 4, Right: true})
		var rs []Row
		for j := range 8 {
			rs = append(rs, Row{Key: fmt.Sprint(j), Cells: []Cell{
				C(viewtest.HostileText(rng, rng.IntN(40))), C(viewtest.HostileText(rng, rng.IntN(10))),
				C(viewtest.HostileText(rng, rng.IntN(20))), C(viewtest.HostileText(rng, rng.IntN(6))),
			}})
		}
		m.SetRows(rs)
		m.SetCursor(i % 8)
		w := 20 + rng.IntN(100)
		header := m.View(w, 1, th) // the header alone
		lines := strings.Split(m.View(w, 10, th), "\n")
		if len(lines) != 9 || lines[0] != header {
			t.Fatalf("header not on row 1 / %d lines:\n%s", len(lines), ansi.Strip(strings.Join(lines, "\n")))
		}
		viewtest.ExactWidth(t, lines, w)
	}
}

// The cursor sits, untouched, on an old warning; three new CRIT rows sort
// above it: the cursor goes to the first. Once the user has moved, new
// CRIT rows leave the cursor where the user put it.
func TestNewCritRowTakesUntouchedCursor(t *testing.T) {
	m := New(Column{Title: "NAME"}, Column{Title: "SEV", Width: 4})
	warn := Row{Key: "w", Role: themes.Warn, Cells: []Cell{C("old warning"), C("WARN")}}
	ok := Row{Key: "ok", Cells: []Cell{C("fine"), C("-")}}
	crit := func(k string) Row { return Row{Key: k, Cells: []Cell{C(k), S("CRIT", themes.Crit)}} }
	m.SetRows([]Row{warn, ok})
	m.SetRows([]Row{crit("c1"), crit("c2"), crit("c3"), warn, ok})
	if r, _ := m.Selected(); r.Key != "c1" {
		t.Fatalf("cursor on %q, want the new CRIT row c1", r.Key)
	}
	// A refresh with the same CRIT rows does not move it again.
	m.SetCursor(3)
	m.SetRows([]Row{crit("c1"), crit("c2"), crit("c3"), warn, ok})
	if r, _ := m.Selected(); r.Key != "w" {
		t.Fatalf("known CRIT rows took the cursor: %q", r.Key)
	}
	// A row turning CRIT (a host going DOWN) is new CRIT.
	m.SetRows([]Row{crit("ok"), crit("c1"), crit("c2"), crit("c3"), warn})
	if r, _ := m.Selected(); r.Key != "ok" {
		t.Fatalf("row turned CRIT did not take the cursor: %q", r.Key)
	}
	// The user moves: the cursor is theirs.
	m.Move(4)
	if m.Touched() != true {
		t.Fatal("Move did not mark the cursor touched")
	}
	m.SetRows([]Row{crit("new"), crit("ok"), crit("c1"), crit("c2"), crit("c3"), warn})
	if r, _ := m.Selected(); r.Key != "w" {
		t.Fatalf("touched cursor moved to %q", r.Key)
	}
}

// < and > choose the sort column through the keymap, the header marks it
// (▲ ascending, ▼ descending) and ~ still flips the direction.
func TestSortByColumnKeys(t *testing.T) {
	km := keymap.Defaults()
	tb := New(Column{Title: "NAME", Width: 6}, Column{Title: "CPU", Width: 5, Right: true})
	tb.SetRows([]Row{
		{Key: "a", Cells: []Cell{C("b"), C("10")}},
		{Key: "b", Cells: []Cell{C("a"), C("9")}},
		{Key: "c", Cells: []Cell{C("c"), C("100")}},
	})
	press := func(k string) {
		if !tb.HandleKey(km.Is, k) {
			t.Fatalf("%q is not a table key", k)
		}
	}
	order := func() string {
		var s string
		for _, r := range tb.Rows() {
			s += r.Key
		}
		return s
	}
	th := themes.Default(true)
	press(">")
	if c, _ := tb.SortState(); c != 0 || order() != "bac" || !strings.Contains(ansi.Strip(tb.View(20, 4, th)), "NAME▲") {
		t.Fatalf("> sorted col %d order %s\n%s", c, order(), tb.View(20, 4, th))
	}
	press(">")
	if !strings.Contains(ansi.Strip(tb.View(20, 4, th)), "CPU▲") {
		t.Fatalf("second > : %s", ansi.Strip(tb.View(20, 4, th)))
	}
	if order() != "bac" { // 9 < 10 < 100, numerically
		t.Fatalf("numeric order %s", order())
	}
	press("~")
	if order() != "cab" || !strings.Contains(ansi.Strip(tb.View(20, 4, th)), "CPU▼") {
		t.Fatalf("~ : %s %s", order(), ansi.Strip(tb.View(20, 4, th)))
	}
	press("<")
	if c, desc := tb.SortState(); c != 0 || !desc || order() != "cab" || !strings.Contains(ansi.Strip(tb.View(20, 4, th)), "NAME▼") {
		t.Fatalf("< : col %d %s", c, order())
	}
	press("<")
	if c, _ := tb.SortState(); c != -1 || strings.ContainsAny(ansi.Strip(tb.View(20, 4, th)), "▲▼") {
		t.Fatalf("< back to the given order: col %d", c)
	}
}

// A saved ViewState brings back cursor row and sort after the rows changed.
func TestViewStateRoundTrip(t *testing.T) {
	tb := New(Column{Title: "NAME", Width: 6})
	rows := func(keys ...string) []Row {
		var out []Row
		for _, k := range keys {
			out = append(out, Row{Key: k, Cells: []Cell{C(k)}})
		}
		return out
	}
	tb.SetRows(rows("c", "a", "b"))
	tb.SortBy(0, true)
	tb.SelectKey("b")
	v := tb.SaveView()
	tb.SortBy(-1, false)
	tb.Top()
	tb.SetRows(rows("d", "b", "a"))
	tb.RestoreView(v)
	if c, desc := tb.SortState(); c != 0 || !desc {
		t.Fatalf("sort %d %v", c, desc)
	}
	if r, _ := tb.Selected(); r.Key != "b" || tb.Rows()[0].Key != "d" {
		t.Fatalf("cursor on %q, first %q", r.Key, tb.Rows()[0].Key)
	}
}

// lazyRow makes its cells from an eager row's, counting the cells made.
type lazyRow struct {
	cells []Cell
	made  *int
}

func (l lazyRow) Cell(i int) Cell {
	*l.made++
	if i < len(l.cells) {
		return l.cells[i]
	}
	return Cell{}
}

func (l lazyRow) Crit() bool {
	for _, c := range l.cells {
		if c.Role == themes.Crit {
			return true
		}
	}
	return false
}

// A lazy row renders, sorts and takes an untouched cursor (a new CRIT
// cell above it) exactly as the eager row it stands for, and only the
// rows on screen and the sort column are made.
func TestLazyRowsSameAsEager(t *testing.T) {
	th := themes.Default(true)
	eager := func(n int) []Row {
		out := rows(n)
		for i := range out {
			if i%97 == 5 {
				out[i].Cells[1] = S("crit", themes.Crit)
			}
			out[i].Cells = append(out[i].Cells, Cell{Text: fmt.Sprint(n - i), Sort: fmt.Sprint(i)})
		}
		return out
	}
	made := 0
	lazy := func(rs []Row) []Row {
		out := make([]Row, len(rs))
		for i, r := range rs {
			out[i] = Row{Key: r.Key, Role: r.Role, Src: lazyRow{r.Cells, &made}}
		}
		return out
	}
	cols := []Column{{Title: "NAME"}, {Title: "N", Width: 4}, {Title: "AGE", Width: 5, Right: true}}
	e, l := New(cols...), New(cols...)
	e.SetRows(eager(1000))
	l.SetRows(lazy(eager(1000)))
	for _, m := range []*Model{e, l} {
		m.SetCursor(500)
	}
	// Fewer rows, with a CRIT one above the (untouched) cursor.
	next := eager(1000)[300:]
	next[10].Cells[1] = S("crit", themes.Crit)
	e.SetRows(next)
	made = 0
	l.SetRows(lazy(next))
	if made != 0 {
		t.Errorf("SetRows made %d cells of lazy rows", made)
	}
	if e.Cursor() != l.Cursor() {
		t.Fatalf("cursor: eager %d, lazy %d", e.Cursor(), l.Cursor())
	}
	if got, want := l.View(60, 12, th), e.View(60, 12, th); got != want {
		t.Fatalf("lazy rows render\n%s\nwant\n%s", got, want)
	}
	if made > 11*3 {
		t.Errorf("rendering 11 rows made %d cells", made)
	}
	for _, c := range []int{0, 1, 2} {
		e.SortBy(c, c == 1)
		l.SortBy(c, c == 1)
		for i, r := range e.Rows() {
			if l.Rows()[i].Key != r.Key {
				t.Fatalf("sort on %d: row %d is %s, want %s", c, i, l.Rows()[i].Key, r.Key)
			}
		}
		if got, want := l.View(60, 12, th), e.View(60, 12, th); got != want {
			t.Fatalf("sorted on %d, lazy rows render\n%s\nwant\n%s", c, got, want)
		}
		if got, want := l.Rows()[3].Cell(2), e.Rows()[3].Cell(2); got != want {
			t.Fatalf("Row.Cell: %v, want %v", got, want)
		}
	}
}

// With the frame cache on, every frame is the one an uncached table draws
// after the same calls, and a frame with no change in between makes no
// cell.
func TestFrameCacheSameFrames(t *testing.T) {
	th := themes.Default(true)
	made := 0
	lazy := func(rs []Row) []Row {
		out := make([]Row, len(rs))
		for i, r := range rs {
			out[i] = Row{Key: r.Key, Role: r.Role, Src: lazyRow{r.Cells, &made}}
		}
		return out
	}
	cols := []Column{{Title: "NAME"}, {Title: "N", Width: 4}}
	plain, cached := New(cols...), New(cols...)
	cached.SetFrameCache(true)
	rng := rand.New(rand.NewPCG(1, 2))
	var saved ViewState
	for step := range 400 {
		op := rng.IntN(11)
		for _, m := range []*Model{plain, cached} {
			r := rand.New(rand.NewPCG(uint64(step), 7)) // the same arguments for both
			switch op {
			case 0:
				m.SetRows(lazy(rows(50 + r.IntN(100))[r.IntN(20):]))
			case 1:
				m.Move(r.IntN(7) - 3)
			case 2:
				m.Page(r.IntN(3) - 1)
			case 3:
				m.SortBy(r.IntN(3)-1, r.IntN(2) == 0)
			case 4:
				m.SetCursor(r.IntN(120))
			case 5:
				m.SelectKey(fmt.Sprint(r.IntN(120)))
			case 6:
				m.Top()
			case 7:
				m.Bottom()
			case 8:
				saved = m.SaveView()
			case 9:
				m.RestoreView(saved)
			}
		}
		w, h := 40, 12
		if op == 10 {
			w, h = 30+rng.IntN(20), 5+rng.IntN(10)
		}
		if got, want := cached.View(w, h, th), plain.View(w, h, th); got != want {
			t.Fatalf("step %d (op %d): cached frame\n%s\nwant\n%s", step, op, got, want)
		}
	}
	cached.View(40, 12, th)
	made = 0
	cached.View(40, 12, th)
	if made != 0 {
		t.Fatalf("an unchanged frame made %d cells", made)
	}
}

// SetRow replaces one row: the next frame shows it (the frame cache is
// dropped), and a row turning CRIT above an untouched cursor takes it, as
// with SetRows; a touched cursor stays.
func TestSetRowRedrawsAndKeepsTheCritRule(t *testing.T) {
	th := themes.Default(true)
	m := New(Column{Title: "NAME"}, Column{Title: "STATE"})
	m.SetFrameCache(true)
	var rows []Row
	for _, k := range []string{"a", "b", "c", "d"} {
		rows = append(rows, Row{Key: k, Cells: []Cell{C(k), C("ok")}})
	}
	m.SetRows(rows)
	m.SetCursor(3)
	_ = m.View(40, 10, th)
	m.SetRow(1, Row{Key: "b", Cells: []Cell{C("b"), C("changed")}})
	if out := m.View(40, 10, th); !strings.Contains(out, "changed") {
		t.Fatalf("SetRow not drawn:\n%s", out)
	}
	if m.Cursor() != 3 {
		t.Fatalf("cursor moved to %d on a plain change", m.Cursor())
	}
	m.SetRow(2, Row{Key: "c", Cells: []Cell{C("c"), S("DOWN", themes.Crit)}})
	if m.Cursor() != 2 {
		t.Fatalf("row turned CRIT above an untouched cursor: cursor %d, want 2", m.Cursor())
	}
	m.Move(1) // the user's cursor (3)
	m.SetRow(0, Row{Key: "a", Cells: []Cell{C("a"), S("DOWN", themes.Crit)}})
	if m.Cursor() != 3 {
		t.Fatalf("touched cursor moved to %d", m.Cursor())
	}
}
