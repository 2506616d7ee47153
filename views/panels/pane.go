// Package panels is the PromQL panels pane: a one-screen incident
// dashboard (stat, time series, bar gauge and table panels from YAML),
// host panels opened by pivot ("host:compute03"), time navigation and an
// ad-hoc PromQL prompt with completion from the server.
package panels

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is the part of the Prometheus client the pane uses.
type Source interface {
	Query(ctx context.Context, q string, t time.Time) (*prometheus.Result, error)
	QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (*prometheus.Result, error)
	LabelNames(ctx context.Context, matches []string, start, end time.Time) ([]string, error)
	LabelValues(ctx context.Context, label string, matches []string, start, end time.Time) ([]string, error)
}

// Options configure the pane.
type Options struct {
	// Dashboards to offer; the first is the default. Nil loads the shipped
	// ones plus DashboardDir/*.yaml.
	Dashboards   []*Dashboard
	DashboardDir string
	// QueryTimeout bounds every query (default 20s).
	QueryTimeout time.Duration
	// MinStep is the smallest range step (the scrape interval, default 15s).
	MinStep time.Duration
	// HistoryFile keeps ad-hoc queries across sessions ("" = memory only).
	HistoryFile string
	// SharedWindow: live ranges end on a step boundary and steps assume a
	// standard width, so the sessions of `stackpit serve` send identical
	// queries and the server answers them once.
	SharedWindow bool
}

// sharedWidth is the width steps assume under SharedWindow.
const sharedWidth = 120

// Pane is the panels pane.
type Pane struct {
	ctx     pane.Context
	src     Source
	opts    Options
	dashes  []*Dashboard
	loadErr []error

	dash   int
	vars   map[string]string
	data   []*panelData
	gen    int
	focus  int
	zoom   bool
	scroll int
	rowOff int // rows scrolled in a zoomed panel or an ad-hoc result

	rangeIdx    int
	offset      time.Duration // how far back from now the window ends
	paused      bool
	lastRefresh time.Time
	widths      []int // chart widths at last render, for the step

	filterText string
	filter     filter.Query

	prompt   *prompt
	result   *adhoc
	complete completion
}

// New builds the pane.
func New(ctx pane.Context, src Source, o Options) *Pane {
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = 20 * time.Second
	}
	if o.MinStep <= 0 {
		o.MinStep = 15 * time.Second
	}
	p := &Pane{ctx: ctx, src: src, opts: o, vars: map[string]string{}}
	p.complete.history = loadHistory(o.HistoryFile)
	p.dashes = o.Dashboards
	if p.dashes == nil {
		p.dashes, p.loadErr = LoadDashboards(o.DashboardDir)
	}
	p.selectDashboard(0)
	return p
}

func (p *Pane) now() time.Time {
	if p.ctx.Now != nil {
		return p.ctx.Now()
	}
	return time.Now()
}

func (p *Pane) cur() *Dashboard {
	if len(p.dashes) == 0 {
		return nil
	}
	return p.dashes[p.dash]
}

func (p *Pane) selectDashboard(i int) {
	if len(p.dashes) == 0 {
		return
	}
	p.dash = (i + len(p.dashes)) % len(p.dashes)
	d := p.cur()
	for k, v := range d.Variables {
		if _, set := p.vars[k]; !set {
			p.vars[k] = v
		}
	}
	p.rangeIdx = 1
	for i, r := range Ranges {
		if r == d.rng {
			p.rangeIdx = i
		}
	}
	p.gen++
	p.data = make([]*panelData, len(d.Panels))
	p.widths = make([]int, len(d.Panels))
	p.focus, p.scroll, p.zoom = 0, 0, false
}

func (p *Pane) ID() string    { return "panels" }
func (p *Pane) Title() string { return "Panels" }

func (p *Pane) KeyGroups() []string { return []string{"panels", "table"} }

func (p *Pane) Init() tea.Cmd { return p.refreshAll() }

func (p *Pane) Capturing() bool { return p.prompt != nil }

var (
	_ pane.Pane      = (*Pane)(nil)
	_ pane.Pivoter   = (*Pane)(nil)
	_ pane.Backer    = (*Pane)(nil)
	_ pane.Refresher = (*Pane)(nil)
)

func (p *Pane) rng() time.Duration { return Ranges[p.rangeIdx] }

