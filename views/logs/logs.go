// Package logs is the Logs pane: live Loki log tails with a LogQL prompt
// (label completion, history), host/container presets, follow/pause, wrap,
// timestamps and labels toggles, search with highlighted matches, level
// marks, save-to-file, and pivots on request IDs and instance UUIDs.
//
// Lines live in a bounded ring buffer (memory stays flat) and rendering cost
// follows the visible lines only. Every line goes through ui/safe.
package logs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs from Loki (*loki.Client has it).
type Source interface {
	QueryAll(ctx context.Context, rq loki.RangeQuery, max int, fn func([]loki.Entry) bool) error
	Labels(ctx context.Context, start, end time.Time) ([]string, error)
	LabelValues(ctx context.Context, name string, start, end time.Time, selector string) ([]string, error)
	Follow(query string, o loki.FollowOptions) *loki.Subscription
}

// Options configure the pane.
type Options struct {
	// HostLabel and ContainerLabel name the labels shippers use (default
	// "host" and "container").
	HostLabel, ContainerLabel string
	// BufferLines bounds the ring buffer (default DefaultBufferLines).
	BufferLines int
	// Query is the initial LogQL (default: every stream with a host label).
	Query string
	// Backfill is how many past lines a new query loads (default 1,000);
	// Lookback how far back (default 1 h).
	Backfill int
	Lookback time.Duration
	// HistoryFile keeps prompt history across sessions ("" = memory only).
	HistoryFile string
	// SaveDir is where "save" writes (default: the working directory).
	SaveDir string
	// Location for timestamps (default: local time).
	Location *time.Location
	// Follow tunes the live follower (tests).
	Follow loki.FollowOptions
	// NoAutoStart leaves the pane idle until a query is set (tests).
	NoAutoStart bool
}

// Model is the Logs pane.
type Model struct {
	ctx pane.Context
	src Source
	o   Options

	buf   *ring
	query string
	gen   int
	sub   *loki.Subscription

	follow    bool
	cursor    int64 // sequence number of the selected line
	bottom    int64 // sequence number of the last visible line when paused
	newWhile  int   // lines arrived while paused
	wrap      bool
	showTS    bool
	showLabel bool

	search     string
	searchLow  string // the term highlighted in rows
	find       filter.Query
	fields     map[string]string // reused by lineMatches
	matches    int
	showAll    bool // "/" highlights in context instead of filtering
	lastHeight int
	lay        layout // columns of the frame being rendered

	loading bool
	err     error
	updated time.Time
	fstat   loki.FollowStatus

	paintTheme *themes.Theme
	paintCache map[themes.Role][2]string

	prompt   *prompt
	labels   []string
	values   map[string][]string
	history  []string
	histFile string
}

// DefaultBufferLines is how many lines the pane keeps when the config
// sets no buffer_lines. A full buffer of 100,000 was ~22 MB of heap, the
// largest single item of the cockpit's RSS at 50,000 instances (issue 15);
// k9s keeps 5,000 lines by default, Grafana's Loki source shows 1,000 and
// Loki answers at most 5,000 a query. The header says "n/20000 lines" and,
// once the oldest are let go, ", N dropped"; buffer_lines keeps more.
const DefaultBufferLines = 20000

