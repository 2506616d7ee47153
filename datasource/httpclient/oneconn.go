package httpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// oneConn is the transport of Options.OneConn: HTTP/1.1 over at most one
// kept connection, with nothing running while it is idle. net/http's
// Transport runs a read loop and a write loop (two goroutines, their
// stacks and buffers) for every kept connection: a client per Docker
// engine at 1,000 hosts kept ~2,300 goroutines, ~14 MB (issue 15).
//
// What it keeps of net/http's Transport: one idle connection (a request
// while it is busy dials its own, kept only if the slot is free again);
// a kept connection found dead at its next use (no answer byte) is
// redialled once for a request that may be sent twice (GET, HEAD,
// OPTIONS without a body); a body closed before its end, an answer with
// Connection: close, bytes after an answer, or any error closes the
// connection; the context's cancel and deadline close it (context.AfterFunc); a header size
// limit and a response-header timeout; 1xx answers skipped; the httptrace
// hooks GotConn and WroteRequest.
//
// What it does not copy: HTTP/2, gzip (the answer is read as sent),
// Expect: 100-continue, a 101's hand-over of the connection (an error:
// nothing of ours switches protocols), proxies (New sends requests the environment
// proxies through a net/http Transport), and the read loop's early
// notice of a connection the server closed while idle, or sent
// something unasked on (a look at a plain socket when it is taken again
// finds both, stillIdle; under TLS, bytes crypto/tls read ahead with the
// last answer are not seen; ssh's pipes: its request fails, and is sent
// again if it may be). A mutating request is never sent on a kept connection: it
// dials its own, so a connection the server closed while idle can never
// swallow it (net/http tells those apart by its read loop having seen
// the close; here nothing watches an idle connection).
type oneConn struct {
	// dial opens the raw connection (TCP, a unix socket, ssh).
	dial func(ctx context.Context, addr string) (net.Conn, error)
	tls  *tls.Config // https:// (nil: Go's defaults)
	// proxied sends the requests the environment proxies (nil: none).
	proxied       http.RoundTripper
	bufSize       int
	idleTimeout   time.Duration // 0: kept until used or closed
	headerTimeout time.Duration // 0: none
	maxHeader     int64

	mu   sync.Mutex
	idle *keptConn
}

// keptConn is a connection and what the slot keeps beside it.
type keptConn struct {
	net.Conn
	raw       net.Conn // under TLS: the socket stillIdle looks at
	idleSince time.Time
	timer     *time.Timer // closes it once idle too long (a timer, not a goroutine)
}

const defaultMaxHeader = 1 << 20

// tlsHandshakeTimeout bounds a TLS handshake (net/http's 10 s): a docker
// client has no whole-request timeout, and a port that never finishes
// TLS would hold a logs view forever. A var: tests shorten it.
var tlsHandshakeTimeout = 10 * time.Second

var errTLSHandshakeTimeout = timeoutError{"net/http: TLS handshake timeout"}