func (p *Pane) templateVars() map[string]string {
	v := make(map[string]string, len(p.vars)+1)
	for k, x := range p.vars {
		v[k] = x
	}
	v["range"] = formatRange(p.rng())
	return v
}

func formatRange(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	default:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
}

// SetFilter narrows multi-series panels to series whose labels match.
func (p *Pane) SetFilter(text string) {
	p.filterText = text
	p.filter = filter.Parse(text)
}

// Pivot opens a host's panels: "host:compute03" or "compute03"; "" goes
// back to the default dashboard.
func (p *Pane) Pivot(query string) tea.Cmd {
	host := ""
	for _, t := range filter.Parse(query).Terms {
		if t.Field == "host" || t.Field == "hostname" || t.Field == "" {
			host = t.Value
		}
	}
	if host == "" {
		p.selectDashboard(0)
		return p.refreshAll()
	}
	p.vars["host"] = strings.TrimSuffix(host, ":9100")
	for i, d := range p.dashes {
		if d.Name == "host" {
			p.selectDashboard(i)
			return p.refreshAll()
		}
	}
	return pane.Toast(themes.Warn, "no dashboard named \"host\" to show host panels")
}

// Status reports the newest data age, loading and the first failure.
func (p *Pane) Status() pane.Status {
	var st pane.Status
	if d := p.cur(); d != nil && !p.paused {
		st.Every = d.refresh
	}
	failed := 0
	var first error
	for _, d := range p.data {
		if d == nil {
			st.Loading = true
			continue
		}
		if d.loading {
			st.Loading = true
		}
		if d.err != nil {
			failed++
			if first == nil {
				first = d.err
			}
		}
		// A failed attempt is not data: only good data (or the last good
		// data kept under an error) gives the pane its age.
		if d.updated.After(st.Updated) && (d.err == nil || d.stale) {
			st.Updated = d.updated
		}
	}
	if first != nil {
		st.Err = fmt.Errorf("%d of %d panels failed: %w", failed, len(p.data), first)
	}
	var notes []string
	if p.paused {
		notes = append(notes, "paused")
	}
	if p.offset > 0 {
		notes = append(notes, formatRange(p.offset)+" ago")
	}
	if len(p.loadErr) > 0 {
		notes = append(notes, fmt.Sprintf("%d dashboard file(s) broken: %v", len(p.loadErr), p.loadErr[0]))
	}
	st.Note = strings.Join(notes, ", ")
	return st
}

// --- loading ---

// loadedMsg carries one panel's new data.
type loadedMsg struct {
	gen, idx int64
	data     panelData
}

func (p *Pane) refreshAll() tea.Cmd {
	d := p.cur()
	if d == nil || p.src == nil {
		return nil
	}
	p.lastRefresh = p.now()
	cmds := make([]tea.Cmd, 0, len(d.Panels))
	for i := range d.Panels {
		if c := p.load(i); c != nil {
			cmds = append(cmds, c)
		}
	}
	return tea.Batch(cmds...)
}

func (p *Pane) window() (start, end time.Time, live bool) {
	end = p.now().Add(-p.offset)
	if p.opts.SharedWindow && p.offset == 0 {
		end = end.Truncate(prometheus.StepFor(p.rng(), sharedWidth, p.opts.MinStep))
	}
	return end.Add(-p.rng()), end, p.offset == 0
}

func (p *Pane) load(i int) tea.Cmd {
	d := p.cur()
	pn := d.Panels[i]
	if p.data[i] == nil {
		p.data[i] = &panelData{}
	}
	if p.data[i].loading {
		return nil
	}
	p.data[i].loading, p.data[i].since = true, p.now()
	start, end, live := p.window()
	w := p.widths[i]
	if w <= 0 {
		w = 60
	}
	if p.opts.SharedWindow {
		w = sharedWidth
	}
	step := prometheus.StepFor(end.Sub(start), w, p.opts.MinStep)
	vars := p.templateVars()
	src, timeout, gen, every := p.src, p.opts.QueryTimeout, int64(p.gen), d.refresh
	now := p.now()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(cadence.With(context.Background(), every), timeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		out := fetchPanel(ctx, src, pn, vars, start, end, step, live)
		out.updated, out.every = age.At(now), every
		return loadedMsg{gen: gen, idx: int64(i), data: out}
	}
}

