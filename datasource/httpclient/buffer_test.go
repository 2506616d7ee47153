package httpclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BufferSize sizes a connection's buffers (docker: one connection kept to
// each of 1,000 hosts held 8 KiB of buffers each); unset, Go's own.
func TestBufferSize(t *testing.T) {
	transport := func(o Options) *http.Transport {
		hc, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		rt := hc.Transport.(*Guard).Base
		if lt, ok := rt.(*limitTransport); ok {
			rt = lt.base
		}
		return rt.(*http.Transport)
	}
	if tr := transport(Options{BufferSize: 1024}); tr.ReadBufferSize != 1024 || tr.WriteBufferSize != 1024 {
		t.Errorf("buffers %d/%d, want 1024/1024", tr.ReadBufferSize, tr.WriteBufferSize)
	}
	if tr := transport(Options{}); tr.ReadBufferSize != 0 || tr.WriteBufferSize != 0 {
		t.Errorf("buffers %d/%d unset, want Go's (0)", tr.ReadBufferSize, tr.WriteBufferSize)
	}
}

// Small buffers still read an answer whose header lines and body are
// longer than them (the reader gathers a line over several fills), and a
// long request header goes out whole.
func TestSmallBuffersLongHeaders(t *testing.T) {
	long := strings.Repeat("x", 16<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Long", long)
		w.Header().Set("X-Echo", strconv.Itoa(len(r.Header.Get("X-Sent"))))
		_, _ = io.WriteString(w, long+long)
	}))
	defer srv.Close()
	hc, err := New(Options{BufferSize: 1024, Headers: map[string]string{"X-Sent": long}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second on the kept connection
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Long") != long || len(body) != 2*len(long) {
			t.Fatalf("status %d, header %d bytes, body %d, %v", resp.StatusCode, len(resp.Header.Get("X-Long")), len(body), err)
		}
		if got := resp.Header.Get("X-Echo"); got != strconv.Itoa(len(long)) {
			t.Fatalf("the server got a header of %s bytes, want %d", got, len(long))
		}
	}
}
