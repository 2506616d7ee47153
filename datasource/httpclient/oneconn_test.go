package httpclient_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// connServer is a test server that counts the connections made to it and
// those open now.
type connServer struct {
	*httptest.Server
	mu          sync.Mutex
	dials, open int
	conns       []net.Conn // every connection accepted
}

func newConnServer(t *testing.T, h http.HandlerFunc, tlsOn bool) *connServer {
	t.Helper()
	s := &connServer{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateNew:
			s.conns = append(s.conns, c)
			s.dials++
			s.open++
		case http.StateClosed, http.StateHijacked:
			s.open--
		}
	}
	if tlsOn {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *connServer) counts() (dials, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials, s.open
}

// waitOpen waits (not timed: a close reaches the server a moment later)
// until want connections are open.
func (s *connServer) waitOpen(t *testing.T, want int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, open := s.counts(); open == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", open, want)
		}
	}
}

func oneConnClient(t *testing.T, o httpclient.Options) *http.Client {
	t.Helper()
	o.OneConn = true
	hc, err := httpclient.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// get reads a whole answer and returns its body and the connection
// GotConn reported last.
func get(t *testing.T, hc *http.Client, ctx context.Context, url string) (string, httptrace.GotConnInfo) {
	body, info, _ := getCounting(t, hc, ctx, url)
	return body, info
}

// getCounting is get, with how many connections the request tried.
func getCounting(t *testing.T, hc *http.Client, ctx context.Context, url string) (string, httptrace.GotConnInfo, int) {
	t.Helper()
	var info httptrace.GotConnInfo
	tries := 0
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { info = i; tries++ }})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info, tries
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

// Answers read to their end leave the connection for the next request,
// and GotConn says it is the same one (the events window's identity).
func TestOneConnReusesTheConnection(t *testing.T) {
	srv := newConnServer(t, ok, false)
	hc := oneConnClient(t, httpclient.Options{})
	ctx := context.Background()
	_, first := get(t, hc, ctx, srv.URL)
	for range 3 {
		body, info := get(t, hc, ctx, srv.URL)
		if body != "ok" || !info.Reused || info.Conn != first.Conn {
			t.Fatalf("body %q reused %v same conn %v", body, info.Reused, info.Conn == first.Conn)
		}
	}
	if dials, _ := srv.counts(); dials != 1 {
		t.Errorf("%d dials for 4 requests, want 1", dials)
	}
}

// A kept connection the server closed while it was idle (an engine
// restart) is not used again: a socket is seen closed when taken from the
// slot; a connection that cannot be looked at (ssh's pipes, here a
// wrapped socket) fails when the GET is sent, which is sent once more.
// Either way the answer comes over a new connection, which GotConn
// reports as a new identity (events.go lists again).
func TestOneConnRedialsADeadKeptConnection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dial  func(network, addr string) (net.Conn, error)
		tries int
	}{
		{"socket", nil, 1},
		{"pipes", func(network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			return struct{ net.Conn }{c}, err // hides syscall.Conn
		}, 2},
	} {
		srv := newConnServer(t, ok, false)
		hc := oneConnClient(t, httpclient.Options{Dial: tc.dial})
		ctx := context.Background()
		_, first := get(t, hc, ctx, srv.URL)
		srv.mu.Lock()
		for _, c := range srv.conns {
			c.Close()
		}
		srv.mu.Unlock()
		srv.waitOpen(t, 0)
		body, info, tries := getCounting(t, hc, ctx, srv.URL)
		if body != "ok" {
			t.Fatalf("%s: body %q", tc.name, body)
		}
		if info.Conn == first.Conn || info.Reused || tries != tc.tries {
			t.Errorf("%s: the answer's connection: the dead one %v, reused %v, %d tries (want %d)",
				tc.name, info.Conn == first.Conn, info.Reused, tries, tc.tries)
		}
		if dials, _ := srv.counts(); dials != 2 {
			t.Errorf("%s: %d dials, want 2", tc.name, dials)
		}
	}
}

// Bytes a server sends on an idle connection (a 408 before it closes
// it) are not the answer to the next request.
func TestOneConnUnaskedBytesAreNotAnAnswer(t *testing.T) {
	srv := newConnServer(t, ok, false)
	hc := oneConnClient(t, httpclient.Options{})
	get(t, hc, context.Background(), srv.URL)
	srv.mu.Lock()
	c := srv.conns[0]
	srv.mu.Unlock()
	// After the answer was read whole, not with it; on loopback the
	// bytes are in the client's socket once the write returns.
	if _, err := io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(b) != "ok" {
		t.Errorf("answer %d %q: the stale 408 read as the answer", resp.StatusCode, b)
	}
}

