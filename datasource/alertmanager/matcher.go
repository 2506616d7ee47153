package alertmanager

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Op is a matcher operator, as amtool and PromQL write them.
type Op string

const (
	OpEqual     Op = "="
	OpNotEqual  Op = "!="
	OpRegex     Op = "=~"
	OpNotRegex  Op = "!~"
	maxMatchers    = 64
)

// Matcher is one label matcher of a silence or an alert filter. The JSON
// shape is the v2 API's (isEqual is sent explicitly: Alertmanager >= 0.22
// reads it; older ones ignore it and treat every matcher as equal).
type Matcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual bool   `json:"isEqual"`
}

// UnmarshalJSON defaults isEqual to true when absent (Alertmanager < 0.22).
func (m *Matcher) UnmarshalJSON(b []byte) error {
	type plain Matcher
	p := plain{IsEqual: true}
	if err := jsonUnmarshal(b, &p); err != nil {
		return err
	}
	*m = Matcher(p)
	return nil
}

// NewMatcher builds a matcher from name, operator and value.
func NewMatcher(name string, op Op, value string) Matcher {
	return Matcher{Name: name, Value: value, IsRegex: op == OpRegex || op == OpNotRegex,
		IsEqual: op == OpEqual || op == OpRegex}
}

// Op returns the matcher's operator.
func (m Matcher) Op() Op {
	switch {
	case m.IsRegex && m.IsEqual:
		return OpRegex
	case m.IsRegex:
		return OpNotRegex
	case m.IsEqual:
		return OpEqual
	}
	return OpNotEqual
}

// String formats the matcher like amtool: name="value", name=~"re".
func (m Matcher) String() string {
	return m.Name + string(m.Op()) + quote(m.Value)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Validate checks the name and, for regex matchers, compiles the regex.
func (m Matcher) Validate() error {
	if !validLabelName(m.Name) {
		return fmt.Errorf("bad label name %q", m.Name)
	}
	if m.IsRegex {
		if _, err := regexp.Compile("^(?:" + m.Value + ")$"); err != nil {
			return fmt.Errorf("bad regex in %s: %v", m.Name, err)
		}
	}
	return nil
}

// Matches reports whether labels satisfy the matcher, with Alertmanager's
// semantics: a missing label is the empty string; regexes are anchored.
func (m Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	var ok bool
	if m.IsRegex {
		re := compiled(m.Value)
		if re == nil {
			return false
		}
		ok = re.MatchString(v)
	} else {
		ok = v == m.Value
	}
	return ok == m.IsEqual
}

var (
	reMu    sync.Mutex
	reCache = map[string]*regexp.Regexp{}
)

// compiled returns the anchored regex for a matcher value (nil if it does
// not compile), cached: previews match every alert on every keystroke.
func compiled(v string) *regexp.Regexp {
	reMu.Lock()
	defer reMu.Unlock()
	if re, ok := reCache[v]; ok {
		return re
	}
	if len(reCache) >= 512 {
		clear(reCache)
	}
	re, err := regexp.Compile("^(?:" + v + ")$")
	if err != nil {
		re = nil
	}
	reCache[v] = re
	return re
}

// Matchers is a list of matchers ANDed together.
type Matchers []Matcher

// Matches reports whether every matcher matches labels. An empty list
// matches nothing (Alertmanager refuses silences without matchers).
func (ms Matchers) Matches(labels map[string]string) bool {
	if len(ms) == 0 {
		return false
	}
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// String formats the list like amtool's silence query output, space
// separated: alertname="NodeDown" instance="compute03:9100".
func (ms Matchers) String() string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, " ")
}

// ParseMatchers parses matchers the way an operator types them for amtool:
// space- or comma-separated, optionally wrapped in {...}, values quoted or
// bare: `alertname="NodeDown" host=~"compute0[1-3]"`,
// `{severity!="info", job="node"}`. As with amtool, a bare first word
// without an operator means alertname=word.
func ParseMatchers(s string) (Matchers, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	toks, err := splitMatchers(s)
	if err != nil {
		return nil, err
	}
	if len(toks) > maxMatchers {
		return nil, fmt.Errorf("too many matchers (%d, at most %d)", len(toks), maxMatchers)
	}
	var out Matchers
	for i, t := range toks {
		if i == 0 && validLabelValueWord(t) && !strings.ContainsAny(t, "=!~\"") {
			out = append(out, NewMatcher("alertname", OpEqual, t))
			continue
		}
		m, err := ParseMatcher(t)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// splitMatchers splits on spaces and commas outside double quotes.
func splitMatchers(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQ, esc := false, false
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case esc:
			esc = false
			cur.WriteRune(r)
		case inQ && r == '\\':
			esc = true
			cur.WriteRune(r)
		case r == '"':
			inQ = !inQ
			cur.WriteRune(r)
		case !inQ && (r == ',' || r == ' ' || r == '\t' || r == '\n'):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	if inQ {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	flush()
	return toks, nil
}

// ParseMatcher parses one matcher: name=value, name!="v", name=~"re", name!~re.
func ParseMatcher(s string) (Matcher, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return Matcher{}, fmt.Errorf("bad matcher %q: want name=value, name!=value, name=~regex or name!~regex", s)
	}
	name := strings.TrimSpace(s[:i])
	rest := s[i:]
	var op Op
	switch {
	case strings.HasPrefix(rest, "=~"):
		op = OpRegex
	case strings.HasPrefix(rest, "!~"):
		op = OpNotRegex
	case strings.HasPrefix(rest, "!="):
		op = OpNotEqual
	case strings.HasPrefix(rest, "="):
		op = OpEqual
	default:
		return Matcher{}, fmt.Errorf("bad matcher %q: unknown operator", s)
	}
	raw := strings.TrimSpace(rest[len(op):])
	value := raw
	if strings.HasPrefix(raw, `"`) {
		if len(raw) < 2 || !strings.HasSuffix(raw, `"`) {
			return Matcher{}, fmt.Errorf("bad matcher %q: unterminated quote", s)
		}
		v, err := strconv.Unquote(raw)
		if err != nil {
			return Matcher{}, fmt.Errorf("bad matcher %q: bad quoted value", s)
		}
		value = v
	}
	m := NewMatcher(name, op, value)
	if err := m.Validate(); err != nil {
		return Matcher{}, fmt.Errorf("bad matcher %q: %v", s, err)
	}
	return m, nil
}

func validLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func validLabelValueWord(s string) bool { return validLabelName(s) }

// MatchersFromLabels builds equality matchers for the given label names
// (skipping names the labels lack), in the order given.
func MatchersFromLabels(labels map[string]string, names ...string) Matchers {
	var out Matchers
	for _, n := range names {
		if v, ok := labels[n]; ok {
			out = append(out, NewMatcher(n, OpEqual, v))
		}
	}
	return out
}

// SortedLabelNames returns label names sorted, alertname first.
func SortedLabelNames(labels map[string]string) []string {
	out := make([]string, 0, len(labels))
	for k := range labels {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == "alertname") != (out[j] == "alertname") {
			return out[i] == "alertname"
		}
		return out[i] < out[j]
	})
	return out
}
