package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// `:cloud` alone opens the picker of clouds.yaml with the current cloud
// marked; esc cancels, enter switches through SwitchCloud.
func TestCloudPicker(t *testing.T) {
	e := newEnv(t, false)
	var asked []string
	e.m.o.Clouds = []string{"demo", "prod-east", "staging"}
	e.m.o.SwitchCloud = func(name string) (Options, error) {
		asked = append(asked, name)
		o := e.m.o
		o.Header.Cloud = name
		return o, nil
	}
	e.press(":")
	e.typeText("cloud")
	e.press("enter")
	if e.m.mode != modeClouds {
		t.Fatalf(":cloud alone did not open the picker (mode %d)", e.m.mode)
	}
	golden(t, "clouds_picker_80x24", e.m.Render())
	out := ansi.Strip(e.m.Render())
	if !strings.Contains(out, "● demo  (current)") || !strings.Contains(out, "prod-east") {
		t.Fatalf("picker:\n%s", out)
	}
	e.press("j", "esc")
	if e.m.mode != modeNormal || len(asked) != 0 {
		t.Fatalf("esc: mode %d, switched %v", e.m.mode, asked)
	}
	e.press(":")
	e.typeText("cloud")
	e.press("enter", "j", "j", "k", "enter")
	if len(asked) != 1 || asked[0] != "prod-east" || e.m.o.Header.Cloud != "prod-east" {
		t.Fatalf("enter switched to %v (header %q)", asked, e.m.o.Header.Cloud)
	}
	// The picker starts on the current cloud.
	e.press(":")
	e.typeText("cloud")
	e.press("enter")
	if e.m.o.Clouds[e.m.cloudAt] != "prod-east" || !strings.Contains(ansi.Strip(e.m.Render()), "● prod-east  (current)") {
		t.Fatalf("picker not on the current cloud:\n%s", ansi.Strip(e.m.Render()))
	}
	e.press("enter")
	if len(asked) != 1 {
		t.Fatalf("enter on the current cloud switched again: %v", asked)
	}
}
