package demo

import (
	"io"
	"net/http"
	"runtime"
	"testing"
)

// Server list pages reuse their buffers: with the in-process demo every
// fresh 2.5 MB page is heap the cockpit's collector also runs for (issue
// 15: --demo-scale 50000 loads 50 of them).
func TestServerPagesReuseTheirBuffers(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 3000, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tok := issueTestToken(t, c)
	get := func() {
		req, _ := http.NewRequest("GET", c.URLs["nova"]+"/v2.1/servers/detail?all_tenants=1&limit=1000", nil)
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("OpenStack-API-Version", "compute 2.88")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 1<<20 {
			t.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
	get()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range 10 {
		get()
	}
	runtime.ReadMemStats(&m1)
	if a := m1.TotalAlloc - m0.TotalAlloc; a > 10<<20 {
		t.Fatalf("10 pages of 1,000 servers allocated %d MB, want the page buffer reused (< 10 MB)", a>>20)
	}
}
