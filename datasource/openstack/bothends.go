package openstack

// A whole server list read from both ends at once (issue 15): one stream
// pages sort_key=uuid&sort_dir=asc from the lowest ID, the other
// sort_dir=desc from the highest, each with Nova's marker paging, and
// they stop where they meet. Marker paging forces one request after
// another within a stream; two streams keep two in flight, so the list
// takes about half the round trips.
//
// Complete by construction: the ascending stream has read every ID up to
// lo, the descending one every ID from hi, and the list ends only when
// lo >= hi (or a stream reached its end), so every server that existed
// during the whole load was read by one of them. Each stream checks that
// its IDs really come in its order (a server that ignored sort_key would
// otherwise leave a gap); if not, the list is read again in Nova's default
// order. A server created or changed during the load is caught by the
// next changes-since (asOf is from before either stream's first request).
// An error in either stream before they meet fails the whole list.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// errMet stops a stream: the two have met, the list is complete.
var errMet = errors.New("nova: list streams met")

// errUnordered: a stream's IDs are not in the order it asked for.
var errUnordered = errors.New("nova: server list not in the requested uuid order")

// meeting is the state the two streams share.
type meeting struct {
	mu     sync.Mutex
	lo, hi string // asc read every ID <= lo; desc every ID >= hi
	loOK   bool   // lo/hi are set (asc/desc handed a page)
	hiOK   bool
	met    bool
	err    error              // the first error of either stream before they met
	cancel context.CancelFunc // stops both streams (met, or failed)
	hand   func([]Server) error
	handed [][]Server // what was handed (a fallback hands only the rest)
	// Copies of lo and hi the fetchers read without waiting for a hand.
	loSeen, hiSeen atomic.Pointer[string]
}

// enough tells a stream's fetcher to stop asking ahead: the pages after
// next are all the other stream's (it has read from there on). The pages
// already fetched still go through page, which ends the stream.
func (m *meeting) enough(desc bool, next string) bool {
	other := m.hiSeen.Load()
	if desc {
		other = m.loSeen.Load()
	}
	return other != nil && !before(desc, next, *other)
}

