package httpclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/internal/cadence"
)

func TestShareAnswersSessionsOnce(t *testing.T) {
	var hits atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if r.URL.Path == "/slow" {
			<-release
		}
		if r.URL.Path == "/err" {
			w.WriteHeader(503)
		}
		if r.Method == http.MethodPut {
			w.WriteHeader(202)
			return
		}
		io.WriteString(w, r.URL.Path+" v"+r.Header.Get("OpenStack-API-Version")+" #"+string(rune('0'+n)))
	}))
	defer srv.Close()
	now := time.Unix(1000, 0)
	sh := NewShare(10 * time.Second)
	sh.Now = func() time.Time { return now }
	client := func(token string) *http.Client {
		hc, err := New(Options{Share: sh})
		if err != nil {
			t.Fatal(err)
		}
		hc.Transport = tokenRT{token, hc.Transport}
		return hc
	}
	a, b := client("tok-a"), client("tok-b")
	get := func(c *http.Client, path string, hdr ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	// Two sessions (two tokens) asking the same URL: one request.
	_, x := get(a, "/servers")
	_, y := get(b, "/servers")
	if x != y || hits.Load() != 1 {
		t.Fatalf("%q %q after %d upstream requests", x, y, hits.Load())
	}
	// Another microversion is another answer.
	get(b, "/servers", "OpenStack-API-Version", "compute 2.95")
	if hits.Load() != 2 {
		t.Fatalf("a microversion header was shared: %d", hits.Load())
	}
	// Fresh for 10 s, then asked again.
	now = now.Add(11 * time.Second)
	get(a, "/servers")
	if hits.Load() != 3 {
		t.Fatalf("a stale answer was served: %d", hits.Load())
	}
	// A change through the share forgets the host: the next read is new.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/os-services/1", nil)
	if resp, err := a.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	before := hits.Load()
	get(b, "/servers")
	if hits.Load() != before+1 {
		t.Fatal("a read after a change was answered from before it")
	}
	// Errors are not kept.
	get(a, "/err")
	get(b, "/err")
	if st, _ := get(a, "/err"); st != 503 {
		t.Fatalf("status %d", st)
	}
	// Concurrent identical reads wait for one request.
	before = hits.Load()
	var wg sync.WaitGroup
	bodies := make([]string, 5)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, bodies[i] = get([]*http.Client{a, b}[i%2], "/slow")
		}(i)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if hits.Load() != before+1 {
		t.Fatalf("%d upstream requests for 5 concurrent identical reads", hits.Load()-before)
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("different answers %q", bodies)
		}
	}
	if up, shared := sh.Counts(); up == 0 || shared < 5 {
		t.Errorf("counts %d %d", up, shared)
	}
}

type tokenRT struct {
	token string
	base  http.RoundTripper
}

func (t tokenRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Auth-Token", t.token)
	return t.base.RoundTrip(r)
}

// Prometheus and Loki query POSTs are reads: the same form is answered
// once, another form is asked; a Keystone token is never shared, and no
// query POST makes the share forget a host.
func TestShareQueryPOSTs(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_ = r.ParseForm()
		io.WriteString(w, r.URL.Path+"?"+r.Form.Encode())
	}))
	defer srv.Close()
	sh := NewShare(10 * time.Second)
	hc, _ := New(Options{Share: sh})
	post := func(path, form string) string {
		resp, err := hc.Post(srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get := func(path string) {
		resp, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("/api/v1/alerts")
	a := post("/api/v1/query", "query=up")
	b := post("/api/v1/query", "query=up")
	if a != b || !strings.Contains(a, "query=up") || hits.Load() != 2 {
		t.Fatalf("%q %q, %d upstream", a, b, hits.Load())
	}
	if c := post("/api/v1/query", "query=node_load1"); !strings.Contains(c, "node_load1") || hits.Load() != 3 {
		t.Fatalf("another query shared: %q", c)
	}
	post("/v3/auth/tokens", "x")
	post("/v3/auth/tokens", "x")
	if hits.Load() != 5 {
		t.Fatalf("a token issue was shared: %d", hits.Load())
	}
	get("/api/v1/alerts") // still cached: query POSTs forget nothing
	if hits.Load() != 5 {
		t.Fatalf("a query POST made the share forget: %d", hits.Load())
	}
}

// A read that says it repeats every 30 s may share an answer up to 27 s
// old; one without a cadence gets the share's own freshness.
func TestShareFollowsTheReadsCadence(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	now := time.Unix(1000, 0)
	sh := NewShare(9 * time.Second)
	sh.Now = func() time.Time { return now }
	hc, _ := New(Options{Share: sh})
	get := func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/q", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	slow := cadence.With(context.Background(), 30*time.Second)
	get(slow)
	now = now.Add(20 * time.Second)
	get(slow)
	if hits.Load() != 1 {
		t.Fatalf("a 30 s cadence read asked again after 20 s: %d", hits.Load())
	}
	get(context.Background())
	if hits.Load() != 2 {
		t.Fatalf("a read without cadence took a 20 s old answer: %d", hits.Load())
	}
}

// An answer no session may have any more is dropped, not kept for the
// server's life: changes-since URLs name their time, so each is asked once.
func TestShareDropsStaleAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	defer srv.Close()
	now := time.Unix(1000, 0)
	sh := NewShare(10 * time.Second)
	sh.Now = func() time.Time { return now }
	hc, err := New(Options{Share: sh})
	if err != nil {
		t.Fatal(err)
	}
	get := func(q string) {
		resp, err := hc.Get(srv.URL + "/servers?changes-since=" + q)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	for i := 0; i < 5; i++ {
		get(string(rune('a' + i)))
		now = now.Add(3 * time.Second)
	}
	// Asked at 0, 3, 6, 9, 12 s; now 15 s: the first two are stale.
	get("z")
	if n := sh.Held(); n != 4 {
		t.Fatalf("the share holds %d answers, want 4 (3 fresh and the new one)", n)
	}
}

// Twenty sessions refreshing every 10 s, each at its own moment, make one
// request per 10 s interval of the clock: a window of 9 s after each
// request let the session whose turn came just after it ask again (two
// requests per interval). A session given another's answer learns when it
// was asked; one asking for itself learns nothing.
func TestShareOneRequestPerInterval(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	now := time.Unix(1_000_000, 0) // the start of an interval
	sh := NewShare(9 * time.Second)
	sh.Slot = 10 * time.Second
	sh.Now = func() time.Time { return now }
	hc, _ := New(Options{Share: sh})
	get := func() time.Time {
		ctx, age := cadence.WithAge(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/ceph/api/health/full", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return age.Oldest()
	}
	start := now
	for round := 0; round < 6; round++ {
		var first time.Time
		for i := 0; i < 20; i++ { // session i refreshes i*490 ms into each interval
			now = start.Add(time.Duration(round)*10*time.Second + time.Duration(i)*490*time.Millisecond)
			got := get()
			switch {
			case i == 0 && !got.IsZero():
				t.Fatalf("round %d: the asking session was told its answer is another's", round)
			case i == 0:
				first = now
			case !got.Equal(first):
				t.Fatalf("round %d session %d: shared answer as of %v, want %v", round, i, got, first)
			}
		}
		if hits.Load() != int64(round+1) {
			t.Fatalf("after %d intervals, %d requests: want one per interval", round+1, hits.Load())
		}
	}
}
