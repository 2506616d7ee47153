// Package alerts is the Alerts pane: what fires now across the configured
// Alertmanagers (de-duplicated by fingerprint), grouped by alertname or a
// chosen label, most severe first, with state (active, silenced, inhibited
// and by whom), age, host, summary and runbook. One key opens a silence form
// prefilled from the alert with a live preview; others jump to the host's
// compute, panels and logs panes.
package alerts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/silences"
)

const loadTimeout = 15 * time.Second

// GroupBy choices, cycled by alerts.group_by; "" means no grouping.
var GroupBy = []string{"alertname", "host", "severity", ""}

// identLabels distinguish alerts of one alertname (shown next to it).
var identLabels = []string{"ceph_daemon", "service", "mountpoint", "instance_name", "name", "device", "job"}

// Options tune the pane.
type Options struct {
	Author string // default silence author; the OS user when empty
}

// Pane is the alerts pane.
type Pane struct {
	ctx    pane.Context
	src    silences.Source
	author string
	tbl    *table.Model

	alerts   []alertmanager.Alert
	byFP     map[string]int
	silences map[string]alertmanager.Silence
	sources  alertmanager.Sources

	groupBy        int
	hideSuppressed bool
	filterText     string
	query          filter.Query

	form *silences.Form

	loading     bool
	updated     time.Time
	lastAttempt time.Time
	err         error
	silErr      error
}

// New makes the pane.
func New(ctx pane.Context, src silences.Source, o Options) *Pane {
	if o.Author == "" {
		o.Author = silences.DefaultAuthor()
	}
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	return &Pane{ctx: ctx, src: src, author: o.Author, tbl: table.New(
		table.Column{Title: "SEV", Width: 4},
		table.Column{Title: "STATE", Width: 9},
		table.Column{Title: "AGE", Width: 4, Right: true},
		table.Column{Title: "ALERT", Min: 14},
		table.Column{Title: "HOST", Width: 10},
		table.Column{Title: "SUMMARY", Min: 12, HideBelow: 72},
		table.Column{Title: "AM", Width: 3, Right: true, HideBelow: 110},
	)}
}

func (p *Pane) ID() string          { return "alerts" }
func (p *Pane) Title() string       { return "Alerts" }
func (p *Pane) KeyGroups() []string { return []string{"alerts", "table"} }
func (p *Pane) Capturing() bool     { return p.form != nil }
func (p *Pane) Init() tea.Cmd       { return p.load() }
func (p *Pane) Refresh() tea.Cmd    { return p.load() }

// Form is the open silence form (nil when closed).
func (p *Pane) Form() *silences.Form { return p.form }

// Alerts returns the loaded alerts.
func (p *Pane) Alerts() []alertmanager.Alert { return p.alerts }

// Back closes the silence form.
func (p *Pane) Back() bool {
	if p.form != nil {
		p.form = nil
		return true
	}
	return false
}

// Status reports freshness and which Alertmanagers answered.
func (p *Pane) Status() pane.Status {
	st := pane.Status{Updated: p.updated, Loading: p.loading, Err: p.err}
	notes := p.sources.Notes(p.err)
	if p.hideSuppressed {
		notes = append(notes, "suppressed hidden")
	}
	st.Note = strings.Join(notes, "; ")
	return st
}

// SetFilter applies "/" text: label terms (severity=critical,
// host=compute03, alertname:Ceph*), @state=active|suppressed|silenced|
// inhibited, @alertmanager=..., @receiver=..., free text.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	q := filter.Parse(p.filterText)
	for i, t := range q.Terms {
		if t.Field == "@state" && (t.Value == "silenced" || t.Value == "inhibited") {
			q.Terms[i] = filter.Term{Field: "@" + t.Value, Value: "true", Exact: true, Negate: t.Negate}
		}
	}
	p.query = q
	p.apply()
}

// Pivot opens the pane filtered: "host=compute04", "host:compute04".
func (p *Pane) Pivot(query string) tea.Cmd {
	p.form = nil
	p.SetFilter(query)
	return p.load()
}

type loadedMsg struct {
	alerts   alertmanager.AlertsResult
	silences []alertmanager.Silence
	silErr   error
	err      error
	asOf     time.Time // non-zero: a shared answer's time (serve)
}

// LoadKey lets the shell drop an older answer that lands after a newer one.
func (loadedMsg) LoadKey() string { return "alerts" }

