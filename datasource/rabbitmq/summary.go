package rabbitmq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The whole queue and connection lists are O(cloud): one compute.<host>
// queue and a few connections per host, about a megabyte a refresh at
// 1,000 hosts (issue 15). A refresh reads the overview, the nodes, the
// alarms and the deepest queues (one page, sorted and cut by the server)
// and lays them over the last whole lists. The whole lists are read again
// when the overview's object counts (connections, queues, consumers)
// moved since they were read (a service lost its connection or consumer,
// a queue came or went), and at least every WholeEvery.

const (
	defaultWholeEvery = time.Minute
	// deepPage is how many of the deepest queues a summary reads.
	deepPage = 100
)

type wholeCache struct {
	mu    sync.Mutex
	last  *Snapshot
	at    time.Time
	sig   string
	reads struct{ whole, summary int }
}

// Reads reports how many whole and summary snapshots this client made
// (tests, benchmarks).
func (c *Client) Reads() (whole, summary int) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	return c.cache.reads.whole, c.cache.reads.summary
}

func signature(o Overview) string {
	t := o.ObjectTotals
	return fmt.Sprintf("%d/%d/%d", t.Connections, t.Queues, t.Consumers)
}

// Snapshot reads the summary laid over the last whole lists, or the whole
// lists when the overview's counts moved or the safety net is due. Queues
// outside the deepest page and the connections may be up to WholeEvery
// old; everything a count can tell changed is read again at once.
func (c *Client) Snapshot(ctx context.Context) Snapshot {
	every := c.WholeEvery
	if every <= 0 {
		every = defaultWholeEvery
	}
	c.cache.mu.Lock()
	last, at, sig := c.cache.last, c.cache.at, c.cache.sig
	c.cache.mu.Unlock()
	if last != nil && time.Since(at) < every {
		if s, ok := c.summary(ctx, last, sig); ok {
			c.cache.mu.Lock()
			c.cache.reads.summary++
			c.cache.mu.Unlock()
			return s
		}
	}
	s := c.Whole(ctx)
	c.cache.mu.Lock()
	c.cache.reads.whole++
	c.cache.last = nil
	if len(s.Errs) == 0 { // lay summaries over complete lists only
		cp := s
		c.cache.last, c.cache.at, c.cache.sig = &cp, time.Now(), signature(s.Overview)
	}
	c.cache.mu.Unlock()
	return s
}

// summary reads the overview, nodes, alarms and the deepest queues; false
// when a whole read is due instead (a count moved, or a part failed: the
// whole read says which).
func (c *Client) summary(ctx context.Context, last *Snapshot, sig string) (Snapshot, bool) {
	s := Snapshot{Connections: last.Connections}
	var (
		deep                   []Queue
		oe, ne, qe, ae         error
		wg                     sync.WaitGroup
		overview, nodes, alarm = &s.Overview, &s.Nodes, &s.Alarms
	)
	wg.Add(4)
	go func() { defer wg.Done(); *overview, oe = c.Overview(ctx) }()
	go func() { defer wg.Done(); *nodes, ne = c.Nodes(ctx) }()
	go func() { defer wg.Done(); *alarm, ae = c.Health(ctx, CheckAlarms) }()
	go func() { defer wg.Done(); deep, qe = c.DeepestQueues(ctx, deepPage) }()
	wg.Wait()
	if oe != nil || ne != nil || qe != nil || ae != nil || signature(s.Overview) != sig {
		return Snapshot{}, false
	}
	type key struct{ vhost, name string }
	fresh := make(map[key]Queue, len(deep))
	for _, q := range deep {
		fresh[key{q.Vhost, q.Name}] = q
	}
	// A queue the page does not name holds at most the page's smallest
	// depth (or is gone, when the page is short of a whole one): one the
	// last lists showed deeper than that drained or went, and its old
	// depth would show as current. The whole lists say what it is now.
	var floor int64
	if len(deep) == deepPage {
		floor = deep[len(deep)-1].Messages
	}
	s.Queues = make([]Queue, 0, len(last.Queues))
	for _, q := range last.Queues {
		if f, ok := fresh[key{q.Vhost, q.Name}]; ok {
			q = f
		} else if len(deep) < deepPage || q.Messages > floor {
			return Snapshot{}, false
		}
		s.Queues = append(s.Queues, q)
	}
	SortByDepth(s.Queues)
	return s, true
}

// DeepestQueues reads one page of /api/queues sorted by depth by the
// server (page, page_size, sort, sort_reverse), with the same columns as
// Queues: the queues with the most messages first.
func (c *Client) DeepestQueues(ctx context.Context, n int) ([]Queue, error) {
	q := url.Values{"columns": {queueColumns}, "page": {"1"}, "page_size": {strconv.Itoa(n)},
		"sort": {"messages"}, "sort_reverse": {"true"}}
	var raw json.RawMessage
	if _, err := c.get(ctx, "/api/queues", q, &raw); err != nil {
		return nil, err
	}
	var page struct {
		Items []rawQueue `json:"items"`
	}
	if b := bytes.TrimSpace(raw); len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &page) != nil {
		// A server without pagination answered with the whole list.
		return nil, &Error{URL: c.url, Path: "/api/queues", Msg: "no paged answer (pagination needs RabbitMQ 3.6 or later)"}
	}
	out := make([]Queue, len(page.Items))
	for i, r := range page.Items {
		out[i] = r.queue()
	}
	return out, nil
}
