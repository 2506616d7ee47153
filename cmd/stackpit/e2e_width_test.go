package main

// Display width end to end (issue 14): hostile server names in a demo cloud
// served from this test process, shown by the real binary in tmux. A name
// of 300 soft hyphens took 0 cells for stackpit and 300 for tmux: the row
// wrapped over the rows below, hid an ERROR instance and pushed the header
// off screen.

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/viewtest"
)

// checkInstancesScreen asserts the screen's layout as tmux drew it: the
// cockpit header on row 1, the table header on row 4, the key bar on the
// last row, and on every one of the rows table rows the status word exactly
// under STATUS (a wrapped or overlong row shifts or splits it).
func checkInstancesScreen(t *testing.T, screen string, h, rows int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	// Rows: header, tabs, incident strip, the pane's count line, NAME.
	const nameRow = 4
	if len(lines) != h || !strings.HasPrefix(lines[0], "stackpit") || !strings.HasPrefix(lines[nameRow], "NAME") ||
		!strings.Contains(lines[h-1], "? help") {
		t.Fatalf("layout broken (want the header on row 1, NAME on row %d, keys on row %d):\n%s", nameRow+1, h, screen)
	}
	col := strings.Index(lines[nameRow], "STATUS")
	for i := nameRow + 1; i < nameRow+1+rows; i++ {
		l := lines[i]
		// Cell column of each rune as tmux drew it (captured text has no
		// padding for wide characters).
		cells := 0
		found := false
		for j, r := range l {
			if cells == col {
				rest := l[j:]
				found = strings.HasPrefix(rest, "ACTIVE") || strings.HasPrefix(rest, "ERROR") || strings.HasPrefix(rest, "SHUTOFF")
				break
			}
			w, ok := safe.TerminalWidth(string(r))
			if !ok {
				t.Fatalf("row %d holds %U, a code point whose width is not agreed:\n%s", i+1, r, screen)
			}
			cells += w
		}
		if !found {
			t.Fatalf("row %d has no status at column %d (wrapped or misaligned):\n%s", i+1, col+1, screen)
		}
	}
}

// settled waits for wants, then returns a screen that two captures 300ms
// apart agree on, so a frame still being written is not judged.
func (tm *tmux) settled(wants ...string) string {
	tm.t.Helper()
	s := tm.waitFor(wants...)
	for range 50 {
		time.Sleep(300 * time.Millisecond)
		next := tm.screen()
		if next == s {
			return s
		}
		s = next
	}
	return s
}

func TestE2ESoftHyphenNameKeepsHeaderAndRows(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, -1)
	dc.Story.Lock(func() {
		dc.Story.Instances[0].Name = strings.Repeat("\u00ad", 300)
		dc.Story.Instances[1].Name = "aaa-error-vm"
		dc.Story.Instances[1].Status, dc.Story.Instances[1].PowerState = "ERROR", 0
	})
	const w, h = 100, 40
	tm := startTmux(t, w, h, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	s := tm.settled("30/30 servers", `\u00ad\u00ad`, "aaa-error-vm")
	checkInstancesScreen(t, s, h, 30)
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

// Random Unicode names (format characters, marks, emoji sequences, flags,
// skin tones, CJK, controls) as tmux draws them: the same layout checks.
func TestE2ERandomUnicodeNamesKeepLayout(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 30, -1)
	rng := rand.New(rand.NewPCG(14, 14))
	dc.Story.Lock(func() {
		for i := range dc.Story.Instances {
			dc.Story.Instances[i].Name = viewtest.HostileText(rng, 1+rng.IntN(50))
		}
	})
	const w, h = 100, 40
	tm := startTmux(t, w, h, e2eEnv(t), "--config", cfg, "--cloud", "demo")
	s := tm.settled("30/30 servers")
	checkInstancesScreen(t, s, h, 30)
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
