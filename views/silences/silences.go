// Package silences is the Silences pane: every silence of the configured
// Alertmanagers (active, pending, expired) with its matchers, author,
// comment, when it ends and how many current alerts it hits; expire with
// confirmation, create from scratch (a maintenance window for a host). The
// silence form it shares with the alerts pane lives here too.
package silences

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

const loadTimeout = 15 * time.Second

// Options tune the pane.
type Options struct {
	Author string // default silence author; DefaultAuthor() when empty
}

// Pane is the silences pane.
type Pane struct {
	ctx    pane.Context
	src    Source
	author string
	tbl    *table.Model

	silences []alertmanager.Silence
	alerts   []alertmanager.Alert
	sources  alertmanager.Sources
	alertErr error

	hideExpired bool
	filterText  string
	selectID    string // a silence just created: select it once listed
	query       filter.Query

	form *Form

	loading     bool
	updated     time.Time
	lastAttempt time.Time
	err         error
}

// New makes the pane.
func New(ctx pane.Context, src Source, o Options) *Pane {
	if o.Author == "" {
		o.Author = DefaultAuthor()
	}
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	return &Pane{ctx: ctx, src: src, author: o.Author, tbl: table.New(
		table.Column{Title: "STATE", Width: 7},
		table.Column{Title: "MATCHERS", Min: 16},
		table.Column{Title: "HITS", Width: 4, Right: true, HideBelow: 70},
		table.Column{Title: "WHEN", Width: 16},
		table.Column{Title: "AUTHOR", Width: 10, HideBelow: 90},
		table.Column{Title: "COMMENT", Min: 10, HideBelow: 70},
		table.Column{Title: "ID", Width: 8, HideBelow: 110},
	)}
}

func (p *Pane) ID() string                       { return "silences" }
func (p *Pane) Title() string                    { return "Silences" }
func (p *Pane) KeyGroups() []string              { return []string{"silences", "table"} }
func (p *Pane) Capturing() bool                  { return p.form != nil }
func (p *Pane) Init() tea.Cmd                    { return p.load() }
func (p *Pane) Refresh() tea.Cmd                 { return p.load() }
func (p *Pane) FormOpen() *Form                  { return p.form }
func (p *Pane) Silences() []alertmanager.Silence { return p.silences }

// Back closes the form.
func (p *Pane) Back() bool {
	if p.form != nil {
		p.form = nil
		return true
	}
	return false
}

// Status reports freshness, partial answers of an HA set and errors.
func (p *Pane) Status() pane.Status {
	st := pane.Status{Updated: p.updated, Loading: p.loading, Err: p.err}
	notes := p.sources.Notes(p.err)
	if p.hideExpired {
		notes = append(notes, "expired hidden")
	}
	st.Note = strings.Join(notes, "; ")
	return st
}

// SetFilter applies "/" text: state=active, author=alice, host=compute04
// (a matcher of the silence), free text.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	p.apply()
}

// Pivot opens the pane filtered ("host=compute04", "id=<uuid>").
func (p *Pane) Pivot(query string) tea.Cmd {
	p.form = nil
	p.SetFilter(query)
	return p.load()
}

type loadedMsg struct {
	sil      alertmanager.SilencesResult
	alerts   []alertmanager.Alert
	alertErr error
	err      error
	asOf     time.Time // non-zero: a shared answer's time (serve)
}

