package demo

import (
	"context"
	"testing"
)

// BenchmarkGaleraRead: one read of the demo's three Galera nodes through
// the real driver over loopback (connections kept between reads, as the
// pane does).
func BenchmarkGaleraRead(b *testing.B) {
	c, err := Start(StartOptions{Story: Options{Instances: 5}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	g := galeraClient(b, c)
	b.ResetTimer()
	for range b.N {
		for _, n := range g.Read(context.Background()).Nodes {
			if n.Err != nil {
				b.Fatal(n.Err)
			}
		}
	}
}
