package openstack

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// pagedNova serves n servers in pages of limit with marker pagination.
// decoy puts a metadata key named "servers_links" after the real links
// (a document the cheap scan misreads); linksFirst puts servers_links
// before servers.
type pagedNova struct {
	n          int
	decoy      bool
	linksFirst bool

	mu     sync.Mutex
	asked  []string // markers asked for, in order
	limits []int    // limits asked for, in order
	askedC chan string
}

func (s *pagedNova) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	marker := q.Get("marker")
	s.mu.Lock()
	s.asked = append(s.asked, marker)
	s.limits = append(s.limits, limit)
	s.mu.Unlock()
	if s.askedC != nil {
		s.askedC <- marker
	}
	from := 0
	if marker != "" {
		i, _ := strconv.Atoi(strings.TrimPrefix(marker, "srv-"))
		from = i + 1
	}
	to := min(from+limit, s.n)
	var servers []string
	for i := from; i < to; i++ {
		md := `{}`
		if s.decoy {
			md = `{"servers_links": "srv-0"}`
		}
		servers = append(servers, fmt.Sprintf(`{"id": "srv-%d", "name": "vm-%d", "status": "ACTIVE", "tenant_id": "p", "metadata": %s, "flavor": {"original_name": "m1"}, "OS-EXT-SRV-ATTR:host": "compute01"}`, i, i, md))
	}
	links := `[]`
	if to < s.n || (to == s.n && to-from == limit) {
		links = fmt.Sprintf(`[{"href": "http://x/v2.1/servers/detail?limit=%d&marker=srv-%d", "rel": "next"}]`, limit, to-1)
	}
	body := fmt.Sprintf(`{"servers": [%s], "servers_links": %s}`, strings.Join(servers, ", "), links)
	if s.linksFirst {
		body = fmt.Sprintf(`{"servers_links": %s, "servers": [%s]}`, links, strings.Join(servers, ", "))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func checkList(t *testing.T, ss []Server, n int) {
	t.Helper()
	if len(ss) != n {
		t.Fatalf("%d servers, want %d", len(ss), n)
	}
	for i, s := range ss {
		if s.ID != fmt.Sprintf("srv-%d", i) {
			t.Fatalf("server %d is %s: order or content wrong", i, s.ID)
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
