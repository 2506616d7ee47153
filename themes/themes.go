// Package themes holds the cockpit's colour themes as data. Views ask for a
// semantic Role (OK, Warn, Crit...) and never pick colours themselves, so a
// theme, NO_COLOR or a 16-colour terminal changes every pane at once.
// State is never shown by colour alone: views also print a word or symbol.
package themes

import (
	"image/color"
	"sort"

	"charm.land/lipgloss/v2"
)

// Role is a semantic style slot.
type Role int

const (
	Normal Role = iota
	Muted
	OK
	Warn
	Crit
	Info
	Header    // table header row
	Title     // pane titles, app name
	Selected  // cursor row
	TabActive // active pane tab
	Tab
	Badge // READ-ONLY badge
	Key   // key names in help
	Border
	Match // search match highlight
	numRoles
)

var roleNames = map[string]Role{
	"normal": Normal, "muted": Muted, "ok": OK, "warn": Warn, "crit": Crit, "info": Info,
	"header": Header, "title": Title, "selected": Selected, "tab_active": TabActive, "tab": Tab,
	"badge": Badge, "key": Key, "border": Border, "match": Match,
}

// RoleByName maps a theme file key to a Role.
func RoleByName(s string) (Role, bool) { r, ok := roleNames[s]; return r, ok }

// RoleNames lists the keys a theme file may set.
func RoleNames() []string {
	out := make([]string, 0, len(roleNames))
	for k := range roleNames {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Spec is a theme as data: foreground/background colour strings per role
// ("#rrggbb", ANSI "0".."255", or "" for terminal default) and attributes.
type Spec struct {
	Name  string
	Dark  bool
	Roles map[Role]RoleSpec
}

// RoleSpec is one role's look.
type RoleSpec struct {
	FG, BG          string
	Bold, Underline bool
	Reverse         bool
}

// Theme is a Spec turned into styles.
type Theme struct {
	Name    string
	NoColor bool
	styles  [numRoles]lipgloss.Style
}

// Style returns the style of a role.
func (t *Theme) Style(r Role) lipgloss.Style { return t.styles[r] }

// Render renders already-sanitized text in a role's style.
func (t *Theme) Render(r Role, s string) string {
	if s == "" {
		return s
	}
	return t.styles[r].Render(s)
}

// Build turns a spec into a theme. With noColor, only attributes (bold,
// reverse, underline) are kept, so state still shows without colour.
func Build(s Spec, noColor bool) *Theme {
	t := &Theme{Name: s.Name, NoColor: noColor}
	for r := Role(0); r < numRoles; r++ {
		rs := s.Roles[r]
		st := lipgloss.NewStyle().Bold(rs.Bold).Underline(rs.Underline).Reverse(rs.Reverse)
		if !noColor {
			if c := parseColor(rs.FG); c != nil {
				st = st.Foreground(c)
			}
			if c := parseColor(rs.BG); c != nil {
				st = st.Background(c)
			}
		}
		t.styles[r] = st
	}
	return t
}

func parseColor(s string) color.Color {
	if s == "" {
		return nil
	}
	return lipgloss.Color(s)
}

// Builtin returns a shipped theme spec by name.
func Builtin(name string) (Spec, bool) {
	s, ok := builtins[name]
	return s, ok
}

// BuiltinNames lists shipped themes.
func BuiltinNames() []string {
	out := make([]string, 0, len(builtins))
	for k := range builtins {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var builtins = map[string]Spec{
	"dark": {Name: "dark", Dark: true, Roles: map[Role]RoleSpec{
		Muted: {FG: "8"}, OK: {FG: "2"}, Warn: {FG: "3", Bold: true}, Crit: {FG: "1", Bold: true},
		Info: {FG: "6"}, Header: {FG: "7", Bold: true, Underline: true}, Title: {FG: "6", Bold: true},
		Selected: {Reverse: true}, TabActive: {FG: "0", BG: "6", Bold: true}, Tab: {FG: "7"},
		Badge: {FG: "15", BG: "1", Bold: true}, Key: {FG: "5", Bold: true}, Border: {FG: "8"},
		Match: {FG: "0", BG: "3"},
	}},
	"light": {Name: "light", Dark: false, Roles: map[Role]RoleSpec{
		Muted: {FG: "8"}, OK: {FG: "22"}, Warn: {FG: "130", Bold: true}, Crit: {FG: "124", Bold: true},
		Info: {FG: "25"}, Header: {FG: "0", Bold: true, Underline: true}, Title: {FG: "25", Bold: true},
		Selected: {Reverse: true}, TabActive: {FG: "15", BG: "25", Bold: true}, Tab: {FG: "0"},
		Badge: {FG: "15", BG: "124", Bold: true}, Key: {FG: "90", Bold: true}, Border: {FG: "8"},
		Match: {FG: "0", BG: "11"},
	}},
	"high-contrast": {Name: "high-contrast", Dark: true, Roles: map[Role]RoleSpec{
		Normal: {FG: "15"}, Muted: {FG: "7"}, OK: {FG: "10", Bold: true}, Warn: {FG: "11", Bold: true},
		Crit: {FG: "15", BG: "1", Bold: true}, Info: {FG: "14", Bold: true},
		Header: {FG: "15", Bold: true, Underline: true}, Title: {FG: "15", Bold: true},
		Selected: {Reverse: true, Bold: true}, TabActive: {Reverse: true, Bold: true}, Tab: {FG: "15"},
		Badge: {FG: "0", BG: "11", Bold: true}, Key: {FG: "14", Bold: true}, Border: {FG: "15"},
		Match: {FG: "0", BG: "14", Bold: true},
	}},
	// Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
	"colorblind": {Name: "colorblind", Dark: true, Roles: map[Role]RoleSpec{
		Muted: {FG: "#999999"}, OK: {FG: "#0072B2"}, Warn: {FG: "#E69F00", Bold: true},
		Crit: {FG: "#D55E00", Bold: true, Underline: true}, Info: {FG: "#56B4E9"},
		Header: {Bold: true, Underline: true}, Title: {FG: "#56B4E9", Bold: true},
		Selected: {Reverse: true}, TabActive: {FG: "#000000", BG: "#56B4E9", Bold: true},
		Badge: {FG: "#000000", BG: "#E69F00", Bold: true}, Key: {FG: "#CC79A7", Bold: true},
		Border: {FG: "#999999"}, Match: {FG: "#000000", BG: "#F0E442"},
	}},
}

// Default is the theme used when none is configured (dark terminals).
func Default(noColor bool) *Theme { return Build(builtins["dark"], noColor) }
