//go:build integration

package loki_test

// Real-server tests against Grafana Loki v3.7.8 started by testenv/loki.sh
// (STACKPIT_TEST_LOKI_URL; tails are closed after STACKPIT_TEST_LOKI_TAIL_MAX).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
)

func lokiURL(t testing.TB) string {
	u := os.Getenv("STACKPIT_TEST_LOKI_URL")
	if u == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_LOKI_URL is not set (run testenv/loki.sh install && start, then source testenv/run/loki.env)")
		}
		t.Skip("STACKPIT_TEST_LOKI_URL not set")
	}
	return u
}

// clients returns a read-only client (what the cockpit uses) and a
// writable one for pushing test data.
func clients(t testing.TB) (ro, rw *loki.Client) {
	u := lokiURL(t)
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	sc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: -1})
	w, _ := httpclient.New(httpclient.Options{})
	var err error
	if ro, err = loki.New(loki.Options{URL: u, HTTP: hc, Stream: sc}); err != nil {
		t.Fatal(err)
	}
	if rw, err = loki.New(loki.Options{URL: u, HTTP: w}); err != nil {
		t.Fatal(err)
	}
	return ro, rw
}

func runID(t testing.TB) string {
	return fmt.Sprintf("%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano()%1e9)
}

// pushSeq pushes lines "seq NNNNNN" [from, from+n) with increasing
// timestamps, in batches.
func pushSeq(t testing.TB, c *loki.Client, job string, from, n int, base time.Time) {
	t.Helper()
	for i := from; i < from+n; i += 1000 {
		var es []loki.PushEntry
		for j := i; j < min(i+1000, from+n); j++ {
			es = append(es, loki.PushEntry{Time: base.Add(time.Duration(j) * time.Microsecond), Line: fmt.Sprintf("2026-11-22 12:00:00.000 7 INFO test seq %06d", j)})
		}
		if err := c.Push(context.Background(), []loki.PushStream{{Labels: map[string]string{"job": job, "host": "compute01", "container": "nova_compute"}, Entries: es}}); err != nil {
			t.Error(err) // may run in a pusher goroutine: no Fatal
			return
		}
	}
}

func seqOf(line string) int {
	var n int
	if i := strings.Index(line, "seq "); i >= 0 {
		fmt.Sscanf(line[i+4:], "%d", &n)
	}
	return n
}

func TestIntegrationQueryRangePagingAndLimits(t *testing.T) {
	ro, rw := clients(t)
	job := runID(t)
	base := time.Now().Add(-2 * time.Minute)
	const n = 12000
	pushSeq(t, rw, job, 0, n, base)
	ctx := context.Background()
	for _, dir := range []loki.Direction{loki.Forward, loki.Backward} {
		var got []loki.Entry
		deadline := time.Now().Add(30 * time.Second)
		for {
			got = got[:0]
			err := ro.QueryAll(ctx, loki.RangeQuery{Query: `{job="` + job + `"}`, Start: base.Add(-time.Second), End: time.Now().Add(time.Second), Direction: dir}, 0,
				func(es []loki.Entry) bool { got = append(got, es...); return true })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) >= n || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		seen := make([]int, n)
		for _, e := range got {
			seen[seqOf(e.Line)]++
		}
		for i, k := range seen {
			if k != 1 {
				t.Fatalf("%s: seq %d returned %d times (%d lines)", dir, i, k, len(got))
			}
		}
		if dir == loki.Forward && seqOf(got[0].Line) != 0 || dir == loki.Backward && seqOf(got[0].Line) != n-1 {
			t.Fatalf("%s: first line %q", dir, got[0].Line)
		}
	}
	// Loki's own limit: more than 5,000 entries in one request is refused,
	// which is why the client pages.
	q := url.Values{"query": {`{job="` + job + `"}`}, "limit": {"5001"}}
	resp, err := http.Get(lokiURL(t) + "/loki/api/v1/query_range?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "max entries limit") {
		t.Fatalf("limit 5001: %d %s", resp.StatusCode, body)
	}
}

func TestIntegrationLabelsSeriesAndBadLogQL(t *testing.T) {
	ro, rw := clients(t)
	job := runID(t)
	pushSeq(t, rw, job, 0, 10, time.Now().Add(-time.Minute))
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		vs, err := ro.LabelValues(ctx, "job", time.Now().Add(-time.Hour), time.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.Join(vs, ","), job) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not in label values %v", job, vs)
		}
		time.Sleep(300 * time.Millisecond)
	}
	ls, err := ro.Labels(ctx, time.Now().Add(-time.Hour), time.Now())
	if err != nil || !strings.Contains(strings.Join(ls, ","), "host") || !strings.Contains(strings.Join(ls, ","), "service_name") {
		t.Fatalf("labels %v %v", ls, err)
	}
	ss, err := ro.Series(ctx, []string{`{job="` + job + `"}`}, time.Now().Add(-time.Hour), time.Now())
	if err != nil || len(ss) == 0 || ss[0]["container"] != "nova_compute" || ss[0]["service_name"] == "" {
		t.Fatalf("series %v %v", ss, err)
	}
	_, err = ro.QueryRange(ctx, loki.RangeQuery{Query: `{job="` + job + `"`})
	var le *loki.Error
	if err == nil || !strings.Contains(err.Error(), "parse error") || !asErr(err, &le) || le.Status != 400 {
		t.Fatalf("bad LogQL: %v", err)
	}
	// Read-only sessions cannot push.
	if err := ro.Push(ctx, nil); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("read-only push: %v", err)
	}
}

