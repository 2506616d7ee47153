package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The demo's network story through the whole cockpit: after compute04's
// power loss the strip counts its binding_failed ports and the split-brain
// router, the Networks tab is marked CRIT, the pane lists the ports bound
// to compute04, and h on one goes to compute04 in the compute pane.
func TestDemoStuckPortsAndSplitBrainRouter(t *testing.T) {
	s := demoSession(t, false)
	st := s.demo.Story
	st.Lock(func() {
		h := st.Host("compute04")
		h.Powered, h.DownSince = false, st.Now().Add(-10*time.Minute)
	})
	drv := newDriver(t, s.model)
	drv.m.Update(tea.WindowSizeMsg{Width: 240, Height: 40})
	drv.run(s.model.Init())
	net := -1
	for i, e := range s.model.Entries() {
		if e.ID == "networks" {
			net = i
		}
	}
	if net < 0 {
		t.Fatal("no networks pane in the demo session")
	}
	s.model.Activate(net)
	var screen string
	deadline := time.Now().Add(20 * time.Second)
	for {
		drv.pump(300 * time.Millisecond)
		screen = ansi.Strip(s.model.Render())
		l := strings.Split(screen, "\n")
		if strings.Contains(l[2], "stuck port") && strings.Contains(l[2], "1 broken HA router") && strings.Contains(screen, "binding failed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stuck ports and the broken router never reached the strip and pane:\n%s", screen)
		}
	}
	if !strings.Contains(strings.Split(screen, "\n")[1], "Networks✗") {
		t.Errorf("Networks tab not marked CRIT:\n%s", screen)
	}
	s.model.Entries()[net].Pane.SetFilter("host:compute04")
	drv.key(keyMsg("h"))
	drv.pump(500 * time.Millisecond)
	screen = ansi.Strip(s.model.Render())
	if !strings.Contains(screen, "networks") || !strings.Contains(screen, "compute (host:compute04)") {
		t.Fatalf("h did not pivot to compute04:\n%s", screen)
	}
}
