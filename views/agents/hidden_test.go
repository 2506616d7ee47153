package agents

import (
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// A hidden pane makes no rows on its lists or clock ticks; its lists'
// observations still go out at once. Drawn, it makes them once; on
// screen, each tick makes them (BEAT ages). Issue 15: at 1,000 hosts the
// hidden pane sorted and remade some 3,000 rows every second.
func TestHiddenPaneMakesRowsWhenDrawn(t *testing.T) {
	p, now := newPane(fixture())
	msgs := drive(p, p.Init())
	for range 12 {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg{})
		msgs = append(msgs, drive(p, cmd)...)
	}
	if p.builds != 0 {
		t.Fatalf("a hidden pane made its rows %d times", p.builds)
	}
	obs := 0
	for _, m := range msgs {
		if _, ok := m.(hostmodel.Observation); ok {
			obs++
		}
	}
	if obs != 6 { // three lists, read at the start and after 10 s
		t.Fatalf("%d observations, want 6 (each list's, read twice)", obs)
	}
	out := p.View(120, 40)
	if p.builds != 1 || !strings.Contains(out, "compute04") || !strings.Contains(out, "DEAD") {
		t.Fatalf("drawn: %d builds (want 1)\n%s", p.builds, out)
	}
	for range 2 { // within the 3 s a draw counts as on screen
		*now = now.Add(time.Second)
		p.Update(pane.TickMsg{})
	}
	if p.builds != 3 {
		t.Fatalf("on screen, 2 ticks made the rows %d times, want 2", p.builds-1)
	}
	*now = now.Add(10 * time.Second) // not drawn since: hidden
	for range 3 {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg{})
		drive(p, cmd)
	}
	if p.builds != 3 {
		t.Fatalf("hidden again, ticks made the rows %d times", p.builds-3)
	}
	if n := p.Table().Len(); n == 0 || p.builds != 4 {
		t.Fatalf("reading a stale pane's rows: %d rows, %d builds (want 4)", n, p.builds)
	}
}
