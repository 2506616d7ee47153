package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

func bottom(e *env) string {
	ls := strings.Split(ansi.Strip(e.m.Render()), "\n")
	return ls[len(ls)-1]
}

// tickFor advances the shell's clock by d, one clock message per second.
func tickFor(e *env, now *time.Time, d time.Duration) {
	for end := now.Add(d); now.Before(end); {
		*now = now.Add(time.Second)
		e.m.Update(clockMsg(*now))
	}
}

func TestFailureStaysUntilDismissedAndHistoryKeepsAll(t *testing.T) {
	e := newEnv(t, false)
	now := time.Date(2026, 11, 22, 12, 0, 3, 0, time.UTC)
	e.m.o.Clock = func() time.Time { return now }
	e.drain(pane.Toast(themes.Info, "copied vm1"))
	if !strings.Contains(bottom(e), "copied vm1") {
		t.Fatalf("info toast not shown: %q", bottom(e))
	}
	tickFor(e, &now, 7*time.Second)
	if strings.Contains(bottom(e), "copied vm1") {
		t.Fatal("info toast did not fade")
	}
	// An action fails: its message stays, however long nobody looks.
	e.m.Update(actionFinished{id: 1, action: pane.Action{Name: "evacuate", Target: "compute04"}, err: errors.New("nova: 409 host is up")})
	tickFor(e, &now, time.Minute)
	if got := bottom(e); !strings.Contains(got, "✗ evacuate compute04 failed: nova: 409 host is up") || !strings.Contains(got, "esc dismisses") {
		t.Fatalf("failure gone after a minute: %q", got)
	}
	// A later info toast shows, then the failure comes back under it.
	e.drain(pane.Toast(themes.Info, "refreshing"))
	tickFor(e, &now, 7*time.Second)
	if !strings.Contains(bottom(e), "evacuate compute04 failed") {
		t.Fatalf("failure lost under an info toast: %q", bottom(e))
	}
	// A second failure: the newest shows, with a count.
	e.m.Update(actionFinished{id: 2, action: pane.Action{Name: "disable", Target: "compute05"}, err: errors.New("timeout")})
	if got := bottom(e); !strings.Contains(got, "disable compute05 failed") || !strings.Contains(got, "(+1 more)") {
		t.Fatalf("second failure: %q", got)
	}
	golden(t, "failure_80x24", e.m.Render())
	// esc dismisses, and only that: the pane's filter is kept.
	e.m.filters[0] = "web"
	e.press("esc")
	if got := bottom(e); strings.Contains(got, "failed") {
		t.Fatalf("esc did not dismiss: %q", got)
	}
	if e.m.filters[0] != "web" {
		t.Fatal("esc dismissing the failure also went back")
	}
	// :messages shows the whole session, faded ones included.
	e.press(":")
	e.typeText("messages")
	e.press("enter")
	out := ansi.Strip(e.m.Render())
	for _, want := range []string{"Messages", "12:00:03   copied vm1", "✗ evacuate compute04 failed: nova: 409 host is up", "refreshing", "✗ disable compute05 failed: timeout"} {
		if !strings.Contains(out, want) {
			t.Fatalf(":messages lacks %q:\n%s", want, out)
		}
	}
	golden(t, "messages_80x24", e.m.Render())
	e.press("esc")
	if e.m.mode != modeNormal {
		t.Fatal("esc did not close :messages")
	}
}