func (p *Pane) load() tea.Cmd {
	if p.loading || p.src == nil {
		return nil
	}
	p.loading = true
	p.lastAttempt = p.ctx.Now()
	src := p.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		ar, err := src.Alerts(ctx, alertmanager.AlertFilter{})
		if err != nil {
			return loadedMsg{alerts: ar, err: err} // Sources say which instance failed
		}
		sr, serr := src.Silences(ctx, nil)
		return loadedMsg{alerts: ar, silences: sr.Silences, silErr: serr, asOf: age.Oldest()}
	}
}

// observation is the firing alerts, for the host model.
func (p *Pane) observation() hostmodel.Observation {
	return hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Alerts, At: p.updated, Facts: hostmodel.FromAlerts(p.alerts)}
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		p.loading = false
		if m.err != nil {
			p.err = m.err
			// "0/2 alertmanagers", not the last success's "2/2".
			if len(m.alerts.Sources) > 0 {
				p.sources = m.alerts.Sources
			}
			return p, p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Alerts, Err: m.err})
		}
		p.err = nil
		p.alerts, p.sources = m.alerts.Alerts, m.alerts.Sources
		p.byFP = make(map[string]int, len(p.alerts))
		for i, a := range p.alerts {
			p.byFP[a.Fingerprint] = i
		}
		if m.silErr == nil {
			p.silences = make(map[string]alertmanager.Silence, len(m.silences))
			for _, s := range m.silences {
				p.silences[s.ID] = s
			}
		}
		p.silErr = m.silErr
		p.updated = cadence.AsOf(p.ctx.Now(), m.asOf)
		if p.form != nil {
			p.form.SetAlerts(p.alerts)
		}
		p.apply()
		return p, p.ctx.Observe(p.observation())
	case pane.TickMsg:
		if !p.loading && p.ctx.Now().Sub(p.lastAttempt) >= p.ctx.Refresh {
			return p, p.load()
		}
		return p, nil
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "silence-") {
			p.loading = false
			return p, p.load()
		}
		return p, nil
	case tea.KeyPressMsg:
		return p, p.key(m)
	}
	return p, nil
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(msg tea.KeyPressMsg) tea.Cmd {
	if p.form != nil {
		switch p.form.Key(msg) {
		case silences.FormCancelled:
			p.form = nil
		case silences.FormSubmitted:
			s, _ := p.form.Silence()
			p.form = nil
			return pane.RunAction(silences.CreateAction(p.src, s))
		}
		return nil
	}
	k := msg.String()
	switch {
	case p.is(k, "alerts.silence"):
		return p.openForm()
	case p.is(k, "alerts.group_by"):
		p.groupBy = (p.groupBy + 1) % len(GroupBy)
		p.apply()
		return nil
	case p.is(k, "alerts.suppressed"):
		p.hideSuppressed = !p.hideSuppressed
		p.apply()
		return nil
	case p.is(k, "alerts.host") || p.is(k, "table.open"):
		return p.pivotHost("compute")
	case p.is(k, "alerts.instances"):
		return p.pivotHost("instances")
	case p.is(k, "alerts.containers"):
		return p.pivotHost("containers")
	case p.is(k, "alerts.agents"):
		return p.pivotHost("agents")
	case p.is(k, "alerts.panels"):
		return p.pivotHost("panels")
	case p.is(k, "alerts.logs"):
		return p.pivotHost("logs")
	case p.is(k, "alerts.silences"):
		q := ""
		if a, ok := p.current(); ok && len(a.Status.SilencedBy) > 0 {
			q = "id=" + a.Status.SilencedBy[0]
		} else if h := p.selectedHost(); h != "" {
			q = "host=" + h
		}
		return pane.Pivot("silences", q)
	case p.is(k, "alerts.runbook"):
		if a, ok := p.current(); ok {
			if u := a.Annotations["runbook_url"]; u != "" {
				return pane.Copy(u, safe.URL)
			}
			return pane.Toast(themes.Info, "this alert has no runbook_url")
		}
		return nil
	case p.is(k, "table.copy"):
		if a, ok := p.current(); ok {
			return pane.Copy(a.Fingerprint, safe.Line)
		}
		return nil
	case p.is(k, "global.refresh"):
		return p.load()
	case p.is(k, "table.down"):
		p.tbl.Move(1)
	case p.is(k, "table.up"):
		p.tbl.Move(-1)
	case p.is(k, "table.page_down"):
		p.tbl.Page(1)
	case p.is(k, "table.page_up"):
		p.tbl.Page(-1)
	case p.is(k, "table.top"):
		p.tbl.Top()
	case p.is(k, "table.bottom"):
		p.tbl.Bottom()
	case p.is(k, "table.sort_next"), p.is(k, "table.sort_prev"), p.is(k, "table.sort_reverse"):
		return pane.Toast(themes.Info, "alerts are ordered by severity, state and age within groups; "+p.ctx.KeyText("alerts.group_by")+" changes grouping")
	}
	return nil
}

