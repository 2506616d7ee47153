package controlplane

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/hostmodel"
)

// demo1000Hosts starts a demo of 1,000 computes (closed with b) and
// returns its sources with each compute up in Nova and its address.
func demo1000Hosts(b *testing.B) (Sources, map[string]bool, map[string]string) {
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 1000, Computes: 1000, FailAfter: -1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	up, addrs := map[string]bool{}, map[string]string{}
	c.Story.Lock(func() {
		for _, h := range c.Story.Hosts {
			if h.Role == "compute" {
				up[h.Name], addrs[h.IP] = true, h.Name
			}
		}
	})
	return demoSources(b, c), up, addrs
}

// One RabbitMQ and one HAProxy answer at 1,000 hosts (the demo's whole
// lists, Nova's services and addresses known), to a hidden pane and to
// the pane on screen.
func BenchmarkAnswers1000Hosts(b *testing.B) {
	src, up, addrs := demo1000Hosts(b)
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

// addressesMoving1000Hosts is a hidden pane at 1,000 hosts with its
// RabbitMQ answer in, its host model, and the observation that moves
// one host's address (Placement's hypervisors) for each i.
func addressesMoving1000Hosts(b *testing.B) (*Pane, *hostmodel.Model, func(i int) hostmodel.Observation) {
	src, up, addrs := demo1000Hosts(b)
	snap := src.Rabbit.(WholeRabbitSource).Whole(context.Background())
	pc := paneCtx()
	pc.Hosts = novaModel(up, addrs)
	p := New(pc, Sources{Rabbit: src.Rabbit, HAProxy: src.HAProxy})
	p.Update(rabbitMsg{s: snap, at: fixedNow})
	var as []hostmodel.Fact
	for ip, h := range addrs {
		as = append(as, hostmodel.Fact{Host: h, Kind: hostmodel.Address, Name: ip})
	}
	return p, pc.Hosts, func(i int) hostmodel.Observation {
		fs := append([]hostmodel.Fact(nil), as...)
		fs[0].Name = fmt.Sprintf("10.99.%d.%d", i/250, i%250)
		return hostmodel.Observation{Pane: "compute", Source: hostmodel.Placement, At: fixedNow.Add(time.Duration(i) * time.Second), Facts: fs}
	}
}

// BenchmarkAddressesMoved1000Hosts: the hidden pane at 1,000 hosts when
// an observation moves the addresses: the host model takes it and the
// pane's Update starts the connection check (run elsewhere, not timed).
func BenchmarkAddressesMoved1000Hosts(b *testing.B) {
	p, hosts, moved := addressesMoving1000Hosts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		o := moved(i)
		hosts.Apply(o)
		p.Update(o)
	}
}

// BenchmarkAddressesAnswerUpdate1000Hosts: what the UI goroutine spends
// in the pane's Update when an observation moves the addresses at 1,000
// hosts (the host model's Apply, done by the shell, is not timed; the
// command the pane returns runs elsewhere and is not timed either).
func BenchmarkAddressesAnswerUpdate1000Hosts(b *testing.B) {
	p, hosts, moved := addressesMoving1000Hosts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		o := moved(i)
		hosts.Apply(o)
		b.StartTimer()
		p.Update(o)
	}
}
