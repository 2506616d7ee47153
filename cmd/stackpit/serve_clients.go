package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/views/controlplane"
	"github.com/stackpit/stackpit/views/instances"
)

// serverShare is what the sessions of one `stackpit serve` share: answers
// at the HTTP level (identical reads sent once) and, above it, the
// datasource clients and decoded results themselves, so twenty sessions
// neither decode a 50,000-server list twenty times nor keep twenty copies
// of it. Each session keeps only its own view state (panes, filter, sort,
// cursor, size, colours).
type serverShare struct {
	http    *httpclient.Share
	clients *servedClients
}

// newServerShare: sessions refresh every `every`; an answer younger than
// 90% of it, or asked in the same interval of the wall clock, is
// everyone's (httpclient.Share).
func newServerShare(every time.Duration) *serverShare {
	h := httpclient.NewShare(every * 9 / 10)
	h.Slot = every
	return &serverShare{http: h, clients: newServedClients(every*9/10, every)}
}

// servedClients holds one datasource client per cloud, role and kind for
// every session of the server. The key carries the role and the read-only
// flag: an auditor's session only ever gets a client built for an
// auditor, with the read-only guard in its chain, never an operator's.
type servedClients struct {
	fresh time.Duration // how long a decoded read is everyone's
	slot  time.Duration // and to the end of the refresh interval it was asked in

	mu sync.Mutex
	m  map[string]*servedClient
}

type servedClient struct {
	once  sync.Once
	v     any
	err   error // why it could not be built (kept, as in a session)
	built atomic.Bool
}

func newServedClients(fresh, slot time.Duration) *servedClients {
	return &servedClients{fresh: fresh, slot: slot, m: map[string]*servedClient{}}
}

func servedKey(cloud, role string, readOnly bool, key string) string {
	return fmt.Sprintf("%s\x00%s\x00readonly=%v\x00%s", cloud, role, readOnly, key)
}

// get returns the value built once under key for the whole server. A
// build may get other keys (a client builds its HTTP client): the lock is
// not held while building.
func (c *servedClients) get(key string, build func() (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if !ok {
		e = &servedClient{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = build(); e.built.Store(true) })
	if e.err != nil {
		return nil, e.err
	}
	return e.v, nil
}

// peek returns what key holds if it was built, else nil.
func (c *servedClients) peek(key string) any {
	c.mu.Lock()
	e := c.m[key]
	c.mu.Unlock()
	if e == nil {
		return nil
	}
	if !e.built.Load() || e.err != nil {
		return nil
	}
	return e.v
}

// serversSource is the instances pane's source with every interface the
// pane looks for.
type serversSource interface {
	instances.Source
	instances.PagedSource
	instances.NameSource
	instances.PresenceSource
}

// sharedServers puts one decoded server list in front of a source for all
// sessions: a list asked for with the same since while another session's
// is loading, or in the same refresh interval after it loaded, is that
// same list (read-only: panes never modify what a source returns).
// Everything else passes through.
//
// Each session asks for changes since its own newest updated_at, so the
// sessions' questions differ unless made alike: since is rounded down to
// sinceGrain (a few seconds more of changes; merging a server again is
// harmless), and a changes-since list already asked in this interval
// from an earlier since holds every change a later since asks for.
type sharedServers struct {
	serversSource
	reads *decodedReads[[]openstack.Server]
}

// wholeListMax bounds a shared whole server list's load.
const wholeListMax = 5 * time.Minute

// sinceGrain: the instances deltas' since, rounded like Cinder's.
const sinceGrain = openstack.SinceGrain

func (s sharedServers) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	since = grained(since)
	return s.reads.do(ctx, since, nil, func(ctx context.Context, onPage func([]openstack.Server)) ([]openstack.Server, error) {
		return s.serversSource.Servers(ctx, since)
	})
}

func (s sharedServers) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	since = grained(since)
	return s.reads.do(ctx, since, onPage, func(ctx context.Context, onPage func([]openstack.Server)) ([]openstack.Server, error) {
		return s.serversSource.ServersPaged(ctx, since, onPage)
	})
}

func grained(since time.Time) time.Time {
	if since.IsZero() {
		return since
	}
	return since.UTC().Truncate(sinceGrain)
}

// decodedReads is a singleflight over decoded server lists, keyed by
// since, whose lists stay everyone's for fresh after they loaded and to
// the end of the slot (the refresh interval, on the wall clock) they were
// asked in: one load per interval, however the sessions' refreshes fall.
// Pages of a load in flight are kept, so a session joining it still gets
// its first rows before the last page. A session given a list another
// session asked for learns its real time (cadence.Answered).
type decodedReads[T any] struct {
	fresh, slot time.Duration
	now         func() time.Time
	// changes counts the changes sent (httpclient.Share.Changes): a list
	// read before an action is not the action's read-back (nil: none).
	changes func() uint64

	mu      sync.Mutex
	entries map[time.Time]*decodedRead[T]

	loads, joins int // counts (tests)
}

