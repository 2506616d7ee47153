package alertmanager

import (
	"context"
	"sync"
	"time"
)

// The alerts and silences panes both read every alert and every silence
// each refresh; with SharedTTL set, the unfiltered answers are shared
// between callers within SharedTTL (and one request in flight), and a
// silence created or expired through this client is seen by the next call.

// sharedCall caches one answer.
type sharedCall[T any] struct {
	mu     sync.Mutex
	val    T
	have   bool
	at     time.Time
	gen    int
	flight chan struct{}
	fval   T
	ferr   error
}

func (s *sharedCall[T]) get(ctx context.Context, ttl time.Duration, now func() time.Time, fetch func(context.Context) (T, error)) (T, error) {
	s.mu.Lock()
	if s.have && now().Sub(s.at) < ttl {
		v := s.val
		s.mu.Unlock()
		return v, nil
	}
	if f := s.flight; f != nil {
		s.mu.Unlock()
		select {
		case <-f:
			s.mu.Lock()
			v, err := s.fval, s.ferr
			s.mu.Unlock()
			return v, err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	f := make(chan struct{})
	s.flight = f
	gen := s.gen
	s.mu.Unlock()
	v, err := fetch(ctx)
	s.mu.Lock()
	s.flight, s.fval, s.ferr = nil, v, err
	if err == nil && gen == s.gen {
		s.val, s.have, s.at = v, true, now()
	}
	close(f)
	s.mu.Unlock()
	return v, err
}

func (s *sharedCall[T]) forget() {
	s.mu.Lock()
	s.have = false
	s.gen++
	s.mu.Unlock()
}

func (c *Client) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

func (f AlertFilter) zero() bool {
	return len(f.Matchers) == 0 && f.Active == nil && f.Silenced == nil && f.Inhibited == nil &&
		f.Unprocessed == nil && f.Receiver == ""
}

// Callers may reorder what they get: each gets its own slices.
func (r AlertsResult) clone() AlertsResult {
	r.Alerts = append([]Alert(nil), r.Alerts...)
	r.Sources = append(Sources(nil), r.Sources...)
	return r
}

func (r SilencesResult) clone() SilencesResult {
	r.Silences = append([]Silence(nil), r.Silences...)
	r.Sources = append(Sources(nil), r.Sources...)
	return r
}

// forgetShared drops the shared answers after a silence changed.
func (c *Client) forgetShared() {
	c.sharedAlerts.forget()
	c.sharedSilences.forget()
}
