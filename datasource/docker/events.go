package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// A host's containers change rarely, and its list is ~6 kB (issue 15: 6.2
// MB a minute at 1,000 hosts read once a minute each). After a list, a
// refresh asks the engine only for the container events since then (GET
// /events with since and until: the answer ends at once, and is empty when
// nothing happened) and lists again when there was one, or when the last
// list is RelistEvery old.
//
// An empty window is trusted only when it cannot be a lie:
//   - the engine answers from a ring of its last 256 events of every type
//     (moby daemon/events eventsLimit), and every healthcheck probe writes
//     exec_create, exec_start and exec_die into it (hidden by our filter,
//     but they push older events out): the window must be short enough
//     that the probes the last list showed fill at most ringTrust of it;
//   - an engine restart empties the ring: the window must be read over the
//     very connection the list was read over (see sameEngine);
//   - the window is timed by the engine's clock as last seen plus our
//     monotonic time since, never by our wall clock (which can step).

// RelistEvery: a host's containers are listed at least this often even
// when its events say nothing changed.
const RelistEvery = 5 * time.Minute

const (
	// ringTrust: of the engine's 256 events, the healthchecks' estimated
	// share of a window may fill 200; the other 56 are for what no list
	// shows (image pulls, networks, volumes, an operator's docker exec).
	ringTrust = 200
	// ringMargin: estimated events added to every window (probes are not
	// evenly spaced; a window's start is a second early).
	ringMargin = 20
	// probeEvents: exec_create, exec_start, exec_die per probe.
	probeEvents = 3
	// defaultProbe is Docker's healthcheck interval when the image says 0;
	// startProbe its start interval (a container still "starting").
	defaultProbe = 30 * time.Second
	startProbe   = 5 * time.Second
	// refusalsOff: an engine that refuses /events this many times in a row
	// is listed every time until RelistEvery on, then asked again.
	refusalsOff = 3
	// eventsTimeout: the answer to a window in the past ends at once; one
	// that does not (the engine's clock stepped back: the window ends in
	// its future, where it would stream until then) is given up on.
	eventsTimeout = 10 * time.Second
)

// eventFilter asks for the container events that change what a list or
// an inspect shows (not healthchecks' exec_*, attach, resize, top: the
// engine matches health_status as a prefix of "health_status: healthy").
var eventFilter = func() string {
	b, _ := json.Marshal(map[string][]string{"type": {"container"}, "event": {"create", "destroy", "die", "kill",
		"oom", "pause", "unpause", "restart", "start", "stop", "rename", "update", "health_status"}})
	return string(b)
}()

// evState is what a refresh needs to ask for events instead of a list.
type evState struct {
	last   []Container // the last whole list (nil: list next)
	listed time.Time   // our time of that list (monotonic: its age)
	since  time.Time   // the engine's time the next events window starts at
	conn   net.Conn    // the connection that list (or the last window) was read over
	rate   float64     // the ring's estimated healthcheck events a second
	// The engine's clock: its last Date, and our (monotonic) time then.
	engDate, engLocal time.Time
	haveClock         bool
	refused           int       // /events refusals in a row
	offAt             time.Time // the engine refused /events for good at (zero: on)
}

// noteDate keeps the engine's clock from an answer's Date header (whole
// seconds, so the estimate is up to a second behind: an events window
// never ends in the engine's future, where it would wait).
func (c *Client) noteDate(h http.Header) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	now := c.now()
	c.mu.Lock()
	c.ev.engDate, c.ev.engLocal, c.ev.haveClock = d, now, true
	c.mu.Unlock()
}

// engineNow is the engine's time now as last seen, moved on by our
// monotonic clock (a step of our wall clock changes nothing). Call with
// c.mu held.
func (c *Client) engineNow(now time.Time) time.Time {
	return c.ev.engDate.Add(now.Sub(c.ev.engLocal)).Round(0)
}

// unchanged returns the last list when the engine's events since it say
// nothing changed (ok), and false when the caller must list.
func (c *Client) unchanged(ctx context.Context) (cs []Container, ok bool, err error) {
	now := c.now()
	c.mu.Lock()
	ev := c.ev
	var until time.Time
	if ev.haveClock {
		until = c.engineNow(now)
	}
	c.mu.Unlock()
	if !ev.offAt.IsZero() && now.Sub(ev.offAt) >= RelistEvery {
		c.mu.Lock()
		c.ev.offAt, c.ev.refused = time.Time{}, 0 // ask it again
		c.mu.Unlock()
		return nil, false, nil
	}
	if ev.last == nil || !ev.offAt.IsZero() || !ev.haveClock || ev.conn == nil || now.Sub(ev.listed) >= RelistEvery {
		return nil, false, nil
	}
	window := until.Sub(ev.since)
	switch {
	case window <= 0 && window > -2*time.Second:
		// Within the Date header's second of the last read: nothing to ask.
		return ev.last, true, nil
	case window <= 0:
		return nil, false, nil // the engine's clock went back: list
	case ev.rate*window.Seconds()+ringMargin >= ringTrust:
		return nil, false, nil // the ring may have wrapped since the list
	}
	n, conn, err := c.events(ctx, ev.since, until)
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests ||
		errors.As(err, &ae) && ae.Status == http.StatusNotImplemented:
		c.refusedEvents(ae, now)
		return nil, false, nil
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		c.forgetList() // a window the engine held open: list
		return nil, false, nil
	case err != nil:
		c.forgetList() // unreachable: list again once it answers
		return nil, false, err
	case n > 0 || conn != ev.conn:
		// Something changed, or the answer came over another connection
		// than the list: the engine may have restarted in between.
		return nil, false, nil
	}
	c.mu.Lock()
	c.ev.refused = 0
	if c.ev.since.Equal(ev.since) {
		c.ev.since = until
	}
	c.mu.Unlock()
	return ev.last, true, nil
}

