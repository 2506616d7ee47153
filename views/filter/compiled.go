package filter

import (
	"path"
	"strings"
	"unicode/utf8"
)

// Matcher is a Query compiled against a fixed list of field names, for
// panes that keep their rows' fields in an array (one per row, lower-cased)
// instead of a map: a filter keystroke over 50,000 rows then allocates
// nothing. It has the semantics of Query.Match: free text matches any
// field, unknown fields never match, * ? [ make a glob, field=value is
// exact, ! and != negate.
type Matcher struct{ terms []cterm }

type cterm struct {
	field  int // index into the names; -1 free text, -2 unknown field
	value  string
	glob   bool
	exact  bool
	negate bool
}

// Compile compiles q for rows whose fields come in names' order.
func Compile(q Query, names []string) Matcher {
	var m Matcher
	for _, t := range q.Terms {
		c := cterm{field: -1, value: t.Value, exact: t.Exact, negate: t.Negate, glob: strings.ContainsAny(t.Value, "*?[")}
		if t.Field != "" {
			c.field = -2
			for i, n := range names {
				if n == t.Field {
					c.field = i
					break
				}
			}
		}
		m.terms = append(m.terms, c)
	}
	return m
}

// Empty reports whether m matches everything.
func (m Matcher) Empty() bool { return len(m.terms) == 0 }

// Match: fields are lower-case, in the names' order; all is the fields
// joined with NUL ("\x00"), so a plain free-text term is one substring
// search instead of one per field.
func (m Matcher) Match(fields []string, all string) bool { return m.MatchIn(fields, all) }

// MatchIn is Match for rows whose fields are joined in several strings
// (NUL within each): the row's own, one it shares with other rows (a pane
// keeps one copy of the fields many rows have in common), fields it keeps
// as they came (already lower-case: no copy). A plain free-text term is
// searched in each.
func (m Matcher) MatchIn(fields []string, texts ...string) bool {
	for i := range m.terms {
		t := &m.terms[i]
		ok := false
		switch t.field {
		case -2:
		case -1:
			if !t.glob && !strings.Contains(t.value, "\x00") {
				for _, s := range texts {
					if s != "" && strings.Contains(s, t.value) {
						ok = true
						break
					}
				}
				break
			}
			for _, v := range fields {
				if t.matchValue(v, false) {
					ok = true
					break
				}
			}
		default:
			if t.field < len(fields) {
				ok = t.matchValue(fields[t.field], t.exact)
			}
		}
		if ok == t.negate {
			return false
		}
	}
	return true
}

func (t *cterm) matchValue(v string, exact bool) bool {
	if t.glob {
		ok, err := path.Match(t.value, v)
		return err == nil && ok
	}
	if exact {
		return v == t.value
	}
	return strings.Contains(v, t.value)
}

// IsLower: s is its own strings.ToLower (a row's field that is need not be
// copied lower-cased: Nova's and Cinder's IDs always are).
func IsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s) == s // rare: not ASCII
		}
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
