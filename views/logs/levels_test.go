package logs

import (
	"testing"

	"github.com/stackpit/stackpit/datasource/loki"
)

// batchOf is es as a follower's batch, a marker first.
func batchOf(es []loki.Entry) loki.Batch {
	b := loki.Batch{Items: []loki.Item{{Marker: &loki.Marker{Kind: loki.MarkOverflow, Text: "3 lines discarded"}}}}
	for _, e := range es {
		b.Items = append(b.Items, loki.Item{Entry: e})
	}
	return b
}

// The follower's and the backfill's lines come with their levels, found
// by the tea.Cmd that read them; the pane shows the levels it would have
// found itself (issue 15: found in Update, ~1 us a line there).
func TestLinesComeWithTheirLevels(t *testing.T) {
	es := sampleEntries(200)
	want := newTest(Options{})
	want.ApplyBatch(batchOf(es))
	for i := len(es) - 1; i >= 0; i-- {
		want.appendEntry(es[i])
	}

	got := newTest(Options{})
	got.src = followOnly{} // the backfill starts the follower
	b := batchOf(es)
	lvs := itemLevels(b.Items)
	seen := map[level]bool{}
	for _, lv := range lvs {
		seen[lv] = true
	}
	if len(seen) < 3 {
		t.Fatalf("the sample has %d levels: the test would not tell them apart", len(seen))
	}
	got.Update(batchMsg{gen: got.gen, b: b, lvs: lvs})
	got.loading = true
	got.Update(backfillMsg{gen: got.gen, entries: es, lvs: entryLevels(es)})
	if got.buf.n != want.buf.n || got.buf.n != 2*len(es)+1 {
		t.Fatalf("%d lines, want %d", got.buf.n, want.buf.n)
	}
	for i := got.buf.first(); i <= got.buf.last(); i++ {
		a, _ := got.buf.at(i)
		b, _ := want.buf.at(i)
		if a.lv != b.lv || a.text != b.text {
			t.Fatalf("line %d: level %v %q, want %v %q", i, a.lv, a.text, b.lv, b.text)
		}
	}
	if a, b := got.View(160, 30), want.View(160, 30); a != b {
		t.Fatalf("screens differ:\n%s\n%s", a, b)
	}
	// Update takes the message's levels, it does not find them again.
	one := newTest(Options{})
	one.Update(batchMsg{gen: one.gen, b: batchOf(es[:1]), lvs: []level{lvNone, lvCrit}})
	if l, _ := one.buf.at(one.buf.last()); l.lv != lvCrit || detectLevel(es[0].Line, es[0].Stream) == lvCrit {
		t.Fatalf("level %v: Update found the level again", l.lv)
	}
}

// followOnly is a Source whose follower never sends.
type followOnly struct{ Source }

func (followOnly) Follow(string, loki.FollowOptions) *loki.Subscription { return &loki.Subscription{} }

// BenchmarkBatchUpdate5000Lines: what Update spends on a follower batch
// of 5,000 lines (Loki's answer limit): "load" as the follower's tea.Cmd
// makes it (levels found there), "in-update" without them.
//
//	go test -run '^$' -bench BatchUpdate5000Lines -benchmem ./views/logs/
func BenchmarkBatchUpdate5000Lines(b *testing.B) {
	es := sampleEntries(5000)
	bt := batchOf(es)
	m := newTest(Options{})
	for _, bc := range []struct {
		name string
		lvs  []level
	}{{"load", itemLevels(bt.Items)}, {"in-update", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				m.Update(batchMsg{gen: m.gen, b: bt, lvs: bc.lvs})
			}
		})
	}
}
