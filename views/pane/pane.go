// Package pane is the contract between the app shell (ui) and the panes
// (views/*). Panes never do I/O in Update: they return tea.Cmds that call a
// datasource and come back as messages. They never see HTTP, and they render
// untrusted text only through ui/safe (usually via ui/table).
package pane

import (
	"context"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
)

// Context is what the shell gives every pane.
type Context struct {
	ReadOnly bool
	Theme    *themes.Theme
	Keys     *keymap.Map
	Now      func() time.Time
	// Refresh is the default refresh interval; panes may have their own.
	Refresh time.Duration
	// Hosts is the merged host model, read-only for panes: the shell
	// applies the Observations panes publish (see Observe). Nil in tests
	// that do not need it (a nil model knows nothing).
	Hosts *hostmodel.Model
}

// Observe returns a command that publishes what a pane loaded to the
// shell's host model. Panes call it from Update after a load landed. The
// observation names the model this pane reads, so one published by a pane
// of a cloud the shell has switched away from is dropped.
func (c Context) Observe(o hostmodel.Observation) tea.Cmd {
	o.For = c.Hosts
	return func() tea.Msg { return o }
}

// KeyText is an action's keys for a hint ("R", "]/["), from the user's
// keymap: hints never name a key the user rebound.
func (c Context) KeyText(action string) string {
	if c.Keys == nil {
		return action
	}
	return c.Keys.KeysText(action)
}

// Pane is one screen of the cockpit.
type Pane interface {
	// ID is the stable name used by :commands and pivots ("instances").
	ID() string
	// Title is the tab label.
	Title() string
	// KeyGroups are the keymap groups active in this pane, most specific
	// first ("instances", "table"). The shell uses them for help and for the
	// read-only gate.
	KeyGroups() []string
	Init() tea.Cmd
	// Update gets key presses meant for the pane and every non-key message.
	Update(msg tea.Msg) (Pane, tea.Cmd)
	// View renders exactly width x height cells (or less).
	View(width, height int) string
	// SetFilter applies the shell's "/" filter text ("host:compute03 web").
	SetFilter(text string)
	// Status reports data age, loading state and last error.
	Status() Status
	// Capturing is true while the pane owns the keyboard (a text input or a
	// form): the shell then passes every key through except ctrl+c.
	Capturing() bool
}

// Status is a pane's data freshness for the status line.
type Status struct {
	Updated time.Time // zero: never loaded
	Loading bool
	Err     error
	Note    string // e.g. "polling (tail dropped lines)"
	// Every is how often the pane reloads when it is not Context.Refresh
	// (a dashboard's own cadence); the shell's age label uses it.
	Every time.Duration
}

// Pivoter is implemented by panes that can be opened focused on something:
// a host, an instance, a request ID. Query is pane-specific filter text.
type Pivoter interface {
	Pivot(query string) tea.Cmd
}

// PivotMsg asks the shell to switch to pane Pane and pivot it on Query. The
// shell records the move in the breadcrumb history so esc comes back.
type PivotMsg struct {
	Pane  string
	Query string
}

// Pivot returns a command that emits a PivotMsg.
func Pivot(p, query string) tea.Cmd {
	return func() tea.Msg { return PivotMsg{Pane: p, Query: query} }
}

// Action is a change to the cloud (or a local one such as saving a file).
// Panes never run mutating calls themselves: they hand an Action to the shell,
// which refuses it in read-only sessions, asks for confirmation, writes the
// audit record and runs it off the UI goroutine.
type Action struct {
	Name    string // "evacuate", "restart-container"
	Target  string // "compute03", "compute03/nova_compute"
	Mutates bool
	// Confirm, when set, must be typed exactly by the user to proceed
	// (destructive actions). ConfirmYes asks only for y/enter.
	Confirm    string
	ConfirmYes bool
	// Checks are pre-check lines shown in the confirmation dialog.
	Checks []string
	// Run does the work. report() sends progress lines to the shell.
	Run func(ctx context.Context, report func(Progress)) (result string, err error)
	// Details go into the audit record (no secrets).
	Details map[string]string
	// Reason is the why the operator typed (a disable reason), and
	// Destinations where the action sends things (target hosts): both go
	// into every audit record of the action.
	Reason       string
	Destinations []string
	// Reconcile reads back whether the action happened when Run's request
	// reached the server but its reply was lost (Run's error wraps
	// httpclient.ErrReplyLost): Nova's instance action list and status,
	// the service's state, the container's state. The shell audits
	// "unknown", calls it, and audits and shows what it found. err means
	// it could not tell (still unknown). Nil: the outcome stays unknown.
	Reconcile func(ctx context.Context) (done bool, evidence string, err error)
	// Long marks a journaled long operation (evacuate, drain, a move and
	// its watch): q while one runs asks whether to wait, stop or resume
	// later. A short action in flight on quit is just interrupted and
	// audited.
	Long bool
	// Resume, when set, is the journal of an interrupted operation this
	// action resumes (appended to, not started afresh).
	Resume string
}

// ResumeMsg asks the pane that runs an operation to re-plan and resume an
// interrupted one (Entry is its ops.Entry). The shell sends it to Pane.
type ResumeMsg struct {
	Pane  string
	Entry any
}

// Progress is a running action's progress report.
type Progress struct {
	Done, Total int
	Line        string
	// Event is the operation's own event (an ops.Event), broadcast to the
	// panes in an ActionProgressMsg: the pane that started the action
	// renders it from Update.
	Event any
}

// RunActionMsg asks the shell to run an action.
type RunActionMsg struct{ Action Action }

// RunAction returns a command that hands a to the shell.
func RunAction(a Action) tea.Cmd { return func() tea.Msg { return RunActionMsg{Action: a} } }

