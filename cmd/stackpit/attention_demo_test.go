package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The demo incident through the whole cockpit (every pane wired to the
// demo cloud, the shell's host model in between): compute04 lost power
// minutes ago. The strip says the host is DOWN, the Compute and Alerts
// tabs are marked CRIT, and control03's neutron-l3-agent, which Neutron
// reports up while the demo's Docker says its container exited, is shown
// as a conflict in Agents and Containers.
func TestDemoIncidentStripMarkersAndConflict(t *testing.T) {
	s := demoSession(t, false)
	st := s.demo.Story
	st.Lock(func() {
		h := st.Host("compute04")
		h.Powered, h.DownSince = false, st.Now().Add(-10*time.Minute)
	})
	drv := newDriver(t, s.model)
	drv.m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	drv.run(s.model.Init())
	var screen string
	lines := func() []string {
		screen = ansi.Strip(s.model.Render())
		return strings.Split(screen, "\n")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		drv.pump(300 * time.Millisecond)
		l := lines()
		// (Every pane's first load, Ceph's included, may land in any order.)
		if strings.Contains(l[2], "host DOWN") && strings.Contains(l[1], "Alerts✗") && strings.Contains(l[2], "conflict") && strings.Contains(l[1], "Ceph⚠") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("incident never reached the strip and tabs:\n%s", screen)
		}
	}
	l := lines()
	if !strings.Contains(l[2], "1 host DOWN (compute04)") || !strings.Contains(l[2], "CRIT") || !strings.HasPrefix(l[2], "✗") {
		t.Fatalf("strip: %q", l[2])
	}
	// compute04's Docker does not answer either (no power): Containers
	// is CRIT and unreachable; no other backend is.
	for _, tab := range []string{"Compute✗ ", "Alerts✗ ", "Agents✗ ", "Ceph⚠ ", "Containers✗? ", "Instances "} {
		if !strings.Contains(l[1], tab) {
			t.Fatalf("tab %q not marked so: %q", tab, l[1])
		}
	}
	if strings.Count(l[1], "?") != 1 || strings.Contains(l[1], "!") {
		t.Fatalf("unreachable marks: %q", l[1])
	}
	// Agents: the l3 agent row and the pane say what contradicts "up".
	drv.key(keyMsg("3"))
	drv.pump(200 * time.Millisecond)
	lines()
	if !strings.Contains(screen, "control03: service neutron-l3-agent up (neutron, ") ||
		!strings.Contains(screen, "but container neutron_l3_agent exited 1 (containers, ") {
		t.Fatalf("agents pane does not show the conflict:\n%s", screen)
	}
	row := ""
	for _, x := range strings.Split(screen, "\n") {
		if strings.HasPrefix(x, "control03") && strings.Contains(x, "neutron-l3-agent") {
			row = x
		}
	}
	if !strings.Contains(row, "up ⚠") {
		t.Fatalf("l3 agent row: %q\n%s", row, screen)
	}
	// Containers: the exited container carries the same conflict.
	drv.key(keyMsg("9"))
	drv.pump(200 * time.Millisecond)
	lines()
	if !strings.Contains(screen, "✗ exit 1 ⚠") {
		t.Fatalf("containers pane does not mark the conflict:\n%s", screen)
	}
}
