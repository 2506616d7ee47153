package docker

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// labelledEngine answers a list of n containers, each with many labels (a
// Kolla container has a dozen), and their inspects with a healthcheck.
func labelledEngine(n int) *httptest.Server {
	labels := func(i int) string {
		var b strings.Builder
		for j := range 24 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"org.example.label-%d":"value-%d-of-container-%d"`, j, j, i)
		}
		return "{" + b.String() + "}"
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/version":
			fmt.Fprint(w, `{"ApiVersion":"1.43"}`)
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			var b strings.Builder
			b.WriteByte('[')
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"Id":"%064d","Names":["/svc_%d"],"Image":"registry/kolla/svc:2024.1","State":"running","Status":"Up 2 hours (healthy)","Created":1700000000,"Labels":%s}`, i, i, labels(i))
			}
			b.WriteByte(']')
			fmt.Fprint(w, b.String())
		case strings.HasSuffix(r.URL.Path, "/json"):
			id := strings.TrimSuffix(r.URL.Path[strings.LastIndex(r.URL.Path[:len(r.URL.Path)-5], "/")+1:], "/json")
			fmt.Fprintf(w, `{"Id":%q,"Name":"/svc","RestartCount":2,"State":{"Status":"running","Pid":42,"ExitCode":0,"StartedAt":"2026-12-07T08:00:00Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"healthy","Log":[{"Output":"%s"}]}},"Config":{"Image":"registry/kolla/svc:2024.1","Labels":%s,"Healthcheck":{"Test":["CMD","true"],"Interval":30000000000}},"Created":"2026-12-07T07:00:00Z"}`,
				id, strings.Repeat("ok ", 100), labels(0))
		default:
			http.NotFound(w, r)
		}
	}))
}

// listRetained lists n containers with a new client and returns the heap
// the client and its list keep (bytes per container).
func listRetained(tb testing.TB, url string, n int) float64 {
	tb.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := New(Options{Host: "h", Addr: url})
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := c.List(context.Background())
	if err != nil || len(cs) != n {
		tb.Fatalf("list: %d containers, %v", len(cs), err)
	}
	c.hc.CloseIdleConnections()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	runtime.KeepAlive(cs)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// A list keeps of each inspect only what later lists use, and no labels
// (nothing reads them): the containers of 1,000 hosts held ~25 MB of
// decoded documents (issue 15). With the documents kept this was ~6.6 kB a
// container, now ~1.4 kB.
func TestListKeepsNoDocuments(t *testing.T) {
	srv := labelledEngine(300)
	defer srv.Close()
	if got := listRetained(t, srv.URL, 300); got > 3000 {
		t.Errorf("a listed container keeps %.0f bytes, want ≤ 3,000", got)
	}
}

// What a list keeps of an inspect tells the same as the document did.
func TestKeptInspect(t *testing.T) {
	hc := func(test []string, iv int64) *inspect {
		in := &inspect{RestartCount: 3}
		in.State.Status, in.State.Pid, in.State.ExitCode = "running", 7, 1
		in.State.StartedAt = "2026-12-07T08:00:00Z"
		in.Config.Healthcheck = &struct {
			Test     []string `json:"Test"`
			Interval int64    `json:"Interval"`
		}{test, iv}
		return in
	}
	running := Container{State: "running", Health: "healthy"}
	for _, tc := range []struct {
		name string
		in   *inspect
		want time.Duration
	}{
		{"interval", hc([]string{"CMD", "true"}, int64(5*time.Second)), 5 * time.Second},
		{"default interval", hc([]string{"CMD", "true"}, 0), defaultProbe},
		{"NONE", hc([]string{"NONE"}, int64(5*time.Second)), 0},
		{"no healthcheck", &inspect{}, 0},
	} {
		k := keep(tc.in)
		if got := probeInterval(running, &k); got != tc.want {
			t.Errorf("%s: probe every %v, want %v", tc.name, got, tc.want)
		}
	}
	k := keep(hc(nil, 0))
	if got := probeInterval(Container{State: "running", Health: "starting"}, &k); got != startProbe {
		t.Errorf("starting: probe every %v, want %v", got, startProbe)
	}
	var c Container
	mergeInspect(&c, &k)
	want := Container{State: "running", RestartCount: 3, Pid: 7, ExitCode: 1,
		StartedAt: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	if !c.StartedAt.Equal(want.StartedAt) || c.State != want.State ||
		c.RestartCount != 3 || c.Pid != 7 || c.ExitCode != 1 || c.Health != "" {
		t.Errorf("merged %+v, want %+v", c, want)
	}
}

// BenchmarkListRetained reports the heap a list of 300 labelled containers
// keeps (retained-B/container).
func BenchmarkListRetained(b *testing.B) {
	srv := labelledEngine(300)
	defer srv.Close()
	var sum float64
	for b.Loop() {
		sum += listRetained(b, srv.URL, 300)
	}
	b.ReportMetric(sum/float64(b.N), "retained-B/container")
}

// A container keeps no creation or last exit time (nothing read them):
// 160 bytes, 208 with them, in every host's list (issue 15).
func TestContainerIs160Bytes(t *testing.T) {
	if s := unsafe.Sizeof(Container{}); s != 160 {
		t.Errorf("a Container is %d bytes, want 160", s)
	}
}