// New builds the pane.
func New(ctx pane.Context, src Source, o Options) *Model {
	if o.HostLabel == "" {
		o.HostLabel = "host"
	}
	if o.ContainerLabel == "" {
		o.ContainerLabel = "container"
	}
	if o.BufferLines <= 0 {
		o.BufferLines = DefaultBufferLines
	}
	if o.Backfill <= 0 {
		o.Backfill = 1000
	}
	if o.Lookback <= 0 {
		o.Lookback = time.Hour
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Query == "" {
		o.Query = fmt.Sprintf(`{%s=~".+"}`, o.HostLabel)
	}
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Theme == nil {
		ctx.Theme = themes.Default(true)
	}
	return &Model{ctx: ctx, src: src, o: o, buf: newRing(o.BufferLines), follow: true,
		showTS: true, showLabel: true, values: map[string][]string{}, histFile: o.HistoryFile}
}

func (m *Model) ID() string                      { return "logs" }
func (m *Model) Title() string                   { return "Logs" }
func (m *Model) KeyGroups() []string             { return []string{"logs", "table"} }
func (m *Model) Capturing() bool                 { return m.prompt != nil }
func (m *Model) Query() string                   { return m.query }
func (m *Model) Following() bool                 { return m.follow }
func (m *Model) Lines() int                      { return m.buf.n }
func (m *Model) FollowStatus() loki.FollowStatus { return m.fstat }

// Status reports data age, errors and the follower's mode.
func (m *Model) Status() pane.Status {
	note := m.fstat.Note
	if note == "" && m.fstat.Mode != "" {
		note = string(m.fstat.Mode)
	}
	if !m.follow {
		note = strings.TrimSpace("paused " + note)
	}
	err := m.err
	if err == nil {
		err = m.fstat.Err
	}
	updated := m.updated
	if err == nil && !m.loading && m.fstat.Mode == loki.ModeTail && m.fstat.Note == "tail" {
		// A connected live tail is current even when no line came: a quiet
		// query (a dead host, one request ID) is not stale data.
		updated = m.ctx.Now()
	}
	return pane.Status{Updated: updated, Loading: m.loading, Err: err, Note: note}
}

// --- messages ---

// The messages bring their lines' levels, detected by the tea.Cmd that
// read them (issue 15: detecting them in Update was 80% of a line's cost
// there, ~1 us a line; a batch of Loki lines at 1,000 hosts held the UI
// goroutine 11-26 ms in a trace). lvs[i] is the level of entries[i] or
// of b.Items[i]; nil: Update detects them.
type backfillMsg struct {
	gen     int
	entries []loki.Entry // newest first
	lvs     []level
	err     error
	start   time.Time
}

type batchMsg struct {
	gen int
	b   loki.Batch
	lvs []level
	err error
}

// itemLevels is each item's level (a marker's is none).
func itemLevels(items []loki.Item) []level {
	lvs := make([]level, len(items))
	for i := range items {
		if items[i].Marker == nil {
			lvs[i] = detectLevel(items[i].Line, items[i].Stream)
		}
	}
	return lvs
}

// entryLevels is each entry's level.
func entryLevels(es []loki.Entry) []level {
	lvs := make([]level, len(es))
	for i := range es {
		lvs[i] = detectLevel(es[i].Line, es[i].Stream)
	}
	return lvs
}

type labelsMsg struct {
	names []string
	err   error
}

type valuesMsg struct {
	name   string
	values []string
}

type historyMsg struct{ lines []string }

// Init loads label names and history, and starts the initial query.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadLabels(), m.loadHistory()}
	if !m.o.NoAutoStart {
		cmds = append(cmds, m.SetQuery(m.o.Query))
	}
	return tea.Batch(cmds...)
}

func (m *Model) loadLabels() tea.Cmd {
	if m.src == nil {
		return nil
	}
	src, now, lb := m.src, m.ctx.Now(), m.o.Lookback
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		names, err := src.Labels(ctx, now.Add(-lb), now)
		return labelsMsg{names: names, err: err}
	}
}

func (m *Model) loadValues(name string) tea.Cmd {
	if m.src == nil {
		return nil
	}
	src, now, lb := m.src, m.ctx.Now(), m.o.Lookback
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		vs, err := src.LabelValues(ctx, name, now.Add(-lb), now, "")
		if err != nil {
			return valuesMsg{name: name}
		}
		return valuesMsg{name: name, values: vs}
	}
}

func (m *Model) loadHistory() tea.Cmd {
	if m.histFile == "" {
		return nil
	}
	path := m.histFile
	return func() tea.Msg {
		b, err := os.ReadFile(path)
		if err != nil {
			return historyMsg{}
		}
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return historyMsg{lines: out}
	}
}

