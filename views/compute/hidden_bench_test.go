package compute

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
)

// bigFixture is n compute hosts, each with its service and hypervisor.
func bigFixture(n int) *fakeSource {
	f := &fakeSource{}
	for i := range n {
		h := fmt.Sprintf("compute%04d", i)
		f.svcs = append(f.svcs, openstack.ComputeService{ID: fmt.Sprint("s", i), Binary: "nova-compute", Host: h, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-time.Second)})
		f.hvs = append(f.hvs, openstack.Hypervisor{ID: fmt.Sprint("h", i), Hostname: h + ".cloud.example", Host: h, State: "up", Status: "enabled",
			VCPUs: 64, VCPUsUsed: 8, VCPUsCap: 128, MemoryMB: 262144, MemUsed: 32768, MemoryCap: 262144, DiskGB: 1800, DiskUsed: 200, DiskCap: 1800, RunningVMs: 5})
	}
	return f
}

// One services, hypervisors or power answer for a hidden pane at 1,000
// hosts with BMCs configured: its observation is made and its power
// reads started (what they would run is off the UI goroutine: not run).
// services and hypervisors are the answers as the load makes them (their
// host-model facts made off the UI goroutine); the -in-update ones come
// without them, so Update makes them.
func BenchmarkHiddenAnswers1000Hosts(b *testing.B) {
	src := bigFixture(1000)
	p, _ := newPane(src)
	p.SetPower(newFakePower())
	drive(p, p.Init())
	svcFacts, hvFacts := hostmodel.FromComputeServices(src.svcs), usageFacts(src.hvs)
	for _, m := range []struct {
		name string
		msg  func() any
	}{
		{"services", func() any { return servicesMsg{svcs: src.svcs, facts: svcFacts} }},
		{"services-in-update", func() any { return servicesMsg{svcs: src.svcs} }},
		{"hypervisors", func() any { return hypervisorsMsg{hvs: src.hvs, facts: hvFacts} }},
		{"hypervisors-in-update", func() any { return hypervisorsMsg{hvs: src.hvs} }},
		{"power", func() any { return powerMsg{power: map[string]powerInfo{"compute0001": {}}} }},
	} {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p.pwLoad = false
				p.Update(m.msg())
			}
		})
	}
}

// BenchmarkLoads1000Hosts: what each list's load (its tea.Cmd, off the UI
// goroutine) spends at 1,000 hosts: the fake answer and its host-model
// facts.
//
//	go test -run '^$' -bench Loads1000Hosts -benchmem ./views/compute/
func BenchmarkLoads1000Hosts(b *testing.B) {
	src := bigFixture(1000)
	p, _ := newPane(src)
	svc := p.loadLists(false)
	p.svcLoad = true
	hv := p.loadLists(true)
	for _, c := range []struct {
		name string
		cmd  tea.Cmd
	}{{"services", svc}, {"hypervisors", hv}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				src.calls = src.calls[:0]
				c.cmd()
			}
		})
	}
}
