package loki

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Mode is how a follower is reading new lines.
type Mode string

const (
	ModeTail    Mode = "tail"
	ModePolling Mode = "polling"
	ModeStopped Mode = "stopped"
)

// MaxTails is how many websocket tails one client keeps open at most. Loki
// allows 10 per tenant (the 11th is accepted and then closed with 1011);
// two are left for other tools of the same operator (logcli, Grafana).
var MaxTails = 8

// FollowOptions tune a follower. Zero values take the defaults.
type FollowOptions struct {
	// Start is where following begins (inclusive); zero: now.
	Start time.Time
	// PollInterval is the polling period (default 1 s).
	PollInterval time.Duration
	// Overlap is how far back each poll re-reads (default 5 s) to catch
	// late lines; re-read lines are de-duplicated by (stream, ts, line).
	Overlap time.Duration
	// HighRate (lines/s) above which a tail is abandoned for polling: one
	// Loki tail delivers at most ~2,200 lines/s and drops the rest
	// (default 1,500).
	HighRate float64
	// CalmAfter is how long polling must see a low rate, without drops,
	// before going back to a tail (default 60 s).
	CalmAfter time.Duration
	// MinTailLife: a tail Loki closes after living at least this long
	// (tail_max_duration) is reopened at once; one closed sooner counts as
	// refused (the per-tenant tail limit) and is retried after a back-off
	// while polling (default 10 s).
	MinTailLife time.Duration
	// Polling never uses the websocket tail.
	Polling bool
	// MaxPending bounds lines queued for a slow consumer (default 200,000);
	// beyond it the oldest are discarded and reported with a marker.
	MaxPending int
	// Now is the clock (tests).
	Now func() time.Time
}

func (o *FollowOptions) defaults() {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Overlap <= 0 {
		o.Overlap = 5 * time.Second
	}
	if o.HighRate <= 0 {
		o.HighRate = 1500
	}
	if o.CalmAfter <= 0 {
		o.CalmAfter = 60 * time.Second
	}
	if o.MinTailLife <= 0 {
		o.MinTailLife = 10 * time.Second
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 200000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// MarkerKind classifies markers.
type MarkerKind string

const (
	MarkDrop      MarkerKind = "drop"      // the server dropped lines from the tail
	MarkReconnect MarkerKind = "reconnect" // the tail was closed and reopened
	MarkMode      MarkerKind = "mode"      // switched between tail and polling
	MarkOverflow  MarkerKind = "overflow"  // the consumer was too slow; lines discarded
	MarkError     MarkerKind = "error"
)

// Marker is an in-band notice placed between lines.
type Marker struct {
	Kind  MarkerKind
	Count int
	TS    int64 // where it happened (ns)
	Text  string
}

// Item is one line or one marker.
type Item struct {
	Entry
	Marker *Marker
}

// Batch is what a subscriber receives: items in order plus the follower's
// state at that moment.
type Batch struct {
	Items []Item
	FollowStatus
}

// FollowStatus is a follower's state.
type FollowStatus struct {
	Mode    Mode
	Note    string // why this mode, e.g. "polling: tail dropped 312 lines"
	Err     error  // last error (nil once recovered)
	Updated time.Time
	Rate    float64 // lines/s over the last second or poll
	Lines   int64   // lines delivered
}

// Subscription receives one follower's batches.
type Subscription struct {
	f      *follower
	mu     sync.Mutex
	items  []Item
	over   int
	status FollowStatus
	dirty  bool
	notify chan struct{}
	closed bool
	done   chan struct{}
}

// Follow starts following query, sharing one follower (and so one Loki
// tail) among every subscriber of the same query. Close the subscription
// when done.
func (c *Client) Follow(query string, o FollowOptions) *Subscription {
	o.defaults()
	if o.Start.IsZero() {
		o.Start = o.Now()
	}
	return c.hub.subscribe(query, o)
}

// Next blocks until items or a status change are available, then returns
// everything queued. It returns ctx.Err() or ErrClosed.
func (s *Subscription) Next(ctx context.Context) (Batch, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Batch{}, ErrClosed
		}
		if len(s.items) > 0 || s.over > 0 || s.dirty {
			b := Batch{Items: s.items, FollowStatus: s.status}
			if s.over > 0 {
				m := &Marker{Kind: MarkOverflow, Count: s.over,
					Text: fmt.Sprintf("%d lines discarded: the view fell behind", s.over)}
				b.Items = append([]Item{{Marker: m}}, b.Items...)
			}
			s.items, s.over, s.dirty = nil, 0, false
			s.mu.Unlock()
			return b, nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Batch{}, ctx.Err()
		case <-s.notify:
		case <-s.done:
		}
	}
}

