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
