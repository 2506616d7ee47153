package silences

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
	"github.com/stackpit/stackpit/views/pane"
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

type fakeSource struct {
	mu       sync.Mutex
	alerts   []alertmanager.Alert
	silences []alertmanager.Silence
	created  []alertmanager.NewSilence
	expired  []string
}

func (f *fakeSource) Alerts(context.Context, alertmanager.AlertFilter) (alertmanager.AlertsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return alertmanager.AlertsResult{Alerts: append([]alertmanager.Alert(nil), f.alerts...),
		Sources: alertmanager.Sources{{Instance: "am1"}, {Instance: "am2"}}}, nil
}

func (f *fakeSource) Silences(context.Context, alertmanager.Matchers) (alertmanager.SilencesResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]alertmanager.Silence(nil), f.silences...)
	alertmanager.SortSilences(out)
	return alertmanager.SilencesResult{Silences: out, Sources: alertmanager.Sources{{Instance: "am1"}, {Instance: "am2"}}}, nil
}

func (f *fakeSource) CreateSilence(_ context.Context, s alertmanager.NewSilence) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, s)
	return "11111111-2222-4333-8444-555555555555", "am1", nil
}

func (f *fakeSource) ExpireSilence(_ context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired = append(f.expired, id)
	for i := range f.silences {
		if f.silences[i].ID == id {
			f.silences[i].Status.State = "expired"
			f.silences[i].EndsAt = testNow
		}
	}
	return "am1", nil
}

func fixtureSource(t testing.TB) *fakeSource {
	f := &fakeSource{}
	readFixture(t, "am_alerts_with_silence.json", &f.alerts)
	readFixture(t, "am_silences_with_active.json", &f.silences)
	for i := range f.silences {
		f.silences[i].Instances = []string{"am1", "am2"}
	}
	f.silences = append(f.silences,
		alertmanager.Silence{ID: "9a7b3c1d-2e4f-4a6b-8c9d-0e1f2a3b4c5d", Status: alertmanager.SilenceStatus{State: "pending"},
			Matchers: alertmanager.Matchers{alertmanager.NewMatcher("host", alertmanager.OpEqual, "compute04"),
				alertmanager.NewMatcher("severity", alertmanager.OpRegex, "warning|critical")},
			StartsAt: testNow.Add(20 * time.Hour), EndsAt: testNow.Add(22 * time.Hour), CreatedBy: "carol",
			Comment: "kernel upgrade and reboot of compute04, CHG-2231", Instances: []string{"am1", "am2"}},
		alertmanager.Silence{ID: "0badc0de-0000-4000-8000-000000000001", Status: alertmanager.SilenceStatus{State: "active"},
			Matchers: alertmanager.Matchers{alertmanager.NewMatcher("instance_name", alertmanager.OpNotEqual, evil)},
			StartsAt: testNow.Add(-time.Hour), EndsAt: testNow.Add(3*24*time.Hour + 5*time.Hour), CreatedBy: evil,
			Comment: "tenant says " + evil, Instances: []string{"am2"}},
	)
	return f
}

func testCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return testNow },
		Refresh: 10 * time.Second}
}

func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func loaded(t *testing.T, src Source) *Pane {
	t.Helper()
	p := New(testCtx(), src, Options{Author: "alice"})
	p.Update(run(p.Init()))
	if err := p.Status().Err; err != nil {
		t.Fatal(err)
	}
	return p
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

func press(p pane.Pane, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = p.Update(keyMsg(k))
	}
	return last
}

func typeText(p pane.Pane, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

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

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("silences", name), ansi.Strip(got)+"\n", *update)
}

func keys(p *Pane) []string {
	var out []string
	for _, r := range p.tbl.Rows() {
		out = append(out, r.Key)
	}
	return out
}

const activeID = "2db83140-c218-415e-9ceb-7e35d342f838"