// Status is the follower's current state.
func (s *Subscription) Status() FollowStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Close unsubscribes; the follower stops when its last subscriber leaves.
func (s *Subscription) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.f.hub.unsubscribe(s)
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("loki: subscription closed")

func (s *Subscription) push(items []Item, st FollowStatus, max int) {
	s.mu.Lock()
	if !s.closed {
		s.items = append(s.items, items...)
		if n := len(s.items) - max; n > 0 {
			dropped := 0
			for _, it := range s.items[:n] {
				if it.Marker == nil {
					dropped++
				}
			}
			s.over += dropped
			s.items = append([]Item(nil), s.items[n:]...)
		}
		s.status = st
		s.dirty = true
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// --- hub: one follower per query ---

type hub struct {
	c     *Client
	mu    sync.Mutex
	m     map[string]*follower
	tails int
}

func (h *hub) subscribe(query string, o FollowOptions) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := query
	if o.Polling {
		key = "poll:" + query
	}
	f := h.m[key]
	fresh := f == nil
	if fresh {
		ctx, cancel := context.WithCancel(context.Background())
		f = &follower{hub: h, query: query, key: key, o: o, cancel: cancel, ctx: ctx,
			seen: map[Key]struct{}{}, status: FollowStatus{Mode: ModeTail}}
		if o.Polling {
			f.status.Mode = ModePolling
			f.status.Note = "polling"
		}
		h.m[key] = f
	}
	s := &Subscription{f: f, notify: make(chan struct{}, 1), done: make(chan struct{}), dirty: true}
	f.mu.Lock()
	f.subs = append(f.subs, s)
	s.status = f.status
	f.mu.Unlock()
	if fresh {
		go f.run(f.ctx)
	}
	return s
}

func (h *hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := s.f
	f.mu.Lock()
	for i, x := range f.subs {
		if x == s {
			f.subs = append(f.subs[:i], f.subs[i+1:]...)
			break
		}
	}
	last := len(f.subs) == 0
	f.mu.Unlock()
	if last && h.m[f.key] == f {
		delete(h.m, f.key)
		f.cancel()
	}
}

func (h *hub) acquireTail() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tails >= MaxTails {
		return false
	}
	h.tails++
	return true
}

func (h *hub) releaseTail() {
	h.mu.Lock()
	h.tails--
	h.mu.Unlock()
}

// Followers reports how many followers and open tails the client has.
func (c *Client) Followers() (followers, tails int) {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	return len(c.hub.m), c.hub.tails
}

// --- follower ---

type follower struct {
	hub    *hub
	query  string
	key    string
	o      FollowOptions
	cancel context.CancelFunc
	ctx    context.Context

	mu     sync.Mutex
	subs   []*Subscription
	status FollowStatus

	// owned by the run goroutine
	watermark int64 // newest timestamp delivered
	floor     int64 // entries older than this count as seen (pruned window)
	seen      map[Key]struct{}
	lastPrune time.Time
	lc        labelCache
	started   bool
}

func (f *follower) emit(items []Item, mutate func(*FollowStatus)) {
	f.mu.Lock()
	if mutate != nil {
		mutate(&f.status)
	}
	for _, it := range items {
		if it.Marker == nil {
			f.status.Lines++
		}
	}
	f.status.Updated = f.o.Now()
	st := f.status
	subs := append([]*Subscription(nil), f.subs...)
	f.mu.Unlock()
	for _, s := range subs {
		s.push(items, st, f.o.MaxPending)
	}
}

// fresh filters out already-delivered entries and advances the watermark.
func (f *follower) fresh(es []Entry) []Item {
	out := make([]Item, 0, len(es))
	for _, e := range es {
		if e.TS < f.floor {
			continue
		}
		k := e.followKey()
		if _, dup := f.seen[k]; dup {
			continue
		}
		f.seen[k] = struct{}{}
		if e.TS > f.watermark {
			f.watermark = e.TS
		}
		out = append(out, Item{Entry: e})
	}
	f.prune()
	return out
}

// prune forgets keys older than the re-read window (plus a margin).
func (f *follower) prune() {
	now := f.o.Now()
	if now.Sub(f.lastPrune) < time.Second {
		return
	}
	f.lastPrune = now
	floor := f.watermark - int64(f.o.Overlap) - 4*int64(f.o.PollInterval) - int64(10*time.Second)
	if floor <= f.floor {
		return
	}
	for k := range f.seen {
		if k.TS < floor {
			delete(f.seen, k)
		}
	}
	f.floor = floor
}

