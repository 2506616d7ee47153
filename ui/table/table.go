// Package table is the windowed table every list pane uses. It renders only
// the rows that fit on screen (cost follows visible rows, not total rows),
// keeps the cursor on the same row across refreshes, sorts on any column,
// and passes every cell through ui/safe: untrusted text cannot reach the
// terminal from a table.
package table

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// Column describes one column.
type Column struct {
	Title string
	Width int  // fixed width in cells (0 = flexible)
	Min   int  // minimum width of a flexible column
	Right bool // right-align (numbers)
	// Hide under this total width (drop low-priority columns on small panes).
	HideBelow int
}

// Cell is one cell: untrusted text, optional style role and sort key.
type Cell struct {
	Text string
	Role themes.Role // 0 (Normal) = row role
	Sort string      // sort key; "" sorts by Text (numbers numerically)
}

// C makes a plain cell.
func C(s string) Cell { return Cell{Text: s} }

// S makes a styled cell.
func S(s string, r themes.Role) Cell { return Cell{Text: s, Role: r} }

// Row is one row; Key identifies it across refreshes. Its cells are
// Cells, or, when Cells is nil, made by Src when needed (a lazy row).
type Row struct {
	Key   string
	Cells []Cell
	Role  themes.Role
	Src   CellSource
}

// CellSource makes a lazy row's cells: the table asks for the cells of the
// rows on screen and of the sort column only, so a pane with 50,000 rows
// keeps what sorting and filtering need instead of every row's cells
// (issue 15: ten cells a row were ~20 MB of the heap at 50,000 servers,
// scanned by every GC).
type CellSource interface {
	// Cell is column i's cell; the same as an eager row's Cells[i].
	Cell(i int) Cell
	// Crit: a cell is styled CRIT (see critical), without making them.
	Crit() bool
}

// Cell returns the row's cell in column i (empty past the last).
func (r Row) Cell(i int) Cell { return cellAt(r, i) }

// Model is the table state.
type Model struct {
	cols     []Column
	rows     []Row
	cursor   int
	offset   int
	height   int // rows visible at last render (for paging)
	sortCol  int // -1: keep given order
	sortDesc bool
	// presorted: the owner hands over rows in the sort's order after every
	// SortBy (SetPresorted), so SortBy only records the sort.
	presorted bool
	// touched: the user moved the cursor. Until then a CRIT row that
	// appears above the cursor takes it (the operator sees what broke).
	touched bool
	// frame is the last View's output, reused while nothing it was drawn
	// from changed (SetFrameCache).
	frame frameCache
}

// frameCache is a View's output and what it was drawn from.
type frameCache struct {
	on            bool
	ok            bool
	width, height int
	th            *themes.Theme
	out           string
}

// SetFrameCache says the owner changes its rows only through SetRows
// (never a row's cells in place, nor what a lazy row's cells are made
// from): View then draws again only after a change through the table's
// methods or at another size. The shell draws the active pane after every
// message, and most messages (another pane's refresh, a host's answer)
// change nothing on it (issue 15: redrawing the instances table was a
// third of the cockpit's allocations).
func (m *Model) SetFrameCache(b bool) { m.frame = frameCache{on: b} }

// changed drops the cached frame.
func (m *Model) changed() { m.frame.ok = false }

// New makes a table with columns.
func New(cols ...Column) *Model { return &Model{cols: cols, sortCol: -1} }

// Columns returns the columns.
func (m *Model) Columns() []Column { return m.cols }

