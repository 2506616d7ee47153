package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func promGet(t *testing.T, c *Cloud, path string, q url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(c.URLs["prometheus"] + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
	return resp.StatusCode, m
}

func TestPromDemoErrorsLikePrometheus(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now().Unix()
	for _, tc := range []struct {
		path  string
		q     url.Values
		code  int
		etype string
		msg   string
	}{
		{"/api/v1/query", url.Values{"query": {"sum(rate(foo[5m])"}}, 400, "bad_data", `invalid parameter "query": 1:18: parse error: unclosed left parenthesis`},
		{"/api/v1/query", url.Values{"query": {""}}, 400, "bad_data", "no expression found in input"},
		{"/api/v1/query", url.Values{"query": {`up{job="node"`}}, 400, "bad_data", "unexpected end of input inside braces"},
		{"/api/v1/query", url.Values{"query": {`foo(up)`}}, 422, "execution", `unknown function with name "foo"`},
		{"/api/v1/query_range", url.Values{"query": {"up"}, "start": {promItoa64(now - 86400)}, "end": {promItoa64(now)}, "step": {"1"}}, 400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries"},
		{"/api/v1/query_range", url.Values{"query": {"up"}, "start": {promItoa64(now)}, "end": {promItoa64(now - 60)}, "step": {"15"}}, 400, "bad_data", "end timestamp must not be before start time"},
		{"/api/v1/series", url.Values{}, 400, "bad_data", "no match[] parameter provided"},
	} {
		code, m := promGet(t, c, tc.path, tc.q)
		if code != tc.code || m["errorType"] != tc.etype || !strings.Contains(m["error"].(string), tc.msg) {
			t.Errorf("%s %v: %d %v", tc.path, tc.q, code, m)
		}
	}
}

func TestPromDemoEvaluator(t *testing.T) {
	s := NewStory(Options{Instances: 30, FailAfter: -1})
	var w *PromWorld
	s.Lock(func() { w = PromSnapshot(s) })
	now := time.Now()
	one := func(q string) float64 {
		t.Helper()
		r, err := w.Query(q, now)
		if err != nil || len(r) != 1 {
			t.Fatalf("%s: %v %v", q, r, err)
		}
		return r[0].Value
	}
	if v := one(`count(node_load1)`); v != 9 {
		t.Errorf("count %v", v)
	}
	if v := one(`sum(up{job="node"}) / count(up{job="node"})`); v != 1 {
		t.Errorf("ratio %v", v)
	}
	if v := one(`count(up{job=~"node|ceph"})`); v != 10 {
		t.Errorf("regex matcher %v", v)
	}
	if v := one(`2 * 3 + 1`); v != 7 {
		t.Errorf("scalar arithmetic %v", v)
	}
	r, err := w.Query(`topk(3, node_load1)`, now)
	if err != nil || len(r) != 3 || r[0].Value < r[2].Value {
		t.Errorf("topk %v %v", r, err)
	}
	r, err = w.Query(`histogram_quantile(0.5, sum by (le, service) (rate(openstack_api_request_duration_seconds_bucket[5m])))`, now)
	if err != nil || len(r) != 6 {
		t.Fatalf("histogram_quantile %v %v", r, err)
	}
	for _, x := range r {
		// Exponential latency: the median is scale*ln 2.
		for _, p := range promProxies {
			if p.service == x.Labels["service"] && (x.Value < p.lat*0.5 || x.Value > p.lat*1.1) {
				t.Errorf("%s median %v, scale %v", p.service, x.Value, p.lat)
			}
		}
	}
	if _, err := w.Query(`up * on (instance) group_left node_load1`, now); err == nil || !strings.Contains(err.Error(), "not supported by the stackpit demo") {
		t.Errorf("vector matching should be refused clearly: %v", err)
	}
}

func promItoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// timestamp() answers the last scrape's time, so ad-hoc tables in the demo
// show sample ages like a real Prometheus does.
func TestPromTimestampIsTheLastScrape(t *testing.T) {
	s := NewStory(Options{Instances: 10, FailAfter: -1})
	var w *PromWorld
	s.Lock(func() { w = PromSnapshot(s) })
	at := time.Unix(time.Now().Unix()/15*15+7, 0)
	r, err := w.Query("timestamp(node_load1)", at)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) == 0 {
		t.Fatal("no series")
	}
	for _, s := range r {
		if s.Value != float64(at.Unix()-7) || s.Labels["__name__"] != "" {
			t.Fatalf("%v", s)
		}
	}
}
