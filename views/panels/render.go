package panels

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// series is one displayed series: its legend name and points.
type series struct {
	name   string
	labels map[string]string
	points []prometheus.Point
	// age: how old the sample behind the value was when the query was
	// evaluated (timestamp() of the same expression); -1 when unknown. A
	// host that stopped reporting keeps its last value for Prometheus's
	// lookback window: the age is what tells it apart.
	age time.Duration
}

// staleSample: a value whose sample is older than this is greyed and
// marked; scrapes come every 15-60 s, so two minutes is a target that
// stopped reporting, not a slow scrape.
const staleSample = 2 * time.Minute

func (s series) last() float64 {
	if len(s.points) == 0 {
		return math.NaN()
	}
	return s.points[len(s.points)-1].V
}

// panelData is what a panel shows: the last good data, or an error.
type panelData struct {
	series     []series
	total      *float64
	totalErr   error
	err        error
	loading    bool
	updated    time.Time
	since      time.Time     // when the load in flight started
	every      time.Duration // the dashboard's refresh (0: ad-hoc)
	start, end time.Time
	step       time.Duration
	dropped    int // series beyond the top-N
	// stale: the last refresh failed (err) and series/updated are the last
	// good data, shown under the error with their age.
	stale bool
	// disagree: what the service's own API says against this stat
	// ("nova: compute04 DOWN <10s"), from the host model.
	disagree string
}