// refusedEvents counts a refusal of /events: a 404 or 501 from the engine
// itself (its Server header) turns the shortcut off at once, anything else
// (a proxy's transient 401/403/404, a 400 for a bad window) after
// refusalsOff in a row. Either way, this refresh lists.
func (c *Client) refusedEvents(ae *APIError, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ev.refused++
	if c.ev.refused >= refusalsOff || ae.engine && (ae.Status == http.StatusNotFound || ae.Status == http.StatusNotImplemented) {
		c.ev.offAt = now
	}
}

// events counts the container events the engine logged in [since, until],
// and returns the connection the answer came over when it proves the same
// engine process as an earlier answer over it (nil when it cannot).
func (c *Client) events(ctx context.Context, since, until time.Time) (int, net.Conn, error) {
	p, err := c.versioned(ctx, "/events")
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, eventsTimeout)
	defer cancel()
	ctx, got := traceConn(ctx)
	q := url.Values{"since": {unixNano(since)}, "until": {unixNano(until)}, "filters": {eventFilter}}
	resp, err := c.request(ctx, http.MethodGet, p, q)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	n := 0
	for {
		var e struct {
			Type string `json:"Type"`
		}
		if err := dec.Decode(&e); err == io.EOF {
			return n, c.sameEngine(got(), resp), nil
		} else if err != nil {
			if ctx.Err() != nil {
				return 0, nil, ctx.Err()
			}
			return 0, nil, fmt.Errorf("%s: docker: malformed events: %w", c.Host, err)
		}
		n++
	}
}

// traceConn records the connection a request goes over (the last one, if
// the transport retried on a new one).
func traceConn(ctx context.Context) (context.Context, func() httptrace.GotConnInfo) {
	var mu sync.Mutex
	var info httptrace.GotConnInfo
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		mu.Lock()
		info = i
		mu.Unlock()
	}})
	return ctx, func() httptrace.GotConnInfo { mu.Lock(); defer mu.Unlock(); return info }
}

// sameEngine returns the connection an answer came over when a later
// answer over the same (kept-alive) connection proves the same engine
// process: the connection ends at the daemon's own socket (a unix socket,
// a TCP connection it accepted, or over ssh `docker system dial-stdio`'s
// own connection to that socket, which ends when either side does), and
// a daemon that exits closes every connection it holds, so a restarted one
// can never answer over a connection the old one answered. That holds only
// when nothing in between pools connections: not through an HTTP proxy
// from the environment, and only for answers the engine signed (its
// Server header: an nginx in front answers as itself). Otherwise nil: list.
func (c *Client) sameEngine(info httptrace.GotConnInfo, resp *http.Response) net.Conn {
	if info.Conn == nil || !strings.HasPrefix(resp.Header.Get("Server"), "Docker/") {
		return nil
	}
	if resp.Request != nil && c.base != "http://docker" { // unix and ssh are dialled directly
		if u, err := http.ProxyFromEnvironment(resp.Request); err != nil || u != nil {
			return nil
		}
	}
	return info.Conn
}

// listed keeps a whole list as the base of the next refreshes' events
// windows, from sent (our time the list was asked) on; complete false (an
// inspect failed) lists again next time. conn is the connection the list
// was read over (nil: it proves nothing), hc the healthchecks running on
// the host (their probe intervals).
func (c *Client) listed(cs []Container, sent time.Time, complete bool, conn net.Conn, probes []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !complete || !c.ev.haveClock || conn == nil {
		c.ev.last = nil
		return
	}
	rate := 0.0
	for _, iv := range probes {
		rate += probeEvents / iv.Seconds()
	}
	// A second of margin before the list was asked: an event just before
	// the list at worst lists once more.
	// Not a copy: the list is read only, the caller's and this client's
	// (a copy per host was ~4 MB at 1,000 hosts, issue 15); clipped, so an
	// append copies.
	c.ev.last, c.ev.listed, c.ev.since = slices.Clip(cs), sent, c.engineNow(sent).Add(-time.Second)
	c.ev.conn, c.ev.rate = conn, rate
}

// probeInterval is how often a container's healthcheck runs (0: none).
func probeInterval(ct Container, in *kept) time.Duration {
	if ct.State != "running" || in == nil || !in.hasProbe {
		return 0
	}
	if ct.Health == "starting" {
		return startProbe
	}
	if in.probe > 0 {
		return in.probe
	}
	return defaultProbe
}

// forgetList makes the next refresh a whole list (an action, an error).
func (c *Client) forgetList() {
	c.mu.Lock()
	c.ev.last = nil
	c.mu.Unlock()
}

func unixNano(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }
