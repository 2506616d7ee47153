package httpclient

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackpit/stackpit/internal/cadence"
)

// Share lets the sessions of one `stackpit serve` poll a backend once:
// a GET answered less than Fresh ago is answered again from memory to every
// session asking for the same URL, concurrent identical GETs make one
// request, and any other method sent through the share forgets what it
// holds for that host (an action's read-back never sees the state from
// before the action). API load then follows the refresh interval, not the
// number of people looking.
//
// Sessions refresh at their own moments (each started when its person
// logged in), so a window of Fresh after each request would let twenty
// sessions make two requests per interval: the one whose turn comes just
// after the window ends asks again, and its answer serves the rest. An
// answer is therefore also everyone's until the end of the wall-clock
// interval of Slot it was asked in: one request per interval and URL, and
// a session refreshing every Slot never gets its own previous answer.
// A shared answer's real time reaches the asker's cadence.Age.
type Share struct {
	Fresh time.Duration
	Slot  time.Duration // the sessions' refresh interval (0: Fresh only)
	Now   func() time.Time

	mu        sync.Mutex
	entries   map[string]*shareEntry
	lastPrune time.Time

	upstream, shared atomic.Int64
	changes          atomic.Uint64
}

// Changes counts the changes sent through the share (each made it forget
// a host): a cache above it (decoded lists) that saw the count move since
// it read must read again.
func (s *Share) Changes() uint64 { return s.changes.Load() }

type shareEntry struct {
	host   string
	done   chan struct{}
	sent   time.Time // when it was asked upstream: what the data is as of
	at     time.Time
	fresh  time.Duration // how long it is everyone's answer
	until  time.Time     // and until then (the end of its slot)
	keep   bool          // a 2xx answer: kept for fresh
	status int
	proto  string
	header http.Header
	body   []byte
	err    error
}

// NewShare answers repeated GETs from memory for fresh.
func NewShare(fresh time.Duration) *Share {
	return &Share{Fresh: fresh, Now: time.Now, entries: map[string]*shareEntry{}}
}

// Counts reports requests sent upstream and answered from the share.
func (s *Share) Counts() (upstream, shared int64) { return s.upstream.Load(), s.shared.Load() }

// Wrap puts the share in front of base.
func (s *Share) Wrap(base http.RoundTripper) http.RoundTripper {
	return &shareTransport{s: s, base: base}
}

type shareTransport struct {
	s    *Share
	base http.RoundTripper
}

// Headers that never change an answer's content between sessions: each
// session has its own Keystone token for the same credentials.
var unsharedHeaders = map[string]bool{"X-Auth-Token": true, "User-Agent": true, "Accept-Encoding": true}

func shareKey(r *http.Request) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.URL.String())
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		if !unsharedHeaders[http.CanonicalHeaderKey(k)] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("\n" + k + ": " + strings.Join(r.Header[k], ","))
	}
	return b.String()
}

// sharedPOST: the read-only query POSTs (Prometheus and Loki queries, sent
// as forms) are reads too; a Keystone token is each session's own.
func sharedPOST(r *http.Request) bool {
	return r.Method == http.MethodPost && ReadOnlyAllowed(r.Method, r.URL.Path) &&
		!strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/auth/tokens")
}

// maxSharedBody bounds a query body read into the key.
const maxSharedBody = 256 << 10

func (t *shareTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s := t.s
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	var body []byte
	if !read && sharedPOST(r) && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxSharedBody+1))
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if len(b) <= maxSharedBody {
			read, body = true, b
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		}
	}
	if !read {
		if !ReadOnlyAllowed(r.Method, r.URL.Path) {
			s.forget(r.URL.Host)
		}
		return t.base.RoundTrip(r)
	}
	if strings.Contains(r.Header.Get("Cache-Control"), "no-cache") || body == nil && r.Body != nil && r.Body != http.NoBody {
		s.upstream.Add(1)
		return t.base.RoundTrip(r)
	}
	key := shareKey(r) + "\n\n" + string(body)
	s.mu.Lock()
	e, ok := s.entries[key]
	fresh, slot := cadence.Window(r.Context(), s.Fresh, s.Slot)
	now := s.Now()
	if ok {
		select {
		case <-e.done:
			if !e.keep || !e.current(now, fresh, slot) {
				ok = false
			}
		default: // in flight: wait for it
		}
	}
	if ok {
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		s.shared.Add(1)
		cadence.Answered(r.Context(), e.sent)
		return e.response(r)
	}
	s.prune()
	e = &shareEntry{host: r.URL.Host, done: make(chan struct{}), sent: now, fresh: fresh}
	if slot > 0 {
		e.until = now.Truncate(slot).Add(slot)
	}
	s.entries[key] = e
	s.mu.Unlock()
	s.upstream.Add(1)
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		e.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		e.status, e.proto, e.header = resp.StatusCode, resp.Proto, resp.Header.Clone()
	}
	e.err, e.at = err, s.Now()
	e.keep = err == nil && e.status >= 200 && e.status < 300
	close(e.done)
	if !e.keep {
		s.mu.Lock()
		if s.entries[key] == e {
			delete(s.entries, key)
		}
		s.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	return e.response(r)
}

// current: an answered entry may be given at now to a read repeating with
// fresh and slot (younger than fresh, or asked in the same slot).
func (e *shareEntry) current(now time.Time, fresh, slot time.Duration) bool {
	return cadence.Current(e.sent, e.at, now, fresh, slot)
}

func (e *shareEntry) response(r *http.Request) (*http.Response, error) {
	if e.err != nil {
		return nil, e.err
	}
	return &http.Response{Status: http.StatusText(e.status), StatusCode: e.status, Proto: e.proto, ProtoMajor: 1, ProtoMinor: 1,
		Header: e.header.Clone(), Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)), Request: r}, nil
}

// prune drops answers no session may have any more (at most once a
// second): a URL asked once (a changes-since list names its time) would
// otherwise keep its body, a full list's megabytes, for the server's life.
// s.mu is held.
func (s *Share) prune() {
	now := s.Now()
	if now.Sub(s.lastPrune) < time.Second {
		return
	}
	s.lastPrune = now
	for k, e := range s.entries {
		select {
		case <-e.done:
			if now.Sub(e.at) >= e.fresh && !now.Before(e.until) {
				delete(s.entries, k)
			}
		default: // in flight
		}
	}
}

// Held reports how many answers the share holds (tests).
func (s *Share) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// forget drops what the share holds for host, answered or in flight:
// something changed there, and an answer from before must not be served
// after it.
func (s *Share) forget(host string) {
	s.changes.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.entries {
		if e.host == host {
			delete(s.entries, k)
		}
	}
}
