package compute

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// A hidden pane's clock ticks make no rows; drawn, it makes them once,
// as they are now; a key makes them before acting. Issue 15: at 1,000
// hosts the hidden pane remade every host's row each second.
func TestHiddenTicksMakeRowsWhenDrawn(t *testing.T) {
	p, _, now := loaded(t)
	n := p.builds
	for range 7 {
		*now = now.Add(time.Second)
		_, cmd := p.Update(pane.TickMsg{})
		drive(p, cmd)
	}
	if p.builds != n {
		t.Fatalf("a hidden pane's 7 ticks made its rows %d times", p.builds-n)
	}
	out := p.View(120, 40)
	if p.builds != n+1 {
		t.Fatalf("drawing made the rows %d times, want 1", p.builds-n)
	}
	p.rebuild()
	if again := p.View(120, 40); again != out {
		t.Fatalf("the draw showed rows older than the clock:\n%s\nwant\n%s", out, again)
	}
	n = p.builds
	*now = now.Add(time.Second)
	p.Update(pane.TickMsg{})
	if p.builds != n+1 {
		t.Fatalf("on screen, a tick made the rows %d times, want 1", p.builds-n)
	}
	*now = now.Add(5 * time.Second) // not drawn since: hidden
	p.Update(pane.TickMsg{})
	if p.builds != n+1 {
		t.Fatal("hidden again, a tick made the rows")
	}
	press(p, "j")
	if p.builds != n+2 {
		t.Fatalf("a key on stale rows made them %d times, want 1", p.builds-n-1)
	}
}

// A hidden pane's answers (services, hypervisors, power) neither join the
// lists nor make rows; their observations still go out. A reader right
// after an answer (the power reads it starts) sees that answer's hosts,
// and a draw shows them. Issue 15: at 1,000 hosts each answer remade
// every host's row for a pane nobody looked at.
func TestHiddenAnswersJoinWhenRead(t *testing.T) {
	fp := newFakePower()
	fp.states["compute07"] = bmc.Off
	p, src, now := powerPane(t, fp, nil)
	*now = now.Add(10 * time.Second) // never drawn: hidden
	b, j := p.builds, p.joins
	_, cmd := p.Update(hypervisorsMsg{hvs: src.hvs})
	if o, ok := cmd().(hostmodel.Observation); !ok || o.Source != hostmodel.Placement {
		t.Fatalf("no usage observation for a hidden pane's answer: %#v", o)
	}
	if p.builds != b || p.joins != j {
		t.Fatalf("a hidden hypervisors answer: %d builds, %d joins", p.builds-b, p.joins-j)
	}
	svcs := append(src.svcs, openstack.ComputeService{ID: "s7", Binary: "nova-compute", Host: "compute07", Zone: "nova", Status: "enabled", State: "up", UpdatedAt: *now})
	msgs := drive(p, func() tea.Msg { return servicesMsg{svcs: svcs} })
	obs := 0
	for _, m := range msgs {
		if o, ok := m.(hostmodel.Observation); ok && o.Source == hostmodel.Nova {
			obs++
		}
	}
	if obs != 1 {
		t.Fatalf("%d services observations, want 1", obs)
	}
	fp.mu.Lock()
	reads := fp.reads["compute07"]
	fp.mu.Unlock()
	if reads != 1 { // the power reads read the new hosts
		t.Fatalf("compute07, new in the answer, had its power read %d times, want 1", reads)
	}
	if p.builds != b || p.joins != j+1 {
		t.Fatalf("hidden answers: %d builds (want 0), %d joins (want 1, for the power reads)", p.builds-b, p.joins-j)
	}
	out := ansi.Strip(p.View(120, 40))
	if p.builds != b+1 || !strings.Contains(rowOf(out, "compute07"), "off") {
		t.Fatalf("drawn: %d builds (want 1), compute07's row %q\n%s", p.builds-b, rowOf(out, "compute07"), out)
	}
}

