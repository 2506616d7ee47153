package instances

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/table"
)

// wantRows is what the table must show: the pane's servers filtered, then
// sorted from scratch as the table sorts.
func wantRows(t *testing.T, p *Pane) []string {
	t.Helper()
	var rows []table.Row
	for _, e := range p.order {
		if (p.match.empty() || p.match.matchEntry(e)) && (!p.faultsOnly || e.fault != "") {
			rows = append(rows, e.row())
		}
	}
	var keys []string
	if c, desc := p.tbl.SortState(); c >= 0 {
		for _, k := range table.SortOrder(rows, c, desc) {
			keys = append(keys, rows[k].Key)
		}
		return keys
	}
	for _, r := range rows {
		keys = append(keys, r.Key)
	}
	return keys
}

func shownRows(p *Pane) []string {
	var keys []string
	for _, r := range p.tbl.Rows() {
		keys = append(keys, r.Key)
	}
	return keys
}

// The pane's sorted copy stays what a fresh sort gives through sort keys,
// filter keystrokes (narrowing and widening), refreshes that move, add,
// rename, repeat and delete servers, and a faults toggle.
func TestSortedViewMatchesFreshSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	all := bigFixture(600)
	for i := range all {
		all[i].Host = fmt.Sprintf("compute%02d", r.IntN(12))
	}
	p, _ := newPane(t, &fakeSource{servers: all})
	drive(p, p.Init())
	next := len(all)
	filters := []string{"", "web", "web-vm", "web-vm-0", "host:compute0", "host:compute01", "db", "status:error", ""}
	for step := range 200 {
		switch r.IntN(5) {
		case 0:
			press(p, []string{">", "<", "~"}[r.IntN(3)])
		case 1:
			p.SetFilter(filters[r.IntN(len(filters))])
		case 2:
			var delta []openstack.Server
			for range 1 + r.IntN(6) {
				s := all[r.IntN(len(all))]
				s.Updated = t0.Add(time.Duration(step+1) * time.Second)
				switch r.IntN(5) {
				case 0:
					s.Host = fmt.Sprintf("compute%02d", r.IntN(12))
				case 1:
					s.Name = fmt.Sprintf("renamed-%d", r.IntN(1000))
				case 2:
					s.Status, s.PowerState = "SHUTOFF", 4
				case 3:
					s.Deleted = true
				case 4:
					s = bigFixture(next + 1)[next]
					s.Updated = t0.Add(time.Duration(step+1) * time.Second)
					next++
				}
				delta = append(delta, s)
				if r.IntN(4) == 0 {
					delta = append(delta, s) // the same server twice in one refresh
				}
			}
			p.merge(delta, false)
		case 3:
			press(p, "j", "j")
		case 4:
			p.faultsOnly = !p.faultsOnly
			p.apply()
		}
		if got, want := shownRows(p), wantRows(t, p); !slices.Equal(got, want) {
			c, desc := p.tbl.SortState()
			t.Fatalf("step %d (sort %d desc %v, filter %q): %d rows shown, want %d; first %v want %v",
				step, c, desc, p.filterText, len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
		}
	}
}

// A sort key keeps the cursor on its server and shows every row in the
// new order at once (the table itself no longer sorts the pane's rows).
func TestSortKeyKeepsCursorRow(t *testing.T) {
	p, _ := newPane(t, &fakeSource{servers: bigFixture(300)})
	drive(p, p.Init())
	press(p, "j", "j", "j", "j", "j")
	sel, _ := p.tbl.Selected()
	press(p, ">", ">", ">", ">", ">", ">", ">")
	if c, _ := p.tbl.SortState(); c != colHost {
		t.Fatalf("sort column %d, want HOST", c)
	}
	if now, _ := p.tbl.Selected(); now.Key != sel.Key {
		t.Fatalf("cursor on %s after the sort, was %s", now.Key, sel.Key)
	}
	if got, want := shownRows(p), wantRows(t, p); !slices.Equal(got, want) {
		t.Fatalf("rows not in HOST order after the sort key")
	}
}