func (f *follower) run(ctx context.Context) {
	start := f.o.Start
	if start.IsZero() {
		start = f.o.Now()
	}
	f.watermark = start.UnixNano() - 1
	f.floor = start.UnixNano()
	backoff := time.Second
	var pollReason string
	var retryTail time.Time
	for ctx.Err() == nil {
		if !f.o.Polling && !f.o.Now().Before(retryTail) {
			reason, wait, err := f.runTail(ctx)
			if ctx.Err() != nil {
				break
			}
			var le *Error
			if errors.As(err, &le) && le.Status == http.StatusBadRequest {
				f.emit(nil, func(s *FollowStatus) { s.Mode, s.Err, s.Note = ModeStopped, err, "stopped: "+le.Body })
				break
			}
			if reason == "" { // clean reconnect
				backoff = time.Second
				continue
			}
			pollReason = reason
			if wait > 0 {
				retryTail = f.o.Now().Add(wait)
			} else {
				retryTail = time.Time{}
			}
		}
		if err := f.runPoll(ctx, pollReason, retryTail); err != nil {
			var le *Error
			if errors.As(err, &le) && le.Status == http.StatusBadRequest {
				f.emit(nil, func(s *FollowStatus) { s.Mode, s.Err, s.Note = ModeStopped, err, "stopped: "+le.Body })
				break
			}
			f.emit(nil, func(s *FollowStatus) { s.Err = err })
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
	}
	f.mu.Lock()
	f.status.Mode = ModeStopped
	f.mu.Unlock()
}

// catchUp reads (watermark-overlap, now] with query_range so a (re)opened
// tail starts from a recent point and misses nothing in between.
func (f *follower) catchUp(ctx context.Context) (int, error) { return f.readBack(ctx, f.o.Overlap) }

// readBack reads (watermark-back, now] and delivers what is new.
func (f *follower) readBack(ctx context.Context, back time.Duration) (int, error) {
	start := time.Unix(0, max(f.watermark-int64(back), f.floor))
	end := f.o.Now().Add(time.Millisecond)
	if !end.After(start) {
		return 0, nil
	}
	n := 0
	rq := RangeQuery{Query: f.query, Start: start, End: end, Direction: Forward, Limit: MaxEntriesPerQuery}
	err := f.hub.c.queryAllCached(ctx, rq, &f.lc, func(es []Entry) bool {
		items := f.fresh(es)
		n += len(items)
		if len(items) > 0 {
			f.emit(items, nil)
		}
		return true
	})
	return n, err
}

// runTail opens a tail and reads it until it must give way to polling
// (reason != "", retry the tail after wait) or Loki closes it after a long
// life (reason == "": reconnect at once).
func (f *follower) runTail(ctx context.Context) (reason string, wait time.Duration, err error) {
	if !f.hub.acquireTail() {
		f.emit([]Item{{Marker: &Marker{Kind: MarkMode, TS: f.watermark,
			Text: fmt.Sprintf("polling: %d tails already open (Loki allows 10 per tenant)", MaxTails)}}}, nil)
		return fmt.Sprintf("polling: %d tails already open", MaxTails), 30 * time.Second, nil
	}
	defer f.hub.releaseTail()
	// Catch up first on a reconnect, so the tail's own history is short.
	if f.started || f.o.Start.Before(f.o.Now().Add(-f.o.Overlap)) {
		if _, err := f.catchUp(ctx); err != nil {
			return "polling: catch-up failed: " + err.Error(), 5 * time.Second, err
		}
	}
	f.started = true
	opened := f.o.Now()
	from := time.Unix(0, max(f.watermark, f.floor))
	t, err := f.hub.c.OpenTail(ctx, f.query, from, MaxEntriesPerQuery, 0)
	if err != nil {
		f.emit(nil, func(s *FollowStatus) { s.Err = err })
		return "polling: tail failed: " + err.Error(), 10 * time.Second, err
	}
	defer t.Close()
	t.lc = f.lc
	f.emit(nil, func(s *FollowStatus) { s.Mode, s.Note, s.Err = ModeTail, "tail", nil })
	winStart, winLines, hot := f.o.Now(), 0, 0
	for {
		fr, err := t.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return "", 0, nil
			}
			lived := f.o.Now().Sub(opened)
			var ce *ErrTailClosed
			code := ""
			if errors.As(err, &ce) {
				code = fmt.Sprintf(" (%d)", int(ce.Code))
			}
			if lived >= f.o.MinTailLife && (ce == nil || ce.Code == websocket.StatusInternalError || ce.Code == websocket.StatusNormalClosure || ce.Code == websocket.StatusGoingAway) {
				f.emit([]Item{{Marker: &Marker{Kind: MarkReconnect, TS: f.watermark,
					Text: "tail closed by Loki" + code + "; reconnecting from the last line"}}}, nil)
				return "", 0, nil
			}
			// Closed right away: most likely the per-tenant tail limit.
			return "polling: tail refused" + code + ", retrying later", 30 * time.Second, nil
		}
		items := f.fresh(fr.Entries)
		if len(fr.Dropped) > 0 {
			from := fr.Dropped[0].TS
			for _, d := range fr.Dropped {
				from = min(from, d.TS)
			}
			m := &Marker{Kind: MarkDrop, Count: len(fr.Dropped), TS: from,
				Text: fmt.Sprintf("Loki dropped %d+ lines from the tail; switching to polling and re-reading them", len(fr.Dropped))}
			items = append(items, Item{Marker: m})
			f.emit(items, func(s *FollowStatus) {
				s.Mode, s.Note = ModePolling, fmt.Sprintf("polling: tail dropped %d+ lines", len(fr.Dropped))
			})
			// Re-read from before the first dropped line.
			if from > 0 && from < f.watermark {
				f.watermark = from
			}
			return fmt.Sprintf("polling: tail dropped %d+ lines", len(fr.Dropped)), 0, nil
		}
		winLines += len(fr.Entries)
		now := f.o.Now()
		if el := now.Sub(winStart); el >= time.Second {
			rate := float64(winLines) / el.Seconds()
			if rate > f.o.HighRate {
				hot++
			} else {
				hot = 0
			}
			winStart, winLines = now, 0
			if hot >= 1 {
				f.emit(items, func(s *FollowStatus) { s.Rate = rate })
				return fmt.Sprintf("polling: %.0f lines/s is above what one tail delivers", rate), 0, nil
			}
			f.emit(items, func(s *FollowStatus) { s.Rate = rate })
			continue
		}
		if len(items) > 0 {
			f.emit(items, nil)
		}
	}
}

