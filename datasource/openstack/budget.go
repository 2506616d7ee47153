package openstack

// The request budget of a steady refresh (issue 15): what several panes
// ask for is read once and shared, what the server list already tells is
// not asked again, and Placement is read per provider only when it changed.

import (
	"context"
	"maps"
	"net/url"
	"sync"
	"time"

	"github.com/stackpit/stackpit/internal/cadence"
)

// Defaults for the budget knobs on Client.
const (
	// DefaultUsageEvery: a resource provider's usages are read at most
	// this often, and only when its generation changed.
	DefaultUsageEvery = time.Minute
	// DefaultUsageMaxAge: usages are re-read this often even when the
	// generation did not change (a safety net, not the normal path).
	DefaultUsageMaxAge = 10 * time.Minute
	// DefaultInventoryEvery: inventories (capacity) change when a host is
	// reconfigured, so they are re-read rarely.
	DefaultInventoryEvery = 10 * time.Minute
)

// budget is the Client's shared, cached state for steady refreshes.
type budget struct {
	svcMu     sync.Mutex
	svc       []ComputeService // last os-services answer
	svcSent   time.Time        // when its request was sent
	svcAt     time.Time        // when it came
	svcGen    int              // bumped by a service change: an older answer is not kept
	svcFlight *svcFlight

	hostMu   sync.Mutex
	hostOf   map[string]serverRef // server ID -> compute host, image and name, from server lists
	hostSeen bool                 // a full list has been seen
	hostGen  int                  // moves when hostOf may have changed (namesFromLists)
	hostAt   time.Time            // when a server list last brought hostOf up to date
	// hostLoose: hostOf was made with room for a guess of the list's
	// size, not its length (a first list: sizer), and is made again at
	// its length by the next delta. At 50,000 servers the guess's 20%
	// more crossed a power of two of the map's tables: 6.9 MB kept for
	// 3.4 of entries until the next full list, 15 minutes later (heap
	// profile of the cockpit on 1,000 hosts; issue 15).
	hostLoose bool

	rpMu sync.Mutex
	rps  map[string]*rpState // by provider UUID
}

type svcFlight struct {
	done chan struct{}
	val  []ComputeService
	err  error
}

// rpState is what the client last read of one resource provider.
type rpState struct {
	gen     int64 // generation the usages were read at
	usageAt time.Time
	invAt   time.Time
	askedAt time.Time // its last usages or inventories request
	haveUse bool
	haveInv bool
	inv     map[string]placementInv
	use     map[string]int
}

type placementInv struct {
	Total           int     `json:"total"`
	Reserved        int     `json:"reserved"`
	AllocationRatio float64 `json:"allocation_ratio"`
}