// openForm opens the silence form for the selected alert (matchers from
// its identifying labels) or group (the group's label).
func (p *Pane) openForm() tea.Cmd {
	r, ok := p.tbl.Selected()
	if !ok {
		return pane.Toast(themes.Info, "no alert selected")
	}
	var ms alertmanager.Matchers
	title := "Silence "
	if strings.HasPrefix(r.Key, groupKeyPrefix) {
		label := GroupBy[p.groupBy]
		val := strings.TrimPrefix(r.Key, groupKeyPrefix)
		ms = alertmanager.Matchers{alertmanager.NewMatcher(label, alertmanager.OpEqual, val)}
		title += "group " + label + "=" + val
	} else {
		a, ok := p.current()
		if !ok {
			return nil
		}
		ms = PrefillMatchers(a)
		title += a.Name() + " on " + a.Host()
	}
	p.form = silences.NewForm(title, ms, p.author, p.ctx.Now, p.alerts)
	return nil
}

// PrefillMatchers picks the labels that identify an alert: alertname, its
// host (or instance), and a distinguishing label (OSD, service, mount).
func PrefillMatchers(a alertmanager.Alert) alertmanager.Matchers {
	names := []string{"alertname"}
	switch {
	case a.Labels["host"] != "":
		names = append(names, "host")
	case a.Labels["hostname"] != "":
		names = append(names, "hostname")
	case a.Labels["instance"] != "":
		names = append(names, "instance")
	}
	for _, l := range identLabels {
		if l == "job" {
			continue
		}
		if a.Labels[l] != "" {
			names = append(names, l)
			break
		}
	}
	return alertmanager.MatchersFromLabels(a.Labels, names...)
}

func (p *Pane) selectedHost() string {
	r, ok := p.tbl.Selected()
	if !ok {
		return ""
	}
	if strings.HasPrefix(r.Key, groupKeyPrefix) {
		if GroupBy[p.groupBy] == "host" {
			return strings.TrimPrefix(r.Key, groupKeyPrefix)
		}
		// A group on one host pivots to it.
		host := ""
		for _, a := range p.visibleGroup(strings.TrimPrefix(r.Key, groupKeyPrefix)) {
			if host != "" && a.Host() != host {
				return ""
			}
			host = a.Host()
		}
		return host
	}
	a, _ := p.current()
	return a.Host()
}

func (p *Pane) pivotHost(to string) tea.Cmd {
	h := p.selectedHost()
	if h == "" {
		return pane.Toast(themes.Info, "this alert names no single host")
	}
	return pane.Pivot(to, "host:"+h)
}

func (p *Pane) current() (alertmanager.Alert, bool) {
	r, ok := p.tbl.Selected()
	if !ok {
		return alertmanager.Alert{}, false
	}
	i, ok := p.byFP[r.Key]
	if !ok {
		return alertmanager.Alert{}, false
	}
	return p.alerts[i], true
}

const groupKeyPrefix = "group\x00"

func (p *Pane) fields(a alertmanager.Alert) map[string]string {
	f := make(map[string]string, len(a.Labels)+8)
	for k, v := range a.Labels {
		f[strings.ToLower(k)] = v
	}
	if _, ok := f["host"]; !ok {
		f["host"] = a.Host()
	}
	f["summary"] = a.Annotations["summary"]
	f["description"] = a.Annotations["description"]
	state := a.Status.State
	if state == "" {
		state = "active"
	}
	f["@state"] = state
	f["@silenced"] = fmt.Sprint(a.Silenced())
	f["@inhibited"] = fmt.Sprint(a.Inhibited())
	f["@alertmanager"] = strings.Join(a.Instances, ",")
	f["@fingerprint"] = a.Fingerprint
	var rs []string
	for _, r := range a.Receivers {
		rs = append(rs, r.Name)
	}
	f["@receiver"] = strings.Join(rs, ",")
	return f
}

