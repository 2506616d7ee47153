package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/loki/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serveFile(t *testing.T, status int, body []byte) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDecodeStreamsSample(t *testing.T) {
	c := serveFile(t, 200, sample(t, "query_range_streams.json"))
	res, err := c.QueryRange(context.Background(), RangeQuery{Query: `{job="kolla"}`, Direction: Backward})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "streams" || len(res.Entries) == 0 {
		t.Fatalf("type %q entries %d", res.Type, len(res.Entries))
	}
	for i := 1; i < len(res.Entries); i++ {
		if res.Entries[i].TS > res.Entries[i-1].TS {
			t.Fatalf("backward result not newest first at %d", i)
		}
	}
	e := res.Entries[len(res.Entries)-1]
	if e.TS != 1795340702400366727 || !strings.Contains(e.Line, "json line 0 on compute01") {
		t.Fatalf("oldest entry %+v", e)
	}
	if e.Stream.Get("host") != "compute01" || e.Stream.Get("detected_level") != "info" {
		t.Fatalf("labels %v", e.Stream.Map)
	}
	// Entries of one stream share one label set.
	var glance []*Labels
	for _, e := range res.Entries {
		if e.Stream.Get("container") == "glance_api" && e.Stream.Get("request_id") == "" {
			glance = append(glance, e.Stream)
		}
	}
	if len(glance) != 4 || glance[0] != glance[3] {
		t.Fatalf("glance stream entries %d, shared=%v", len(glance), len(glance) == 4 && glance[0] == glance[3])
	}
}

func TestDecodeThreeElementValues(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"host":"compute01"},"values":[
	 ["1795340702000000002","two",{"structuredMetadata":{"request_id":"req-1"},"parsed":{"level":"info"}}],
	 ["1795340702000000001","one",{"trace_id":"abc"}],
	 ["1795340702000000000","zero"]]}]}}`
	c := serveFile(t, 200, []byte(body))
	res, err := c.QueryRange(context.Background(), RangeQuery{Query: `{host="compute01"}`, Direction: Forward})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 3 || res.Entries[0].Line != "zero" || res.Entries[2].Line != "two" {
		t.Fatalf("entries %+v", res.Entries)
	}
	if res.Entries[2].Metadata["request_id"] != "req-1" || res.Entries[2].Parsed["level"] != "info" {
		t.Fatalf("categorized metadata %+v", res.Entries[2])
	}
	if res.Entries[1].Metadata["trace_id"] != "abc" || res.Entries[0].Metadata != nil {
		t.Fatalf("flat metadata %+v %+v", res.Entries[1], res.Entries[0])
	}
	bad := `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1"]]}]}}`
	if _, err := serveFile(t, 200, []byte(bad)).QueryRange(context.Background(), RangeQuery{Query: "{a=\"b\"}"}); err == nil {
		t.Fatal("1-element value accepted")
	}
}

func TestDecodeMatrixSample(t *testing.T) {
	c := serveFile(t, 200, sample(t, "query_range_matrix.json"))
	res, err := c.QueryRange(context.Background(), RangeQuery{Query: `sum by (host) (count_over_time({job="kolla"}[15s]))`, Step: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "matrix" || len(res.Series) != 3 || res.Series[0].Metric["host"] != "compute01" || len(res.Series[0].Samples) != 4 || res.Series[0].Samples[0].V != "5" {
		t.Fatalf("%+v", res)
	}
	// A log view refuses metric results with a clear message.
	err = c.QueryAll(context.Background(), RangeQuery{Query: "x"}, 10, func([]Entry) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "log query") {
		t.Fatalf("err %v", err)
	}
}

func TestBadLogQLKeepsServerText(t *testing.T) {
	c := serveFile(t, 400, sample(t, "query_range_parse_error.txt"))
	_, err := c.QueryRange(context.Background(), RangeQuery{Query: `{host="compute01"`})
	var le *Error
	if !errors.As(err, &le) || le.Status != 400 || !strings.Contains(err.Error(), "parse error at line 1, col 21") {
		t.Fatalf("err %v", err)
	}
}

func TestLabelsValuesSeriesSamples(t *testing.T) {
	mux := http.NewServeMux()
	var got []string
	mux.HandleFunc("/loki/api/v1/labels", func(w http.ResponseWriter, r *http.Request) { w.Write(sample(t, "labels.json")) })
	mux.HandleFunc("/loki/api/v1/label/host/values", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query().Get("query"))
		w.Write(sample(t, "label_host_values.json"))
	})
	mux.HandleFunc("/loki/api/v1/series", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query()["match[]"]...)
		w.Write(sample(t, "series.json"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL + "/", HTTP: srv.Client()})
	ctx := context.Background()
	ls, err := c.Labels(ctx, time.Now().Add(-time.Hour), time.Now())
	if err != nil || strings.Join(ls, ",") != "container,host,job,run,service_name" {
		t.Fatalf("labels %v %v", ls, err)
	}
	vs, err := c.LabelValues(ctx, "host", time.Time{}, time.Time{}, `{job="kolla"}`)
	if err != nil || strings.Join(vs, ",") != "compute01,compute02,control01" {
		t.Fatalf("values %v %v", vs, err)
	}
	ss, err := c.Series(ctx, []string{`{job="kolla"}`}, time.Time{}, time.Time{})
	if err != nil || len(ss) != 3 || ss[2]["container"] != "glance_api" {
		t.Fatalf("series %v %v", ss, err)
	}
	if strings.Join(got, ";") != `{job="kolla"};{job="kolla"}` {
		t.Fatalf("selectors sent %q", got)
	}
}

