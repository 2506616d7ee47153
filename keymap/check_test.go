package keymap

import (
	"strings"
	"testing"
)

func msgs(ps []Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Action+": "+p.Msg)
	}
	return strings.Join(s, "\n")
}

// Issue 14: binding instances.reboot to j used to be accepted, and j then
// opened a reboot dialog.
func TestMutatingActionRefusedOnNavigationKeys(t *testing.T) {
	for _, k := range []string{"j", "k", "h", "l", "g", "G", "/", "?", ":", "esc", "enter", "q", "tab", "up", "down", "left", "right", "0", "7"} {
		m := Defaults()
		ps := m.Apply(map[string][]string{"instances.reboot": {k}})
		if len(ps) == 0 || !strings.Contains(msgs(ps), "instances.reboot: instances.reboot changes the cloud and cannot be bound to navigation key") {
			t.Errorf("instances.reboot -> %q: got\n%s", k, msgs(ps))
		}
	}
	// A read-only action may take a navigation key of another pane group.
	if ps := Defaults().Apply(map[string][]string{"instances.faults": {"!"}}); len(ps) != 0 {
		t.Errorf("harmless rebinding refused:\n%s", msgs(ps))
	}
}

func TestApplyReportsEveryProblemWithTheActionToFix(t *testing.T) {
	m := Defaults()
	ps := m.Apply(map[string][]string{
		"instances.rebot":  {"x"},            // unknown, with a suggestion
		"instances.start":  {"ctlr+s"},       // bad modifier
		"instances.stop":   {"Enter"},        // bad name
		"table.copy":       {"ctrl+y"},       // fine
		"instances.faults": {"j"},            // shadows table.down in the pane
		"global.help":      {"f1", "ctrl+h"}, // fine
		"silences.expire":  {""},             // empty
	})
	got := msgs(ps)
	for _, want := range []string{
		`instances.rebot: unknown key action "instances.rebot" (did you mean "instances.reboot"?)`,
		`instances.start: instances.start: invalid key "ctlr+s": unknown modifier "ctlr"`,
		`instances.stop: instances.stop: invalid key "Enter" (did you mean "enter"?)`,
		`instances.faults: key "j" of instances.faults shadows table.down in its pane`,
		`silences.expire: silences.expire: invalid key "": empty`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "table.copy") || strings.Contains(got, "global.help") {
		t.Errorf("valid bindings reported:\n%s", got)
	}
	if m.Is("Enter", "instances.stop") || !m.Is("S", "instances.stop") {
		t.Error("an invalid override should leave the default keys")
	}
}

func TestKeyNames(t *testing.T) {
	for _, k := range []string{"x", "X", "ctrl+r", "alt+enter", "ctrl+alt+x", "f5", "f12", "pgdown", "shift+tab", "+", "ctrl++", "é", "space"} {
		if msg := keyProblem(k); msg != "" {
			t.Errorf("%q refused: %s", k, msg)
		}
	}
	for _, k := range []string{"", "ctrl+", "cntrl+x", "F5x", "pagedown", " ", "\x1b", "f0", "f64", "ctrl+return"} {
		if keyProblem(k) == "" {
			t.Errorf("%q accepted", k)
		}
	}
}
