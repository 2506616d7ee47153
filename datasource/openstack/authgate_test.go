package openstack

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (f *fakeCloud) auths() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authCount
}

// Keystone starts refusing the password mid-session while three panes keep
// refreshing every second: the client must not send a password POST per
// request (it sent 26 in 30 s), but back off 10 s, 20 s, ... and stop at
// ReauthWindowMax per ReauthWindow.
func TestReauthBacksOffWhenKeystoneRefusesThePassword(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	c.gate.now = clk.now
	c.gate.jitter = func(d time.Duration) time.Duration { return d }
	start := f.auths()

	f.expireTokens()
	f.mu.Lock()
	f.password = "rotated"
	f.mu.Unlock()

	var last error
	var postsAt []time.Duration
	for step := time.Duration(0); step <= 35*time.Second; step += time.Second {
		for pane := 0; pane < 3; pane++ {
			before := f.auths()
			_, err := c.ComputeServices(ctxT(t))
			if err == nil {
				t.Fatalf("at %v: a refused password cannot give data", step)
			}
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("at %v: want ErrUnauthorized, got %v", step, err)
			}
			if f.auths() > before {
				postsAt = append(postsAt, step)
			}
			last = err
		}
		if step == 12*time.Second {
			want := "auth failing: The request you have made requires authentication, next try in 18s (ctrl+r now)"
			if last.Error() != want {
				t.Errorf("at 12s the status line says %q, want %q", last, want)
			}
		}
		clk.add(time.Second)
	}
	if n := f.auths() - start; n != 3 {
		t.Errorf("%d password POSTs in 35 s (at %v), want 3 (at 0s, 10s, 30s)", n, postsAt)
	}
	want := []time.Duration{0, 10 * time.Second, 30 * time.Second}
	if len(postsAt) != 3 || postsAt[0] != want[0] || postsAt[1] != want[1] || postsAt[2] != want[2] {
		t.Errorf("password POSTs at %v, want %v", postsAt, want)
	}
	// The window is full: the next try is when the first attempt leaves it,
	// and ctrl+r cannot force one.
	var af *AuthFailingError
	if !errors.As(last, &af) || af.CanForce || !strings.Contains(last.Error(), "next try in 14m") || strings.Contains(last.Error(), "ctrl+r") {
		t.Errorf("window full: %v", last)
	}
	c.RetryAuthNow()
	if _, err := c.ComputeServices(ctxT(t)); err == nil || f.auths()-start != 3 {
		t.Errorf("ctrl+r with a full window sent a password (%d POSTs), err %v", f.auths()-start, err)
	}

	// The password is fixed; once the window has room the client recovers.
	f.mu.Lock()
	f.password = "secret"
	f.mu.Unlock()
	clk.add(15 * time.Minute)
	if _, err := c.ComputeServices(ctxT(t)); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := f.auths() - start; n != 4 {
		t.Errorf("%d password POSTs, want 4", n)
	}
}

// A manual refresh (ctrl+r) during the backoff sends one attempt at once.
func TestRetryAuthNowForcesOneAttempt(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	c.gate.now = clk.now
	c.gate.jitter = func(d time.Duration) time.Duration { return d }
	start := f.auths()
	f.expireTokens()
	f.mu.Lock()
	f.password = "rotated"
	f.mu.Unlock()
	if _, err := c.ComputeServices(ctxT(t)); err == nil || !strings.Contains(err.Error(), "next try in 10s (ctrl+r now)") {
		t.Fatalf("first failure: %v", err)
	}
	clk.add(2 * time.Second)
	if _, err := c.ComputeServices(ctxT(t)); err == nil || f.auths()-start != 1 {
		t.Fatalf("inside the backoff: %d POSTs, err %v", f.auths()-start, err)
	}
	f.mu.Lock()
	f.password = "secret"
	f.mu.Unlock()
	c.RetryAuthNow()
	if _, err := c.ComputeServices(ctxT(t)); err != nil {
		t.Fatalf("ctrl+r with the password fixed: %v", err)
	}
	if _, err := c.ComputeServices(ctxT(t)); err != nil || f.auths()-start != 2 {
		t.Fatalf("after recovery: %d POSTs, err %v", f.auths()-start, err)
	}
}

// An expired token with a good password: one re-authentication, counted
// (as the login is), and no backoff afterwards.
func TestReauthWithAGoodPasswordIsOneAttempt(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	f.expireTokens()
	if _, err := c.ComputeServices(ctxT(t)); err != nil {
		t.Fatalf("expired token with a good password: %v", err)
	}
	if c.gate.blocked() != nil || len(c.gate.attempts) != 2 {
		t.Errorf("login and one re-auth are two counted attempts, and no backoff: %d, %v", len(c.gate.attempts), c.gate.blocked())
	}
}
