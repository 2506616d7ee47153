package openstack

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// pagedNova serves n servers (IDs srv-00000 on, so that their order as
// strings is their number's) in pages of limit with marker pagination, in
// ID order or, with sort_key=uuid, in the sort_dir asked for. decoy puts a
// metadata key named "servers_links" after the real links (a document the
// cheap scan misreads); linksFirst puts servers_links before servers.
type pagedNova struct {
	n          int
	decoy      bool
	linksFirst bool
	// ignoreSort serves ID order whatever the sort (an API that ignores
	// sort_key); fail answers 500 to the requests it returns true for;
	// stuck answers the desc stream's second page with its first again
	// (a next link that does not advance).
	ignoreSort bool
	fail       func(q url.Values) bool
	stuck      bool
	// before runs (under mu) ahead of each request k (0 on): the test
	// deletes (gone) or creates (added) servers in the middle of a list.
	before func(k int)
	gone   map[int]bool
	added  []int
	// date, when set, is the Date header of each answer (Nova's clock).
	date func(desc bool) time.Time

	mu     sync.Mutex
	asked  []string // markers asked for, in order (desc: "desc:" marker)
	limits []int    // limits asked for, in order
	askedC chan string
}

func srvID(i int) string { return fmt.Sprintf("srv-%05d", i) }

func (s *pagedNova) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	marker := q.Get("marker")
	desc := q.Get("sort_key") == "uuid" && q.Get("sort_dir") == "desc" && !s.ignoreSort
	s.mu.Lock()
	if s.before != nil {
		s.before(len(s.asked))
	}
	key := marker
	if desc {
		key = "desc:" + marker
	}
	s.asked = append(s.asked, key)
	s.limits = append(s.limits, limit)
	var ids []int
	for i := 0; i < s.n; i++ {
		if !s.gone[i] {
			ids = append(ids, i)
		}
	}
	for _, i := range s.added {
		if !s.gone[i] {
			ids = append(ids, i)
		}
	}
	s.mu.Unlock()
	if s.askedC != nil {
		s.askedC <- marker
	}
	if s.fail != nil && s.fail(q) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
		return
	}
	slices.Sort(ids)
	if desc {
		slices.Reverse(ids)
	}
	// After the marker in this order (by value, as Nova's paginate_query:
	// a deleted marker still works).
	from := 0
	if marker != "" {
		m, _ := strconv.Atoi(strings.TrimPrefix(marker, "srv-"))
		for from < len(ids) && (!desc && ids[from] <= m || desc && ids[from] >= m) {
			from++
		}
		if s.stuck && desc {
			from = 0
		}
	}
	to := min(from+limit, len(ids))
	var servers []string
	for _, i := range ids[from:to] {
		md := `{}`
		if s.decoy {
			md = `{"servers_links": "srv-0"}`
		}
		servers = append(servers, fmt.Sprintf(`{"id": "%s", "name": "vm-%d", "status": "ACTIVE", "tenant_id": "p", "metadata": %s, "flavor": {"original_name": "m1"}, "OS-EXT-SRV-ATTR:host": "compute01"}`, srvID(i), i, md))
	}
	links := `[]`
	if to > from && (to < len(ids) || to-from == limit) {
		next := url.Values{"limit": {strconv.Itoa(limit)}, "marker": {srvID(ids[to-1])}}
		if s.stuck && desc && marker != "" {
			next.Set("marker", marker)
		}
		links = fmt.Sprintf(`[{"href": "http://x/v2.1/servers/detail?%s", "rel": "next"}]`, next.Encode())
	}
	body := fmt.Sprintf(`{"servers": [%s], "servers_links": %s}`, strings.Join(servers, ", "), links)
	if s.linksFirst {
		body = fmt.Sprintf(`{"servers_links": %s, "servers": [%s]}`, links, strings.Join(servers, ", "))
	}
	w.Header().Set("Content-Type", "application/json")
	if s.date != nil {
		w.Header().Set("Date", s.date(desc).UTC().Format(http.TimeFormat))
	}
	_, _ = w.Write([]byte(body))
}

// checkList: ss holds servers srv-00000 to n-1, each once (a list read
// from both ends comes in the order its pages were handed out).
func checkList(t *testing.T, ss []Server, n int) {
	t.Helper()
	if len(ss) != n {
		t.Fatalf("%d servers, want %d", len(ss), n)
	}
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != srvID(i) {
			t.Fatalf("server %d is %s: missing or listed twice", i, id)
		}
	}
}

// The next page is asked for before the previous one has been consumed:
// the consumer holds the first page until the server has seen the request
// for the third.
func TestServerPagesOverlapDecoding(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	nova := &pagedNova{n: 50, askedC: make(chan string, 100)}
	f.on("GET /compute/v2.1/servers/detail", nova.serve)
	c := f.client(t, false)
	c.PageSize = 10
	pages := 0
	ss, err := c.ServersPaged(ctxT(t), time.Time{}, func(p []Server) {
		pages++
		if pages != 1 {
			return
		}
		deadline := time.After(5 * time.Second)
		for seen := 0; seen < 3; {
			select {
			case <-nova.askedC:
				seen++
			case <-deadline:
				t.Errorf("while page 1 was being consumed the server saw only %d requests: pages are fetched serially", seen)
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, ss, 50)
	if pages != 5 {
		t.Errorf("%d pages handed out, want 5", pages)
	}
}

// Documents the scan cannot read (a decoy key, links first) and exact
// multiples of the page size still list every server once, in order.
func TestServerPagesScanFallbacks(t *testing.T) {
	for _, tc := range []struct {
		name string
		nova *pagedNova
	}{
		{"decoy metadata key", &pagedNova{n: 35, decoy: true}},
		{"links before servers", &pagedNova{n: 35, linksFirst: true}},
		{"exact multiple", &pagedNova{n: 40}},
		{"empty", &pagedNova{n: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCloud(t, "2.88")
			nova := tc.nova
			f.on("GET /compute/v2.1/servers/detail", nova.serve)
			c := f.client(t, false)
			c.PageSize = 10
			ss, err := c.Servers(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			checkList(t, ss, tc.nova.n)
			nova.mu.Lock()
			defer nova.mu.Unlock()
			seen := map[string]int{}
			for _, m := range nova.asked {
				seen[m]++
			}
			for m, k := range seen {
				if k > 2 {
					t.Errorf("marker %q asked %d times", m, k)
				}
			}
		})
	}
}

func TestScanNextMarker(t *testing.T) {
	for _, tc := range []struct {
		body        string
		marker      string
		hasNext, ok bool
	}{
		{`{"servers": [], "servers_links": [{"href": "http://n/servers/detail?limit=2&marker=abc", "rel": "next"}]}`, "abc", true, true},
		{`{"servers": [{"id": "a"}]}`, "", false, true},
		{`{"servers": [], "servers_links": []}`, "", false, true},
		{`{"servers": [], "servers_links": [{"href": "http://n/x", "rel": "next"}]}`, "", false, false},
		{`{"servers": [], "servers_links": "nope"}`, "", false, false},
		{`{"servers": [], "servers_links"`, "", false, false},
	} {
		m, h, ok := scanNextMarker([]byte(tc.body))
		if m != tc.marker || h != tc.hasNext || ok != tc.ok {
			t.Errorf("%s: (%q, %v, %v), want (%q, %v, %v)", tc.body, m, h, ok, tc.marker, tc.hasNext, tc.ok)
		}
	}
}

// A read the pacer held back says so (not "unreachable"), and a connection
// attempt it held back is tried again later.
func TestBackoffIsNotUnreachable(t *testing.T) {
	be := &httpclient.BackoffError{Host: "nova:8774", Until: time.Now().Add(5 * time.Second), Reason: "503 Service Unavailable"}
	err := wrapErr("nova", "GET", "http://nova:8774/v2.1/os-services", &url.Error{Op: "Get", URL: "http://nova:8774/v2.1/os-services", Err: be})
	if !errors.Is(err, httpclient.ErrBackoff) || errors.Is(err, ErrUnreachable) {
		t.Errorf("wrapped: %v (backoff %v, unreachable %v)", err, errors.Is(err, httpclient.ErrBackoff), errors.Is(err, ErrUnreachable))
	}
	if s := err.Error(); !strings.Contains(s, "backing off") || strings.Contains(s, "unreachable") || !strings.Contains(s, "503") {
		t.Errorf("message %q", s)
	}
	if !transient(err) {
		t.Error("a held-back connection attempt is not retried")
	}
}