// On screen, a clock tick remakes the rows (BEAT ages) without joining the
// lists again: only an answer changes them.
func TestTickRemakesRowsWithoutAJoin(t *testing.T) {
	fp := newFakePower()
	p, _, now := powerPane(t, fp, nil)
	p.View(140, 30) // on screen
	b, j := p.builds, p.joins
	*now = now.Add(time.Second)
	p.Update(pane.TickMsg{})
	p.View(140, 30)
	if p.builds == b || p.joins != j {
		t.Fatalf("a tick on screen: %d builds, %d joins (want some builds, no join)", p.builds-b, p.joins-j)
	}
}

// The loads make their lists' host-model facts (issue 15: made in Update,
// 0.4 MB each at 1,000 hosts); what Update publishes is what it made
// itself before: the same facts, its own time, a failure without facts.
func TestLoadsMakeTheListsFacts(t *testing.T) {
	src := bigFixture(3)
	src.svcs[1].State, src.hvs[2].HostIP = "down", "10.0.0.3"
	p, _ := newPane(src)
	var got []hostmodel.Observation
	for _, m := range p.loadLists(true)().(tea.BatchMsg) {
		msg := m()
		switch msg := msg.(type) {
		case servicesMsg:
			if msg.facts == nil {
				t.Fatal("the services load made no facts")
			}
		case hypervisorsMsg:
			if msg.facts == nil {
				t.Fatal("the hypervisors load made no facts")
			}
		}
		for _, c := range drive(p, func() tea.Msg { return msg }) {
			if o, ok := c.(hostmodel.Observation); ok {
				o.For = nil
				got = append(got, o)
			}
		}
	}
	want := []hostmodel.Observation{
		{Pane: "compute", Source: hostmodel.Nova, At: t0, Facts: hostmodel.FromComputeServices(src.svcs)},
		usageObservation(hypervisorsMsg{hvs: src.hvs}, t0),
	}
	if len(want[1].Facts) != 4 || !reflect.DeepEqual(got, want) {
		t.Fatalf("observations\n%+v\nwant\n%+v", got, want)
	}
	// Written out, not made by the functions under test: the down
	// service, and the hypervisor's host IP naming its host.
	down := hostmodel.Fact{Host: "compute0001", Kind: hostmodel.Service, Name: "nova-compute", State: hostmodel.Down, Severity: hostmodel.Crit}
	addr := hostmodel.Fact{Host: "compute0002", Kind: hostmodel.Address, Name: "10.0.0.3"}
	if !slices.Contains(got[0].Facts, down) || !slices.Contains(got[1].Facts, addr) {
		t.Fatalf("services' facts %+v lack %+v, or hypervisors' %+v lack %+v", got[0].Facts, down, got[1].Facts, addr)
	}
	src.svcErr = errors.New("nova down")
	p.svcLoad = false
	failed := p.loadLists(false)().(servicesMsg)
	o := servicesObservation(failed, t0)
	if o.Err == nil || o.Facts != nil || failed.facts != nil {
		t.Fatalf("failed services: err %v, %d facts published, %d made", o.Err, len(o.Facts), len(failed.facts))
	}
}

// Update publishes the facts the loads made, as given: it does not make
// them again from the lists (that would put the work back on the UI
// goroutine).
func TestUpdatePublishesTheLoadsFacts(t *testing.T) {
	src := bigFixture(3)
	p, _ := newPane(src)
	svcFacts := []hostmodel.Fact{{Host: "sentinel", Kind: hostmodel.Service, Name: "nova-compute", State: hostmodel.Down}}
	hvFacts := []hostmodel.Fact{{Host: "sentinel", Kind: hostmodel.Address, Name: "192.0.2.99"}}
	for _, c := range []struct {
		name  string
		msg   tea.Msg
		given []hostmodel.Fact
	}{
		{"services", servicesMsg{svcs: src.svcs, facts: svcFacts}, svcFacts},
		{"hypervisors", hypervisorsMsg{hvs: src.hvs, facts: hvFacts}, hvFacts},
	} {
		var got []hostmodel.Observation
		for _, m := range drive(p, func() tea.Msg { return c.msg }) {
			if o, ok := m.(hostmodel.Observation); ok {
				got = append(got, o)
			}
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0].Facts, c.given) {
			t.Fatalf("%s: published %+v, want one observation with the message's facts %+v", c.name, got, c.given)
		}
	}
}