func (m *Model) saveHistory() tea.Cmd {
	if m.histFile == "" {
		return nil
	}
	path, lines := m.histFile, append([]string(nil), m.history...)
	return func() tea.Msg {
		_ = os.MkdirAll(filepath.Dir(path), 0o700)
		_ = os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
		return nil
	}
}

// SetQuery starts a new query: clears the buffer, backfills the last
// Lookback (up to Backfill lines), then follows live.
func (m *Model) SetQuery(q string) tea.Cmd {
	return m.setQuery(q, m.o.Backfill)
}

func (m *Model) setQuery(q string, backfill int) tea.Cmd {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	// Retrying a query that failed to start: its error stays on screen
	// while the retry runs (a hung Loki takes the whole timeout to fail
	// again, and the pane read a bare "loading…" meanwhile).
	var keepErr error
	if q == m.query && m.sub == nil {
		keepErr = m.err
	}
	if m.sub != nil {
		m.sub.Close()
		m.sub = nil
	}
	m.gen++
	m.query = q
	m.buf.reset()
	m.follow, m.newWhile = true, 0
	m.cursor, m.bottom = m.buf.last(), m.buf.last()
	m.matches = 0
	m.err, m.fstat = keepErr, loki.FollowStatus{}
	if m.src == nil {
		return nil
	}
	m.loading = true
	gen, src, now, lb := m.gen, m.src, m.ctx.Now(), m.o.Lookback
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var all []loki.Entry
		err := src.QueryAll(ctx, loki.RangeQuery{Query: q, Start: now.Add(-lb), End: now.Add(time.Second), Direction: loki.Backward}, backfill,
			func(es []loki.Entry) bool { all = append(all, es...); return true })
		return backfillMsg{gen: gen, entries: all, lvs: entryLevels(all), err: err, start: now}
	}
}

func (m *Model) wait(gen int, sub *loki.Subscription) tea.Cmd {
	if sub == nil { // stopped (Close) or replaced: nothing to wait for
		return nil
	}
	return func() tea.Msg {
		b, err := sub.Next(context.Background())
		return batchMsg{gen: gen, b: b, lvs: itemLevels(b.Items), err: err}
	}
}

// Update handles keys and messages.
func (m *Model) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case backfillMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading = false
		m.updated = m.ctx.Now()
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		for i := len(msg.entries) - 1; i >= 0; i-- {
			m.appendLeveled(msg.entries[i], msg.lvs, i)
		}
		start := msg.start
		if len(msg.entries) > 0 {
			start = time.Unix(0, msg.entries[0].TS+1)
		}
		fo := m.o.Follow
		fo.Start = start
		m.sub = m.src.Follow(m.query, fo)
		m.fstat = m.sub.Status()
		return m, m.wait(m.gen, m.sub)
	case checkedMsg:
		return m, m.checked(msg)
	case batchMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.err != nil {
			return m, nil // closed
		}
		m.applyBatch(msg.b, msg.lvs)
		if msg.b.Mode == loki.ModeStopped {
			return m, nil
		}
		return m, m.wait(m.gen, m.sub)
	case labelsMsg:
		if msg.err == nil {
			m.labels = msg.names
		}
		return m, nil
	case valuesMsg:
		m.values[msg.name] = msg.values
		if m.prompt != nil {
			m.prompt.refresh(m)
		}
		return m, nil
	case historyMsg:
		m.history = append(msg.lines, m.history...)
		return m, nil
	case pane.ActionDoneMsg:
		return m, nil
	case pane.TickMsg:
		return m, m.retry(time.Time(msg))
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// retry re-runs a query whose start failed (Loki unreachable, timeout),
// every refresh interval; a query Loki rejected (400) waits for the user.
func (m *Model) retry(now time.Time) tea.Cmd {
	if m.sub != nil || m.loading || m.err == nil || m.query == "" || m.src == nil {
		return nil
	}
	var le *loki.Error
	if errors.As(m.err, &le) && le.Status == 400 {
		return nil
	}
	every := m.ctx.Refresh
	if every <= 0 {
		every = 10 * time.Second
	}
	if now.Sub(m.updated) < every {
		return nil
	}
	return m.SetQuery(m.query)
}

