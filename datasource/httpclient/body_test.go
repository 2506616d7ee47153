package httpclient

import (
	"strings"
	"testing"
)

// NginxBadGateway is what nginx in front of an API answers when the API is
// down.
const nginxBadGateway = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"

func TestErrorBodySummarisesHTML(t *testing.T) {
	cases := map[string]string{
		nginxBadGateway: `HTML page "502 Bad Gateway"`,
		"\ufeff  <!DOCTYPE html><html><head><meta charset=utf-8><TITLE>\n  Sign in &amp; <b>continue</b>\n</TITLE>": `HTML page "Sign in & continue"`,
		"<html><body><h1>Service Unavailable</h1><p>" + strings.Repeat("x", 5000) + "</p></body></html>":            `HTML page "Service Unavailable"`,
		"<html><body>maintenance</body></html>":                   `HTML page "maintenance"`,
		"<html>502 Bad Gateway</html>":                            `HTML page "502 Bad Gateway"`,
		"<html><head><style>x</style></head><body></body></html>": "HTML page without a title",
		"<title>" + strings.Repeat("é", 200) + "</title>":         `HTML page "` + strings.Repeat("é", 60) + `…"`,
		"  plain text error\n":                                    "plain text error",
		`{"message": "x"}`:                                        `{"message": "x"}`,
		"<not html at all>":                                       "<not html at all>",
		strings.Repeat("ab", 400):                                 strings.Repeat("ab", 150) + "…",
	}
	for in, want := range cases {
		if got := ErrorBody([]byte(in), 300); got != want {
			t.Errorf("ErrorBody(%.40q) = %q, want %q", in, got, want)
		}
	}
}