// fetchPanel runs a panel's queries (off the UI goroutine).
func fetchPanel(ctx context.Context, src Source, pn *Panel, vars map[string]string, start, end time.Time, step time.Duration, live bool) panelData {
	out := panelData{start: start, end: end, step: step}
	at := end
	if live {
		at = time.Time{} // the server's now: no clock skew
	}
	for ti := range pn.Targets {
		tg := &pn.Targets[ti]
		q := tg.Expr
		if !tg.raw {
			var err error
			if q, err = Expand(tg.Expr, vars); err != nil {
				out.err = err
				return out
			}
		}
		var r *prometheus.Result
		var err error
		if pn.Type == "timeseries" {
			r, err = src.QueryRange(ctx, q, start, end, step)
		} else {
			r, err = src.Query(ctx, q, at)
		}
		if err != nil {
			out.err = err
			return out
		}
		var ages map[string]time.Duration
		if pn.Type == "table" && len(r.Series) > 0 {
			ages = sampleAges(ctx, src, q, at)
		}
		for _, s := range r.Series {
			name := tg.legend(s.Labels)
			if name == "" {
				name = prometheus.LabelString(s.Labels)
			}
			age, ok := ages[seriesKey(s.Labels)]
			if !ok {
				age = -1
			}
			out.series = append(out.series, series{name: name, labels: s.Labels, points: s.Points, age: age})
		}
	}
	if pn.Total != "" {
		q, err := Expand(pn.Total, vars)
		if err == nil {
			var r *prometheus.Result
			if r, err = src.Query(ctx, q, at); err == nil && len(r.Series) > 0 {
				v := r.Series[0].Last()
				out.total = &v
			}
		}
		out.totalErr = err
	}
	sortSeries(pn, out.series)
	limit := pn.Limit
	if limit <= 0 {
		limit = map[string]int{"timeseries": 8, "bargauge": 40, "table": 500, "stat": 1000}[pn.Type]
	}
	if len(out.series) > limit {
		out.dropped = len(out.series) - limit
		out.series = out.series[:limit]
	}
	return out
}

// sampleAges asks Prometheus for timestamp() of the same expression: per
// series, how old its sample was at evaluation. A failure leaves the ages
// unknown ("?"), never zero.
func sampleAges(ctx context.Context, src Source, q string, at time.Time) map[string]time.Duration {
	r, err := src.Query(ctx, "timestamp("+q+")", at)
	if err != nil {
		return nil
	}
	out := make(map[string]time.Duration, len(r.Series))
	for _, s := range r.Series {
		if len(s.Points) == 0 {
			continue
		}
		p := s.Points[len(s.Points)-1]
		sampled := time.Unix(0, int64(p.V*float64(time.Second)))
		out[seriesKey(s.Labels)] = max(p.T.Sub(sampled), 0)
	}
	return out
}

// seriesKey identifies a series across an expression and its timestamp()
// (which drops the metric name).
func seriesKey(l map[string]string) string {
	if _, named := l["__name__"]; named {
		c := make(map[string]string, len(l))
		for k, v := range l {
			if k != "__name__" {
				c[k] = v
			}
		}
		l = c
	}
	return prometheus.LabelString(l)
}

func sortSeries(pn *Panel, ss []series) {
	val := func(s series) float64 {
		v := s.last()
		if math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	switch pn.Sort {
	case "name":
		sort.SliceStable(ss, func(a, b int) bool { return ss[a].name < ss[b].name })
	case "asc":
		sort.SliceStable(ss, func(a, b int) bool {
			if val(ss[a]) != val(ss[b]) {
				return val(ss[a]) < val(ss[b])
			}
			return ss[a].name < ss[b].name
		})
	default:
		sort.SliceStable(ss, func(a, b int) bool {
			if val(ss[a]) != val(ss[b]) {
				return val(ss[a]) > val(ss[b])
			}
			return ss[a].name < ss[b].name
		})
	}
}

// --- update ---

func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		if m.gen != int64(p.gen) || int(m.idx) >= len(p.data) {
			return p, nil
		}
		nd := m.data
		// A failed refresh keeps the last good data (and its time) under
		// the error: a dead Prometheus must not blank the dashboard.
		if old := p.data[m.idx]; nd.err != nil && old != nil && !old.updated.IsZero() && (old.err == nil || old.stale) {
			kept := *old
			kept.err, kept.stale, kept.loading = nd.err, true, false
			nd = kept
		}
		p.data[m.idx] = &nd
		return p, p.observe(int(m.idx), &nd)
	case adhocMsg:
		return p, p.adhocDone(m)
	case completionMsg:
		p.complete.merge(m)
		return p, nil
	case pane.TickMsg:
		if p.paused || p.cur() == nil {
			return p, nil
		}
		if p.now().Sub(p.lastRefresh) >= p.cur().refresh {
			return p, p.refreshAll()
		}
		return p, nil
	case tea.KeyPressMsg:
		if p.prompt != nil {
			return p, p.promptKey(m)
		}
		return p, p.key(m.String())
	}
	return p, nil
}

