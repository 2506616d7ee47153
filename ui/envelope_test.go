package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// loadPane issues loads whose answers the test releases one by one.
type loadPane struct {
	id   string
	got  []string       // values of the loadMsgs it received
	next func() tea.Cmd // what its next Refresh returns
	repl *loadPane      // Update(replaceMsg) returns this instance
}

type loadMsg struct {
	key, v string
}

func (l loadMsg) LoadKey() string { return l.key }

type unkeyedMsg struct{ v string }
type replaceMsg struct{}

func (p *loadPane) ID() string          { return p.id }
func (p *loadPane) Title() string       { return p.id }
func (p *loadPane) KeyGroups() []string { return nil }
func (p *loadPane) Init() tea.Cmd       { return nil }
func (p *loadPane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadMsg:
		p.got = append(p.got, m.v)
	case unkeyedMsg:
		p.got = append(p.got, m.v)
	case replaceMsg:
		if p.repl != nil {
			return p.repl, nil
		}
	}
	return p, nil
}
func (p *loadPane) View(w, h int) string { return "pane " + p.id + " got=" + strings.Join(p.got, ",") }
func (p *loadPane) SetFilter(string)     {}
func (p *loadPane) Status() pane.Status  { return pane.Status{} }
func (p *loadPane) Capturing() bool      { return false }
func (p *loadPane) Refresh() tea.Cmd     { return p.next() }
func (p *loadPane) Pivot(string) tea.Cmd { return p.next() }
func send(v tea.Msg) func() tea.Cmd      { return func() tea.Cmd { return func() tea.Msg { return v } } }
func staticCmd(v tea.Msg) tea.Cmd        { return func() tea.Msg { return v } }
func (p *loadPane) saw(v string) bool {
	return strings.Contains(","+strings.Join(p.got, ",")+",", ","+v+",")
}

func loadShell(panes ...*loadPane) *Model {
	var es []Entry
	for _, p := range panes {
		es = append(es, Entry{ID: p.id, Title: p.id, Pane: p})
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	m := New(Options{Panes: es, Ctx: pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }},
		Clock: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 10})
	return m
}

// refresh presses ctrl+r in the active pane and returns the wrapped command
// without running it (the load is "in flight").
func refresh(m *Model) tea.Cmd {
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	if cmd == nil {
		panic("refresh returned no command")
	}
	return cmd
}

// land runs an in-flight command and feeds its messages (batches, one level
// of follow-ups) to the shell, like the runtime.
func land(m *Model, cmd tea.Cmd) {
	for i := 0; cmd != nil && i < 5; i++ {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				land(m, c)
			}
			return
		}
		if msg == nil {
			return
		}
		_, cmd = m.Update(msg)
	}
}

// Cloud switched: an answer the old cloud's pane asked for never reaches
// the new cloud's pane of the same kind (nor the old one).
func TestEnvelopeDropsAfterCloudSwitch(t *testing.T) {
	old := &loadPane{id: "instances", next: send(loadMsg{key: "servers", v: "old-cloud"})}
	m := loadShell(old)
	inflight := refresh(m)
	fresh := &loadPane{id: "instances", next: send(loadMsg{key: "servers", v: "new-cloud"})}
	m.Update(cloudSwitched{name: "b", o: Options{Panes: []Entry{{ID: "instances", Title: "instances", Pane: fresh}}, Ctx: m.o.Ctx}})
	land(m, inflight)
	if len(fresh.got) != 0 || len(old.got) != 0 {
		t.Fatalf("old cloud's answer delivered: new pane got %v, old pane got %v", fresh.got, old.got)
	}
	land(m, refresh(m))
	if !fresh.saw("new-cloud") {
		t.Fatalf("new cloud's own answer dropped: %v", fresh.got)
	}
}

// Pane replaced: when a pane's Update hands back another instance, what the
// old instance asked for is dropped.
func TestEnvelopeDropsForReplacedPane(t *testing.T) {
	repl := &loadPane{id: "p", next: send(unkeyedMsg{"mine"})}
	p := &loadPane{id: "p", next: send(unkeyedMsg{"predecessor"}), repl: repl}
	m := loadShell(p)
	inflight := refresh(m)
	m.Update(replaceMsg{}) // broadcast: the pane replaces itself
	if m.o.Panes[0].Pane != repl {
		t.Fatal("pane not replaced")
	}
	land(m, inflight)
	if len(repl.got) != 0 || len(p.got) != 0 {
		t.Fatalf("predecessor's answer delivered: %v / %v", repl.got, p.got)
	}
	land(m, refresh(m))
	if !repl.saw("mine") {
		t.Fatalf("replacement's own answer dropped: %v", repl.got)
	}
}

// Newer load landed: an older result of the same key arriving after a newer
// one is dropped; other keys and in-order arrivals are not.
func TestEnvelopeDropsOlderLoadOfSameKey(t *testing.T) {
	p := &loadPane{id: "alerts"}
	m := loadShell(p)
	p.next = send(loadMsg{key: "alerts", v: "first"})
	first := refresh(m)
	p.next = send(loadMsg{key: "alerts", v: "second"})
	second := refresh(m)
	p.next = send(loadMsg{key: "silences", v: "other-key"})
	other := refresh(m)
	land(m, second)
	land(m, first)
	land(m, other)
	if p.saw("first") || !p.saw("second") || !p.saw("other-key") {
		t.Fatalf("got %v, want second and other-key only", p.got)
	}
	// In order, both land.
	p.got = nil
	p.next = send(loadMsg{key: "alerts", v: "third"})
	third := refresh(m)
	p.next = send(loadMsg{key: "alerts", v: "fourth"})
	fourth := refresh(m)
	land(m, third)
	land(m, fourth)
	if !p.saw("third") || !p.saw("fourth") {
		t.Fatalf("in-order loads dropped: %v", p.got)
	}
	// Unkeyed messages are never dropped for order.
	p.got = nil
	p.next = send(unkeyedMsg{"u1"})
	u1 := refresh(m)
	p.next = send(unkeyedMsg{"u2"})
	u2 := refresh(m)
	land(m, u2)
	land(m, u1)
	if !p.saw("u1") || !p.saw("u2") {
		t.Fatalf("unkeyed message dropped: %v", p.got)
	}
}