// SortKey is what a sort reads from the cell (its Sort, else its Text,
// lower-cased) in every column, for servers with empty fields, upper
// case and non-ASCII text, a down host and a stuck task.
func TestSortKeyIsTheCellsKey(t *testing.T) {
	ss := bigFixture(6)
	ss[1].Name, ss[1].Status, ss[1].Host, ss[1].IPs = "Ünïcode-VM", "", "", nil
	ss[2].ProjectName, ss[2].ProjectID, ss[2].FlavorName, ss[2].FlavorID = "", "ABC123", "", "Flavor-ID"
	ss[3].TaskState, ss[3].Updated = "migrating", t0.Add(-time.Hour) // stuck
	ss[4].TaskState, ss[4].Host = "Spawning", "compute-down"
	ss[5].Created = time.Time{}
	down := map[string]bool{"compute-down": true}
	for _, s := range ss {
		e := newEntry(s, t0, down)
		for i := range columns {
			c := e.Cell(i)
			k := c.Sort
			if k == "" {
				k = c.Text
			}
			if got, want := e.SortKey(i), strings.ToLower(k); got != want {
				t.Errorf("server %q column %s: SortKey %q, cell's key %q", s.Name, columns[i].Title, got, want)
			}
			f, err := strconv.ParseFloat(k, 64)
			if n, ok := e.SortNumber(i); ok && (err != nil || n != f) || !ok && i == colAge && err == nil {
				t.Errorf("server %q column %s: SortNumber %v %v, cell's key %q", s.Name, columns[i].Title, n, ok, k)
			}
		}
	}
}

// What sorts, filters and rows read of an entry (all, ends, fault and the
// server's ID) sits in its first two cache lines, and the entry stays in
// its 128-byte size class.
func TestEntryLayout(t *testing.T) {
	var e entry
	// The server is pointed to, not copied (a first load's entries point
	// into its pages): an entry is a small object.
	if n := unsafe.Sizeof(e); n > 128 {
		t.Errorf("entry is %d bytes, over 128 (a copy of the server in it?)", n)
	}
	for name, end := range map[string]uintptr{
		"all":   unsafe.Offsetof(e.all) + unsafe.Sizeof(e.all),
		"ends":  unsafe.Offsetof(e.ends) + unsafe.Sizeof(e.ends),
		"crit":  unsafe.Offsetof(e.crit) + unsafe.Sizeof(e.crit),
		"fault": unsafe.Offsetof(e.fault) + unsafe.Sizeof(e.fault),
		"id":    unsafe.Offsetof(e.id) + unsafe.Sizeof(e.id),
		"host":  unsafe.Offsetof(e.host) + unsafe.Sizeof(e.host),
		"s":     unsafe.Offsetof(e.s) + unsafe.Sizeof(e.s),
	} {
		if end > 128 {
			t.Errorf("entry.%s ends at byte %d, past the first two cache lines", name, end)
		}
	}
}

