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