type decodedRead[T any] struct {
	gen     uint64 // changes when it began
	since   time.Time
	started time.Time // what the list is as of (or older: asOf)

	mu      sync.Mutex
	pages   []T
	changed chan struct{} // closed and replaced on each page and at the end
	done    bool
	at      time.Time
	asOf    time.Time
	out     T
	err     error
}

func newDecodedReads(fresh, slot time.Duration) *decodedReads[[]openstack.Server] {
	return newDecodedReadsOf[[]openstack.Server](fresh, slot)
}

// newDecodedReadsOf is decodedReads for any decoded list (T: a page, and
// the whole answer).
func newDecodedReadsOf[T any](fresh, slot time.Duration) *decodedReads[T] {
	return &decodedReads[T]{fresh: fresh, slot: slot, now: time.Now, entries: map[time.Time]*decodedRead[T]{}}
}

// current: the read may be given to a session asking at now (in flight,
// or loaded well and still fresh). e.mu is held.
func (d *decodedReads[T]) current(e *decodedRead[T], now time.Time) bool {
	if d.changes != nil && d.changes() != e.gen {
		return false // something changed since it was asked
	}
	if !e.done {
		return true
	}
	return e.err == nil && cadence.Current(e.started, e.at, now, d.fresh, d.slot)
}

// find is the read that answers since at now: the same since, or for a
// changes-since list, one from an earlier since (it holds every change
// since asks for; the latest such since, the smallest list). d.mu is held.
func (d *decodedReads[T]) find(since, now time.Time) *decodedRead[T] {
	var best *decodedRead[T]
	for k, e := range d.entries {
		e.mu.Lock()
		ok := d.current(e, now)
		e.mu.Unlock()
		switch {
		case !ok:
			delete(d.entries, k) // stale lists hold memory
		case k.Equal(since):
			best = e
		case !since.IsZero() && !k.IsZero() && k.Before(since) &&
			(best == nil || !best.since.Equal(since) && best.since.Before(k)):
			best = e
		}
	}
	return best
}

func (d *decodedReads[T]) do(ctx context.Context, since time.Time, onPage func(T),
	load func(ctx context.Context, onPage func(T)) (T, error)) (T, error) {
	since = since.UTC()
	now := d.now()
	d.mu.Lock()
	if e := d.find(since, now); e != nil {
		d.joins++
		d.mu.Unlock()
		return e.follow(ctx, onPage, true)
	}
	e := &decodedRead[T]{since: since, started: now, changed: make(chan struct{})}
	if d.changes != nil {
		e.gen = d.changes()
	}
	d.entries[since] = e
	d.loads++
	d.mu.Unlock()
	// The load is everyone's: it runs apart from the session that asked
	// (that session closing must not fail the others' load), bounded by
	// its deadline; that session follows it like the others. A whole list
	// may take longer than one session waits (20 sessions at 50,000
	// servers on 2 cores read 35,000 in a pane's 60 s, then started again
	// from nothing): it goes on up to wholeListMax, and a session that
	// gave up joins it again at its next refresh, with the pages so far.
	lctx, age := cadence.WithAge(ctx) // the load's own reads may be shared answers too
	atLeast := time.Duration(0)
	if since.IsZero() {
		atLeast = wholeListMax
	}
	dctx, cancel := detached(lctx, atLeast)
	go func() {
		defer cancel()
		out, err := load(dctx, func(page T) {
			e.mu.Lock()
			e.pages = append(e.pages, page)
			close(e.changed)
			e.changed = make(chan struct{})
			e.mu.Unlock()
		})
		e.mu.Lock()
		e.out, e.err, e.done, e.at = out, err, true, d.now()
		e.asOf = age.At(e.started)
		e.pages = nil // the whole list is out
		close(e.changed)
		e.mu.Unlock()
	}()
	return e.follow(ctx, onPage, false)
}

