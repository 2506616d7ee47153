// Package viewtest holds the checks every pane's tests share: golden
// screens and the frame invariants (fits the size, nothing raw reaches the
// terminal). Only tests import it.
package viewtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/ui/safe"
)

// Golden returns the path of a pane's golden screen under testdata/golden.
func Golden(pane, name string) string {
	return filepath.Join("..", "..", "testdata", "golden", pane, name+".golden")
}

// File compares got with the golden file at path, or rewrites the file
// when update is set (go test -update).
func File(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden:\n--- got\n%s\n--- want\n%s", filepath.Base(path), got, want)
	}
}

// Frame fails when a rendered frame is taller than h or wider than w, or
// carries anything but SGR styling: no OSC, DCS, C1 CSI, BEL, CR, clear,
// or when a line's width is not the same for safe.Width, for tmux (as
// measured, safe.TerminalWidth) and for a grapheme-counting renderer.
func Frame(t testing.TB, out string, w, h int) {
	t.Helper()
	for _, bad := range []string{"\x1b]", "\a", "\x1b[2J", "\x1bP", "\u009b", "\u009d"} {
		if strings.Contains(out, bad) {
			t.Fatalf("raw %q in output: %q", bad, out)
		}
	}
	if strings.ContainsAny(ansi.Strip(out), "\x1b\a\r") {
		t.Fatalf("control byte in output: %q", out)
	}
	lines := strings.Split(out, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines > height %d", len(lines), h)
	}
	for _, l := range lines {
		if safe.Width(l) > w {
			t.Fatalf("line wider than %d: %q", w, ansi.Strip(l))
		}
		// The terminal must count the same: tmux's measured widths, and
		// the renderer's grapheme count (terminals with mode 2027).
		if tw, ok := safe.TerminalWidth(l); !ok || tw != safe.Width(l) {
			t.Fatalf("tmux draws %d cells (known code points: %v), Width says %d: %q", tw, ok, safe.Width(l), ansi.Strip(l))
		}
		if g := ansi.GraphemeWidth.StringWidth(l); g != safe.Width(l) {
			t.Fatalf("grapheme width %d, Width %d: %q", g, safe.Width(l), ansi.Strip(l))
		}
	}
}
