package demo

import "testing"

// BenchmarkStart50k: the demo cloud at 50,000 instances and 40 hosts made
// and listening (what `stackpit --demo --demo-scale 50000` does before
// the cockpit can start).
//
//	go test -run '^$' -bench Start50k -benchtime 5x ./demo/
func BenchmarkStart50k(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		c, err := Start(StartOptions{Story: Options{Instances: 50000, Computes: 40, FailAfter: -1}})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
}

// BenchmarkNovaIndex50k: Nova's two server indexes (the list order and
// the uuid order) made at 50,000 servers, as at the demo's start: the
// cockpit's first page waits for them.
func BenchmarkNovaIndex50k(b *testing.B) {
	s := NewStory(Options{Instances: 50000, Computes: 40, FailAfter: -1})
	ns := novaFor(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ns.indexed = -1
		ns.reindex()
		ns.uuidOrder(false)
	}
}