// An entry's Crit, known at its build, is what its cells say (a CRIT
// cell), and stays so when a refresh changes the server: for a server in
// each kind of trouble and a healthy one, built alone and merged into a
// pane then changed by a later list. Its row's key is the server's ID.
func TestCritIsWhatTheCellsSay(t *testing.T) {
	down := map[string]bool{"c2": true}
	servers := []openstack.Server{
		{ID: "a", Name: "ok", Status: "ACTIVE", PowerState: 1, Host: "c1", Updated: t0},
		{ID: "b", Name: "err", Status: "error", PowerState: 1, Host: "c1", Updated: t0},
		{ID: "c", Name: "down", Status: "ACTIVE", PowerState: 1, Host: "c2", Updated: t0},
		{ID: "d", Name: "off", Status: "ACTIVE", PowerState: 4, Host: "c1", Updated: t0},
		{ID: "e", Name: "crashed", Status: "ACTIVE", PowerState: 6, Host: "c1", Updated: t0},
		{ID: "f", Name: "stuck", Status: "ACTIVE", PowerState: 1, TaskState: "migrating", Host: "c1", Updated: t0.Add(-time.Hour)},
		{ID: "g", Name: "unknown", Status: "UNKNOWN", PowerState: 1, Host: "c1", Updated: t0},
	}
	cellsCrit := func(e *entry) bool {
		for i := range columns {
			if e.Cell(i).Role == themes.Crit {
				return true
			}
		}
		return false
	}
	check := func(what string, e *entry) {
		t.Helper()
		if got, want := e.Crit(), cellsCrit(e); got != want {
			t.Errorf("%s %s: Crit %v, cells CRIT %v", what, e.s.Name, got, want)
		}
		if r := e.row(); r.Key != e.s.ID {
			t.Errorf("%s %s: row key %q, server ID %q", what, e.s.Name, r.Key, e.s.ID)
		}
	}
	crit := 0
	for i := range servers {
		e := newEntryAt(&servers[i], t0, down)
		check("built", e)
		if e.Crit() {
			crit++
		}
	}
	if crit < 4 || crit == len(servers) {
		t.Fatalf("%d of %d fixtures CRIT: the test tells nothing", crit, len(servers))
	}
	p, _ := newPane(t, &fakeSource{})
	p.downHosts = down
	p.merge(slices.Clone(servers), true)
	later := slices.Clone(servers)
	later[0].Status, later[0].Updated = "ERROR", t0.Add(time.Second)     // healthy -> CRIT
	later[1].Status, later[1].Updated = "ACTIVE", t0.Add(time.Second)    // CRIT -> healthy
	later[3].Name = "renamed"                                            // same trouble, rebuilt
	for _, l := range [][]openstack.Server{later, slices.Clone(later)} { // changed, then repointed
		p.merge(l, true)
		if len(p.byID) != len(servers) {
			t.Fatalf("%d entries", len(p.byID))
		}
		for _, e := range p.byID {
			check("merged", e)
		}
	}
	if !p.byID["a"].Crit() || p.byID["b"].Crit() {
		t.Error("a refresh's status change did not change Crit")
	}
}

// TestCritStaysRightInPlace: the paths that change an entry in place (an
// incremental merge, a host going down and up again) keep Crit equal to
// what the cells say (a review's test: crit is cached at build).
func TestCritStaysRightInPlace(t *testing.T) {
	servers := []openstack.Server{
		{ID: "a", Name: "ok", Status: "ACTIVE", PowerState: 1, Host: "c1", Updated: t0},
		{ID: "b", Name: "err", Status: "ERROR", PowerState: 1, Host: "c1", Updated: t0},
		{ID: "c", Name: "onc2", Status: "ACTIVE", PowerState: 1, Host: "c2", Updated: t0},
	}
	cellsCrit := func(e *entry) bool {
		for i := range columns {
			if e.Cell(i).Role == themes.Crit {
				return true
			}
		}
		return false
	}
	check := func(what string, p *Pane) {
		t.Helper()
		for _, e := range p.byID {
			if e.Crit() != cellsCrit(e) {
				t.Errorf("%s %s: Crit %v, cells %v", what, e.s.Name, e.Crit(), cellsCrit(e))
			}
		}
	}
	p, _ := newPane(t, &fakeSource{})
	p.merge(slices.Clone(servers), true)
	a := p.byID["a"]
	ch := []openstack.Server{servers[0], servers[1]}
	ch[0].Status, ch[0].Updated = "ERROR", t0.Add(time.Second)
	ch[1].Status, ch[1].Updated = "ACTIVE", t0.Add(time.Second)
	p.merge(ch, false)
	if p.byID["a"] != a {
		t.Fatal("not updated in place")
	}
	check("incremental", p)
	if !p.byID["a"].Crit() || p.byID["b"].Crit() {
		t.Error("incremental merge: Crit stale")
	}
	all := []openstack.Server{*p.byID["a"].s, *p.byID["b"].s, servers[2]}
	c := p.byID["c"]
	p.Update(serversMsg{servers: all, full: true, down: map[string]bool{"c2": true}})
	if p.byID["c"] != c {
		t.Fatal("c not kept")
	}
	check("down", p)
	if !p.byID["c"].Crit() {
		t.Error("host down: Crit stale")
	}
	p.Update(serversMsg{servers: all, full: true, down: map[string]bool{}})
	check("up", p)
	if p.byID["c"].Crit() {
		t.Error("host up: Crit stale")
	}
}
