package prometheus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func TestOversizedRangeQueryNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[`))
		pt := []byte(strings.Repeat(`[1700000000,"1"],`, 1000))
		for n := 0; n < 3<<20; n += len(pt) {
			if _, err := w.Write(pt); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	_, err = c.QueryRange(context.Background(), "up", now.Add(-time.Hour), now, time.Second)
	if !errors.Is(err, httpclient.ErrTooLarge) || !strings.HasPrefix(err.Error(), "prometheus response exceeded 1 MiB limit (") ||
		!strings.Contains(err.Error(), "/api/v1/query_range)") {
		t.Fatalf("err = %v", err)
	}
}

// A valid 200 MB range-query answer (it took 1.5 GB of heap unbounded) at
// the default limit: cut, and the heap stays within a few times the limit
// (client_golang's buffer doubles as it fills).
func TestHostile200MBRangeQueryHeapBounded(t *testing.T) {
	if testing.Short() || raceOn {
		t.Skip("200 MB body; heap measured without -race")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[`))
		pt := []byte(strings.Repeat(`[1700000000,"1"],`, 4000))
		for n := 0; n < 200<<20; n += len(pt) {
			if _, err := w.Write(pt); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`[1700000000,"1"]]}]}}`))
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	now := time.Now()
	_, err = c.QueryRange(context.Background(), "up", now.Add(-time.Hour), now, time.Second)
	close(done)
	<-sampled
	t.Logf("peak heap above baseline: %.0f MiB", float64(peak.Load())/(1<<20))
	if !errors.Is(err, httpclient.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if peak.Load() > 320<<20 {
		t.Errorf("heap grew by %d MiB for a 64 MiB limit", peak.Load()>>20)
	}
}
