package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
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

func newServerShare(fresh time.Duration) *serverShare {
	return &serverShare{http: httpclient.NewShare(fresh), clients: newServedClients(fresh)}
}

// servedClients holds one datasource client per cloud, role and kind for
// every session of the server. The key carries the role and the read-only
// flag: an auditor's session only ever gets a client built for an
// auditor, with the read-only guard in its chain, never an operator's.
type servedClients struct {
	fresh time.Duration // how long a decoded read is everyone's

	mu sync.Mutex
	m  map[string]*servedClient
}

type servedClient struct {
	once  sync.Once
	v     any
	err   error // why it could not be built (kept, as in a session)
	built atomic.Bool
}

func newServedClients(fresh time.Duration) *servedClients {
	return &servedClients{fresh: fresh, m: map[string]*servedClient{}}
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
// is loading, or less than fresh after it loaded, is that same list
// (read-only: panes never modify what a source returns). Everything else
// passes through.
type sharedServers struct {
	serversSource
	reads *decodedReads
}

func (s sharedServers) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	return s.reads.do(ctx, since, nil, func(onPage func([]openstack.Server)) ([]openstack.Server, error) {
		return s.serversSource.Servers(ctx, since)
	})
}

func (s sharedServers) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	return s.reads.do(ctx, since, onPage, func(onPage func([]openstack.Server)) ([]openstack.Server, error) {
		return s.serversSource.ServersPaged(ctx, since, onPage)
	})
}

// decodedReads is a singleflight with a fresh window over decoded server
// lists, keyed by since. Pages of a load in flight are kept, so a session
// joining it still gets its first rows before the last page.
type decodedReads struct {
	fresh time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[time.Time]*decodedRead

	loads, joins int // counts (tests)
}

type decodedRead struct {
	mu      sync.Mutex
	pages   [][]openstack.Server
	changed chan struct{} // closed and replaced on each page and at the end
	done    bool
	at      time.Time
	out     []openstack.Server
	err     error
}

func newDecodedReads(fresh time.Duration) *decodedReads {
	return &decodedReads{fresh: fresh, now: time.Now, entries: map[time.Time]*decodedRead{}}
}

func (d *decodedReads) do(ctx context.Context, since time.Time, onPage func([]openstack.Server),
	load func(onPage func([]openstack.Server)) ([]openstack.Server, error)) ([]openstack.Server, error) {
	key := since.UTC()
	now := d.now()
	d.mu.Lock()
	for k, e := range d.entries { // drop stale lists: they hold memory
		e.mu.Lock()
		stale := e.done && (e.err != nil || now.Sub(e.at) >= d.fresh)
		e.mu.Unlock()
		if stale {
			delete(d.entries, k)
		}
	}
	e, ok := d.entries[key]
	if ok {
		d.joins++
		d.mu.Unlock()
		return e.follow(ctx, onPage)
	}
	e = &decodedRead{changed: make(chan struct{})}
	d.entries[key] = e
	d.loads++
	d.mu.Unlock()
	out, err := load(func(page []openstack.Server) {
		e.mu.Lock()
		e.pages = append(e.pages, page)
		close(e.changed)
		e.changed = make(chan struct{})
		e.mu.Unlock()
		if onPage != nil {
			onPage(page)
		}
	})
	e.mu.Lock()
	e.out, e.err, e.done, e.at = out, err, true, d.now()
	e.pages = nil // the whole list is out
	close(e.changed)
	e.mu.Unlock()
	return out, err
}

// follow hands a joining session the pages so far, then new ones as they
// come, then the list (which has every page: a page that came with the end
// is not handed out again; a finished read is the list at once).
func (e *decodedRead) follow(ctx context.Context, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	sent := 0
	for {
		e.mu.Lock()
		if e.done {
			out, err := e.out, e.err
			e.mu.Unlock()
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
			return nil, ctx.Err()
		}
	}
}
