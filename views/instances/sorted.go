package instances

import (
	"slices"

	"github.com/stackpit/stackpit/ui/table"
)

// The pane keeps its entries in the table's sort order as well as in name
// order (issue 15): a filter keystroke then hands the table rows already in
// order (the table checks them in one pass instead of re-sorting up to
// 50,000), a sort change sorts once, and a refresh that changes a few
// servers moves those few.

// sortCache is p.order sorted on a table column.
type sortCache struct {
	col  int
	desc bool
	ok   bool
	list []*entry
	perm []int32 // the sort's buffer, kept for the next
}

// view returns the entries in the order the table shows them.
func (p *Pane) view() []*entry {
	c, desc := p.tbl.SortState()
	if c < 0 {
		return p.order
	}
	sc := &p.sorted
	if sc.ok && sc.col == c && sc.desc == desc {
		return sc.list
	}
	order := p.order
	perm := table.SortOrderOf(table.SortInput{N: len(order), Desc: desc, Into: sc.perm,
		Key: func(i int) string { return order[i].id },
		Low: func(i int) string { return order[i].SortKey(c) },
		Num: func(i int) (float64, bool) { return order[i].SortNumber(c) }})
	// The last sort's list is garbage now (resort copies before it
	// changes one, applyFrom reads it only here): fill it again.
	list := sc.list[:0]
	if cap(list) < len(perm) {
		list = make([]*entry, len(perm))
	}
	list = list[:len(perm)]
	for i, k := range perm {
		list[i] = p.order[k]
	}
	*sc = sortCache{col: c, desc: desc, ok: true, list: list, perm: perm}
	return list
}

// resort moves the entries a refresh changed (rows rebuilt in place),
// added or removed within the sorted list, when there are few of them.
func (p *Pane) resort(changed, added, removed []*entry) {
	sc := &p.sorted
	n := len(changed) + len(added) + len(removed)
	if !sc.ok || n == 0 {
		return
	}
	if n > len(sc.list)/8+16 {
		sc.ok = false // cheaper to sort again when next shown
		return
	}
	if len(added)+len(removed) == 0 && sc.inPlace(changed) {
		return // a steady refresh's few changes: no copy of 50,000 entries
	}
	if len(changed)+len(removed) > 0 {
		out := make(map[*entry]bool, len(changed)+len(removed))
		for _, e := range changed {
			out[e] = true
		}
		for _, e := range removed {
			out[e] = true
		}
		sc.list = slices.DeleteFunc(slices.Clone(sc.list), func(e *entry) bool { return out[e] })
	}
	// Entries still in the cache, each once (a server may come twice in
	// one refresh, or change and then go).
	in := slices.DeleteFunc(slices.Concat(changed, added), func(e *entry) bool { return p.byID[e.id] != e })
	cmp := func(a, b *entry) int { return table.CompareRows(a.row(), b.row(), sc.col, sc.desc) }
	slices.SortFunc(in, cmp)
	in = slices.Compact(in)
	merged := make([]*entry, 0, len(sc.list)+len(in))
	i, j := 0, 0
	for i < len(sc.list) && j < len(in) {
		if cmp(in[j], sc.list[i]) < 0 {
			merged = append(merged, in[j])
			j++
		} else {
			merged = append(merged, sc.list[i])
			i++
		}
	}
	merged = append(merged, sc.list[i:]...)
	sc.list = append(merged, in[j:]...)
}

// inPlace: each changed entry is still in order with its neighbours in
// the list (found by binary search: the rest of the list is unchanged and
// sorted), so the list stands as it is.
func (sc *sortCache) inPlace(changed []*entry) bool {
	cmp := func(a, b *entry) int { return table.CompareRows(a.row(), b.row(), sc.col, sc.desc) }
	l := sc.list
	for _, e := range changed {
		i, found := slices.BinarySearchFunc(l, e, cmp)
		if !found || l[i] != e || i > 0 && cmp(l[i-1], e) > 0 || i+1 < len(l) && cmp(l[i+1], e) < 0 {
			return false
		}
	}
	return true
}
