package pane

import (
	"testing"
	"time"
)

func TestFreshAge(t *testing.T) {
	for _, c := range []struct {
		d, every time.Duration
		want     string
	}{
		{2 * time.Second, 0, "<10s"},
		{12 * time.Second, 0, "10s"},
		{9 * time.Second, 3 * time.Second, "<10s"},
		{12 * time.Second, 3 * time.Second, "10s"}, // stopped refreshing
		{0, 10 * time.Second, "<20s"},
		{14 * time.Second, 10 * time.Second, "<20s"}, // a 10 s cycle whose answer is late
		{25 * time.Second, 10 * time.Second, "20s"},
		{44 * time.Second, 30 * time.Second, "<50s"},
		{3 * time.Minute, 30 * time.Second, "3m"},
	} {
		if got := FreshAge(c.d, c.every); got != c.want {
			t.Errorf("FreshAge(%s, %s) = %q, want %q", c.d, c.every, got, c.want)
		}
	}
	// Within one cycle the label never changes, second by second.
	for d := time.Duration(0); d < 14*time.Second; d += time.Second {
		if got := FreshAge(d, 10*time.Second); got != "<20s" {
			t.Fatalf("FreshAge(%s, 10s) = %q: the label moves while data is fresh", d, got)
		}
	}
	for d := time.Duration(0); d < 30*time.Second; d += time.Second {
		if got := BeatAge(d); got != "<30s" {
			t.Fatalf("BeatAge(%s) = %q: a normal heartbeat moves the column", d, got)
		}
	}
	if BeatAge(95*time.Second) != "1m" {
		t.Fatal(BeatAge(95 * time.Second))
	}
}

func TestSeenFollowsDraws(t *testing.T) {
	var s Seen
	t0 := time.Unix(1000, 0)
	if s.On(t0) {
		t.Fatal("never drawn, yet on screen")
	}
	if !s.Drawn(t0) {
		t.Error("first draw: want just shown")
	}
	if s.Drawn(t0.Add(time.Second)) || !s.On(t0.Add(2*time.Second)) {
		t.Error("drawn every second: want on screen, not newly shown")
	}
	if s.On(t0.Add(5 * time.Second)) {
		t.Error("not drawn for 4 s: want off screen")
	}
	if !s.Drawn(t0.Add(5 * time.Second)) {
		t.Error("drawn again after 4 s: want just shown")
	}
}

// TestSeenDefersRowsWhileHidden: a hidden pane's rows wait for Fresh; on
// screen Defer makes them at once and nothing is left stale.
func TestSeenDefersRowsWhileHidden(t *testing.T) {
	var s Seen
	made := 0
	rebuild := func() { made++; s.Made() }
	now := time.Unix(1000, 0)
	if s.Defer(now, rebuild) || made != 0 || !s.Stale() {
		t.Fatalf("hidden: made %d, stale %v; want none made and stale", made, s.Stale())
	}
	s.Defer(now, rebuild)
	s.Drawn(now)
	s.Fresh(rebuild)
	if made != 1 || s.Stale() {
		t.Fatalf("drawn after two hidden changes: made %d, stale %v; want made once", made, s.Stale())
	}
	s.Fresh(rebuild)
	if !s.Defer(now.Add(time.Second), rebuild) || made != 2 {
		t.Fatalf("on screen: made %d, want the second change made at once and nothing for a Fresh with nothing stale", made)
	}
}

// Hide: off screen at once, and the next draw is a coming on screen.
func TestSeenHide(t *testing.T) {
	var s Seen
	t0 := time.Unix(1000, 0)
	s.Drawn(t0)
	s.Hide()
	if s.On(t0.Add(time.Second)) {
		t.Fatal("hidden a second after a draw: still on screen")
	}
	if !s.Drawn(t0.Add(time.Second)) {
		t.Fatal("drawn after Hide: want just shown")
	}
}
