package safe

import (
	"strings"
	"sync"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Display width, and why it is one function.
//
// Three parties count cells: the layout (Width, here), bubbletea's renderer
// (ultraviolet, which counts per code point like wcwidth(3) unless the
// terminal answers DEC mode 2027, then per grapheme cluster like lipgloss)
// and the terminal itself (tmux: wcwidth(3) per code point, zero-width ones
// joined to the previous cell). They disagree on soft hyphen (0 for Go's
// tables, 1 for glibc and tmux), ZWJ emoji sequences (2 cells as a cluster,
// 2 per emoji per code point), VS16 (❤️: 2 or 1), skin tones (2 or 4),
// flags, spacing marks, Hangul jamo, and anything newer than the terminal's
// Unicode. No width function can be right for all of them at once, so Text
// escapes those code points and keeps only the ones listed in
// agreed_table.go: measured in tmux (TestGenerateAgreedTable) and equal
// there, per code point and per grapheme cluster. On such text all three
// counts are the same, and Width uses the per-code-point count because that
// is what tmux and the renderer (without mode 2027) draw.

// escapedByRule reports code points escaped whatever their measured width:
// invisible format characters (Cf: soft hyphen, ZWJ/ZWNJ, bidi marks,
// U+2060.., tag characters), variation selectors (they change an emoji's
// width between terminals), emoji skin-tone modifiers and regional
// indicators (a cluster with them is one glyph or two depending on the
// terminal), private use (icon fonts draw them 1 or 2 wide), line and
// paragraph separators. Also the code points that glue their neighbours
// into one grapheme cluster, which a grapheme count (lipgloss, terminals
// with mode 2027) draws narrower than tmux: Indic viramas joining
// consonants into a conjunct (क्ष: 1 cluster cell, 2 tmux cells), Hangul
// jamo (ᄀ before a syllable) and prepended concatenation marks.
func escapedByRule(r rune) bool {
	switch {
	case r >= 0x1f3fb && r <= 0x1f3ff: // skin tones
		return true
	case r >= 0x1f1e6 && r <= 0x1f1ff: // regional indicators (flags)
		return true
	case r >= 0x1100 && r <= 0x11ff, r >= 0xa960 && r <= 0xa97f, r >= 0xd7b0 && r <= 0xd7ff: // Hangul jamo
		return true
	}
	switch r {
	case 0x094d, 0x09cd, 0x0acd, 0x0b4d, 0x0c4d, 0x0d4d, // viramas (InCB=Linker)
		0x0d4e, 0x111c2, 0x111c3, 0x1193f, 0x11941, 0x11a3a, 0x11a84, 0x11a85, 0x11a86, // prepend
		0x11a87, 0x11a88, 0x11a89, 0x11d46, 0x11f02:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Variation_Selector)
}

// agreed reports whether r (from U+00A0) may reach the screen unescaped.
func agreed(r rune) bool {
	if r < 0x10000 {
		agreedBMPOnce.Do(initAgreedBMP)
		return agreedBMP[r>>6]&(1<<(r&63)) != 0
	}
	return agreedSlow(r)
}

func agreedSlow(r rune) bool {
	return !escapedByRule(r) && unicode.In(r, agreed1, agreed2, agreed0)
}

// agreedBMP caches agreedSlow for the BMP (8 KiB): one bit test per rune
// instead of a dozen table searches, built on the first non-ASCII rune.
var (
	agreedBMP     [0x10000 / 64]uint64
	agreedBMPOnce sync.Once
)

func initAgreedBMP() {
	for _, t := range []*unicode.RangeTable{agreed0, agreed1, agreed2} {
		for _, rg := range t.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				agreedBMP[r>>6] |= 1 << (r & 63) // escapedByRule ones are not in the tables
			}
		}
	}
}

// Width is the display width in cells of text from Text (ANSI styling
// sequences count 0). Every layout decision on untrusted text uses it.
func Width(s string) int { return ansi.WcWidth.StringWidth(s) }

// Truncate cuts s (which may carry ANSI styling) to at most w cells by
// Width, ending with tail when cut.
func Truncate(s string, w int, tail string) string {
	return ansi.WcWidth.Truncate(s, w, tail)
}

// Fit sanitizes s and truncates it to at most w cells, marking a cut with "…".
func Fit(s string, w int) string {
	t := Text(s)
	if w <= 0 {
		return ""
	}
	if Width(t) <= w {
		return t
	}
	return Truncate(t, w, "…")
}

// Pad sanitizes and fits s into exactly w cells (left-aligned).
func Pad(s string, w int) string {
	t := Fit(s, w)
	if n := Width(t); n < w {
		t += strings.Repeat(" ", w-n)
	}
	return t
}

// PadLeft sanitizes and fits s into exactly w cells (right-aligned).
func PadLeft(s string, w int) string {
	t := Fit(s, w)
	if n := Width(t); n < w {
		t = strings.Repeat(" ", w-n) + t
	}
	return t
}

// Hardwrap breaks s (which may carry ANSI styling) into lines of at most w
// cells by Width.
func Hardwrap(s string, w int, preserveSpace bool) string {
	return ansi.WcWidth.Hardwrap(s, w, preserveSpace)
}

// TerminalWidth is the width tmux was measured to draw s with (ANSI styling
// counts 0), from agreed_table.go alone, and ok is false when s holds a code
// point outside that table (one Text would have escaped). Tests hold Width
// against it; the layout never uses it.
func TerminalWidth(s string) (w int, ok bool) {
	ok = true
	for _, r := range ansi.Strip(s) {
		switch {
		case r >= 0x20 && r < 0x7f:
			w++
		case r < 0xa0:
			ok = false
		case escapedByRule(r):
			ok = false
		case unicode.Is(agreed1, r):
			w++
		case unicode.Is(agreed2, r):
			w += 2
		case unicode.Is(agreed0, r):
		default:
			ok = false
		}
	}
	return w, ok
}