// An answer saying Connection: close is not kept.
func TestOneConnConnectionCloseIsNotKept(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	_, first := get(t, hc, context.Background(), srv.URL)
	_, second, tries := getCounting(t, hc, context.Background(), srv.URL)
	if second.Conn == first.Conn || second.Reused || tries != 1 {
		t.Errorf("a connection the server said it closes was tried again (%d tries)", tries)
	}
	if dials, _ := srv.counts(); dials != 2 {
		t.Errorf("%d dials, want 2", dials)
	}
	srv.waitOpen(t, 0)
}

// Cancelling a request while its answer comes in ends the read at once
// with the context's error, and closes the connection.
func TestOneConnCancelMidAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first part\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, false)
	defer close(release)
	hc := oneConnClient(t, httpclient.Options{Timeout: -1})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "first part\n" {
		t.Fatalf("%q %v", line, err)
	}
	done := make(chan error, 1)
	go func() { _, err := br.ReadString('\n'); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read went on after cancel")
	}
	srv.waitOpen(t, 0)
}

// A deadline that passes before the answer's head ends the request with
// context.DeadlineExceeded (events.go tells a window the engine held open
// by it).
func TestOneConnDeadlineBeforeTheHead(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, false)
	hc := oneConnClient(t, httpclient.Options{Timeout: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := hc.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want context.DeadlineExceeded", err)
	}
	srv.waitOpen(t, 0)
}

// A request while the kept connection is busy dials its own; once both
// are done only one is kept.
func TestOneConnConcurrentRequestsKeepOne(t *testing.T) {
	var arrived sync.WaitGroup
	arrived.Add(2)
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/both" {
			arrived.Done()
			arrived.Wait()
		}
		io.WriteString(w, "ok")
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	get(t, hc, context.Background(), srv.URL) // one kept
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if body, _ := get(t, hc, context.Background(), srv.URL+"/both"); body != "ok" {
				t.Errorf("body %q", body)
			}
		})
	}
	wg.Wait()
	if dials, _ := srv.counts(); dials != 2 {
		t.Errorf("%d dials, want 2 (the kept one and one more)", dials)
	}
	srv.waitOpen(t, 1)
}

// A stream is read as it comes; closed before its end, its connection is
// closed (what is left is not read) and the next request dials anew.
func TestOneConnStream(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/follow" {
			io.WriteString(w, "ok")
			return
		}
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}, false)
	hc := oneConnClient(t, httpclient.Options{Timeout: -1})
	_, first := get(t, hc, context.Background(), srv.URL)
	resp, err := hc.Get(srv.URL + "/follow")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for i := range 5 {
		if !sc.Scan() || sc.Text() != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d: %q %v", i, sc.Text(), sc.Err())
		}
	}
	resp.Body.Close()
	srv.waitOpen(t, 0)
	_, after := get(t, hc, context.Background(), srv.URL)
	if after.Conn == first.Conn {
		t.Error("the stream's connection was kept after an early close")
	}
}

// A mutating request never goes over a kept connection (the server may
// have closed it: a POST is not sent twice), and a read-only client's
// guard still refuses it before anything is sent.
func TestOneConnMutatingRequests(t *testing.T) {
	var posts atomic.Int32
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		io.WriteString(w, "ok")
	}, false)
	ro := oneConnClient(t, httpclient.Options{ReadOnly: true})
	if _, err := ro.Post(srv.URL+"/containers/x/restart", "", nil); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only POST: %v", err)
	}
	if posts.Load() != 0 {
		t.Fatal("a read-only client sent a POST")
	}
	hc := oneConnClient(t, httpclient.Options{})
	_, first := get(t, hc, context.Background(), srv.URL)
	var info httptrace.GotConnInfo
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { info = i }})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/containers/x/restart", strings.NewReader("{}"))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if info.Reused || info.Conn == first.Conn || posts.Load() != 1 {
		t.Errorf("POST reused %v same conn %v posts %d", info.Reused, info.Conn == first.Conn, posts.Load())
	}
}

// A mutating request sent whole whose answer never comes is a lost reply
// (outcome unknown), as over net/http's transport.
func TestOneConnLostReplyOfAPost(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	_, err := hc.Post(srv.URL+"/containers/x/restart", "", nil)
	if !errors.Is(err, httpclient.ErrReplyLost) {
		t.Fatalf("err %v, want ErrReplyLost", err)
	}
}

