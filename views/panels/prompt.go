package panels

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// prompt is the ad-hoc PromQL line editor.
type prompt struct {
	text   []rune
	cursor int
	rangeQ bool // range (chart) or instant (table)
	hist   int  // index into history while browsing; len = not browsing
	cands  []string
	ci     int
	err    string
}

// adhoc is the last ad-hoc query's result.
type adhoc struct {
	query   string
	rangeQ  bool
	chart   bool
	loading bool
	data    *panelData
	panel   *Panel
}

type adhocMsg struct {
	query string
	data  panelData
}

// completion holds names fetched from the server.
type completion struct {
	metrics   []string
	labels    []string
	values    map[string][]string
	requested map[string]bool
	lastErr   error
	history   []string
	functions []string
}

type completionMsg struct {
	metrics []string
	labels  []string
	label   string // values of this label
	values  []string
	err     error
}

var promFunctions = []string{"abs(", "avg(", "avg_over_time(", "ceil(", "count(", "count_over_time(", "delta(", "deriv(",
	"floor(", "histogram_quantile(", "increase(", "irate(", "label_replace(", "max(", "max_over_time(", "min(",
	"min_over_time(", "predict_linear(", "quantile(", "rate(", "round(", "sort(", "sort_desc(", "sum(",
	"sum_over_time(", "topk(", "bottomk(", "vector(", "without (", "by ("}

func (c *completion) merge(m completionMsg) {
	if m.err != nil {
		c.lastErr = m.err
		return
	}
	if m.metrics != nil {
		c.metrics = m.metrics
	}
	if m.labels != nil {
		c.labels = m.labels
	}
	if m.label != "" {
		if c.values == nil {
			c.values = map[string][]string{}
		}
		c.values[m.label] = m.values
	}
}

func (p *Pane) openPrompt() tea.Cmd {
	p.prompt = &prompt{hist: len(p.complete.history), rangeQ: true}
	if p.result != nil {
		p.prompt.text = []rune(p.result.query)
		p.prompt.cursor = len(p.prompt.text)
		p.prompt.rangeQ = p.result.rangeQ
	}
	if p.complete.requested == nil {
		p.complete.requested = map[string]bool{}
	}
	if p.complete.requested["__names"] || p.src == nil {
		return nil
	}
	p.complete.requested["__names"] = true
	src, timeout := p.src, p.opts.QueryTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		ms, err := src.LabelValues(ctx, "__name__", nil, time.Time{}, time.Time{})
		if err != nil {
			return completionMsg{err: err}
		}
		ls, err := src.LabelNames(ctx, nil, time.Time{}, time.Time{})
		return completionMsg{metrics: ms, labels: ls, err: err}
	}
}

func (p *Pane) loadLabelValues(label string) tea.Cmd {
	if p.complete.requested["v:"+label] || p.src == nil {
		return nil
	}
	p.complete.requested["v:"+label] = true
	src, timeout := p.src, p.opts.QueryTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		vs, err := src.LabelValues(ctx, label, nil, time.Time{}, time.Time{})
		return completionMsg{label: label, values: vs, err: err}
	}
}

func (p *Pane) promptKey(k tea.KeyPressMsg) tea.Cmd {
	pr := p.prompt
	key := k.String()
	if key != "tab" {
		pr.cands, pr.ci = nil, 0
	}
	switch key {
	case "esc":
		p.prompt = nil
		return nil
	case "enter":
		q := strings.TrimSpace(string(pr.text))
		if q == "" {
			return nil
		}
		p.prompt = nil
		return p.runAdhoc(q, pr.rangeQ)
	case "tab":
		return p.completeAt()
	case "ctrl+t":
		pr.rangeQ = !pr.rangeQ
	case "up":
		if pr.hist > 0 {
			pr.hist--
			pr.text = []rune(p.complete.history[pr.hist])
			pr.cursor = len(pr.text)
		}
	case "down":
		if pr.hist < len(p.complete.history)-1 {
			pr.hist++
			pr.text = []rune(p.complete.history[pr.hist])
		} else {
			pr.hist = len(p.complete.history)
			pr.text = nil
		}
		pr.cursor = len(pr.text)
	case "left", "ctrl+b":
		pr.cursor = max(pr.cursor-1, 0)
	case "right", "ctrl+f":
		pr.cursor = min(pr.cursor+1, len(pr.text))
	case "home", "ctrl+a":
		pr.cursor = 0
	case "end", "ctrl+e":
		pr.cursor = len(pr.text)
	case "backspace", "ctrl+h":
		if pr.cursor > 0 {
			pr.text = append(pr.text[:pr.cursor-1], pr.text[pr.cursor:]...)
			pr.cursor--
		}
	case "delete", "ctrl+d":
		if pr.cursor < len(pr.text) {
			pr.text = append(pr.text[:pr.cursor], pr.text[pr.cursor+1:]...)
		}
	case "ctrl+u":
		pr.text = pr.text[pr.cursor:]
		pr.cursor = 0
	case "ctrl+k":
		pr.text = pr.text[:pr.cursor]
	case "ctrl+w":
		i := pr.cursor
		for i > 0 && pr.text[i-1] == ' ' {
			i--
		}
		for i > 0 && pr.text[i-1] != ' ' {
			i--
		}
		pr.text = append(pr.text[:i], pr.text[pr.cursor:]...)
		pr.cursor = i
	default:
		t := k.Text
		if t == "" && key == "space" {
			t = " "
		}
		if t == "" {
			return nil
		}
		for _, r := range t {
			if !unicode.IsPrint(r) {
				continue
			}
			pr.text = append(pr.text[:pr.cursor], append([]rune{r}, pr.text[pr.cursor:]...)...)
			pr.cursor++
		}
		// Inside label="..." fetch that label's values for completion.
		if lbl, _, ok := labelValueContext(string(pr.text[:pr.cursor])); ok {
			return p.loadLabelValues(lbl)
		}
	}
	return nil
}

