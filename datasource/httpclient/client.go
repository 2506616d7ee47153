package httpclient

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Options describe one backend endpoint's client. Secrets in here are never
// logged: String() redacts them.
type Options struct {
	ReadOnly bool
	CAFile   string
	// Insecure skips TLS verification; only set when the user wrote it.
	Insecure bool
	Headers  map[string]string // e.g. X-Scope-OrgID
	Username string            // basic auth
	Password string
	Bearer   string
	Timeout  time.Duration // whole-request timeout; 0 means 30s; <0 none (streams)
	// Dial, when set, replaces the TCP dialer (unix sockets, ssh dial-stdio).
	Dial func(network, addr string) (net.Conn, error)
	// DialContext, when set, replaces the TCP dialer with one that
	// gives up when the request's context ends (before Dial).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxResponse caps every response body (bytes); 0 means
	// DefaultMaxResponse, <0 no limit. Requests marked Unlimited (streams)
	// are not cut.
	MaxResponse int64
	// Pacer, when set, backs reads off a backend that slows down (pace.go).
	Pacer *Pacer
	// Share, when set, answers identical GETs of several sessions once
	// (share.go: `stackpit serve`).
	Share *Share
	// MaxIdlePerHost is how many idle connections are kept (0: 8).
	MaxIdlePerHost int
	// IdleTimeout is how long an idle connection is kept (0: Go's 90 s).
	IdleTimeout time.Duration
	// BufferSize sizes each connection's read and write buffers (0: Go's
	// 4 KiB each): a client of small answers kept open to many hosts.
	BufferSize int
	// OneConn replaces net/http's connection pool with one kept
	// connection that runs no goroutine while idle (oneconn.go): a client
	// per server of many (a Docker engine per host). MaxIdlePerHost is 1
	// then; the guard and every wrapper stay in front of it.
	OneConn bool
}

func (o Options) String() string {
	return fmt.Sprintf("readonly=%v ca=%q insecure=%v headers=%d basic=%v bearer=%v",
		o.ReadOnly, o.CAFile, o.Insecure, len(o.Headers), o.Username != "", o.Bearer != "")
}

