package logs

import (
	"sort"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// prompt is the LogQL line editor: history (up/down), label-name and
// label-value completion (tab), the usual editing keys.
type prompt struct {
	val     []rune
	pos     int
	hist    []string
	hpos    int // len(hist): editing a new line
	draft   string
	sugg    []string
	suggFor string // label name whose values are suggested ("" = names)
}

func newPrompt(initial string, hist []string) *prompt {
	p := &prompt{val: []rune(initial), hist: hist, hpos: len(hist)}
	p.pos = len(p.val)
	return p
}

func (p *prompt) value() string { return string(p.val) }

func (p *prompt) set(s string) {
	p.val = []rune(s)
	p.pos = len(p.val)
}

func (p *prompt) insert(s string) {
	// Pasted text may hold control characters: keep printable runes only.
	var rs []rune
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError {
			continue
		}
		rs = append(rs, r)
	}
	p.val = append(p.val[:p.pos], append(rs, p.val[p.pos:]...)...)
	p.pos += len(rs)
}

func (p *prompt) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		q := strings.TrimSpace(p.value())
		m.prompt = nil
		if q == "" {
			return nil
		}
		if n := len(m.history); n == 0 || m.history[n-1] != q {
			m.history = append(m.history, q)
			if len(m.history) > 200 {
				m.history = m.history[len(m.history)-200:]
			}
		}
		// Shorthands work here too: "host:compute04", "req:req-…", text.
		lq, backfill := m.pivotQuery(q)
		return tea.Batch(m.saveHistory(), m.tryQuery(lq, backfill))
	case "esc", "ctrl+c", "ctrl+g":
		m.prompt = nil
		return nil
	case "up", "ctrl+p":
		if p.hpos > 0 {
			if p.hpos == len(p.hist) {
				p.draft = p.value()
			}
			p.hpos--
			p.set(p.hist[p.hpos])
		}
	case "down", "ctrl+n":
		if p.hpos < len(p.hist) {
			p.hpos++
			if p.hpos == len(p.hist) {
				p.set(p.draft)
			} else {
				p.set(p.hist[p.hpos])
			}
		}
	case "tab":
		return p.complete(m)
	case "left", "ctrl+b":
		p.pos = max(p.pos-1, 0)
	case "right", "ctrl+f":
		p.pos = min(p.pos+1, len(p.val))
	case "home", "ctrl+a":
		p.pos = 0
	case "end", "ctrl+e":
		p.pos = len(p.val)
	case "backspace", "ctrl+h":
		if p.pos > 0 {
			p.val = append(p.val[:p.pos-1], p.val[p.pos:]...)
			p.pos--
		}
	case "delete", "ctrl+d":
		if p.pos < len(p.val) {
			p.val = append(p.val[:p.pos], p.val[p.pos+1:]...)
		}
	case "ctrl+u":
		p.val, p.pos = p.val[p.pos:], 0
	case "ctrl+k":
		p.val = p.val[:p.pos]
	case "ctrl+w":
		i := p.pos
		for i > 0 && p.val[i-1] == ' ' {
			i--
		}
		for i > 0 && !strings.ContainsRune(` {},|="`, p.val[i-1]) {
			i--
		}
		p.val, p.pos = append(p.val[:i], p.val[p.pos:]...), i
	case "space":
		p.insert(" ")
	default:
		if t := msg.Text; t != "" {
			p.insert(t)
		}
	}
	p.sugg = nil
	return nil
}

// context finds what is being typed at the cursor inside a stream
// selector: a label name prefix, or a value prefix for a label.
func (p *prompt) context() (inSel bool, name, valPrefix string, inValue bool, tokStart int) {
	s := p.val[:p.pos]
	open := -1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '}' {
			return false, "", "", false, 0
		}
		if s[i] == '{' {
			open = i
			break
		}
	}
	if open < 0 {
		return false, "", "", false, 0
	}
	// Current matcher: after the last ',' outside quotes.
	start := open + 1
	inQ := false
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				start = i + 1
			}
		}
	}
	tok := string(s[start:])
	lead := len(tok) - len(strings.TrimLeft(tok, " "))
	tok = tok[lead:]
	start += lead
	if i := strings.IndexAny(tok, "=!~"); i >= 0 {
		name = strings.TrimSpace(tok[:i])
		rest := strings.TrimLeft(tok[i:], "=!~ ")
		if strings.HasPrefix(rest, `"`) && inQ {
			v := rest[1:]
			return true, name, v, true, p.pos - len([]rune(v))
		}
		return false, "", "", false, 0
	}
	return true, "", tok, false, start
}