// ApplyBatch feeds a follower batch (tests and tools).
func (m *Model) ApplyBatch(b loki.Batch) { m.applyBatch(b, nil) }

// applyBatch adds b's items; lvs: their levels (nil: detected here).
func (m *Model) applyBatch(b loki.Batch, lvs []level) {
	m.fstat = b.FollowStatus
	if !b.Updated.IsZero() {
		m.updated = b.Updated
	}
	for i, it := range b.Items {
		if it.Marker != nil {
			m.appendLine(line{ts: it.Marker.TS, text: it.Marker.Text, marker: it.Marker.Kind})
			continue
		}
		m.appendLeveled(it.Entry, lvs, i)
	}
}

// AppendEntries adds lines (tests and tools).
func (m *Model) AppendEntries(es ...loki.Entry) {
	for _, e := range es {
		m.appendEntry(e)
	}
}

func (m *Model) appendEntry(e loki.Entry) { m.appendLeveled(e, nil, 0) }

// appendLeveled adds e at level lvs[i] (detected when lvs is nil).
func (m *Model) appendLeveled(e loki.Entry, lvs []level, i int) {
	var lv level
	if lvs != nil {
		lv = lvs[i]
	} else {
		lv = detectLevel(e.Line, e.Stream)
	}
	m.appendLine(line{ts: e.TS, text: e.Line, labels: e.Stream, lv: lv})
}

func (m *Model) appendLine(l line) {
	l.hit = m.lineMatches(&l)
	if l.hit {
		m.matches++
	}
	if ev, ok := m.buf.append(l, m.o.BufferLines); ok && ev.hit {
		m.matches--
	}
	if m.follow {
		m.cursor, m.bottom = m.buf.last(), m.buf.last()
		return
	}
	m.newWhile++
	if m.cursor < m.buf.first() {
		m.cursor = m.buf.first()
	}
	if m.bottom < m.buf.first() {
		m.bottom = m.buf.first()
	}
}

// lineMatches: "/" takes the terms of every pane's filter (views/filter):
// host: container: level: req: match those columns, free text matches the
// line or any column.
func (m *Model) lineMatches(l *line) bool {
	if m.find.Empty() || l.marker != "" {
		return false
	}
	f := m.fields
	if f == nil {
		f = map[string]string{}
		m.fields = f
	}
	f["host"], f["container"] = "", ""
	if l.labels != nil {
		f["host"], f["container"] = l.labels.Get(m.o.HostLabel), l.labels.Get(m.o.ContainerLabel)
	}
	f["level"], f["req"], f["text"] = l.lv.word(), requestID(l.text), l.text
	return m.find.Match(f)
}

// SetFilter filters the buffer by filter terms, as "/" does in every
// pane: only matching lines are shown (markers stay, they explain gaps),
// matches are highlighted, n/N move between them. The show-all toggle
// keeps every line and highlights the matches in context instead.
func (m *Model) SetFilter(text string) {
	m.search = strings.TrimSpace(text)
	m.find = filter.Parse(m.search)
	m.searchLow = ""
	for _, t := range m.find.Terms {
		if !t.Negate && !strings.ContainsAny(t.Value, "*?[") && (t.Field == "" || t.Field == "req" || t.Field == "text") {
			m.searchLow = t.Value
			break
		}
	}
	m.matches = 0
	for s := m.buf.first(); s <= m.buf.last(); s++ {
		if l, ok := m.buf.at(s); ok {
			l.hit = m.lineMatches(l)
			if l.hit {
				m.matches++
			}
		}
	}
	if m.filtering() && !m.follow {
		if l, ok := m.buf.at(m.cursor); !ok || !m.visible(l) {
			if s, ok := m.nextVisible(m.cursor, -1); ok {
				m.cursor = s
			} else if s, ok := m.nextVisible(m.cursor, 1); ok {
				m.cursor = s
			}
		}
	}
}