// follow hands a joining session the pages so far, then new ones as they
// come, then the list (which has every page: a page that came with the end
// is not handed out again; a finished read is the list at once), and for
// a session that joined, notes the list's time in its context: it is
// another session's answer.
func (e *decodedRead[T]) follow(ctx context.Context, onPage func(T), joined bool) (T, error) {
	sent := 0
	for {
		e.mu.Lock()
		if e.done {
			out, err, asOf := e.out, e.err, e.asOf
			e.mu.Unlock()
			if err == nil && joined {
				cadence.Answered(ctx, asOf)
			}
			return out, err
		}
		pages, changed := e.pages[sent:], e.changed
		sent += len(pages)
		e.mu.Unlock()
		if onPage != nil {
			for _, p := range pages {
				onPage(p)
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// sharedRead is one read (a memcached's stats, the Galera cluster, a
// Docker host's containers) made once for every session of the server:
// a read in flight is joined, and a good answer is everyone's for fresh
// after it came and to the end of the slot it was asked in, like
// httpclient.Share's for HTTP (these backends speak other protocols, and
// each session asked them itself: 20 sessions made 5-6x one's reads). A
// session given another's answer learns its time (cadence.Answered).
type sharedRead[T any] struct {
	fresh, slot time.Duration
	now         func() time.Time

	mu  sync.Mutex
	cur *readCall[T]

	loads int // (tests)
}

type readCall[T any] struct {
	done     chan struct{}
	sent, at time.Time
	v        T
	err      error
}

func newSharedRead[T any](fresh, slot time.Duration) *sharedRead[T] {
	return &sharedRead[T]{fresh: fresh, slot: slot, now: time.Now}
}

func (s *sharedRead[T]) do(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	now := s.now()
	fresh, slot := cadence.Window(ctx, s.fresh, s.slot)
	s.mu.Lock()
	c := s.cur
	if c != nil {
		select {
		case <-c.done:
			if c.err != nil || !cadence.Current(c.sent, c.at, now, fresh, slot) {
				c = nil
			}
		default: // in flight: join it
		}
	}
	if c != nil {
		s.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if c.err == nil {
			cadence.Answered(ctx, c.sent)
		}
		return c.v, c.err
	}
	c = &readCall[T]{done: make(chan struct{}), sent: now}
	s.cur = c
	s.loads++
	s.mu.Unlock()
	// Everyone's read: the asking session closing must not fail the
	// sessions that joined it (its deadline still bounds it).
	lctx, cancel := detached(ctx, 0)
	defer cancel()
	c.v, c.err = load(lctx)
	c.at = s.now()
	close(c.done)
	return c.v, c.err
}

// forget drops the answer held: something changed (an action).
func (s *sharedRead[T]) forget() {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
}

// sharedMemcached reads one memcached's stats once for every session.
type sharedMemcached struct {
	controlplane.MemcachedSource
	r *sharedRead[memcached.Stats]
}

func (m sharedMemcached) Stats(ctx context.Context) (memcached.Stats, error) {
	return m.r.do(ctx, m.MemcachedSource.Stats)
}

// sharedGalera reads the Galera cluster once for every session (SQL: the
// client is read-only by construction, whatever the role).
type sharedGalera struct {
	controlplane.GaleraSource
	r *sharedRead[galera.Cluster]
}

func (g sharedGalera) Read(ctx context.Context) galera.Cluster {
	cl, _ := g.r.do(ctx, func(ctx context.Context) (galera.Cluster, error) { return g.GaleraSource.Read(ctx), nil })
	return cl
}

// sharedDocker puts one container list per host, per interval, in front
// of a session's Docker fleet (each session keeps its own fleet: host
// discovery tells each pane what it added). An action on a host forgets
// that host's list: its read-back is new.
type sharedDocker struct {
	*docker.Fleet
	reads *hostReads
}

// hostReads are the shared container lists of one cloud and role.
type hostReads struct {
	fresh, slot time.Duration
	mu          sync.Mutex
	m           map[string]*sharedRead[[]docker.Container]
}

func (h *hostReads) of(host string) *sharedRead[[]docker.Container] {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.m[host]
	if !ok {
		r = newSharedRead[[]docker.Container](h.fresh, h.slot)
		h.m[host] = r
	}
	return r
}

func (d sharedDocker) List(ctx context.Context, host string) ([]docker.Container, error) {
	return d.reads.of(host).do(ctx, func(ctx context.Context) ([]docker.Container, error) { return d.Fleet.List(ctx, host) })
}

func (d sharedDocker) Restart(ctx context.Context, host, name string) error {
	defer d.reads.of(host).forget()
	return d.Fleet.Restart(ctx, host, name)
}

func (d sharedDocker) Stop(ctx context.Context, host, name string) error {
	defer d.reads.of(host).forget()
	return d.Fleet.Stop(ctx, host, name)
}

func (d sharedDocker) Start(ctx context.Context, host, name string) error {
	defer d.reads.of(host).forget()
	return d.Fleet.Start(ctx, host, name)
}

// detached is ctx's values and deadline without its cancellation, the
// deadline at least atLeast from now (0: ctx's as is): a shared load
// outlives the session that started it.
func detached(ctx context.Context, atLeast time.Duration) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	dl, ok := ctx.Deadline()
	if atLeast > 0 && (!ok || dl.Before(time.Now().Add(atLeast))) {
		dl, ok = time.Now().Add(atLeast), true
	}
	if !ok {
		return context.WithCancel(d)
	}
	return context.WithDeadline(d, dl)
}
