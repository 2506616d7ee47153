package demo

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// BenchmarkDemoRefresh50k is the demo's side of one steady cockpit refresh
// at 50,000 servers with nothing changed: the instances' changes-since
// read, os-hypervisors with servers, and one Loki tail poll (every 200 ms
// per open tail). Allocations per cycle are what the in-process demo adds
// to the cockpit's garbage collector.
func BenchmarkDemoRefresh50k(b *testing.B) {
	clock := newFakeClock()
	c, err := Start(StartOptions{Story: Options{Instances: 50000, FailAfter: -1, Now: clock.Now}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tok := issueTestToken(b, c)
	clock.Add(time.Hour)
	since := clock.Now().UTC().Format(time.RFC3339)
	l := newLokiSim(c)
	get := func(path string) {
		req, _ := http.NewRequest("GET", c.URLs["nova"]+path, nil)
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("OpenStack-API-Version", "compute 2.88")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var v json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(path, resp.StatusCode)
		}
	}
	cycle := func() {
		get("/v2.1/servers/detail?all_tenants=1&changes-since=" + since)
		get("/v2.1/os-hypervisors/detail?with_servers=true")
		_ = l.world()
	}
	cycle()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		cycle()
	}
}