func (p *Pane) visible() []alertmanager.Alert {
	var out []alertmanager.Alert
	for _, a := range p.alerts {
		if p.hideSuppressed && (a.Silenced() || a.Inhibited() || a.Status.State == "suppressed") {
			continue
		}
		if !p.query.Empty() && !p.query.Match(p.fields(a)) {
			continue
		}
		out = append(out, a)
	}
	return out
}

func groupValue(a alertmanager.Alert, label string) string {
	switch label {
	case "host":
		return a.Host()
	case "severity":
		return a.Severity()
	}
	return a.Labels[label]
}

func (p *Pane) visibleGroup(val string) []alertmanager.Alert {
	var out []alertmanager.Alert
	for _, a := range p.visible() {
		if groupValue(a, GroupBy[p.groupBy]) == val {
			out = append(out, a)
		}
	}
	return out
}

func stateRank(a alertmanager.Alert) int {
	switch {
	case a.Silenced():
		return 2
	case a.Inhibited() || a.Status.State == "suppressed":
		return 1
	}
	return 0
}

// item is a visible alert with its sort keys computed once.
type item struct {
	a     *alertmanager.Alert
	sev   int
	state int
	host  string
	ident string
}

func newItem(a *alertmanager.Alert) *item {
	return &item{a: a, sev: silences.SeverityRank(a.Severity()), state: stateRank(*a), host: a.Host(), ident: ident(*a)}
}

// compareItems orders alerts most severe first, firing before suppressed,
// oldest first, then by host and identifying label.
func compareItems(x, y *item) int {
	if c := cmp.Compare(x.sev, y.sev); c != 0 {
		return c
	}
	if c := cmp.Compare(x.state, y.state); c != 0 {
		return c
	}
	if c := x.a.StartsAt.Compare(y.a.StartsAt); c != 0 {
		return c
	}
	if c := cmp.Compare(x.host, y.host); c != 0 {
		return c
	}
	return cmp.Compare(x.ident, y.ident)
}

func ident(a alertmanager.Alert) string {
	for _, l := range identLabels {
		if l == "job" {
			continue
		}
		if v := a.Labels[l]; v != "" {
			return v
		}
	}
	return ""
}

func (p *Pane) alertRow(a alertmanager.Alert, indent string) table.Row {
	sev, role := silences.SeverityLabel(a.Severity())
	state := silences.StateLabel(a)
	stRole := themes.Normal
	switch state {
	case "active":
		stRole = role
	default:
		stRole = themes.Muted
	}
	name := indent + a.Name()
	if id := ident(a); id != "" {
		name += " " + id
	}
	age := p.ctx.Now().Sub(a.StartsAt)
	row := table.Row{Key: a.Fingerprint, Cells: []table.Cell{
		{Text: sev, Role: role, Sort: fmt.Sprint(silences.SeverityRank(a.Severity()))},
		{Text: state, Role: stRole},
		{Text: pane.Age(age), Sort: fmt.Sprint(int64(age / time.Second))},
		table.C(name),
		table.C(a.Host()),
		table.C(a.Annotations["summary"]),
		table.C(fmt.Sprintf("%d/%d", len(a.Instances), len(p.sources))),
	}}
	if state != "active" {
		row.Role = themes.Muted
	}
	return row
}

