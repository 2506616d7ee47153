package keymap

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stackpit/stackpit/internal/suggest"
)

// Problem is one thing wrong with a keymap, about one action: the user's
// override when one is involved, so the caller can name its file:line.
type Problem struct {
	Action string
	Msg    string
	// Warning: the key grammar is broken (Map.Grammar) but nothing unsafe;
	// the keymap still loads. Other problems are refusals.
	Warning bool
}

func (p Problem) String() string { return p.Msg }

// navigationKeys move around, go back or quit. An action that changes the
// cloud bound to one of them runs when the operator only meant to move.
var navigationKeys = map[string]bool{
	"j": true, "k": true, "h": true, "l": true, "g": true, "G": true,
	"/": true, "?": true, ":": true, "esc": true, "enter": true, "q": true,
	"tab": true, "shift+tab": true, "up": true, "down": true, "left": true, "right": true,
	"0": true, "1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true, "8": true, "9": true,
}

// Apply rebinds actions (action -> keys, from the config) and returns every
// problem of the resulting keymap: unknown actions (with the closest known
// one), key names no terminal sends, conflicts, and mutating actions on
// navigation keys or reserved chords. An action with a problem of its own
// keeps its default keys. Callers refuse to start on any problem that is
// not a Warning (a grammar break: Map.Grammar), and show the warnings.
func (m *Map) Apply(over map[string][]string) []Problem {
	var out []Problem
	actions := make([]string, 0, len(over))
	for a := range over {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		b, ok := m.byAction[a]
		if !ok {
			msg := fmt.Sprintf("unknown key action %q", a)
			if s := suggest.Closest(a, m.order); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			out = append(out, Problem{Action: a, Msg: msg + " (? in the cockpit lists every action)"})
			continue
		}
		bad := false
		for _, k := range over[a] {
			if msg := keyProblem(k); msg != "" {
				out = append(out, Problem{Action: a, Msg: fmt.Sprintf("%s: %s", a, msg)})
				bad = true
			}
		}
		if bad {
			continue
		}
		b.Keys = append([]string(nil), over[a]...)
		if m.overridden == nil {
			m.overridden = map[string]bool{}
		}
		m.overridden[a] = true
	}
	out = append(out, m.problems()...)
	// Grammar breaks of the defaults themselves fail a test; here only
	// those the user's overrides made are news.
	for _, p := range m.Grammar() {
		if m.overridden[p.Action] {
			out = append(out, p)
		}
	}
	return out
}

// keyNames are the named keys as tea.KeyPressMsg.String() prints them.
var keyNames = []string{"enter", "esc", "tab", "space", "backspace", "delete", "insert",
	"home", "end", "pgup", "pgdown", "up", "down", "left", "right"}

var modifiers = map[string]bool{"ctrl": true, "alt": true, "shift": true, "meta": true, "super": true, "hyper": true}

// keyProblem says why k is not a key a terminal can send, or "".
func keyProblem(k string) string {
	base := k
	if i := strings.LastIndex(k[:max(len(k)-1, 0)], "+"); i >= 0 { // "ctrl++" binds ctrl and '+'
		for _, mod := range strings.Split(k[:i], "+") {
			if !modifiers[mod] {
				return fmt.Sprintf("invalid key %q: unknown modifier %q (want ctrl, alt or shift)", k, mod)
			}
		}
		base = k[i+1:]
	}
	switch {
	case base == "":
		return fmt.Sprintf("invalid key %q: empty", k)
	case utf8.RuneCountInString(base) == 1:
		r, _ := utf8.DecodeRuneInString(base)
		if !unicode.IsPrint(r) || r == ' ' {
			return fmt.Sprintf("invalid key %q: not a printable character (write \"space\", \"enter\", ...)", k)
		}
		return ""
	}
	for _, n := range keyNames {
		if base == n {
			return ""
		}
	}
	var fn int
	if _, err := fmt.Sscanf(base, "f%d", &fn); err == nil && fn >= 1 && fn <= 63 && base == fmt.Sprintf("f%d", fn) {
		return ""
	}
	names := append(append([]string(nil), keyNames...), "f1", "f12")
	if s := suggest.Closest(strings.ToLower(base), names); s != "" {
		return fmt.Sprintf("invalid key %q (did you mean %q?)", k, strings.TrimSuffix(k, base)+s)
	}
	return fmt.Sprintf("invalid key %q (want one character, a name such as enter, esc, pgdown, f5, optionally with ctrl+ or alt+)", k)
}
