package instances

import (
	"context"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// PagedSource is a Source that can also hand out a full list page by page
// as it arrives; the pane then shows the first rows of a first load while
// the rest loads (a 50,000-server list is ~50 pages).
type PagedSource interface {
	ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error)
}

// progress carries pages from a running load to Update. Pages that arrive
// while Update is busy are coalesced into one message.
type progress struct {
	mu      sync.Mutex
	pending [][]openstack.Server // pages not yet handed to Update
	done    bool
	final   serversMsg
	notify  chan struct{} // capacity 1
	lastOut time.Time     // when pages were last handed to Update
}

// pageEvery spaces the page batches of one load: each batch re-sorts the
// rows so far, and 50 of them would cost more than the first rows gain.
const pageEvery = 250 * time.Millisecond

// pagesMsg is a batch of rows of a first load still running.
type pagesMsg struct {
	prog    *progress
	servers []openstack.Server
}

func newProgress() *progress { return &progress{notify: make(chan struct{}, 1)} }

func (g *progress) signal() {
	select {
	case g.notify <- struct{}{}:
	default:
	}
}

func (g *progress) add(ss []openstack.Server) {
	g.mu.Lock()
	g.pending = append(g.pending, ss)
	g.mu.Unlock()
	g.signal()
}

func (g *progress) finish(m serversMsg) {
	g.mu.Lock()
	g.final, g.done = m, true
	g.mu.Unlock()
	g.signal()
}

// wait returns the next message of the load: pages (at most every
// pageEvery), then the final list.
func (g *progress) wait() tea.Msg {
	for {
		g.mu.Lock()
		if len(g.pending) > 0 && !g.done {
			if left := pageEvery - time.Since(g.lastOut); left > 0 {
				g.mu.Unlock()
				timer := time.NewTimer(left)
			sleep:
				for {
					select {
					case <-g.notify: // more pages, or the end of the load
						g.mu.Lock()
						done := g.done
						g.mu.Unlock()
						if done {
							break sleep
						}
					case <-timer.C:
						break sleep
					}
				}
				timer.Stop()
				g.mu.Lock()
			}
		}
		// Pages still pending when the load ended: a whole list brings
		// them again, a failed one does not (its rows read stay on screen,
		// said to be incomplete), so they go out first.
		if len(g.pending) > 0 && (!g.done || g.final.err != nil) {
			ss := slices.Concat(g.pending...)
			g.pending = nil
			g.lastOut = time.Now()
			g.mu.Unlock()
			return pagesMsg{prog: g, servers: ss}
		}
		if g.done {
			m := g.final
			g.mu.Unlock()
			return m
		}
		g.mu.Unlock()
		<-g.notify
	}
}