// https:// engines: the CA file is used, and the connection kept.
func TestOneConnTLS(t *testing.T) {
	srv := newConnServer(t, ok, true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	hc := oneConnClient(t, httpclient.Options{CAFile: ca})
	for range 2 {
		if body, _ := get(t, hc, context.Background(), srv.URL); body != "ok" {
			t.Fatalf("body %q", body)
		}
	}
	if dials, _ := srv.counts(); dials != 1 {
		t.Errorf("%d dials, want 1", dials)
	}
	untrusted := oneConnClient(t, httpclient.Options{})
	var ua x509.UnknownAuthorityError
	if _, err := untrusted.Get(srv.URL); !errors.As(err, &ua) {
		t.Errorf("without the CA: %v, want an unknown authority", err)
	}
}

// A unix socket (Options.Dial), as a local engine is reached.
func TestOneConnDial(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(ok)}
	go srv.Serve(ln)
	defer srv.Close()
	var dials atomic.Int32
	hc := oneConnClient(t, httpclient.Options{Dial: func(_, _ string) (net.Conn, error) {
		dials.Add(1)
		return net.Dial("unix", sock)
	}})
	for range 3 {
		if body, _ := get(t, hc, context.Background(), "http://docker/version"); body != "ok" {
			t.Fatalf("body %q", body)
		}
	}
	if dials.Load() != 1 {
		t.Errorf("%d dials, want 1", dials.Load())
	}
}

// settledGoroutines is the goroutine count once it stops changing (ones
// of earlier tests ending, a close reaching the server).
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

// Idle clients hold no goroutine: 20 clients, each with its connection
// kept (the server sees 20 open, one goroutine each on its side), add no
// more goroutines than the server's; net/http's transport, as a check of
// the count, adds its two per connection.
func TestOneConnIdleHoldsNoGoroutine(t *testing.T) {
	const n = 20
	for _, one := range []bool{true, false} {
		srv := newConnServer(t, ok, false)
		base := settledGoroutines()
		var clients []*http.Client
		for range n {
			hc, err := httpclient.New(httpclient.Options{OneConn: one, MaxIdlePerHost: 1})
			if err != nil {
				t.Fatal(err)
			}
			get(t, hc, context.Background(), srv.URL)
			clients = append(clients, hc)
		}
		srv.waitOpen(t, n)
		got := settledGoroutines() - base
		t.Logf("OneConn %v: %d goroutines more with %d idle clients", one, got, n)
		if one && got > n || !one && got < 3*n {
			t.Errorf("OneConn %v: %d more goroutines with %d idle clients (the server's side: %d)", one, got, n, n)
		}
		for _, hc := range clients {
			hc.CloseIdleConnections()
		}
		srv.waitOpen(t, 0)
		srv.Close()
	}
}

// 1xx answers before the real one are skipped.
func TestOneConnSkips1xx(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "ok")
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(b) != "ok" {
		t.Errorf("answer %d %q, want 200 \"ok\" past the 103", resp.StatusCode, b)
	}
}

// A 101 nobody asked for is an error, and its connection is not kept
// (nothing of ours switches protocols: no hand-over of the connection).
func TestOneConnRefusesASwitchOfProtocols(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		bw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		bw.Flush()
		io.Copy(io.Discard, conn) // until the client closes it
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	resp, err := hc.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a 101 answer taken: %d", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "101") {
		t.Errorf("error %q does not say the server switched protocols", err)
	}
}

// Answers without a body (HEAD, 204) free the connection at once: the
// next request goes over the same one.
func TestOneConnNoBodyKeepsTheConnection(t *testing.T) {
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/none" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, "ok")
	}, false)
	hc := oneConnClient(t, httpclient.Options{})
	for _, first := range []struct{ method, path string }{{http.MethodHead, "/"}, {http.MethodGet, "/none"}} {
		req, _ := http.NewRequest(first.method, srv.URL+first.path, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // nothing read: the answer had no body
		dials0, _ := srv.counts()
		if body, info := get(t, hc, context.Background(), srv.URL); body != "ok" || !info.Reused {
			t.Errorf("after %s %s: %q reused %v, want the same connection", first.method, first.path, body, info.Reused)
		}
		if dials, _ := srv.counts(); dials != dials0 {
			t.Errorf("after %s %s: %d dials, want %d", first.method, first.path, dials, dials0)
		}
	}
}

// The idle timeout closes a kept connection nobody uses.
func TestOneConnIdleTimeoutClosesTheConnection(t *testing.T) {
	srv := newConnServer(t, ok, false)
	hc := oneConnClient(t, httpclient.Options{IdleTimeout: 20 * time.Millisecond})
	get(t, hc, context.Background(), srv.URL)
	srv.waitOpen(t, 0) // polls: the timer's close reaches the server
	if _, info := get(t, hc, context.Background(), srv.URL); info.Reused {
		t.Error("the next request reused the connection the idle timeout closed")
	}
}