// LoadKey lets the shell drop an older answer that lands after a newer one.
func (loadedMsg) LoadKey() string { return "silences" }

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
		sil, err := src.Silences(ctx, nil)
		if err != nil {
			return loadedMsg{sil: sil, err: err} // Sources say which instance failed
		}
		ar, aerr := src.Alerts(ctx, alertmanager.AlertFilter{})
		return loadedMsg{sil: sil, alerts: ar.Alerts, alertErr: aerr, asOf: age.Oldest()}
	}
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		p.loading = false
		if m.err != nil {
			p.err = m.err
			// "0/2 alertmanagers", not the last success's "2/2".
			if len(m.sil.Sources) > 0 {
				p.sources = m.sil.Sources
			}
			return p, nil
		}
		p.err = nil
		p.silences, p.sources = m.sil.Silences, m.sil.Sources
		if m.alertErr == nil {
			p.alerts = m.alerts
		}
		p.alertErr = m.alertErr
		p.updated = cadence.AsOf(p.ctx.Now(), m.asOf)
		if p.form != nil {
			p.form.SetAlerts(p.alerts)
		}
		p.apply()
		if p.selectID != "" && p.tbl.SelectKey(p.selectID) {
			p.selectID = ""
		}
		return p, nil
	case pane.TickMsg:
		if !p.loading && p.ctx.Now().Sub(p.lastAttempt) >= p.ctx.Refresh {
			return p, p.load()
		}
		return p, nil
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "silence-") {
			if m.Name == "silence-create" && m.Err == nil {
				// Show the new silence once it is listed ("silence <id> created on ...").
				if f := strings.Fields(m.Result); len(f) > 1 && f[0] == "silence" {
					p.selectID = f[1]
				}
			}
			p.loading = false // a refresh may be running; start a fresh one after the change
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
		case FormCancelled:
			p.form = nil
		case FormSubmitted:
			s, _ := p.form.Silence()
			p.form = nil
			return pane.RunAction(CreateAction(p.src, s))
		}
		return nil
	}
	k := msg.String()
	if p.tbl.HandleKey(p.is, k) {
		return nil
	}
	switch {
	case p.is(k, "silences.new"):
		p.form = NewForm("New silence (maintenance window)", p.prefill(), p.author, p.ctx.Now, p.alerts)
		return nil
	case p.is(k, "silences.expire"):
		return p.expire()
	case p.is(k, "silences.expired"):
		p.hideExpired = !p.hideExpired
		p.apply()
		return nil
	case p.is(k, "silences.alerts") || p.is(k, "table.open"):
		if s, ok := p.current(); ok {
			return pane.Pivot("alerts", equalityQuery(s.Matchers))
		}
		return nil
	case p.is(k, "table.copy"):
		if s, ok := p.current(); ok {
			return pane.Copy(s.ID, safe.Line)
		}
		return nil
	case p.is(k, "global.refresh"):
		return p.load()
	}
	return nil
}

// prefill makes a from-scratch form start from the filter's host, if any.
func (p *Pane) prefill() alertmanager.Matchers {
	for _, t := range p.query.Terms {
		if t.Field == "host" && !t.Negate && t.Value != "" && !strings.ContainsAny(t.Value, "*?[") {
			return alertmanager.Matchers{alertmanager.NewMatcher("host", alertmanager.OpEqual, t.Value)}
		}
	}
	return nil
}

// equalityQuery turns a silence's equality matchers into alerts-pane
// filter text (host=compute04 alertname=HostDown).
func equalityQuery(ms alertmanager.Matchers) string {
	var parts []string
	for _, m := range ms {
		if m.Op() == alertmanager.OpEqual && m.Value != "" && !strings.ContainsAny(m.Value, " \t") {
			parts = append(parts, m.Name+"="+m.Value)
		}
	}
	return strings.Join(parts, " ")
}

func (p *Pane) current() (alertmanager.Silence, bool) {
	r, ok := p.tbl.Selected()
	if !ok {
		return alertmanager.Silence{}, false
	}
	for _, s := range p.silences {
		if s.ID == r.Key {
			return s, true
		}
	}
	return alertmanager.Silence{}, false
}

func (p *Pane) hits(s alertmanager.Silence) []alertmanager.Alert {
	var out []alertmanager.Alert
	for _, a := range p.alerts {
		if s.Matchers.Matches(a.Labels) {
			out = append(out, a)
		}
	}
	return out
}

