package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

func init() {
	keymap.Register(
		keymap.Binding{Action: "fake.reboot", Keys: []string{"R"}, Help: "reboot", Group: "fake", Mutates: true},
		keymap.Binding{Action: "fake.pivot", Keys: []string{"p"}, Help: "pivot", Group: "fake"},
	)
}

// fakePane records what the shell sends it.
type fakePane struct {
	id, filter string
	keys       []string
	pivoted    string
	name       string
	ctx        pane.Context
	action     *pane.Action
	detail     bool
	onMsg      func(tea.Msg)
}

func (f *fakePane) ID() string          { return f.id }
func (f *fakePane) Title() string       { return f.id }
func (f *fakePane) KeyGroups() []string { return []string{"fake", "table"} }
func (f *fakePane) Init() tea.Cmd       { return nil }
func (f *fakePane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	if f.onMsg != nil {
		f.onMsg(msg)
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		f.keys = append(f.keys, k.String())
		switch {
		case f.ctx.Keys.Is(k.String(), "fake.reboot"):
			a := *f.action
			return f, pane.RunAction(a)
		case f.ctx.Keys.Is(k.String(), "fake.pivot"):
			return f, pane.Pivot("two", "host:compute04")
		case k.String() == "enter":
			f.detail = true
		}
	}
	return f, nil
}
func (f *fakePane) View(w, h int) string {
	return safe.Fit("pane "+f.id+" filter="+f.filter+" name="+f.name, w)
}
func (f *fakePane) SetFilter(s string) { f.filter = s }
func (f *fakePane) Status() pane.Status {
	return pane.Status{Updated: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}
func (f *fakePane) Capturing() bool        { return false }
func (f *fakePane) Pivot(q string) tea.Cmd { f.pivoted = q; return nil }
func (f *fakePane) Back() bool {
	if f.detail {
		f.detail = false
		return true
	}
	return false
}

type env struct {
	m        *Model
	one, two *fakePane
	log      *audit.Log
	ran      int
}

func newEnv(t *testing.T, readOnly bool) *env {
	t.Helper()
	now := time.Date(2026, 11, 22, 12, 0, 3, 0, time.UTC)
	ctx := pane.Context{ReadOnly: readOnly, Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}
	e := &env{}
	e.one = &fakePane{id: "one", ctx: ctx, name: "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"}
	e.two = &fakePane{id: "two", ctx: ctx}
	e.one.action = &pane.Action{Name: "reboot", Target: "vm1", Mutates: true, Confirm: "vm1",
		Checks: []string{"vm1 is ACTIVE on compute01"},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			e.ran++
			return "rebooting", nil
		}}
	e.log = audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	e.m = New(Options{Panes: []Entry{{ID: "one", Title: "One", Aliases: []string{"uno"}, Pane: e.one}, {ID: "two", Title: "Two", Pane: e.two}},
		Ctx: ctx, Header: Header{Cloud: "demo", Region: "RegionOne", User: "admin", Project: "admin"}, Audit: e.log,
		Clock: func() time.Time { return now }, ShowClock: true})
	e.m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return e
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press feeds keys and runs the resulting commands' messages back in
// (one level deep, like the runtime would).
func (e *env) press(keys ...string) {
	for _, k := range keys {
		_, cmd := e.m.Update(key(k))
		e.drain(cmd)
	}
}

func (e *env) drain(cmd tea.Cmd) {
	for i := 0; cmd != nil && i < 5; i++ {
		msg := cmd()
		if msg == nil {
			return
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				e.drain(c)
			}
			return
		}
		if _, ok := msg.(tea.QuitMsg); ok {
			return
		}
		_, cmd = e.m.Update(msg)
	}
}