func commonPrefix(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	pre := xs[0]
	for _, x := range xs[1:] {
		for !strings.HasPrefix(x, pre) {
			pre = pre[:len(pre)-1]
		}
	}
	return pre
}

func filterPrefix(xs []string, pre string) []string {
	var out []string
	for _, x := range xs {
		if strings.HasPrefix(x, pre) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// complete applies tab completion at the cursor.
func (p *prompt) complete(m *Model) tea.Cmd { return p.completeOrList(m, true) }

func (p *prompt) completeOrList(m *Model, apply bool) tea.Cmd {
	inSel, name, pre, inValue, tokStart := p.context()
	if !inSel {
		// Presets: "host:<tab>" and "container:<tab>" complete values of
		// the configured host/container labels.
		head := string(p.val[:p.pos])
		tok := head[strings.LastIndex(head, " ")+1:]
		if k, v, ok := strings.Cut(tok, ":"); ok && !strings.HasPrefix(head, "{") {
			switch k {
			case "host":
				inSel, name, pre, inValue = true, m.o.HostLabel, v, true
			case "container":
				inSel, name, pre, inValue = true, m.o.ContainerLabel, v, true
			}
			tokStart = p.pos - len([]rune(v))
			if inSel {
				return p.completeValue(m, name, pre, tokStart, apply, false)
			}
		}
	}
	if !inSel {
		p.sugg = nil
		return nil
	}
	var cands []string
	if inValue {
		return p.completeValue(m, name, pre, tokStart, apply, true)
	} else {
		cands = filterPrefix(m.labels, pre)
	}
	p.suggFor = name
	if len(cands) == 0 {
		p.sugg = []string{"(no match)"}
		return nil
	}
	if !apply {
		p.sugg = cands
		return nil
	}
	rest := p.val[p.pos:]
	head := append([]rune(nil), p.val[:tokStart]...)
	if len(cands) == 1 {
		c := cands[0]
		if inValue {
			c += `"`
			if len(rest) > 0 && rest[0] == '"' {
				rest = rest[1:]
			}
		} else {
			c += `="`
		}
		p.val = append(append(head, []rune(c)...), rest...)
		p.pos = len(head) + len([]rune(c))
		p.sugg = nil
		return nil
	}
	c := commonPrefix(cands)
	p.val = append(append(head, []rune(c)...), rest...)
	p.pos = len(head) + len([]rune(c))
	p.sugg = cands
	return nil
}

// refresh recomputes suggestions when label values arrive.
func (p *prompt) refresh(m *Model) {
	if len(p.sugg) == 1 && strings.HasPrefix(p.sugg[0], "(loading") {
		p.completeOrList(m, false)
	}
}

// completeValue completes a label value at the cursor; quoted values get
// their closing quote.
func (p *prompt) completeValue(m *Model, name, pre string, tokStart int, apply, quoted bool) tea.Cmd {
	vs, ok := m.values[name]
	if !ok {
		p.suggFor = name
		p.sugg = []string{"(loading " + name + " values…)"}
		return m.loadValues(name)
	}
	cands := filterPrefix(vs, pre)
	p.suggFor = name
	if len(cands) == 0 {
		p.sugg = []string{"(no match)"}
		return nil
	}
	if !apply {
		p.sugg = cands
		return nil
	}
	rest := p.val[p.pos:]
	head := append([]rune(nil), p.val[:tokStart]...)
	c := commonPrefix(cands)
	p.sugg = cands
	if len(cands) == 1 {
		c = cands[0]
		p.sugg = nil
		if quoted {
			c += `"`
			if len(rest) > 0 && rest[0] == '"' {
				rest = rest[1:]
			}
		}
	}
	p.val = append(append(head, []rune(c)...), rest...)
	p.pos = len(head) + len([]rune(c))
	return nil
}
