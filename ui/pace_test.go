package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/hostmodel"
)

// Issue 15: the runtime draws after every message, and at 1,000 hosts the
// panes' answers came by the hundred a second, each drawing the whole
// screen while keys waited. Answers within a frame of the last draw are
// drawn once, by the frame tick; a key draws at once.
func TestBackgroundMessagesDrawnOncePerFrame(t *testing.T) {
	e := newEnv(t, false)
	wall := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	e.m.pace.wall = func() time.Time { return wall }
	e.m.View()
	n := e.m.pace.draws
	var last string
	for i, o := range incident() {
		wall = wall.Add(time.Millisecond)
		e.m.Update(o)
		last = ansi.Strip(e.m.View().Content)
		if i == 0 && !e.m.pace.pending {
			t.Fatal("an answer within a frame of the last draw asked for no frame tick")
		}
	}
	if d := e.m.pace.draws - n; d != 0 {
		t.Errorf("%d answers within a frame drew %d times, want 0 (the frame tick draws)", len(incident()), d)
	}
	if strings.Contains(last, "host DOWN") {
		t.Errorf("drawn before the frame tick: %q", last)
	}
	wall = wall.Add(10 * time.Millisecond)
	e.m.Update(frameMsg{})
	if got := ansi.Strip(e.m.View().Content); !strings.Contains(got, "1 host DOWN (compute04)") || e.m.pace.draws != n+1 {
		t.Errorf("the frame tick drew %d times; screen:\n%s", e.m.pace.draws-n, got)
	}
	// Within the next frame: an answer waits, a key draws at once.
	wall = wall.Add(time.Millisecond)
	e.m.Update(hostmodel.Observation{Pane: "one", Source: hostmodel.Nova, At: tIncident.Add(time.Minute),
		Facts: []hostmodel.Fact{hostmodel.ServiceFact("compute04", "nova-compute", false, false)}})
	e.m.View()
	e.m.Update(key("tab"))
	if got := ansi.Strip(e.m.View().Content); e.m.pace.draws != n+2 || strings.Contains(got, "host DOWN") {
		t.Errorf("a key after an answer: %d draws; screen:\n%s", e.m.pace.draws-n, got)
	}
	// Long after the last draw, an answer draws at once.
	wall = wall.Add(time.Second)
	e.m.Update(hostmodel.Observation{Pane: "one", Source: hostmodel.Nova, At: tIncident.Add(2 * time.Minute)})
	if e.m.View(); e.m.pace.draws != n+3 {
		t.Errorf("an answer a second after the last draw did not draw")
	}
}

// Once the active pane's first load is in, background answers are drawn
// at most every backgroundEvery, and a key's draw is not followed by a
// background frame a moment later (issue 15: at 1,000 hosts the other
// panes' answers drew a frame every 16 ms after a key, and its screen
// settled 50-110 ms after the key). During the first load, rows are drawn
// as they come.
func TestBackgroundFramesKeepAwayFromKeys(t *testing.T) {
	e := newEnv(t, false)
	wall := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	e.m.pace.wall = func() time.Time { return wall }
	answer := func(i int) {
		e.m.Update(hostmodel.Observation{Pane: "one", Source: hostmodel.Nova, At: tIncident.Add(time.Duration(i) * time.Minute)})
		e.m.View()
	}
	e.m.View()
	n := e.m.pace.draws
	wall = wall.Add(20 * time.Millisecond)
	answer(1)
	if e.m.pace.draws != n || !e.m.pace.pending {
		t.Fatalf("an answer 20 ms after a draw: %d draws, tick asked %v; want none and a tick", e.m.pace.draws-n, e.m.pace.pending)
	}
	// A key draws at once, with the answer; the tick then draws nothing.
	wall = wall.Add(10 * time.Millisecond)
	e.m.Update(key("tab"))
	e.m.View()
	wall = wall.Add(20 * time.Millisecond)
	e.m.Update(frameMsg{})
	e.m.View()
	if e.m.pace.draws != n+1 || e.m.pace.pending {
		t.Fatalf("key, then the tick with nothing new: %d draws (want 1), tick pending %v", e.m.pace.draws-n, e.m.pace.pending)
	}
	// An answer asks a tick, a key draws, another answer comes: the tick
	// asked before the key's draw does not draw a frame right after it.
	wall = wall.Add(20 * time.Millisecond)
	answer(2)
	e.m.Update(key("tab"))
	e.m.View()
	wall = wall.Add(5 * time.Millisecond)
	answer(3)
	wall = wall.Add(20 * time.Millisecond)
	e.m.Update(frameMsg{})
	e.m.View()
	if e.m.pace.draws != n+2 {
		t.Fatalf("a tick 25 ms after a key's draw drew (%d draws, want 2)", e.m.pace.draws-n)
	}
	if !e.m.pace.pending {
		t.Fatal("the answer after the key's draw waits for no tick")
	}
	wall = wall.Add(25 * time.Millisecond)
	e.m.Update(frameMsg{})
	e.m.View()
	if e.m.pace.draws != n+3 {
		t.Fatalf("the tick 50 ms after the key's draw: %d draws, want 3", e.m.pace.draws-n)
	}
	// During the active pane's first load: a frame apart is enough.
	e.m.firstRelease = func() {}
	wall = wall.Add(20 * time.Millisecond)
	answer(4)
	if e.m.pace.draws != n+4 {
		t.Fatalf("first load: an answer 20 ms after a draw did not draw")
	}
}