func (e *env) typeText(s string) {
	for _, r := range s {
		e.press(string(r))
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	got = ansi.Strip(got)
	p := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(p, []byte(got), 0o644)
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGoldenShellSizes(t *testing.T) {
	e := newEnv(t, true)
	golden(t, "shell_80x24_readonly", e.m.Render())
	e.m.Update(tea.WindowSizeMsg{Width: 60, Height: 15})
	out := e.m.Render()
	golden(t, "shell_60x15_readonly", out)
	lines := strings.Split(ansi.Strip(out), "\n")
	if len(lines) != 15 {
		t.Fatalf("want 15 lines, got %d", len(lines))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("line over 60 cells: %q", l)
		}
	}
	if !strings.Contains(out, "READ-ONLY") || strings.Contains(out, "\x1b]52") || !strings.Contains(out, `\e]52;c;`) {
		t.Fatal("badge missing or escape leaked")
	}
}

func TestReadOnlyRefusesMutatingKeyAndAction(t *testing.T) {
	e := newEnv(t, true)
	e.press("R")
	if len(e.one.keys) != 0 {
		t.Fatalf("mutating key reached the pane: %v", e.one.keys)
	}
	// Even if a pane hands the shell a mutating action, it is refused.
	e.drain(pane.RunAction(*e.one.action))
	if e.ran != 0 {
		t.Fatal("action ran in read-only session")
	}
	es, _ := e.log.Tail(10)
	if len(es) != 2 || es[0].Outcome != "refused" || es[1].Outcome != "refused" || !es[1].ReadOnly {
		t.Fatalf("audit %+v", es)
	}
}

func TestTypedConfirmationRunsAndAudits(t *testing.T) {
	e := newEnv(t, false)
	e.press("R")
	if e.m.mode != modeDialog || !strings.Contains(e.m.Render(), "Type \"vm1\" to confirm") {
		t.Fatalf("no dialog:\n%s", e.m.Render())
	}
	golden(t, "dialog_80x24", e.m.Render())
	e.typeText("vm")
	e.press("enter")
	if e.ran != 0 || e.m.mode != modeDialog {
		t.Fatal("ran on wrong confirmation text")
	}
	e.typeText("1")
	e.press("enter")
	if e.ran != 1 {
		t.Fatal("did not run after typed confirmation")
	}
	es, _ := e.log.Tail(10)
	if len(es) != 2 || es[0].Outcome != "started" || es[1].Outcome != "ok" || es[1].Result != "rebooting" {
		t.Fatalf("audit %+v", es)
	}
	e.press("R", "esc")
	es, _ = e.log.Tail(10)
	if es[len(es)-1].Outcome != "cancelled" || e.ran != 1 {
		t.Fatalf("cancel not audited: %+v", es)
	}
}

func TestPivotAndBreadcrumbBack(t *testing.T) {
	e := newEnv(t, false)
	e.press("p")
	if e.m.active != 1 || e.two.pivoted != "host:compute04" {
		t.Fatalf("pivot failed: active=%d pivoted=%q", e.m.active, e.two.pivoted)
	}
	e.press("esc")
	if e.m.active != 0 {
		t.Fatal("esc did not go back")
	}
	e.press("enter") // pane opens its detail view
	e.press("esc")
	if e.one.detail || e.m.active != 0 {
		t.Fatal("esc should close the pane's own detail first")
	}
}

func TestCommandLineAliasesCompletionAndFilter(t *testing.T) {
	e := newEnv(t, false)
	e.press(":")
	e.typeText("tw")
	e.press("tab")
	if e.m.input.Text != "two" {
		t.Fatalf("completion: %q", e.m.input.Text)
	}
	e.press("enter")
	if e.m.active != 1 {
		t.Fatal(":two did not switch")
	}
	e.press(":")
	e.typeText("uno")
	e.press("enter")
	if e.m.active != 0 {
		t.Fatal("alias :uno did not switch")
	}
	e.press("/")
	e.typeText("host:c1")
	if e.one.filter != "host:c1" {
		t.Fatalf("live filter: %q", e.one.filter)
	}
	e.press("enter")
	if !strings.Contains(e.m.Render(), "filter: host:c1") {
		t.Fatal("status line lacks filter")
	}
	e.press(":")
	e.typeText("bogus")
	e.press("enter")
	if !strings.Contains(e.m.Render(), `unknown command "bogus"`) {
		t.Fatal("unknown command not reported")
	}
}

func TestHelpOverlayFromKeymap(t *testing.T) {
	e := newEnv(t, true)
	e.press("?")
	out := ansi.Strip(e.m.Render())
	for _, want := range []string{"global", "fake", "reboot", "(read-only: off)", "redraw screen"} {
		if !strings.Contains(out, want) {
			t.Fatalf("help lacks %q:\n%s", want, out)
		}
	}
	e.press("x")
	if e.m.mode != modeNormal {
		t.Fatal("help not closed")
	}
}

// Issue 16: help states the key grammar in one line (pivot letters, and
// that uppercase and ctrl chords change the cloud).
func TestGoldenHelpShowsTheKeyGrammar(t *testing.T) {
	e := newEnv(t, false)
	e.press("?")
	out := ansi.Strip(e.m.Render())
	for _, want := range []string{"lowercase: move, view, pivot (one letter per target, in every pane)", "UPPERCASE or ctrl: changes the cloud (*)",
		"pivots: h host", "i instances", "c containers", "l logs", "m metrics",
		"a alerts", "r request", "s silences", "v agents"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	e.m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	golden(t, "help_120x24", e.m.Render())
}

func TestAuditOverlay(t *testing.T) {
	e := newEnv(t, true)
	e.press("R")
	e.press(":")
	e.typeText("audit")
	e.press("enter")
	if out := ansi.Strip(e.m.Render()); !strings.Contains(out, "refused") || !strings.Contains(out, "fake.reboot") {
		t.Fatalf("audit overlay:\n%s", out)
	}
}

func TestYesNoDialogEnterMeansNo(t *testing.T) {
	e := newEnv(t, false)
	e.one.action.Confirm, e.one.action.ConfirmYes = "", true
	e.press("R", "enter")
	if e.ran != 0 || e.m.mode != modeNormal {
		t.Fatal("enter confirmed a [y/N] dialog")
	}
	e.press("R", "y")
	if e.ran != 1 {
		t.Fatal("y did not confirm")
	}
}

func TestDialogOnSmallPaneKeepsTheQuestion(t *testing.T) {
	e := newEnv(t, false)
	var checks []string
	for i := 0; i < 30; i++ {
		checks = append(checks, "pre-check line that is long enough to need wrapping on a sixty column tmux pane")
	}
	e.one.action.Checks = checks
	e.m.Update(tea.WindowSizeMsg{Width: 60, Height: 15})
	e.press("R")
	out := ansi.Strip(e.m.Render())
	if !strings.Contains(out, `Type "vm1" to confirm`) || !strings.Contains(out, "more line(s)") {
		t.Fatalf("question off screen:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("line over 60: %q", l)
		}
	}
}

func TestEscClearsAPivotFilterAndOverlaysPassKeysOn(t *testing.T) {
	e := newEnv(t, false)
	e.press("p") // pivot into two (a Pivoter: it holds the filter itself)
	e.two.filter = "host:compute04"
	e.press("esc") // back to one: the history is empty now
	e.m.Activate(1)
	e.press("esc")
	if e.two.filter != "" {
		t.Fatalf("esc left the pivot filter: %q", e.two.filter)
	}
	e.press("?", ":")
	if e.m.mode != modeCommand {
		t.Fatal("the key that closed help was lost")
	}
}

// memPane is a pane whose pivots change inner state (like the logs query).
type memPane struct {
	fakePane
	query string
}

func (m *memPane) Pivot(q string) tea.Cmd { m.query = q; return nil }
func (m *memPane) Save() any              { return m.query }
func (m *memPane) Restore(s any) tea.Cmd  { m.query = s.(string); return nil }
func (m *memPane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "p" {
		return m, pane.Pivot("mem", "req:req-1")
	}
	return m, nil
}

func TestEscRestoresStateAPivotReplaced(t *testing.T) {
	e := newEnv(t, false)
	mp := &memPane{fakePane: fakePane{id: "mem", ctx: e.one.ctx}, query: `{host="compute04"}`}
	e.m.o.Panes = append(e.m.o.Panes, Entry{ID: "mem", Title: "Mem", Pane: mp})
	e.m.filters = append(e.m.filters, "")
	e.m.Activate(2)
	e.press("p") // a pivot inside the same pane
	if mp.query != "req:req-1" {
		t.Fatalf("pivot: %q", mp.query)
	}
	e.press("esc")
	if mp.query != `{host="compute04"}` || e.m.active != 2 {
		t.Fatalf("esc did not restore the replaced query: %q", mp.query)
	}
}

func TestUnauditableActionDoesNotRun(t *testing.T) {
	e := newEnv(t, false)
	e.m.o.Audit = audit.Open("/proc/nonexistent/audit.jsonl")
	e.press("R")
	e.typeText("vm1")
	e.press("enter")
	if e.ran != 0 {
		t.Fatal("an action ran without its audit record")
	}
	if out := ansi.Strip(e.m.Render()); !strings.Contains(out, "not run: audit log") {
		t.Fatalf("no error shown:\n%s", out)
	}
}

// lostReply is what the datasource returns when the reboot reached Nova
// and the connection dropped before its answer.
var lostReply = fmt.Errorf("nova: POST /servers/vm1/action: %w", &httpclient.ReplyLostError{Method: "POST", Err: errors.New("connection reset by peer")})

func TestLostReplyIsUnknownThenReconciled(t *testing.T) {
	for _, tc := range []struct {
		name      string
		done      bool
		err       error
		outcome   string
		toast     string
		reconcile bool
	}{
		{"done", true, nil, "reconciled: done", "reply lost, but it was done: instance action reboot", true},
		{"not done", false, nil, "reconciled: not done", "reply lost and it was NOT done", true},
		{"still unknown", false, errors.New("nova unreachable"), "reconciled: still unknown", "outcome still unknown", true},
		{"no read-back", false, nil, "", "outcome unknown", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, false)
			e.m.o.Audit.SetIdentity("demo", "admin", "ops")
			a := *e.one.action
			a.Reason, a.Destinations = "guest hung", []string{"compute05"}
			a.Run = func(context.Context, func(pane.Progress)) (string, error) { e.ran++; return "", lostReply }
			checked := 0
			if tc.reconcile {
				a.Reconcile = func(ctx context.Context) (bool, string, error) {
					checked++
					return tc.done, "instance action reboot (req-1) at 12:00:04", tc.err
				}
			}
			_, cmd := e.m.Update(actionFinished{id: 1, action: a, err: lostReply})
			if out := ansi.Strip(e.m.Render()); tc.reconcile && !strings.Contains(out, "outcome unknown — checking…") {
				t.Fatalf("no 'checking' while reading back:\n%s", out)
			}
			e.drain(cmd)
			es, _ := e.log.Tail(10)
			want := 2
			if !tc.reconcile {
				want = 1
			}
			if len(es) != want || es[0].Outcome != "unknown" || !strings.Contains(es[0].Error, "reply lost") {
				t.Fatalf("audit %+v", es)
			}
			for _, r := range es {
				if r.Reason != "guest hung" || len(r.Destinations) != 1 || r.CloudUser != "admin" || r.Project != "ops" || r.OSUser == "" {
					t.Fatalf("record lacks who/why/where: %+v", r)
				}
			}
			if tc.reconcile && (es[1].Outcome != tc.outcome || checked != 1) {
				t.Fatalf("reconciled %+v (read-backs %d)", es[1], checked)
			}
			if out := ansi.Strip(e.m.Render()); !strings.Contains(out, tc.toast) {
				t.Fatalf("toast %q missing:\n%s", tc.toast, out)
			}
			if len(e.m.runs) != 0 {
				t.Fatalf("run left behind: %+v", e.m.runs)
			}
		})
	}
}

