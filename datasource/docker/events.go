package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// A host's containers change rarely, and its list is ~6 kB (issue 15: 6.2
// MB a minute at 1,000 hosts read once a minute each). After a list, a
// refresh asks the engine only for the container events since then (GET
// /events with since and until: the answer ends at once, and is empty when
// nothing happened) and lists again only when there was one, or when the
// last list is RelistEvery old: the engine keeps only its latest events (a
// few hundred, healthchecks' exec events among them), so a busy host may
// have dropped one between two reads a minute apart.

// RelistEvery: a host's containers are listed at least this often even
// when its events say nothing changed.
const RelistEvery = 5 * time.Minute

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
	last     []Container   // the last whole list (nil: list next)
	listed   time.Time     // our time of that list
	since    time.Time     // the engine's time the next events window starts at
	skew     time.Duration // the engine's clock minus ours (the last answer's Date)
	haveSkew bool
	off      bool // the engine refused /events: list every time
}

// noteDate keeps the engine's clock offset from an answer's Date header
// (whole seconds, so the estimate is up to a second behind: an events
// window never ends in the engine's future, where it would wait).
func (c *Client) noteDate(h http.Header) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	c.mu.Lock()
	c.ev.skew, c.ev.haveSkew = d.Sub(c.now()), true
	c.mu.Unlock()
}

// unchanged returns the last list when the engine's events since it say
// nothing changed (ok), and false when the caller must list.
func (c *Client) unchanged(ctx context.Context) (cs []Container, ok bool, err error) {
	c.mu.Lock()
	ev := c.ev
	c.mu.Unlock()
	now := c.now()
	if ev.last == nil || ev.off || !ev.haveSkew || now.Sub(ev.listed) >= RelistEvery {
		return nil, false, nil
	}
	until := now.Add(ev.skew)
	if until.After(ev.since) {
		n, err := c.events(ctx, ev.since, until)
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
			c.mu.Lock()
			c.ev.off = true // an engine (or proxy) without /events
			c.mu.Unlock()
			return nil, false, nil
		case err != nil:
			c.forgetList() // unreachable: list again once it answers
			return nil, false, err
		case n > 0:
			return nil, false, nil
		}
		c.mu.Lock()
		if c.ev.since.Equal(ev.since) {
			c.ev.since = until
		}
		c.mu.Unlock()
	}
	return append([]Container(nil), ev.last...), true, nil
}

// events counts the container events the engine logged in [since, until].
func (c *Client) events(ctx context.Context, since, until time.Time) (int, error) {
	p, err := c.versioned(ctx, "/events")
	if err != nil {
		return 0, err
	}
	q := url.Values{"since": {unixNano(since)}, "until": {unixNano(until)}, "filters": {eventFilter}}
	resp, err := c.request(ctx, http.MethodGet, p, q)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	n := 0
	for {
		var e struct {
			Type string `json:"Type"`
		}
		if err := dec.Decode(&e); err == io.EOF {
			return n, nil
		} else if err != nil {
			return 0, fmt.Errorf("%s: docker: malformed events: %w", c.Host, err)
		}
		n++
	}
}

// listed keeps a whole list as the base of the next refreshes' events
// windows, from sent (our time the list was asked) on; complete false (an
// inspect failed) lists again next time.
func (c *Client) listed(cs []Container, sent time.Time, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !complete || !c.ev.haveSkew {
		c.ev.last = nil
		return
	}
	// A second of margin before the list was asked: an event just before
	// the list at worst lists once more.
	// A copy: the caller owns the slice it was given.
	c.ev.last, c.ev.listed, c.ev.since = append([]Container(nil), cs...), sent, sent.Add(c.ev.skew).Add(-time.Second)
}

// forgetList makes the next refresh a whole list (an action, an error).
func (c *Client) forgetList() {
	c.mu.Lock()
	c.ev.last = nil
	c.mu.Unlock()
}

func unixNano(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }
