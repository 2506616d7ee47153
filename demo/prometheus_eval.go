package demo

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A deliberately small PromQL subset for the demo: selectors (with =, !=,
// =~, !~), rate/irate/increase over [d], sum/avg/min/max/count [by|without],
// topk/bottomk, histogram_quantile, vector(), abs, arithmetic, comparisons
// (filtering), `or`, `and`, `unless`. Anything else is refused with a
// Prometheus-style bad_data parse error so the prompt shows a real message.

type promErr struct{ msg string }

func (e *promErr) Error() string { return e.msg }

func promParseErrf(pos int, f string, a ...any) error {
	return &promErr{msg: fmt.Sprintf("%d:%d: parse error: %s", 1, pos+1, fmt.Sprintf(f, a...))}
}

type pnode interface{}

type pNum struct{ v float64 }
type pSel struct {
	name     string
	matchers []pMatcher
	rng      time.Duration
}
type pMatcher struct {
	name, op, value string
	re              *regexp.Regexp
}
type pCall struct {
	fn   string
	args []pnode
}
type pAgg struct {
	op      string
	by      []string
	without bool
	param   pnode
	expr    pnode
}
type pBin struct {
	op   string
	l, r pnode
	bool bool
}
type pNeg struct{ x pnode }

type promTok struct {
	kind string // ident num str op eof dur
	s    string
	pos  int
}

func lexProm(q string) ([]promTok, error) {
	var out []promTok
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			var b strings.Builder
			for j < len(q) && q[j] != c {
				if q[j] == '\\' && j+1 < len(q) && c != '`' {
					j++
				}
				b.WriteByte(q[j])
				j++
			}
			if j >= len(q) {
				return nil, promParseErrf(i, "unterminated quoted string %s", q[i:])
			}
			out = append(out, promTok{"str", b.String(), i})
			i = j + 1
		case c == '[':
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				return nil, promParseErrf(len(q), "unexpected end of input inside brackets")
			}
			out = append(out, promTok{"dur", strings.TrimSpace(q[i+1 : i+j]), i})
			i += j + 1
		case unicode.IsDigit(rune(c)) || (c == '.' && i+1 < len(q) && unicode.IsDigit(rune(q[i+1]))):
			j := i
			for j < len(q) && (unicode.IsDigit(rune(q[j])) || q[j] == '.' || q[j] == 'e' || q[j] == 'E') {
				j++
			}
			out = append(out, promTok{"num", q[i:j], i})
			i = j
		case c == '_' || c == ':' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(q) && (q[j] == '_' || q[j] == ':' || unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j]))) {
				j++
			}
			out = append(out, promTok{"ident", q[i:j], i})
			i = j
		default:
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch two {
			case "==", "!=", "=~", "!~", ">=", "<=":
				out = append(out, promTok{"op", two, i})
				i += 2
				continue
			}
			if strings.IndexByte("(){},=<>+-*/%^", c) >= 0 {
				out = append(out, promTok{"op", string(c), i})
				i++
				continue
			}
			return nil, promParseErrf(i, "unexpected character: %q", c)
		}
	}
	out = append(out, promTok{"eof", "", len(q)})
	return out, nil
}

type pparser struct {
	t []promTok
	i int
}

func (p *pparser) peek() promTok { return p.t[p.i] }
func (p *pparser) next() promTok { t := p.t[p.i]; p.i++; return t }
func (p *pparser) expect(s string) error {
	t := p.next()
	if t.s != s || t.kind == "str" {
		if t.kind == "eof" {
			if s == ")" {
				return promParseErrf(t.pos, "unclosed left parenthesis")
			}
			return promParseErrf(t.pos, "unexpected end of input")
		}
		return promParseErrf(t.pos, "unexpected %q, expected %q", t.s, s)
	}
	return nil
}

var promBinPrec = map[string]int{"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<": 3, ">": 3, "<=": 3, ">=": 3,
	"+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6}

var promAggs = map[string]bool{"sum": true, "avg": true, "min": true, "max": true, "count": true, "topk": true, "bottomk": true}

func parseProm(q string) (pnode, error) {
	ts, err := lexProm(q)
	if err != nil {
		return nil, err
	}
	p := &pparser{t: ts}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, promParseErrf(t.pos, "unexpected %s %q", t.kind, t.s)
	}
	return n, nil
}

func (p *pparser) expr(min int) (pnode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != "op" && t.kind != "ident" {
			return l, nil
		}
		prec, ok := promBinPrec[t.s]
		if !ok || prec <= min && !(t.s == "^" && prec == min) {
			return l, nil
		}
		p.next()
		b := &pBin{op: t.s, l: l}
		if p.peek().kind == "ident" && p.peek().s == "bool" {
			p.next()
			b.bool = true
		}
		if nt := p.peek(); nt.kind == "ident" && (nt.s == "on" || nt.s == "ignoring" || nt.s == "group_left" || nt.s == "group_right") {
			return nil, promParseErrf(nt.pos, "vector matching with %q is not supported by the stackpit demo server", nt.s)
		}
		r, err := p.expr(prec)
		if err != nil {
			return nil, err
		}
		b.r = r
		l = b
	}
}

