package alertmanager

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The two panes that read every alert and silence each refresh share one
// read per list; a silence change through the client is seen at once; a
// filtered read is never shared.
func TestAlertsAndSilencesSharedWithinTTL(t *testing.T) {
	var alertsN, silN atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v2/alerts":
			alertsN.Add(1)
			_, _ = w.Write([]byte(`[]`))
		case r.URL.Path == "/api/v2/silences" && r.Method == http.MethodGet:
			silN.Add(1)
			_, _ = w.Write([]byte(`[]`))
		case strings.HasPrefix(r.URL.Path, "/api/v2/silence/") && r.Method == http.MethodDelete:
			w.WriteHeader(200)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := New(Instance{URL: srv.URL, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1e9, 0)
	var mu sync.Mutex
	c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c.SharedTTL = 5 * time.Second
	ctx := context.Background()
	read := func() {
		t.Helper()
		if _, err := c.Alerts(ctx, AlertFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Silences(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	read() // alerts pane
	read() // silences pane, same tick
	if alertsN.Load() != 1 || silN.Load() != 1 {
		t.Errorf("two panes in one tick: %d alerts and %d silences requests, want 1 and 1", alertsN.Load(), silN.Load())
	}
	if _, err := c.Alerts(ctx, AlertFilter{Receiver: "team-x"}); err != nil {
		t.Fatal(err)
	}
	if alertsN.Load() != 2 {
		t.Errorf("a filtered read was served from the shared answer")
	}
	if _, err := c.ExpireSilence(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	read()
	if alertsN.Load() != 3 || silN.Load() != 2 {
		t.Errorf("after expiring a silence: %d alerts and %d silences requests, want fresh reads", alertsN.Load(), silN.Load())
	}
	mu.Lock()
	now = now.Add(6 * time.Second)
	mu.Unlock()
	read()
	if silN.Load() != 3 {
		t.Errorf("after the TTL: %d silences requests, want 3", silN.Load())
	}
}