// An answer goes to the pane instance that asked, not to every pane (two
// panes of one kind, e.g. two dashboards, do not see each other's data).
func TestEnvelopeDeliversOnlyToItsPane(t *testing.T) {
	a := &loadPane{id: "a", next: send(unkeyedMsg{"for-a"})}
	b := &loadPane{id: "b"}
	m := loadShell(a, b)
	land(m, refresh(m))
	if !a.saw("for-a") || len(b.got) != 0 {
		t.Fatalf("a got %v, b got %v", a.got, b.got)
	}
}

// Messages for the shell (toast, pivot, ...) are opened and handled as
// before; stale ones are dropped too.
func TestEnvelopeShellMessages(t *testing.T) {
	p := &loadPane{id: "one", next: send(pane.ToastMsg{Level: themes.Info, Text: "hello from one"})}
	two := &loadPane{id: "two", next: send(nil)}
	m := loadShell(p, two)
	land(m, refresh(m))
	if !strings.Contains(ansi.Strip(m.Render()), "hello from one") {
		t.Fatalf("toast not shown:\n%s", ansi.Strip(m.Render()))
	}
	// A pivot inside a batch is unwrapped and followed; the target's own
	// answer to the pivot comes back to it.
	two.next = send(unkeyedMsg{"pivoted"})
	p.next = func() tea.Cmd {
		return tea.Batch(staticCmd(pane.PivotMsg{Pane: "two", Query: "x"}), staticCmd(unkeyedMsg{"batched"}))
	}
	land(m, refresh(m))
	if m.active != 1 || !two.saw("pivoted") || !p.saw("batched") || two.saw("batched") {
		t.Fatalf("active %d, one got %v, two got %v", m.active, p.got, two.got)
	}
	// A stale toast is dropped.
	m.toast = nil
	m.Activate(0)
	p.next = send(pane.ToastMsg{Level: themes.Info, Text: "late toast"})
	inflight := refresh(m)
	m.Update(cloudSwitched{name: "b", o: Options{Panes: []Entry{{ID: "one", Title: "one", Pane: &loadPane{id: "one"}}}, Ctx: m.o.Ctx}})
	m.toast = nil
	land(m, inflight)
	if m.toast != nil {
		t.Fatalf("stale toast shown: %q", m.toast.text)
	}
}

// The runtime's own messages (clipboard, quit) produced by a pane's command
// reach the runtime unwrapped; tea.Sequence keeps its type with every
// command wrapped.
func TestEnvelopeRuntimeMessages(t *testing.T) {
	p := &loadPane{id: "one", next: func() tea.Cmd { return tea.SetClipboard("x") }}
	m := loadShell(p)
	msg := refresh(m)()
	env, ok := msg.(envelope)
	if !ok {
		t.Fatalf("pane answer not wrapped: %T", msg)
	}
	_, cmd := m.Update(env)
	if cmd == nil {
		t.Fatal("runtime message swallowed")
	}
	if got := cmd(); got != env.msg {
		t.Fatalf("runtime got %#v, want %#v", got, env.msg)
	}
	p.next = func() tea.Cmd { return tea.Sequence(staticCmd(unkeyedMsg{"s1"}), staticCmd(unkeyedMsg{"s2"})) }
	seq := refresh(m)()
	if _, isBatch := seq.(tea.BatchMsg); isBatch {
		t.Fatal("sequence became a batch")
	}
	// Run it as the runtime would: in order, each result wrapped.
	v := reflect.ValueOf(seq)
	if v.Kind() != reflect.Slice || v.Len() != 2 {
		t.Fatalf("sequence lost: %T", seq)
	}
	for i := range v.Len() {
		got := v.Index(i).Interface().(tea.Cmd)()
		if _, ok := got.(envelope); !ok {
			t.Fatalf("sequence step %d not wrapped: %T", i, got)
		}
		m.Update(got)
	}
	if strings.Join(p.got, ",") != "s1,s2" {
		t.Fatalf("sequence delivered %v", p.got)
	}
}

// A pane's observation (what it loaded about hosts) comes back in an
// envelope like any answer: the shell must still apply it to the host
// model and pass it on to every pane, or the strip never hears of an
// incident (it stayed "no host data" while Compute showed a host DOWN).
func TestEnvelopeObservationReachesTheHostModel(t *testing.T) {
	obs := hostmodel.Observation{Pane: "a", Source: hostmodel.Nova, At: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
		Facts: []hostmodel.Fact{hostmodel.ServiceFact("compute04", "nova-compute", true, false)}}
	a := &loadPane{id: "a", next: send(obs)}
	b := &loadPane{id: "b"}
	m := loadShell(a, b)
	m.o.Ctx.Hosts = hostmodel.New()
	land(m, refresh(m))
	if s := m.hosts().Summarize(); len(s.HostsDown) != 1 || s.HostsDown[0] != "compute04" {
		t.Fatalf("observation not applied: %+v", s)
	}
	if !strings.Contains(ansi.Strip(m.Render()), "1 host DOWN (compute04)") {
		t.Fatalf("strip:\n%s", ansi.Strip(m.Render()))
	}
}
