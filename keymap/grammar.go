package keymap

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a key does, the same in every pane: muscle memory from one
// pane must never fire an action in another.
type Kind int

const (
	KindUnset Kind = iota // derived at Defaults (Binding.kind)
	Nav                   // moves the cursor, scrolls, switches panes or sections
	View                  // changes what this pane shows (toggle, mode, copy, save)
	Pivot                 // opens another pane on the selection (Binding.Target)
	Action                // changes the cloud (Binding.Mutates)
)

func (k Kind) String() string {
	switch k {
	case Nav:
		return "navigation"
	case View:
		return "view"
	case Pivot:
		return "pivot"
	case Action:
		return "action"
	}
	return "unset"
}

// PivotLetters is the one letter of each pivot target, in every pane.
var PivotLetters = map[string]string{
	"host":       "h", // the compute pane on that host
	"instances":  "i",
	"containers": "c",
	"logs":       "l",
	"metrics":    "m", // the panels pane
	"alerts":     "a",
	"request":    "r", // a request ID across every service
	"silences":   "s",
	"agents":     "v", // agents and services (Neutron agents, Nova and Cinder services)
}

// PivotOrder lists the targets in the order help shows them.
var PivotOrder = []string{"host", "instances", "containers", "logs", "metrics", "alerts", "request", "silences", "agents"}

// Legend is the grammar in two lines, for the help overlay.
func Legend() []string {
	var ps []string
	for _, t := range PivotOrder {
		ps = append(ps, PivotLetters[t]+" "+t)
	}
	return []string{
		"lowercase: move, view, pivot (one letter per target, in every pane) · UPPERCASE or ctrl: changes the cloud (*)",
		"pivots: " + strings.Join(ps, " · "),
	}
}

// kind is the binding's kind, derived when the binding leaves it zero (so
// a new pane's bindings get the grammar checks without naming a kind).
func (b Binding) kind() Kind {
	switch {
	case b.Kind != KindUnset:
		return b.Kind
	case b.Mutates:
		return Action
	case b.Target != "":
		return Pivot
	}
	return View
}

// class is what the grammar compares across panes: navigation and view
// keys are both harmless in place; each pivot target is its own class.
func (b Binding) class() string {
	switch k := b.kind(); k {
	case Nav, View:
		return "harmless"
	case Pivot:
		return "pivot to " + b.Target
	default:
		return k.String()
	}
}

// actionKey: an uppercase letter or a ctrl chord, the only keys an action
// that changes the cloud may take.
func actionKey(k string) bool {
	if strings.Contains(k, "ctrl+") {
		return true
	}
	r, n := utf8.DecodeRuneInString(k)
	return n == len(k) && unicode.IsUpper(r)
}

func lowerLetter(k string) bool {
	r, n := utf8.DecodeRuneInString(k)
	return n == len(k) && unicode.IsLower(r)
}

// pivotLetter reports whether k is one of the pivot letters.
func pivotLetter(k string) (target string, ok bool) {
	for t, l := range PivotLetters {
		if l == k {
			return t, true
		}
	}
	return "", false
}

// Grammar returns every place the keymap breaks the key grammar:
//   - an action that changes the cloud on anything but an uppercase letter
//     or a ctrl chord, or a binding whose Kind contradicts Mutates;
//   - a pivot to an unknown target, or on a letter other than its target's;
//   - a pivot letter bound to anything but its pivot;
//   - one key meaning different kinds of thing in two panes (harmless in
//     one, an action in another; or two pivot targets).
//
// The shipped keymap has none (a test). In a user's config these are
// warnings: the override is deliberate and still works; the checks that
// make it unsafe (navigation keys, conflicts in one pane) are refusals.
func (m *Map) Grammar() []Problem {
	var out []Problem
	add := func(a, format string, args ...any) {
		out = append(out, Problem{Action: a, Msg: fmt.Sprintf(format, args...), Warning: true})
	}
	type use struct{ action, class string }
	byKey := map[string][]use{}
	for _, a := range m.order {
		b := m.byAction[a]
		k := b.kind()
		if b.Mutates != (k == Action) {
			add(a, "%s is a %s binding but Mutates is %v", a, k, b.Mutates)
		}
		if k == Pivot {
			if _, ok := PivotLetters[b.Target]; !ok {
				add(a, "%s pivots to unknown target %q", a, b.Target)
			}
		}
		for _, key := range b.Keys {
			if k == Action && !actionKey(key) {
				add(a, "%s changes the cloud: bind it to an uppercase letter or a ctrl chord, not %q", a, key)
			}
			if t, ok := pivotLetter(key); ok && (k != Pivot || b.Target != t) {
				add(a, "key %q is the %s pivot in every pane, not %s", key, t, a)
			}
			if k == Pivot && lowerLetter(key) && PivotLetters[b.Target] != key {
				add(a, "%s pivots to %s: its letter is %q, not %q", a, b.Target, PivotLetters[b.Target], key)
			}
			byKey[key] = append(byKey[key], use{a, b.class()})
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		us := byKey[key]
		first := us[0]
		for _, u := range us[1:] {
			if u.class != first.class {
				blame := u.action
				if m.overridden[first.action] && !m.overridden[u.action] {
					blame = first.action
				}
				add(blame, "key %q means %s in %s but %s in %s", key, first.class, first.action, u.class, u.action)
			}
		}
	}
	return out
}
