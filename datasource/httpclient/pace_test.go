package httpclient

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type paceClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *paceClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *paceClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A 503 backs reads off (refused unsent, with the reason), doubling with
// jitter on each further 503; changes still go through; good answers
// bring the interval back down.
func TestPacerBacksOffOn503WithJitter(t *testing.T) {
	var status atomic.Int32
	status.Store(503)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	clk := &paceClock{t: time.Unix(1e9, 0)}
	p := NewPacer()
	p.Now = clk.Now
	hc, err := New(Options{Pacer: p})
	if err != nil {
		t.Fatal(err)
	}
	get := func() error {
		resp, err := hc.Get(srv.URL + "/v2.1/os-services")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	until, why := p.State(host)
	d1 := until.Sub(clk.Now())
	if d1 < 3750*time.Millisecond || d1 > 6250*time.Millisecond || !strings.Contains(why, "503") {
		t.Fatalf("after one 503: back off %s (%q), want 5s ±25%%", d1, why)
	}
	n := hits.Load()
	err = get()
	if !errors.Is(err, ErrBackoff) || hits.Load() != n {
		t.Fatalf("read during back-off: %v, server hit %d times (want refused unsent)", err, hits.Load()-n)
	}
	if r := Reason(err); !strings.Contains(r, "backing off") || !strings.Contains(r, "503") {
		t.Errorf("status-line reason %q", r)
	}
	if resp, err := hc.Get(srv.URL + "/v2.1/servers/detail?limit=1000&marker=abc"); err != nil {
		t.Errorf("a further page of a list was held back: %v", err)
	} else {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2.1/os-services/x", nil)
	if resp, err := hc.Do(req); err != nil {
		t.Errorf("a change during back-off was held back: %v", err)
	} else {
		resp.Body.Close()
	}
	clk.Add(d1 + time.Millisecond)
	_ = get() // second 503: longer
	until, _ = p.State(host)
	if d2 := until.Sub(clk.Now()); d2 < 7500*time.Millisecond || d2 > 12500*time.Millisecond {
		t.Errorf("after a second 503: back off %s, want 10s ±25%%", d2)
	}
	// Jitter: many cockpits do not come back at the same instant.
	seen := map[time.Duration]bool{}
	for i := 0; i < 8; i++ {
		q := NewPacer()
		q.Now = clk.Now
		q.observe("h", "/", time.Millisecond, &http.Response{StatusCode: 503, Header: http.Header{}})
		u, _ := q.State("h")
		seen[u.Sub(clk.Now())] = true
	}
	if len(seen) < 2 {
		t.Errorf("no jitter: %v", seen)
	}
	status.Store(200)
	clk.Add(time.Minute)
	for i := 0; i < 3; i++ {
		if err := get(); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
	if u, _ := p.State(host); !u.IsZero() {
		t.Errorf("still backing off after good answers")
	}
}

// A path whose p95 latency climbs to four times its usual (and over a
// second) backs its backend off; a path that is always slow does not.
func TestPacerBacksOffWhenLatencyClimbs(t *testing.T) {
	clk := &paceClock{t: time.Unix(1e9, 0)}
	p := NewPacer()
	p.Now = clk.Now
	ok := &http.Response{StatusCode: 200, Header: http.Header{}}
	for i := 0; i < 20; i++ {
		p.observe("nova", "/servers/detail", 3*time.Second, ok) // always slow: its normal
		p.observe("nova", "/os-services", 50*time.Millisecond, ok)
	}
	if u, _ := p.State("nova"); !u.IsZero() {
		t.Fatal("a path that is always slow backed off")
	}
	p.observe("nova", "/os-services", 2*time.Second, ok)
	if u, _ := p.State("nova"); !u.IsZero() {
		t.Fatal("one slow answer (an outlier) backed off")
	}
	p.observe("nova", "/os-services", 2*time.Second, ok)
	u, why := p.State("nova")
	if u.IsZero() || !strings.Contains(why, "p95 latency") {
		t.Errorf("latency climbed 40x: state %v %q, want backing off", u, why)
	}
}