func (p *Pane) is(key, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(key, action) }

func (p *Pane) key(k string) tea.Cmd {
	d := p.cur()
	switch {
	case p.is(k, "panels.query"):
		return p.openPrompt()
	case p.result != nil && p.is(k, "panels.mode"):
		p.result.chart = !p.result.chart
		return nil
	case p.is(k, "global.back"):
		if !p.Back() && p.dash != 0 {
			p.selectDashboard(0)
			return p.refreshAll()
		}
		return nil
	case p.is(k, "global.refresh"):
		return p.Refresh()
	case d == nil:
		return nil
	case (p.zoom || p.result != nil) && p.is(k, "table.down"):
		p.rowOff++
	case (p.zoom || p.result != nil) && p.is(k, "table.up"):
		p.rowOff = max(p.rowOff-1, 0)
	case (p.zoom || p.result != nil) && p.is(k, "table.page_down"):
		p.rowOff += 10
	case (p.zoom || p.result != nil) && p.is(k, "table.page_up"):
		p.rowOff = max(p.rowOff-10, 0)
	case (p.zoom || p.result != nil) && p.is(k, "table.top"):
		p.rowOff = 0
	case p.is(k, "table.down"):
		p.focus = min(p.focus+1, len(d.Panels)-1)
	case p.is(k, "table.up"):
		p.focus = max(p.focus-1, 0)
	case p.is(k, "table.top"):
		p.focus = 0
	case p.is(k, "table.bottom"):
		p.focus = len(d.Panels) - 1
	case p.is(k, "panels.zoom"), p.is(k, "table.open"):
		p.zoom = !p.zoom
		p.rowOff = 0
	case p.is(k, "panels.range"):
		p.rangeIdx = (p.rangeIdx + 1) % len(Ranges)
		return p.reload()
	case p.is(k, "panels.back"):
		p.offset += p.rng() / 2
		return p.reload()
	case p.is(k, "panels.forward"):
		p.offset -= p.rng() / 2
		if p.offset < 0 {
			p.offset = 0
		}
		return p.reload()
	case p.is(k, "panels.now"):
		p.offset = 0
		return p.reload()
	case p.is(k, "panels.pause"):
		p.paused = !p.paused
		if !p.paused {
			return p.refreshAll()
		}
	case p.is(k, "panels.dashboard"):
		p.selectDashboard(p.dash + 1)
		return p.refreshAll()
	}
	return nil
}

// Back closes the ad-hoc result or the zoom (esc); false lets the shell
// go back in its own history.
func (p *Pane) Back() bool {
	switch {
	case p.result != nil:
		p.result = nil
	case p.zoom:
		p.zoom = false
	default:
		return false
	}
	return true
}

// Refresh reloads every panel now (ctrl+r).
func (p *Pane) Refresh() tea.Cmd { return p.reload() }

// reload drops in-flight results (new window) and loads everything.
func (p *Pane) reload() tea.Cmd {
	p.gen++
	for _, x := range p.data {
		if x != nil {
			x.loading = false
		}
	}
	return p.refreshAll()
}

// --- view ---

// title of the current dashboard with variables filled in.
func (p *Pane) dashTitle() string {
	d := p.cur()
	t, err := Expand(d.Title, p.vars)
	if err != nil {
		return d.Title
	}
	return t
}

func (p *Pane) headerLine(w int) string {
	th := p.ctx.Theme
	d := p.cur()
	when := "live"
	if p.offset > 0 {
		when = "ends " + formatRange(p.offset) + " ago"
	}
	parts := []string{th.Render(themes.Title, safe.Text(p.dashTitle())), "range " + formatRange(p.rng()), when}
	if p.paused {
		parts = append(parts, th.Render(themes.Warn, "⏸ PAUSED"))
	} else {
		parts = append(parts, "every "+d.refresh.String())
	}
	if p.filterText != "" {
		parts = append(parts, "filter "+safe.Text(p.filterText))
	}
	return fit(strings.Join(parts, th.Render(themes.Muted, " │ ")), w)
}

