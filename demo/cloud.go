// Package demo is the built-in simulated cloud behind `stackpit --demo`: one
// in-process HTTP server per backend on 127.0.0.1 (random ports), speaking
// the real wire APIs the datasources use (Keystone, Nova, Neutron, Cinder,
// Placement, Prometheus, Alertmanager, Loki, Ceph dashboard, Docker), all
// driven by one Story. It is also the test double for view and datasource
// tests, and it records every request so tests can prove that a read-only
// session sent nothing that mutates.
package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Service is one simulated backend. Each backend's file registers itself.
type Service struct {
	Name string // "nova", "prometheus", ...
	// CatalogType and CatalogPath put it in Keystone's catalog
	// ("compute", "/v2.1"); empty for non-OpenStack services.
	CatalogType, CatalogPath string
	// Handler builds the HTTP handler. Optional when Start is set.
	Handler func(c *Cloud) http.Handler
	// Start, when set, replaces the default single listener (e.g. one
	// Docker endpoint per host). It should use c.Listen.
	Start func(c *Cloud) error
	// Configure fills the cockpit's config for this backend.
	Configure func(c *Cloud, cfg *config.Cloud)
	// Order sorts start-up (lower first); Keystone is 0.
	Order int
}

var (
	regMu    sync.Mutex
	services []Service
)

// Register adds a simulated backend; call from init.
func Register(s Service) {
	regMu.Lock()
	defer regMu.Unlock()
	services = append(services, s)
}

// Cloud is a running simulated cloud.
type Cloud struct {
	Story *Story
	// URLs maps a service name to its base URL (http://127.0.0.1:port).
	URLs map[string]string
	// Admin credentials the demo accepts.
	Username, Password, Project string

	mu              sync.Mutex
	servers         []*http.Server
	listeners       []net.Listener // raw TCP services (HAProxy runtime API, memcached)
	requests        []Request
	tokens          map[string]tokenInfo
	hold            chan struct{} // non-nil: requests wait until it closes
	drop            func(Request) bool
	refusePasswords bool                     // RefusePasswords
	bytes           map[string]int64         // response body bytes written, by service
	took            map[string]time.Duration // handler time to first body byte, by service
}

// DropReplies makes every simulated server do the requests that match and
// then close the connection without answering: the reply lost on its way
// back (tests of "outcome unknown"). nil stops it.
func (c *Cloud) DropReplies(match func(Request) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop = match
}

// Request is one request a simulated server received.
type Request struct {
	Service, Method, Path string
	Query                 string // raw query string
	Time                  time.Time
	// Mutating: the read-only guard would have refused this request.
	Mutating bool
}

// StartOptions configure Start.
type StartOptions struct {
	Story Options
}

// Start starts every registered backend on 127.0.0.1.
func Start(o StartOptions) (*Cloud, error) {
	c := &Cloud{Story: NewStory(o.Story), URLs: map[string]string{}, Username: "admin", Password: "demo",
		Project: "admin", tokens: map[string]tokenInfo{}}
	regMu.Lock()
	svcs := append([]Service(nil), services...)
	regMu.Unlock()
	sort.SliceStable(svcs, func(i, j int) bool { return svcs[i].Order < svcs[j].Order })
	for _, s := range svcs {
		var err error
		switch {
		case s.Start != nil:
			err = s.Start(c)
		case s.Handler != nil:
			_, err = c.Listen(s.Name, s.Handler(c))
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("demo %s: %w", s.Name, err)
		}
	}
	return c, nil
}

// Listen serves h on a random loopback port, recording every request under
// name, and stores the base URL in c.URLs[name].
func (c *Cloud) Listen(name string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: c.record(name, h), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	u := "http://" + ln.Addr().String()
	c.mu.Lock()
	c.servers = append(c.servers, srv)
	c.URLs[name] = u
	c.mu.Unlock()
	return u, nil
}

func (c *Cloud) record(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mut := !httpclient.ReadOnlyRequest(r) // reads and restores the body of server actions
		req := Request{Service: name, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: time.Now(), Mutating: mut}
		c.mu.Lock()
		c.requests = append(c.requests, req)
		if len(c.requests) > 100000 {
			c.requests = append([]Request(nil), c.requests[50000:]...)
		}
		drop := c.drop != nil && c.drop(req)
		hold := c.hold
		c.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if hj, ok := w.(http.Hijacker); drop && ok {
			h.ServeHTTP(httptest.NewRecorder(), r) // done, and the answer thrown away
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		cw := &countingWriter{ResponseWriter: w, c: c, name: name, start: time.Now()}
		h.ServeHTTP(cw, r)
		cw.sendHeader()
	})
}

