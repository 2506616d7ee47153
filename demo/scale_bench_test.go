package demo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
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

// BenchmarkVolumeList50k: the whole detailed volume list at 50,000
// servers (the volumes pane's first load, ctrl+r), 1,000 a page, read
// and thrown away as the HTTP client would: what the in-process demo
// costs the cockpit's collector (allocations) and CPU per whole list.
//
//	go test -run '^$' -bench VolumeList50k -benchtime 3x ./demo/
func BenchmarkVolumeList50k(b *testing.B) {
	clock := newFakeClock()
	c, err := Start(StartOptions{Story: Options{Instances: 50000, FailAfter: -1, Now: clock.Now}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tok := issueTestToken(b, c)
	var proj string
	c.Story.Lock(func() { proj = c.Story.Projects[0].ID })
	var buf bytes.Buffer
	list := func() int {
		n := 0
		path := c.URLs["cinder"] + "/v3/" + proj + "/volumes/detail?all_tenants=1&limit=1000"
		for path != "" {
			req, _ := http.NewRequest("GET", path, nil)
			req.Header.Set("X-Auth-Token", tok)
			req.Header.Set("OpenStack-API-Version", "volume 3.70")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			// Read into one reused buffer, not decoded: the client's
			// allocations are not the demo's.
			buf.Reset()
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			body := buf.Bytes()
			n += bytes.Count(body, []byte(`"availability_zone"`))
			path = ""
			const next = `"volumes_links":[{"href":"`
			if i := bytes.Index(body, []byte(next)); i >= 0 {
				rest := body[i+len(next):]
				path = strings.ReplaceAll(string(rest[:bytes.IndexByte(rest, '"')]), `\u0026`, "&")
			}
		}
		return n
	}
	b.ReportMetric(float64(list()), "volumes")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		list()
	}
}

// BenchmarkWorldGC50k: one full collection with the demo's 50,000-server
// world alive (the Nova index, the volumes and the log simulation's copy
// made): what the in-process demo adds to every collection of the
// cockpit's heap. live-objects is the heap's object count after it.
//
//	go test -run '^$' -bench WorldGC50k ./demo/
func BenchmarkWorldGC50k(b *testing.B) {
	// One world for every run of the benchmark: a story's Nova and
	// Cinder states outlive its cloud (package maps by story), so a
	// world per run would measure two.
	worldGC.Do(func() {
		c, err := Start(StartOptions{Story: Options{Instances: 50000, Computes: 40, FailAfter: -1}})
		if err != nil {
			b.Fatal(err)
		}
		c.Story.Lock(func() {
			novaFor(c.Story).reindex()
			cinderFor(c.Story).volumes(c.Story)
			worldGCSim = buildSimInsts(c.Story)
		})
		worldGCCloud = c
	})
	gcCPU := func() float64 {
		m := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
		metrics.Read(m)
		return m[0].Value.Float64()
	}
	runtime.GC()
	cpu0 := gcCPU()
	b.ResetTimer()
	for range b.N {
		runtime.GC()
	}
	b.StopTimer()
	// The collector's CPU time, less noisy than the wall clock on a
	// shared machine.
	b.ReportMetric((gcCPU()-cpu0)*1000/float64(b.N), "gc-cpu-ms/op")
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapObjects), "live-objects")
}

var (
	worldGC      sync.Once
	worldGCCloud *Cloud
	worldGCSim   *simInsts
)
