// Package ui is the app shell: header, pane tabs, the command line, the
// filter prompt, the status line, dialogs, toasts and the help overlay. It
// routes keys to the active pane, enforces the first level of read-only mode
// (mutating bindings and actions never run), audits every action and runs
// actions off the UI goroutine. It knows nothing of HTTP or backends.
package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/prompt"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// Entry is one pane as the shell knows it.
type Entry struct {
	ID, Title string
	Aliases   []string
	Pane      pane.Pane
}

// Header is what the top line says about the session.
type Header struct {
	Cloud, Region, User, Project string
	// Person and Role: who a `stackpit serve` session belongs to (the
	// users file's name and role); empty in a local cockpit.
	Person, Role string
}

// Options configure the shell.
type Options struct {
	Panes  []Entry
	Ctx    pane.Context
	Header Header
	Audit  *audit.Log
	// Clouds lists clouds for :cloud completion.
	Clouds []string
	// SwitchCloud rebuilds the session for another cloud (may do I/O: the
	// shell calls it inside a tea.Cmd).
	SwitchCloud func(name string) (Options, error)
	// Clock overrides the header clock (golden tests).
	Clock func() time.Time
	// ShowClock puts the time (hh:mm) in the header. Off by default: a
	// clock rewrites the header every minute, and an idle cockpit on a
	// slow SSH link should write nothing (tmux's status line has one).
	ShowClock bool
	// AutoTheme, when set, picks the theme from the terminal's background
	// (queried through Bubble Tea, so it works over SSH). Nil when the user
	// chose a theme.
	AutoTheme func(dark bool) *themes.Theme
	// Pivot, when set, is applied at start (`stackpit logs QUERY`).
	Pivot *pane.PivotMsg
	// Single hides the pane tabs: one pane full-screen for a tmux split.
	Single bool
	// Ops journals running operations; :ops lists them (and the start
	// lists interrupted ones) to resume one. Nil: no journal.
	Ops *ops.Store
	// OnRefresh, when set, runs on a manual refresh (ctrl+r) before the
	// pane reloads: it lets a backing-off client try again now. It must not
	// block.
	OnRefresh func()
	// Notices are shown as warnings at start and kept in :messages (a key
	// override that breaks the key grammar).
	Notices []string
}

type mode int

const (
	modeNormal mode = iota
	modeCommand
	modeFilter
	modeHelp
	modeDialog
	modeAudit
	modeQuit // q while operations run: wait, stop after steps in flight, or resume later
	modeOps  // :ops, and interrupted operations at start
	modeMessages
	modeClouds // :cloud alone: the cloud picker (clouds.go)
)

// crumb is one step of the drill-down path, saved when a pivot leaves
// it: esc restores exactly this (filter, the pane's inner state, the
// table's cursor, scroll and sort).
type crumb struct {
	pane   int
	filter string
	state  any // pane.Memento state, when the pane keeps one
	view   *table.ViewState
	query  string // the pivot query that led to this step ("" at the root)
}

type toast struct {
	text  string
	level themes.Role
	until time.Time
}

type running struct {
	name, target string
	long         bool // a journaled long operation: quit asks first
	progress     pane.Progress
	// cancel ends it (cause ops.ErrInterrupted: to be resumed); stop asks
	// it to stop after the steps in flight.
	cancel context.CancelCauseFunc
	stop   func()
}

// Model is the root bubbletea model.
type Model struct {
	o      Options
	pace   pace // background messages drawn once a frame (pace.go)
	th     *themes.Theme
	w, h   int
	active int
	// firstRelease starts the other panes' first loads once pane firstSlot
	// has its own (activeFirst); nil once called.
	firstRelease func()
	firstSlot    int
	early        func() tea.Cmd // the active pane's first load, started by StartActive (nil: Init starts it)
	firstLoaded  func()         // OnFirstLoad's
	filters      []string
	// history is the drill-down path (pivots only: switching panes with
	// tab, digits or :name is not a drill-down). It leads to pane trailEnd,
	// reached with the pivot query arrived; esc walks it up only there.
	history  []crumb
	trailEnd int
	arrived  string
	mode     mode
	input    lineInput
	toast    *toast
	dialog   *dialog
	runs     map[int]*running
	runSeq   int
	send     func(tea.Msg)
	now      time.Time
	helpTop  int
	audit    []audit.Entry
	auditTop int
	quitting bool
	// quitWhenIdle: quit once the last running action has finished (the
	// quit dialog's wait / stop / resume-later choices).
	quitWhenIdle string
	opsList      []ops.Entry
	opsTop       int
	opsStart     bool // the list was opened at start (interrupted ones)
	// inflight counts action commands still running (WaitActions).
	inflight atomic.Int64
	// det: actions outliving a served session audit themselves (Detach).
	det *detached
	// messages.go: the history, the failure waiting for esc.
	messages []message
	failure  *toast
	failures int
	msgTop   int
	cloudAt  int // the picker's cursor
	// Stale-response bookkeeping (envelope.go).
	gens   []uint64 // each slot's generation
	genSeq uint64
	issued uint64
	landed map[landedKey]uint64
}

