package httpclient

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// ErrorBody is what an error message may quote of a response body that is
// not the API's own error format. An HTML page (a proxy's 502, a login
// portal, a load balancer's maintenance page) is summarised by its <title>
// as `HTML page "502 Bad Gateway"`, never shown raw: its markup fills the
// status line and says nothing. Other text is trimmed and cut at max bytes
// (on a rune boundary, marked "…"). The caller says the HTTP status.
func ErrorBody(body []byte, max int) string {
	if IsHTML(body) {
		return HTMLSummary(body)
	}
	s := strings.TrimSpace(string(body))
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// IsHTML reports whether body looks like an HTML document.
func IsHTML(body []byte) bool {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	head := strings.ToLower(string(b[:min(len(b), 1024)]))
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<title"} {
		if strings.Contains(head, tag) {
			return true
		}
	}
	return false
}

// HTMLSummary names an HTML page by its <title>, or its first <h1>, or
// (a bare `<html>502 Bad Gateway</html>`) the start of its text.
func HTMLSummary(body []byte) string {
	doc := string(body[:min(len(body), 64<<10)])
	for _, tag := range []string{"title", "h1", "body", "html"} {
		if t := element(doc, tag); t != "" {
			return fmt.Sprintf("HTML page %q", t)
		}
	}
	return "HTML page without a title"
}

// element returns the text of the first <tag>…</tag>, entities decoded,
// inner markup dropped, whitespace collapsed, at most 120 bytes.
func element(doc, tag string) string {
	lower := strings.ToLower(doc)
	i := strings.Index(lower, "<"+tag)
	if i < 0 {
		return ""
	}
	gt := strings.IndexByte(lower[i:], '>')
	if gt < 0 {
		return ""
	}
	start := i + gt + 1
	end := strings.Index(lower[start:], "</"+tag)
	if end < 0 {
		return ""
	}
	inner, lowerInner := doc[start:start+end], lower[start:start+end]
	var b strings.Builder
	for i := 0; i < len(inner); { // drop nested tags (<b>), scripts and styles
		if inner[i] != '<' {
			b.WriteByte(inner[i])
			i++
			continue
		}
		skipTo := ">"
		for _, t := range []string{"script", "style", "head"} {
			if strings.HasPrefix(lowerInner[i+1:], t) {
				skipTo = "</" + t + ">"
			}
		}
		j := strings.Index(lowerInner[i:], skipTo)
		if j < 0 {
			break
		}
		i += j + len(skipTo)
		b.WriteByte(' ')
	}
	t := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	if len(t) > 120 {
		cut := 120
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = t[:cut] + "…"
	}
	return t
}