func asErr(err error, target **loki.Error) bool {
	e, ok := err.(*loki.Error)
	if ok {
		*target = e
	}
	return ok
}

// drain collects lines of a subscription until want distinct seqs arrived.
func drain(t testing.TB, s *loki.Subscription, want int, timeout time.Duration, onLine func(loki.Entry, time.Time)) (map[int]int, []loki.Marker, loki.FollowStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got := map[int]int{}
	var ms []loki.Marker
	var st loki.FollowStatus
	for len(got) < want {
		b, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("%d/%d lines: %v (status %+v, markers %+v)", len(got), want, err, st, ms)
		}
		now := time.Now()
		st = b.FollowStatus
		for _, it := range b.Items {
			if it.Marker != nil {
				ms = append(ms, *it.Marker)
				continue
			}
			got[seqOf(it.Line)]++
			if onLine != nil {
				onLine(it.Entry, now)
			}
		}
	}
	return got, ms, st
}

func exactlyOnce(t testing.TB, got map[int]int, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if got[i] != 1 {
			t.Fatalf("seq %d delivered %d times", i, got[i])
		}
	}
}

func TestIntegrationLiveTail(t *testing.T) {
	ro, rw := clients(t)
	job := runID(t)
	s := ro.Follow(`{job="`+job+`"}`, loki.FollowOptions{})
	defer s.Close()
	time.Sleep(time.Second) // let the tail open
	for i := 0; i < 50; i++ {
		pushSeq(t, rw, job, i, 1, time.Now())
		time.Sleep(20 * time.Millisecond)
	}
	got, ms, st := drain(t, s, 50, 30*time.Second, nil)
	exactlyOnce(t, got, 50)
	if st.Mode != loki.ModeTail {
		t.Fatalf("mode %s (%s), markers %+v", st.Mode, st.Note, ms)
	}
	if _, tails := ro.Followers(); tails != 1 {
		t.Fatalf("tails %d", tails)
	}
}

