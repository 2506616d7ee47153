package cadence

import (
	"context"
	"testing"
	"time"
)

// An answer's time reaches every Age up the context chain, and each keeps
// the oldest it was told.
func TestAgeKeepsTheOldestAnswer(t *testing.T) {
	outer, a := WithAge(context.Background())
	inner, b := WithAge(outer)
	t0 := time.Unix(100, 0)
	Answered(inner, t0.Add(5*time.Second))
	Answered(inner, t0)
	Answered(outer, t0.Add(9*time.Second))
	if !a.Oldest().Equal(t0) || !b.Oldest().Equal(t0) {
		t.Fatalf("oldest: outer %v inner %v, want %v", a.Oldest(), b.Oldest(), t0)
	}
	Answered(context.Background(), t0) // no Age: nothing to tell
	_, c := WithAge(context.Background())
	if !c.Oldest().IsZero() {
		t.Fatal("a fresh Age has an answer")
	}
}

// Data is as old as its oldest shared answer, never newer than the read.
func TestAsOfTakesTheOlderSharedTime(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct{ shared, want time.Time }{
		{time.Time{}, now}, // no shared answer
		{now.Add(-6 * time.Second), now.Add(-6 * time.Second)}, // another session's, older
		{now.Add(time.Second), now},                            // a clock ahead: never newer than the read
	} {
		if got := AsOf(now, tc.shared); !got.Equal(tc.want) {
			t.Errorf("AsOf(now, %v) = %v, want %v", tc.shared, got, tc.want)
		}
	}
	ctx, a := WithAge(context.Background())
	Answered(ctx, now.Add(-time.Minute))
	if got := a.At(now); !got.Equal(now.Add(-time.Minute)) {
		t.Errorf("At = %v, want the answer's time", got)
	}
}
