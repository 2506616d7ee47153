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
