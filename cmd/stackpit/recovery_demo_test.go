package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/compute"
)

// compute04's story through the whole cockpit: its power was lost (a dead
// supply: its BMC takes a power-on and it stays off). Guided recovery (R,
// confirmed by typing the host name in the shell's dialog) disables it,
// fences it (the BMC confirms off), forces it down, tries the power-on,
// finds it dead and evacuates every instance, each verified elsewhere.
func TestDemoGuidedRecoveryEvacuatesDeadCompute04(t *testing.T) {
	s := demoSession(t, false)
	st := s.demo.Story
	var victims []string
	st.Lock(func() {
		h := st.Host("compute04")
		h.Powered, h.PowerFailed, h.DownSince = false, true, st.Now().Add(-10*time.Minute)
		for _, in := range st.Instances {
			if in.Host == "compute04" {
				victims = append(victims, in.ID)
			}
		}
	})
	if len(victims) == 0 {
		t.Fatal("no instances on compute04: the test proves nothing")
	}
	d := newDriver(t, s.model)
	s.model.SetSend(func(m tea.Msg) { d.msgs <- m }) // progress, as tea.Program.Send
	d.m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	d.run(s.model.Init())
	var cp *compute.Pane
	for i, e := range s.model.Entries() {
		if e.ID == "compute" {
			s.model.Activate(i)
			cp = e.Pane.(*compute.Pane)
		}
	}
	cp.TuneRecovery(ops.Tuning{Poll: 50 * time.Millisecond, PerInstance: time.Minute, EvacuateN: 4, DrainN: 2},
		func(p *ops.RecoveryPlan) {
			p.BootWait, p.Poll = 2*time.Second, 100*time.Millisecond
			p.Fence = ops.FenceOptions{Timeout: 2 * time.Second, Poll: 100 * time.Millisecond}
		})
	screen := func() string { return ansi.Strip(s.model.Render()) }
	waitFor := func(what string, within time.Duration, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			d.pump(100 * time.Millisecond)
			sc := screen()
			if ok(sc) {
				return sc
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed:\n%s", what, sc)
			}
		}
	}
	// The POWER column reads compute04 off (its row is first: down hosts first).
	waitFor("compute04 power off", 15*time.Second, func(sc string) bool {
		for _, l := range strings.Split(sc, "\n") {
			if strings.HasPrefix(l, "compute04 ") && strings.Contains(l, " off ") {
				return true
			}
		}
		return false
	})
	d.key(keyMsg("R"))
	waitFor("the recovery dialog", 10*time.Second, func(sc string) bool { return strings.Contains(sc, "4 power on, wait up to") })
	for _, r := range "compute04" {
		d.key(keyMsg(string(r)))
	}
	d.key(keyMsg("enter"))
	sc := waitFor("the evacuation result", 60*time.Second, func(sc string) bool {
		return strings.Contains(sc, "EVACUATE compute04") && strings.Contains(sc, "finished")
	})
	// Every instance is elsewhere, settled (verified by the run).
	st.Lock(func() {
		for _, id := range victims {
			for _, in := range st.Instances {
				if in.ID == id && (in.Host == "compute04" || in.TaskState != "") {
					t.Errorf("%s still %s/%s on %s", in.Name, in.Status, in.TaskState, in.Host)
				}
			}
		}
		if st.Host("compute04").Powered {
			t.Error("compute04 powered")
		}
	})
	if !strings.Contains(sc, "0 failed") {
		t.Fatalf("not every instance verified:\n%s", sc)
	}
}
