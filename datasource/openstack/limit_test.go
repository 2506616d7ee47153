package openstack

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// hostileBody writes a 200 MB server list that never ends, in 64 KiB
// chunks (the fake itself stays small).
func hostileBody(size int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(`{"id":"x","name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"ACTIVE"},`, 1000))
		_, _ = w.Write([]byte(`{"servers":[`))
		for n := 0; n < size; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

// peakHeap samples the heap while f runs and returns the highest
// HeapInuse above what was in use before.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// A Nova that answers the server list with 200 MB: the client stops at the
// limit, says so in the operator's terms, and its heap stays bounded.
func TestHostileNovaBodyIsCutAtTheLimit(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Minute}) // -race is slow
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(ctxT(t), f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	f.on("GET /compute/v2.1/servers/detail", hostileBody(200<<20))
	peak := peakHeap(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, err = c.Servers(ctx)
	})
	t.Logf("peak heap above baseline while reading a 200 MB body: %.1f MiB", float64(peak)/(1<<20))
	if !errors.Is(err, httpclient.ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	if want := "nova response exceeded 64 MiB limit (GET /servers/detail)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// json.Decoder's buffer doubles as it fills (64 -> 128 MiB with the
	// old one still live), so the bound is a few times the limit; without
	// the limit this body took 2.7 GB.
	if peak > 320<<20 && !raceOn {
		t.Errorf("heap grew by %d MiB for a 64 MiB limit", peak>>20)
	}
}

// A smaller configured limit is the one applied (and named).
func TestConfiguredLimitApplies(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 512 << 10})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(ctxT(t), f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	f.on("GET /compute/v2.1/servers/detail", hostileBody(1<<20))
	_, err = c.Servers(ctxT(t))
	if err == nil || err.Error() != "nova response exceeded 512 KiB limit (GET /servers/detail)" {
		t.Errorf("err = %v", err)
	}
}
