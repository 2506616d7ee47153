package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// tblPane is a list pane on ui/table: its filter keeps the rows that
// contain it, p pivots to the pane named in next.
type tblPane struct {
	fakePane
	next, query string
	tbl         *table.Model
}

func newTblPane(e *env, id, next, query string) *tblPane {
	p := &tblPane{fakePane: fakePane{id: id, ctx: e.one.ctx}, next: next, query: query,
		tbl: table.New(table.Column{Title: "NAME", Width: 8}, table.Column{Title: "CPU", Width: 4, Right: true})}
	p.SetFilter("")
	return p
}

func (p *tblPane) Table() *table.Model { return p.tbl }
func (p *tblPane) SetFilter(s string) {
	p.filter = s
	var rows []table.Row
	for i, n := range []string{"web-1", "db-2", "web-3", "db-4", "web-5"} {
		if strings.Contains(n, s) {
			rows = append(rows, table.Row{Key: n, Cells: []table.Cell{table.C(n), table.C(string(rune('9' - i)))}})
		}
	}
	p.tbl.SetRows(rows)
}
func (p *tblPane) Pivot(q string) tea.Cmd { p.pivoted = q; p.SetFilter(""); return nil }
func (p *tblPane) View(w, h int) string   { return p.tbl.View(w, h, p.ctx.Theme) }
func (p *tblPane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if k.String() == "p" {
			return p, pane.Pivot(p.next, p.query)
		}
		p.tbl.HandleKey(p.ctx.Keys.Is, k.String())
	}
	return p, nil
}

type tblEnv struct {
	*env
	a, b, c, d *tblPane
}

func newTblEnv(t *testing.T) *tblEnv {
	e := &tblEnv{env: newEnv(t, false)}
	e.a = newTblPane(e.env, "alerts", "compute", "compute04")
	e.b = newTblPane(e.env, "compute", "instances", "host:compute04")
	e.c = newTblPane(e.env, "instances", "alerts", "x")
	e.d = newTblPane(e.env, "logs", "alerts", "x")
	var es []Entry
	for _, p := range []*tblPane{e.a, e.b, e.c, e.d} {
		es = append(es, Entry{ID: p.id, Title: p.id, Pane: p})
	}
	e.m = New(Options{Panes: es, Ctx: e.one.ctx, Header: Header{Cloud: "demo"}, Clock: e.m.o.Clock})
	e.m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return e
}

func (e *tblEnv) state(p *tblPane) (string, string, int, bool) {
	r, _ := p.tbl.Selected()
	c, desc := p.tbl.SortState()
	return p.filter, r.Key, c, desc
}

// A 3-step drill-down with pane switches between the steps: esc walks up
// the drill-down only, restoring each step's filter, cursor and sort.
func TestEscWalksUpTheDrillDownRestoringState(t *testing.T) {
	e := newTblEnv(t)
	// alerts: filter "web", sorted by CPU descending, cursor on web-3.
	e.press("/")
	e.typeText("web")
	e.press("enter", ">", ">", "~", "j")
	wantA := [4]any{"web", "web-3", 1, true}
	if f, k, c, d := e.state(e.a); [4]any{f, k, c, d} != wantA {
		t.Fatalf("setup alerts: %v %v %v %v", f, k, c, d)
	}
	e.press("p") // drill into compute
	if e.m.active != 1 || e.b.pivoted != "compute04" {
		t.Fatalf("pivot: active %d pivoted %q", e.m.active, e.b.pivoted)
	}
	e.press(">", "j") // compute: sorted by NAME, cursor from web-1 to web-3
	wantB := [4]any{"", "web-3", 0, false}
	e.press("4", "tab", "2") // pane switches: not a drill-down
	e.press("p")             // drill into instances
	e.press("G", "tab", "3") // instances: tab to logs, 3 back
	if e.m.active != 2 {
		t.Fatalf("active %d", e.m.active)
	}
	out := ansi.Strip(e.m.Render())
	if !strings.Contains(out, "alerts (web) › compute (compute04) › instances (host:compute04)") {
		t.Fatalf("no breadcrumb:\n%s", out)
	}
	e.b.tbl.SortBy(-1, false) // the state changed since: esc restores it
	e.b.tbl.Top()
	e.press("esc")
	if e.m.active != 1 {
		t.Fatalf("esc went to pane %d, not up to compute", e.m.active)
	}
	if f, k, c, d := e.state(e.b); [4]any{f, k, c, d} != wantB {
		t.Fatalf("compute restored as %v %v %v %v, want %v", f, k, c, d, wantB)
	}
	// Meanwhile someone moved the alerts cursor and sort: esc restores them.
	e.a.tbl.SortBy(-1, false)
	e.a.tbl.Top()
	e.press("esc")
	if e.m.active != 0 {
		t.Fatalf("esc went to pane %d, not up to alerts", e.m.active)
	}
	if f, k, c, d := e.state(e.a); [4]any{f, k, c, d} != wantA {
		t.Fatalf("alerts restored as %v %v %v %v, want %v", f, k, c, d, wantA)
	}
	if strings.Contains(ansi.Strip(e.m.Render()), "›") {
		t.Fatal("breadcrumb still shown at the top of the path")
	}
	e.press("esc") // the path is walked: esc clears the filter, stays here
	if e.m.active != 0 || e.a.filter != "" {
		t.Fatalf("after the path: active %d filter %q", e.m.active, e.a.filter)
	}
}

// Switching panes is not a drill-down: esc never walks back through visits.
func TestTabSwitchesAreNotABreadcrumb(t *testing.T) {
	e := newTblEnv(t)
	e.press("tab", "tab", "4", "esc")
	if e.m.active != 3 {
		t.Fatalf("esc walked back to pane %d", e.m.active)
	}
	e.press(":")
	e.typeText("alerts")
	e.press("enter", "esc")
	if e.m.active != 0 {
		t.Fatalf("esc after :alerts went to pane %d", e.m.active)
	}
	// A drill-down, then away: the path waits in its pane, esc elsewhere
	// does not jump there.
	e.press("p", "4")
	if strings.Contains(ansi.Strip(e.m.Render()), "›") {
		t.Fatal("breadcrumb shown on a pane off the path")
	}
	e.press("esc")
	if e.m.active != 3 {
		t.Fatalf("esc off the path moved to %d", e.m.active)
	}
	e.press("2", "esc")
	if e.m.active != 0 {
		t.Fatalf("esc back on the path went to %d", e.m.active)
	}
}

func TestGoldenBreadcrumb(t *testing.T) {
	e := newTblEnv(t)
	e.press("/")
	e.typeText("web")
	e.press("enter", "p", "p")
	golden(t, "breadcrumb_80x24", e.m.Render())
	e.m.Update(tea.WindowSizeMsg{Width: 60, Height: 12})
	out := e.m.Render()
	golden(t, "breadcrumb_60x12", out)
	for _, l := range strings.Split(ansi.Strip(out), "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("line over 60: %q", l)
		}
	}
}