// SetRows replaces the rows, keeping the cursor on the row with the same key.
// A new CRIT row above an untouched cursor takes the cursor.
func (m *Model) SetRows(rows []Row) {
	m.changed()
	var key string
	if r, ok := m.Selected(); ok {
		key = r.Key
	}
	old := m.rows
	m.rows = rows
	if !m.presorted {
		m.sort()
	}
	if key != "" {
		m.cursor = m.find(key)
	}
	m.clamp()
	if !m.touched && len(old) > 0 && m.cursor > 0 {
		// The old rows' CRIT keys, only when a row can sit above the
		// cursor (a set: the same if the sort above permuted old in
		// place). Every SetRows of a 50,000-row first load built it.
		wasCrit := map[string]bool{}
		for i := range old {
			if critical(old[i]) {
				wasCrit[old[i].Key] = true
			}
		}
		for i := 0; i < m.cursor; i++ {
			if critical(m.rows[i]) && !wasCrit[m.rows[i].Key] {
				m.cursor = i
				break
			}
		}
	}
}

// find is the index of the row with key k (the cursor when none has it).
// It looks first for the key's own string (the same row handed over
// again), which needs no read of each row's key text (issue 15: at 50,000
// rows, comparing keys read 50,000 scattered strings on every filter
// keystroke), then compares texts.
func (m *Model) find(k string) int {
	p := unsafe.StringData(k)
	for i := range m.rows {
		if unsafe.StringData(m.rows[i].Key) == p && len(m.rows[i].Key) == len(k) {
			return i
		}
	}
	for i := range m.rows {
		if m.rows[i].Key == k {
			return i
		}
	}
	return m.cursor
}

// SetRow replaces row i with r, a row with the same key whose place in the
// order stands (a refresh that changed a few rows in place: SetRows of
// 50,000 rows for them held a keystroke back, issue 15). As with SetRows,
// a row that turns CRIT above an untouched cursor takes it.
func (m *Model) SetRow(i int, r Row) {
	if i < 0 || i >= len(m.rows) {
		return
	}
	m.changed()
	was := critical(m.rows[i])
	m.rows[i] = r
	if !m.touched && i < m.cursor && !was && critical(r) {
		m.cursor = i
	}
}

// critical: the row, or one of its cells, is styled CRIT (a DOWN host, a
// critical alert or its group).
func critical(r Row) bool {
	if r.Role == themes.Crit {
		return true
	}
	if r.Cells == nil && r.Src != nil {
		return r.Src.Crit()
	}
	for _, c := range r.Cells {
		if c.Role == themes.Crit {
			return true
		}
	}
	return false
}

// Touched reports whether the user moved the cursor (Move, Page, Top,
// Bottom); SetCursor and SelectKey are the pane's own moves.
func (m *Model) Touched() bool { return m.touched }

// Len is the number of rows.
func (m *Model) Len() int { return len(m.rows) }

// Rows returns the rows in display order.
func (m *Model) Rows() []Row { return m.rows }

// Selected returns the cursor row.
func (m *Model) Selected() (Row, bool) {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return Row{}, false
	}
	return m.rows[m.cursor], true
}

// Cursor is the cursor index.
func (m *Model) Cursor() int { return m.cursor }

// SetCursor moves the cursor to index i.
func (m *Model) SetCursor(i int) { m.cursor = i; m.clamp(); m.changed() }

// SelectKey moves the cursor to the row with key k.
func (m *Model) SelectKey(k string) bool {
	for i := range m.rows {
		if m.rows[i].Key == k {
			m.cursor = i
			m.clamp()
			m.changed()
			return true
		}
	}
	return false
}

// Move moves the cursor by d rows.
func (m *Model) Move(d int) { m.cursor += d; m.touched = true; m.clamp(); m.changed() }

// Page moves by a page.
func (m *Model) Page(dir int) {
	h := m.height
	if h < 1 {
		h = 10
	}
	m.Move(dir * h)
}

// Top and Bottom jump.
func (m *Model) Top()    { m.cursor = 0; m.touched = true; m.clamp(); m.changed() }
func (m *Model) Bottom() { m.cursor = len(m.rows) - 1; m.touched = true; m.clamp(); m.changed() }

// SetPresorted says the owner keeps its rows in the table's sort order:
// SetRows takes them as they come, and after each SortBy (a sort key) the
// owner hands over the rows in the new order, so SortBy does not sort the
// rows it has (issue 15: a filter keystroke on 50,000 sorted rows
// re-sorted them, a sort change sorted them twice). RestoreView still
// sorts.
func (m *Model) SetPresorted(b bool) { m.presorted = b }