func (p *Pane) apply() {
	vis := p.visible()
	items := make([]*item, len(vis))
	for i := range vis {
		items[i] = newItem(&vis[i])
	}
	label := GroupBy[p.groupBy]
	rows := make([]table.Row, 0, len(items)+8)
	if label == "" {
		slices.SortStableFunc(items, compareItems)
		for _, it := range items {
			rows = append(rows, p.alertRow(*it.a, ""))
		}
		p.tbl.SetRows(rows)
		return
	}
	type group struct {
		name  string
		items []*item
		worst int
		// worstActive is the worst severity still firing: a group whose
		// critical alert is silenced is not a critical group any more.
		worstActive int
		active      int
		oldest      time.Time
		hosts       map[string]bool
	}
	byName := map[string]*group{}
	var groups []*group
	for _, it := range items {
		v := groupValue(*it.a, label)
		g := byName[v]
		if g == nil {
			g = &group{name: v, worst: 9, worstActive: 9, oldest: it.a.StartsAt, hosts: map[string]bool{}}
			byName[v] = g
			groups = append(groups, g)
		}
		g.items = append(g.items, it)
		g.worst = min(g.worst, it.sev)
		if it.state == 0 {
			g.active++
			g.worstActive = min(g.worstActive, it.sev)
		}
		if it.a.StartsAt.Before(g.oldest) {
			g.oldest = it.a.StartsAt
		}
		g.hosts[it.host] = true
	}
	for _, g := range groups {
		if g.active > 0 {
			g.worst = g.worstActive
		}
	}
	slices.SortStableFunc(groups, func(x, y *group) int {
		if (x.active > 0) != (y.active > 0) {
			if x.active > 0 {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(x.worst, y.worst); c != 0 {
			return c
		}
		if c := cmp.Compare(len(y.items), len(x.items)); c != 0 {
			return c
		}
		return cmp.Compare(x.name, y.name)
	})
	for _, g := range groups {
		slices.SortStableFunc(g.items, compareItems)
		sev, role := silences.SeverityLabel([]string{"critical", "warning", "info", "other", ""}[min(g.worst, 4)])
		if g.worst == 3 {
			sev, role = "OTHR", themes.Normal
		}
		host := g.items[0].host
		if len(g.hosts) > 1 {
			host = fmt.Sprintf("%d hosts", len(g.hosts))
		}
		title := g.name
		if title == "" {
			title = "(no " + label + ")"
		}
		summary := fmt.Sprintf("%d alert(s)", len(g.items))
		if sup := len(g.items) - g.active; sup > 0 {
			summary += fmt.Sprintf(", %d suppressed", sup)
		}
		rows = append(rows, table.Row{Key: groupKeyPrefix + g.name, Role: themes.Title, Cells: []table.Cell{
			{Text: sev, Role: role},
			{Text: fmt.Sprintf("%d firing", g.active)},
			table.C(pane.Age(p.ctx.Now().Sub(g.oldest))),
			table.C("▾ " + label + "=" + title),
			table.C(host),
			table.C(summary),
			table.C(""),
		}})
		for _, it := range g.items {
			rows = append(rows, p.alertRow(*it.a, "  "))
		}
	}
	p.tbl.SetRows(rows)
}

// View renders the overview line, the grouped table and the selected
// alert's details (or the silence form while it is open).
func (p *Pane) View(width, height int) string {
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	if width < 1 || height < 1 {
		return ""
	}
	if p.form != nil {
		return p.form.View(width, height, th)
	}
	lines := []string{p.overview(width, th)}
	if p.err != nil {
		lines = append(lines, th.Render(themes.Crit, safe.Fit("✗ "+p.err.Error(), width)))
	} else if e := p.sources.Err(); e != nil {
		lines = append(lines, th.Render(themes.Warn, safe.Fit("! "+e.Error(), width)))
	}
	detail := 0
	if height >= 20 {
		detail = 7
	}
	rest := height - len(lines) - detail
	if rest < 3 {
		detail = 0
		rest = height - len(lines)
	}
	if rest > 0 {
		lines = append(lines, p.tbl.View(width, rest, th))
	}
	if detail > 0 {
		lines = append(lines, p.details(width, detail, th))
	}
	return strings.Join(lines, "\n")
}

func (p *Pane) overview(width int, th *themes.Theme) string {
	var crit, warn, info, other, firing, sil, inh int
	for _, a := range p.alerts {
		switch silences.SeverityRank(a.Severity()) {
		case 0:
			crit++
		case 1:
			warn++
		case 2:
			info++
		default:
			other++
		}
		switch {
		case a.Silenced():
			sil++
		case a.Inhibited():
			inh++
		default:
			firing++
		}
	}
	parts := []string{
		th.Render(themes.Title, "ALERTS"),
		th.Render(themes.Crit, fmt.Sprintf("CRIT %d", crit)),
		th.Render(themes.Warn, fmt.Sprintf("WARN %d", warn)),
		th.Render(themes.Info, fmt.Sprintf("INFO %d", info)),
	}
	tail := ""
	if other > 0 {
		tail += fmt.Sprintf(" other %d", other)
	}
	tail += fmt.Sprintf(" · firing %d · silenced %d · inhibited %d", firing, sil, inh)
	if len(p.sources) > 0 {
		tail += " · " + p.sources.Summary()
	}
	if g := GroupBy[p.groupBy]; g != "" {
		tail += " · by " + g
	}
	if p.filterText != "" {
		tail += " · filter: " + p.filterText
	}
	if p.hideSuppressed {
		tail += " · suppressed hidden"
	}
	switch {
	case p.updated.IsZero() && p.loading:
		tail += " · loading…"
	case p.updated.IsZero() && p.err == nil:
		tail += " · not loaded"
	}
	head := strings.Join(parts, " ")
	used := safe.Width(fmt.Sprintf("ALERTS CRIT %d WARN %d INFO %d", crit, warn, info))
	if used >= width {
		return safe.Fit(fmt.Sprintf("ALERTS CRIT %d WARN %d INFO %d", crit, warn, info), width)
	}
	return head + safe.Fit(tail, width-used)
}

func (p *Pane) details(width, height int, th *themes.Theme) string {
	sep := th.Render(themes.Border, strings.Repeat("─", width))
	a, ok := p.current()
	if !ok {
		r, isRow := p.tbl.Selected()
		if isRow && strings.HasPrefix(r.Key, groupKeyPrefix) {
			return sep + "\n" + th.Render(themes.Muted, safe.Fit("group selected: "+p.ctx.KeyText("alerts.silence")+" silences the whole group, enter/"+p.ctx.KeyText("alerts.host")+" jumps to its host", width)) +
				strings.Repeat("\n", max(height-2, 0))
		}
		return sep + strings.Repeat("\n", max(height-1, 0))
	}
	loc := p.ctx.Now().Location()
	sev, role := silences.SeverityLabel(a.Severity())
	// The alert's start is when it began firing, not when a silence or an
	// inhibition began: say so (the suppression line has the silence's own times).
	state, layout := silences.StateLabel(a), "2006-01-02 15:04:05"
	if state != "active" {
		state, layout = state+", firing", "01-02 15:04"
	}
	head := fmt.Sprintf("%s %s  %s since %s (%s)  on %s", sev, a.Name(), state,
		a.StartsAt.In(loc).Format(layout), pane.Age(p.ctx.Now().Sub(a.StartsAt)), strings.Join(a.Instances, ","))
	lines := []string{sep, th.Render(role, safe.Fit(head, width))}
	if s := p.suppression(a); s != "" {
		lines = append(lines, th.Render(themes.Info, safe.Fit(s, width)))
	}
	if v := a.Annotations["summary"]; v != "" {
		lines = append(lines, safe.Fit("summary: "+v, width))
	}
	if v := a.Annotations["description"]; v != "" {
		lines = append(lines, safe.Fit("description: "+v, width))
	}
	if v := a.Annotations["runbook_url"]; v != "" {
		lines = append(lines, safe.Fit("runbook: "+v, width))
	}
	var ls []string
	for _, n := range alertmanager.SortedLabelNames(a.Labels) {
		ls = append(ls, n+"="+a.Labels[n])
	}
	lines = append(lines, th.Render(themes.Muted, safe.Fit("labels: "+strings.Join(ls, " "), width)))
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// suppression explains who suppresses an alert: the inhibiting alerts by
// name and host, the silences by author, comment and end.
func (p *Pane) suppression(a alertmanager.Alert) string {
	var parts []string
	for _, fp := range a.Status.InhibitedBy {
		if i, ok := p.byFP[fp]; ok {
			src := p.alerts[i]
			parts = append(parts, fmt.Sprintf("inhibited by %s on %s [%s]", src.Name(), src.Host(), fp))
		} else {
			parts = append(parts, "inhibited by alert "+fp)
		}
	}
	for _, id := range a.Status.SilencedBy {
		if s, ok := p.silences[id]; ok {
			loc := p.ctx.Now().Location()
			parts = append(parts, fmt.Sprintf("silenced by %s (%s: %s) since %s until %s", shortID(id), s.CreatedBy, s.Comment,
				s.StartsAt.In(loc).Format("2006-01-02 15:04"), s.EndsAt.In(loc).Format("2006-01-02 15:04")))
		} else {
			parts = append(parts, "silenced by "+shortID(id))
		}
	}
	return strings.Join(parts, "; ")
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbl }
