package instances

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/table"
)

// rowsAndRoles is the table's rows as (key, role) pairs.
func rowsAndRoles(p *Pane) []string {
	var out []string
	for _, r := range p.tbl.Rows() {
		out = append(out, r.Key+" "+string(rune('0'+int(r.Role))))
	}
	return out
}

// A steady refresh that changes a few servers in place patches their rows
// (issue 15: rebuilding 50,000 rows for a 10-server delta held keystrokes
// back on the UI goroutine), and the table is what a rebuild would give in
// every case: a fault appears, a name moves a row, a row leaves or joins the
// filter, a sort column's value changes.
func TestDeltaPatchesRowsInPlace(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		for _, filter := range []string{"", "web"} {
			p, _, _ := loaded(t)
			if sorted {
				p.tbl.SortBy(colHost, false)
				p.apply()
			}
			p.SetFilter(filter)
			p.tbl.SetCursor(4)
			p.tbl.Move(0) // the user's cursor: a new CRIT row does not take it
			cursorKey := p.tbl.Rows()[4].Key
			byID := map[string]openstack.Server{}
			for _, s := range fixture() {
				byID[s.ID] = s
			}
			at := 0
			step := func(what string, change func(*openstack.Server), wantInPlace bool) {
				t.Helper()
				at++
				s := byID[id(at+20)]
				change(&s)
				s.Updated = t0.Add(time.Duration(at) * time.Minute)
				byID[s.ID] = s
				before := &p.tbl.Rows()[0]
				_ = p.View(120, 40)
				p.merge([]openstack.Server{s}, false)
				got := rowsAndRoles(p)
				inPlace := &p.tbl.Rows()[0] == before
				if inPlace != wantInPlace {
					t.Errorf("sorted=%v filter=%q %s: rows patched in place %v, want %v", sorted, filter, what, inPlace, wantInPlace)
				}
				p.apply()
				if want := rowsAndRoles(p); !slices.Equal(got, want) {
					t.Errorf("sorted=%v filter=%q %s: rows\n%v\nwant (rebuilt)\n%v", sorted, filter, what, got, want)
				}
				if r, _ := p.tbl.Selected(); r.Key != cursorKey {
					t.Errorf("sorted=%v filter=%q %s: cursor moved to %s", sorted, filter, what, r.Key)
				}
			}
			// vm 21-24 (db, ci, analytics, admin): outside the "web" filter.
			step("status ERROR", func(s *openstack.Server) { s.Status, s.PowerState = "ERROR", 0 }, true)
			if filter == "" {
				// The frame shows the patched row (the frame cache was dropped).
				p.tbl.SetCursor(slices.IndexFunc(p.tbl.Rows(), func(r table.Row) bool { return r.Key == id(21) }))
				if out := ansi.Strip(p.View(160, 40)); !strings.Contains(out, "ERROR") || p.tbl.Rows()[p.tbl.Cursor()].Role != themes.Warn {
					t.Errorf("sorted=%v: the patched row is not on screen:\n%s", sorted, out)
				}
				p.tbl.SelectKey(cursorKey)
			}
			step("renamed", func(s *openstack.Server) { s.Name = "aaa-first" }, false)
			step("project changed (joins the filter)", func(s *openstack.Server) { s.ProjectName = "web" }, filter == "")
			step("host changed", func(s *openstack.Server) { s.Host = "compute99" }, !sorted || filter != "")
		}
	}
}