// SortBy sorts on column c (-1 for given order).
func (m *Model) SortBy(c int, desc bool) {
	m.changed()
	m.sortCol, m.sortDesc = c, desc
	if m.presorted {
		return // the owner's next SetRows brings the order (and keeps the cursor's row)
	}
	var key string
	if r, ok := m.Selected(); ok {
		key = r.Key
	}
	m.sort()
	if key != "" {
		m.SelectKey(key)
	}
}

// SortNext cycles the sort column (dir +1/-1); ReverseSort flips order.
func (m *Model) SortNext(dir int) {
	n := len(m.cols) + 1 // including "given order"
	c := (m.sortCol + 1 + dir + n) % n
	m.SortBy(c-1, m.sortDesc)
}
func (m *Model) ReverseSort() { m.SortBy(m.sortCol, !m.sortDesc) }

// SortState returns the sort column and direction.
func (m *Model) SortState() (int, bool) { return m.sortCol, m.sortDesc }

// ViewState is what the operator set in a table: the cursor (by row
// key, falling back to its index), the scroll position and the sort. The
// shell keeps it in the breadcrumb so esc comes back to exactly that.
type ViewState struct {
	key             string
	cursor, offset  int
	sortCol         int
	sortDesc, moved bool
}

// SaveView returns the table's ViewState.
func (m *Model) SaveView() ViewState {
	v := ViewState{cursor: m.cursor, offset: m.offset, sortCol: m.sortCol, sortDesc: m.sortDesc, moved: m.touched}
	if r, ok := m.Selected(); ok {
		v.key = r.Key
	}
	return v
}

// RestoreView puts back a saved ViewState on the rows there are now.
func (m *Model) RestoreView(v ViewState) {
	m.changed()
	m.sortCol, m.sortDesc, m.touched = v.sortCol, v.sortDesc, v.moved
	m.sort()
	m.offset = v.offset
	if v.key == "" || !m.SelectKey(v.key) {
		m.SetCursor(v.cursor)
	}
}

func (m *Model) sort() {
	c := m.sortCol
	if c < 0 || c >= len(m.cols) || inOrder(m.rows, c, m.sortDesc) {
		return
	}
	perm := SortOrder(m.rows, c, m.sortDesc)
	sorted := make([]Row, len(m.rows))
	for i, k := range perm {
		sorted[i] = m.rows[k]
	}
	copy(m.rows, sorted)
}

// inOrder: rows are already sorted on column c (a pane that keeps its rows
// in the table's order; issue 15: a filter keystroke on 50,000 sorted rows
// re-sorted them all). One pass, no allocation for lower-case keys.
func inOrder(rows []Row, c int, desc bool) bool {
	if len(rows) < 2 {
		return true
	}
	prev := rowKey(rows[0], c)
	for i := 1; i < len(rows); i++ {
		k := rowKey(rows[i], c)
		r := prev.compare(&k)
		if desc {
			r = -r
		}
		if r > 0 || r == 0 && rows[i-1].Key > rows[i].Key {
			return false
		}
		prev = k
	}
	return true
}

// CompareRows orders two rows as a sort on column c does (ties by key).
func CompareRows(a, b Row, c int, desc bool) int {
	ka, kb := rowKey(a, c), rowKey(b, c)
	r := ka.compare(&kb)
	if desc {
		r = -r
	}
	if r == 0 {
		r = strings.Compare(a.Key, b.Key)
	}
	return r
}

// SortKeyer is an optional CellSource method: column i's sort key,
// lower-cased: what a sort reads from Cell(i) (its Sort, else its Text),
// without making the cell (issue 15: a sort change at 50,000 rows made
// every row's cell, up to two allocations each).
type SortKeyer interface {
	SortKey(i int) string
}