// Hold makes every request wait until Release (tests: answers still in
// flight when the cockpit moves on).
func (c *Cloud) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold == nil {
		c.hold = make(chan struct{})
	}
}

// Release lets held requests through.
func (c *Cloud) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold != nil {
		close(c.hold)
		c.hold = nil
	}
}

// TookHeader carries, on every demo response, how long the handler took
// to produce its first body byte: the server's own time, without the
// transfer (benchmarks compare the client's time with it).
const TookHeader = "X-Demo-Took-Us"

// countingWriter adds what a handler writes to its service's byte count,
// and holds the status line back until the first body byte so TookHeader
// can say how long the body took to produce.
type countingWriter struct {
	http.ResponseWriter
	c     *Cloud
	name  string
	start time.Time
	code  int
	sent  bool
	idle  time.Duration // waiting for another request's turn (Idle)
}

// Idle tells the writer the handler spent d waiting for another request
// (the story's lock): not the server's own time (TookHeader). A real Nova
// serves concurrent requests side by side.
func (w *countingWriter) Idle(d time.Duration) { w.idle += d }

func (w *countingWriter) WriteHeader(code int) {
	if code < 200 { // informational (101 before a websocket hijack): at once
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if !w.sent && w.code == 0 {
		w.code = code
	}
}

func (w *countingWriter) sendHeader() {
	if w.sent {
		return
	}
	w.sent = true
	took := time.Since(w.start) - w.idle
	w.Header().Set(TookHeader, strconv.FormatInt(took.Microseconds(), 10))
	w.c.mu.Lock()
	if w.c.took == nil {
		w.c.took = map[string]time.Duration{}
	}
	w.c.took[w.name] += took
	w.c.mu.Unlock()
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(w.code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.sendHeader()
	n, err := w.ResponseWriter.Write(b)
	w.c.mu.Lock()
	if w.c.bytes == nil {
		w.c.bytes = map[string]int64{}
	}
	w.c.bytes[w.name] += int64(n)
	w.c.mu.Unlock()
	return n, err
}

// Flush and Hijack keep streaming handlers (Docker logs and attach) working.
func (w *countingWriter) Flush() {
	w.sendHeader()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *countingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.sent = true // the handler owns the connection now
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("demo: connection cannot be hijacked")
	}
	return hj.Hijack()
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServerTime returns, by service, the handlers' summed time to their first
// body byte (the server's own time, transfers excluded).
func (c *Cloud) ServerTime() map[string]time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]time.Duration, len(c.took))
	for k, v := range c.took {
		out[k] = v
	}
	return out
}

// BytesWritten returns the response body bytes each service has written
// so far (what the cockpit read, for request-budget tests).
func (c *Cloud) BytesWritten() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.bytes))
	for k, v := range c.bytes {
		out[k] = v
	}
	return out
}

// Requests returns a copy of every recorded request.
func (c *Cloud) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Request(nil), c.requests...)
}

// Mutations returns the recorded requests a read-only session must never
// send (anything the read-only guard would refuse).
func (c *Cloud) Mutations() []Request {
	var out []Request
	for _, r := range c.Requests() {
		if r.Mutating {
			out = append(out, r)
		}
	}
	return out
}

// Close stops every server.
func (c *Cloud) Close() {
	c.mu.Lock()
	srvs := c.servers
	c.servers = nil
	lns := c.listeners
	c.listeners = nil
	c.mu.Unlock()
	for _, l := range lns {
		_ = l.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range srvs {
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			_ = s.Close()
		}
	}
}

// Config returns the cockpit configuration pointing at this cloud.
func (c *Cloud) Config() *config.Cloud {
	cfg := &config.Cloud{Name: "demo", Refresh: config.Duration(3 * time.Second),
		EphemeralShared: true,
		OpenStack: &config.OpenStackAuth{AuthURL: c.URLs["keystone"] + "/v3", Username: c.Username,
			Password: c.Password, ProjectName: c.Project, DomainName: "Default", Region: "RegionOne"}}
	regMu.Lock()
	svcs := append([]Service(nil), services...)
	regMu.Unlock()
	for _, s := range svcs {
		if s.Configure != nil {
			s.Configure(c, cfg)
		}
	}
	return cfg
}