// labelValueContext: text ends inside `label="prefix`.
func labelValueContext(s string) (label, prefix string, ok bool) {
	q := strings.LastIndexByte(s, '"')
	if q < 0 || strings.Count(s, `"`)%2 == 0 {
		return "", "", false
	}
	before := strings.TrimRight(s[:q], "=~! ")
	i := len(before)
	for i > 0 && (isIdent(rune(before[i-1]))) {
		i--
	}
	if i == len(before) {
		return "", "", false
	}
	return before[i:], s[q+1:], true
}

func isIdent(r rune) bool { return r == '_' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// candidates for the word before the cursor.
func (p *Pane) candidates(before string) (prefix string, cands []string, cmd tea.Cmd) {
	if lbl, pre, ok := labelValueContext(before); ok {
		cmd = p.loadLabelValues(lbl)
		return pre, filterPrefix(p.complete.values[lbl], pre), cmd
	}
	i := len(before)
	for i > 0 && isIdent(rune(before[i-1])) {
		i--
	}
	prefix = before[i:]
	open := strings.Count(before, "{") > strings.Count(before, "}")
	inParen := strings.HasSuffix(strings.TrimRight(before[:i], " "), "by (") || strings.HasSuffix(strings.TrimRight(before[:i], " "), "without (")
	if open || inParen {
		return prefix, filterPrefix(p.complete.labels, prefix), nil
	}
	if prefix == "" {
		return "", nil, nil
	}
	c := filterPrefix(p.complete.metrics, prefix)
	c = append(c, filterPrefix(promFunctions, prefix)...)
	return prefix, c, nil
}

func filterPrefix(all []string, pre string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, pre) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func commonPrefix(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// completeAt completes the word at the cursor: the common prefix first,
// then cycles through the candidates on repeated tab.
func (p *Pane) completeAt() tea.Cmd {
	pr := p.prompt
	before := string(pr.text[:pr.cursor])
	if len(pr.cands) > 0 {
		// cycle: replace the previous candidate with the next one
		prev := pr.cands[pr.ci]
		pr.ci = (pr.ci + 1) % len(pr.cands)
		if strings.HasSuffix(before, prev) {
			p.replaceBefore(utf8.RuneCountInString(prev), pr.cands[pr.ci])
		}
		return nil
	}
	prefix, cands, cmd := p.candidates(before)
	switch len(cands) {
	case 0:
		return cmd
	case 1:
		p.replaceBefore(utf8.RuneCountInString(prefix), cands[0])
		return cmd
	}
	cp := commonPrefix(cands)
	if len(cp) > len(prefix) {
		p.replaceBefore(utf8.RuneCountInString(prefix), cp)
		pr.cands = nil
		return cmd
	}
	pr.cands, pr.ci = cands, 0
	p.replaceBefore(utf8.RuneCountInString(prefix), cands[0])
	return cmd
}

func (p *Pane) replaceBefore(n int, with string) {
	pr := p.prompt
	start := pr.cursor - n
	rest := append([]rune(with), pr.text[pr.cursor:]...)
	pr.text = append(pr.text[:start:start], rest...)
	pr.cursor = start + utf8.RuneCountInString(with)
}

func (p *Pane) runAdhoc(q string, rangeQ bool) tea.Cmd {
	h := p.complete.history
	var save tea.Cmd
	if len(h) == 0 || h[len(h)-1] != q {
		p.complete.history = append(h, q)
		if len(p.complete.history) > maxHistory {
			p.complete.history = p.complete.history[1:]
		}
		save = saveHistory(p.opts.HistoryFile, append([]string(nil), p.complete.history...))
	}
	typ := "table"
	if rangeQ {
		typ = "timeseries"
	}
	// Queries typed by hand are sent verbatim (no templating).
	pn := &Panel{Title: q, Type: typ, Targets: []Target{{Expr: q, raw: true}}, Limit: 12}
	if !rangeQ {
		pn.Limit = 2000
	}
	p.rowOff = 0
	p.result = &adhoc{query: q, rangeQ: rangeQ, chart: rangeQ, loading: true, panel: pn, data: p.resultData()}
	start, end, live := p.window()
	step := prometheus.StepFor(end.Sub(start), max(p.lastWidth()-9, 8), p.opts.MinStep)
	src, timeout := p.src, p.opts.QueryTimeout
	now := p.now()
	return tea.Batch(save, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		d := fetchPanel(ctx, src, pn, nil, start, end, step, live)
		d.updated = now
		return adhocMsg{query: q, data: d}
	})
}

const maxHistory = 200

// loadHistory reads one query per line (newest last).
func loadHistory(path string) []string {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out
}

// saveHistory writes the history off the UI goroutine; a failure is only
// a toast-free no-op (history is a convenience).
func saveHistory(path string, h []string) tea.Cmd {
	if path == "" {
		return nil
	}
	return func() tea.Msg {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(strings.Join(h, "\n")+"\n"), 0o600); err == nil {
			_ = os.Rename(tmp, path)
		}
		return nil
	}
}

