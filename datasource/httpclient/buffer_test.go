package httpclient

import (
	"net/http"
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
