// Package safe is the single path by which untrusted text (instance names,
// log lines, alert labels, container names...) becomes display text.
//
// Every control character, escape sequence introducer (ESC, CSI, OSC, DCS as
// C0 or C1), bidi override and invalid UTF-8 byte is turned into a visible
// escape such as `\e` or `\u202e`, so nothing a tenant or service writes can
// move the cursor, set the clipboard (OSC 52), open a link (OSC 8) or reorder
// text.
//
// Widths are computed on the result, by Width alone, and the result holds
// only code points whose width the terminal and we agree on (see width.go):
// every other one (soft hyphen, ZWJ, variation selectors, skin tones, flags,
// unassigned...) is escaped too, so a hostile name cannot overflow its cell.
package safe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text returns s with every unsafe rune replaced by a visible escape.
// Tabs become a single space so column widths stay predictable.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		writeRune(&b, r)
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only (the common case), so
// Text can return it without allocating.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func writeRune(b *strings.Builder, r rune) {
	switch {
	case r == '\t':
		b.WriteByte(' ')
	case r == 0x1b:
		b.WriteString(`\e`)
	case r == '\a':
		b.WriteString(`\a`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r < 0x20 || r == 0x7f:
		fmt.Fprintf(b, `\x%02x`, r)
	case r >= 0x80 && r <= 0x9f: // C1 controls, incl. 8-bit CSI/OSC/DCS
		fmt.Fprintf(b, `\u%04x`, r)
	case isBidiControl(r), isInvisibleFormat(r):
		fmt.Fprintf(b, `\u%04x`, r)
	case r >= 0xa0 && !agreed(r):
		if r > 0xffff {
			fmt.Fprintf(b, `\U%08x`, r)
		} else {
			fmt.Fprintf(b, `\u%04x`, r)
		}
	default:
		b.WriteRune(r)
	}
}

// isBidiControl covers the embedding/override/isolate controls and marks
// that can visually reorder text ("Trojan Source").
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069,
		r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// isInvisibleFormat covers line/paragraph separators and other format
// characters that terminals may treat as layout.
func isInvisibleFormat(r rune) bool {
	switch r {
	case 0x2028, 0x2029, 0xfeff, 0xfff9, 0xfffa, 0xfffb:
		return true
	}
	return false
}
