package loki

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// streamsAnswer is a query_range answer of n lines over a few streams,
// each line naming its answer (tag) and index.
func streamsAnswer(tag string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"streams","result":[`)
	const streams = 8
	for s := 0; s < streams; s++ {
		if s > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"stream":{"host":"compute%02d","container":"nova_compute"},"values":[`, s)
		for i := s; i < n; i += streams {
			if i > s {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `["%d","%s line %05d: 2026-12-07 10:00:00.000 12 INFO nova.compute.manager [req-11111111-2222-4333-8444-555555555555] instance spawned in 4.2 seconds"]`,
				1_765_000_000_000_000_000+int64(n-i)*1000, tag, i)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`],"stats":{}}}`)
	return []byte(b.String())
}

// serveAnswers serves each answer in turn, without a Content-Length (as a
// real Loki's big answers come: chunked).
func serveAnswers(tb testing.TB, answers ...[]byte) *Client {
	tb.Helper()
	var next atomic.Int32 // a second connection would be another goroutine
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[int(next.Add(1)-1)%len(answers)]
		for len(a) > 0 { // in pieces: the client reads as they come
			k := min(len(a), 16<<10)
			w.Write(a[:k])
			w.(http.Flusher).Flush()
			a = a[k:]
		}
	}))
	tb.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, HTTP: srv.Client()})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Answers are read through a reused buffer: an earlier answer's lines
// stay its own after the next answer is read into that buffer.
func TestAnswersKeepTheirLinesAcrossReusedBuffers(t *testing.T) {
	c := serveAnswers(t, streamsAnswer("first", 1000), streamsAnswer("again", 1000))
	rq := RangeQuery{Query: `{container="nova_compute"}`, Start: time.Unix(0, 0), End: time.Now(), Limit: 1000}
	a, err := c.QueryRange(context.Background(), rq)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.QueryRange(context.Background(), rq)
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]*Result{"first": a, "again": b} {
		if len(res.Entries) != 1000 {
			t.Fatalf("%s answer: %d entries, want 1000", name, len(res.Entries))
		}
		for _, e := range res.Entries {
			if !strings.HasPrefix(e.Line, name+" line ") {
				t.Fatalf("%s answer holds %q", name, e.Line)
			}
		}
	}
}

// An answer cut short is an answer that does not decode, as before.
func TestCutAnswerIsADecodingError(t *testing.T) {
	body := streamsAnswer("cut", 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body[:len(body)/2])
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(context.Background(), RangeQuery{Query: `{container="nova_compute"}`, Limit: 100})
	if err == nil || !strings.Contains(err.Error(), "loki: decoding answer") {
		t.Fatalf("err %v, want a decoding error", err)
	}
}

// BenchmarkQueryRange1000Lines: the memory one 1,000-line log page costs
// the client (B/op), the logs pane's steady diet.
//
//	go test -run '^$' -bench QueryRange1000Lines -benchmem ./datasource/loki/
func BenchmarkQueryRange1000Lines(b *testing.B) {
	c := serveAnswers(b, streamsAnswer("bench", 1000))
	rq := RangeQuery{Query: `{container="nova_compute"}`, Start: time.Unix(0, 0), End: time.Now(), Limit: 1000}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.QueryRange(context.Background(), rq); err != nil {
			b.Fatal(err)
		}
	}
}