// filtering: "/" terms are set and hide the lines that do not match.
func (m *Model) filtering() bool { return !m.find.Empty() && !m.showAll }

// visible: the line is shown in the current filter mode.
func (m *Model) visible(l *line) bool { return !m.filtering() || l.hit || l.marker != "" }

// nextVisible is the first shown line after (dir 1) or before (dir -1) s.
func (m *Model) nextVisible(s, dir int64) (int64, bool) {
	for s += dir; s >= m.buf.first() && s <= m.buf.last(); s += dir {
		if l, ok := m.buf.at(s); ok && m.visible(l) {
			return s, true
		}
	}
	return 0, false
}

// stepVisible moves n shown lines from s (negative: up), stopping at the
// first or last shown line.
func (m *Model) stepVisible(s, n int64) int64 {
	dir := int64(1)
	if n < 0 {
		dir, n = -1, -n
	}
	for ; n > 0; n-- {
		next, ok := m.nextVisible(s, dir)
		if !ok {
			break
		}
		s = next
	}
	return s
}

// Refresh re-runs the query.
func (m *Model) Refresh() tea.Cmd { return m.SetQuery(m.query) }

// Back closes the prompt or resumes following.
func (m *Model) Back() bool {
	if m.prompt != nil {
		m.prompt = nil
		return true
	}
	return false
}

func (m *Model) pause() {
	if m.follow {
		m.follow = false
		m.newWhile = 0
		m.bottom = m.cursor
	}
}

func (m *Model) resume() {
	m.follow = true
	m.newWhile = 0
	m.cursor, m.bottom = m.buf.last(), m.buf.last()
}