func (p *Pane) resultData() *panelData {
	if p.result != nil {
		return p.result.data
	}
	return nil
}

func (p *Pane) lastWidth() int {
	w := 0
	for _, x := range p.widths {
		w = max(w, x)
	}
	if w == 0 {
		w = 80
	}
	return w + 9
}

func (p *Pane) adhocDone(m adhocMsg) tea.Cmd {
	if p.result == nil || p.result.query != m.query {
		return nil
	}
	d := m.data
	p.result.data, p.result.loading = &d, false
	if d.err != nil {
		// Show Prometheus' error inline, under the query, and reopen the
		// prompt on it so the user can fix it.
		p.prompt = &prompt{text: []rune(m.query), cursor: len([]rune(m.query)), rangeQ: p.result.rangeQ,
			hist: len(p.complete.history), err: d.err.Error()}
	}
	return nil
}

func (p *Pane) promptView(w, h int) []string {
	th := p.ctx.Theme
	pr := p.prompt
	mode := "range"
	if !pr.rangeQ {
		mode = "instant"
	}
	var out []string
	if pr.err != "" {
		out = append(out, fit(th.Render(themes.Crit, "✗ "+safe.Text(pr.err)), w))
	}
	if len(pr.cands) > 1 {
		var b strings.Builder
		for i, c := range pr.cands {
			if i > 0 {
				b.WriteString("  ")
			}
			if i == pr.ci {
				b.WriteString(th.Render(themes.Selected, safe.Text(c)))
			} else {
				b.WriteString(safe.Text(c))
			}
		}
		out = append(out, fit(b.String(), w))
	}
	help := th.Render(themes.Muted, fmt.Sprintf("[%s] enter run · tab complete · ↑↓ history · ctrl+t range/instant · esc close", mode))
	if p.complete.lastErr != nil {
		help = th.Render(themes.Warn, "completion unavailable: "+safe.Text(p.complete.lastErr.Error()))
	}
	out = append(out, fit(help, w))
	// The input line scrolls to keep the cursor visible.
	label := th.Render(themes.Key, "PromQL> ")
	avail := w - 8 - 1
	txt := pr.text
	start := 0
	if pr.cursor > avail {
		start = pr.cursor - avail
	}
	vis := string(txt[start:min(len(txt), start+avail)])
	cur := pr.cursor - start
	vr := []rune(vis)
	var line string
	if cur < len(vr) {
		line = safe.Text(string(vr[:cur])) + th.Render(themes.Selected, safe.Text(string(vr[cur]))) + safe.Text(string(vr[cur+1:]))
	} else {
		line = safe.Text(vis) + th.Render(themes.Selected, " ")
	}
	out = append(out, fit(label+line, w))
	if len(out) > h {
		out = out[len(out)-h:]
	}
	return out
}

func (p *Pane) resultView(w, h int) []string {
	th := p.ctx.Theme
	r := p.result
	kind := "instant"
	if r.rangeQ {
		kind = "range " + formatRange(p.rng())
	}
	mode := "table"
	if r.chart {
		mode = "chart"
	}
	head := fit(th.Render(themes.Muted, fmt.Sprintf("%s query as %s · t: table/chart · e: edit · esc: back", kind, mode)), w)
	pn := *r.panel
	pn.Type = "table"
	if r.chart {
		pn.Type = "timeseries"
	}
	d := r.data
	if r.loading {
		d = nil
	}
	if d != nil && pn.Type == "timeseries" && !r.rangeQ {
		// An instant result has one point per series: a chart needs a range.
		pn.Type = "bargauge"
	}
	if d != nil && pn.Type == "table" && r.rangeQ {
		// Range data as a table: the last value of each series.
		pn.Columns = nil
	}
	return append([]string{head}, renderPanelAt(&pn, d, r.query, true, w, h-1, p.rowOff, p.now(), th)...)
}
