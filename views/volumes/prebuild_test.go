package volumes

import (
	"maps"
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