func (m *Model) moveCursor(d int64) {
	if m.buf.n == 0 {
		return
	}
	m.pause()
	if m.filtering() {
		m.cursor = m.stepVisible(m.cursor, d)
		if _, more := m.nextVisible(m.cursor, 1); !more && d > 0 {
			m.resume()
		}
		return
	}
	m.cursor = min(max(m.cursor+d, m.buf.first()), m.buf.last())
	if m.cursor == m.buf.last() && d > 0 {
		m.resume()
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if m.prompt != nil {
		return m.prompt.key(m, msg)
	}
	keys := m.ctx.Keys
	is := func(a string) bool { return keys != nil && keys.Is(k, a) }
	page := int64(max(m.lastHeight-1, 1))
	switch {
	case is("logs.query"):
		m.prompt = newPrompt(m.query, m.history)
		return nil
	case is("logs.follow"):
		if m.follow {
			m.pause()
		} else {
			m.resume()
		}
	case is("logs.pause"):
		if m.follow {
			m.pause()
		} else {
			m.resume()
		}
	case is("logs.wrap"):
		m.wrap = !m.wrap
	case is("logs.timestamps"):
		m.showTS = !m.showTS
	case is("logs.labels"):
		m.showLabel = !m.showLabel
	case is("logs.show_all"):
		m.showAll = !m.showAll
		if m.filtering() {
			m.SetFilter(m.search) // put the cursor back on a shown line
		}
	case is("logs.next_match"):
		m.jumpMatch(1)
	case is("logs.prev_match"):
		m.jumpMatch(-1)
	case is("logs.pivot_request"), is("table.open"):
		return m.pivotOnLine()
	case is("logs.pivot_instance"):
		if l, ok := m.buf.at(m.cursor); ok {
			if id := instanceID(l.text); id != "" {
				return pane.Pivot("instances", "id:"+id)
			}
		}
		return pane.Toast(themes.Warn, "no instance UUID on this line")
	case is("logs.preset_host"):
		return m.preset(m.o.HostLabel)
	case is("logs.preset_container"):
		return m.preset(m.o.ContainerLabel)
	case is("logs.host"):
		return m.lineHostPivot("compute")
	case is("logs.containers"):
		return m.lineHostPivot("containers")
	case is("logs.save"):
		return m.save()
	case is("table.copy"):
		if l, ok := m.buf.at(m.cursor); ok {
			return pane.Copy(l.text, safe.Lines) // a multi-line entry is shown before copying
		}
	case is("table.down"):
		m.moveCursor(1)
	case is("table.up"):
		m.moveCursor(-1)
	case is("table.page_down"):
		m.moveCursor(page)
	case is("table.page_up"):
		m.moveCursor(-page)
	case is("table.top"):
		m.pause()
		m.cursor = m.buf.first()
		if l, ok := m.buf.at(m.cursor); ok && !m.visible(l) {
			m.cursor = m.stepVisible(m.cursor, 1)
		}
	case is("table.bottom"):
		m.resume()
	}
	return nil
}

// jumpMatch moves the cursor to the next (previous) match and scrolls so
// that its row is on screen.
func (m *Model) jumpMatch(dir int64) {
	if m.find.Empty() || m.matches == 0 {
		return
	}
	m.pause()
	for s := m.cursor + dir; s >= m.buf.first() && s <= m.buf.last(); s += dir {
		if l, ok := m.buf.at(s); ok && l.hit {
			m.cursor = s
			h := int64(max(m.lastHeight, 1))
			if s > m.bottom || s <= m.bottom-h || m.wrap {
				// Off screen (or wrapped rows of unknown height): put the
				// match in the middle.
				m.bottom = min(s+h/2, m.buf.last())
				if m.filtering() {
					m.bottom = m.stepVisible(s, h/2)
				}
				if m.wrap {
					m.bottom = s
				}
			}
			return
		}
	}
}

var (
	reqRE  = regexp.MustCompile(`req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	instRE = regexp.MustCompile(`\[instance: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]`)
	uuidRE = regexp.MustCompile(`(?:^|[^-0-9a-z])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
)

// requestID finds a request ID (req-<uuid>) in a line.
func requestID(s string) string { return reqRE.FindString(s) }

// instanceID finds an instance UUID: "[instance: <uuid>]" first, else the
// first UUID that is not part of a request ID.
func instanceID(s string) string {
	if m := instRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	for _, m := range uuidRE.FindAllStringSubmatchIndex(s, -1) {
		start := m[2]
		if start >= 4 && s[start-4:start] == "req-" {
			continue
		}
		return s[m[2]:m[3]]
	}
	return ""
}

// pivotOnLine follows the cursor line's request ID across every service
// (or its instance UUID when it has no request ID).
func (m *Model) pivotOnLine() tea.Cmd {
	l, ok := m.buf.at(m.cursor)
	if !ok || l.marker != "" {
		return nil
	}
	if r := requestID(l.text); r != "" {
		return pane.Pivot("logs", "req:"+r)
	}
	if id := instanceID(l.text); id != "" {
		return pane.Pivot("logs", "instance:"+id)
	}
	return pane.Toast(themes.Warn, "no request ID or instance UUID on this line")
}

func (m *Model) preset(label string) tea.Cmd {
	l, ok := m.buf.at(m.cursor)
	if !ok || l.labels == nil || l.labels.Get(label) == "" {
		return pane.Toast(themes.Warn, "this line has no "+label+" label")
	}
	return pane.Pivot("logs", label+":"+l.labels.Get(label))
}

// lineHostPivot opens another pane (compute, containers) on the cursor
// line's host, and in containers on its container too.
func (m *Model) lineHostPivot(to string) tea.Cmd {
	l, ok := m.buf.at(m.cursor)
	if !ok || l.labels == nil || l.labels.Get(m.o.HostLabel) == "" {
		return pane.Toast(themes.Warn, "this line has no "+m.o.HostLabel+" label")
	}
	q := "host:" + l.labels.Get(m.o.HostLabel)
	if c := l.labels.Get(m.o.ContainerLabel); to == "containers" && c != "" {
		q += " name:" + c
	}
	return pane.Pivot(to, q)
}

// Pivot opens the pane on a query: "host:compute04", "container:nova_compute",
// "req:req-<uuid>" (every service, last hour, then live), "instance:<uuid>",
// "id:<uuid>", raw LogQL starting with "{", or free text.
func (m *Model) Pivot(query string) tea.Cmd {
	q, backfill := m.pivotQuery(query)
	if q == "" {
		return nil
	}
	return m.setQuery(q, backfill)
}

func quote(s string) string { return strconv.Quote(s) }

func (m *Model) pivotQuery(in string) (string, int) {
	in = strings.TrimSpace(in)
	if in == "" {
		return "", 0
	}
	if strings.HasPrefix(in, "{") {
		return in, m.o.Backfill
	}
	all := fmt.Sprintf(`{%s=~".+"}`, m.o.HostLabel)
	var matchers, filters []string
	for _, f := range strings.Fields(in) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			k, v = "", f
		}
		switch strings.ToLower(k) {
		case "host", "hostname", "node", m.o.HostLabel:
			matchers = append(matchers, m.o.HostLabel+"="+quote(v))
		case "container", "service", m.o.ContainerLabel:
			matchers = append(matchers, m.o.ContainerLabel+"="+quote(v))
		case "req", "request", "request_id":
			if !strings.HasPrefix(v, "req-") {
				v = "req-" + v
			}
			filters = append(filters, "|= "+quote(v))
		case "instance", "id", "uuid", "server":
			filters = append(filters, "|= "+quote(v))
		default:
			filters = append(filters, "|= "+quote(f))
		}
	}
	sel := all
	if len(matchers) > 0 {
		sel = "{" + strings.Join(matchers, ", ") + "}"
	}
	backfill := m.o.Backfill
	if len(filters) > 0 {
		backfill = max(backfill, loki.MaxEntriesPerQuery)
		return sel + " " + strings.Join(filters, " "), backfill
	}
	return sel, backfill
}

