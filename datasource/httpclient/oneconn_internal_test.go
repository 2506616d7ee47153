package httpclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// short sets *v to d for the test.
func short(t *testing.T, v *time.Duration, d time.Duration) {
	old := *v
	*v = d
	t.Cleanup(func() { *v = old })
}

// silentListener accepts connections and never writes on them; they
// close with the listener.
func silentListener(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// A port that never finishes TLS fails in time, even for a client
// without a whole-request timeout (docker's: Timeout -1).
func TestOneConnTLSHandshakeTimeout(t *testing.T) {
	short(t, &tlsHandshakeTimeout, 100*time.Millisecond)
	addr := silentListener(t)
	hc, _ := New(Options{OneConn: true, Timeout: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/", nil)
	_, err := hc.Do(req)
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "TLS handshake timeout") {
		t.Fatalf("err %v, want a timeout saying TLS handshake timeout", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the caller's context ran out first: the handshake had no limit of its own")
	}
}

// Options.DialContext gets the request's context: a dial that hangs
// (a unix socket's listener stuck) ends with the request.
func TestOneConnDialHonoursTheContext(t *testing.T) {
	for _, one := range []bool{true, false} {
		hc, _ := New(Options{OneConn: one, Timeout: -1, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
		done := make(chan error, 1)
		go func() {
			_, err := hc.Do(req)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("OneConn %v: err %v, want the context's deadline", one, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("OneConn %v: the dial did not end with the request's context", one)
		}
		cancel()
	}
}

// oneConnOf is the oneConn under a client New built with MaxResponse -1.
func oneConnOf(t *testing.T, hc *http.Client) *oneConn {
	t.Helper()
	oc, ok := hc.Transport.(*Guard).Base.(*oneConn)
	if !ok {
		t.Fatalf("no oneConn under %T", hc.Transport.(*Guard).Base)
	}
	return oc
}

func getOK(t *testing.T, hc *http.Client, url string) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// An idle timer of an earlier idle spell, firing late (its func not yet
// holding the lock while the connection was taken, used and put back),
// leaves the connection of the new spell alone.
func TestOneConnLateIdleTimerOfAnEarlierSpell(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	hc, _ := New(Options{OneConn: true, MaxResponse: -1, Timeout: -1})
	oc := oneConnOf(t, hc)
	getOK(t, hc, srv.URL)
	oc.mu.Lock()
	kc, since := oc.idle, oc.idle.idleSince
	oc.mu.Unlock()
	getOK(t, hc, srv.URL) // takes kc, puts it back: a new spell
	oc.mu.Lock()
	again := oc.idle == kc
	oc.mu.Unlock()
	if !again {
		t.Fatal("setup: the second request did not keep the same connection")
	}
	oc.idleExpired(kc, since) // the first spell's timer, late
	oc.mu.Lock()
	kept := oc.idle == kc
	oc.mu.Unlock()
	if !kept {
		t.Fatal("a late timer of an earlier idle spell took the connection out of the slot")
	}
}

// lockProbeConn records, on Close, whether t.mu was held.
type lockProbeConn struct {
	net.Conn
	t         *oneConn
	closed    bool
	underLock bool
}

func (c *lockProbeConn) Close() error {
	c.closed = true
	if c.t.mu.TryLock() {
		c.t.mu.Unlock()
	} else {
		c.underLock = true
	}
	return nil
}

// A surplus connection put back while the slot is full is closed after
// the lock is let go: ssh's Close kills and waits for a process, TLS's
// sends close_notify; no other request waits on that.
func TestOneConnPutClosesTheSurplusOutsideTheLock(t *testing.T) {
	oc := &oneConn{}
	oc.idle = &keptConn{}
	c := &lockProbeConn{t: oc}
	oc.put(&keptConn{Conn: c})
	if !c.closed {
		t.Fatal("the surplus connection was not closed")
	}
	if c.underLock {
		t.Fatal("the surplus connection was closed holding the slot's lock")
	}
}

// A server that takes the request and never answers fails it with a
// timeout once the response-header timeout passes.
func TestOneConnResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	hc, _ := New(Options{OneConn: true, MaxResponse: -1, Timeout: -1})
	oneConnOf(t, hc).headerTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := hc.Do(req)
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err %v, want the response-header timeout", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the caller's context ran out first")
	}
}

// A head longer than the limit fails the request.
func TestOneConnHeaderSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("x", 4096))
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	hc, _ := New(Options{OneConn: true, MaxResponse: -1, Timeout: -1})
	oneConnOf(t, hc).maxHeader = 1024
	resp, err := hc.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a 4 KiB head passed a 1 KiB limit")
	}
	if !strings.Contains(err.Error(), "exceeded 1024 bytes") {
		t.Errorf("err %v, want the header size limit", err)
	}
}
