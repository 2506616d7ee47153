package demo

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A quiet story changes nothing by itself: Loki has no line after the start
// and every metric keeps its value (idle-output measurements rely on it).
func TestQuietStoryLogsNothingNewAndMetricsAreFlat(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	for _, quiet := range []bool{false, true} {
		c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: -1, Now: clock, Quiet: quiet}})
		if err != nil {
			t.Fatal(err)
		}
		start := clock()
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		q := url.Values{"query": {`{host=~".+"}`}, "limit": {"5000"},
			"start": {strconv.FormatInt(start.UnixNano(), 10)}, "end": {strconv.FormatInt(clock().UnixNano(), 10)}}
		resp, err := http.Get(c.URLs["loki"] + "/loki/api/v1/query_range?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data struct {
				Result []struct {
					Values [][2]string `json:"values"`
				} `json:"result"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range body.Data.Result {
			n += len(r.Values)
		}
		var a, b []PromSample
		c.Story.Lock(func() {
			w := PromSnapshot(c.Story)
			a, b = w.All(start.Add(10*time.Second)), w.All(start.Add(100*time.Second))
		})
		flat := len(a) == len(b)
		for i := range a {
			if flat && a[i].Value != b[i].Value {
				flat = false
			}
		}
		c.Close()
		if quiet && (n != 0 || !flat) {
			t.Fatalf("quiet story: %d new log lines, metrics flat: %v", n, flat)
		}
		if !quiet && (n == 0 || flat) {
			t.Fatalf("live story: %d new log lines, metrics flat: %v (the test cannot tell quiet from live)", n, flat)
		}
	}
}