// save writes the buffer (sanitized, one line each) to a file through the
// shell's action path: a local action, not a cloud change.
func (m *Model) save() tea.Cmd {
	var snap []line
	for s := m.buf.first(); s <= m.buf.last(); s++ {
		if l, ok := m.buf.at(s); ok {
			snap = append(snap, *l)
		}
	}
	dir := m.o.SaveDir
	if dir == "" {
		dir = "."
	}
	path := filepath.Join(dir, "stackpit-logs-"+m.ctx.Now().Format("20060102-150405")+".log")
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // the toast and the audit say exactly where the file is
	}
	loc, hostL, ctL, query := m.o.Location, m.o.HostLabel, m.o.ContainerLabel, m.query
	return pane.RunAction(pane.Action{
		Name: "save-logs", Target: path, Mutates: false,
		Details: map[string]string{"query": query, "lines": strconv.Itoa(len(snap))},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			var b strings.Builder
			b.WriteString("# " + safe.Text(query) + "\n")
			for i, l := range snap {
				if l.marker != "" {
					b.WriteString("# " + safe.Text(l.text) + "\n")
					continue
				}
				b.WriteString(time.Unix(0, l.ts).In(loc).Format("2006-01-02T15:04:05.000000000Z07:00"))
				b.WriteString(" " + safe.Text(l.labels.Get(hostL)) + "/" + safe.Text(l.labels.Get(ctL)) + " ")
				b.WriteString(safe.Text(l.text))
				b.WriteByte('\n')
				if i%10000 == 0 {
					report(pane.Progress{Done: i, Total: len(snap), Line: "writing"})
				}
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
				return "", err
			}
			return fmt.Sprintf("saved %d lines to %s", len(snap), path), nil
		},
	})
}

// Close stops following (the shell calls it, if it knows it, on exit).
func (m *Model) Close() {
	if m.sub != nil {
		m.sub.Close()
		m.sub = nil
	}
}
