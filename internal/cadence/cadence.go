// Package cadence carries how often a read repeats through its context: a
// pane that refreshes every 30 s says so, and a shared answer (`stackpit
// serve`'s httpclient.Share) may then be that old for every session
// without any of them seeing older data than its own refresh would.
package cadence

import (
	"context"
	"sync"
	"time"
)

type key struct{}

// With marks reads made under ctx as repeating every d.
func With(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, key{}, d)
}

// Of is the cadence ctx carries, 0 when none.
func Of(ctx context.Context) time.Duration {
	d, _ := ctx.Value(key{}).(time.Duration)
	return d
}

// Age collects how old the answers given to the reads under a context
// really are: a shared answer (httpclient.Share, `stackpit serve`'s
// decoded lists) was asked for by another session, earlier, and a pane
// must not call it fresher than it is.
type Age struct {
	mu     sync.Mutex
	oldest time.Time
	parent *Age
}

type ageKey struct{}

// WithAge returns a context whose reads report shared answers' times to
// the returned Age (and to any Age ctx already carries).
func WithAge(ctx context.Context) (context.Context, *Age) {
	parent, _ := ctx.Value(ageKey{}).(*Age)
	a := &Age{parent: parent}
	return context.WithValue(ctx, ageKey{}, a), a
}

// Answered notes that a read under ctx was answered with data as of at
// (the moment the shared request was sent).
func Answered(ctx context.Context, at time.Time) {
	a, _ := ctx.Value(ageKey{}).(*Age)
	for ; a != nil; a = a.parent {
		a.mu.Lock()
		if a.oldest.IsZero() || at.Before(a.oldest) {
			a.oldest = at
		}
		a.mu.Unlock()
	}
}

// Oldest is the oldest shared answer's time, zero when every answer was
// the read's own.
func (a *Age) Oldest() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.oldest
}

// AsOf is when data read at now is from: now, or shared (a shared
// answer's time, zero when there was none) when that is older.
func AsOf(now, shared time.Time) time.Time {
	if !shared.IsZero() && shared.Before(now) {
		return shared
	}
	return now
}

// At is AsOf(now, the oldest shared answer's time).
func (a *Age) At(now time.Time) time.Time { return AsOf(now, a.Oldest()) }

// Current says whether a shared answer asked for at sent and come at at
// may still be given at now to a read repeating every slot: younger than
// fresh, or asked in the same interval of slot on the wall clock (so
// sessions refreshing at their own moments make one read per interval;
// slot 0: fresh only). One rule for every share (HTTP answers, decoded
// server lists, other protocols' reads).
func Current(sent, at, now time.Time, fresh, slot time.Duration) bool {
	return now.Sub(at) < fresh || slot > 0 && now.Truncate(slot).Equal(sent.Truncate(slot))
}

// Window is the freshness window of a share for a read under ctx: fresh
// and slot, or for a read that declares a slower cadence (With) 9/10 of
// it and it (a read repeating every 30 s may share a 27 s old answer).
func Window(ctx context.Context, fresh, slot time.Duration) (time.Duration, time.Duration) {
	if every := Of(ctx); every > 0 {
		return every * 9 / 10, every
	}
	return fresh, slot
}
