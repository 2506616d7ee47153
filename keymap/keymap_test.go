package keymap

import (
	"strings"
	"testing"
)

func TestDefaultsHaveNoConflicts(t *testing.T) {
	m := Defaults()
	if c := m.Conflicts(); len(c) > 0 {
		t.Fatalf("default keymap conflicts:\n%s", strings.Join(c, "\n"))
	}
}

func TestNoDestructiveActionOnReservedChord(t *testing.T) {
	m := Defaults()
	for _, g := range m.Groups() {
		for _, b := range m.Group(g) {
			if !b.Mutates {
				continue
			}
			for _, k := range b.Keys {
				if reservedChords[k] {
					t.Errorf("%s (mutating) bound to reserved chord %s", b.Action, k)
				}
			}
		}
	}
}

func TestOverrideAndConflictDetection(t *testing.T) {
	m := Defaults()
	if err := m.Override(map[string][]string{"global.help": {"F1"}}); err != nil {
		t.Fatal(err)
	}
	if !m.Is("F1", "global.help") || m.Is("?", "global.help") {
		t.Fatal("override not applied")
	}
	if err := m.Override(map[string][]string{"no.such": {"x"}}); err == nil {
		t.Fatal("unknown action accepted")
	}
	_ = m.Override(map[string][]string{"table.up": {"j"}})
	if len(m.Conflicts()) == 0 {
		t.Fatal("conflict j/j not reported")
	}
}
