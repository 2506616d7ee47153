package httpclient

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// ErrBackoff is returned (wrapped in a *BackoffError) for a read refused
// without being sent because its backend asked for less traffic.
var ErrBackoff = errors.New("backing off")

// BackoffError says which backend is being spared, until when and why.
type BackoffError struct {
	Host   string
	Until  time.Time
	Reason string // "503 Service Unavailable", "p95 latency 4.1s"
	now    time.Time
}

func (e *BackoffError) Error() string {
	left := e.Until.Sub(e.now).Round(time.Second)
	return fmt.Sprintf("slowed down (%s): backing off, next try in %s", e.Reason, left)
}

func (e *BackoffError) Unwrap() error { return ErrBackoff }

// Pacer spares a backend that slows down. Per backend (host:port) it
// watches the answers to reads: a 429 or 503, or a p95 latency over the
// last reads of one path four times that path's usual (and over a
// second), backs the backend off: reads are refused without being sent
// (ErrBackoff) for 5 s, doubling with each further sign up to 2 minutes
// (or the server's Retry-After), with ±25% jitter so that many cockpits do
// not come back at once. Each fast, good answer steps the level back down.
// Changes (non-GET requests) always go through: an operator's action is
// not delayed by a refresh policy; so do further pages of a list (marker=). Panes keep their data and show the
// error, so the status line says which backend is backing off and why.
type Pacer struct {
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostPace
}

type hostPace struct {
	level  int
	until  time.Time
	reason string
	paths  map[string]*latWindow
}

// latWindow keeps the last latencies of one path and its usual p50.
type latWindow struct {
	last []time.Duration
	i    int
	base time.Duration // lowest p50 seen over a full window
}

const (
	paceWindow   = 20
	paceMinDelay = 5 * time.Second
	paceMaxDelay = 2 * time.Minute
	paceMaxLevel = 6
	paceMaxPaths = 256
	paceSlowMin  = time.Second
)

// NewPacer returns an empty pacer.
func NewPacer() *Pacer { return &Pacer{hosts: map[string]*hostPace{}} }

func (p *Pacer) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Wrap puts the pacer in front of base.
func (p *Pacer) Wrap(base http.RoundTripper) http.RoundTripper {
	return &paceTransport{p: p, base: base}
}

// State reports a backend's back-off: until when and why (zero when none).
func (p *Pacer) State(host string) (time.Time, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.hosts[host]; h != nil && p.now().Before(h.until) {
		return h.until, h.reason
	}
	return time.Time{}, ""
}

type paceTransport struct {
	p    *Pacer
	base http.RoundTripper
}

func (t *paceTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return t.base.RoundTrip(r)
	}
	if r.URL.Query().Has("marker") {
		// A further page of a list being read: refusing it would throw the
		// pages read so far away, and its latency says nothing about the
		// backend's usual (it grows with the list).
		return t.base.RoundTrip(r)
	}
	host := r.URL.Host
	if err := t.p.admit(host); err != nil {
		return nil, err
	}
	start := t.p.now()
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	t.p.observe(host, r.URL.Path, t.p.now().Sub(start), resp)
	return resp, nil
}

func (p *Pacer) admit(host string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[host]
	if now := p.now(); h != nil && now.Before(h.until) {
		return &BackoffError{Host: host, Until: h.until, Reason: h.reason, now: now}
	}
	return nil
}

// observe records one answer (latency to the response headers).
func (p *Pacer) observe(host, path string, took time.Duration, resp *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[host]
	if h == nil {
		h = &hostPace{paths: map[string]*latWindow{}}
		p.hosts[host] = h
	}
	var sign string
	var retryAfter time.Duration
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		sign = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			retryAfter = min(time.Duration(s)*time.Second, 5*time.Minute)
		}
	default:
		w := h.paths[path]
		if w == nil && len(h.paths) < paceMaxPaths {
			w = &latWindow{}
			h.paths[path] = w
		}
		if w != nil {
			if p95, slow := w.add(took); slow {
				sign = "p95 latency " + p95.Round(100*time.Millisecond).String()
				w.last, w.i = w.last[:0], 0 // judge the backend afresh after the pause
			}
		}
	}
	if sign == "" {
		if h.level > 0 && resp.StatusCode < 400 {
			h.level--
		}
		return
	}
	h.level = min(h.level+1, paceMaxLevel)
	d := min(paceMinDelay<<(h.level-1), paceMaxDelay)
	d = time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
	d = max(d, retryAfter)
	h.until, h.reason = p.now().Add(d), sign
}

// add records a latency; slow is true when the window is full and its p95
// (the second slowest of 20: one outlier is not a trend) is four times the
// path's usual p50 and over paceSlowMin.
func (w *latWindow) add(d time.Duration) (time.Duration, bool) {
	if len(w.last) < paceWindow {
		w.last = append(w.last, d)
	} else {
		w.last[w.i] = d
		w.i = (w.i + 1) % paceWindow
	}
	if len(w.last) < paceWindow {
		return 0, false
	}
	s := append([]time.Duration(nil), w.last...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	p50, p95 := s[len(s)/2], s[len(s)-2]
	if w.base == 0 || p50 < w.base {
		w.base = p50
	}
	return p95, p95 > paceSlowMin && p95 > 4*w.base
}
