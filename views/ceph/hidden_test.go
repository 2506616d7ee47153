package ceph

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	ds "github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/hostmodel"
)

// clusterOf is hosts storage hosts with 10 OSDs each.
func clusterOf(hosts int) *ds.Cluster {
	c := &ds.Cluster{Status: ds.HealthOK, Source: "dashboard", PGStates: map[string]int{"active+clean": 60000}}
	for h := 0; h < hosts; h++ {
		for i := 0; i < 10; i++ {
			id := h*10 + i
			c.OSDs = append(c.OSDs, ds.OSD{ID: id, Name: fmt.Sprintf("osd.%d", id), Host: fmt.Sprintf("storage%04d", h),
				Up: true, In: true, DeviceClass: "ssd", BytesTotal: 4 << 40, BytesUsed: int64(id%90) << 38, PGs: 150})
		}
	}
	return c
}

// A hidden pane does not make its OSD rows on a snapshot; its observation
// still goes out. Drawn or read, the rows are the last snapshot's.
func TestHiddenPaneMakesOSDRowsWhenRead(t *testing.T) {
	now := fixedNow
	ctx := paneCtx()
	ctx.Now = func() time.Time { return now }
	p := New(ctx, &staticSource{c: clusterOf(3)}, nil)
	p.section = SecOSDs
	for range 3 {
		_, cmd := p.Update(snapshotMsg{c: clusterOf(3), at: now})
		if _, ok := cmd().(hostmodel.Observation); !ok {
			t.Fatal("no host-model observation for a hidden pane's snapshot")
		}
	}
	if p.osdBuilds != 0 {
		t.Fatalf("a hidden pane made its OSD rows %d times", p.osdBuilds)
	}
	out := ansi.Strip(p.View(120, 40))
	if p.osdBuilds != 1 || !strings.Contains(out, "storage0002") {
		t.Fatalf("drawn: %d builds (want 1)\n%s", p.osdBuilds, out)
	}
	// On screen: a snapshot makes them at once.
	p.Update(snapshotMsg{c: clusterOf(4), at: now})
	if p.osdBuilds != 2 {
		t.Fatalf("on screen, a snapshot made the rows %d times, want 1", p.osdBuilds-1)
	}
	// Hidden again: a reader right after a snapshot sees its rows.
	now = now.Add(10 * time.Second)
	p.Update(snapshotMsg{c: clusterOf(5), at: now})
	if p.osdBuilds != 2 {
		t.Fatal("hidden again, a snapshot made the rows")
	}
	if _, ok := p.osdTable().Selected(); !ok {
		t.Fatal("no OSD row to select")
	}
	p.osdTable().SelectKey("host:storage0004")
	if h := p.selectedHost(); h != "storage0004" || p.osdBuilds != 3 {
		t.Fatalf("read after a hidden snapshot: host %q, %d builds (want storage0004, 3)", h, p.osdBuilds)
	}
}

// One snapshot for a hidden pane at 1,000 storage hosts (10,000 OSDs):
// what Update spends on it. "load" is the message as the pane's load
// makes it (the host model's facts made off the UI goroutine);
// "in-update" one without them, which Update then makes; "load-cmd" is
// the load's tea.Cmd itself.
//
//	go test -run '^$' -bench HiddenSnapshot1000Hosts -benchmem ./views/ceph/
func BenchmarkHiddenSnapshot1000Hosts(b *testing.B) {
	c := clusterOf(1000)
	p := New(paneCtx(), &staticSource{c: c}, nil)
	p.section = SecOSDs
	loaded := p.load()().(snapshotMsg)
	for _, bc := range []struct {
		name string
		msg  snapshotMsg
	}{{"load", loaded}, {"in-update", snapshotMsg{c: c, at: loaded.at}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p.Update(bc.msg)
			}
		})
	}
	// What the load's tea.Cmd spends off the UI goroutine: the (static)
	// snapshot and its host-model facts.
	cmd := p.load()
	b.Run("load-cmd", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			cmd()
		}
	})
}

// The load makes the snapshot's facts for the host model; the
// observation Update publishes is the one it would have made itself.
func TestLoadMakesTheSnapshotsFacts(t *testing.T) {
	c := clusterOf(3)
	c.OSDs[4].Up = false
	p := New(paneCtx(), &staticSource{c: c}, nil)
	m := p.load()().(snapshotMsg)
	if len(m.facts) == 0 {
		t.Fatal("the load made no facts: Update would make them")
	}
	_, cmd := p.Update(m)
	got, ok := cmd().(hostmodel.Observation)
	if !ok {
		t.Fatal("no observation")
	}
	want := hostmodel.Observation{Pane: "ceph", Source: hostmodel.Ceph, At: m.at, Facts: hostmodel.FromCeph(c)}
	got.For = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("observation\n%+v\nwant\n%+v", got, want)
	}
	// A failed load publishes the failure, with no facts.
	p = New(paneCtx(), &staticSource{err: errors.New("dashboard down")}, nil)
	m = p.load()().(snapshotMsg)
	_, cmd = p.Update(m)
	if o := cmd().(hostmodel.Observation); o.Err == nil || o.Facts != nil || m.facts != nil {
		t.Fatalf("failed load: err %v, %d facts published, %d made", o.Err, len(o.Facts), len(m.facts))
	}
}

// Update publishes the facts the load made, as given: it does not make
// them again from the snapshot (that would put the work back on the UI
// goroutine).
func TestUpdatePublishesTheLoadsFacts(t *testing.T) {
	c := clusterOf(2)
	p := New(paneCtx(), &staticSource{c: c}, nil)
	given := []hostmodel.Fact{{Host: "sentinel", Kind: hostmodel.OSD, Name: "osd.999", State: hostmodel.Down}}
	_, cmd := p.Update(snapshotMsg{c: c, at: fixedNow, facts: given})
	o, ok := cmd().(hostmodel.Observation)
	if !ok || !reflect.DeepEqual(o.Facts, given) {
		t.Fatalf("published facts %+v, want the message's %+v", o.Facts, given)
	}
}
