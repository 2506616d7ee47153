package demo

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// While compute04 stays down, each period's scheduler warning and conductor
// error are one scheduling request: they share a request ID, and different
// periods have different IDs (a request-ID pivot must not pull ten minutes
// of unrelated periodic complaints from every controller).
func TestLokiDeadHostComplaintsAreSeparateRequests(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: 10 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mu.Lock()
	now = now.Add(10*time.Second + HeartbeatTimeout + 45*time.Second)
	mu.Unlock()
	c.Story.Lock(func() {}) // let the story see the time
	q := url.Values{"query": {`{host=~".+"} |~ "Seems service nova-compute|Lost connection to nova-compute"`},
		"start": {strconv.FormatInt(now.Add(-time.Hour).UnixNano(), 10)}, "end": {strconv.FormatInt(now.UnixNano(), 10)},
		"limit": {"1000"}}
	req, _ := http.NewRequest("GET", c.URLs["loki"]+"/loki/api/v1/query_range?"+q.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Stream map[string]string `json:"stream"`
				Values [][]string        `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	reqRE := regexp.MustCompile(`req-[0-9a-f-]{36}`)
	byReq := map[string]map[string]int{} // request -> container -> lines
	for _, s := range body.Data.Result {
		for _, v := range s.Values {
			r := reqRE.FindString(v[1])
			if r == "" {
				t.Fatalf("no request ID: %s", v[1])
			}
			if byReq[r] == nil {
				byReq[r] = map[string]int{}
			}
			byReq[r][s.Stream["container"]]++
		}
	}
	if len(byReq) < 3 {
		t.Fatalf("want one request per period, got %d: %v", len(byReq), byReq)
	}
	for r, m := range byReq {
		if m["nova_scheduler"] != 1 || m["nova_conductor"] != 1 {
			t.Errorf("%s: %v, want one scheduler warning and one conductor error", r, m)
		}
	}
}
