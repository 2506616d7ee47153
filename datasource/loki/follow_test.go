package loki

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func fastOpts() FollowOptions {
	return FollowOptions{PollInterval: 50 * time.Millisecond, Overlap: 2 * time.Second, CalmAfter: time.Hour}
}

// feed adds n lines starting at line number from, spaced by gap.
func feed(f *fakeLoki, from, n int, gap time.Duration) {
	for i := from; i < from+n; i++ {
		f.add(map[string]string{"host": "compute04", "container": "nova_compute"}, time.Now().UnixNano(), fmt.Sprintf("line %06d", i))
		if gap > 0 {
			time.Sleep(gap)
		}
	}
}

func TestFollowTailDeliversLines(t *testing.T) {
	f := newFakeLoki(t)
	c := f.client(t)
	s := c.Follow(`{host="compute04"}`, fastOpts())
	defer s.Close()
	waitTail(t, f, 1)
	go feed(f, 0, 50, time.Millisecond)
	es, ms, st := collect(t, s, 50)
	checkExactlyOnce(t, es, 50)
	if st.Mode != ModeTail || len(ms) != 0 {
		t.Fatalf("mode %s markers %+v", st.Mode, ms)
	}
	if h := f.headers[0].Get("X-Scope-OrgID"); h != "tenant1" {
		t.Fatalf("tenant header %q", h)
	}
}

func waitTail(t *testing.T, f *fakeLoki, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		opened := f.tailOpened
		f.mu.Unlock()
		if opened >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tail %d never opened (opened %d)", n, opened)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFollowReconnectsAfterMaxDurationWithoutDuplicates(t *testing.T) {
	f := newFakeLoki(t)
	f.tailLife = 300 * time.Millisecond
	c := f.client(t)
	o := fastOpts()
	o.MinTailLife = 100 * time.Millisecond
	s := c.Follow(`{host="compute04"}`, o)
	defer s.Close()
	// Lines keep coming across several server-side closes.
	waitTail(t, f, 1)
	go feed(f, 0, 400, 5*time.Millisecond)
	es, ms, _ := collect(t, s, 400)
	checkExactlyOnce(t, es, 400)
	f.mu.Lock()
	opened := f.tailOpened
	f.mu.Unlock()
	if opened < 2 {
		t.Fatalf("tail opened %d times; want reconnects", opened)
	}
	if len(ms) == 0 || ms[0].Kind != MarkReconnect || !strings.Contains(ms[0].Text, "1011") {
		t.Fatalf("markers %+v", ms)
	}
	if st := s.Status(); st.Mode != ModeTail {
		t.Fatalf("mode %s after reconnects", st.Mode)
	}
}

func TestFollowSwitchesToPollingOnDropsAndLosesNothing(t *testing.T) {
	f := newFakeLoki(t)
	f.dropOver = 100
	c := f.client(t)
	s := c.Follow(`{host="compute04"}`, fastOpts())
	defer s.Close()
	waitTail(t, f, 1)
	feed(f, 0, 3000, 0) // one burst: the tail drops most of it
	es, ms, st := collect(t, s, 3000)
	checkExactlyOnce(t, es, 3000)
	var drop *Marker
	for i := range ms {
		if ms[i].Kind == MarkDrop {
			drop = &ms[i]
		}
	}
	if drop == nil || drop.Count == 0 {
		t.Fatalf("no drop marker in %+v", ms)
	}
	if st.Mode != ModePolling || !strings.Contains(st.Note, "dropped") {
		t.Fatalf("status %+v", st)
	}
	// Still following while polling.
	go feed(f, 3000, 20, time.Millisecond)
	es2, _, _ := collect(t, s, 20)
	checkExactlyOnce(t, append(es, es2...), 3020)
}

func TestFollowPollsWhenRateIsHigh(t *testing.T) {
	f := newFakeLoki(t)
	c := f.client(t)
	o := fastOpts()
	o.HighRate = 200
	s := c.Follow(`{host="compute04"}`, o)
	defer s.Close()
	waitTail(t, f, 1)
	go feed(f, 0, 3000, 200*time.Microsecond)
	es, _, _ := collect(t, s, 3000)
	checkExactlyOnce(t, es, 3000)
	st := s.Status()
	if st.Mode != ModePolling || !strings.Contains(st.Note, "lines/s") {
		t.Fatalf("status %+v", st)
	}
}

func TestFollowSharesOneTailPerQuery(t *testing.T) {
	f := newFakeLoki(t)
	c := f.client(t)
	a := c.Follow(`{host="compute04"}`, fastOpts())
	b := c.Follow(`{host="compute04"}`, fastOpts())
	waitTail(t, f, 1)
	feed(f, 0, 10, 0)
	ea, _, _ := collect(t, a, 10)
	eb, _, _ := collect(t, b, 10)
	checkExactlyOnce(t, ea, 10)
	checkExactlyOnce(t, eb, 10)
	if n, tails := c.Followers(); n != 1 || tails != 1 {
		t.Fatalf("followers %d tails %d", n, tails)
	}
	f.mu.Lock()
	opened := f.tailOpened
	f.mu.Unlock()
	if opened != 1 {
		t.Fatalf("tails opened %d", opened)
	}
	a.Close()
	if n, _ := c.Followers(); n != 1 {
		t.Fatalf("follower gone while b listens")
	}
	b.Close()
	if n, _ := c.Followers(); n != 0 {
		t.Fatalf("follower left running")
	}
	if _, err := b.Next(context.Background()); err != ErrClosed {
		t.Fatalf("next after close: %v", err)
	}
}

func TestFollowRespectsTailLimit(t *testing.T) {
	old := MaxTails
	MaxTails = 1
	defer func() { MaxTails = old }()
	f := newFakeLoki(t)
	c := f.client(t)
	a := c.Follow(`{host="compute04"}`, fastOpts())
	defer a.Close()
	waitTail(t, f, 1)
	b := c.Follow(`{host=~"compute.*"}`, fastOpts())
	defer b.Close()
	go feed(f, 0, 30, 2*time.Millisecond)
	eb, ms, st := collect(t, b, 30)
	checkExactlyOnce(t, eb, 30)
	if st.Mode != ModePolling || !strings.Contains(st.Note, "tails already open") || len(ms) == 0 {
		t.Fatalf("status %+v markers %+v", st, ms)
	}
	f.mu.Lock()
	opened := f.tailOpened
	f.mu.Unlock()
	if opened != 1 {
		t.Fatalf("opened %d tails with a limit of 1", opened)
	}
}

func TestFollowBacksOffWhenTailRefused(t *testing.T) {
	f := newFakeLoki(t)
	f.tailRefuse = true
	c := f.client(t)
	s := c.Follow(`{host="compute04"}`, fastOpts())
	defer s.Close()
	go feed(f, 0, 20, 2*time.Millisecond)
	es, _, st := collect(t, s, 20)
	checkExactlyOnce(t, es, 20)
	if st.Mode != ModePolling || !strings.Contains(st.Note, "refused") {
		t.Fatalf("status %+v", st)
	}
	time.Sleep(300 * time.Millisecond)
	f.mu.Lock()
	opened := f.tailOpened
	f.mu.Unlock()
	if opened != 1 {
		t.Fatalf("refused tail retried %d times without backing off", opened)
	}
}

func TestFollowStopsOnBadQuery(t *testing.T) {
	f := newFakeLoki(t)
	c := f.client(t)
	o := fastOpts()
	o.Polling = true
	s := c.Follow(`{bad`, o)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		b, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.Mode == ModeStopped {
			if b.Err == nil || !strings.Contains(b.Err.Error(), "parse error") {
				t.Fatalf("err %v", b.Err)
			}
			return
		}
	}
}

func TestSlowConsumerGetsOverflowMarker(t *testing.T) {
	f := newFakeLoki(t)
	c := f.client(t)
	o := fastOpts()
	o.Polling = true
	o.MaxPending = 100
	s := c.Follow(`{host="compute04"}`, o)
	defer s.Close()
	time.Sleep(100 * time.Millisecond)
	feed(f, 0, 500, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.Status()
		if st.Lines >= 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("follower delivered %d", st.Lines)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b.Items[0].Marker == nil || b.Items[0].Marker.Kind != MarkOverflow || b.Items[0].Marker.Count != 400 || len(b.Items) != 101 {
		t.Fatalf("first item %+v, %d items", b.Items[0], len(b.Items))
	}
}

// Loki's tail streams lack detected_level (and structured metadata) that
// query_range streams carry: the same line must still count once.
func TestFollowDedupIgnoresDerivedLabels(t *testing.T) {
	o := fastOpts()
	o.defaults()
	f := &follower{o: o, seen: map[Key]struct{}{}}
	tail := Entry{TS: 10, Line: "x", Stream: NewLabels(map[string]string{"job": "a"})}
	polled := Entry{TS: 10, Line: "x", Stream: NewLabels(map[string]string{"job": "a", "detected_level": "info"})}
	other := Entry{TS: 11, Line: "x", Stream: tail.Stream}
	if n := len(f.fresh([]Entry{tail})); n != 1 {
		t.Fatalf("first: %d", n)
	}
	if n := len(f.fresh([]Entry{polled, other})); n != 1 {
		t.Fatalf("re-read under other labels counted again: %d fresh", n)
	}
}

// The websocket dial goes through the caller's client: with a TLS server
// whose certificate only that client trusts, both queries and the tail work.
func TestTLSQueriesAndTailUseCallersClient(t *testing.T) {
	f := &fakeLoki{t: t}
	f.srv = httptest.NewTLSServer(f)
	defer f.srv.Close()
	c := f.client(t)
	s := c.Follow(`{host="compute04"}`, fastOpts())
	defer s.Close()
	waitTail(t, f, 1)
	feed(f, 0, 5, 0)
	es, _, st := collect(t, s, 5)
	checkExactlyOnce(t, es, 5)
	if st.Mode != ModeTail {
		t.Fatalf("mode %s", st.Mode)
	}
	if _, err := c.OpenTail(context.Background(), `{host="x"}`, time.Now(), 1, 0); err != nil {
		t.Fatal(err)
	}
	plain, _ := New(Options{URL: f.srv.URL, HTTP: &http.Client{}})
	if _, err := plain.OpenTail(context.Background(), `{host="x"}`, time.Now(), 1, 0); err == nil {
		t.Fatal("untrusted TLS accepted")
	}
}