func TestTenantAndAuthHeaders(t *testing.T) {
	var h http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h = r.Header.Clone()
		w.Write([]byte(`{"status":"success","data":[]}`))
	}))
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL, HTTP: srv.Client(), TenantID: "ops", Username: "u", Password: "p"})
	if _, err := c.Labels(context.Background(), time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Scope-OrgID") != "ops" || !strings.HasPrefix(h.Get("Authorization"), "Basic ") {
		t.Fatalf("headers %v", h)
	}
	c, _ = New(Options{URL: srv.URL, HTTP: srv.Client(), Bearer: "tok"})
	c.Labels(context.Background(), time.Time{}, time.Time{})
	if h.Get("Authorization") != "Bearer tok" || h.Get("X-Scope-OrgID") != "" {
		t.Fatalf("headers %v", h)
	}
	if _, err := New(Options{URL: "ftp://x", HTTP: srv.Client()}); err == nil {
		t.Fatal("bad scheme accepted")
	}
	if _, err := New(Options{URL: srv.URL}); err == nil {
		t.Fatal("missing client accepted")
	}
}

func TestQueryAllPagesWithinLimits(t *testing.T) {
	for _, dir := range []Direction{Forward, Backward} {
		t.Run(string(dir), func(t *testing.T) {
			f := newFakeLoki(t)
			base := time.Now().Add(-10 * time.Minute).UnixNano()
			n := 0
			for i := 0; i < 12000; i++ {
				ts := base + int64(i/3)*1000 // three lines per timestamp: page boundaries split them
				if i >= 6000 && i < 6010 {
					ts = base + 5_000_000 // a run of identical timestamps
				}
				f.add(map[string]string{"host": fmt.Sprintf("compute%02d", i%2)}, ts, fmt.Sprintf("line %06d", i))
				n++
			}
			c := f.client(t)
			var all []Entry
			pages := 0
			err := c.QueryAll(context.Background(), RangeQuery{Query: `{job="kolla"}`, Start: time.Unix(0, base), End: time.Now(), Direction: dir, Limit: 1000}, 0,
				func(es []Entry) bool { all = append(all, es...); pages++; return true })
			if err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, all, n)
			for i := 1; i < len(all); i++ {
				if dir == Forward && all[i].TS < all[i-1].TS || dir == Backward && all[i].TS > all[i-1].TS {
					t.Fatalf("out of order at %d", i)
				}
			}
			if pages < 12 || f.maxLimit > 1000 {
				t.Fatalf("pages %d max limit %d", pages, f.maxLimit)
			}
			// max bounds the total; the default page never exceeds Loki's limit.
			all = nil
			err = c.QueryAll(context.Background(), RangeQuery{Query: `{job="kolla"}`, Start: time.Unix(0, base), Direction: dir}, 7000,
				func(es []Entry) bool { all = append(all, es...); return true })
			if err != nil || len(all) != 7000 || f.maxLimit > MaxEntriesPerQuery {
				t.Fatalf("max: %d lines, max limit %d, err %v", len(all), f.maxLimit, err)
			}
		})
	}
}

func TestTailFrameSampleAndBigFrames(t *testing.T) {
	frame := sample(t, "tail_frame.json")
	big := `{"streams":[{"stream":{"host":"h"},"values":[["1795340702000000000","` + strings.Repeat("x", 100000) + `"]]}],
	 "dropped_entries":[{"labels":{"host":"h"},"timestamp":"1795340702000000001"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != "t" || r.URL.Query().Get("query") != `{host="h"}` || r.URL.Query().Get("start") == "" {
			http.Error(w, "bad request", 400)
			return
		}
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		conn.Write(r.Context(), websocket.MessageText, frame)
		conn.Write(r.Context(), websocket.MessageText, []byte(big))
		conn.Close(websocket.StatusInternalError, "reached tail max duration limit")
	}))
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL, HTTP: srv.Client(), TenantID: "t"})
	ctx := context.Background()
	tl, err := c.OpenTail(ctx, `{host="h"}`, time.Now(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := tl.Read(ctx)
	if err != nil || len(fr.Entries) != 3 || fr.Entries[0].Stream.Get("host") != "compute02" {
		t.Fatalf("frame %+v %v", fr, err)
	}
	fr, err = tl.Read(ctx)
	if err != nil || len(fr.Entries[0].Line) != 100000 || len(fr.Dropped) != 1 || fr.Dropped[0].TS != 1795340702000000001 || fr.Dropped[0].Labels != `{host="h"}` {
		t.Fatalf("big frame: %v dropped %+v", err, fr.Dropped)
	}
	_, err = tl.Read(ctx)
	var ce *ErrTailClosed
	if !errors.As(err, &ce) || ce.Code != websocket.StatusInternalError {
		t.Fatalf("close: %v", err)
	}
	if _, err := c.OpenTail(ctx, `{host="x"}`, time.Now(), 10, 0); err == nil || !strings.Contains(err.Error(), "bad request") {
		t.Fatalf("refused tail: %v", err)
	}
}

func TestPushRoundTrip(t *testing.T) {
	ts := time.Unix(1795340702, 123)
	body, err := EncodePush([]PushStream{{Labels: map[string]string{"host": "compute01", "container": "nova_compute"},
		Entries: []PushEntry{{Time: ts, Line: "hello", Metadata: map[string]string{"request_id": "req-1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePush(body)
	if err != nil || len(got) != 1 || got[0].Labels["container"] != "nova_compute" || !got[0].Entries[0].Time.Equal(ts) ||
		got[0].Entries[0].Metadata["request_id"] != "req-1" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := DecodePush([]byte("not snappy")); err == nil {
		t.Fatal("garbage accepted")
	}
}

var _ = json.Marshal
