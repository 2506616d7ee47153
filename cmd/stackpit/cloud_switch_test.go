package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
)

// :cloud NAME switches clouds without restarting; the header says which
// cloud and region are live, and a read-only cloud shows its badge.
func TestCloudSwitchFromConfig(t *testing.T) {
	d, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 20, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := d.Config()
	b := d.Config()
	b.ReadOnly = true
	b.OpenStack.Region = "RegionTwo"
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	out, _ := yaml.Marshal(config.File{Clouds: map[string]*config.Cloud{"prod": a, "audit": b}})
	if err := os.WriteFile(cfgPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := newSession(&flags{configPath: cfgPath, cloud: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	drv := newDriver(t, s.model)
	drv.m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	drv.run(s.model.Init())
	drv.pump(500 * time.Millisecond)
	screen := ansi.Strip(s.model.Render())
	if !strings.Contains(screen, "cloud prod") || !strings.Contains(screen, "region RegionOne") || strings.Contains(screen, "READ-ONLY") {
		t.Fatalf("before switch:\n%s", screen)
	}
	for _, k := range []string{":", "c", "l", "o", "u", "d", "space", "a", "u", "d", "i", "t", "enter"} {
		drv.key(keyMsg(k))
	}
	drv.pump(1500 * time.Millisecond)
	screen = ansi.Strip(s.model.Render())
	if !strings.Contains(screen, "cloud audit") || !strings.Contains(screen, "region RegionTwo") || !strings.Contains(screen, "READ-ONLY") {
		t.Fatalf("after :cloud audit:\n%s", screen)
	}
}

// Loads still in flight when :cloud switches never land in the new cloud's
// panes: the old cloud answers after the switch, and every pane still shows
// only the new cloud's data.
func TestCloudSwitchDropsLoadsInFlight(t *testing.T) {
	old, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 23, FailAfter: time.Second, Elapsed: 2 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	defer old.Release()
	fresh, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 7, FailAfter: -1, Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	a, b := old.Config(), fresh.Config()
	a.Refresh, b.Refresh = config.Duration(time.Hour), config.Duration(time.Hour) // no refresh hides a stale answer
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	out, _ := yaml.Marshal(config.File{Clouds: map[string]*config.Cloud{"old": a, "new": b}})
	if err := os.WriteFile(cfgPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := newSession(&flags{configPath: cfgPath, cloud: "old"})
	if err != nil {
		t.Fatal(err)
	}
	drv := newDriver(t, s.model)
	drv.m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	drv.run(s.model.Init())
	screens := func() map[string]string {
		got := map[string]string{}
		for i, e := range s.model.Entries() {
			s.model.Activate(i)
			got[e.ID] = ansi.Strip(s.model.Render())
		}
		s.model.Activate(0)
		return got
	}
	// loaded: every pane has data (or an error) and nothing is loading.
	loaded := func() bool {
		for _, e := range s.model.Entries() {
			if st := e.Pane.Status(); st.Loading || (st.Updated.IsZero() && st.Err == nil) {
				return false
			}
		}
		return true
	}
	settle := func() {
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !loaded(); {
			drv.pump(200 * time.Millisecond)
		}
		drv.pump(300 * time.Millisecond)
	}
	settle()
	before := screens()
	if !strings.Contains(before["compute"], "DOWN") || !strings.Contains(before["instances"], "23 ") {
		t.Fatalf("old cloud not loaded:\ncompute:\n%s\ninstances:\n%s", before["compute"], before["instances"])
	}
	// Every pane starts a load the old cloud will answer only after the
	// switch.
	old.Hold()
	held := len(old.Requests())
	for i := range s.model.Entries() {
		s.model.Activate(i)
		drv.key(keyMsg("ctrl+r"))
	}
	s.model.Activate(0)
	for _, k := range []string{":", "c", "l", "o", "u", "d", "space", "n", "e", "w", "enter"} {
		drv.key(keyMsg(k))
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !strings.Contains(screens()["compute"], "cloud new"); {
		drv.pump(200 * time.Millisecond)
	}
	settle() // the new cloud's panes have their data
	old.Release()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && len(old.Requests()) == held; {
		drv.pump(100 * time.Millisecond)
	}
	drv.pump(1500 * time.Millisecond) // the old cloud's answers land
	after := screens()
	if !strings.Contains(after["compute"], "cloud new") {
		t.Fatalf("not switched:\n%s", after["compute"])
	}
	if strings.Contains(after["compute"], "DOWN") {
		t.Errorf("the old cloud's compute04 DOWN reached the new cloud's compute pane:\n%s", after["compute"])
	}
	if !strings.Contains(after["instances"], "7 ") || strings.Contains(after["instances"], "23 ") {
		t.Errorf("instances pane does not show only the new cloud's 7 instances:\n%s", after["instances"])
	}
	for id, sc := range after {
		if strings.Contains(sc, "compute04") && strings.Contains(sc, "DOWN") {
			t.Errorf("%s pane shows the old cloud's outage:\n%s", id, sc)
		}
	}
}

// :cloud alone opens the picker of the clouds in the config, the current
// one marked; k moves to the other and enter switches to it.
func TestCloudPickerSwitches(t *testing.T) {
	d, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 20, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a, b := d.Config(), d.Config()
	b.OpenStack.Region = "RegionTwo"
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	out, _ := yaml.Marshal(config.File{Clouds: map[string]*config.Cloud{"prod": a, "audit": b}})
	if err := os.WriteFile(cfgPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := newSession(&flags{configPath: cfgPath, cloud: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	drv := newDriver(t, s.model)
	drv.m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	drv.run(s.model.Init())
	drv.pump(500 * time.Millisecond)
	for _, k := range []string{":", "c", "l", "o", "u", "d", "enter"} {
		drv.key(keyMsg(k))
	}
	screen := ansi.Strip(s.model.Render())
	if !strings.Contains(screen, "● prod  (current)") || !strings.Contains(screen, "  audit") {
		t.Fatalf("no picker after :cloud:\n%s", screen)
	}
	drv.key(keyMsg("k"))
	drv.key(keyMsg("enter"))
	drv.pump(1500 * time.Millisecond)
	screen = ansi.Strip(s.model.Render())
	if !strings.Contains(screen, "cloud audit") || !strings.Contains(screen, "region RegionTwo") {
		t.Fatalf("after picking audit:\n%s", screen)
	}
}
