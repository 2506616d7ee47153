// Package viewtest holds the checks every pane's tests share: golden
// screens and the frame invariants (fits the size, nothing raw reaches the
// terminal). Only tests import it.
package viewtest

import (
	"math/rand/v2"
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
		tw, ok := safe.TerminalWidth(l)
		if !ok {
			t.Fatalf("line holds code points tmux may draw wider or narrower than Width counts: %q", ansi.Strip(l))
		}
		if tw != safe.Width(l) {
			t.Fatalf("tmux draws %d cells, Width says %d: %q", tw, safe.Width(l), ansi.Strip(l))
		}
		if g := ansi.GraphemeWidth.StringWidth(l); g != safe.Width(l) {
			t.Fatalf("grapheme width %d, Width %d: %q", g, safe.Width(l), ansi.Strip(l))
		}
	}
}

// ExactWidth fails unless every line takes exactly w cells for safe.Width,
// for tmux (safe.TerminalWidth) and for a grapheme count: a table row that
// is one cell off wraps in the terminal or leaves the next column askew.
func ExactWidth(t testing.TB, lines []string, w int) {
	t.Helper()
	for i, l := range lines {
		tw, ok := safe.TerminalWidth(l)
		if !ok {
			t.Fatalf("line %d holds code points tmux may draw wider or narrower than Width counts: %q", i, ansi.Strip(l))
		}
		if sw, g := safe.Width(l), ansi.GraphemeWidth.StringWidth(l); sw != w || tw != w || g != w {
			t.Fatalf("line %d is not %d cells wide (Width %d, tmux %d, grapheme %d): %q", i, w, sw, tw, g, ansi.Strip(l))
		}
	}
}

// unicodePools are the code point ranges display widths go wrong on:
// format characters (soft hyphen, ZWJ, bidi, tags), combining and spacing
// marks, Indic, Thai, Hangul jamo, emoji with skin tones, flags and
// variation selectors, CJK, fullwidth forms, controls, private use, and any
// code point at all.
var unicodePools = [][2]rune{
	{0x20, 0x7e}, {0x20, 0x7e}, {0x00, 0x1f}, {0x80, 0x9f}, {0xa0, 0xff}, {0xad, 0xad}, {0x300, 0x36f},
	{0x600, 0x605}, {0x900, 0x97f}, {0xe00, 0xe7f}, {0x1100, 0x11ff}, {0x200b, 0x200f}, {0x2028, 0x202e},
	{0x2060, 0x206f}, {0x2600, 0x27bf}, {0x3000, 0x30ff}, {0x4e00, 0x4e80}, {0xac00, 0xac80}, {0xfe00, 0xfe0f},
	{0xfe20, 0xfe2f}, {0xff00, 0xffef}, {0xe000, 0xe010}, {0x1f1e6, 0x1f1ff}, {0x1f300, 0x1f64f},
	{0x1f3fb, 0x1f3ff}, {0x1f900, 0x1faff}, {0xe0000, 0xe007f}, {0xe0100, 0xe01ef}, {0x20000, 0x20100},
	{0, 0x10ffff},
}

// HostileText returns n random code points from unicodePools.
func HostileText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		p := unicodePools[rng.IntN(len(unicodePools))]
		b.WriteRune(p[0] + rng.Int32N(p[1]-p[0]+1))
	}
	return b.String()
}
