package openstack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Password re-authentication is rationed so that a password Keystone has
// started refusing cannot lock a shared operator account (Keystone's
// [security_compliance] lockout_failure_attempts / lockout_duration): after a
// failed re-authentication the next one waits ReauthBackoffBase, doubling up
// to ReauthBackoffMax (±20% jitter), and never more than ReauthWindowMax
// password attempts are sent in any ReauthWindow. While waiting, requests
// fail at once with an *AuthFailingError instead of reaching the cloud.
// Application credentials and tokens are not rationed: Keystone does not
// lock accounts over them.
var (
	ReauthBackoffBase = 10 * time.Second
	ReauthBackoffMax  = 5 * time.Minute
	ReauthWindow      = 15 * time.Minute
	ReauthWindowMax   = 3
)

// AuthFailingError is returned, without any request sent, while password
// re-authentication is backing off. Its text is meant for the status line.
type AuthFailingError struct {
	Reason string        // Keystone's refusal ("The request you have made requires authentication.")
	Wait   time.Duration // until the next automatic attempt
	// CanForce is false when the attempt window is full: a manual refresh
	// cannot send another password before Wait is over either.
	CanForce bool
	Err      error // the last re-authentication error
}

func (e *AuthFailingError) Error() string {
	s := fmt.Sprintf("auth failing: %s, next try in %s", e.Reason, roundWait(e.Wait))
	if e.CanForce {
		s += " (ctrl+r now)"
	}
	return s
}

func (e *AuthFailingError) Unwrap() []error { return []error{ErrUnauthorized, e.Err} }

func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}

// authGate rations calls to a password ReauthFunc.
type authGate struct {
	now    func() time.Time
	jitter func(time.Duration) time.Duration

	mu       sync.Mutex
	attempts []time.Time // password attempts inside the window
	failures int         // consecutive failed attempts
	next     time.Time   // no automatic attempt before
	lastErr  error
	reason   string
	force    bool // a manual refresh asked for one attempt now
}

func newAuthGate(now func() time.Time) *authGate {
	return &authGate{now: now, jitter: func(d time.Duration) time.Duration {
		return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
	}}
}

// wrap returns a ReauthFunc that asks the gate before calling inner.
func (g *authGate) wrap(inner func(context.Context) error, reason func(error) string) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := g.take(); err != nil {
			return err
		}
		err := inner(ctx)
		g.done(err, reason)
		if err != nil && !errors.Is(err, context.Canceled) {
			// Say at once when the next try is, not only from the next call on.
			g.mu.Lock()
			defer g.mu.Unlock()
			if b := g.blockedLocked(g.now()); b != nil {
				return b
			}
		}
		return err
	}
}

// take reserves one attempt, or says why not.
func (g *authGate) take() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if err := g.blockedLocked(now); err != nil {
		return err
	}
	g.force = false
	g.attempts = append(g.attempts, now)
	return nil
}

func (g *authGate) done(err error, reason func(error) string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil || errors.Is(err, context.Canceled) {
		if err == nil {
			g.failures, g.lastErr, g.next = 0, nil, time.Time{}
		}
		return
	}
	g.failures++
	d := ReauthBackoffBase << min(g.failures-1, 20)
	if d > ReauthBackoffMax || d <= 0 {
		d = ReauthBackoffMax
	}
	g.next = g.now().Add(g.jitter(d))
	g.lastErr, g.reason = err, reason(err)
}

// record counts a password attempt made outside the gate (the login).
func (g *authGate) record() {
	g.mu.Lock()
	g.attempts = append(g.attempts, g.now())
	g.mu.Unlock()
}

// takeForced reserves an attempt only when a manual refresh asked for one
// and the window has room (a refused password at start-up is not retried
// by itself).
func (g *authGate) takeForced() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.force {
		return false
	}
	g.force = false
	now := g.now()
	g.blockedLocked(now) // drops attempts that left the window
	if len(g.attempts) >= ReauthWindowMax {
		return false
	}
	g.attempts = append(g.attempts, now)
	return true
}

// blocked is non-nil while requests should fail fast: the last password
// attempt failed (so the token is known bad) and the next is not due.
func (g *authGate) blocked() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lastErr == nil {
		return nil
	}
	return g.blockedLocked(g.now())
}

func (g *authGate) blockedLocked(now time.Time) error {
	cut := now.Add(-ReauthWindow)
	for len(g.attempts) > 0 && !g.attempts[0].After(cut) {
		g.attempts = g.attempts[1:]
	}
	var windowFree time.Time // when the window has room again
	if len(g.attempts) >= ReauthWindowMax {
		windowFree = g.attempts[len(g.attempts)-ReauthWindowMax].Add(ReauthWindow)
	}
	if g.lastErr == nil && windowFree.IsZero() {
		return nil
	}
	if g.lastErr == nil {
		// Attempts succeeded but something keeps asking for new tokens.
		return &AuthFailingError{Reason: "too many re-authentications", Wait: windowFree.Sub(now), Err: ErrUnauthorized}
	}
	if !windowFree.IsZero() {
		wait := windowFree.Sub(now)
		if g.next.After(windowFree) {
			wait = g.next.Sub(now)
		}
		return &AuthFailingError{Reason: g.reason, Wait: wait, Err: g.lastErr}
	}
	if g.force || !now.Before(g.next) {
		return nil
	}
	return &AuthFailingError{Reason: g.reason, Wait: g.next.Sub(now), CanForce: true, Err: g.lastErr}
}

// reasonOf is Keystone's own words for a refused re-authentication.
func reasonOf(err error) string {
	if ue, ok := asUnexpected(err); ok {
		if m := strings.TrimSuffix(strings.TrimSpace(serviceMessage(ue.Body)), "."); m != "" {
			return m
		}
		return fmt.Sprintf("keystone HTTP %d", ue.Actual)
	}
	return wrapErr("keystone", "POST", "/v3/auth/tokens", err).Error()
}

// retryNow lets the next request try a password now (still counted).
func (g *authGate) retryNow() {
	g.mu.Lock()
	g.force = true
	g.mu.Unlock()
}
