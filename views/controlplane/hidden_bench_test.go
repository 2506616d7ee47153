package controlplane

import (
	"context"
	"testing"

	"github.com/stackpit/stackpit/demo"
)

// One RabbitMQ and one HAProxy answer at 1,000 hosts (the demo's whole
// lists, Nova's services and addresses known), to a hidden pane and to
// the pane on screen.
func BenchmarkAnswers1000Hosts(b *testing.B) {
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 1000, Computes: 1000, FailAfter: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	src := demoSources(b, c)
	up, addrs := map[string]bool{}, map[string]string{}
	c.Story.Lock(func() {
		for _, h := range c.Story.Hosts {
			if h.Role == "compute" {
				up[h.Name], addrs[h.IP] = true, h.Name
			}
		}
	})
	ctx := context.Background()
	snap := src.Rabbit.(WholeRabbitSource).Whole(ctx)
	st, err := src.HAProxy.Stats(ctx)
	if err != nil || snap.Err != nil {
		b.Fatal(err, snap.Err)
	}
	for _, on := range []bool{false, true} {
		name := "hidden"
		if on {
			name = "on screen"
		}
		b.Run(name, func(b *testing.B) {
			pc := paneCtx()
			pc.Hosts = novaModel(up, addrs)
			p := New(pc, Sources{Rabbit: src.Rabbit, HAProxy: src.HAProxy})
			if on {
				p.View(160, 50)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.Update(hapMsg{st: st, at: fixedNow})
				p.Update(rabbitMsg{s: snap, at: fixedNow})
			}
		})
	}
}