func (c *Client) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ComputeServices lists Nova's os-services (every binary on every host),
// with disabled_reason and forced_down (mv >= 2.11). With SharedTTL > 0,
// callers within SharedTTL of each other share one request, and so do
// callers in the same SharedSlot interval of the wall clock: the compute,
// agents and instances panes each refresh at their own second of the
// shell's 1-second tick, so a TTL of half a refresh let them make 1.5
// reads a cycle (issue 15: 30 a minute of 222 kB at 1,000 hosts). A shared
// answer is at most one refresh old, within the slack the panes' age
// labels allow a refresh, so it is not reported as older (cadence.Age):
// the instances pane's "updated" is its server list's, and an age label
// moving from "<10s" on an idle screen is output (issue 15); one whose
// request was sent longer than a refresh ago is. Concurrent
// callers share one request in flight; a service change made through
// this client is seen by the next call.
func (c *Client) ComputeServices(ctx context.Context) ([]ComputeService, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	ttl := c.SharedTTL
	if ttl <= 0 {
		return c.services(ctx, url.Values{})
	}
	b := &c.budget
	b.svcMu.Lock()
	if now := c.now(); b.svc != nil && cadence.Current(b.svcSent, b.svcAt, now, ttl, c.SharedSlot) {
		v, sent := append([]ComputeService(nil), b.svc...), b.svcSent
		b.svcMu.Unlock()
		// A slow request (20 s) makes its answer older than a refresh:
		// then the caller learns how old.
		if now.Sub(sent) > max(c.SharedSlot, ttl) {
			cadence.Answered(ctx, sent)
		}
		return v, nil
	}
	if f := b.svcFlight; f != nil {
		b.svcMu.Unlock()
		select {
		case <-f.done:
			return append([]ComputeService(nil), f.val...), f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &svcFlight{done: make(chan struct{})}
	b.svcFlight = f
	gen := b.svcGen
	b.svcMu.Unlock()

	sent := c.now()
	v, err := c.services(ctx, url.Values{})

	b.svcMu.Lock()
	b.svcFlight = nil
	if err == nil && gen == b.svcGen {
		b.svc, b.svcSent, b.svcAt = v, sent, c.now()
	}
	f.val, f.err = v, err
	close(f.done)
	b.svcMu.Unlock()
	return append([]ComputeService(nil), v...), err
}

// forgetServices drops the shared os-services answer after a change.
func (c *Client) forgetServices() {
	c.budget.svcMu.Lock()
	c.budget.svc = nil
	c.budget.svcGen++
	c.budget.svcMu.Unlock()
}

// noteServers updates the server -> host index from a changes-since
// list (a whole list's index is built page by page and swapped in by
// setIndex; lists filtered otherwise, by host, are not noted).
func (c *Client) noteServers(ss []Server) {
	b := &c.budget
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	if !b.hostSeen {
		return
	}
	if b.hostLoose {
		b.hostOf, b.hostLoose = exactIndex(b.hostOf), false
	}
	if len(ss) > 0 {
		b.hostGen++
	}
	b.hostAt = c.now()
	for i := range ss {
		if ss[i].Deleted {
			delete(b.hostOf, ss[i].ID)
		} else {
			b.hostOf[ss[i].ID] = serverRef{ss[i].Host, ss[i].ImageID, ss[i].Name}
		}
	}
}

// indexServers adds a full list's servers to its server -> host index.
func indexServers(m map[string]serverRef, ss []Server) {
	for i := range ss {
		if !ss[i].Deleted {
			m[ss[i].ID] = serverRef{ss[i].Host, ss[i].ImageID, ss[i].Name}
		}
	}
}

// fullIndex starts the index of a full list read page by page, so that
// its end only swaps it in (setIndex); both are sized like the last whole
// list (last: its length, 0 before the first).
func (c *Client) fullIndex() (m map[string]serverRef, last int) {
	b := &c.budget
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	return make(map[string]serverRef, len(b.hostOf)), len(b.hostOf)
}

// sizedIndex is m, or a copy of it made with room for n servers when it
// holds fewer than n entries.
func sizedIndex(m map[string]serverRef, n int) map[string]serverRef {
	if n <= len(m) {
		return m
	}
	out := make(map[string]serverRef, n)
	maps.Copy(out, m)
	return out
}

// exactIndex is a copy of m with room for its entries only.
func exactIndex(m map[string]serverRef) map[string]serverRef {
	out := make(map[string]serverRef, len(m))
	maps.Copy(out, m)
	return out
}

// setIndex makes m, a whole list's index, the client's; loose: m was
// sized by a guess, not a whole list's length (hostLoose).
func (c *Client) setIndex(m map[string]serverRef, loose bool) {
	b := &c.budget
	b.hostMu.Lock()
	b.hostOf, b.hostSeen, b.hostLoose = m, true, loose
	b.hostGen++
	b.hostAt = c.now()
	b.hostMu.Unlock()
}

// serverRef is what the budget keeps per server: where it runs, what it
// was booted from and its name (strings shared with the decoded list).
type serverRef struct{ host, image, name string }

// ImageUse returns the number of servers booted from each image, from the
// same server lists as VMCounts (no request); false until a full list has
// been read. Volume-backed servers have no image and are not counted.
func (c *Client) ImageUse() (map[string]int, bool) {
	b := &c.budget
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	if !b.hostSeen {
		return nil, false
	}
	out := map[string]int{}
	for _, r := range b.hostOf {
		if r.image != "" {
			out[r.image]++
		}
	}
	return out, true
}

// VMCounts returns the number of servers per compute host from the last
// server lists (no request), and false until a full list has been read.
func (c *Client) VMCounts() (map[string]int, bool) {
	b := &c.budget
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	if !b.hostSeen {
		return nil, false
	}
	out := map[string]int{}
	for _, r := range b.hostOf {
		if h := r.host; h != "" {
			out[h]++
		}
	}
	return out, true
}