// New returns a client whose transport is Guard -> auth/header injection ->
// a tuned http.Transport (or OneConn's).
func New(o Options) (*http.Client, error) {
	tc, err := tlsConfig(o)
	if err != nil {
		return nil, err
	}
	var rt http.RoundTripper
	if o.OneConn {
		rt = newOneConn(o, tc)
	} else {
		rt = tunedTransport(o, tc)
	}
	if len(o.Headers) > 0 || o.Username != "" || o.Bearer != "" {
		rt = &authTransport{base: rt, o: o}
	}
	if o.Pacer != nil {
		rt = o.Pacer.Wrap(rt)
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if timeout < 0 {
		timeout = 0
	}
	if o.MaxResponse >= 0 {
		rt = &limitTransport{base: rt, max: cmp.Or(o.MaxResponse, DefaultMaxResponse)}
	}
	if o.Share != nil {
		rt = o.Share.Wrap(rt) // above the limit: it only holds bounded bodies
	}
	// The whole-request timeout lives in the Guard, not in http.Client:
	// the client's own timeout replaces the error with a string, and a
	// lost reply (errors.Is ErrReplyLost) must stay recognisable.
	return &http.Client{Transport: &Guard{Base: rt, ReadOnly: o.ReadOnly, Timeout: timeout}}, nil
}

// WithTLS returns a copy of hc (built by New) whose connections use tc,
// keeping the guard and the response limit in front. ok is false (and hc
// is copied unchanged) when hc was not built by New without auth headers,
// or was built with OneConn.
func WithTLS(hc *http.Client, tc *tls.Config) (_ *http.Client, ok bool) {
	cp := *hc
	g, isGuard := hc.Transport.(*Guard)
	if !isGuard {
		return &cp, false
	}
	base := g.Base
	lt, limited := base.(*limitTransport)
	if limited {
		base = lt.base
	}
	tr, isTr := base.(*http.Transport)
	if !isTr {
		return &cp, false
	}
	t2 := tr.Clone()
	t2.TLSClientConfig = tc.Clone()
	var rt http.RoundTripper = t2
	if limited {
		rt = &limitTransport{base: t2, max: lt.max}
	}
	cp.Transport = &Guard{Base: rt, ReadOnly: g.ReadOnly, Timeout: g.Timeout}
	return &cp, true
}

// responseHeaderTimeout bounds the wait for an answer's head.
const responseHeaderTimeout = 30 * time.Second

// tlsConfig is the TLS configuration of o's CA file and insecure option
// (nil: Go's defaults).
func tlsConfig(o Options) (*tls.Config, error) {
	if o.CAFile == "" && !o.Insecure {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.Insecure} //nolint:gosec // explicit user opt-in
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// tunedTransport is net/http's Transport as o asks for it.
func tunedTransport(o Options, tc *tls.Config) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	if o.MaxIdlePerHost > 0 {
		tr.MaxIdleConnsPerHost = o.MaxIdlePerHost
	}
	if o.IdleTimeout > 0 {
		tr.IdleConnTimeout = o.IdleTimeout
	}
	if o.BufferSize > 0 {
		tr.ReadBufferSize, tr.WriteBufferSize = o.BufferSize, o.BufferSize
	}
	tr.ResponseHeaderTimeout = responseHeaderTimeout
	tr.TLSClientConfig = tc
	switch {
	case o.DialContext != nil:
		tr.DialContext = o.DialContext
	case o.Dial != nil:
		d := o.Dial
		tr.DialContext = nil
		tr.Dial = d //nolint:staticcheck // custom dialers (unix, ssh) have no context
	}
	return tr
}

// newOneConn is Options.OneConn's transport, with the TLS, dial, buffers
// and timeouts a tuned http.Transport would have; such a Transport sends
// what a proxy from the environment must carry (TCP dials only: unix and
// ssh are never proxied). Made up front: made at its first need instead
// saved ~0.17 MB of heap at 1,000 tcp hosts, not worth a type of its own.
func newOneConn(o Options, tc *tls.Config) *oneConn {
	t := &oneConn{tls: tc, bufSize: cmp.Or(o.BufferSize, 4096),
		idleTimeout:   cmp.Or(o.IdleTimeout, http.DefaultTransport.(*http.Transport).IdleConnTimeout),
		headerTimeout: responseHeaderTimeout, maxHeader: defaultMaxHeader}
	switch {
	case o.DialContext != nil:
		d := o.DialContext
		t.dial = func(ctx context.Context, addr string) (net.Conn, error) { return d(ctx, "tcp", addr) }
		return t
	case o.Dial != nil:
		d := o.Dial
		t.dial = func(_ context.Context, addr string) (net.Conn, error) { return d("tcp", addr) }
		return t
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second} // http.DefaultTransport's
	t.dial = func(ctx context.Context, addr string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", addr) }
	t.proxied = tunedTransport(o, tc)
	return t
}

type authTransport struct {
	base http.RoundTripper
	o    Options
}

func (a *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	for k, v := range a.o.Headers {
		r.Header.Set(k, v)
	}
	switch {
	case a.o.Bearer != "":
		r.Header.Set("Authorization", "Bearer "+a.o.Bearer)
	case a.o.Username != "":
		r.SetBasicAuth(a.o.Username, a.o.Password)
	}
	return a.base.RoundTrip(r)
}

// Transport is the *http.Transport at the bottom of a client built by New
// (nil when there is none): for tests and TLS checks.
func Transport(hc *http.Client) *http.Transport {
	rt := hc.Transport
	for {
		switch t := rt.(type) {
		case *Guard:
			rt = t.Base
		case *limitTransport:
			rt = t.base
		case *authTransport:
			rt = t.base
		case *http.Transport:
			return t
		default:
			return nil
		}
	}
}
