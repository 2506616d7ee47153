package agents

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
)

// bigFixture is 1,000 computes (nova-compute, two Neutron agents each)
// and the fixture's three controllers.
func bigFixture() *fakeSource {
	f := fixture()
	for i := range 1000 {
		h := fmt.Sprintf("compute%04d", i)
		f.nova = append(f.nova, openstack.ComputeService{ID: "nc-" + h, Binary: "nova-compute", Host: h, Zone: "nova", Status: "enabled", State: "up", UpdatedAt: t0.Add(-4 * time.Second)})
		f.net = append(f.net,
			openstack.NetworkAgent{ID: "ovs-" + h, Type: "Open vSwitch agent", Binary: "neutron-openvswitch-agent", Host: h, Zone: "nova", Alive: true, AdminUp: true, HeartbeatAt: t0.Add(-20 * time.Second)},
			openstack.NetworkAgent{ID: "md-" + h, Type: "Metadata agent", Binary: "neutron-metadata-agent", Host: h, Zone: "nova", Alive: true, AdminUp: true, HeartbeatAt: t0.Add(-20 * time.Second)})
	}
	return f
}

// BenchmarkHiddenLists1000Hosts: Nova's and Neutron's whole lists landing
// in the hidden pane at 1,000 hosts: what Update spends on each, as the
// load makes them (their host-model facts made there) and -in-update
// without the facts (Update makes them).
func BenchmarkHiddenLists1000Hosts(b *testing.B) {
	src := bigFixture()
	p, _ := newPane(src)
	drive(p, p.Init())
	for _, k := range []struct {
		name string
		kind int
	}{{"nova", kNova}, {"neutron", kNeutron}} {
		as, err := fetch(context.Background(), src, k.kind)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range []loadedMsg{{kind: k.kind, agents: as, facts: facts(as)}, {kind: k.kind, agents: as}} {
			name := k.name
			if m.facts == nil {
				name += "-in-update"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					p.Update(m)
				}
			})
		}
	}
}

// The loads make a whole list's facts; a problems list's message without
// them (this test feeds bare messages) has them made in Update from the
// merged list, the fallback: the load's own merge and facts are
// TestProblemsMergedByTheLoad's. Either way the pane publishes what the
// list says: the same observation as made in Update, a failure with no
// facts.
func TestLoadsMakeTheListsFacts(t *testing.T) {
	src := bigFixture()
	src.net[4].Alive = false
	p, _ := newPane(src)
	for _, m := range p.load()().(tea.BatchMsg) {
		msg := m().(loadedMsg)
		if msg.facts == nil {
			t.Fatalf("kind %d: the load made no facts", msg.kind)
		}
		_, cmd := p.Update(msg)
		o := cmd().(hostmodel.Observation)
		want := facts(p.lists[msg.kind].agents)
		if o.Source != kindSources[msg.kind] || !o.At.Equal(t0) || o.Err != nil || !reflect.DeepEqual(o.Facts, want) || len(want) < 6 {
			t.Fatalf("kind %d: observation %+v, want %d facts", msg.kind, o, len(want))
		}
		// Written out, not made by facts(): a Cinder backend's fact is
		// its host's, told apart from the host's other backends by its ID.
		backend := hostmodel.Fact{Host: "control02", Kind: hostmodel.Service, Name: "cinder-volume", ID: "cinder-volume@control02@rbd-1", State: hostmodel.Down, Severity: hostmodel.Crit}
		if msg.kind == kCinder && !slices.Contains(o.Facts, backend) {
			t.Fatalf("cinder: no fact %+v in %+v", backend, o.Facts)
		}
	}
	// A problems list: the merged list's facts (every agent, the one
	// that died now alive again).
	src.net[4].Alive = true
	_, cmd := p.Update(loadedMsg{kind: kNeutron, agents: nil, problems: true})
	o := cmd().(hostmodel.Observation)
	if len(o.Facts) != len(src.net) || o.Facts[4].State != hostmodel.Up {
		t.Fatalf("problems list: %d facts (want %d), agent 4 %q", len(o.Facts), len(src.net), o.Facts[4].State)
	}
	src.netErr = errors.New("neutron down")
	p.lists[kNeutron].loading = false
	for _, m := range p.load()().(tea.BatchMsg) {
		if msg := m().(loadedMsg); msg.kind == kNeutron {
			_, cmd := p.Update(msg)
			if o := cmd().(hostmodel.Observation); o.Err == nil || o.Facts != nil || msg.facts != nil {
				t.Fatalf("failed list: err %v, %d facts", o.Err, len(o.Facts))
			}
		}
	}
}

// Update publishes a whole list's facts the load made, as given: it does
// not make them again from the list (that would put the work back on the
// UI goroutine).
func TestUpdatePublishesTheLoadsFacts(t *testing.T) {
	src := fixture()
	p, _ := newPane(src)
	for _, kind := range []int{kNova, kNeutron, kCinder} {
		as, err := fetch(context.Background(), src, kind)
		if err != nil {
			t.Fatal(err)
		}
		given := []hostmodel.Fact{{Host: "sentinel", Kind: hostmodel.Service, Name: fmt.Sprintf("kind-%d", kind), State: hostmodel.Up}}
		_, cmd := p.Update(loadedMsg{kind: kind, agents: as, facts: given})
		if o := cmd().(hostmodel.Observation); !reflect.DeepEqual(o.Facts, given) {
			t.Fatalf("kind %d: published %+v, want the message's %+v", kind, o.Facts, given)
		}
	}
}
