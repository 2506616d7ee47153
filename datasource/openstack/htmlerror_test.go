package openstack

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// A login portal answering 200 for Nova is named by its title, not quoted.
func TestMalformedHTMLIsSummarised(t *testing.T) {
	body := []byte("<!DOCTYPE html>\n<html><head><title>Corporate SSO - Sign in</title><script>var x=1;</script></head><body>...</body></html>")
	var v map[string]any
	err := &MalformedError{Service: "nova", URL: "http://nova/v2.1/servers/detail", Snippet: httpclient.ErrorBody(body, 120), Err: json.Unmarshal(body, &v)}
	s := err.Error()
	if s != `nova: GET /v2.1/servers/detail: malformed response: HTML page "Corporate SSO - Sign in" instead of JSON` || !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %q", s)
	}
	if strings.Contains(serviceMessage(body), "<") {
		t.Fatalf("serviceMessage quotes HTML: %q", serviceMessage(body))
	}
}
