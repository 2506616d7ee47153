package openstack

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomIDs are n random UUIDs, sorted (seeded: the same each run).
func randomIDs(n int) []string {
	r := rand.New(rand.NewPCG(uint64(n), 15))
	ids := make([]string, n)
	for i := range ids {
		var b [16]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		ids[i] = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	}
	slices.Sort(ids)
	return ids
}

func serversOf(ids []string) []Server {
	ss := make([]Server, len(ids))
	for i, id := range ids {
		ss[i].ID = id
	}
	return ss
}

// A first list's size is guessed from the first page of each end: close
// to the list (and over it) for random UUIDs, no guess when the IDs are
// not spread over the ID space or not in the streams' order.
func TestSizerGuessesAFirstList(t *testing.T) {
	for _, n := range []int{5000, 50000, 200000} {
		ids := randomIDs(n)
		var z sizer
		if got := z.next(serversOf(ids[:100])); got != 0 {
			t.Fatalf("n=%d: a guess after one page: %d", n, got)
		}
		desc := slices.Clone(ids[n-100:])
		slices.Reverse(desc)
		got := z.next(serversOf(desc))
		if got < n*9/10 || got > n*16/10 {
			t.Errorf("n=%d: guessed %d", n, got)
		}
		if z.next(serversOf(ids[100:200])) != 0 {
			t.Errorf("n=%d: a guess after the first two pages", n)
		}
	}
	// Sequential IDs: the two ends disagree.
	seq := make([]string, 50000)
	for i := range seq {
		seq[i] = fmt.Sprintf("%08x-0000-4000-8000-000000000000", i+1)
	}
	var z sizer
	z.next(serversOf(seq[:100]))
	desc := slices.Clone(seq[len(seq)-100:])
	slices.Reverse(desc)
	if got := z.next(serversOf(desc)); got != 0 {
		t.Errorf("sequential IDs: guessed %d", got)
	}
	// Pages not in uuid order (Nova's own order, the fallback): no guess.
	ids := randomIDs(50000)
	shuffled := slices.Clone(ids[:200])
	shuffled[0], shuffled[50] = shuffled[50], shuffled[0]
	z = sizer{}
	z.next(serversOf(shuffled[:100]))
	desc = slices.Clone(ids[len(ids)-100:])
	slices.Reverse(desc)
	if got := z.next(serversOf(desc)); got != 0 {
		t.Errorf("unordered first page: guessed %d", got)
	}
}

// The descending stream's first page is taken wherever it is handed
// among the first pages: the ascending stream's next pages may come
// before it (review of rss1k4).
func TestSizerTakesTheDescendingPageWhenItComes(t *testing.T) {
	const n = 50000
	ids := randomIDs(n)
	var z sizer
	for i := range 3 { // ascending pages 1-3
		if got := z.next(serversOf(ids[i*100 : (i+1)*100])); got != 0 {
			t.Fatalf("a guess after %d ascending pages: %d", i+1, got)
		}
	}
	desc := slices.Clone(ids[n-100:])
	slices.Reverse(desc)
	if got := z.next(serversOf(desc)); got < n*9/10 || got > n*16/10 {
		t.Fatalf("descending page fourth: guessed %d", got)
	}
	// Past sizerPages, no guess: the list is mostly in.
	z = sizer{}
	for i := range sizerPages {
		z.next(serversOf(ids[i*100 : (i+1)*100]))
	}
	if got := z.next(serversOf(desc)); got != 0 {
		t.Fatalf("a guess after %d pages: %d", sizerPages, got)
	}
}