// View renders the dashboard (or the zoomed panel, or an ad-hoc result)
// with the prompt at the bottom while it is open.
func (p *Pane) View(w, h int) string {
	th := p.ctx.Theme
	if w <= 0 || h <= 0 {
		return ""
	}
	d := p.cur()
	if d == nil {
		msg := "no dashboards"
		if len(p.loadErr) > 0 {
			msg += ": " + p.loadErr[0].Error()
		}
		return th.Render(themes.Crit, safe.Fit(safe.Text(msg), w))
	}
	var bottom []string
	if p.prompt != nil {
		bottom = p.promptView(w, min(4, h-1))
	}
	bodyH := h - 1 - len(bottom)
	lines := []string{p.headerLine(w)}
	switch {
	case bodyH <= 0:
	case p.result != nil:
		lines = append(lines, p.resultView(w, bodyH)...)
	case p.zoom:
		pn := d.Panels[p.focus]
		p.widths[p.focus] = chartCells(pn, w)
		lines = append(lines, renderPanelAt(pn, p.visible(p.focus), pn.Title, true, w, bodyH, p.rowOff, p.now(), th)...)
	default:
		lines = append(lines, p.grid(w, bodyH)...)
	}
	for len(lines) < h-len(bottom) {
		lines = append(lines, strings.Repeat(" ", w))
	}
	lines = append(lines[:h-len(bottom)], bottom...)
	return strings.Join(lines, "\n")
}

// chartCells is the braille chart width of a panel w cells wide (for the
// step: one point per cell).
func chartCells(pn *Panel, w int) int {
	if pn.Type != "timeseries" {
		return w
	}
	return max(w-9, 8)
}

// visible is a panel's data narrowed by the "/" filter.
func (p *Pane) visible(i int) *panelData {
	d := p.data[i]
	if d != nil && p.cur() != nil && i < len(p.cur().Panels) && p.cur().Panels[i].Service != "" {
		if s := p.disagreement(p.cur().Panels[i]); s != "" {
			cp := *d
			cp.disagree = s
			d = &cp
		}
	}
	if d == nil || p.filter.Empty() || len(d.series) == 0 || p.cur().Panels[i].Type == "stat" {
		return d
	}
	cp := *d
	cp.series = nil
	for _, s := range d.series {
		if p.filter.Match(filterFields(s)) {
			cp.series = append(cp.series, s)
		}
	}
	return &cp
}

// observe publishes a service-count stat to the host model: "up" when
// the count is complete, else "down".
func (p *Pane) observe(i int, d *panelData) tea.Cmd {
	ds := p.cur()
	if ds == nil || i >= len(ds.Panels) {
		return nil
	}
	pn := ds.Panels[i]
	if pn.Service == "" || pn.Type != "stat" {
		return nil
	}
	o := hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Prometheus, Scope: ds.Name + "/" + pn.Title, At: d.updated, Err: d.err}
	if d.err == nil && d.total != nil && len(d.series) > 0 {
		v := d.series[0].last()
		f := hostmodel.Fact{Kind: hostmodel.Service, Name: pn.Service, State: hostmodel.Up,
			Detail: pn.valueText(v) + "/" + pn.valueText(*d.total)}
		if v < *d.total {
			f.State = hostmodel.Down
		}
		o.Facts = append(o.Facts, f)
	}
	return p.ctx.Observe(o)
}

// disagreement: the hosts whose own API says the service is down while
// the stat counts it up.
func (p *Pane) disagreement(pn *Panel) string {
	cs := p.ctx.Hosts.ClusterConflicts(hostmodel.Prometheus, pn.Service)
	if len(cs) == 0 {
		return ""
	}
	b := cs[0].B
	s := string(b.Source) + ": " + cs[0].Host + " " + strings.ToUpper(b.State) + " " + pane.DataAge(p.now().Sub(b.At))
	if len(cs) > 1 {
		s += fmt.Sprintf(" (+%d)", len(cs)-1)
	}
	return s
}

func filterFields(s series) map[string]string {
	f := make(map[string]string, len(s.labels)+2)
	for k, v := range s.labels {
		f[strings.ToLower(k)] = v
	}
	if f["host"] == "" {
		if h := f["hostname"]; h != "" {
			f["host"] = h
		} else if in := f["instance"]; in != "" {
			f["host"] = portRE.ReplaceAllString(in, "")
		}
	}
	f["name"] = s.name
	return f
}