// SortOrder returns the indexes of rows in the order a sort on column c
// puts them (what SetRows shows), for a pane that keeps its own sorted
// copy.
func SortOrder(rows []Row, c int, desc bool) []int32 {
	return SortOrderOf(SortInput{N: len(rows), Desc: desc,
		Key: func(i int) string { return rows[i].Key },
		Low: func(i int) string { return rowLow(rows[i], c) }})
}

// SortNumberer is an optional CellSource method: column i's sort key as
// the number it is (ok), so a sort on a column of numbers makes no text
// (AGE at 50,000 rows: 50,000 small strings per sort). Its SortKey still
// gives the text, for a column where numbers and words mix.
type SortNumberer interface {
	SortNumber(i int) (float64, bool)
}

// SortInput is what SortOrderOf sorts: N rows, row i's Key and its sort
// key lower-cased (a lazy row's SortKey: no []Row, no cell), optionally
// its sort key as a number (SortNumberer), and a buffer for the result.
type SortInput struct {
	N        int
	Key, Low func(i int) string
	Num      func(i int) (float64, bool) // nil: numbers are read from Low
	Desc     bool
	Into     []int32 // reused for the result when large enough
}

// sortEnt is one row in a sort: no pointers, so the sort moves 16 bytes
// per swap without write barriers, and most comparisons end on pfx.
type sortEnt struct {
	pfx uint64 // the key's order, when keys are all numbers or all text (see SortOrderOf)
	row int32
}

// SortOrderOf is SortOrder over in's rows. Each key is read once: at
// 50,000 rows scattered in memory, a sort change was mostly waiting for
// their bytes (issue 15), so a row's Key is read only when sort keys tie.
func SortOrderOf(in SortInput) []int32 {
	n, key, desc := in.N, in.Key, in.Desc
	sc := scratchPool.Get().(*sortScratch)
	defer sc.put()
	lows, num, isNum, ents := sc.get(n)
	nums, lcp := 0, -1 // lcp: the length of the prefix all text keys share
	var ref string     // the first text key
	for i := range n {
		ents[i] = sortEnt{row: int32(i)}
		if in.Num != nil {
			if f, ok := in.Num(i); ok {
				lows[i], num[i], isNum[i] = "", f, true // its text only if texts are mixed in (below)
				nums++
				continue
			}
		}
		k := lowKey(in.Low(i))
		lows[i], num[i], isNum[i] = k.low, k.num, k.isNum
		if k.isNum {
			nums++
		}
		ents[i].pfx = k.pfx
		if lcp < 0 {
			ref, lcp = k.low, len(k.low)
		} else if lcp > 0 { // while this key's text is in the cache
			lcp = commonLen(ref[:lcp], k.low)
		}
	}
	if in.Num != nil && nums != n && nums != 0 {
		for i := range n {
			if isNum[i] && lows[i] == "" { // a number's text is never empty
				lows[i] = in.Low(i)
			}
		}
	}
	// pfx orders the keys by itself when they are all numbers (the float's
	// bits, made orderable) or all text (8 bytes after the prefix they all
	// share: "compute012" and "compute013" differ in "012"): equal pfx then
	// needs the full comparison, unequal decides. Mixed, every comparison
	// is the full one.
	ordered := nums == n || nums == 0
	switch {
	case nums == n:
		for i := range ents {
			ents[i].pfx = orderedFloat(num[i])
		}
	case nums == 0 && lcp > 0:
		for i := range ents {
			ents[i].pfx = prefix(lows[i][lcp:])
		}
	}
	if desc {
		for i := range ents {
			ents[i].pfx = ^ents[i].pfx
		}
	}
	// keyCmp orders two rows' sort keys (0: they tie).
	keyCmp := func(a, b sortEnt) int {
		if ordered {
			switch {
			case a.pfx != b.pfx:
				return cmp.Compare(a.pfx, b.pfx)
			case nums == n: // equal numbers' pfx are equal numbers
				return 0
			case len(lows[a.row]) == len(lows[b.row]) && len(lows[a.row]) <= lcp+8:
				// Equal texts (pfx holds all of both past lcp): "active"
				// and "active", without reading either.
				return 0
			}
		}
		var r int
		if isNum[a.row] && isNum[b.row] {
			r = cmp.Compare(num[a.row], num[b.row])
		} else {
			r = strings.Compare(lows[a.row], lows[b.row])
		}
		if desc {
			r = -r
		}
		return r
	}
	slices.SortFunc(ents, func(a, b sortEnt) int {
		if r := keyCmp(a, b); r != 0 {
			return r
		}
		return cmp.Compare(a.row, b.row)
	})
	// Ties in row key order, so equal rows never shuffle between
	// refreshes: each run of equal keys sorted again on the row keys.
	for i := 0; i < len(ents); {
		j := i + 1
		for j < len(ents) && keyCmp(ents[i], ents[j]) == 0 {
			j++
		}
		if j-i > 1 {
			sortByRowKey(ents[i:j], key)
		}
		i = j
	}
	perm := in.Into[:0]
	if cap(perm) < n {
		perm = make([]int32, n)
	}
	perm = perm[:n]
	for i, e := range ents {
		perm[i] = e.row
	}
	return perm
}

