package safe

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestEvilServerName(t *testing.T) {
	got := Text("\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil")
	want := `\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestCases(t *testing.T) {
	cases := map[string]string{
		"plain":                  "plain",
		"tab\there":              "tab here",
		"\u009b31m":              `\u009b31m`,
		"\x9b31m":                `\x9b31m`,
		"\x1bP1$r\x1b\\":         `\eP1$r\e\`,
		"a\u202eb":               `a\u202eb`,
		"\xff\xfe":               `\xff\xfe`,
		"héllo wörld":            "héllo wörld",
		"\x1b]8;;http://x\x1b\\": `\e]8;;http://x\e\`,
		"line\nbreak\r":          `line\nbreak\r`,
		"\x00\x7f":               `\x00\x7f`,
		"日本":                     "日本",
		// Code points whose width terminals and width tables disagree on.
		"\u00ad":                 `\u00ad`,                 // soft hyphen: 0 in Go's tables, 1 in tmux
		"a\u200bb\u200cc\u2060d": `a\u200bb\u200cc\u2060d`, // zero width space, ZWNJ, word joiner
		"👨\u200d👩\u200d👧":        `👨\u200d👩\u200d👧`,        // ZWJ sequence: 2 cells or 6
		"\u2764\ufe0f":           `❤\ufe0f`,                // VS16: 1 cell or 2
		"👍\U0001F3FD":            `👍\U0001f3fd`,            // skin tone: 2 cells or 4
		"\U0001F1E9\U0001F1EA":   `\U0001f1e9\U0001f1ea`,   // flag
		"x\U000E0067\U000E007F":  `x\U000e0067\U000e007f`,  // tag characters
		"e\u0301":                "e\u0301",                // combining acute: 1 cell everywhere
		"\u0915\u093e":           `क\u093e`,                // spacing mark: 1 cell per tmux, 0 in a cluster
		"\u1100\u1161":           `\u1100\u1161`,           // Hangul jamo: one cluster with what follows, or 0+1
		"\U0001FAE8":             `\U0001fae8`,             // newer than this tmux's Unicode
		"\ue000":                 `\ue000`,                 // private use
		"😀 日本 ÿ":                 "😀 日本 ÿ",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFitWidth(t *testing.T) {
	if got := Fit("abcdefgh", 5); got != "abcd…" {
		t.Fatalf("Fit = %q", got)
	}
	if got := Pad("ab", 4); got != "ab  " {
		t.Fatalf("Pad = %q", got)
	}
	if got := PadLeft("ab", 4); got != "  ab" {
		t.Fatalf("PadLeft = %q", got)
	}
	if w := Width(Pad("日本語テキスト", 5)); w != 5 {
		t.Fatalf("wide Pad width = %d", w)
	}
}

// The hostile name: 300 soft hyphens counted 0 cells here and 300 in
// tmux, so the cell overflowed and the row wrapped over the next ones.
func TestSoftHyphenNameFitsItsCell(t *testing.T) {
	name := strings.Repeat("\u00ad", 300)
	for _, w := range []int{1, 5, 20} {
		got := Pad(name, w)
		tw, ok := TerminalWidth(got)
		if !ok {
			t.Fatalf("Pad(300 soft hyphens, %d) = %q holds code points tmux draws wider than Width counts", w, got)
		}
		if tw != w || Width(got) != w {
			t.Fatalf("Pad(300 soft hyphens, %d) = %q: tmux draws %d cells, Width %d", w, got, tw, Width(got))
		}
	}
	if got := Fit("ab\u00adcd", 20); got != `ab\u00adcd` {
		t.Fatalf("Fit = %q", got)
	}
}

// sameWidth fails unless Width, tmux's measured widths and the grapheme
// count (lipgloss, terminals with mode 2027) agree on sanitized out.
func sameWidth(t *testing.T, in, out string) {
	t.Helper()
	w := Width(out)
	tw, ok := TerminalWidth(out)
	if !ok || tw != w {
		t.Fatalf("Text(%q) = %q: Width %d, tmux %d (known code points: %v)", in, out, w, tw, ok)
	}
	if g := ansi.GraphemeWidth.StringWidth(out); g != w {
		t.Fatalf("Text(%q) = %q: Width %d, grapheme width %d", in, out, w, g)
	}
}