type placed struct{ idx, x, w, h int }

// layout flows panels into rows of the grid. Narrow screens widen panels
// (fewer per row); short screens keep a minimum height and scroll.
func layout(d *Dashboard, w, h int) [][]placed {
	cols := d.Columns
	k := 1
	for k < cols {
		ok := true
		for _, pn := range d.Panels {
			if min(cols, pn.W*k)*w/cols < 20 {
				ok = false
			}
		}
		if ok {
			break
		}
		k *= 2
	}
	var rows [][]placed
	var row []placed
	used := 0
	for i, pn := range d.Panels {
		pw := min(cols, pn.W*k)
		if used+pw > cols && len(row) > 0 {
			rows = append(rows, row)
			row, used = nil, 0
		}
		row = append(row, placed{idx: i, x: used, w: pw, h: pn.H})
		used += pw
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	// Heights: scale grid units to the screen, never below a minimum.
	units := 0
	for _, r := range rows {
		units += rowUnits(r)
	}
	out := make([][]placed, len(rows))
	usedH := 0
	for ri, r := range rows {
		u := rowUnits(r)
		rh := u * h / max(units, 1)
		if ri == len(rows)-1 && usedH+rh < h {
			rh = h - usedH
		}
		rh = max(rh, min(minRowHeight(d, r), h))
		usedH += rh
		x0 := 0
		for pi, pl := range r {
			x1 := (pl.x + pl.w) * w / cols
			if pi == len(r)-1 {
				x1 = w
			}
			pw := x1 - x0
			out[ri] = append(out[ri], placed{idx: pl.idx, x: x0, w: pw, h: rh})
			x0 = x1
		}
	}
	return out
}

func rowUnits(r []placed) int {
	u := 0
	for _, pl := range r {
		u = max(u, pl.h)
	}
	return u
}

func minRowHeight(d *Dashboard, r []placed) int {
	m := 2
	for _, pl := range r {
		switch d.Panels[pl.idx].Type {
		case "stat":
			m = max(m, 3)
		default:
			m = max(m, 4)
		}
	}
	return m
}

func (p *Pane) grid(w, h int) []string {
	d := p.cur()
	th := p.ctx.Theme
	rows := layout(d, w, h)
	// Scroll so the focused panel's row is on screen.
	focusRow := 0
	for ri, r := range rows {
		for _, pl := range r {
			if pl.idx == p.focus {
				focusRow = ri
			}
		}
	}
	if focusRow < p.scroll {
		p.scroll = focusRow
	}
	for {
		used := 0
		for ri := p.scroll; ri <= focusRow; ri++ {
			used += rows[ri][0].h
		}
		if used <= h || p.scroll >= focusRow {
			break
		}
		p.scroll++
	}
	var out []string
	now := p.now()
	for ri := p.scroll; ri < len(rows) && len(out) < h; ri++ {
		r := rows[ri]
		blocks := make([][]string, len(r))
		for k, pl := range r {
			pn := d.Panels[pl.idx]
			pw := pl.w
			if k < len(r)-1 {
				pw-- // one-cell gap
			}
			p.widths[pl.idx] = chartCells(pn, pw)
			blocks[k] = renderPanel(pn, p.visible(pl.idx), pn.Title, pl.idx == p.focus, pw, r[0].h, now, th)
		}
		for line := 0; line < r[0].h && len(out) < h; line++ {
			var b strings.Builder
			for k := range r {
				b.WriteString(blocks[k][line])
				if k < len(r)-1 {
					b.WriteByte(' ')
				}
			}
			out = append(out, b.String())
		}
	}
	if p.scroll > 0 && len(out) > 0 {
		out[0] = fit(th.Render(themes.Muted, fmt.Sprintf("↑ %d row(s) above", p.scroll)), w)
	}
	last := p.scroll
	n := 0
	for ri := p.scroll; ri < len(rows); ri++ {
		n += rows[ri][0].h
		if n <= h {
			last = ri
		}
	}
	if last < len(rows)-1 && len(out) == h {
		out[h-1] = fit(th.Render(themes.Muted, fmt.Sprintf("↓ %d more row(s): j/k to move", len(rows)-1-last)), w)
	}
	return out
}
