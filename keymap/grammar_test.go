package keymap

import (
	"strings"
	"testing"
)

// Issue 16: r was reboot in Instances, the request pivot in Logs and the
// time range in Panels; S the silences pivot in Alerts and stop elsewhere.
func TestDefaultsFollowTheGrammar(t *testing.T) {
	if ps := Defaults().Grammar(); len(ps) > 0 {
		t.Fatalf("the shipped keymap breaks the key grammar:\n%s", msgs(ps))
	}
}

// The grammar check itself, on small keymaps: each case breaks one rule and
// must be reported; the fixed keymap must not.
func TestGrammarCatchesClashesAcrossPanes(t *testing.T) {
	for _, tc := range []struct {
		name string
		bs   []Binding
		want string
	}{
		{"pivot in one pane, action in another", []Binding{
			{Action: "logs.req", Keys: []string{"r"}, Group: "logs", Target: "request"},
			{Action: "instances.reboot", Keys: []string{"r"}, Group: "instances", Mutates: true},
		}, `key "r" is the request pivot in every pane, not instances.reboot`},
		{"one pivot letter, two targets", []Binding{
			{Action: "agents.instances", Keys: []string{"i"}, Group: "agents", Target: "instances"},
			{Action: "ceph.in_pivot", Keys: []string{"i"}, Group: "ceph", Target: "host"},
		}, `key "i" means pivot to instances in agents.instances but pivot to host in ceph.in_pivot`},
		{"action on a lowercase letter", []Binding{
			{Action: "instances.migrate", Keys: []string{"w"}, Group: "instances", Mutates: true},
		}, `instances.migrate changes the cloud: bind it to an uppercase letter or a ctrl chord, not "w"`},
		{"harmless in one pane, an action in another", []Binding{
			{Action: "logs.save", Keys: []string{"S"}, Group: "logs"},
			{Action: "instances.stop", Keys: []string{"S"}, Group: "instances", Mutates: true},
		}, `key "S" means harmless in logs.save but action in instances.stop`},
		{"pivot letter used for a view toggle", []Binding{
			{Action: "alerts.suppressed", Keys: []string{"i"}, Group: "alerts"},
		}, `key "i" is the instances pivot in every pane, not alerts.suppressed`},
		{"pivot on another target's letter", []Binding{
			{Action: "compute.agents", Keys: []string{"a"}, Group: "compute", Target: "agents"},
		}, `compute.agents pivots to agents: its letter is "v", not "a"`},
		{"kind contradicts Mutates", []Binding{
			{Action: "ceph.out", Keys: []string{"O"}, Group: "ceph", Kind: View, Mutates: true},
		}, `ceph.out is a view binding but Mutates is true`},
	} {
		ps := build(tc.bs).Grammar()
		if !strings.Contains(msgs(ps), tc.want) {
			t.Errorf("%s: want %q, got\n%s", tc.name, tc.want, msgs(ps))
		}
		for _, p := range ps {
			if !p.Warning {
				t.Errorf("%s: grammar problem not a warning: %s", tc.name, p.Msg)
			}
		}
	}
	ok := build([]Binding{
		{Action: "logs.req", Keys: []string{"r"}, Group: "logs", Target: "request"},
		{Action: "instances.reboot", Keys: []string{"B"}, Group: "instances", Mutates: true},
		{Action: "instances.reboot_hard", Keys: []string{"ctrl+x"}, Group: "instances", Mutates: true},
		{Action: "compute.instances", Keys: []string{"i"}, Group: "compute", Target: "instances"},
		{Action: "agents.instances", Keys: []string{"i"}, Group: "agents", Target: "instances"},
		{Action: "logs.wrap", Keys: []string{"w"}, Group: "logs"},
		{Action: "table.down", Keys: []string{"j"}, Group: "table", Kind: Nav},
	})
	if ps := ok.Grammar(); len(ps) > 0 {
		t.Errorf("a keymap that follows the grammar is reported:\n%s", msgs(ps))
	}
}

// Every pivot in the shipped keymap is on its target's letter, and every
// target's letter is bound somewhere (help's legend is not a promise
// nothing keeps).
func TestEveryPivotLetterIsUsed(t *testing.T) {
	m := Defaults()
	used := map[string]bool{}
	for _, g := range m.Groups() {
		for _, b := range m.Group(g) {
			if b.Kind == Pivot {
				used[b.Target] = true
			}
		}
	}
	for _, target := range PivotOrder {
		if !used[target] {
			t.Errorf("no pane pivots to %s on %q", target, PivotLetters[target])
		}
	}
	if len(PivotOrder) != len(PivotLetters) {
		t.Errorf("PivotOrder and PivotLetters differ")
	}
}

// Users' overrides: breaking the grammar is a warning (the binding works);
// putting an action on a pivot letter or a navigation key is refused.
func TestOverridesBreakingTheGrammarWarn(t *testing.T) {
	m := Defaults()
	ps := m.Apply(map[string][]string{"instances.reboot": {"b"}})
	if len(ps) == 0 {
		t.Fatal("an action on a lowercase letter passed without a warning")
	}
	for _, p := range ps {
		if !p.Warning {
			t.Errorf("refused instead of warned: %s", p.Msg)
		}
	}
	if !m.Is("b", "instances.reboot") {
		t.Error("the user's override was not applied")
	}
	if !strings.Contains(msgs(ps), `instances.reboot: instances.reboot changes the cloud: bind it to an uppercase letter or a ctrl chord, not "b"`) {
		t.Errorf("warning does not name the action:\n%s", msgs(ps))
	}

	m = Defaults()
	ps = m.Apply(map[string][]string{"instances.reboot": {"c"}})
	refused := false
	for _, p := range ps {
		if !p.Warning && strings.Contains(p.Msg, `instances.reboot changes the cloud and cannot be bound to "c", the containers pivot in every pane`) {
			refused = true
		}
	}
	if !refused {
		t.Errorf("an action on a pivot letter was not refused:\n%s", msgs(ps))
	}
}

// A grammar break the user made is reported against the override; one in
// the defaults (a test's job) is not blamed on an unrelated override.
func TestApplyReportsOnlyTheOverridesGrammarBreaks(t *testing.T) {
	m := build([]Binding{
		{Action: "a.stop", Keys: []string{"e"}, Group: "a", Mutates: true}, // a default breaking the grammar
		{Action: "b.wrap", Keys: []string{"w"}, Group: "b"},
		{Action: "b.reboot", Keys: []string{"B"}, Group: "b", Mutates: true},
	})
	ps := m.Apply(map[string][]string{"b.reboot": {"x"}})
	got := msgs(ps)
	if !strings.Contains(got, `b.reboot: b.reboot changes the cloud: bind it to an uppercase letter or a ctrl chord, not "x"`) {
		t.Errorf("the override's break is missing:\n%s", got)
	}
	if strings.Contains(got, "a.stop") {
		t.Errorf("a default's break is blamed on the user:\n%s", got)
	}
}
