package safe

import (
	"strings"
	"testing"
	"unicode/utf8"
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

// FuzzText checks the invariants any output must hold: valid UTF-8, no C0/C1
// control, no ESC, no bidi control, and idempotence.
func FuzzText(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil", "\x9b2J", "a\u202eb", "\xff", "ok"} {
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
	})
}
