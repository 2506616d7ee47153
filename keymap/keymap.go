// Package keymap holds every key binding as data: an action name, its keys,
// a help line, the help group it shows in, its kind (navigation, view,
// pivot, action) and whether it changes the cloud. The help overlay, the
// read-only gate, conflict and grammar checks all read this one table, and
// users override any key from their config.
//
// The key grammar (grammar.go) keeps one letter meaning one thing in every
// pane: lowercase letters navigate, toggle views and pivot, with one fixed
// letter per pivot target; anything that changes the cloud sits on an
// uppercase letter or a ctrl chord.
package keymap

import (
	"fmt"
	"sort"
	"strings"
)

// Binding binds keys to one action.
type Binding struct {
	Action  string   // "instances.reboot": group prefix + name
	Keys    []string // as tea.KeyPressMsg.String() prints them: "ctrl+c", "enter", "R"
	Help    string
	Group   string // help overlay group: "global", "table", "instances", ...
	Mutates bool   // changes cloud state: refused in read-only sessions
	// Destructive actions must never sit on a vim or tmux chord.
	Destructive bool
	// Kind says what the key does (grammar.go); left zero it is derived:
	// Action when Mutates, Pivot when Target is set, else View.
	Kind Kind
	// Target is where a pivot goes ("host", "logs", ...: PivotLetters).
	Target string
}

// Map is the effective keymap: defaults plus user overrides.
type Map struct {
	byAction   map[string]*Binding
	order      []string
	overridden map[string]bool // actions the user rebound (named first in problems)
}

var registered []Binding

// Register adds default bindings; each pane's file calls it from init.
func Register(bs ...Binding) { registered = append(registered, bs...) }

// Defaults returns the shipped keymap.
func Defaults() *Map { return build(registered) }

func build(bs []Binding) *Map {
	m := &Map{byAction: map[string]*Binding{}}
	for _, b := range bs {
		b := b
		b.Keys = append([]string(nil), b.Keys...)
		b.Kind = b.kind()
		if _, dup := m.byAction[b.Action]; !dup {
			m.order = append(m.order, b.Action)
		}
		m.byAction[b.Action] = &b
	}
	return m
}

// Override rebinds actions: action -> keys. Unknown actions are an error.
func (m *Map) Override(over map[string][]string) error {
	var unknown []string
	for a, keys := range over {
		b, ok := m.byAction[a]
		if !ok {
			unknown = append(unknown, a)
			continue
		}
		b.Keys = append([]string(nil), keys...)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown key action(s): %s", strings.Join(unknown, ", "))
	}
	return nil
}

// Get returns an action's binding.
func (m *Map) Get(action string) (Binding, bool) {
	b, ok := m.byAction[action]
	if !ok {
		return Binding{}, false
	}
	return *b, true
}

// Is reports whether key (tea.KeyPressMsg.String()) triggers action.
func (m *Map) Is(key, action string) bool {
	b, ok := m.byAction[action]
	if !ok {
		return false
	}
	for _, k := range b.Keys {
		if k == key {
			return true
		}
	}
	return false
}

// Lookup returns the action that key triggers among the given groups (first
// group wins), or "".
func (m *Map) Lookup(key string, groups ...string) (Binding, bool) {
	for _, g := range groups {
		for _, a := range m.order {
			b := m.byAction[a]
			if b.Group != g {
				continue
			}
			for _, k := range b.Keys {
				if k == key {
					return *b, true
				}
			}
		}
	}
	return Binding{}, false
}

// Group returns the bindings of a help group in registration order.
func (m *Map) Group(g string) []Binding {
	var out []Binding
	for _, a := range m.order {
		if b := m.byAction[a]; b.Group == g {
			out = append(out, *b)
		}
	}
	return out
}

// Groups lists help groups in registration order.
func (m *Map) Groups() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range m.order {
		g := m.byAction[a].Group
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// KeysText renders an action's keys for help and hints: "j/down".
func (m *Map) KeysText(action string) string {
	b, ok := m.byAction[action]
	if !ok || len(b.Keys) == 0 {
		return "(unbound)"
	}
	return strings.Join(b.Keys, "/")
}

// reservedChords are vim and tmux chords a destructive action must avoid.
var reservedChords = map[string]bool{
	"ctrl+a": true, "ctrl+b": true, "ctrl+d": true, "ctrl+h": true,
	"ctrl+j": true, "ctrl+k": true, "ctrl+l": true,
}

// Conflicts reports keys bound twice where both bindings are active at once
// (same group, or one of them global), destructive actions on reserved
// chords and mutating actions on navigation keys.
func (m *Map) Conflicts() []string {
	var out []string
	for _, p := range m.problems() {
		out = append(out, p.Msg)
	}
	return out
}

func (m *Map) problems() []Problem {
	var out []Problem
	// blame names the action to fix: the one the user rebound, if any.
	blame := func(a, b string) string {
		if m.overridden[a] && !m.overridden[b] {
			return a
		}
		return b
	}
	type slot struct{ group, key string }
	owner := map[slot]string{}
	for _, a := range m.order {
		b := m.byAction[a]
		for _, k := range b.Keys {
			if b.Destructive && reservedChords[k] {
				out = append(out, Problem{Action: a, Msg: fmt.Sprintf("%s: destructive action bound to reserved chord %s", a, k)})
			}
			if b.Mutates && navigationKeys[k] {
				out = append(out, Problem{Action: a, Msg: fmt.Sprintf("%s changes the cloud and cannot be bound to navigation key %q", a, k)})
			} else if t, ok := pivotLetter(k); ok && b.Mutates {
				out = append(out, Problem{Action: a, Msg: fmt.Sprintf("%s changes the cloud and cannot be bound to %q, the %s pivot in every pane", a, k, t)})
			}
			s := slot{b.Group, k}
			if prev, ok := owner[s]; ok && prev != a {
				out = append(out, Problem{Action: blame(prev, a), Msg: fmt.Sprintf("key %q bound to both %s and %s", k, prev, a)})
			}
			owner[s] = a
		}
	}
	// A pane-group key shadowed by a global one never reaches the pane.
	for s, a := range owner {
		if s.group == "global" {
			continue
		}
		if g, ok := owner[slot{"global", s.key}]; ok {
			out = append(out, Problem{Action: blame(g, a), Msg: fmt.Sprintf("key %q of %s is shadowed by global %s", s.key, a, g)})
		}
		// Every table pane looks its own group up before "table".
		if t, ok := owner[slot{"table", s.key}]; ok && s.group != "table" {
			out = append(out, Problem{Action: blame(t, a), Msg: fmt.Sprintf("key %q of %s shadows %s in its pane", s.key, a, t)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Msg < out[j].Msg })
	return out
}
