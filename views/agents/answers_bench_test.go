package agents

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/views/pane"
)

// BenchmarkHiddenProblems1000Hosts: a hidden pane's Neutron
// problems-only answer at 1,000 hosts (one agent dead): what Update spends
// on it as the load hands it over (merged with the pane's whole list and
// its facts made off the UI goroutine), and -in-update as a bare list
// (Update merges it and makes the facts).
//
//	go test -run '^$' -bench HiddenProblems1000Hosts -benchmem ./views/agents/
func BenchmarkHiddenProblems1000Hosts(b *testing.B) {
	src := bigFixture()
	src.net[8].Alive = false
	p, _ := newPane(src)
	drive(p, p.Init())
	probs := neutronAgents(src.net[8:9])
	for _, c := range []struct {
		name   string
		merged bool
	}{{"merged-by-load", true}, {"in-update", false}} {
		base := p.lists[kNeutron].agents
		m := loadedMsg{kind: kNeutron, agents: probs, problems: true}
		if c.merged {
			m = problemsAnswer(base, probs) // the load's work
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p.lists[kNeutron].agents = base // the list the load merged with
				p.Update(m)
			}
		})
	}
}

// A problems list the load merged with the pane's whole list is taken as
// merged, its facts published as given (the merge and the facts are not
// made again on the UI goroutine); merged with a list the pane no longer
// holds (a whole list landed since the load started), it is merged again
// with the pane's.
func TestProblemsMergedByTheLoad(t *testing.T) {
	src := bigFixture()
	p, _ := newPane(src)
	drive(p, p.Init())
	base := p.lists[kNeutron].agents
	src.net[4].Alive = false
	probs := neutronAgents(src.net[4:5])

	m := problemsAnswer(base, probs)
	given := []hostmodel.Fact{{Host: "sentinel", Kind: hostmodel.Service, Name: "merged-by-load", State: hostmodel.Up}}
	m.facts = given
	_, cmd := p.Update(m)
	if o := cmd().(hostmodel.Observation); !reflect.DeepEqual(o.Facts, given) {
		t.Fatalf("published %d facts, want the load's %+v", len(o.Facts), given)
	}
	if !sameList(p.lists[kNeutron].agents, m.merged) {
		t.Fatal("the pane's list is not the load's merged list")
	}

	// A whole list lands between the problems read's start and its answer.
	stale := problemsAnswer(p.lists[kNeutron].agents, probs)
	src.net[6].Alive = false
	whole, err := fetch(context.Background(), src, kNeutron)
	if err != nil {
		t.Fatal(err)
	}
	p.Update(loadedMsg{kind: kNeutron, agents: whole, facts: facts(whole)})
	_, cmd = p.Update(stale)
	want := mergeProblems(whole, probs)
	o := cmd().(hostmodel.Observation)
	if got := p.lists[kNeutron].agents; !reflect.DeepEqual(got, want) || !reflect.DeepEqual(o.Facts, facts(want)) {
		t.Fatalf("merged with an older list: agent 6 dead %v, want the pane's list's merge", got[6].dead)
	}
	if !p.neutronWhole.IsZero() {
		t.Fatal("the problems differ from the pane's list's, yet the whole list is not read at the next refresh")
	}
}

// BenchmarkShownTick1000Hosts: a clock tick for the pane on screen at
// 1,000 hosts (some 3,000 agents): its rows are made again (BEAT ages).
//
//	go test -run '^$' -bench ShownTick1000Hosts -benchmem ./views/agents/
func BenchmarkShownTick1000Hosts(b *testing.B) {
	p, _ := newPane(bigFixture())
	drive(p, p.Init())
	p.View(160, 50)               // on screen (the test clock stays put)
	p.lastTry = t0.Add(time.Hour) // no load due
	b.ReportAllocs()
	for b.Loop() {
		p.Update(pane.TickMsg{})
	}
}

// On screen, a clock tick makes the rows again without merging and
// sorting the lists (only BEAT moved): the rows are those a whole
// rebuild makes at that time, in its order. Rows an answer left stale
// while hidden are still merged when the pane is drawn.
func TestTickOnScreenAgesTheRowsInTheirOrder(t *testing.T) {
	src := bigFixture()
	src.net[8].Alive = false // a dead agent: its host's rows first
	p, now := newPane(src)
	drive(p, p.Init())
	p.View(160, 50)
	merges := p.merges
	before := slices.Clone(p.tbl.Rows())
	*now = now.Add(time.Second)
	p.Update(pane.TickMsg{})
	if p.merges != merges {
		t.Fatalf("a tick on screen merged and sorted the lists %d times", p.merges-merges)
	}
	got := slices.Clone(p.tbl.Rows())
	p.rebuild()
	if want := p.tbl.Rows(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a tick the rows differ from a rebuild's: first %+v, want %+v", got[0], want[0])
	}
	beat := len(got[0].Cells) - 1
	if got[0].Key != before[0].Key || got[0].Cells[beat] == before[0].Cells[beat] {
		t.Fatalf("BEAT did not age: %+v then %+v", before[0].Cells[beat], got[0].Cells[beat])
	}

	// Hidden, a list lands; a tick leaves it for the draw, which merges.
	p.Hide()
	src.net[20].Alive = false
	p.lists[kNeutron].loading = false
	for _, m := range p.load()().(tea.BatchMsg) {
		p.Update(m())
	}
	*now = now.Add(time.Second)
	merges = p.merges
	p.Update(pane.TickMsg{})
	p.View(160, 50)
	if p.merges != merges+1 {
		t.Fatalf("drawn after a hidden answer: %d merges, want 1", p.merges-merges)
	}
	dead := false
	for _, a := range p.all {
		dead = dead || (a.id == src.net[20].ID && a.dead)
	}
	if !dead {
		t.Fatalf("drawn after a hidden answer: agent %s not dead in the rows", src.net[20].ID)
	}
}