// ActionProgressMsg is broadcast while an action runs.
type ActionProgressMsg struct {
	Name, Target string
	Progress
}

// ActionDoneMsg is broadcast to every pane when an action ends, so panes can
// refresh.
type ActionDoneMsg struct {
	Name, Target, Result string
	Err                  error
	Refused              bool // refused by read-only mode
}

// ToastMsg shows a transient message in the shell.
type ToastMsg struct {
	Text  string
	Level themes.Role // themes.OK, Warn, Crit, Info
}

// Toast returns a command that emits a ToastMsg.
func Toast(level themes.Role, text string) tea.Cmd {
	return func() tea.Msg { return ToastMsg{Text: text, Level: level} }
}

// CopyMsg asks the shell to copy text to the clipboard (OSC 52). The shell
// passes Text through safe.Clipboard for its Kind (the zero value is one
// line) and refuses what may not be pasted; panes send the raw text.
type CopyMsg struct {
	Text string
	Kind safe.Kind
}

// Copy returns a command that emits a CopyMsg.
func Copy(text string, kind safe.Kind) tea.Cmd {
	return func() tea.Msg { return CopyMsg{Text: text, Kind: kind} }
}

// Age renders a data age compactly: "3s", "2m", "1h".
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return itoa(int(d/time.Hour)) + "h"
	default:
		return itoa(int(d/(24*time.Hour))) + "d"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// TickMsg is the shell's once-a-second clock; panes may use it to schedule
// refreshes without their own timers.
type TickMsg time.Time

// Backer is implemented by panes with inner levels (a detail view, a
// sub-section). On esc the shell first asks the pane to go back one level;
// only when Back returns false does it pop its own breadcrumb history.
type Backer interface {
	Back() bool
}

// Refresher is implemented by panes that can reload on demand (ctrl+r).
type Refresher interface {
	Refresh() tea.Cmd
}

// DataAge renders how old data is in 10-second steps ("<10s", "20s", "3m").
// Freshness labels change only every ten seconds, so an idle cockpit redraws
// (and writes to a slow SSH link) rarely — use it for "updated … ago".
func DataAge(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return "<10s"
	case d < time.Minute:
		return itoa(int(d/(10*time.Second))*10) + "s"
	}
	return Age(d)
}

// FreshAge is DataAge for data reloaded every `every`: while it is no older
// than one cycle plus slack it reads as one constant "<Ns" (N rounded up to
// ten seconds), so a pane that reloads the same data never changes its
// label; only data that stopped refreshing shows its age. every <= 0 is
// DataAge.
func FreshAge(d, every time.Duration) string {
	if every <= 0 {
		return DataAge(d)
	}
	limit := every + max(every/2, 5*time.Second)
	limit = (limit + 10*time.Second - 1) / (10 * time.Second) * (10 * time.Second)
	if limit > time.Minute {
		// Age shows whole minutes: round up, so the label is never
		// younger than the data can be.
		limit = (limit + time.Minute - 1) / time.Minute * time.Minute
	}
	if d < limit {
		return "<" + Age(limit)
	}
	return DataAge(d)
}

// BeatAge renders a service heartbeat's age in coarse steps: "<30s" for a
// service that reports normally (Nova and Neutron report every 10-30 s), then
// DataAge. A heartbeat column that moved every second would redraw every row
// of an idle screen.
func BeatAge(d time.Duration) string { return FreshAge(d, 20*time.Second) }

// BeatCell is a heartbeat column's cell at now: BeatAge's text, whole
// seconds to sort by; "-" for no heartbeat (a zero time).
func BeatCell(beat, now time.Time) table.Cell {
	if beat.IsZero() {
		return table.Cell{Text: "-"}
	}
	d := now.Sub(beat)
	return table.Cell{Text: BeatAge(d), Sort: strconv.FormatInt(int64(d/time.Second), 10)}
}

// SlowRefresh is how long a background refresh runs before the pane says
// so ("refreshing…"): a routine refresh that answers sooner and changes
// nothing leaves the screen, and the terminal link, untouched.
const SlowRefresh = 2 * time.Second

// Freshness is a header's data-age tail: " · loading…" before the first
// data, " · no data" when none came, else " · updated <age> ago" (FreshAge
// for data reloaded every `every`), plus " · refreshing…" once a reload has
// run SlowRefresh. Every table pane's header ends with it.
func Freshness(now, updated, tried time.Time, loading bool, every time.Duration) string {
	switch {
	case updated.IsZero() && loading:
		return " · loading…"
	case updated.IsZero():
		return " · no data"
	}
	s := " · updated " + FreshAge(now.Sub(updated), every) + " ago"
	if loading && now.Sub(tried) >= SlowRefresh {
		s += " · refreshing…"
	}
	return s
}

// Memento is implemented by panes whose pivots change inner state the
// shell cannot see (the logs pane's query). The shell saves it in the
// breadcrumb before leaving and restores it when esc comes back.
type Memento interface {
	Save() any
	Restore(state any) tea.Cmd
}

// LoadKeyed is implemented by load results that replace the previous result
// of the same kind ("alerts", "services"): the shell drops a result when a
// newer load of the same key, issued later by the same pane, already
// landed. The shell also drops whatever a pane's commands answer after the
// cloud switched or the pane was replaced, so panes keep no counters of
// their own for that. Results that merge into what is there (deltas) must
// not implement it.
type LoadKeyed interface {
	LoadKey() string
}

// Tabled is implemented by list panes built on ui/table: the shell saves
// the table's cursor, scroll and sort in the breadcrumb before a drill-down
// and restores them when esc comes back up. The pane returns the table the
// operator sees now.
type Tabled interface {
	Table() *table.Model
}
