package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	cases := map[string]string{
		"http://prom:S3cretPW@127.0.0.1:1/":                          "http://prom:***@127.0.0.1:1/",
		"Get \"https://u:p%40ss@h:9090/api?x=1\": refused":           "Get \"https://u:***@h:9090/api?x=1\": refused",
		"https://u:p@ss@host/x":                                      "https://u:***@host/x",
		"ssh://ops@control01":                                        "ssh://ops@control01",
		"https://host/q?query=up&token=abc123&x=1":                   "https://host/q?query=up&token=***&x=1",
		"https://host/q?Password=abc#f":                              "https://host/q?Password=***#f",
		"bad url \"http://a:b@c\" at line 3":                         "bad url \"http://a:***@c\" at line 3",
		"loki at http://loki:3100 unreachable: connection refused":   "loki at http://loki:3100 unreachable: connection refused",
		"prometheus at http://x:y@a/ and alertmanager http://m:n@b/": "prometheus at http://x:***@a/ and alertmanager http://m:***@b/",
		"passthrough=1&compass=2":                                    "passthrough=1&compass=2",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestError(t *testing.T) {
	base := errors.New("boom")
	err := Error(fmt.Errorf("prometheus at http://p:S3cretPW@h/: %w", base))
	if strings.Contains(err.Error(), "S3cretPW") || !errors.Is(err, base) {
		t.Fatalf("got %v (Is base: %v)", err, errors.Is(err, base))
	}
	if Error(base) != base || Error(nil) != nil {
		t.Fatal("an error with nothing to hide should come back as is")
	}
}
