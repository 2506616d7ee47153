package demo

import (
	"fmt"
	"math/rand"
	"testing"
)

// The UUIDs and IDs written without fmt are the ones fmt wrote (the
// demo's seeded world keeps its IDs).
func TestUUIDsAsFmtWroteThem(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for range 1000 {
		var b [16]byte
		r.Read(b[:])
		c := b
		c[6] = c[6]&0x0f | 0x40
		c[8] = c[8]&0x3f | 0x80
		want := fmt.Sprintf("%x-%x-%x-%x-%x", c[0:4], c[4:6], c[6:8], c[8:10], c[10:16])
		if got := formatUUID(b); got != want {
			t.Fatalf("formatUUID %s, want %s", got, want)
		}
	}
	r1, r2 := rand.New(rand.NewSource(9)), rand.New(rand.NewSource(9))
	var b [16]byte
	r2.Read(b[:])
	if got, want := hex32(r1), fmt.Sprintf("%x", b); got != want {
		t.Fatalf("hex32 %s, want %s", got, want)
	}
}

// The server index is newest first, then by ID descending (ties in
// creation time are common: the seed's servers are made on the hour).
func TestServerIndexNewestFirstThenByID(t *testing.T) {
	s := NewStory(Options{Instances: 3000, FailAfter: -1})
	var order []*Instance
	s.Lock(func() {
		n := novaFor(s)
		n.reindex()
		order = n.order
	})
	if len(order) != 3000 {
		t.Fatalf("%d in the index", len(order))
	}
	ties := 0
	for i := 1; i < len(order); i++ {
		a, b := order[i-1], order[i]
		if a.Created.Equal(b.Created) {
			ties++
			if a.ID <= b.ID {
				t.Fatalf("%d: same time, %s before %s", i, a.ID, b.ID)
			}
		} else if a.Created.Before(b.Created) {
			t.Fatalf("%d: %s before %s", i, a.Created, b.Created)
		}
	}
	if ties == 0 {
		t.Fatal("no ties in creation time: the test shows nothing")
	}
}