// runPoll polls query_range every PollInterval until it is time to try a
// tail again: retryTail passed, or (when retryTail is zero) the rate stayed
// low for CalmAfter.
func (f *follower) runPoll(ctx context.Context, reason string, retryTail time.Time) error {
	if reason == "" {
		reason = "polling"
	}
	f.emit([]Item{}, func(s *FollowStatus) { s.Mode, s.Note = ModePolling, reason })
	calmSince := f.o.Now()
	last := f.o.Now()
	polls := 0
	tick := time.NewTicker(f.o.PollInterval)
	defer tick.Stop()
	for {
		// New lines first (short overlap) so they show without waiting
		// for the long re-read; every 4th poll re-reads Overlap plus the
		// polls in between, so lines up to Overlap late are still caught
		// at a quarter of the re-read cost (this is what keeps latency
		// low at 10,000 lines/s).
		n, err := f.readBack(ctx, min(f.o.Overlap, 500*time.Millisecond))
		if err != nil {
			return err
		}
		if polls%4 == 0 {
			m, err := f.readBack(ctx, f.o.Overlap+4*f.o.PollInterval)
			if err != nil {
				return err
			}
			n += m
		}
		polls++
		now := f.o.Now()
		rate := float64(n) / max(now.Sub(last).Seconds(), f.o.PollInterval.Seconds())
		last = now
		f.emit(nil, func(s *FollowStatus) { s.Rate, s.Err = rate, nil })
		if rate > f.o.HighRate/4 {
			calmSince = now
		}
		if !f.o.Polling {
			if !retryTail.IsZero() && !now.Before(retryTail) {
				return nil
			}
			if retryTail.IsZero() && now.Sub(calmSince) >= f.o.CalmAfter {
				f.emit([]Item{{Marker: &Marker{Kind: MarkMode, TS: f.watermark, Text: "rate is low again: back to the live tail"}}}, nil)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// queryAllCached is QueryAll sharing a label cache.
func (c *Client) queryAllCached(ctx context.Context, rq RangeQuery, lc *labelCache, fn func([]Entry) bool) error {
	return c.queryAll(ctx, rq, 0, lc, fn)
}