func (p *pparser) unary() (pnode, error) {
	t := p.next()
	switch t.kind {
	case "num":
		v, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return nil, promParseErrf(t.pos, "bad number or duration syntax: %q", t.s)
		}
		return &pNum{v}, nil
	case "eof":
		return nil, promParseErrf(t.pos, "unexpected end of input")
	case "str":
		return nil, promParseErrf(t.pos, "unexpected string %q", t.s)
	case "op":
		switch t.s {
		case "(":
			n, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return n, nil
		case "-":
			x, err := p.expr(5)
			if err != nil {
				return nil, err
			}
			return &pNeg{x}, nil
		case "{":
			p.i--
			return p.selector("")
		}
		return nil, promParseErrf(t.pos, "unexpected %q", t.s)
	}
	// identifier: aggregation, function or metric name
	if promAggs[t.s] && (p.peek().s == "(" || p.peek().s == "by" || p.peek().s == "without") {
		return p.agg(t.s)
	}
	if p.peek().s == "(" && p.peek().kind == "op" {
		p.next()
		c := &pCall{fn: t.s}
		if p.peek().s != ")" {
			for {
				a, err := p.expr(0)
				if err != nil {
					return nil, err
				}
				c.args = append(c.args, a)
				if p.peek().s == "," {
					p.next()
					continue
				}
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	return p.selector(t.s)
}

func (p *pparser) labelList() ([]string, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []string
	for p.peek().s != ")" {
		t := p.next()
		if t.kind != "ident" {
			return nil, promParseErrf(t.pos, "unexpected %q in grouping opts, expected label", t.s)
		}
		out = append(out, t.s)
		if p.peek().s == "," {
			p.next()
		}
	}
	p.next()
	return out, nil
}

func (p *pparser) agg(op string) (pnode, error) {
	a := &pAgg{op: op}
	grouping := func() error {
		if t := p.peek(); t.kind == "ident" && (t.s == "by" || t.s == "without") {
			p.next()
			a.without = t.s == "without"
			ls, err := p.labelList()
			a.by = ls
			return err
		}
		return nil
	}
	if err := grouping(); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	if op == "topk" || op == "bottomk" {
		x, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		a.param = x
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
	x, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	a.expr = x
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if a.by == nil {
		if err := grouping(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (p *pparser) selector(name string) (pnode, error) {
	s := &pSel{name: name}
	if p.peek().s == "{" && p.peek().kind == "op" {
		p.next()
		for p.peek().s != "}" {
			ln := p.next()
			if ln.kind != "ident" {
				if ln.kind == "eof" {
					return nil, promParseErrf(ln.pos, "unexpected end of input inside braces")
				}
				return nil, promParseErrf(ln.pos, "unexpected %q in label matching, expected label", ln.s)
			}
			op := p.next()
			if op.s != "=" && op.s != "!=" && op.s != "=~" && op.s != "!~" {
				return nil, promParseErrf(op.pos, "unexpected %q in label matching, expected label matching operator", op.s)
			}
			v := p.next()
			if v.kind != "str" {
				return nil, promParseErrf(v.pos, "unexpected %q in label matching, expected string", v.s)
			}
			m := pMatcher{name: ln.s, op: op.s, value: v.s}
			if op.s == "=~" || op.s == "!~" {
				re, err := regexp.Compile("^(?:" + v.s + ")$")
				if err != nil {
					return nil, promParseErrf(v.pos, "error parsing regexp: %v", err)
				}
				m.re = re
			}
			s.matchers = append(s.matchers, m)
			if p.peek().s == "," {
				p.next()
			}
		}
		p.next()
	}
	if name == "" && len(s.matchers) == 0 {
		return nil, promParseErrf(p.peek().pos, "vector selector must contain at least one non-empty matcher")
	}
	if p.peek().kind == "dur" {
		t := p.next()
		d, err := parsePromDuration(t.s)
		if err != nil {
			return nil, promParseErrf(t.pos, "bad duration syntax: %q", t.s)
		}
		s.rng = d
	}
	return s, nil
}

func parsePromDuration(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// --- evaluation on instant vectors ---

type pval struct {
	scalar   bool
	s        float64
	v        []PromSample
	isString bool
}

func (m pMatcher) match(l map[string]string) bool {
	v := l[m.name]
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return m.re.MatchString(v)
	default:
		return !m.re.MatchString(v)
	}
}

func (s *pSel) match(l map[string]string) bool {
	if s.name != "" && l["__name__"] != s.name {
		return false
	}
	for _, m := range s.matchers {
		if !m.match(l) {
			return false
		}
	}
	return true
}

// selectSamples returns the samples of all that match sel.
func promSelectSamples(all []PromSample, sel *pSel) []PromSample {
	var out []PromSample
	for _, s := range all {
		if sel.match(s.Labels) {
			out = append(out, s)
		}
	}
	return out
}

func promDropName(l map[string]string) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		if k != "__name__" {
			out[k] = v
		}
	}
	return out
}

type promEvaluator struct {
	w     *PromWorld
	cache map[int64][]PromSample
	// names are the metrics the query selects (nil: any, a selector
	// without a metric name): only those series are made at each step.
	names map[string]bool
}

// newPromEvaluator evaluates n in w.
func newPromEvaluator(w *PromWorld, n pnode) *promEvaluator {
	names := map[string]bool{}
	if !promNames(n, names) {
		names = nil
	}
	return &promEvaluator{w: w, cache: map[int64][]PromSample{}, names: names}
}

// promNames adds the metric names n selects to names; false when a
// selector has none (or n is a node it does not know): every series.
func promNames(n pnode, names map[string]bool) bool {
	switch x := n.(type) {
	case *pNum:
		return true
	case *pSel:
		if x.name == "" {
			return false
		}
		names[x.name] = true
		return true
	case *pNeg:
		return promNames(x.x, names)
	case *pCall:
		for _, a := range x.args {
			if !promNames(a, names) {
				return false
			}
		}
		return true
	case *pAgg:
		return (x.param == nil || promNames(x.param, names)) && promNames(x.expr, names)
	case *pBin:
		return promNames(x.l, names) && promNames(x.r, names)
	}
	return false
}

func (e *promEvaluator) all(t time.Time) []PromSample {
	k := t.UnixNano()
	if v, ok := e.cache[k]; ok {
		return v
	}
	v := e.w.allNamed(t, e.names)
	e.cache[k] = v
	return v
}

func (e *promEvaluator) eval(n pnode, t time.Time) (pval, error) {
	switch x := n.(type) {
	case *pNum:
		return pval{scalar: true, s: x.v}, nil
	case *pNeg:
		v, err := e.eval(x.x, t)
		if err != nil {
			return v, err
		}
		return promUnaryMap(v, func(f float64) float64 { return -f }), nil
	case *pSel:
		if x.rng > 0 {
			return pval{}, &promErr{"invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"}
		}
		return pval{v: promSelectSamples(e.all(t), x)}, nil
	case *pCall:
		return e.call(x, t)
	case *pAgg:
		return e.agg(x, t)
	case *pBin:
		return e.bin(x, t)
	}
	return pval{}, &promErr{"unsupported expression"}
}

func promUnaryMap(v pval, f func(float64) float64) pval {
	if v.scalar {
		return pval{scalar: true, s: f(v.s)}
	}
	out := make([]PromSample, len(v.v))
	for i, s := range v.v {
		out[i] = PromSample{Labels: promDropName(s.Labels), Value: f(s.Value)}
	}
	return pval{v: out}
}

func (e *promEvaluator) call(c *pCall, t time.Time) (pval, error) {
	switch c.fn {
	case "rate", "irate", "increase", "delta":
		if len(c.args) != 1 {
			return pval{}, &promErr{fmt.Sprintf("expected 1 argument(s) in call to %q, got %d", c.fn, len(c.args))}
		}
		sel, ok := c.args[0].(*pSel)
		if !ok || sel.rng == 0 {
			return pval{}, &promErr{fmt.Sprintf("ranges only allowed for vector selectors (%s needs a range vector)", c.fn)}
		}
		win := sel.rng
		if c.fn == "irate" {
			win = 15 * time.Second
		}
		now := promSelectSamples(e.all(t), sel)
		before := map[string]float64{}
		for _, s := range promSelectSamples(e.all(t.Add(-win)), sel) {
			before[promKey(s.Labels)] = s.Value
		}
		var out []PromSample
		for _, s := range now {
			b, ok := before[promKey(s.Labels)]
			if !ok {
				continue
			}
			d := s.Value - b
			if c.fn != "delta" && d < 0 {
				d = s.Value
			}
			if c.fn == "rate" || c.fn == "irate" {
				d /= win.Seconds()
			}
			out = append(out, PromSample{Labels: promDropName(s.Labels), Value: d})
		}
		return pval{v: out}, nil
	case "vector":
		if len(c.args) != 1 {
			return pval{}, &promErr{"expected 1 argument(s) in call to \"vector\""}
		}
		v, err := e.eval(c.args[0], t)
		if err != nil || !v.scalar {
			return pval{}, &promErr{"expected type scalar in call to function \"vector\""}
		}
		return pval{v: []PromSample{{Labels: map[string]string{}, Value: v.s}}}, nil
	case "timestamp":
		// Exporters are scraped every 15 s: a sample is as old as the time
		// since the last scrape (the cockpit shows it as the sample age).
		if len(c.args) != 1 {
			return pval{}, &promErr{"expected 1 argument(s) in call to \"timestamp\""}
		}
		v, err := e.eval(c.args[0], t)
		if err != nil {
			return v, err
		}
		if v.scalar {
			return pval{}, &promErr{"expected type instant vector in call to function \"timestamp\", got scalar"}
		}
		scraped := float64(t.Unix() / 15 * 15)
		return promUnaryMap(v, func(float64) float64 { return scraped }), nil
	case "abs", "ceil", "floor", "round":
		if len(c.args) != 1 {
			return pval{}, &promErr{fmt.Sprintf("expected 1 argument(s) in call to %q", c.fn)}
		}
		v, err := e.eval(c.args[0], t)
		if err != nil {
			return v, err
		}
		f := map[string]func(float64) float64{"abs": math.Abs, "ceil": math.Ceil, "floor": math.Floor, "round": math.Round}[c.fn]
		return promUnaryMap(v, f), nil
	case "histogram_quantile":
		if len(c.args) != 2 {
			return pval{}, &promErr{"expected 2 argument(s) in call to \"histogram_quantile\""}
		}
		q, err := e.eval(c.args[0], t)
		if err != nil || !q.scalar {
			return pval{}, &promErr{"expected type scalar in call to function \"histogram_quantile\""}
		}
		v, err := e.eval(c.args[1], t)
		if err != nil {
			return v, err
		}
		return pval{v: promHistogramQuantile(q.s, v.v)}, nil
	}
	return pval{}, &promErr{fmt.Sprintf("unknown function with name %q (the stackpit demo server knows rate, irate, increase, delta, vector, abs, ceil, floor, round, histogram_quantile)", c.fn)}
}

func promHistogramQuantile(q float64, v []PromSample) []PromSample {
	type bucket struct{ le, n float64 }
	groups := map[string][]bucket{}
	glabels := map[string]map[string]string{}
	for _, s := range v {
		le, err := strconv.ParseFloat(s.Labels["le"], 64)
		if s.Labels["le"] == "+Inf" {
			le, err = math.Inf(1), nil
		}
		if err != nil {
			continue
		}
		l := promDropName(s.Labels)
		delete(l, "le")
		k := promKey(l)
		groups[k] = append(groups[k], bucket{le, s.Value})
		glabels[k] = l
	}
	var out []PromSample
	for k, bs := range groups {
		sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
		total := bs[len(bs)-1].n
		if total == 0 || !math.IsInf(bs[len(bs)-1].le, 1) {
			continue
		}
		rank := q * total
		val := math.NaN()
		prevLe, prevN := 0.0, 0.0
		for i, b := range bs {
			if b.n >= rank {
				if math.IsInf(b.le, 1) {
					val = bs[len(bs)-2].le
					if i == 0 {
						val = 0
					}
				} else {
					val = prevLe + (b.le-prevLe)*(rank-prevN)/(b.n-prevN)
				}
				break
			}
			prevLe, prevN = b.le, b.n
		}
		out = append(out, PromSample{Labels: glabels[k], Value: val})
	}
	return out
}

func (e *promEvaluator) agg(a *pAgg, t time.Time) (pval, error) {
	v, err := e.eval(a.expr, t)
	if err != nil {
		return v, err
	}
	if v.scalar {
		return pval{}, &promErr{fmt.Sprintf("expected type instant vector in aggregation expression, got scalar")}
	}
	key := func(l map[string]string) map[string]string {
		out := map[string]string{}
		if a.without {
			for k, x := range l {
				out[k] = x
			}
			delete(out, "__name__")
			for _, b := range a.by {
				delete(out, b)
			}
			return out
		}
		for _, b := range a.by {
			if x, ok := l[b]; ok {
				out[b] = x
			}
		}
		return out
	}
	if a.op == "topk" || a.op == "bottomk" {
		k, err := e.eval(a.param, t)
		if err != nil || !k.scalar {
			return pval{}, &promErr{"expected type scalar in aggregation parameter"}
		}
		groups := map[string][]PromSample{}
		for _, s := range v.v {
			groups[promKey(key(s.Labels))] = append(groups[promKey(key(s.Labels))], s)
		}
		var out []PromSample
		for _, g := range groups {
			sort.SliceStable(g, func(i, j int) bool {
				if a.op == "topk" {
					return g[i].Value > g[j].Value
				}
				return g[i].Value < g[j].Value
			})
			n := int(k.s)
			if n > len(g) {
				n = len(g)
			}
			out = append(out, g[:n]...)
		}
		return pval{v: out}, nil
	}
	type acc struct {
		l        map[string]string
		sum, n   float64
		min, max float64
	}
	groups := map[string]*acc{}
	var order []string
	for _, s := range v.v {
		l := key(s.Labels)
		k := promKey(l)
		g := groups[k]
		if g == nil {
			g = &acc{l: l, min: math.Inf(1), max: math.Inf(-1)}
			groups[k] = g
			order = append(order, k)
		}
		g.sum += s.Value
		g.n++
		g.min = math.Min(g.min, s.Value)
		g.max = math.Max(g.max, s.Value)
	}
	out := make([]PromSample, 0, len(order))
	for _, k := range order {
		g := groups[k]
		var x float64
		switch a.op {
		case "sum":
			x = g.sum
		case "avg":
			x = g.sum / g.n
		case "count":
			x = g.n
		case "min":
			x = g.min
		case "max":
			x = g.max
		}
		out = append(out, PromSample{Labels: g.l, Value: x})
	}
	return pval{v: out}, nil
}

func promCmpOp(op string, a, b float64) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	case ">=":
		return a >= b
	}
	return false
}

func promArith(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case "%":
		return math.Mod(a, b)
	case "^":
		return math.Pow(a, b)
	}
	return math.NaN()
}

func (e *promEvaluator) bin(b *pBin, t time.Time) (pval, error) {
	l, err := e.eval(b.l, t)
	if err != nil {
		return l, err
	}
	r, err := e.eval(b.r, t)
	if err != nil {
		return r, err
	}
	isCmp := promBinPrec[b.op] == 3
	switch b.op {
	case "or", "and", "unless":
		if l.scalar || r.scalar {
			return pval{}, &promErr{fmt.Sprintf("set operator %q not allowed in binary scalar expression", b.op)}
		}
		rk := map[string]bool{}
		for _, s := range r.v {
			rk[promKey(promDropName(s.Labels))] = true
		}
		var out []PromSample
		lk := map[string]bool{}
		for _, s := range l.v {
			k := promKey(promDropName(s.Labels))
			lk[k] = true
			if b.op == "or" || (b.op == "and") == rk[k] {
				out = append(out, s)
			}
		}
		if b.op == "or" {
			for _, s := range r.v {
				if !lk[promKey(promDropName(s.Labels))] {
					out = append(out, s)
				}
			}
		}
		return pval{v: out}, nil
	}
	if l.scalar && r.scalar {
		if isCmp {
			if !b.bool {
				return pval{}, &promErr{"comparisons between scalars must use BOOL modifier"}
			}
			x := 0.0
			if promCmpOp(b.op, l.s, r.s) {
				x = 1
			}
			return pval{scalar: true, s: x}, nil
		}
		return pval{scalar: true, s: promArith(b.op, l.s, r.s)}, nil
	}
	apply := func(s PromSample, a, c float64) (PromSample, bool) {
		if isCmp {
			ok := promCmpOp(b.op, a, c)
			if b.bool {
				x := 0.0
				if ok {
					x = 1
				}
				return PromSample{Labels: promDropName(s.Labels), Value: x}, true
			}
			return s, ok
		}
		return PromSample{Labels: promDropName(s.Labels), Value: promArith(b.op, a, c)}, true
	}
	var out []PromSample
	switch {
	case r.scalar:
		for _, s := range l.v {
			if x, ok := apply(s, s.Value, r.s); ok {
				out = append(out, x)
			}
		}
	case l.scalar:
		for _, s := range r.v {
			if x, ok := apply(s, l.s, s.Value); ok {
				out = append(out, x)
			}
		}
	default:
		rm := map[string]PromSample{}
		for _, s := range r.v {
			rm[promKey(promDropName(s.Labels))] = s
		}
		for _, s := range l.v {
			o, found := rm[promKey(promDropName(s.Labels))]
			if !found {
				continue
			}
			if x, ok := apply(s, s.Value, o.Value); ok {
				if isCmp && !b.bool {
					x = s
				}
				out = append(out, x)
			}
		}
	}
	return pval{v: out}, nil
}

// Query evaluates q (the demo's PromQL subset) at t as an instant vector.
// The test exporter uses it to backfill alert states.
func (w *PromWorld) Query(q string, t time.Time) ([]PromSample, error) {
	n, err := parseProm(q)
	if err != nil {
		return nil, err
	}
	ev := newPromEvaluator(w, n)
	v, err := ev.eval(n, t)
	if err != nil {
		return nil, err
	}
	if v.scalar {
		return []PromSample{{Labels: map[string]string{}, Value: v.s}}, nil
	}
	return v.v, nil
}
