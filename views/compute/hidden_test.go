package compute

import (
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/pane"
)

// A hidden pane's clock ticks make no rows; drawn, it makes them once,
// as they are now; a key makes them before acting. Issue 15: at 1,000
// hosts the hidden pane remade every host's row each second.
func TestHiddenTicksMakeRowsWhenDrawn(t *testing.T) {
	p, _, now := loaded(t)
	n := p.builds
	for range 7 {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg{})
		drive(p, cmd)
	}
	if p.builds != n {
		t.Fatalf("a hidden pane's 7 ticks made its rows %d times", p.builds-n)
	}
	out := p.View(120, 40)
	if p.builds != n+1 {
		t.Fatalf("drawing made the rows %d times, want 1", p.builds-n)
	}
	p.rebuild()
	if again := p.View(120, 40); again != out {
		t.Fatalf("the draw showed rows older than the clock:\n%s\nwant\n%s", out, again)
	}
	n = p.builds
	*now = now.Add(time.Second)
	p.Update(pane.TickMsg{})
	if p.builds != n+1 {
		t.Fatalf("on screen, a tick made the rows %d times, want 1", p.builds-n)
	}
	*now = now.Add(5 * time.Second) // not drawn since: hidden
	p.Update(pane.TickMsg{})
	if p.builds != n+1 {
		t.Fatal("hidden again, a tick made the rows")
	}
	press(p, "j")
	if p.builds != n+2 {
		t.Fatalf("a key on stale rows made them %d times, want 1", p.builds-n-1)
	}
}
