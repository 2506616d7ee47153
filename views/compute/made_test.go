package compute

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/pane"
)

// A shown pane keeps a host's cells between answers that say the same
// about it; every row must still be what buildRow makes of the host now,
// whichever of the lists' values changed, and BEAT must age with the clock.
func TestKeptCellsAreTheRowsBuildRowMakes(t *testing.T) {
	t.Run("no-bmc", func(t *testing.T) { testKeptCells(t, false) })
	t.Run("bmc", func(t *testing.T) { testKeptCells(t, true) })
}

func testKeptCells(t *testing.T, bmc bool) {
	src := fixture()
	p, now := newPane(src)
	if bmc {
		p.SetPower(newFakePower())
	}
	drive(p, p.Init())
	p.View(160, 40) // on screen: answers make the rows at once
	check := func(step string) {
		t.Helper()
		got := map[string]int{}
		for i, r := range p.tbl.Rows() {
			got[r.Key] = i
		}
		if len(got) != len(p.hosts) {
			t.Fatalf("%s: %d rows for %d hosts", step, len(got), len(p.hosts))
		}
		for i := range p.hosts {
			h := &p.hosts[i]
			want := buildRow(h, *now)
			if bmc { // the power cell after FORCED
				pc := powerCell(p.powerOf(h.name), true, *now, p.ctx.Refresh, h.down)
				want.Cells = slices.Insert(want.Cells, 5, pc)
			}
			r := p.tbl.Rows()[got[h.name]]
			if !reflect.DeepEqual(r.Cells, want.Cells) || r.Role != want.Role {
				t.Fatalf("%s: %s's row is\n%v (role %v), buildRow makes\n%v (role %v)", step, h.name, r.Cells, r.Role, want.Cells, want.Role)
			}
		}
	}
	// remade: each answer remakes only the rows of the hosts it changed
	// (a cache that never hits would pass every row check).
	remade := func(step string, want int, do func()) {
		t.Helper()
		before := p.remade
		do()
		if got := p.remade - before; got != want {
			t.Errorf("%s: %d rows made anew, want %d", step, got, want)
		}
	}
	answer := func(step string, svcs func([]openstack.ComputeService), hvs func([]openstack.Hypervisor)) {
		t.Helper()
		src.svcs, src.hvs = slices.Clone(src.svcs), slices.Clone(src.hvs)
		svcs(src.svcs)
		hvs(src.hvs)
		*now = now.Add(10 * time.Second)
		p.View(160, 40) // still on screen
		p.lastTry = time.Time{}
		drive(p, p.load())
		check(step)
	}
	none := func([]openstack.ComputeService) {}
	noHv := func([]openstack.Hypervisor) {}
	check("first answers")
	remade("newer heartbeats", 0, func() {
		answer("same lists, newer heartbeats", func(s []openstack.ComputeService) {
			for i := range s {
				s[i].UpdatedAt = s[i].UpdatedAt.Add(10 * time.Second)
			}
		}, noHv)
	})
	remade("usage of four hosts", 4, func() {
		answer("usage", none, func(h []openstack.Hypervisor) {
			h[0].VCPUsUsed, h[1].MemUsed, h[2].DiskCap, h[3].RunningVMs = 100, 1, 900, 0
		})
	})
	answer("a host goes down", func(s []openstack.ComputeService) { s[1].State = "down" }, noHv)
	answer("disabled", func(s []openstack.ComputeService) { s[3].Status, s[3].DisabledReason = "disabled", "rack move" }, noHv)
	answer("forced down", func(s []openstack.ComputeService) { s[5].ForcedDown = true }, noHv)
	answer("zone", func(s []openstack.ComputeService) { s[6].Zone = "az2" }, noHv)
	answer("a hypervisor leaves", none, func(h []openstack.Hypervisor) { h[4].Host, h[4].Hostname = "gone", "gone" })
	answer("a service leaves", func(s []openstack.ComputeService) { s[2].Binary = "nova-conductor" }, noHv)
	*now = now.Add(45 * time.Second)
	p.View(160, 40)
	remade("a clock tick", 0, func() { p.Update(pane.TickMsg(*now)) })
	check("a clock tick")
	if len(p.made) != len(p.hosts) {
		t.Errorf("%d rows kept for %d hosts: a host that left is still kept", len(p.made), len(p.hosts))
	}
}