// page takes one page of the ascending (desc false) or descending
// stream: it keeps what the other stream has not read, hands it on, and
// reports errMet once the streams have met.
func (m *meeting) page(desc bool, prev *string, ss []Server) error {
	for i := range ss {
		p := *prev
		if i > 0 {
			p = ss[i-1].ID
		}
		switch {
		case p == "" || before(desc, p, ss[i].ID):
		case *prev == "":
			// The stream's first page is not in its order: the API does
			// not sort by uuid (bothEnds reads the list Nova's way).
			return fmt.Errorf("%w: %q after %q", errUnordered, ss[i].ID, p)
		default:
			// Paging went back or did not advance: a broken list.
			return &MalformedError{Service: "nova", URL: "servers/detail?sort_key=uuid", Snippet: ss[i].ID,
				Err: fmt.Errorf("pagination did not advance: %q after %q", ss[i].ID, p)}
		}
	}
	if len(ss) > 0 {
		*prev = ss[len(ss)-1].ID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.met {
		return errMet
	}
	keep := len(ss)
	other, otherOK := m.hi, m.hiOK
	if desc {
		other, otherOK = m.lo, m.loOK
	}
	if otherOK {
		// The other stream read everything from other on (its way).
		for keep > 0 && !before(desc, ss[keep-1].ID, other) {
			keep--
		}
	}
	if len(ss) > 0 {
		last := ss[len(ss)-1].ID
		if desc {
			m.hi, m.hiOK = last, true
			m.hiSeen.Store(&last)
		} else {
			m.lo, m.loOK = last, true
			m.loSeen.Store(&last)
		}
	}
	if keep > 0 {
		part := ss[:keep]
		if cap(ss)-keep > 64 {
			// The page where the streams meet: entries point into what
			// is handed, so a few servers keep no whole page.
			part = slices.Clone(part)
		}
		m.handed = append(m.handed, part)
		if err := m.hand(part); err != nil {
			return err
		}
	}
	if keep < len(ss) {
		// This page reached what the other stream read: met (only once
		// handed, so a failed hand fails the list).
		m.met = true
		m.cancel()
		return errMet
	}
	return nil
}

// ended: a stream read to its end of the list (no next page): with what
// the other read from the other end, that is everything.
func (m *meeting) ended() {
	m.mu.Lock()
	m.met = true
	m.mu.Unlock()
	m.cancel()
}

// fail records a stream's error (unless the streams met: the list is
// complete) and stops the other stream: no half list.
func (m *meeting) fail(err error) {
	m.mu.Lock()
	if !m.met && m.err == nil && !errors.Is(err, errMet) {
		m.err = err
	}
	m.mu.Unlock()
	m.cancel()
}

// before: a comes strictly before b in the stream's order.
func before(desc bool, a, b string) bool {
	if desc {
		return strings.Compare(a, b) > 0
	}
	return strings.Compare(a, b) < 0
}

// bothEnds lists from both ends (pageURL adds the sort to the marker's
// page) and hands every server once to hand, in the order handed; the
// fallback lists in Nova's default order (defaultURL) and hands only the
// servers not handed yet. It returns the Nova-clock time before the first
// request of either stream.
func (c *Client) bothEnds(ctx context.Context, pageURL func(marker, dir string) string, defaultURL func(marker string) string, hand func([]Server) error) (time.Time, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := &meeting{cancel: cancel, hand: hand}
	decoders := newDecoders()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var asOf time.Time
	// The descending stream starts once the ascending one has handed its
	// first page (or ended): the first rows on screen come from one
	// request that does not share the server and the cores with a second
	// (two at once put first rows ~45 ms later at 50k); the second stream
	// still overlaps every later page.
	firstIn := make(chan struct{})
	var firstOnce sync.Once
	first := func() { firstOnce.Do(func() { close(firstIn) }) }
	for _, dir := range []string{"asc", "desc"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev string
			desc := dir == "desc"
			if desc {
				select {
				case <-firstIn:
				case <-sctx.Done():
				}
			} else {
				defer first()
			}
			t, err := c.pagedListWith(sctx, decoders, func(marker string) string { return pageURL(marker, dir) },
				func(next string) bool { return m.enough(desc, next) },
				func(ss []Server) error {
					if !desc {
						defer first()
					}
					return m.page(desc, &prev, ss)
				})
			mu.Lock()
			if !t.IsZero() && (asOf.IsZero() || t.Before(asOf)) {
				asOf = t
			}
			mu.Unlock()
			if err != nil {
				m.fail(err)
			} else {
				m.ended()
			}
		}()
	}
	wg.Wait()
	switch {
	case m.met:
		// Complete (an error after the streams met is the other stream
		// being stopped, or does not matter).
		return asOf, nil
	case errors.Is(m.err, errUnordered):
		// Not the order asked for: read the list again, Nova's way.
		seen := map[string]struct{}{}
		for _, p := range m.handed {
			for _, s := range p {
				seen[s.ID] = struct{}{}
			}
		}
		a2, err := c.pagedList(ctx, defaultURL, nil, func(ss []Server) error {
			rest := make([]Server, 0, len(ss))
			for _, s := range ss {
				if _, ok := seen[s.ID]; !ok {
					seen[s.ID] = struct{}{}
					rest = append(rest, s)
				}
			}
			if len(rest) == 0 {
				return nil
			}
			return hand(rest)
		})
		if err != nil {
			return time.Time{}, err
		}
		if asOf.IsZero() {
			asOf = a2
		}
		return asOf, nil
	case m.err != nil:
		return time.Time{}, m.err
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, fmt.Errorf("nova: server list stopped before its two ends met")
}