// fit pads or cuts a styled line to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := safe.Width(s)
	if n > w {
		s = safe.Truncate(s, w, "…")
		n = safe.Width(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

func levelRole(l Level) themes.Role {
	switch l {
	case LevelOK:
		return themes.OK
	case LevelWarn:
		return themes.Warn
	case LevelCrit:
		return themes.Crit
	}
	return themes.Normal
}

func (p *Panel) decimals() int {
	if p.Decimals != nil {
		return *p.Decimals
	}
	return -1
}

// valueText is a value as the panel shows it: mapped text or unit-formatted.
func (p *Panel) valueText(v float64) string {
	if len(p.Mappings) > 0 && !math.IsNaN(v) {
		if m, ok := p.Mappings[fmt.Sprintf("%g", v)]; ok {
			return m
		}
	}
	return FormatValue(v, p.Unit, p.decimals())
}

// renderPanel renders one panel into exactly h lines of w cells.
func renderPanel(p *Panel, d *panelData, title string, focused bool, w, h int, now time.Time, th *themes.Theme) []string {
	return renderPanelAt(p, d, title, focused, w, h, 0, now, th)
}

// renderPanelAt is renderPanel with bar/table rows scrolled by off (zoom
// and ad-hoc results); off is clamped.
func renderPanelAt(p *Panel, d *panelData, title string, focused bool, w, h, off int, now time.Time, th *themes.Theme) []string {
	if h <= 0 || w <= 0 {
		return nil
	}
	lines := make([]string, 0, h)
	lines = append(lines, panelHeader(title, d, focused, w, now, th))
	ch := h - 1
	var body []string
	switch {
	case ch <= 0:
	case d == nil || (d.updated.IsZero() && d.err == nil):
		body = []string{th.Render(themes.Muted, "loading…")}
	case d.err != nil && !d.stale:
		body = errorLines(d.err, w, ch, th)
	case d.stale && ch < 2:
		body = errorLines(d.err, w, ch, th)
	case d.stale:
		// The failure on one line, the last good data below it.
		body = append(errorLines(d.err, w, 1, th), renderBody(p, d, w, ch-1, off, th)...)
	case len(d.series) == 0:
		empty := p.Empty
		if empty == "" {
			empty = "no data"
		}
		body = []string{th.Render(themes.Muted, safe.Text(empty))}
	default:
		body = renderBody(p, d, w, ch, off, th)
	}
	for i := 0; i < ch; i++ {
		s := ""
		if i < len(body) {
			s = body[i]
		}
		lines = append(lines, fit(s, w))
	}
	return lines
}

// renderBody draws a panel's data in w x h.
func renderBody(p *Panel, d *panelData, w, h, off int, th *themes.Theme) []string {
	if len(d.series) == 0 {
		empty := p.Empty
		if empty == "" {
			empty = "no data"
		}
		return []string{th.Render(themes.Muted, safe.Text(empty))}
	}
	switch p.Type {
	case "stat":
		return renderStat(p, d, w, h, th)
	case "timeseries":
		return renderTimeseries(p, d, w, h, th)
	case "bargauge":
		return renderBars(p, d, w, h, off, th)
	case "table":
		return renderTable(p, d, w, h, off, th)
	}
	return nil
}

func panelHeader(title string, d *panelData, focused bool, w int, now time.Time, th *themes.Theme) string {
	mark := " "
	if focused {
		mark = "▶"
	}
	var right string
	switch {
	case d == nil:
	case d.loading && d.updated.IsZero():
		right = th.Render(themes.Muted, "…")
	case d.err != nil && d.stale && !d.updated.IsZero():
		// Failing, showing the last good data: how old it is.
		right = th.Render(themes.Crit, "✗ ERR "+pane.Age(now.Sub(d.updated)))
	case d.err != nil:
		right = th.Render(themes.Crit, "✗ ERR")
	case !d.updated.IsZero():
		right = pane.FreshAge(now.Sub(d.updated), d.every)
		if d.loading && now.Sub(d.since) >= pane.SlowRefresh {
			right = "↻" + right
		}
		right = th.Render(themes.Muted, right)
	}
	rw := safe.Width(right)
	tw := w - 1 - rw - 1
	if tw < 1 {
		right, rw, tw = "", 0, w-1
	}
	t := th.Render(themes.Title, safe.Fit(safe.Text(title), tw))
	if focused {
		t = th.Render(themes.Selected, safe.Fit(safe.Text(title), tw))
	}
	gap := w - 1 - safe.Width(t) - rw
	if gap < 0 {
		gap = 0
	}
	return mark + t + strings.Repeat(" ", gap) + right
}

func errorLines(err error, w, h int, th *themes.Theme) []string {
	txt := "✗ " + safe.Text(err.Error())
	var out []string
	rs := []rune(txt)
	for len(rs) > 0 && len(out) < h {
		n := 0
		cut := 0
		for cut < len(rs) && n+safe.Width(string(rs[cut])) <= w {
			n += safe.Width(string(rs[cut]))
			cut++
		}
		if cut == 0 {
			cut = 1
		}
		if len(out) == h-1 && cut < len(rs) {
			out = append(out, th.Render(themes.Crit, fit(string(rs), w)))
			break
		}
		out = append(out, th.Render(themes.Crit, string(rs[:cut])))
		rs = rs[cut:]
	}
	return out
}

// --- stat ---

var bigFont = map[rune][3]string{
	'0': {"█▀█", "█ █", "█▄█"}, '1': {"▀█ ", " █ ", "▄█▄"}, '2': {"▀▀█", "█▀▀", "█▄▄"},
	'3': {"▀▀█", " ▀█", "▄▄█"}, '4': {"█ █", "▀▀█", "  █"}, '5': {"█▀▀", "▀▀█", "▄▄█"},
	'6': {"█▀▀", "█▀█", "█▄█"}, '7': {"▀▀█", "  █", "  █"}, '8': {"█▀█", "█▀█", "█▄█"},
	'9': {"█▀█", "▀▀█", "▄▄█"}, '.': {" ", " ", "▄"}, '%': {"█ ▄", " █ ", "▀ █"},
	'/': {"  ▄", " █ ", "▀  "}, '-': {"   ", "▀▀▀", "   "}, ' ': {" ", " ", " "},
}

// bigText renders the numeric head of s in the 3-line font and the rest
// (a unit such as "GiB") small on the last line. ok=false if s has no
// numeric head.
func bigText(s string) ([3]string, int, bool) {
	var rows [3]string
	head := 0
	for _, r := range s {
		if _, ok := bigFont[r]; !ok {
			break
		}
		head++
	}
	rs := []rune(s)
	if head == 0 || !strings.ContainsAny(string(rs[:head]), "0123456789") {
		return rows, 0, false
	}
	for i, r := range rs[:head] {
		g := bigFont[r]
		for k := 0; k < 3; k++ {
			if i > 0 {
				rows[k] += " "
			}
			rows[k] += g[k]
		}
	}
	tail := string(rs[head:])
	w := safe.Width(rows[0])
	if tail != "" {
		rows[0] += strings.Repeat(" ", len([]rune(tail)))
		rows[1] += strings.Repeat(" ", len([]rune(tail)))
		rows[2] += tail
		w += len([]rune(tail))
	}
	return rows, w, true
}

func center(s string, w int) string {
	n := safe.Width(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", (w-n)/2) + s
}

func renderStat(p *Panel, d *panelData, w, h int, th *themes.Theme) []string {
	v := d.series[0].last()
	text := p.valueText(v)
	lvl := p.level(v)
	word := levelWord(lvl)
	if d.total != nil {
		text = p.valueText(v) + "/" + p.valueText(*d.total)
		missing := *d.total - v
		if missing > 0 {
			lvl = LevelCrit
			word = "✗ " + FormatValue(missing, "short", -1) + " DOWN"
		} else {
			lvl = LevelOK
			word = "✓ ALL UP"
		}
	}
	if len(p.Thresholds) == 0 && d.total == nil && len(p.Mappings) == 0 && p.Base == "" {
		word, lvl = "", LevelNone
	}
	role := levelRole(lvl)
	if role == themes.Normal {
		role = themes.Title
	}
	extra := ""
	if len(d.series) > 1 {
		extra = fmt.Sprintf(" (+%d series)", len(d.series)-1)
	}
	if d.totalErr != nil {
		extra += " (total: " + safe.Text(d.totalErr.Error()) + ")"
	}
	wordLine := th.Render(role, word) + th.Render(themes.Muted, extra)
	if d.disagree != "" {
		// Never "ALL UP" alone while the service's API says otherwise.
		wordLine += th.Render(themes.Warn, " ⚠ "+safe.Text(d.disagree))
	}
	if h >= 4 {
		if rows, bw, ok := bigText(text); ok && bw <= w {
			out := make([]string, 0, 4)
			for _, r := range rows {
				out = append(out, center(th.Render(role, r), w))
			}
			return append(out, center(wordLine, w))
		}
	}
	if h >= 2 {
		return []string{center(th.Render(role, safe.Text(text)), w), center(wordLine, w)}
	}
	return []string{th.Render(role, safe.Text(text)) + " " + wordLine}
}

// --- time series ---

var seriesRoles = []themes.Role{themes.Info, themes.OK, themes.Key, themes.Title, themes.Normal, themes.Muted}

func renderTimeseries(p *Panel, d *panelData, w, h int, th *themes.Theme) []string {
	ss := d.series
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, pt := range s.points {
			if !math.IsNaN(pt.V) && !math.IsInf(pt.V, 0) {
				ymin, ymax = math.Min(ymin, pt.V), math.Max(ymax, pt.V)
			}
		}
	}
	if math.IsInf(ymin, 1) {
		return []string{th.Render(themes.Muted, "no samples")}
	}
	thr, thrLvl, hasThr := p.thresholdLine()
	if hasThr && thr > ymax && thr <= ymax*3 {
		ymax = thr
	}
	if ymin > 0 {
		ymin = 0
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	ymax *= 1.05
	if p.Unit == "ratio" && ymax > 1 && ymax < 1.1 {
		ymax = 1
	}
	dec := p.decimals()
	top, bottom := FormatValue(ymax, p.Unit, dec), FormatValue(ymin, p.Unit, dec)
	aw := max(safe.Width(top), safe.Width(bottom))
	if hasThr {
		aw = max(aw, safe.Width(FormatValue(thr, p.Unit, dec))+1)
	}
	aw = min(aw, 10)
	cw := w - aw - 1
	// Compact: too small for a braille chart: one block sparkline per series.
	if h < 3 || cw < 8 {
		out := make([]string, 0, h)
		for i, s := range ss {
			if i >= h {
				break
			}
			vals := make([]float64, len(s.points))
			for k, pt := range s.points {
				vals[k] = pt.V
			}
			lv := FormatValue(s.last(), p.Unit, dec) + levelMark(p.level(s.last()))
			nw := min(12, w/3)
			sw := w - nw - safe.Width(lv) - 2
			out = append(out, safe.Pad(safe.Text(s.name), nw)+" "+th.Render(seriesRoles[i%len(seriesRoles)], blocks(vals, max(sw, 0), ymin, ymax))+" "+th.Render(levelRole(p.level(s.last())), lv))
		}
		return out
	}
	legendRows := min(len(ss), max(1, h/3))
	noteRow := 0
	if len(ss) > legendRows || d.dropped > 0 {
		noteRow = 1
		if legendRows > 1 {
			legendRows--
		}
	}
	chartRows := h - legendRows - noteRow
	if chartRows < 2 {
		chartRows, legendRows = 2, max(0, h-2)
	}
	// (the note then only replaces the last legend line for a top-N cut)
	span := d.end.Sub(d.start).Seconds()
	cs := make([]chartSeries, 0, len(ss))
	for i, s := range ss {
		c := chartSeries{role: seriesRoles[i%len(seriesRoles)], style: i}
		if len(ss) > 1 {
			c.mark = seriesLetter(i)
		}
		if span > 0 && d.step > 0 {
			c.gapX = 2.5 * d.step.Seconds() / span
		}
		for _, pt := range s.points {
			x := 0.0
			if span > 0 {
				x = pt.T.Sub(d.start).Seconds() / span
			}
			c.xs, c.ys = append(c.xs, x), append(c.ys, pt.V)
		}
		cs = append(cs, c)
	}
	var thrp *float64
	if hasThr {
		thrp = &thr
	}
	rows := plot(cs, cw, chartRows, ymin, ymax, thrp, levelRole(thrLvl), th)
	thrRow := -1
	if hasThr && thr >= ymin && thr <= ymax {
		thrRow = int(math.Round(float64(chartRows*4-1)*(1-(thr-ymin)/(ymax-ymin)))) / 4
	}
	out := make([]string, 0, h)
	for i, r := range rows {
		label := ""
		switch {
		case i == thrRow && i != 0 && i != chartRows-1:
			label = th.Render(levelRole(thrLvl), safe.PadLeft(FormatValue(thr, p.Unit, dec)+"┄", aw))
		case i == 0:
			label = safe.PadLeft(top, aw)
		case i == chartRows-1:
			label = safe.PadLeft(bottom, aw)
		default:
			label = strings.Repeat(" ", aw)
		}
		axis := "│"
		if i == thrRow {
			axis = th.Render(levelRole(thrLvl), "┤")
		}
		out = append(out, label+th.Render(themes.Muted, axis)+r)
	}
	// Legend: worst (highest) last value first.
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ss[idx[a]].last() > ss[idx[b]].last() })
	for k := 0; k < legendRows && k < len(idx); k++ {
		s := ss[idx[k]]
		v := s.last()
		lvl := p.level(v)
		val := FormatValue(v, p.Unit, dec)
		if lvl >= LevelWarn {
			val += " " + levelWord(lvl)
		}
		vw := safe.Width(val)
		nw := max(1, w-3-vw-1)
		out = append(out, th.Render(seriesRoles[idx[k]%len(seriesRoles)], seriesMarker(idx[k], len(ss))+" ")+safe.Pad(safe.Text(s.name), nw)+" "+th.Render(levelRole(lvl), val))
	}
	var notes []string
	if rest := len(ss) - legendRows; rest > 0 {
		notes = append(notes, fmt.Sprintf("+%d more in chart", rest))
	}
	if d.dropped > 0 {
		notes = append(notes, fmt.Sprintf("top %d of %d series by last value", len(ss), len(ss)+d.dropped))
	}
	if len(notes) > 0 {
		line := th.Render(themes.Muted, "  "+strings.Join(notes, " · "))
		if len(out) < h {
			out = append(out, line)
		} else if d.dropped > 0 {
			out[len(out)-1] = line
		}
	}
	return out
}

// --- bar gauge ---

func (p *Panel) fullScale(ss []series) float64 {
	switch {
	case p.Max > 0:
		return p.Max
	case p.Unit == "ratio":
		return 1
	case p.Unit == "percent":
		return 100
	}
	m := 0.0
	for _, s := range ss {
		if v := s.last(); !math.IsNaN(v) {
			m = math.Max(m, v)
		}
	}
	if m == 0 {
		m = 1
	}
	return m
}

func renderBars(p *Panel, d *panelData, w, h, off int, th *themes.Theme) []string {
	ss := d.series
	full := p.fullScale(ss)
	lw := 0
	vals := make([]string, len(ss))
	vw := 0
	for i, s := range ss {
		lw = max(lw, safe.Width(safe.Text(s.name)))
		vals[i] = p.valueText(s.last())
		vw = max(vw, safe.Width(vals[i]))
	}
	lw = min(lw, max(6, w/2-4))
	bw := w - lw - vw - 4
	off = max(0, min(off, len(ss)-(h-1)))
	n := len(ss) - off
	more := 0
	if n > h {
		more = n - (h - 1)
		n = h - 1
	}
	out := make([]string, 0, h)
	for i := off; i < off+n; i++ {
		s := ss[i]
		v := s.last()
		lvl := p.level(v)
		role := levelRole(lvl)
		if len(p.Thresholds) == 0 && p.Base == "" {
			role, lvl = themes.Info, LevelNone
		}
		bar := ""
		if bw >= 3 {
			f := v / full
			if math.IsNaN(f) || f < 0 {
				f = 0
			}
			if f > 1 {
				f = 1
			}
			k := int(f*float64(bw) + 0.5)
			bar = th.Render(role, strings.Repeat("█", k)) + th.Render(themes.Muted, strings.Repeat("░", bw-k)) + " "
		}
		out = append(out, safe.Pad(safe.Text(s.name), lw)+" "+bar+th.Render(role, safe.PadLeft(vals[i], vw))+" "+th.Render(role, levelMark(lvl)))
	}
	switch {
	case off > 0:
		out = append(out, th.Render(themes.Muted, fmt.Sprintf("+%d more (rows %d-%d of %d)", more, off+1, off+n, len(ss))))
	case more > 0:
		out = append(out, th.Render(themes.Muted, fmt.Sprintf("+%d more", more)))
	}
	return out
}

// --- table ---

func renderTable(p *Panel, d *panelData, w, h, off int, th *themes.Theme) []string {
	cols := p.Columns
	if len(cols) == 0 {
		seen := map[string]bool{}
		for _, s := range d.series {
			for k := range s.labels {
				if k != "__name__" && !seen[k] {
					seen[k] = true
					cols = append(cols, k)
				}
			}
		}
		sort.Strings(cols)
		if len(cols) == 0 {
			cols = []string{"series"}
		}
	}
	tcols := make([]table.Column, 0, len(cols)+1)
	for _, c := range cols {
		tcols = append(tcols, table.Column{Title: strings.ToUpper(c), Min: 6})
	}
	vw := 5
	for _, s := range d.series {
		vw = max(vw, safe.Width(p.valueText(s.last()))+2)
	}
	tcols = append(tcols, table.Column{Title: "VALUE", Width: vw, Right: true})
	withAge := false
	for _, s := range d.series {
		withAge = withAge || s.age >= 0
	}
	if withAge {
		tcols = append(tcols, table.Column{Title: "SAMPLE AGE", Width: 10, Right: true})
	}
	t := table.New(tcols...)
	widths := t.Widths(w)
	type row struct {
		cells []string
		role  themes.Role
		v     float64
		stale bool
	}
	rows := make([]row, 0, len(d.series))
	for _, s := range d.series {
		r := row{v: s.last()}
		for _, c := range cols {
			v := s.labels[c]
			if c == "series" && v == "" {
				v = s.name
			}
			r.cells = append(r.cells, v)
		}
		lvl := p.level(r.v)
		txt := p.valueText(r.v)
		if lvl >= LevelWarn {
			txt += " " + levelMark(lvl)
		}
		r.cells = append(r.cells, txt)
		r.role = levelRole(lvl)
		if withAge {
			// Relative to the query's evaluation, so it only changes when
			// the data reloads (a quiet screen stays quiet).
			switch {
			case s.age < 0:
				r.cells = append(r.cells, "?")
			case s.age > staleSample:
				r.cells = append(r.cells, pane.DataAge(s.age)+" stale")
				r.role, r.stale = themes.Muted, true
			default:
				r.cells = append(r.cells, pane.DataAge(s.age))
			}
		}
		rows = append(rows, r)
	}
	// Worst first, then by label text.
	sort.SliceStable(rows, func(a, b int) bool {
		if p.level(rows[a].v) != p.level(rows[b].v) {
			return p.level(rows[a].v) > p.level(rows[b].v)
		}
		return strings.Join(rows[a].cells, " ") < strings.Join(rows[b].cells, " ")
	})
	valueCol := len(cols)
	line := func(cells []string, valueRole themes.Role, stale bool) string {
		var parts []string
		for i, c := range cells {
			if widths[i] == 0 {
				continue
			}
			var txt string
			if tcols[i].Right {
				txt = safe.PadLeft(safe.Text(c), widths[i])
			} else {
				txt = safe.Pad(safe.Text(c), widths[i])
			}
			if i == valueCol && valueRole != themes.Normal && !stale {
				txt = th.Render(valueRole, txt)
			}
			parts = append(parts, txt)
		}
		if stale {
			// Greyed as a whole: its value is not the host's present.
			return th.Render(themes.Muted, strings.Join(parts, " "))
		}
		return strings.Join(parts, " ")
	}
	hdr := make([]string, len(tcols))
	for i, c := range tcols {
		hdr[i] = c.Title
	}
	out := []string{th.Render(themes.Header, line(hdr, themes.Normal, false))}
	off = max(0, min(off, len(rows)-(h-2)))
	n := len(rows) - off
	more := 0
	if n > h-1 {
		n = max(h-2, 0)
		more = len(rows) - off - n
	}
	for _, r := range rows[off : off+n] {
		out = append(out, line(r.cells, r.role, r.stale))
	}
	if more > 0 || off > 0 {
		out = append(out, th.Render(themes.Muted, fmt.Sprintf("rows %d-%d of %d (z zoom, j/k scroll when zoomed)", off+1, off+n, len(rows))))
	}
	return out
}
