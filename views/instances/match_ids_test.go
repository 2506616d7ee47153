package instances

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/filter"
)

// A lower-case ID or image ID is not copied into the entry's filter text
// (the server's own is read), and filters, sorts and free text find it as
// they find an upper-case one, which is copied lower-cased.
func TestLowerCaseIDsAreTheServersOwn(t *testing.T) {
	const lowID, lowImg = "3f2a9c10-aaaa-4bbb-8ccc-0123456789ab", "7c1a1102-78c1-4502-b8e1-a75c8336aea9"
	const upID, upImg = "3F2A9C10-DDDD-4EEE-8FFF-0123456789AB", "IMG-7C1A"
	low := newEntry(openstack.Server{ID: lowID, Name: "web-1", ImageID: lowImg, Host: "compute01"}, t0, nil)
	up := newEntry(openstack.Server{ID: upID, Name: "web-2", ImageID: upImg, Host: "compute01"}, t0, nil)
	if strings.Contains(low.all, lowID) || strings.Contains(low.all, lowImg) {
		t.Errorf("a lower-case entry's filter text copies its IDs: %q", low.all)
	}
	for _, c := range []struct {
		e        *entry
		id, img  string
		wantCopy bool
	}{{low, lowID, lowImg, false}, {up, strings.ToLower(upID), strings.ToLower(upImg), true}} {
		// An upper-case ID or image ID is still copied, lower-cased, into
		// the filter text; a lower-case one is read from the server.
		if strings.Contains(c.e.all, c.id) != c.wantCopy || strings.Contains(c.e.all, c.img) != c.wantCopy {
			t.Errorf("%s: filter text %q holds its IDs: want %v", c.e.s.Name, c.e.all, c.wantCopy)
		}
		f := c.e.fieldSet()
		if f[fieldID] != c.id || c.e.field(fieldID) != c.id || c.e.SortKey(colID) != c.id {
			t.Errorf("%s: id field %q / %q / sort %q, want %q", c.e.s.Name, f[fieldID], c.e.field(fieldID), c.e.SortKey(colID), c.id)
		}
		if f[fieldImage] != c.img || c.e.field(fieldImage) != c.img {
			t.Errorf("%s: image field %q, want %q", c.e.s.Name, f[fieldImage], c.img)
		}
		if f[0] != c.e.s.Name || f[6] != "compute01" {
			t.Errorf("%s: other fields moved: %q", c.e.s.Name, f)
		}
		for _, q := range []string{c.id[:8], strings.ToUpper(c.id[:8]), "id:" + c.id[9:13], "id=" + c.id, "id:" + c.id[:4] + "*",
			"image:" + c.img[:6], "image=" + c.img, c.img[2:7], "web id:" + c.id[:3]} {
			if !compile(filter.Parse(q)).matchEntry(c.e) {
				t.Errorf("%s: %q does not match", c.e.s.Name, q)
			}
		}
		for _, q := range []string{"!" + c.id[:8], "id:" + c.img[:6], "image:" + c.id[:8], "name:" + c.id[:8]} {
			if compile(filter.Parse(q)).matchEntry(c.e) {
				t.Errorf("%s: %q matches", c.e.s.Name, q)
			}
		}
	}
}

// entriesRetained builds entries for n servers shaped like Nova's (lower-
// case IDs and image IDs) and returns the heap they keep beyond the
// servers, in bytes per entry.
func entriesRetained(tb testing.TB, n int) float64 {
	tb.Helper()
	servers := make([]openstack.Server, n)
	for i := range servers {
		servers[i] = openstack.Server{ID: fmt.Sprintf("%08x-1111-4222-8333-444455556666", i), Name: fmt.Sprintf("web-%05d", i),
			ProjectID: "9f1e2d3c4b5a69788796a5b4c3d2e1f0", ProjectName: "web", Status: "ACTIVE", PowerState: 1,
			Host: fmt.Sprintf("compute%03d", i%1000), Zone: "nova", FlavorName: "m1.medium", FlavorID: "3",
			ImageID: "7c1a1102-78c1-4502-b8e1-a75c8336aea9", IPs: []string{fmt.Sprintf("10.1.%d.%d", i/250%250, i%250)},
			Created: t0.Add(-time.Hour)}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	entries := make([]*entry, n)
	for i := range servers {
		entries[i] = newEntryAt(&servers[i], t0, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(entries)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)-int64(n)*8) / float64(n)
}

// BenchmarkEntriesRetained50k: the heap 50,000 entries keep beside their
// servers (retained-B/entry).
func BenchmarkEntriesRetained50k(b *testing.B) {
	var sum float64
	for b.Loop() {
		sum += entriesRetained(b, 50000)
	}
	b.ReportMetric(sum/float64(b.N), "retained-B/entry")
}
