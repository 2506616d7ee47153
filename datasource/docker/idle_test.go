package docker_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
)

// Reads of one host at once (serve's sessions, the selected host's
// inspects beside a refresh, a list's inspects on a slow link) leave one
// idle connection, not one each: at 1,000 hosts those were ~15,000
// goroutines (or ssh processes) kept for a read about once a minute. The
// handler holds every inspect until all are in flight: n connections.
func TestConcurrentInspectsLeaveOneIdleConnection(t *testing.T) {
	const n = 8
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	var arrived sync.WaitGroup
	arrived.Add(n)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/version") {
			fmt.Fprint(w, `{"ApiVersion":"1.41"}`)
			return
		}
		arrived.Done()
		arrived.Wait()
		fmt.Fprint(w, `{"Id":"c","Name":"/c","State":{"Status":"running","Pid":1}}`)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
		}
	}
	srv.Start()
	defer srv.Close()
	cl, err := docker.New(docker.Options{Host: "compute01", Addr: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := cl.Inspect(context.Background(), "c"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// The server sees a connection closed a moment after the client
	// drops it: waited for, not timed.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		k := len(open)
		mu.Unlock()
		if k <= 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections left open after %d inspects at once, want 1", k, n)
		}
	}
}
