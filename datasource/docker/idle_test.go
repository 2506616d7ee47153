package docker_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A list's inspects leave one idle connection to the daemon, not one per
// inspect (when they ran eight at once): at 1,000 hosts those were ~15,000
// goroutines (or ssh processes) kept for a read about once a minute.
func TestInspectBurstLeavesOneIdleConnection(t *testing.T) {
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/version"):
			fmt.Fprint(w, `{"ApiVersion":"1.41"}`)
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			var cs []string
			for i := range 8 {
				cs = append(cs, fmt.Sprintf(`{"Id":"c%d","Names":["/c%d"],"State":"running","Status":"Up"}`, i, i))
			}
			fmt.Fprint(w, "["+strings.Join(cs, ",")+"]")
		default: // an inspect: slow enough that concurrent ones would overlap
			time.Sleep(50 * time.Millisecond)
			id := strings.TrimSuffix(r.URL.Path[strings.LastIndex(strings.TrimSuffix(r.URL.Path, "/json"), "/")+1:], "/json")
			fmt.Fprintf(w, `{"Id":%q,"RestartCount":0,"State":{"Status":"running","Pid":1,"StartedAt":"2026-12-07T00:00:00Z"}}`, id)
		}
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
	firstList(t, srv.URL, 8)
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n <= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections to the daemon left open after the list, want 1", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