// New builds the shell.
func New(o Options) *Model {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	m := &Model{o: o, th: o.Ctx.Theme, runs: map[int]*running{}, w: 80, h: 24, det: &detached{}, pace: pace{wall: time.Now}}
	if m.th == nil {
		m.th = themes.Default(false)
		m.o.Ctx.Theme = m.th
	}
	m.filters = make([]string, len(o.Panes))
	m.now = o.Clock()
	m.ensureHosts()
	m.resetGens()
	for _, n := range o.Notices {
		m.showToast(themes.Warn, n)
	}
	return m
}

// SetSend gives the shell the program's Send, used to report action
// progress from the goroutine running the action.
func (m *Model) SetSend(fn func(tea.Msg)) { m.send = fn }

type clockMsg time.Time

func clock() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// Init starts every pane (each loads on its own, the active one first:
// activeFirst) and the clock.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{clock(), tea.RequestBackgroundColor}
	loads := make([]tea.Cmd, len(m.o.Panes))
	for i, e := range m.o.Panes {
		if i == m.active && m.early != nil {
			loads[i] = m.wrap(i, m.early()) // already running
			continue
		}
		loads[i] = m.wrap(i, e.Pane.Init())
	}
	loads, m.firstRelease = activeFirst(loads, m.active)
	m.firstSlot = m.active
	cmds = append(cmds, loads...)
	if pv := m.o.Pivot; pv != nil {
		msg := *pv
		cmds = append(cmds, func() tea.Msg { return msg })
	}
	if !m.o.Single { // a one-pane tmux split cannot resume them
		cmds = append(cmds, m.loadOps(true))
	}
	return tea.Batch(cmds...)
}

func (m *Model) cur() pane.Pane {
	if len(m.o.Panes) == 0 {
		return nil
	}
	return m.o.Panes[m.active].Pane
}

// Update routes messages. It never does I/O.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(frameMsg); ok {
		return m, m.paced(msg, nil)
	}
	mm, cmd := m.update(msg)
	return mm, m.paced(msg, cmd)
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return m, nil
	case clockMsg:
		m.now = m.o.Clock()
		m.expireToast()
		return m, tea.Batch(clock(), m.broadcast(pane.TickMsg(msg)))
	case tea.BackgroundColorMsg:
		if m.o.AutoTheme != nil {
			// Panes hold the same *Theme: replacing it in place restyles all.
			*m.th = *m.o.AutoTheme(msg.IsDark())
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case pane.PivotMsg:
		return m, m.pivot(msg)
	case pane.RunActionMsg:
		return m, m.startAction(msg.Action)
	case actionFinished:
		return m, m.finishAction(msg)
	case actionReconciled:
		return m, m.finishReconcile(msg)
	case pane.ActionProgressMsg:
		for _, r := range m.runs {
			if r.name == msg.Name && r.target == msg.Target {
				r.progress = msg.Progress
			}
		}
		return m, m.broadcast(msg)
	case pane.ToastMsg:
		m.showToast(msg.Level, msg.Text)
		return m, nil
	case pane.CopyMsg:
		return m, m.copyText(msg)
	case cloudSwitched:
		return m, m.applyCloud(msg)
	case opsLoaded:
		return m, m.onOps(msg)
	case forceQuit:
		return m.quitNow()
	case hostmodel.Observation:
		return m, m.observe(msg)
	case envelope:
		return m, m.deliver(msg)
	case auditLoaded:
		m.audit, m.auditTop = msg.entries, max(len(msg.entries)-1, 0)
		if msg.err != nil {
			m.showToast(themes.Crit, "audit log: "+msg.err.Error())
		}
		return m, nil
	}
	return m, m.broadcast(msg)
}

// broadcast sends a non-key message to every pane.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.o.Panes {
		p, cmd := m.o.Panes[i].Pane.Update(msg)
		m.setPane(i, p)
		cmds = append(cmds, m.wrap(i, cmd))
	}
	return tea.Batch(cmds...)
}

func (m *Model) updateActive(msg tea.Msg) tea.Cmd {
	if len(m.o.Panes) == 0 {
		return nil
	}
	p, cmd := m.o.Panes[m.active].Pane.Update(msg)
	m.setPane(m.active, p)
	return m.wrap(m.active, cmd)
}