func (t *oneConn) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.proxied != nil {
		if u, err := http.ProxyFromEnvironment(req); err != nil || u != nil {
			return t.proxied.RoundTrip(req)
		}
	}
	if req.URL == nil || req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		closeReqBody(req)
		return nil, fmt.Errorf("unsupported protocol scheme in %v", req.URL)
	}
	// Only a request that may be sent twice goes over a kept connection:
	// it alone can be sent again when that connection was dead.
	reuse := (req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions) &&
		(req.Body == nil || req.Body == http.NoBody)
	for {
		kc, reused, err := t.conn(req, reuse)
		if err != nil {
			closeReqBody(req)
			return nil, err
		}
		resp, dead, err := t.exchange(req, kc, reused)
		if err == nil {
			return resp, nil
		}
		if dead && reused && req.Context().Err() == nil {
			// The kept connection had died while idle (an engine restart,
			// a peer's idle timeout): once more on a new one, which
			// GotConn reports (a new identity: events.go lists again).
			reuse = false
			continue
		}
		closeReqBody(req)
		return nil, err
	}
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// conn takes the idle connection (reuse) or dials one.
func (t *oneConn) conn(req *http.Request, reuse bool) (kc *keptConn, reused bool, err error) {
	if reuse {
		t.mu.Lock()
		kc, t.idle = t.idle, nil
		t.mu.Unlock()
		if kc != nil {
			if kc.timer != nil {
				kc.timer.Stop() // one that fired finds the slot no longer holds kc
			}
			if stillIdle(kc.raw) {
				return kc, true, nil
			}
			kc.Close() // dialled anew below: a new identity (GotConn)
		}
	}
	ctx := req.Context()
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
	}
	c, err := t.dial(ctx, net.JoinHostPort(host, port))
	if err != nil {
		return nil, false, err
	}
	raw := c
	if req.URL.Scheme == "https" {
		cfg := t.tls
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(c, cfg)
		hctx, cancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
		err := tc.HandshakeContext(hctx)
		late := hctx.Err() != nil && ctx.Err() == nil // our limit, not the caller's
		cancel()
		if err != nil {
			c.Close()
			if late {
				err = errTLSHandshakeTimeout
			}
			return nil, false, err
		}
		c = tc
	}
	return &keptConn{Conn: c, raw: raw}, false, nil
}

