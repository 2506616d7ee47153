package httpclient_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// IdleTimeout closes a connection idle longer than it: the next request
// dials again (ssh transports: an idle connection is a process). Without
// it, Go's 90 s keeps the connection.
func TestIdleTimeoutClosesIdleConnections(t *testing.T) {
	var dials atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	get := func(hc *http.Client) {
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, tc := range []struct {
		idle  time.Duration
		dials int32
	}{{0, 1}, {50 * time.Millisecond, 2}} {
		dials.Store(0)
		hc, err := httpclient.New(httpclient.Options{IdleTimeout: tc.idle})
		if err != nil {
			t.Fatal(err)
		}
		get(hc)
		time.Sleep(300 * time.Millisecond)
		get(hc)
		if got := dials.Load(); got != tc.dials {
			t.Errorf("idle timeout %v: %d connections, want %d", tc.idle, got, tc.dials)
		}
	}
}