// sortScratch is SortOrderOf's working memory, kept between sorts (a
// sort key press at 50,000 rows allocated 2 MB of it each time).
type sortScratch struct {
	lows  []string
	num   []float64
	isNum []bool
	ents  []sortEnt
}

var scratchPool = sync.Pool{New: func() any { return new(sortScratch) }}

func (sc *sortScratch) get(n int) ([]string, []float64, []bool, []sortEnt) {
	if cap(sc.ents) < n {
		*sc = sortScratch{lows: make([]string, n), num: make([]float64, n), isNum: make([]bool, n), ents: make([]sortEnt, n)}
	}
	return sc.lows[:n], sc.num[:n], sc.isNum[:n], sc.ents[:n]
}

// put returns sc to the pool, without the keys (they would keep their
// rows' text alive).
func (sc *sortScratch) put() {
	clear(sc.lows[:cap(sc.lows)])
	scratchPool.Put(sc)
}

// sortByRowKey orders run on the rows' keys (then their index), reading
// each key once for its prefix.
func sortByRowKey(run []sortEnt, key func(i int) string) {
	for i := range run {
		run[i].pfx = prefix(key(int(run[i].row)))
	}
	slices.SortFunc(run, func(a, b sortEnt) int {
		r := cmp.Compare(a.pfx, b.pfx)
		if r == 0 {
			r = strings.Compare(key(int(a.row)), key(int(b.row)))
		}
		if r == 0 {
			r = cmp.Compare(a.row, b.row)
		}
		return r
	})
}

