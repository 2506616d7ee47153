package httpclient

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestReasonPlainWords(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	// A listener that accepts and never answers.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed := closedAddr(t)

	cases := []struct {
		name, url string
		timeout   time.Duration
		want      string
	}{
		{"refused", "http://" + closed + "/api/v1/query?query=up", 0, "connection refused (nothing listening at " + closed + ")"},
		{"hang", "http://" + hang.Addr().String() + "/x", 200 * time.Millisecond, "no answer in time"},
		{"https to http", strings.Replace(plain.URL, "http://", "https://", 1) + "/x", 0, "the server answered in plain HTTP"},
		{"unknown CA", tlsSrv.URL + "/x", 0, "certificate signed by an unknown authority (set ca_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hc, err := New(Options{ReadOnly: true, Timeout: c.timeout})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Get(c.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s succeeded", c.url)
			}
			got := Reason(err)
			if !strings.Contains(got, c.want) {
				t.Errorf("Reason = %q, want it to contain %q (raw: %v)", got, c.want, err)
			}
			if strings.Contains(got, "Get \"") || strings.Contains(got, "?query=") {
				t.Errorf("Reason %q still carries the raw request line", got)
			}
		})
	}
	if Reason(nil) != "" {
		t.Error("Reason(nil) should be empty")
	}
}

func TestReasonInvalidHeader(t *testing.T) {
	hc, err := New(Options{Headers: map[string]string{"X-Scope-OrgID": "bad\ntenant"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get("http://" + closedAddr(t) + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a header with a newline was sent")
	}
	if got := Reason(err); !strings.Contains(got, "request not sent") || !strings.Contains(got, "tenant_id") {
		t.Errorf("Reason = %q", got)
	}
}

func TestReasonMissingUnixSocket(t *testing.T) {
	hc, err := New(Options{Dial: func(_, _ string) (net.Conn, error) { return net.Dial("unix", "/nonexistent.sock") }})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get("http://docker/_ping")
	if err == nil {
		resp.Body.Close()
		t.Fatal("dialled a missing socket")
	}
	if got, want := Reason(err), "no socket at /nonexistent.sock"; !strings.HasPrefix(got, want) {
		t.Errorf("Reason = %q, want prefix %q", got, want)
	}
}

func TestNewMissingCAFileNamesTheFile(t *testing.T) {
	_, err := New(Options{CAFile: "/nonexistent/ca.pem"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") {
		t.Fatalf("err = %v, want it to name the CA file", err)
	}
}