func TestIntegrationReconnectAfterMaxDurationWithoutDuplicates(t *testing.T) {
	ro, rw := clients(t)
	maxDur, err := time.ParseDuration(os.Getenv("STACKPIT_TEST_LOKI_TAIL_MAX"))
	if err != nil || maxDur > 2*time.Minute {
		t.Skip("Loki's tail_max_duration is not short (STACKPIT_TEST_LOKI_TAIL_MAX)")
	}
	job := runID(t)
	s := ro.Follow(`{job="`+job+`"}`, loki.FollowOptions{MinTailLife: maxDur / 2})
	defer s.Close()
	time.Sleep(time.Second)
	n := int((maxDur + 6*time.Second) / (100 * time.Millisecond))
	go func() {
		for i := 0; i < n; i++ {
			pushSeq(t, rw, job, i, 1, time.Now())
			time.Sleep(100 * time.Millisecond)
		}
	}()
	got, ms, st := drain(t, s, n, maxDur+60*time.Second, nil)
	exactlyOnce(t, got, n)
	var reconnect bool
	for _, m := range ms {
		reconnect = reconnect || m.Kind == loki.MarkReconnect && strings.Contains(m.Text, "1011")
	}
	if !reconnect || st.Mode != loki.ModeTail {
		t.Fatalf("no 1011 reconnect seen (mode %s, markers %+v)", st.Mode, ms)
	}
}

func TestIntegrationBurstFallsBackToPollingLosingNothing(t *testing.T) {
	ro, rw := clients(t)
	job := runID(t)
	s := ro.Follow(`{job="`+job+`"}`, loki.FollowOptions{})
	defer s.Close()
	time.Sleep(time.Second)
	const n = 20000
	go func() {
		// 20,000 lines in ~4 s: above what one tail delivers.
		for i := 0; i < n; i += 1000 {
			pushSeq(t, rw, job, i, 1000, time.Now())
			time.Sleep(200 * time.Millisecond)
		}
	}()
	got, ms, st := drain(t, s, n, 90*time.Second, nil)
	exactlyOnce(t, got, n)
	var switched bool
	for _, m := range ms {
		switched = switched || m.Kind == loki.MarkDrop
	}
	if st.Mode != loki.ModePolling && !switched {
		t.Fatalf("never switched to polling: mode %s note %q markers %+v", st.Mode, st.Note, ms)
	}
	t.Logf("mode %s, note %q, %d markers", st.Mode, st.Note, len(ms))
}

// BenchmarkIntegrationFollow10k pushes 10,000 lines/s for 30 s (override
// with STACKPIT_LOKI_BENCH_SECONDS) and reports lost lines and delivery
// latency (receive time - line timestamp). It runs once whatever b.N is.
func BenchmarkIntegrationFollow10k(b *testing.B) {
	ro, rw := clients(b)
	job := runID(b)
	secs := 30
	if v := os.Getenv("STACKPIT_LOKI_BENCH_SECONDS"); v != "" {
		fmt.Sscanf(v, "%d", &secs)
	}
	s := ro.Follow(`{job="`+job+`"}`, loki.FollowOptions{})
	defer s.Close()
	time.Sleep(time.Second)
	n := secs * 10000
	go func() {
		start := time.Now()
		sent := 0
		for sent < n {
			time.Sleep(50 * time.Millisecond)
			want := min(n, int(time.Since(start).Seconds()*10000))
			if want > sent {
				pushSeq(b, rw, job, sent, want-sent, time.Now().Add(-time.Duration(sent)*time.Microsecond))
				sent = want
			}
		}
	}()
	var mu sync.Mutex
	var lat []time.Duration
	got, _, st := drain(b, s, n, time.Duration(secs)*time.Second+2*time.Minute, func(e loki.Entry, now time.Time) {
		mu.Lock()
		lat = append(lat, now.Sub(e.Time()))
		mu.Unlock()
	})
	lost, dup := 0, 0
	for i := 0; i < n; i++ {
		switch {
		case got[i] == 0:
			lost++
		case got[i] > 1:
			dup++
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dup), "duplicates")
	b.ReportMetric(lat[len(lat)/2].Seconds(), "p50-latency-s")
	b.ReportMetric(lat[len(lat)*99/100].Seconds(), "p99-latency-s")
	b.Logf("%d lines, lost %d, dup %d, p50 %s, p99 %s, final mode %s (%s)", n, lost, dup, lat[len(lat)/2], lat[len(lat)*99/100], st.Mode, st.Note)
}