// exchange writes req on kc and reads the answer's head. dead: kc failed
// before any byte of an answer (a kept connection the server had closed).
func (t *oneConn) exchange(req *http.Request, kc *keptConn, reused bool) (_ *http.Response, dead bool, _ error) {
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GotConn != nil {
		info := httptrace.GotConnInfo{Conn: kc.Conn, Reused: reused, WasIdle: reused}
		if reused {
			info.IdleTime = time.Since(kc.idleSince)
		}
		trace.GotConn(info)
	}
	// Cancel and deadline close the connection (a read blocked on it
	// returns, and the context's error says why); stop reports whether
	// that happened. Not SetDeadline: ssh's pipes ignore it, and a read
	// timing out on it can come before the context says it is done (an
	// "i/o timeout" where events.go looks for DeadlineExceeded).
	stop := context.AfterFunc(ctx, func() { kc.Close() })
	fail := func(err error, dead bool) (*http.Response, bool, error) {
		stop()
		kc.Close()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		return nil, dead, err
	}
	bw := bufio.NewWriterSize(kc, t.bufSize)
	err := req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
	if err != nil {
		return fail(err, true)
	}
	var headerLate atomic.Bool
	var headerTimer *time.Timer
	if t.headerTimeout > 0 {
		headerTimer = time.AfterFunc(t.headerTimeout, func() { headerLate.Store(true); kc.Close() })
		defer headerTimer.Stop()
	}
	lim := &headLimit{r: kc, left: t.maxHeader}
	br := bufio.NewReaderSize(lim, t.bufSize)
	if _, err := br.Peek(1); err != nil {
		if headerLate.Load() {
			return fail(errHeaderTimeout, false)
		}
		return fail(err, true)
	}
	var resp *http.Response
	for range 10 { // 1xx answers come before the real one
		resp, err = http.ReadResponse(br, req)
		if err != nil || resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if headerTimer != nil && !headerTimer.Stop() {
		headerLate.Store(true) // it fired (or is firing): the connection is closed
	}
	switch {
	case headerLate.Load():
		return fail(errHeaderTimeout, false)
	case lim.left <= 0:
		return fail(fmt.Errorf("server response headers exceeded %d bytes", t.maxHeader), false)
	case err != nil:
		return fail(err, false)
	case resp.StatusCode == http.StatusSwitchingProtocols:
		// Nothing of ours asks to switch protocols (no attach, no exec):
		// an answer that does is not one this client can read.
		return fail(errors.New("server switched protocols (101), which this client does not ask for"), false)
	case resp.StatusCode >= 100 && resp.StatusCode <= 199:
		return fail(errors.New("too many 1xx informational responses"), false)
	}
	lim.left = -1 // the body is not a header: no limit here (limit.go's is above)
	b := &keptBody{t: t, ctx: ctx, kc: kc, br: br, body: resp.Body, stop: stop, keep: !resp.Close}
	if resp.Body == http.NoBody {
		b.finish(true) // nothing to read: the connection is free now
	} else {
		resp.Body = b
	}
	return resp, false, nil
}

var errHeaderTimeout = timeoutError{"timeout awaiting response headers"}

// timeoutError is a net.Error whose Timeout is true (Reason: "no answer in
// time").
type timeoutError struct{ s string }

func (e timeoutError) Error() string   { return e.s }
func (e timeoutError) Timeout() bool   { return true }
func (e timeoutError) Temporary() bool { return true }

// headLimit ends a head longer than left bytes (a server that sends
// headers forever); left < 0: no limit (the body).
type headLimit struct {
	r    io.Reader
	left int64
}

func (l *headLimit) Read(p []byte) (int, error) {
	if l.left < 0 {
		return l.r.Read(p)
	}
	if l.left == 0 {
		return 0, errors.New("response headers too long")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// keptBody is an answer's body: read to its end, it frees the connection
// for the next request; closed before, or failed, it closes it.
type keptBody struct {
	t    *oneConn
	ctx  context.Context
	kc   *keptConn
	br   *bufio.Reader
	body io.ReadCloser // http.ReadResponse's framing (never closed: it would drain)
	stop func() bool
	keep bool // the answer did not say Connection: close

	once sync.Once
	mu   sync.Mutex // Read against Read
}

func (b *keptBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.body.Read(p)
	b.mu.Unlock()
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		if ctxErr := b.ctxErr(); ctxErr != nil {
			err = ctxErr
		}
	}
	return n, err
}

// ctxErr is the request's context error once it ended (a read cut by
// cancel says so, not "use of closed connection").
func (b *keptBody) ctxErr() error { return b.ctx.Err() }

// Close before the end closes the connection (a stream, a cut answer):
// what is left is not read.
func (b *keptBody) Close() error {
	b.finish(false)
	return nil
}

// finish frees or closes the connection, once.
func (b *keptBody) finish(atEnd bool) {
	b.once.Do(func() {
		cancelled := !b.stop()
		if !atEnd || !b.keep || cancelled || b.br.Buffered() > 0 {
			b.kc.Close()
			return
		}
		b.t.put(b.kc)
	})
}

// put keeps kc idle when the slot is free, and closes it otherwise.
func (t *oneConn) put(kc *keptConn) {
	t.mu.Lock()
	if t.idle != nil {
		t.mu.Unlock()
		// Closed outside the lock: ssh's Close kills and waits for a
		// process, TLS's sends close_notify.
		kc.Close()
		return
	}
	t.idle, kc.idleSince = kc, time.Now()
	if t.idleTimeout > 0 {
		since := kc.idleSince
		kc.timer = time.AfterFunc(t.idleTimeout, func() { t.idleExpired(kc, since) })
	}
	t.mu.Unlock()
}

// idleExpired closes kc when the slot still holds it, idle since since:
// a timer whose func had not taken the lock yet while kc was taken, used
// and put back must not close it (Stop cannot stop a func under way).
func (t *oneConn) idleExpired(kc *keptConn, since time.Time) {
	t.mu.Lock()
	mine := t.idle == kc && kc.idleSince.Equal(since)
	if mine {
		t.idle = nil
	}
	t.mu.Unlock()
	if mine {
		kc.Close()
	}
}

// CloseIdleConnections closes the kept connection (http.Client's method).
func (t *oneConn) CloseIdleConnections() {
	t.mu.Lock()
	kc := t.idle
	t.idle = nil
	t.mu.Unlock()
	if kc != nil {
		if kc.timer != nil {
			kc.timer.Stop()
		}
		kc.Close()
	}
	if t.proxied != nil {
		closeIdle(t.proxied)
	}
}