func (p *Pane) expire() tea.Cmd {
	s, ok := p.current()
	if !ok {
		return nil
	}
	if s.Status.State == "expired" {
		return pane.Toast(themes.Info, "silence "+short(s.ID)+" has already expired")
	}
	hits := p.hits(s)
	checks := []string{
		"matchers: " + s.Matchers.String(),
		fmt.Sprintf("%s by %s: %s", s.Status.State, s.CreatedBy, s.Comment),
	}
	if s.Status.State == "pending" {
		checks = append(checks, fmt.Sprintf("pending: it would silence %d current alert(s); expiring cancels it", len(hits)))
	} else {
		checks = append(checks, fmt.Sprintf("%d current alert(s) it silences will notify again", len(hits)))
	}
	src := p.src
	id := s.ID
	return pane.RunAction(pane.Action{
		Name: "silence-expire", Target: id, Mutates: true, ConfirmYes: true, Checks: checks,
		Details: map[string]string{"matchers": s.Matchers.String(), "created_by": s.CreatedBy, "comment": s.Comment},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			return ops.ExpireSilence(ctx, src, id, progress(report))
		},
		Reconcile: func(ctx context.Context) (bool, string, error) {
			return ops.ReadBackSilenceExpired(ctx, src, id, 0, 0)
		},
	})
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Until renders a duration compactly with two units: "1h59m", "3d4h", "45s".
func Until(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	days := int(d / (24 * time.Hour))
	h := int((d % (24 * time.Hour)) / time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

func (p *Pane) when(s alertmanager.Silence) (string, string) {
	now := p.ctx.Now()
	switch s.Status.State {
	case "pending":
		return "starts in " + Until(s.StartsAt.Sub(now)), fmt.Sprint(s.StartsAt.Unix())
	case "expired":
		return "ended " + Until(now.Sub(s.EndsAt)) + " ago", fmt.Sprint(s.EndsAt.Unix())
	}
	return "ends in " + Until(s.EndsAt.Sub(now)), fmt.Sprint(s.EndsAt.Unix())
}

func stateRole(state string) themes.Role {
	switch state {
	case "active":
		return themes.OK
	case "pending":
		return themes.Info
	}
	return themes.Muted
}

func (p *Pane) fields(s alertmanager.Silence) map[string]string {
	f := map[string]string{"state": s.Status.State, "@state": s.Status.State, "author": s.CreatedBy, "createdby": s.CreatedBy,
		"comment": s.Comment, "id": s.ID, "matchers": s.Matchers.String(), "@alertmanager": strings.Join(s.Instances, ",")}
	for _, m := range s.Matchers {
		n := strings.ToLower(m.Name)
		if _, dup := f[n]; !dup {
			f[n] = m.Value
		}
	}
	return f
}

func (p *Pane) apply() {
	var rows []table.Row
	for _, s := range p.silences {
		if p.hideExpired && s.Status.State == "expired" {
			continue
		}
		if !p.query.Empty() && !p.query.Match(p.fields(s)) {
			continue
		}
		when, whenSort := p.when(s)
		role := themes.Normal
		if s.Status.State == "expired" {
			role = themes.Muted
		}
		hits := fmt.Sprint(len(p.hits(s)))
		if s.Status.State == "expired" || p.alertErr != nil {
			hits = "-"
		}
		rows = append(rows, table.Row{Key: s.ID, Role: role, Cells: []table.Cell{
			{Text: s.Status.State, Role: stateRole(s.Status.State), Sort: fmt.Sprint(stateRank(s.Status.State))},
			table.C(s.Matchers.String()),
			table.C(hits),
			{Text: when, Sort: whenSort},
			table.C(s.CreatedBy),
			table.C(s.Comment),
			table.C(short(s.ID)),
		}})
	}
	p.tbl.SetRows(rows)
}

func stateRank(s string) int {
	switch s {
	case "active":
		return 0
	case "pending":
		return 1
	}
	return 2
}

// View renders the overview line, the table and the selected silence.
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
	}
	detail := 0
	if height >= 18 {
		detail = 6
	}
	th2 := height - len(lines) - detail
	if th2 < 2 {
		detail = 0
		th2 = height - len(lines)
	}
	if th2 > 0 {
		lines = append(lines, p.tbl.View(width, th2, th))
	}
	if detail > 0 {
		lines = append(lines, p.details(width, detail, th))
	}
	return strings.Join(lines, "\n")
}

func (p *Pane) overview(width int, th *themes.Theme) string {
	counts := map[string]int{}
	for _, s := range p.silences {
		counts[s.Status.State]++
	}
	var b strings.Builder
	b.WriteString(th.Render(themes.Title, "SILENCES"))
	text := fmt.Sprintf(" active %d · pending %d · expired %d", counts["active"], counts["pending"], counts["expired"])
	if p.hideExpired {
		text += " (hidden)"
	}
	if len(p.sources) > 0 {
		text += " · " + p.sources.Summary()
	}
	if p.filterText != "" {
		text += " · filter: " + p.filterText
	}
	switch {
	case p.updated.IsZero() && p.loading:
		text += " · loading…"
	case p.updated.IsZero() && p.err == nil:
		text += " · not loaded"
	}
	b.WriteString(safe.Fit(text, width-8))
	return b.String()
}

func (p *Pane) details(width, height int, th *themes.Theme) string {
	s, ok := p.current()
	if !ok {
		return strings.Repeat("\n", height-1)
	}
	loc := p.ctx.Now().Location()
	hits := p.hits(s)
	var names []string
	for i, a := range hits {
		if i == 4 {
			names = append(names, fmt.Sprintf("+%d", len(hits)-i))
			break
		}
		names = append(names, a.Name()+"@"+a.Host())
	}
	lines := []string{
		th.Render(themes.Border, strings.Repeat("─", width)),
		safe.Fit("id "+s.ID+"  on "+strings.Join(s.Instances, ","), width),
		safe.Fit("matchers "+s.Matchers.String(), width),
		safe.Fit(fmt.Sprintf("from %s to %s  by %s", s.StartsAt.In(loc).Format("2006-01-02 15:04"), s.EndsAt.In(loc).Format("2006-01-02 15:04"), s.CreatedBy), width),
		safe.Fit("comment "+s.Comment, width),
		safe.Fit(strings.TrimSuffix(fmt.Sprintf("hits %d now: %s", len(hits), strings.Join(names, " ")), ": "), width),
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbl }
