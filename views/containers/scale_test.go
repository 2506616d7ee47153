package containers

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// bigSrc: 1,000 hosts of 30 containers each.
type bigSrc struct{ fakeSrc }

func (bigSrc) Hosts() []string {
	hs := make([]string, 1000)
	for i := range hs {
		hs[i] = fmt.Sprintf("compute%04d", i)
	}
	return hs
}

func bigList(h string, exited bool) []docker.Container {
	cs := make([]docker.Container, 30)
	for i := range cs {
		cs[i] = docker.Container{Host: h, Name: fmt.Sprintf("service_%02d", i), Image: "kolla/service:2024.1", State: "running",
			Health: "healthy", StartedAt: now.Add(-time.Duration(i) * time.Hour), Pid: 100 + i}
	}
	if exited {
		cs[3].State, cs[3].ExitCode = "exited", 1
	}
	return cs
}

func (bigSrc) List(_ context.Context, h string) ([]docker.Container, error) {
	return bigList(h, false), nil
}

// bigPane: the pane on screen with every host's list in.
func bigPane(b *testing.B) *Pane {
	hm := hostmodel.New()
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Hosts: hm}, &bigSrc{})
	for _, h := range p.hosts {
		p.Update(loadedMsg{host: h, cs: bigList(h, false), at: now})
	}
	p.View(160, 45)
	return p
}

// BenchmarkHostAnswerThenFrame1000Hosts: one host's container list
// landing while the pane is on screen at 1,000 hosts, then the frame:
// what each of the first pass's 1,000 answers costs the UI goroutine.
func BenchmarkHostAnswerThenFrame1000Hosts(b *testing.B) {
	p := bigPane(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := p.hosts[i%len(p.hosts)]
		p.Update(loadedMsg{host: h, cs: bigList(h, i%2 == 0), at: now.Add(time.Duration(i) * time.Second)})
		p.View(160, 45)
	}
}

// Issue 15: at 1,000 hosts each host's answer remade every host's rows
// while the pane was on screen (30,000 rows, 50-75 ms a frame). An answer
// remakes its host's rows only, in their place; a filter remakes all.
func TestHostAnswerRemakesOnlyItsRows(t *testing.T) {
	p, _ := newPane(t)
	p.View(160, 20)
	n := p.hostRowsMade
	p.Update(loadedMsg{host: "control01", at: now, cs: []docker.Container{
		{Host: "control01", Name: "keystone", Image: "kolla/keystone:2024.1", State: "dead", ExitCode: 137},
		{Host: "control01", Name: "neutron_l3_agent", Image: "kolla/neutron-l3-agent:2024.1", State: "running", StartedAt: now.Add(-time.Hour)},
	}})
	p.View(160, 20)
	if got := p.hostRowsMade - n; got != 1 {
		t.Errorf("one host's answer made the rows of %d hosts, want 1", got)
	}
	var keys []string
	for _, r := range p.tbl.Rows() {
		keys = append(keys, r.Key)
	}
	want := []string{"compute04/", "compute01/nova_compute", "control01/keystone",
		"compute01/\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil", "compute01/neutron_openvswitch_agent", "control01/neutron_l3_agent"}
	if !slices.Equal(keys, want) {
		t.Errorf("rows:\n got %q\nwant %q", keys, want)
	}
	n = p.hostRowsMade
	p.SetFilter("state:running")
	if got := p.hostRowsMade - n; got != 3 {
		t.Errorf("a filter made the rows of %d hosts, want all 3", got)
	}
}

// A container's UP ages with the clock when drawn, also for a host that
// has not answered since its rows were made.
func TestUpAgesWhenDrawn(t *testing.T) {
	clock := now
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return clock }}, &fakeSrc{})
	p.Update(loadedMsg{host: "compute01", at: now, cs: []docker.Container{
		{Host: "compute01", Name: "nova_compute", Image: "kolla/nova-compute:2024.1", State: "running", StartedAt: now.Add(-3 * time.Hour)}}})
	up := func() string {
		p.View(160, 20)
		r, _ := p.tbl.Selected()
		return r.Cell(6).Text
	}
	if got := up(); got != "3h" {
		t.Fatalf("UP %q, want 3h", got)
	}
	clock = clock.Add(2 * time.Hour)
	if got := up(); got != "5h" {
		t.Errorf("two hours on, UP %q, want 5h", got)
	}
}

// BenchmarkFirstFrame1000Hosts: the pane coming on screen with every
// host's list in and no row made yet (30,000 containers).
func BenchmarkFirstFrame1000Hosts(b *testing.B) {
	p := bigPane(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.rowsGen++
		p.dirty = true
		p.View(160, 45)
	}
}
