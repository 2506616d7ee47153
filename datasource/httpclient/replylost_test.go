package httpclient

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dropAfterReading reads the whole request, counts it, then closes the
// connection without answering: the server did it, the reply is lost.
func dropAfterReading(got *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		got.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

func newTestClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	c, err := New(Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLostReplyToAMutatingRequestIsUnknown(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(dropAfterReading(&got))
	defer srv.Close()
	c := newTestClient(t, 5*time.Second)
	resp, err := c.Post(srv.URL+"/v2.1/servers/x/action", "application/json", strings.NewReader(`{"reboot":{"type":"SOFT"}}`))
	if resp != nil {
		resp.Body.Close()
	}
	var rl *ReplyLostError
	if !errors.Is(err, ErrReplyLost) || !errors.As(err, &rl) || got.Load() != 1 {
		t.Fatalf("err %v (server saw %d requests)", err, got.Load())
	}
	if !strings.Contains(Reason(err), "request sent, reply lost (outcome unknown)") {
		t.Fatalf("reason %q", Reason(err))
	}
	// A read whose reply is lost is just a failed read.
	resp, err = c.Get(srv.URL + "/v2.1/servers/detail")
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil || errors.Is(err, ErrReplyLost) {
		t.Fatalf("GET: %v", err)
	}
}

func TestTimeoutAfterSendingIsUnknown(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, 200*time.Millisecond)
	resp, err := c.Post(srv.URL+"/v2.1/os-services/disable", "application/json", strings.NewReader(`{}`))
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, ErrReplyLost) {
		t.Fatalf("err %v", err)
	}
}

// Never sent: nothing listening. That failed for sure.
func TestRefusedBeforeSendingIsNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, 2*time.Second)
	resp, err := c.Post("http://"+addr+"/v2.1/servers/x/action", "application/json", strings.NewReader(`{}`))
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil || errors.Is(err, ErrReplyLost) {
		t.Fatalf("refused connection classified as reply lost: %v", err)
	}
}

func TestGatewayStatuses(t *testing.T) {
	status := atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte("<html><body><h1>gateway</h1></body></html>"))
	}))
	defer srv.Close()
	c := newTestClient(t, 2*time.Second)
	for code, lost := range map[int]bool{502: true, 504: true, 503: false, 500: false} {
		status.Store(int32(code))
		resp, err := c.Post(srv.URL+"/v2.1/servers/x/action", "application/json", strings.NewReader(`{}`))
		if lost {
			if !errors.Is(err, ErrReplyLost) || !strings.Contains(err.Error(), "gateway answered HTTP") {
				t.Errorf("%d: %v", code, err)
			}
			continue
		}
		if err != nil || resp.StatusCode != code {
			t.Errorf("%d: %v", code, err)
		}
		resp.Body.Close()
		// A GET through the same gateway keeps its status for the caller.
	}
	status.Store(504)
	resp, err := c.Get(srv.URL + "/v2.1/servers/detail")
	if err != nil || resp.StatusCode != 504 {
		t.Fatalf("GET 504: %v", err)
	}
	resp.Body.Close()
}