func (m *Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := k.String()
	km := m.o.Ctx.Keys
	switch m.mode {
	case modeDialog:
		return m, m.dialogKey(k)
	case modeQuit:
		return m.quitKey(k)
	case modeOps:
		return m.opsKey(k)
	case modeCommand, modeFilter:
		return m, m.inputKey(k)
	case modeHelp:
		switch {
		case km.Is(s, "table.down"):
			m.helpTop++
		case km.Is(s, "table.up"):
			m.helpTop = max(m.helpTop-1, 0)
		case s == "ctrl+c":
			return m.quit()
		default:
			return m.closeOverlay(k)
		}
		return m, nil
	case modeMessages:
		return m.messagesKey(k)
	case modeClouds:
		return m.cloudsKey(k)
	case modeAudit:
		switch {
		case km.Is(s, "table.down"):
			m.auditTop = min(m.auditTop+1, max(len(m.audit)-1, 0))
		case km.Is(s, "table.up"):
			m.auditTop = max(m.auditTop-1, 0)
		case s == "ctrl+c":
			return m.quit()
		default:
			return m.closeOverlay(k)
		}
		return m, nil
	}
	p := m.cur()
	if p != nil && p.Capturing() {
		if s == "ctrl+c" {
			return m.quit()
		}
		return m, m.updateActive(k)
	}
	switch {
	case km.Is(s, "global.quit"):
		return m.quit()
	case km.Is(s, "global.help"):
		m.mode, m.helpTop = modeHelp, 0
		return m, nil
	case km.Is(s, "global.command"):
		m.mode = modeCommand
		m.input = lineInput{label: ":"}
		return m, nil
	case km.Is(s, "global.filter"):
		m.mode = modeFilter
		m.input = lineInput{label: "/", Line: prompt.NewLine(m.filters[m.active])}
		return m, nil
	case km.Is(s, "global.back"):
		if m.dismiss() { // a failure on the bottom line goes first
			return m, nil
		}
		return m, m.back()
	case km.Is(s, "global.redraw"):
		return m, tea.ClearScreen
	case km.Is(s, "global.refresh"):
		if m.o.OnRefresh != nil {
			m.o.OnRefresh()
		}
		if r, ok := p.(pane.Refresher); ok {
			return m, m.wrap(m.active, r.Refresh())
		}
		return m, nil
	case km.Is(s, "global.next_pane"):
		return m, m.switchTo((m.active + 1) % max(len(m.o.Panes), 1))
	case km.Is(s, "global.prev_pane"):
		return m, m.switchTo((m.active - 1 + len(m.o.Panes)) % max(len(m.o.Panes), 1))
	}
	for i := 1; i <= 9; i++ {
		if km.Is(s, fmt.Sprintf("global.pane%d", i)) && i <= len(m.o.Panes) {
			return m, m.switchTo(i - 1)
		}
	}
	if p == nil {
		return m, nil
	}
	// Read-only, level one: a mutating binding never reaches the pane.
	if b, ok := km.Lookup(s, p.KeyGroups()...); ok && b.Mutates && m.o.Ctx.ReadOnly {
		m.showToast(themes.Warn, fmt.Sprintf("read-only session: %q (%s) is not available", b.Help, s))
		return m, m.record(audit.Entry{Action: b.Action, Target: m.o.Panes[m.active].ID, Outcome: "refused", Error: "read-only session"})
	}
	return m, m.updateActive(k)
}

// closeOverlay closes help or the audit view. The closing key is not lost:
// anything but esc, q or ? goes on to do its normal job (":" starts a command).
func (m *Model) closeOverlay(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.mode = modeNormal
	s := k.String()
	km := m.o.Ctx.Keys
	if km.Is(s, "global.back") || km.Is(s, "global.quit") || km.Is(s, "global.help") {
		return m, nil
	}
	return m.key(k)
}

// quit asks what to do with running long operations first (quit
// dialog); with none running it quits, interrupting short actions in
// flight (their audit record says so).
func (m *Model) quit() (tea.Model, tea.Cmd) {
	if m.longRunning() && m.mode != modeQuit {
		m.mode = modeQuit
		return m, nil
	}
	return m.quitNow()
}

func (m *Model) longRunning() bool {
	for _, r := range m.runs {
		if r.long {
			return true
		}
	}
	return false
}

// quitNow quits at once: running actions are interrupted (journaled ones
// are flushed by the caller of the program, which waits for them).
func (m *Model) quitNow() (tea.Model, tea.Cmd) {
	for _, r := range m.runs {
		r.cancel(ops.ErrInterrupted)
	}
	m.quitting = true
	return m, tea.Quit
}

