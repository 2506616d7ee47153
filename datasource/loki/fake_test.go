package loki

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeLoki is a tiny in-memory Loki for unit tests: query_range honouring
// start/end/limit/direction (ignoring the selector), and a websocket tail
// that can close after a while and drop lines like the real one.
type fakeLoki struct {
	t  *testing.T
	mu sync.Mutex
	es []fakeEntry // in arrival order

	maxLimit    int // largest limit requested
	queries     int
	tailOpened  int
	tailOpen    int
	tailLife    time.Duration // close with 1011 after this (0: never)
	tailRefuse  bool          // accept then close at once with 1011
	dropOver    int           // per tick, lines beyond this are dropped and reported (0: never)
	headers     []http.Header
	srv         *httptest.Server
	tailQueries []string
}

type fakeEntry struct {
	ts     int64
	stream map[string]string
	line   string
}

func newFakeLoki(t *testing.T) *fakeLoki {
	f := &fakeLoki{t: t}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLoki) add(stream map[string]string, ts int64, line string) {
	f.mu.Lock()
	f.es = append(f.es, fakeEntry{ts: ts, stream: stream, line: line})
	f.mu.Unlock()
}

func (f *fakeLoki) client(t *testing.T) *Client {
	c, err := New(Options{URL: f.srv.URL, HTTP: f.srv.Client(), TenantID: "tenant1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wireOut(es []fakeEntry) []map[string]any {
	idx := map[string]int{}
	var out []map[string]any
	for _, e := range es {
		k := canonical(e.stream)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, map[string]any{"stream": e.stream, "values": [][]string{}})
		}
		out[i]["values"] = append(out[i]["values"].([][]string), []string{strconv.FormatInt(e.ts, 10), e.line})
	}
	return out
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	switch r.URL.Path {
	case "/loki/api/v1/query_range":
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
		end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
		if q.Get("query") == "{bad" {
			http.Error(w, "parse error at line 1, col 5: syntax error: unexpected $end, expecting } or ,", 400)
			return
		}
		f.mu.Lock()
		f.queries++
		f.maxLimit = max(f.maxLimit, limit)
		if limit > MaxEntriesPerQuery {
			f.mu.Unlock()
			http.Error(w, "max entries limit per query exceeded", 400)
			return
		}
		var sel []fakeEntry
		for _, e := range f.es {
			if e.ts >= start && (end == 0 || e.ts < end) {
				sel = append(sel, e)
			}
		}
		f.mu.Unlock()
		back := q.Get("direction") != "forward"
		sort.SliceStable(sel, func(i, j int) bool {
			if back {
				return sel[i].ts > sel[j].ts
			}
			return sel[i].ts < sel[j].ts
		})
		if len(sel) > limit {
			sel = sel[:limit]
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "streams", "result": wireOut(sel)}})
	case "/loki/api/v1/tail":
		f.serveTail(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeLoki) serveTail(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.tailOpened++
	f.tailOpen++
	f.tailQueries = append(f.tailQueries, r.URL.Query().Get("query"))
	refuse, life, dropOver := f.tailRefuse, f.tailLife, f.dropOver
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.tailOpen--; f.mu.Unlock() }()
	if refuse {
		conn.Close(websocket.StatusInternalError, "max concurrent tail requests limit exceeded")
		return
	}
	ctx := conn.CloseRead(r.Context())
	start, _ := strconv.ParseInt(r.URL.Query().Get("start"), 10, 64)
	opened := time.Now()
	cur := 0
	first := true
	for {
		f.mu.Lock()
		var send []fakeEntry
		for _, e := range f.es[cur:] {
			if !first || e.ts >= start {
				send = append(send, e)
			}
		}
		cur = len(f.es)
		f.mu.Unlock()
		first = false
		var dropped []fakeEntry
		if dropOver > 0 && len(send) > dropOver {
			dropped = send[dropOver:]
			send = send[:dropOver]
		}
		if len(send) > 0 || len(dropped) > 0 {
			fr := map[string]any{"streams": wireOut(send)}
			if len(dropped) > 0 {
				var ds []map[string]any
				for _, d := range dropped[:min(10, len(dropped))] {
					ds = append(ds, map[string]any{"labels": d.stream, "timestamp": strconv.FormatInt(d.ts, 10)})
				}
				fr["dropped_entries"] = ds
			}
			b, _ := json.Marshal(fr)
			if conn.Write(ctx, websocket.MessageText, b) != nil {
				return
			}
		}
		if life > 0 && time.Since(opened) > life {
			conn.Close(websocket.StatusInternalError, "reached tail max duration limit")
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// collect reads a subscription until want lines arrived (or 20 s passed).
func collect(t *testing.T, s *Subscription, want int) ([]Entry, []Marker, FollowStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var es []Entry
	var ms []Marker
	var st FollowStatus
	for len(es) < want {
		b, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d/%d lines: %v (status %+v)", len(es), want, err, st)
		}
		st = b.FollowStatus
		for _, it := range b.Items {
			if it.Marker != nil {
				ms = append(ms, *it.Marker)
			} else {
				es = append(es, it.Entry)
			}
		}
	}
	return es, ms, st
}

func checkExactlyOnce(t *testing.T, es []Entry, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range es {
		seen[e.Line]++
	}
	for i := 0; i < n; i++ {
		l := fmt.Sprintf("line %06d", i)
		if seen[l] != 1 {
			t.Fatalf("%s seen %d times (want exactly once); got %d lines", l, seen[l], len(es))
		}
	}
	if len(es) != n {
		t.Fatalf("got %d lines, want %d", len(es), n)
	}
}
