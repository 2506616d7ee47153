package docker

import (
	"testing"
	"time"
)

func TestStatusChangeDetection(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		before, after string
		elapsed       time.Duration
		changed       bool
	}{
		{"Up 3 hours (healthy)", "Up 3 hours (healthy)", 10 * time.Second, false},
		{"Up 59 minutes (healthy)", "Up About an hour (healthy)", 2 * time.Minute, false},
		{"Up 5 seconds", "Up 14 seconds", 10 * time.Second, false},
		{"Up 5 seconds", "Up 3 seconds", 10 * time.Second, true}, // restarted between refreshes
		{"Up 3 hours (healthy)", "Up 2 seconds (health: starting)", 10 * time.Second, true},
		{"Up 3 hours (healthy)", "Up 3 hours (unhealthy)", 10 * time.Second, true},
		{"Up 3 days", "Up 3 hours", 10 * time.Second, true},
		{"Exited (1) 2 hours ago", "Exited (1) 2 hours ago", 10 * time.Second, false},
		{"Exited (1) 2 hours ago", "Exited (1) 4 seconds ago", 10 * time.Second, true},
		{"Exited (0) 2 hours ago", "Exited (137) 2 hours ago", 10 * time.Second, true},
		{"Created", "Created", time.Minute, false},
		{"Created", "Up Less than a second", time.Minute, true},
	} {
		s := newSeen(kept{}, tc.before, t0)
		if got := s.changed(tc.after, t0.Add(tc.elapsed)); got != tc.changed {
			t.Errorf("%q -> %q after %v: changed=%v, want %v", tc.before, tc.after, tc.elapsed, got, tc.changed)
		}
	}
}
