package httpclient_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// BenchmarkIdleClients: what a client with its connection kept idle
// holds (a Docker engine's client, 1,000 hosts), net/http's transport
// against OneConn: heap and goroutine stacks after a collection, and
// goroutines, per client. The test server's side of each connection
// (a goroutine and its buffers) is counted in both.
func BenchmarkIdleClients(b *testing.B) {
	const n = 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		one  bool
	}{{"nethttp", false}, {"oneconn", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var bytesPer, gorPer float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				g0 := runtime.NumGoroutine()
				clients := make([]*http.Client, n)
				for i := range clients {
					hc, err := httpclient.New(httpclient.Options{OneConn: tc.one, MaxIdlePerHost: 1, BufferSize: 1024, Timeout: -1})
					if err != nil {
						b.Fatal(err)
					}
					resp, err := hc.Get(srv.URL)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					clients[i] = hc
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				bytesPer = float64(int64(after.HeapAlloc+after.StackInuse)-int64(before.HeapAlloc+before.StackInuse)) / n
				gorPer = float64(runtime.NumGoroutine()-g0) / n
				runtime.KeepAlive(clients)
				srv.CloseClientConnections()
				for _, hc := range clients {
					hc.CloseIdleConnections()
				}
			}
			b.ReportMetric(bytesPer, "B/client")
			b.ReportMetric(gorPer, "goroutines/client")
		})
	}
}

// BenchmarkNewOneConnClient: what New costs a OneConn client of a
// tcp/http(s) host before any request (1,000 hosts: 1,000 of them).
func BenchmarkNewOneConnClient(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := httpclient.New(httpclient.Options{OneConn: true, MaxIdlePerHost: 1, BufferSize: 1024, Timeout: -1}); err != nil {
			b.Fatal(err)
		}
	}
}