func TestAuditOverlayShowsWhoWhyWhere(t *testing.T) {
	e := newEnv(t, false)
	e.m.o.Audit.SetIdentity("demo", "alice", "ops")
	e.m.o.Audit.Record(audit.Entry{Action: "live-migrate", Target: "vm1", Outcome: "unknown", Reason: "kernel update",
		Destinations: []string{"compute05"}, Error: "request sent, reply lost"})
	e.press(":")
	e.typeText("audit")
	e.press("enter")
	out := ansi.Strip(e.m.Render())
	for _, want := range []string{"unknown", "live-migrate vm1 → compute05", "as alice@ops", `reason "kernel update"`, "reply lost"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit view lacks %q:\n%s", want, out)
		}
	}
}

// ctrl+r tells the session (a backing-off Keystone client) before the pane
// reloads.
func TestManualRefreshCallsOnRefresh(t *testing.T) {
	e := newEnv(t, true)
	n := 0
	e.m.o.OnRefresh = func() { n++ }
	e.m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	if n != 1 {
		t.Fatalf("OnRefresh ran %d times on ctrl+r, want 1", n)
	}
}

// The header clock is opt-in: without it an idle header never changes
// (the 0 bytes per idle minute); with it, it shows hh:mm.
func TestHeaderClockIsOptIn(t *testing.T) {
	e := newEnv(t, false)
	if top := strings.Split(ansi.Strip(e.m.Render()), "\n")[0]; !strings.HasSuffix(top, "12:00") {
		t.Fatalf("ShowClock: header %q lacks the time", top)
	}
	e.m.o.ShowClock = false
	if top := strings.Split(ansi.Strip(e.m.Render()), "\n")[0]; strings.Contains(top, "12:00") {
		t.Fatalf("clock shown without ShowClock: %q", top)
	}
}

// A key override that breaks the grammar loads with a warning the operator
// sees at start (and finds again in :messages).
func TestNoticesShownAtStart(t *testing.T) {
	e := newEnv(t, false)
	m := New(Options{Panes: e.m.o.Panes, Ctx: e.m.o.Ctx, Notices: []string{"cfg.yaml:2: keys: warning: instances.reboot on b"}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "keys: warning: instances.reboot on b") {
		t.Fatalf("notice not shown:\n%s", out)
	}
	if len(m.messages) != 1 {
		t.Fatalf("notice not kept in messages: %+v", m.messages)
	}
}
