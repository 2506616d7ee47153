// Package cadence carries how often a read repeats through its context: a
// pane that refreshes every 30 s says so, and a shared answer (`stackpit
// serve`'s httpclient.Share) may then be that old for every session
// without any of them seeing older data than its own refresh would.
package cadence

import (
	"context"
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