// randomText mixes ASCII with the code points widths go wrong on: format
// characters, marks, emoji and their modifiers, CJK, Hangul jamo, controls,
// unassigned and private-use code points, and any rune at all.
func randomText(rng *rand.Rand, n int) string {
	pools := [][2]rune{
		{0x20, 0x7e}, {0x00, 0x1f}, {0x80, 0x9f}, {0xa0, 0x24f}, {0x300, 0x36f}, {0x600, 0x605},
		{0x900, 0x97f}, {0xe00, 0xe7f}, {0x1100, 0x11ff}, {0x200b, 0x200f}, {0x2028, 0x202e},
		{0x2060, 0x206f}, {0x2600, 0x27bf}, {0x3000, 0x30ff}, {0x4e00, 0x4e80}, {0xac00, 0xac80},
		{0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xff00, 0xffef}, {0xe000, 0xe010}, {0x1f1e6, 0x1f1ff},
		{0x1f300, 0x1f64f}, {0x1f3fb, 0x1f3ff}, {0x1f900, 0x1faff}, {0xe0000, 0xe007f}, {0xe0100, 0xe01ef},
		{0x20000, 0x20100}, {0, 0x10ffff},
	}
	var b strings.Builder
	for range n {
		p := pools[rng.IntN(len(pools))]
		b.WriteRune(p[0] + rng.Int32N(p[1]-p[0]+1))
	}
	return b.String()
}

func TestRandomUnicodeWidthsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		in := randomText(rng, 1+rng.IntN(12))
		sameWidth(t, in, Text(in))
		for _, w := range []int{1, 4, 9} {
			p := Pad(in, w)
			if tw, _ := TerminalWidth(p); Width(p) != w || tw != w {
				t.Fatalf("Pad(%q, %d) = %q: Width %d, tmux %d", in, w, p, Width(p), tw)
			}
		}
	}
}

// FuzzText checks the invariants any output must hold: valid UTF-8, no C0/C1
// control, no ESC, no bidi control, idempotence, and one width for all.
func FuzzText(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil", "\x9b2J", "a\u202eb", "\xff", "ok", "\u00ad\u00ad", "👨\u200d👩\u200d👧", "\u2764\ufe0f", "👍🏽", "🇩🇪", "\u0915\u094d\u0937", "e\u0301", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid utf8 from %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) || isInvisibleFormat(r) {
				t.Fatalf("unsafe rune %U survived in %q", r, out)
			}
		}
		if strings.ContainsRune(out, 0x1b) {
			t.Fatal("ESC survived")
		}
		if Text(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
		sameWidth(t, s, out)
	})
}

// FuzzPad: whatever the text, a padded cell is exactly w cells wide for
// Width, for tmux (measured) and for a grapheme count.
func FuzzPad(f *testing.F) {
	for _, s := range []string{strings.Repeat("\u00ad", 300), "👨\u200d👩\u200d👧", "\u2764\ufe0f", "日本語テキスト", "e\u0301\u0301", "\x1b[2J"} {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, s string, w uint8) {
		n := int(w % 120)
		for _, p := range []string{Pad(s, n), PadLeft(s, n)} {
			tw, ok := TerminalWidth(p)
			if !ok || tw != n || Width(p) != n || ansi.GraphemeWidth.StringWidth(p) != n {
				t.Fatalf("Pad(%q, %d) = %q: Width %d, tmux %d (known %v), grapheme %d", s, n, p, Width(p), tw, ok, ansi.GraphemeWidth.StringWidth(p))
			}
		}
	})
}

func BenchmarkTextUnicode(b *testing.B) {
	s := "análisis-datos-日本語-👍🏽-\u00ad-vm-" + strings.Repeat("é", 20)
	for b.Loop() {
		_ = Text(s)
	}
}
