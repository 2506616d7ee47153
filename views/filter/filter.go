// Package filter parses the "/" filter language shared by all table panes:
// space-separated terms, each either free text (matched case-insensitively
// against every field) or field:value / field=value / field!=value.
// A value with * is a glob; otherwise field terms match by substring.
package filter

import (
	"path"
	"strings"
)

// Term is one filter term.
type Term struct {
	Field  string // "" for free text
	Value  string // lower-cased
	Negate bool
	Exact  bool // field=value
}

// Query is a parsed filter.
type Query struct{ Terms []Term }

// Parse parses filter text.
func Parse(s string) Query {
	var q Query
	for _, f := range strings.Fields(s) {
		t := Term{}
		switch {
		case strings.Contains(f, "!="):
			i := strings.Index(f, "!=")
			t.Field, t.Value, t.Negate, t.Exact = f[:i], f[i+2:], true, true
		case strings.Contains(f, "="):
			i := strings.Index(f, "=")
			t.Field, t.Value, t.Exact = f[:i], f[i+1:], true
		case strings.Contains(f, ":") && !strings.HasPrefix(f, ":"):
			i := strings.Index(f, ":")
			t.Field, t.Value = f[:i], f[i+1:]
		default:
			t.Value = f
			if strings.HasPrefix(f, "!") && len(f) > 1 {
				t.Value, t.Negate = f[1:], true
			}
		}
		t.Field = strings.ToLower(t.Field)
		t.Value = strings.ToLower(t.Value)
		q.Terms = append(q.Terms, t)
	}
	return q
}

// Empty reports whether the query matches everything.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// Match reports whether a row with these fields (lower-case names) matches
// every term. Unknown field names never match, so a typo shows no rows
// rather than all of them.
func (q Query) Match(fields map[string]string) bool {
	for _, t := range q.Terms {
		var ok bool
		if t.Field == "" {
			for _, v := range fields {
				if matchValue(strings.ToLower(v), t.Value, false) {
					ok = true
					break
				}
			}
		} else if v, has := fields[t.Field]; has {
			ok = matchValue(strings.ToLower(v), t.Value, t.Exact)
		}
		if ok == t.Negate {
			return false
		}
	}
	return true
}

func matchValue(v, want string, exact bool) bool {
	if strings.ContainsAny(want, "*?[") {
		m, err := path.Match(want, v)
		return err == nil && m
	}
	if exact {
		return v == want
	}
	return strings.Contains(v, want)
}
