package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// A small LogQL subset for the simulated Loki: a stream selector followed by
// line filters (|= != |~ !~), label filters (| name op "value") and the
// json/logfmt parsers (accepted, no-ops). Errors read like Loki's.

type lqMatcher struct {
	name, op, value string
	re              *regexp.Regexp
}

func (m lqMatcher) match(v string) bool {
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return m.re.MatchString(v)
	default: // !~
		return !m.re.MatchString(v)
	}
}

type lqFilter struct {
	op, value string
	re        *regexp.Regexp
}

func (f lqFilter) match(line string) bool {
	switch f.op {
	case "|=":
		return strings.Contains(line, f.value)
	case "!=":
		return !strings.Contains(line, f.value)
	case "|~":
		return f.re.MatchString(line)
	default:
		return !f.re.MatchString(line)
	}
}

type logQuery struct {
	matchers []lqMatcher
	filters  []lqFilter
	labelFs  []lqMatcher
}

func (q *logQuery) matchLabels(ls map[string]string) bool {
	for _, m := range q.matchers {
		if !m.match(ls[m.name]) {
			return false
		}
	}
	for _, m := range q.labelFs {
		if !m.match(ls[m.name]) {
			return false
		}
	}
	return true
}

func (q *logQuery) matchLine(line string) bool {
	for _, f := range q.filters {
		if !f.match(line) {
			return false
		}
	}
	return true
}

type lqLexer struct {
	s   string
	pos int
}

type lqErr struct {
	col int
	msg string
}

func (e *lqErr) Error() string { return fmt.Sprintf("parse error at line 1, col %d: %s", e.col, e.msg) }

func (l *lqLexer) skip() {
	for l.pos < len(l.s) && unicode.IsSpace(rune(l.s[l.pos])) {
		l.pos++
	}
}

func (l *lqLexer) errf(format string, a ...any) error {
	return &lqErr{col: l.pos + 1, msg: fmt.Sprintf(format, a...)}
}

func (l *lqLexer) eof() bool { l.skip(); return l.pos >= len(l.s) }

func (l *lqLexer) peek(tok string) bool {
	l.skip()
	return strings.HasPrefix(l.s[l.pos:], tok)
}

func (l *lqLexer) take(tok string) bool {
	if l.peek(tok) {
		l.pos += len(tok)
		return true
	}
	return false
}

func (l *lqLexer) ident() (string, bool) {
	l.skip()
	start := l.pos
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (l.pos > start && c >= '0' && c <= '9') {
			l.pos++
			continue
		}
		break
	}
	return l.s[start:l.pos], l.pos > start
}

func (l *lqLexer) str() (string, error) {
	l.skip()
	if l.pos >= len(l.s) {
		return "", l.errf("syntax error: unexpected $end, expecting STRING")
	}
	rest := l.s[l.pos:]
	if rest[0] == '`' {
		end := strings.IndexByte(rest[1:], '`')
		if end < 0 {
			return "", l.errf("literal not terminated")
		}
		l.pos += end + 2
		return rest[1 : end+1], nil
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", l.errf("syntax error: unexpected %s, expecting STRING", firstTok(rest))
	}
	l.pos += len(q)
	v, _ := strconv.Unquote(q)
	return v, nil
}

func firstTok(s string) string {
	if s == "" {
		return "$end"
	}
	for i, r := range s {
		if unicode.IsSpace(r) {
			return s[:i]
		}
		if i > 10 {
			return s[:i]
		}
	}
	return s
}

func (l *lqLexer) op(ops ...string) (string, bool) {
	for _, o := range ops {
		if l.take(o) {
			return o, true
		}
	}
	return "", false
}

func compileRE(l *lqLexer, v string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + v + ")$")
	if err != nil {
		return nil, l.errf("invalid regex %q: %v", v, err)
	}
	return re, nil
}

// parseLogQL parses the supported subset.
func parseLogQL(s string) (*logQuery, error) {
	l := &lqLexer{s: s}
	q := &logQuery{}
	if l.eof() {
		return nil, l.errf("syntax error: unexpected $end")
	}
	if !l.take("{") {
		if id, ok := l.ident(); ok {
			if l.peek("(") {
				return nil, fmt.Errorf("demo loki: metric queries (%s) are not supported by the simulated Loki", id)
			}
			return nil, l.errf("syntax error: unexpected IDENTIFIER")
		}
		return nil, l.errf("syntax error: unexpected %s", firstTok(l.s[l.pos:]))
	}
	for {
		name, ok := l.ident()
		if !ok {
			if l.eof() {
				return nil, l.errf("syntax error: unexpected $end, expecting IDENTIFIER")
			}
			return nil, l.errf("syntax error: unexpected %s, expecting IDENTIFIER", firstTok(l.s[l.pos:]))
		}
		o, ok := l.op("=~", "!~", "!=", "=")
		if !ok {
			if l.eof() {
				return nil, l.errf("syntax error: unexpected $end, expecting = or =~ or !~ or !=")
			}
			return nil, l.errf("syntax error: unexpected %s, expecting = or =~ or !~ or !=", firstTok(l.s[l.pos:]))
		}
		v, err := l.str()
		if err != nil {
			return nil, err
		}
		m := lqMatcher{name: name, op: o, value: v}
		if o == "=~" || o == "!~" {
			if m.re, err = compileRE(l, v); err != nil {
				return nil, err
			}
		}
		q.matchers = append(q.matchers, m)
		if l.take(",") {
			continue
		}
		if l.take("}") {
			break
		}
		if l.eof() {
			return nil, l.errf("syntax error: unexpected $end, expecting } or ,")
		}
		return nil, l.errf("syntax error: unexpected %s, expecting } or ,", firstTok(l.s[l.pos:]))
	}
	nonEmpty := false
	for _, m := range q.matchers {
		if !m.match("") {
			nonEmpty = true
		}
	}
	if !nonEmpty {
		return nil, fmt.Errorf(`parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`)
	}
	for !l.eof() {
		if o, ok := l.op("|=", "!=", "|~", "!~"); ok {
			v, err := l.str()
			if err != nil {
				return nil, err
			}
			f := lqFilter{op: o, value: v}
			if o == "|~" || o == "!~" {
				re, err := regexp.Compile(v)
				if err != nil {
					return nil, l.errf("invalid regex %q: %v", v, err)
				}
				f.re = re
			}
			q.filters = append(q.filters, f)
			continue
		}
		if l.take("|") {
			id, ok := l.ident()
			if !ok {
				return nil, l.errf("syntax error: unexpected %s", firstTok(l.s[l.pos:]))
			}
			switch id {
			case "json", "logfmt", "decolorize":
				continue
			case "line_format", "label_format", "pattern", "regexp", "unpack", "drop", "keep":
				return nil, fmt.Errorf("demo loki: the %s stage is not supported by the simulated Loki", id)
			}
			o, ok := l.op("=~", "!~", "!=", "==", "=")
			if !ok {
				return nil, l.errf("syntax error: unexpected %s, expecting = or =~ or !~ or !=", firstTok(l.s[l.pos:]))
			}
			if o == "==" {
				o = "="
			}
			v, err := l.str()
			if err != nil {
				return nil, err
			}
			m := lqMatcher{name: id, op: o, value: v}
			if o == "=~" || o == "!~" {
				if m.re, err = compileRE(l, v); err != nil {
					return nil, err
				}
			}
			q.labelFs = append(q.labelFs, m)
			continue
		}
		return nil, l.errf("syntax error: unexpected %s", firstTok(l.s[l.pos:]))
	}
	return q, nil
}