// orderedFloat maps f to a uint64 in cmp.Compare's order of floats: NaN
// first, -0 equal to 0.
func orderedFloat(f float64) uint64 {
	switch {
	case f != f:
		return 0
	case f == 0:
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// commonLen is the length of the prefix a and b share.
func commonLen(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// sortKey is a cell's sort key.
type sortKey struct {
	low   string  // lower-cased key text
	pfx   uint64  // low's first 8 bytes (prefix): most comparisons end here
	num   float64 // the key as a number, when isNum
	isNum bool
}

// prefix packs s's first 8 bytes big-endian (zero-padded), so comparing
// prefixes orders strings as strings.Compare does, unless they are equal.
func prefix(s string) uint64 {
	var p uint64
	for i := 0; i < 8; i++ {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

// rowKey is row r's sort key in column c, from its source's SortKey when
// it has one (no cell made).
func rowKey(r Row, c int) sortKey { return lowKey(rowLow(r, c)) }

// rowLow is row r's lower-cased sort text in column c: what rowKey parses,
// unparsed (SortOrderOf parses each key once itself).
func rowLow(r Row, c int) string {
	if c < len(r.Cells) {
		return cellLow(r.Cells[c])
	}
	if r.Cells == nil && r.Src != nil && c >= 0 {
		if k, ok := r.Src.(SortKeyer); ok {
			return k.SortKey(c)
		}
		return cellLow(r.Src.Cell(c))
	}
	return ""
}

func cellLow(c Cell) string {
	k := c.Sort
	if k == "" {
		k = c.Text
	}
	return strings.ToLower(k)
}

func keyOf(c Cell) sortKey { return lowKey(cellLow(c)) }

// lowKey is the key of lower-cased text low: a number when low is one
// (ParseFloat reads "1E3", "INF" and "0X1P-2" as their lower case).
func lowKey(low string) sortKey {
	key := sortKey{low: low, pfx: prefix(low)}
	if maybeNumber(low) && !notFloat(low) { // skip ParseFloat's error allocation for words, IDs, addresses
		f, err := strconv.ParseFloat(strings.TrimRight(low, "%"), 64)
		key.num, key.isNum = f, err == nil
	}
	return key
}

// maybeNumber: s starts as something ParseFloat may accept (digits, sign,
// point, or inf/nan).
func maybeNumber(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == 'i', c == 'I', c == 'n', c == 'N':
		return true
	}
	return false
}

// notFloat: ParseFloat surely rejects s with its trailing %s trimmed
// (each rejection allocates an error: a sort on 50,000 UUIDs or
// addresses made 100,000). Sure only of plain decimals: s is not
// [+-]digits[.digits][e[+-]digits]; hex, inf, nan and underscores are
// left to ParseFloat.
func notFloat(s string) bool {
	s = strings.TrimRight(s, "%")
	if strings.IndexByte(s, '_') >= 0 {
		return false
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && (s[i]|0x20 == 'i' || s[i]|0x20 == 'n') || i+1 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' {
		return false
	}
	digits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return true
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		e := 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			e++
		}
		if e == 0 {
			return true
		}
	}
	return i != len(s)
}

// compare orders two keys: both numbers numerically, else by lower-case text.
func (a *sortKey) compare(b *sortKey) int {
	if a.isNum && b.isNum {
		return cmp.Compare(a.num, b.num)
	}
	if a.pfx != b.pfx {
		return cmp.Compare(a.pfx, b.pfx)
	}
	return strings.Compare(a.low, b.low)
}

func cellAt(r Row, c int) Cell {
	if c < len(r.Cells) {
		return r.Cells[c]
	}
	if r.Cells == nil && r.Src != nil && c >= 0 {
		return r.Src.Cell(c)
	}
	return Cell{}
}

func (m *Model) clamp() {
	if m.cursor >= len(m.rows) {
		m.cursor = len(m.rows) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
}

// Widths lays out columns in width cells (1-cell gaps). Hidden columns get 0.
func (m *Model) Widths(width int) []int {
	w := make([]int, len(m.cols))
	gaps := 0
	fixed := 0
	flex := 0
	for i, c := range m.cols {
		if c.HideBelow > 0 && width < c.HideBelow {
			continue
		}
		gaps++
		if c.Width > 0 {
			w[i] = c.Width
			fixed += c.Width
		} else {
			flex++
		}
	}
	if gaps > 0 {
		gaps--
	}
	rest := width - fixed - gaps
	if flex > 0 {
		each := rest / flex
		extra := rest - each*flex
		for i, c := range m.cols {
			if (c.HideBelow > 0 && width < c.HideBelow) || c.Width > 0 {
				continue
			}
			w[i] = max(each, c.Min, 1)
			if extra > 0 {
				w[i]++
				extra--
			}
		}
	}
	// Squeeze from the right when the fixed columns overflow.
	total := gaps
	for _, x := range w {
		total += x
	}
	for i := len(w) - 1; i >= 0 && total > width; i-- {
		if w[i] == 0 {
			continue
		}
		cut := min(total-width, w[i]-1)
		w[i] -= cut
		total -= cut
	}
	return w
}

// View renders the header and the visible rows into width x height.
func (m *Model) View(width, height int, th *themes.Theme) string {
	if height < 1 || width < 1 {
		return ""
	}
	f := &m.frame
	if f.on && f.ok && f.width == width && f.height == height && f.th == th {
		return f.out
	}
	out := m.view(width, height, th)
	if f.on {
		f.ok, f.width, f.height, f.th, f.out = true, width, height, th, out
	}
	return out
}

func (m *Model) view(width, height int, th *themes.Theme) string {
	widths := m.Widths(width)
	var b strings.Builder
	// Header, with a sort marker.
	var hdr []string
	for i, c := range m.cols {
		if widths[i] == 0 {
			continue
		}
		t := c.Title
		if i == m.sortCol {
			if m.sortDesc {
				t += "▼"
			} else {
				t += "▲"
			}
		}
		hdr = append(hdr, align(t, widths[i], c.Right))
	}
	b.WriteString(th.Render(themes.Header, strings.Join(hdr, " ")))
	body := height - 1
	m.height = body
	if body <= 0 {
		return b.String()
	}
	// Keep the cursor in the window.
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+body {
		m.offset = m.cursor - body + 1
	}
	if m.offset > len(m.rows)-body {
		m.offset = max(len(m.rows)-body, 0)
	}
	end := min(m.offset+body, len(m.rows))
	if len(m.rows) == 0 {
		b.WriteString("\n")
		b.WriteString(th.Render(themes.Muted, safe.Fit("  (no rows)", width)))
	}
	for i := m.offset; i < end; i++ {
		b.WriteString("\n")
		b.WriteString(m.renderRow(m.rows[i], widths, i == m.cursor, th))
	}
	return b.String()
}

func (m *Model) renderRow(r Row, widths []int, selected bool, th *themes.Theme) string {
	var parts []string
	for i, c := range m.cols {
		if widths[i] == 0 {
			continue
		}
		cell := cellAt(r, i)
		text := align(cell.Text, widths[i], c.Right)
		role := cell.Role
		if role == themes.Normal {
			role = r.Role
		}
		if !selected && role != themes.Normal {
			text = th.Render(role, text)
		}
		parts = append(parts, text)
	}
	line := strings.Join(parts, " ")
	if selected {
		return th.Render(themes.Selected, line)
	}
	return line
}

func align(s string, w int, right bool) string {
	if right {
		return safe.PadLeft(s, w)
	}
	return safe.Pad(s, w)
}

// Bar renders a usage bar like "████░░░░ 52%" in w cells; the percentage
// text is always there so colour is not the only signal.
func Bar(frac float64, w int) string {
	if frac < 0 {
		frac = 0
	}
	pct := strconv.Itoa(int(frac*100+0.5)) + "%"
	bw := w - len(pct) - 1
	if bw < 2 {
		return pct
	}
	f := frac
	if f > 1 {
		f = 1
	}
	n := int(f*float64(bw) + 0.5)
	return strings.Repeat("█", n) + strings.Repeat("░", bw-n) + " " + pct
}

// HandleKey applies the shared "table" bindings (movement, paging, sort)
// and reports whether key was one of them, so every list pane moves and
// sorts the same way without repeating the switch.
func (m *Model) HandleKey(is func(key, action string) bool, key string) bool {
	switch {
	case is(key, "table.down"):
		m.Move(1)
	case is(key, "table.up"):
		m.Move(-1)
	case is(key, "table.page_down"):
		m.Page(1)
	case is(key, "table.page_up"):
		m.Page(-1)
	case is(key, "table.top"):
		m.Top()
	case is(key, "table.bottom"):
		m.Bottom()
	case is(key, "table.sort_next"):
		m.SortNext(1)
	case is(key, "table.sort_prev"):
		m.SortNext(-1)
	case is(key, "table.sort_reverse"):
		m.ReverseSort()
	default:
		return false
	}
	return true
}