// switchTo makes pane i active. It is not a drill-down: the breadcrumb
// stays with the pane it leads to and comes back with it.
func (m *Model) switchTo(i int) tea.Cmd {
	if i == m.active || i < 0 || i >= len(m.o.Panes) {
		return nil
	}
	if h, ok := m.cur().(pane.Hider); ok {
		h.Hide() // off screen now: its answers wait for its next draw
	}
	m.active = i
	m.releaseFirst() // the operator wants another pane: let its load go
	return nil
}

// releaseFirst lets the other panes' first loads start (activeFirst).
func (m *Model) releaseFirst() {
	if m.firstRelease != nil {
		m.firstRelease()
		m.firstRelease = nil
	}
	if f := m.firstLoaded; f != nil {
		m.firstLoaded = nil
		f()
	}
}

// OnFirstLoad sets f to run once, on the UI goroutine, when the active
// pane's first load is in or the operator switched panes before (the
// moment the other panes' first loads start).
func (m *Model) OnFirstLoad(f func()) { m.firstLoaded = f }

// onTrail: the active pane is where the drill-down path leads.
func (m *Model) onTrail() bool { return len(m.history) > 0 && m.active == m.trailEnd }

// pushCrumb saves the active pane's state as the next step of the path.
// A pivot from a pane off the path starts a new path there.
func (m *Model) pushCrumb() {
	if !m.onTrail() {
		m.history, m.arrived = nil, ""
	}
	c := crumb{pane: m.active, filter: m.filters[m.active], query: m.arrived}
	if mm, ok := m.cur().(pane.Memento); ok {
		c.state = mm.Save()
	}
	if tp, ok := m.cur().(pane.Tabled); ok && tp.Table() != nil {
		v := tp.Table().SaveView()
		c.view = &v
	}
	m.history = append(m.history, c)
	if len(m.history) > 50 {
		m.history = m.history[1:]
	}
}

// back: the pane's own inner level first, then up the drill-down path,
// then the filter.
func (m *Model) back() tea.Cmd {
	if b, ok := m.cur().(pane.Backer); ok && b.Back() {
		return nil
	}
	if m.onTrail() {
		n := len(m.history)
		c := m.history[n-1]
		m.history = m.history[:n-1]
		m.active, m.trailEnd, m.arrived = c.pane, c.pane, c.query
		if m.filters[c.pane] != c.filter {
			m.filters[c.pane] = c.filter
			m.o.Panes[c.pane].Pane.SetFilter(c.filter)
		}
		var cmd tea.Cmd
		if mm, ok := m.cur().(pane.Memento); ok && c.state != nil {
			cmd = m.wrap(m.active, mm.Restore(c.state))
		}
		if tp, ok := m.cur().(pane.Tabled); ok && c.view != nil && tp.Table() != nil {
			tp.Table().RestoreView(*c.view)
		}
		return cmd
	}
	// Nothing to go back to: clear the pane's filter, including one a
	// pivot set inside the pane (the shell does not see those).
	m.filters[m.active] = ""
	m.cur().SetFilter("")
	return nil
}

func (m *Model) paneIndex(id string) int {
	id = strings.ToLower(id)
	for i, e := range m.o.Panes {
		if e.ID == id {
			return i
		}
		for _, a := range e.Aliases {
			if a == id {
				return i
			}
		}
	}
	return -1
}

func (m *Model) pivot(p pane.PivotMsg) tea.Cmd {
	i := m.paneIndex(p.Pane)
	if i < 0 {
		m.showToast(themes.Warn, fmt.Sprintf("no %s pane in this session", p.Pane))
		return nil
	}
	m.pushCrumb()
	m.active, m.trailEnd, m.arrived = i, i, p.Query
	target := m.o.Panes[i].Pane
	if pv, ok := target.(pane.Pivoter); ok {
		m.filters[i] = ""
		return m.wrap(i, pv.Pivot(p.Query))
	}
	m.filters[i] = p.Query
	target.SetFilter(p.Query)
	return nil
}

// record returns a command that appends e to the audit log: file I/O stays
// out of Update. A record that cannot be written shows as an error toast.
func (m *Model) record(e audit.Entry) tea.Cmd {
	log := m.o.Audit
	if log == nil {
		return nil
	}
	e.ReadOnly = m.o.Ctx.ReadOnly
	return func() tea.Msg {
		if err := log.Record(e); err != nil {
			return pane.ToastMsg{Level: themes.Crit, Text: err.Error()}
		}
		return nil
	}
}

// Entries returns the panes (tests and the read-only proof drive them).
func (m *Model) Entries() []Entry { return m.o.Panes }

// Keys returns the effective keymap.
func (m *Model) Keys() *keymap.Map { return m.o.Ctx.Keys }

// Activate makes pane i active without a breadcrumb (tests).
func (m *Model) Activate(i int) {
	if i >= 0 && i < len(m.o.Panes) {
		m.active = i
	}
}
