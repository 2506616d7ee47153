package instances

import (
	"path"
	"strings"

	"github.com/stackpit/stackpit/views/filter"
)

// Filter fields, in entry.all order. Keeping them in a fixed array
// instead of a map makes a filter keystroke over 50,000 servers cheap.
var fieldNames = [...]string{"name", "id", "project", "status", "task", "power", "host", "flavor", "ip", "zone", "image"}

type fieldSet [len(fieldNames)]string

// Fields a lower-case value of is the server's own, not in all.
const (
	fieldID    = 1
	fieldImage = 10
)

// fieldSet returns e's filter fields (substrings of e.all or the server's
// own lower-case IDs, no copy).
func (e *entry) fieldSet() fieldSet {
	var f fieldSet
	start := uint32(0)
	for i, end := range e.ends {
		f[i] = e.all[start:end]
		start = end + 1
	}
	f[fieldID], f[fieldImage] = e.field(fieldID), e.field(fieldImage)
	return f
}

// field is e's filter field i.
func (e *entry) field(i int) string {
	switch {
	case i == fieldID && e.lowID:
		return e.id
	case i == fieldImage && e.lowImage:
		return e.s.ImageID
	}
	start := uint32(0)
	if i > 0 {
		start = e.ends[i-1] + 1
	}
	return e.all[start:e.ends[i]]
}

// contains: free text v is in one of e's fields (v has no NUL, so a
// match in all is within one field).
func (e *entry) contains(v string) bool {
	return strings.Contains(e.all, v) || e.lowID && strings.Contains(e.id, v) || e.lowImage && strings.Contains(e.s.ImageID, v)
}

func fieldIndex(name string) int {
	for i, n := range fieldNames {
		if n == name {
			return i
		}
	}
	return -1
}

// matcher is a filter.Query compiled against fieldNames. It has the same
// semantics as filter.Query.Match (checked by a test): free text matches
// any field, unknown fields never match, globs with * ? [, field=value is
// exact, ! and != negate.
type matcher struct {
	terms []cterm
}

type cterm struct {
	field  int // -1 free text, -2 unknown field
	value  string
	glob   bool
	exact  bool
	negate bool
}

func compile(q filter.Query) matcher {
	var m matcher
	for _, t := range q.Terms {
		c := cterm{field: -1, value: t.Value, exact: t.Exact, negate: t.Negate, glob: strings.ContainsAny(t.Value, "*?[")}
		if t.Field != "" {
			c.field = fieldIndex(t.Field)
			if c.field < 0 {
				c.field = -2
			}
		}
		m.terms = append(m.terms, c)
	}
	return m
}

func (m matcher) empty() bool { return len(m.terms) == 0 }

// matchEntry is match on e's fields.
func (m matcher) matchEntry(e *entry) bool {
	for i := range m.terms {
		t := &m.terms[i]
		ok := false
		switch t.field {
		case -2:
		case -1:
			if !t.glob && !strings.Contains(t.value, "\x00") {
				ok = e.contains(t.value)
				break
			}
			f := e.fieldSet()
			for _, v := range f {
				if t.matchValue(v, false) {
					ok = true
					break
				}
			}
		default:
			ok = t.matchValue(e.field(t.field), t.exact)
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

// narrows reports whether every row matching next also matches m, so next
// can be evaluated on m's matches only (typing one more character).
func (m matcher) narrows(next matcher) bool {
	if len(next.terms) < len(m.terms) {
		return false
	}
	for i, t := range m.terms {
		n := next.terms[i]
		if n == t {
			continue
		}
		// Only the last old term may have grown, as a plain substring term.
		if i != len(m.terms)-1 || n.field != t.field || t.negate || n.negate || t.exact || n.exact || t.glob || n.glob ||
			!strings.Contains(n.value, t.value) {
			return false
		}
	}
	return true
}
