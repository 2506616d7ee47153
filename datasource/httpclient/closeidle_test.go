package httpclient

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// http.Client.CloseIdleConnections calls only its direct Transport's
// method: every wrapper New stacks must pass it down to OneConn's.
func TestCloseIdleReachesOneConn(t *testing.T) {
	var open atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	for _, o := range []Options{
		{OneConn: true},
		{OneConn: true, Bearer: "x", Pacer: NewPacer(), Share: NewShare(time.Second)},
	} {
		hc, _ := New(o)
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		hc.CloseIdleConnections()
		for deadline := time.Now().Add(2 * time.Second); open.Load() != 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%v: %d connections still open after hc.CloseIdleConnections()", o, open.Load())
			}
		}
	}
}