func TestGoldenSilencesList(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	if !p.tbl.SelectKey(activeID) {
		t.Fatal("no active silence row")
	}
	for _, sz := range []struct{ w, h int }{{120, 40}, {80, 24}, {60, 15}} {
		out := p.View(sz.w, sz.h)
		checkScreen(t, out, sz.w, sz.h)
		golden(t, "list_"+strconv.Itoa(sz.w)+"x"+strconv.Itoa(sz.h), out)
	}
	full := ansi.Strip(p.View(120, 40))
	for _, want := range []string{"active 2 · pending 1 · expired 1", "ends in 1h20m", "starts in 20h", "ended 40m ago",
		`alertname="NodeDown" instance="compute03:9100"`, "stackpit-lab (operator alice)", `tenant says \e]52;c;ZWNo`,
		"hits 1 now: NodeDown@compute03", "2/2 alertmanagers"} {
		if !strings.Contains(full, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	// Order: active (soonest end first), pending, expired.
	want := []string{activeID, "0badc0de-0000-4000-8000-000000000001", "9a7b3c1d-2e4f-4a6b-8c9d-0e1f2a3b4c5d", "105d0d89-8f03-4f8b-ac08-5629183629c1"}
	if got := keys(p); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order %v", got)
	}
}

func TestFilterAndHideExpired(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	for q, n := range map[string]int{"state=pending": 1, "author=carol": 1, "host=compute04": 1, "NodeDown": 2,
		"instance=compute03:9100": 2, "state!=expired": 3, "": 4} {
		p.SetFilter(q)
		if got := len(keys(p)); got != n {
			t.Errorf("filter %q: %d rows, want %d", q, got, n)
		}
	}
	p.SetFilter("")
	press(p, "e")
	if got := len(keys(p)); got != 3 || !strings.Contains(p.Status().Note, "expired hidden") {
		t.Fatalf("hide expired: %d rows, note %q", got, p.Status().Note)
	}
}

func TestExpireAsksConfirmationAndRuns(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	p.tbl.SelectKey(activeID)
	msg := run(press(p, "X"))
	ra, ok := msg.(pane.RunActionMsg)
	if !ok {
		t.Fatalf("x gave %#v", msg)
	}
	a := ra.Action
	if !a.Mutates || !a.ConfirmYes || a.Name != "silence-expire" || a.Target != activeID {
		t.Fatalf("action %+v", a)
	}
	if !strings.Contains(strings.Join(a.Checks, "\n"), "1 current alert(s) it silences will notify again") {
		t.Fatalf("checks %v", a.Checks)
	}
	res, err := a.Run(context.Background(), func(pane.Progress) {})
	if err != nil || len(src.expired) != 1 || src.expired[0] != activeID || !strings.Contains(res, "expired on am1") {
		t.Fatalf("run: %q %v %v", res, err, src.expired)
	}
	// A lost reply is read back from the silence list.
	if a.Reconcile == nil {
		t.Fatal("silence-expire has no read-back for a lost reply")
	}
	if done, ev, err := a.Reconcile(context.Background()); !done || err != nil || ev != "silence "+activeID+" is expired" {
		t.Fatalf("read-back: %v %q %v", done, ev, err)
	}
	_, cmd := p.Update(pane.ActionDoneMsg{Name: a.Name, Target: a.Target, Result: res})
	p.Update(run(cmd))
	if s, _ := p.current(); s.Status.State != "expired" {
		t.Fatalf("after refresh: %+v", s.Status)
	}
	// Expiring an expired silence asks nothing of the server.
	p.tbl.SelectKey("105d0d89-8f03-4f8b-ac08-5629183629c1")
	if _, ok := run(press(p, "X")).(pane.ToastMsg); !ok {
		t.Fatal("expiring an expired silence should only explain")
	}
}

func TestNewMaintenanceWindowFromScratch(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	p.SetFilter("host=compute03")
	press(p, "S")
	f := p.FormOpen()
	if f == nil || !p.Capturing() || f.Focus() != "Matchers" {
		t.Fatalf("form %+v capturing %v", f, p.Capturing())
	}
	press(p, "tab", "tab", "tab") // starts, duration, comment
	if n := len(f.Preview()); n != 5 {
		t.Fatalf("preview of host=compute03: %d alerts, want 5", n)
	}
	typeText(p, "compute03 PSU swap, CHG-2240")
	press(p, "tab", "tab", "tab") // author, matchers, starts
	typeText(p, "\b")             // not a key the form types
	if f.Focus() != "Starts" {
		t.Fatalf("focus %s", f.Focus())
	}
	for range 3 {
		p.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(p, "+1h")
	press(p, "tab")
	for range 3 {
		p.Update(tea.KeyPressMsg{Code: tea.KeyRight}) // 2h -> 4h -> 1d -> 1h
	}
	ra, ok := run(press(p, "enter")).(pane.RunActionMsg)
	if !ok {
		t.Fatalf("no action; form error %q", f.Err())
	}
	if _, err := ra.Action.Run(context.Background(), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}
	c := src.created[0]
	if c.Matchers.String() != `host="compute03"` || !c.StartsAt.Equal(testNow.Add(time.Hour)) || c.EndsAt.Sub(c.StartsAt) != time.Hour ||
		c.CreatedBy != "alice" || c.Comment != "compute03 PSU swap, CHG-2240" {
		t.Fatalf("created %+v", c)
	}
}

func TestPivotToAlerts(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	p.tbl.SelectKey(activeID)
	want := pane.PivotMsg{Pane: "alerts", Query: "alertname=NodeDown instance=compute03:9100"}
	for _, k := range []string{"a", "enter"} {
		if got := run(press(p, k)); got != want {
			t.Errorf("%s: %#v", k, got)
		}
	}
	if cmd := p.Pivot("id=" + activeID); cmd != nil {
		p.Update(run(cmd))
	}
	if got := keys(p); len(got) != 1 || got[0] != activeID {
		t.Fatalf("pivot by id: %v", got)
	}
	var _ pane.Pivoter = p
}

func TestParseWhenAndDurations(t *testing.T) {
	now := testNow
	for in, want := range map[string]time.Time{
		"now":                  now,
		"+90m":                 now.Add(90 * time.Minute),
		"+1d":                  now.Add(24 * time.Hour),
		"2026-11-23 06:00":     time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC),
		"18:30":                time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC),
		"2026-11-23T06:00:00Z": time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC),
	} {
		got, err := ParseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"tomorrow", "+x", "25:00"} {
		if _, err := ParseWhen(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if d, err := parseDuration("2d12h"); err != nil || d != 60*time.Hour {
		t.Errorf("2d12h: %v %v", d, err)
	}
	if Until(90*time.Minute) != "1h30m" || Until(3*24*time.Hour+5*time.Hour) != "3d5h" || Until(-40*time.Minute) != "40m" {
		t.Error("Until")
	}
}

// After creating a silence, the cursor (and the detail below the table)
// is on the new silence, not on whatever row it was before.
func TestNewSilenceIsSelectedOnceListed(t *testing.T) {
	src := fixtureSource(t)
	p := loaded(t, src)
	press(p, "G")
	before, _ := p.tbl.Selected()
	press(p, "S")
	typeText(p, `host="compute09"`)
	press(p, "tab", "tab", "tab") // starts, duration, comment
	typeText(p, "maintenance CHG-1")
	ra, ok := run(press(p, "enter")).(pane.RunActionMsg)
	if !ok {
		t.Fatal("no action")
	}
	res, err := ra.Action.Run(context.Background(), func(pane.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	c := src.created[0]
	const id = "11111111-2222-4333-8444-555555555555"
	src.mu.Lock()
	src.silences = append(src.silences, alertmanager.Silence{ID: id, Matchers: c.Matchers, StartsAt: c.StartsAt, EndsAt: c.EndsAt,
		CreatedBy: c.CreatedBy, Comment: c.Comment, Status: alertmanager.SilenceStatus{State: "active"}})
	src.mu.Unlock()
	_, cmd := p.Update(pane.ActionDoneMsg{Name: ra.Action.Name, Target: ra.Action.Target, Result: res})
	p.Update(run(cmd))
	if r, ok := p.tbl.Selected(); !ok || r.Key != id || r.Key == before.Key {
		t.Fatalf("selected %q after creating %s", r.Key, id)
	}
}

// A silence that silences nothing says so without a dangling colon.
func TestZeroHitsLine(t *testing.T) {
	p := loaded(t, fixtureSource(t))
	seen := false
	for _, r := range p.tbl.Rows() {
		p.tbl.SelectKey(r.Key)
		for _, l := range strings.Split(ansi.Strip(p.View(120, 30)), "\n") {
			if strings.HasPrefix(l, "hits 0 now") {
				seen = true
				if strings.TrimSpace(l) != "hits 0 now" {
					t.Fatalf("zero-hit line %q", l)
				}
			}
		}
	}
	if !seen {
		t.Fatal("no silence with 0 hits in the fixture")
	}
}
