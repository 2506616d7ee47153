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
// a tuned http.Transport.
func New(o Options) (*http.Client, error) {
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
	tr.ResponseHeaderTimeout = 30 * time.Second
	if o.CAFile != "" || o.Insecure {
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
		tr.TLSClientConfig = tc
	}
	if o.Dial != nil {
		d := o.Dial
		tr.DialContext = nil
		tr.Dial = d //nolint:staticcheck // custom dialers (unix, ssh) have no context
	}
	var rt http.RoundTripper = tr
	if o.OneConn {
		rt = newOneConn(o, tr)
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
// is copied unchanged) when hc was not built by New without auth headers.
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

// newOneConn is Options.OneConn's transport, with tr's TLS, dial,
// buffers and timeouts; tr itself sends what a proxy from the
// environment must carry (TCP dials only: unix and ssh are never proxied).
func newOneConn(o Options, tr *http.Transport) *oneConn {
	t := &oneConn{tls: tr.TLSClientConfig, bufSize: cmp.Or(o.BufferSize, 4096), idleTimeout: tr.IdleConnTimeout,
		headerTimeout: tr.ResponseHeaderTimeout, maxHeader: defaultMaxHeader}
	if o.Dial != nil {
		d := o.Dial
		t.dial = func(_ context.Context, addr string) (net.Conn, error) { return d("tcp", addr) }
		return t
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second} // http.DefaultTransport's
	t.dial = func(ctx context.Context, addr string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", addr) }
	t.proxied = tr
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
