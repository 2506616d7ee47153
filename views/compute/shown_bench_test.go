package compute

import (
	"testing"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// BenchmarkShownAnswers1000Hosts: the Update-side cost of each answer and
// tick for the compute pane on screen at 1,000 hosts (its rows are made
// at once), as the load hands them over (facts made off the UI goroutine).
//
//	go test -run '^$' -bench ShownAnswers1000Hosts -benchmem ./views/compute/
func BenchmarkShownAnswers1000Hosts(b *testing.B) {
	src := bigFixture(1000)
	p, now := newPane(src)
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
				p.lastTry = *now
				p.Update(m.msg())
			}
		})
	}
}
