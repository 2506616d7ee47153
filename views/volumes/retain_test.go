package volumes

import (
	"maps"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/pane"
)

// gone: the list w points into was collected (no row points into it).
func gone(w weak.Pointer[openstack.Volume]) bool {
	runtime.GC()
	runtime.GC()
	return w.Value() == nil
}

func cloneVols(vs []openstack.Volume) []openstack.Volume {
	return append([]openstack.Volume(nil), vs...)
}

// Rows keep no delta alive (a changed volume is copied out of it), and a
// whole list takes the place of the one before it: the pane holds one
// list, not every list a row came in (issue 15).
func TestRowsKeepOneList(t *testing.T) {
	f := fixture()
	p := newPane(f, Options{})
	first := cloneVols(f.vols)
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: first, Full: true, AsOf: t0}, names: f.names})
	wFirst := weak.Make(&first[0])
	first = nil

	// A delta: one volume unchanged (the overlap), one changed.
	delta := cloneVols(f.vols[:2])
	delta[1].Size++
	delta[1].Updated = delta[1].Updated.Add(time.Second)
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: delta, AsOf: t0}, names: f.names})
	wDelta := weak.Make(&delta[0])
	delta = nil
	if !gone(wDelta) {
		t.Fatal("a delta is kept after its changed volume's row was made")
	}
	if r := p.byID[f.vols[1].ID]; r == nil || r.v.Size != f.vols[1].Size+1 {
		t.Fatalf("the changed volume's row: %+v", r)
	}

	// A whole list with the same volumes (and the changed one as changed).
	whole := cloneVols(f.vols)
	whole[1].Size++
	whole[1].Updated = whole[1].Updated.Add(time.Second)
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: whole, Full: true, AsOf: t0}, names: f.names})
	if !gone(wFirst) {
		t.Fatal("the first list is kept beside the whole list that replaced it")
	}
	for i := range whole {
		if r := p.byID[whole[i].ID]; r == nil || r.v != &whole[i] {
			t.Fatalf("row %s is not the whole list's volume", whole[i].ID)
		}
	}
	if p.tbl.Len() != len(whole) {
		t.Fatalf("%d rows, want %d", p.tbl.Len(), len(whole))
	}
	runtime.KeepAlive(whole)
}

// A row fits the allocator's 64-byte class (at 88 it took 96, at 80 80:
// ~1 MB more each at 62,549 volumes; issue 15).
func TestRowFits64Bytes(t *testing.T) {
	if n := unsafe.Sizeof(row{}); n > 64 {
		t.Fatalf("a row is %d bytes", n)
	}
}

// A row with a lower-case name and ID and no attachment keeps no copy of
// them for the filter; names in capitals are still found in any case.
func TestLowerCaseFieldsNotCopied(t *testing.T) {
	v := &openstack.Volume{ID: "0a1b2c3d-1111-4222-8333-444455556666", Name: "db-data", Status: "available"}
	r := &row{v: v, sh: &shared{}}
	if n := testing.AllocsPerRun(100, r.setFields); n != 0 {
		t.Fatalf("setFields allocated %v times for a lower-case name and ID", n)
	}
	var f [numFields]string
	r.fields(&f)
	if f[1] != "db-data" || f[2] != v.ID {
		t.Fatalf("name %q, id %q", f[1], f[2])
	}

	fx := fixture()
	fx.vols[0].Name = "Web-DATA"
	fx.vols[1].ID = "ABCDEF01-" + fx.vols[1].ID
	p := newPane(fx, Options{})
	drive(p, p.Init())
	for q, want := range map[string]int{
		"web-data": 1, "name:web-data": 1, "WEB-data": 1, "abcdef01-": 1, "id:abcdef01-*": 1,
		"name:" + fx.vols[2].Name: 1, fx.vols[3].ID: 1, "id:" + fx.vols[3].ID: 1,
	} {
		p.SetFilter(q)
		if got := p.tbl.Len(); got != want {
			t.Errorf("filter %q: %d rows, want %d", q, got, want)
		}
	}
}

// A server renamed between refreshes shows renamed in the row's cell,
// detail and filter (rows keep no names of their own: they are the pane's
// names of the row's attachments), and a row whose servers kept their
// names is not rebuilt.
func TestServerRenamedShowsNewName(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	r := p.byID["11111111-aaaa"]
	if got := r.Cell(5).Text; got != "db-1" {
		t.Fatalf("server cell %q", got)
	}
	kept := p.byID["22222222-bbbb"]

	src.names = maps.Clone(src.names)
	src.names["srv-db1"] = "db-renamed"
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)

	r = p.byID["11111111-aaaa"]
	if got := r.Cell(5).Text; got != "db-renamed" {
		t.Fatalf("server cell after the rename %q", got)
	}
	if d := detailLine(r, *now); !strings.Contains(d, "attached to db-renamed on compute04") {
		t.Fatalf("detail %q", d)
	}
	if p.byID["22222222-bbbb"] != kept {
		t.Fatal("a row whose server kept its name was rebuilt")
	}
	for q, want := range map[string]int{"server:db-renamed": 1, "db-renamed": 1, "server:db-1": 0, "server:web-1": 1} {
		p.SetFilter(q)
		if got := p.tbl.Len(); got != want {
			t.Errorf("filter %q: %d rows, want %d", q, got, want)
		}
	}
}

// An attached row's own string is sized for what it holds: a lower-case
// name and ID are not in it and reserve no room (they did: ~50 bytes of
// each attached row, ~1 MB at 50,000 volumes; issue 15).
func TestAttachedRowOwnSizedToFit(t *testing.T) {
	v := &openstack.Volume{ID: "0a1b2c3d-1111-4222-8333-444455556666", Name: "db-data-volume", Status: "in-use",
		Attachments: []openstack.VolumeAttach{{ID: "att-1", ServerID: "srv-1"}}}
	r := &row{v: v, sh: &shared{drawn: &drawn{names: map[string]string{"srv-1": "web-1"}}}}
	r.setFields()
	if r.own != "\x00\x00web-1 srv-1" {
		t.Fatalf("own %q", r.own)
	}
	if n := setFieldsBytes(r); n > 16 {
		t.Fatalf("setFields allocated %d bytes for a %d-byte string", n, len(r.own))
	}
}

// Two attachments: the room reserved is the string's own length (the
// spaces between names and between IDs counted once each; review of
// vols50k: 18 bytes reserved for 16 went to the next size class).
func TestAttachedRowsOwnIsItsLength(t *testing.T) {
	v := &openstack.Volume{ID: "id", Name: "n", Attachments: []openstack.VolumeAttach{{ServerID: "s1"}, {ServerID: "s2"}}}
	r := &row{v: v, sh: &shared{drawn: &drawn{names: map[string]string{"s1": "aaaaa", "s2": "bb"}}}}
	r.setFields()
	if r.own != "\x00\x00aaaaa bb s1 s2" {
		t.Fatalf("own %q", r.own)
	}
	if n := setFieldsBytes(r); n != uint64(len(r.own)) {
		t.Fatalf("own %q is %d bytes, setFields allocated %d", r.own, len(r.own), n)
	}
}

// setFieldsBytes is what one setFields of r allocates, in bytes: the
// smaller of two measures (another test's goroutine allocating meanwhile
// only adds).
func setFieldsBytes(r *row) uint64 {
	measure := func() uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 1000 {
			r.setFields()
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 1000
	}
	return min(measure(), measure())
}
