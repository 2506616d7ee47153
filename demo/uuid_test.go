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
