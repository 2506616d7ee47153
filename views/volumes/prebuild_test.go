package volumes

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The first list's rows are built by the load's tea.Cmd, not in Update
// (issue 15: 50,000 rows built on the UI goroutine held keystrokes 200-550
// ms), and the pane that takes them is the pane merge would have made.
func TestFirstListRowsBuiltByTheLoad(t *testing.T) {
	p := newPane(fixture(), Options{})
	msg, ok := p.load()().(loadedMsg)
	if !ok || msg.first == nil || len(msg.first.rows) != len(msg.list.Volumes) {
		t.Fatalf("the load built no rows: %+v", msg.first)
	}
	if p.built != 0 {
		t.Fatalf("the pane built %d rows before its Update", p.built)
	}
	p.Update(msg)

	q := newPane(fixture(), Options{})
	m2 := q.load()().(loadedMsg)
	m2.first = nil // merge's way
	q.Update(m2)

	if got, want := rowKeys(p), rowKeys(q); got != want {
		t.Fatalf("rows %s, merge gives %s", got, want)
	}
	if !maps.Equal(p.refs, q.refs) || p.nStuck != q.nStuck || p.nErr != q.nErr || p.built != q.built {
		t.Fatalf("refs %v stuck %d err %d built %d; merge gives %v %d %d %d", p.refs, p.nStuck, p.nErr, p.built, q.refs, q.nStuck, q.nErr, q.built)
	}
	if a, b := ansi.Strip(p.View(140, 20)), ansi.Strip(q.View(140, 20)); a != b || !strings.Contains(a, "error") {
		t.Fatalf("screens differ:\n%s\n%s", a, b)
	}
}

// The load also makes the table's rows, the header's counts and the
// attached servers' IDs (issue 15: made in Update they allocated 4-6 MB
// there at 62,500 volumes); with a filter or the stuck-only view set
// before the first list, the pane shows what merge's pane shows, and the
// next refresh asks the names of the same servers.
func TestFirstListTakenAsMergeWouldShowIt(t *testing.T) {
	for _, set := range []struct {
		name string
		set  func(p *Pane)
	}{
		{"all", func(*Pane) {}},
		{"filter", func(p *Pane) { p.SetFilter("status:in-use") }},
		{"stuck only", func(p *Pane) { p.Update(key("f")) }},
	} {
		t.Run(set.name, func(t *testing.T) {
			p, q := newPane(fixture(), Options{}), newPane(fixture(), Options{})
			set.set(p)
			set.set(q)
			msg := p.load()().(loadedMsg)
			if msg.first == nil || len(msg.first.table) != len(msg.list.Volumes) || len(msg.first.ids) == 0 {
				t.Fatalf("the load made no table rows or IDs: %+v", msg.first)
			}
			p.Update(msg)
			m2 := q.load()().(loadedMsg)
			m2.first = nil // merge's way
			q.Update(m2)
			if got, want := rowKeys(p), rowKeys(q); got != want {
				t.Fatalf("rows %s, merge gives %s", got, want)
			}
			if set.name != "all" && len(keys(p)) == len(msg.list.Volumes) {
				t.Fatalf("%s hid no row: %s", set.name, rowKeys(p))
			}
			for i, r := range p.tbl.Rows() {
				if w := q.tbl.Rows()[i]; r.Role != w.Role {
					t.Errorf("%s: role %v, merge gives %v", r.Key, r.Role, w.Role)
				}
			}
			if p.nStuck != q.nStuck || p.nErr != q.nErr {
				t.Errorf("stuck %d err %d; merge gives %d %d", p.nStuck, p.nErr, q.nStuck, q.nErr)
			}
			if a, b := ansi.Strip(p.View(140, 20)), ansi.Strip(q.View(140, 20)); a != b {
				t.Errorf("screens differ:\n%s\n%s", a, b)
			}
			p.load()
			q.load()
			a, b := slices.Sorted(slices.Values(p.ids)), slices.Sorted(slices.Values(q.ids))
			if !slices.Equal(a, b) || len(a) != len(p.refs) {
				t.Errorf("names asked for %v, merge's pane asks for %v", a, b)
			}
		})
	}
}
