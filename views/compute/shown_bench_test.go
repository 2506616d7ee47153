package compute

import (
	"testing"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// BenchmarkShownAnswers1000Hosts: the Update-side cost of each answer and
// tick for the compute pane on screen at 1,000 hosts, with BMCs or none (its rows are made
// at once), as the load hands them over (facts made off the UI goroutine).
//
//	go test -run '^$' -bench ShownAnswers1000Hosts -benchmem ./views/compute/
func BenchmarkShownAnswers1000Hosts(b *testing.B) {
	for _, bmc := range []bool{false, true} {
		name := "no-bmc"
		if bmc {
			name = "bmc"
		}
		b.Run(name, func(b *testing.B) { benchShownAnswers(b, bmc) })
	}
}

func benchShownAnswers(b *testing.B, bmc bool) {
	src := bigFixture(1000)
	p, now := newPane(src)
	if bmc {
		p.SetPower(newFakePower())
	}
	drive(p, p.Init())
	p.View(160, 50) // on screen (the test clock stays put)
	svcFacts, hvFacts := hostmodel.FromComputeServices(src.svcs), usageFacts(src.hvs)
	for _, m := range []struct {
		name string
		msg  func() any
	}{
		{"services", func() any { return servicesMsg{svcs: src.svcs, facts: svcFacts} }},
		{"hypervisors", func() any { return hypervisorsMsg{hvs: src.hvs, facts: hvFacts} }},
		{"tick", func() any { return pane.TickMsg{} }},
	} {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p.lastTry, p.pwLoad = *now, true // no power reads started
				p.Update(m.msg())
			}
		})
	}
}
