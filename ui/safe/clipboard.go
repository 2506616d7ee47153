package safe

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what is being copied, which decides what the clipboard may hold.
type Kind int

const (
	// Line is one line of text: an ID, a host name, a log line. The zero
	// value, so a copy that names no kind gets the strictest treatment.
	Line Kind = iota
	// URL is a link: http and https only.
	URL
	// Lines is text that is multi-line by nature; the shell shows it
	// before copying.
	Lines
)

// Clipboard returns what may go on the clipboard for text of kind k, or an
// error saying why nothing may. It is the only way text reaches the
// clipboard: pasted into a shell, an escape sequence such as the end of a
// bracketed paste (`\e[201~`) followed by a newline runs whatever comes
// after it, so escape sequences (ESC or C1 introduced) are removed whole,
// every other control and invisible format character is dropped, and
// newlines survive only in Lines (never at the end). A URL with any of
// those, or with a scheme other than http/https (`javascript:`, `file:`),
// is refused rather than repaired.
func Clipboard(text string, k Kind) (string, error) {
	switch k {
	case URL:
		u := strings.TrimSpace(text)
		if clean := stripControls(u, false); clean != u || strings.ContainsFunc(u, unicode.IsSpace) {
			return "", errors.New("the URL holds control characters or spaces")
		}
		p, err := url.Parse(u)
		if err != nil {
			return "", fmt.Errorf("not a valid URL: %v", err)
		}
		if s := strings.ToLower(p.Scheme); s != "http" && s != "https" {
			return "", fmt.Errorf("only http and https links are copied (this one is %q)", Text(p.Scheme)+":")
		}
		if p.Host == "" {
			return "", errors.New("the URL names no host")
		}
		return u, nil
	case Lines:
		s := stripControls(text, true)
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		s = strings.Trim(strings.Join(lines, "\n"), "\n")
		if strings.TrimSpace(s) == "" {
			return "", errors.New("nothing to copy")
		}
		return s, nil
	default:
		s := strings.TrimSpace(stripControls(text, false))
		if s == "" {
			return "", errors.New("nothing to copy")
		}
		return s, nil
	}
}

// stripControls removes escape sequences whole and drops other controls,
// bidi and invisible format characters and invalid UTF-8. Tabs become a
// space; newlines (CR, LF, CRLF) become "\n" when keepNewlines, else a space.
func stripControls(s string, keepNewlines bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			i++
			continue
		}
		switch {
		case r == 0x1b || (r >= 0x80 && r <= 0x9f):
			i = skipSequence(s, i, size)
			continue
		case r == '\r' || r == '\n':
			if r == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				size++
			}
			if keepNewlines {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f, isBidiControl(r), isInvisibleFormat(r), unicode.Is(unicode.Cf, r):
			// dropped
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// skipSequence returns the index after the escape sequence whose
// introducer (ESC, or a C1 control of the given UTF-8 size) is at s[i].
func skipSequence(s string, i, size int) int {
	intro, _ := utf8.DecodeRuneInString(s[i:])
	j := i + size
	kind := intro
	if intro == 0x1b {
		if j >= len(s) {
			return j
		}
		switch c := s[j]; c {
		case '[':
			kind = 0x9b
		case ']':
			kind = 0x9d
		case 'P', 'X', '^', '_':
			kind = 0x90
		default:
			// ESC followed by intermediates and one final byte.
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
				j++
			}
			if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
				j++
			}
			return j
		}
		j++
	}
	switch kind {
	case 0x9b: // CSI: parameters and intermediates up to a final byte
		for ; j < len(s); j++ {
			if c := s[j]; c >= 0x40 && c <= 0x7e {
				return j + 1
			} else if c < 0x20 || c > 0x7e {
				return j // broken off: what follows is handled on its own
			}
		}
		return j
	case 0x9d, 0x90, 0x98, 0x9e, 0x9f: // OSC, DCS, SOS, PM, APC: up to BEL or ST
		for j < len(s) {
			switch {
			case s[j] == 0x07:
				return j + 1
			case s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\':
				return j + 2
			case strings.HasPrefix(s[j:], "\u009c"):
				return j + len("\u009c")
			}
			j++
		}
		return j
	}
	return j // any other C1 control alone
}
