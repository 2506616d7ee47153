package instances

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

const evilName = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

var t0 = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)

// fakeSource serves a fixed server list and records calls.
type fakeSource struct {
	mu       sync.Mutex
	servers  []openstack.Server
	delta    []openstack.Server
	err      error
	calls    []string
	inflight int
	maxIn    int
	consErr  error
	down     []string // hosts whose nova-compute is down
	svcErr   error
	existing []string // ServerIDs' answer (nil: every server of servers)
	during   func()   // runs inside each Servers call (a list that takes time)
}

func (f *fakeSource) ServerIDs(ctx context.Context) ([]string, error) {
	f.rec("server ids")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.existing != nil {
		return slices.Clone(f.existing), nil
	}
	var ids []string
	for _, s := range f.servers {
		ids = append(ids, s.ID)
	}
	return ids, nil
}

func (f *fakeSource) ComputeServices(ctx context.Context) ([]openstack.ComputeService, error) {
	f.rec("services")
	if f.svcErr != nil {
		return nil, f.svcErr
	}
	var out []openstack.ComputeService
	for i := 1; i <= 6; i++ {
		h := fmt.Sprintf("compute%02d", i)
		s := openstack.ComputeService{Binary: "nova-compute", Host: h, State: "up", Status: "enabled"}
		for _, d := range f.down {
			if d == h {
				s.State, s.ForcedDown = "down", true
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func (f *fakeSource) rec(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeSource) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	f.mu.Lock()
	f.inflight++
	f.maxIn = max(f.maxIn, f.inflight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inflight--; f.mu.Unlock() }()
	if since.IsZero() {
		f.rec("servers full")
	} else {
		f.rec("servers since " + since.UTC().Format(time.RFC3339))
	}
	if f.during != nil {
		f.during()
	}
	if f.err != nil {
		return nil, f.err
	}
	if since.IsZero() {
		return append([]openstack.Server(nil), f.servers...), nil
	}
	return append([]openstack.Server(nil), f.delta...), nil
}

func (f *fakeSource) Server(ctx context.Context, id string) (openstack.Server, error) {
	f.rec("server " + id)
	for _, s := range f.servers {
		if s.ID == id {
			return s, nil
		}
	}
	return openstack.Server{}, errors.New("404 Not Found: server " + id)
}

func (f *fakeSource) InstanceActions(ctx context.Context, id string) ([]openstack.InstanceAction, error) {
	f.rec("actions " + id)
	return []openstack.InstanceAction{
		{Action: "create", RequestID: "req-1111", UserID: "u1", StartTime: t0.Add(-72 * time.Hour)},
		{Action: "reboot", RequestID: "req-2222", UserID: "u1", StartTime: t0.Add(-time.Hour), Message: "Error"},
	}, nil
}

func (f *fakeSource) ServerVolumes(ctx context.Context, id string) ([]openstack.VolumeAttachment, error) {
	f.rec("volumes " + id)
	return []openstack.VolumeAttachment{{VolumeID: "vol-" + id[:8], Device: "/dev/vdb", DeleteOnTermination: true}}, nil
}

func (f *fakeSource) ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error) {
	f.rec("migrations " + id)
	if id == "00000005-0000-4000-8000-000000000005" {
		return nil, errors.New("nova: microversion 2.80 needed for server migrations (cloud max 2.60)")
	}
	return []openstack.Migration{{Type: "live-migration", Status: "completed", SourceCompute: "compute01", DestCompute: "compute03", CreatedAt: t0.Add(-2 * time.Hour)}}, nil
}

func (f *fakeSource) ConsoleLog(ctx context.Context, id string, lines int) (string, error) {
	f.rec(fmt.Sprintf("console %s %d", id, lines))
	if f.consErr != nil {
		return "", f.consErr
	}
	return "[    0.000000] Linux version 6.1\nlogin: \x1b]0;pwned\a\x1b[31mred\n", nil
}

func (f *fakeSource) Reboot(ctx context.Context, id string, hard bool) error {
	f.rec(fmt.Sprintf("reboot %s hard=%v", id, hard))
	return nil
}
func (f *fakeSource) Start(ctx context.Context, id string) error { f.rec("start " + id); return nil }
func (f *fakeSource) Stop(ctx context.Context, id string) error  { f.rec("stop " + id); return nil }
func (f *fakeSource) LiveMigrate(ctx context.Context, id, host string) error {
	f.rec("live-migrate " + id + " " + host)
	return nil
}
func (f *fakeSource) Migrate(ctx context.Context, id string) error {
	f.rec("migrate " + id)
	return nil
}
func (f *fakeSource) ConfirmResize(ctx context.Context, id string) error {
	f.rec("confirm " + id)
	return nil
}
func (f *fakeSource) Evacuate(ctx context.Context, id, host string) error {
	f.rec("evacuate " + id + " " + host)
	return errors.New("Compute service of compute04 is still in use. (HTTP 400)")
}
func (f *fakeSource) ResetState(ctx context.Context, id, state string) error {
	f.rec("reset " + id + " " + state)
	return nil
}

func id(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

func fixture() []openstack.Server {
	projects := []string{"web", "db", "ci", "analytics", "admin"}
	flavors := []string{"m1.small", "m1.medium", "m1.large"}
	var out []openstack.Server
	for i := 1; i <= 30; i++ {
		s := openstack.Server{
			ID: id(i), Name: fmt.Sprintf("%s-vm-%03d", projects[i%5], i),
			ProjectID: fmt.Sprintf("p%d", i%5), ProjectName: projects[i%5],
			Status: "ACTIVE", PowerState: 1, VMState: "active",
			Host: fmt.Sprintf("compute%02d", 1+i%6), Zone: "nova",
			FlavorName: flavors[i%3], IPs: []string{fmt.Sprintf("192.168.10.%d", i)},
			Created: t0.Add(-time.Duration(i*24) * time.Hour), Updated: t0.Add(-time.Duration(i) * time.Hour),
			Metadata: map[string]string{"role": projects[i%5]}, VolumeIDs: []string{fmt.Sprintf("vol-%04d", i)},
		}
		switch i {
		case 3:
			s.Status, s.PowerState, s.Fault = "ERROR", 0, "No valid host was found."
		case 7:
			s.Status, s.PowerState = "SHUTOFF", 4
		case 11:
			s.TaskState = "migrating" // updated 11h ago: stuck
		case 12:
			s.TaskState = "rebooting"
			s.Updated = t0.Add(-time.Minute) // in progress, not stuck
		case 17:
			s.PowerState = 0 // ACTIVE but NOSTATE: unknown power
		case 5:
			s.Name = evilName
		}
		out = append(out, s)
	}
	return out
}

func newPane(t testing.TB, src Source) (*Pane, *time.Time) {
	now := t0
	ctx := pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Refresh: 5 * time.Second}
	return New(ctx, src), &now
}

// drive runs cmd and feeds the pane's own messages back, returning the
// messages meant for the shell.
func drive(p *Pane, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch m := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case serversMsg, detailMsg:
			_, next := p.Update(m)
			queue = append(queue, next)
		default:
			if msg != nil {
				out = append(out, msg)
			}
		}
	}
	return out
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(p *Pane, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := p.Update(key(k))
		out = append(out, drive(p, cmd)...)
	}
	return out
}

func typeText(p *Pane, s string) {
	for _, r := range s {
		press(p, string(r))
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("instances", name), ansi.Strip(got)+"\n", *update)
}

func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	viewtest.Frame(t, out, w, h)
}

func loaded(t *testing.T) (*Pane, *fakeSource, *time.Time) {
	src := &fakeSource{servers: fixture()}
	p, now := newPane(t, src)
	drive(p, p.Init())
	*now = now.Add(3 * time.Second)
	return p, src, now
}

func TestGoldenSizes(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		p, _, _ := loaded(t)
		out := p.View(sz[0], sz[1])
		checkFrame(t, out, sz[0], sz[1])
		if !strings.Contains(ansi.Strip(out), `\e]52;c;ZWNob`) {
			t.Errorf("escape-laden name not shown inert at %dx%d", sz[0], sz[1])
		}
		golden(t, fmt.Sprintf("list-%dx%d", sz[0], sz[1]), out)
	}
}

func TestFilterTerms(t *testing.T) {
	p, _, _ := loaded(t)
	cases := []struct {
		q    string
		want int
	}{
		{"", 30},
		{"host:compute03", 5},
		{"status:error", 1},
		{"status:ERROR", 1},
		{"project:web", 6},
		{"name:db-vm", 6},
		{"flavor:m1.large", 10},
		{"id:" + id(9), 1},
		{"ip:192.168.10.2", 11}, // .2 and .20-.29
		{"ip=192.168.10.2", 1},
		{"host:compute03 project:web", 1},    // vm 20
		{"host:compute02 status!=active", 1}, // vm 7 SHUTOFF is on compute02
		{"host:compute02 !ci", 4},
		{"web", 6},
		{"nosuchfield:x", 0},
	}
	for _, c := range cases {
		p.SetFilter(c.q)
		if p.tbl.Len() != c.want {
			t.Errorf("filter %q: %d rows, want %d", c.q, p.tbl.Len(), c.want)
		}
		for _, r := range p.tbl.Rows() {
			e := p.byID[r.Key]
			if strings.HasPrefix(c.q, "host:") && !strings.Contains(c.q, " ") && e.s.Host != strings.TrimPrefix(c.q, "host:") {
				t.Errorf("filter %q let through host %s", c.q, e.s.Host)
			}
		}
	}
	p.SetFilter("host:compute03 status:active")
	out := p.View(120, 12)
	golden(t, "filter-host-120x12", out)
}

func TestFaultsToggle(t *testing.T) {
	p, _, _ := loaded(t)
	press(p, "f")
	got := map[string]bool{}
	for _, r := range p.tbl.Rows() {
		got[r.Key] = true
	}
	want := []string{id(3), id(11), id(17)} // ERROR, stuck migrating, NOSTATE
	if len(got) != len(want) {
		t.Fatalf("faults only: %d rows %v, want %v", len(got), got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("fault %s missing", w)
		}
	}
	if got[id(12)] || got[id(7)] {
		t.Error("in-progress task or SHUTOFF counted as a fault")
	}
	if !strings.Contains(ansi.Strip(p.View(120, 10)), "FAULTS ONLY") {
		t.Error("header does not say faults only")
	}
	golden(t, "faults-120x10", p.View(120, 10))
	press(p, "f")
	if p.tbl.Len() != 30 {
		t.Fatalf("toggle off: %d rows", p.tbl.Len())
	}
}

func TestSorting(t *testing.T) {
	p, _, _ := loaded(t)
	// Given order is by name.
	rows := p.tbl.Rows()
	for i := 1; i < len(rows); i++ {
		if strings.ToLower(rows[i-1].Cell(colName).Text) > strings.ToLower(rows[i].Cell(colName).Text) {
			t.Fatalf("default order not by name at %d", i)
		}
	}
	// > cycles: NAME, ID, PROJECT, STATUS, TASK, POWER, HOST.
	for range colHost + 1 {
		press(p, ">")
	}
	if c, _ := p.tbl.SortState(); c != colHost {
		t.Fatalf("sort column %d, want HOST", c)
	}
	rows = p.tbl.Rows()
	if rows[0].Cell(colHost).Text != "compute01" || rows[len(rows)-1].Cell(colHost).Text != "compute06" {
		t.Fatalf("host sort wrong: %s..%s", rows[0].Cell(colHost).Text, rows[len(rows)-1].Cell(colHost).Text)
	}
	press(p, "~")
	if p.tbl.Rows()[0].Cell(colHost).Text != "compute06" {
		t.Fatal("reverse sort wrong")
	}
	// AGE sorts numerically: newest (1d) first ascending.
	for range colAge - colHost {
		press(p, ">")
	}
	press(p, "~")
	if c, desc := p.tbl.SortState(); c != colAge || desc {
		t.Fatalf("sort state %d %v", c, desc)
	}
	if got := p.tbl.Rows()[0].Key; got != id(1) {
		t.Fatalf("age sort: first %s, want %s", got, id(1))
	}
	golden(t, "sort-age-120x8", p.View(120, 8))
}

func TestDetailSectionsAndErrors(t *testing.T) {
	p, src, _ := loaded(t)
	src.consErr = errors.New("409 Conflict: console log not available (instance is SHUTOFF)")
	p.SetFilter("id:" + id(5))
	press(p, "enter")
	if p.detail == nil {
		t.Fatal("enter did not open the detail view")
	}
	out := p.View(100, 40)
	checkFrame(t, out, 100, 40)
	out = ansi.Strip(out)
	for _, want := range []string{"Summary", "Metadata", "role=web", "Volumes", "/dev/vdb", "vol-00000005", "Action history", "req-2222",
		"Console log", "409 Conflict: console log not available", "Migrations", "microversion 2.80 needed", `\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	golden(t, "detail-100x40", out)
	// Console error is inline: a good console shows its lines with escapes inert.
	src.consErr = nil
	_, cmd := p.Update(pane.ActionDoneMsg{Name: "reboot"})
	drive(p, cmd)
	out = p.View(100, 40)
	checkFrame(t, out, 100, 40)
	if !strings.Contains(ansi.Strip(out), `login: \e]0;pwned\a\e[31mred`) {
		t.Errorf("console tail not shown inert:\n%s", out)
	}
	if !p.Back() || p.detail != nil {
		t.Fatal("Back did not close the detail")
	}
	if p.Back() {
		t.Fatal("Back at top level must return false")
	}
}

func TestCopyAndPivots(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("id:" + id(9))
	msgs := press(p, "y")
	var copied string
	for _, m := range msgs {
		if c, ok := m.(pane.CopyMsg); ok {
			copied = c.Text
		}
	}
	if copied != id(9) {
		t.Fatalf("copy: %q", copied)
	}
	msgs = press(p, "h")
	if len(msgs) != 1 || msgs[0] != (pane.PivotMsg{Pane: "compute", Query: "host:compute04"}) {
		t.Fatalf("host pivot: %#v", msgs)
	}
	msgs = press(p, "l")
	if len(msgs) != 1 || msgs[0] != (pane.PivotMsg{Pane: "logs", Query: "instance:" + id(9)}) {
		t.Fatalf("logs pivot: %#v", msgs)
	}
	// Pivot into the pane filters it.
	drive(p, p.Pivot("host:compute02"))
	if p.tbl.Len() != 5 {
		t.Fatalf("pivot host:compute02: %d rows", p.tbl.Len())
	}
	for _, r := range p.tbl.Rows() {
		if p.byID[r.Key].s.Host != "compute02" {
			t.Fatal("pivot let through another host")
		}
	}
}

func actionOf(t *testing.T, msgs []tea.Msg) pane.Action {
	t.Helper()
	for _, m := range msgs {
		if r, ok := m.(pane.RunActionMsg); ok {
			return r.Action
		}
	}
	t.Fatalf("no RunActionMsg in %#v", msgs)
	return pane.Action{}
}

func TestActionsAreMutatingAndCallSource(t *testing.T) {
	cases := []struct {
		keys        []string
		name        string
		destructive bool
		call        string
	}{
		{[]string{"B"}, "reboot", false, "reboot " + id(9) + " hard=false"},
		{[]string{"R"}, "reboot-hard", true, "reboot " + id(9) + " hard=true"},
		{[]string{"U"}, "start", false, "start " + id(9)},
		{[]string{"S"}, "stop", true, "stop " + id(9)},
		{[]string{"V", "c", "o", "m", "p", "u", "t", "e", "0", "6", "enter"}, "live-migrate", false, "live-migrate " + id(9) + " compute06"},
		{[]string{"V", "enter"}, "live-migrate", false, "live-migrate " + id(9) + " "},
		{[]string{"M"}, "migrate", true, "migrate " + id(9)},
		{[]string{"Y"}, "confirm-resize", false, "confirm " + id(9)},
		{[]string{"X", "enter"}, "reset-state", true, "reset " + id(9) + " active"},
		{[]string{"E", "enter"}, "evacuate", true, "evacuate " + id(9) + " "},
	}
	for _, c := range cases {
		for _, ro := range []bool{false, true} {
			p, src, _ := loaded(t)
			p.ctx.ReadOnly = ro // the shell enforces read-only; the view hands over the same Action
			p.SetFilter("id:" + id(9))
			msgs := press(p, c.keys...)
			a := actionOf(t, msgs)
			if !a.Mutates || a.Name != c.name || a.Target != id(9) {
				t.Errorf("%v: action %+v", c.keys, a)
			}
			// Moves are journaled long operations (quit asks); the rest is short.
			if move := c.name == "live-migrate" || c.name == "migrate" || c.name == "evacuate"; a.Long != move {
				t.Errorf("%s: Long %v", c.name, a.Long)
			}
			if c.destructive && a.Confirm != "admin-vm-009" {
				t.Errorf("%s: Confirm %q", c.name, a.Confirm)
			}
			if !c.destructive && (!a.ConfirmYes || a.Confirm != "") {
				t.Errorf("%s: want y/n confirm, got %+v", c.name, a)
			}
			if len(a.Checks) < 2 {
				t.Errorf("%s: no pre-checks", c.name)
			}
			// Nothing was called while building the action.
			for _, call := range src.calls {
				if !strings.HasPrefix(call, "servers") && call != "services" {
					t.Fatalf("%s: source called before the shell ran the action: %v", c.name, src.calls)
				}
			}
			var lines []string
			res, err := a.Run(context.Background(), func(pr pane.Progress) { lines = append(lines, pr.Line) })
			if c.name == "evacuate" {
				if err == nil || !strings.Contains(err.Error(), "still in use") {
					t.Errorf("evacuate: Nova's error text lost: %v", err)
				}
			} else if err != nil || res == "" {
				t.Errorf("%s: run: %q %v", c.name, res, err)
			}
			// The request is the last mutating call; moves then read the
			// server back (see watch_test.go).
			last := ""
			for _, call := range src.calls {
				if !strings.HasPrefix(call, "server ") && !strings.HasPrefix(call, "migrations ") {
					last = call
				}
			}
			if last != c.call {
				t.Errorf("%s: last request %q, want %q", c.name, last, c.call)
			}
		}
	}
}

func TestKeymapActionsMutate(t *testing.T) {
	m := keymap.Defaults()
	for _, v := range []string{"reboot", "reboot_hard", "start", "stop", "live_migrate", "migrate", "confirm_resize", "evacuate", "reset_state"} {
		b, ok := m.Get("instances." + v)
		if !ok || !b.Mutates {
			t.Errorf("instances.%s: binding %+v", v, b)
		}
	}
	if b, _ := m.Get("instances.faults"); b.Mutates {
		t.Error("faults toggle marked mutating")
	}
}

func TestResetStateRejectsBadState(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("id:" + id(9))
	press(p, "X")
	if !p.Capturing() {
		t.Fatal("prompt not capturing")
	}
	press(p, "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	typeText(p, "deleted")
	golden(t, "prompt-80x6", p.View(80, 6))
	msgs := press(p, "enter")
	for _, m := range msgs {
		if _, ok := m.(pane.RunActionMsg); ok {
			t.Fatal("bad state accepted")
		}
	}
	if p.Capturing() {
		t.Fatal("prompt still open")
	}
}

func TestIncrementalRefreshNoOverlap(t *testing.T) {
	p, src, now := loaded(t)
	// A tick before the interval does nothing.
	_, cmd := p.Update(pane.TickMsg(*now))
	if cmd != nil {
		t.Fatal("refresh before the interval")
	}
	*now = now.Add(5 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	if cmd == nil {
		t.Fatal("no refresh after the interval")
	}
	// While that request is outstanding, further ticks start nothing.
	*now = now.Add(10 * time.Second)
	if _, c2 := p.Update(pane.TickMsg(*now)); c2 != nil {
		t.Fatal("overlapping refresh started")
	}
	upd := fixture()[8] // vm 9
	upd.Status, upd.TaskState, upd.Updated = "MIGRATING", "migrating", t0.Add(time.Second)
	gone := fixture()[9]
	gone.Deleted, gone.Updated = true, t0.Add(time.Second)
	src.delta = []openstack.Server{upd, gone}
	drive(p, cmd)
	var last string
	for _, c := range src.calls {
		if strings.HasPrefix(c, "servers") {
			last = c
		}
	}
	// since = newest updated_at seen (vm 12: t0-1m) minus slack.
	if want := "servers since " + t0.Add(-time.Minute-changesSlack).Format(time.RFC3339); last != want {
		t.Fatalf("incremental call %q, want %q", last, want)
	}
	if len(p.byID) != 29 {
		t.Fatalf("deleted server kept: %d", len(p.byID))
	}
	if p.byID[id(9)].s.Status != "MIGRATING" {
		t.Fatal("changed server not merged")
	}
	if !p.maxUpdated.Equal(t0.Add(time.Second)) {
		t.Fatalf("maxUpdated %v", p.maxUpdated)
	}
	if src.maxIn > 1 {
		t.Fatal("overlapping requests")
	}
}

// TestSteadyRefreshChecksPresenceNotTheWholeList: between whole lists
// (fullResyncEvery) the refresh reads changes-since; every presenceEvery
// it also lists IDs only, and a server it no longer lists (a deletion
// changes-since cannot show) leaves.
func TestSteadyRefreshChecksPresenceNotTheWholeList(t *testing.T) {
	p, src, now := loaded(t)
	count := func(prefix string) int {
		n := 0
		for _, c := range src.calls {
			if strings.HasPrefix(c, prefix) {
				n++
			}
		}
		return n
	}
	tick := func(d time.Duration) {
		*now = now.Add(d)
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
	}
	for i := 0; i < 12; i++ { // an hour of 5-minute steps
		tick(5 * time.Minute)
	}
	if n := count("servers full"); n != 1 {
		t.Fatalf("%d whole lists in an hour, want only the first", n)
	}
	if n := count("server ids"); n != 2 {
		t.Fatalf("%d presence checks in an hour, want 2 (every %v)", n, presenceEvery)
	}
	// ctrl+r reads the whole list.
	drive(p, p.Refresh())
	if n := count("servers full"); n != 2 {
		t.Fatalf("ctrl+r: %d whole lists, want 2", n)
	}
	before := len(p.byID)
	for _, s := range src.servers[1:] {
		src.existing = append(src.existing, s.ID)
	}
	tick(presenceEvery)
	if len(p.byID) != before-1 || p.byID[src.servers[0].ID] != nil {
		t.Fatalf("%d servers after the presence check, want %d without %s", len(p.byID), before-1, src.servers[0].ID)
	}
}

func TestErrorKeepsDataAndAge(t *testing.T) {
	p, src, now := loaded(t)
	src.err = errors.New(`403 Forbidden: Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.`)
	*now = now.Add(2 * time.Minute)
	drive(p, p.Refresh())
	if p.Status().Err == nil || p.tbl.Len() != 30 {
		t.Fatalf("error lost data or not reported: %v %d", p.Status().Err, p.tbl.Len())
	}
	out := p.View(160, 8)
	if s := ansi.Strip(out); !strings.Contains(s, "get_all_tenants") || !strings.Contains(s, "2m ago") {
		t.Fatalf("error/age not shown:\n%s", out)
	}
	if !strings.Contains(out, "get_all_tenants") || !strings.Contains(out, "2m ago") {
		t.Fatalf("error/age not shown:\n%s", out)
	}
	golden(t, "error-160x8", out)
}

// The compiled matcher must agree with views/filter on every fixture row.
func TestMatcherAgreesWithFilter(t *testing.T) {
	qs := []string{"", "web", "WEB", "!web", "host:compute0*", "host:compute03", "host=compute03", "host!=compute03",
		"status:err", "status=error", "name:*evil", "ip:192.168.10.1", "ip=192.168.10.1", "task:migr", "power:nostate",
		"project:p1", "zone:nova", "flavor:large", "bogus:x", "compute0[12]", "id:0000000a", "host:compute01 web", "?b-*"}
	for _, e := range fixture() {
		en := newEntry(e, t0, nil)
		fields := map[string]string{}
		fs := en.fieldSet()
		for i, n := range fieldNames {
			fields[n] = fs[i]
		}
		for _, q := range qs {
			fq := filter.Parse(q)
			if got, want := compile(fq).matchEntry(en), fq.Match(fields); got != want {
				t.Errorf("%q on %s: matcher %v, filter %v", q, e.Name, got, want)
			}
		}
	}
}

// Typing a filter character by character narrows from the previous matches
// and must give the same rows as filtering from scratch.
func TestNarrowingKeystrokes(t *testing.T) {
	p, _, _ := loaded(t)
	fresh, _, _ := loaded(t)
	for _, q := range []string{"h", "ho", "host:c", "host:compute0", "host:compute03", "host:compute03 a", "host:compute03 ad",
		"host:compute03 a", "host:compute03", "host:compute0", "web", "web-", "web-vm-02", "!web", "!web c"} {
		p.SetFilter(q)
		fresh.matchedValid = false
		fresh.SetFilter(q)
		if p.tbl.Len() != fresh.tbl.Len() {
			t.Fatalf("%q: narrowed %d rows, fresh %d", q, p.tbl.Len(), fresh.tbl.Len())
		}
	}
	if !compile(filter.Parse("web")).narrows(compile(filter.Parse("web-vm"))) ||
		compile(filter.Parse("web")).narrows(compile(filter.Parse("we"))) ||
		compile(filter.Parse("!web")).narrows(compile(filter.Parse("!web-vm"))) ||
		!compile(filter.Parse("host:c")).narrows(compile(filter.Parse("host:c web"))) {
		t.Fatal("narrows wrong")
	}
}

func TestEvacuateChecksStorage(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("id:" + id(9)) // not volume-backed
	a := actionOf(t, press(p, "E", "enter"))
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "REBUILT from the image") {
		t.Fatalf("local-disk warning missing: %s", c)
	}
	p.SetEphemeralShared(true)
	a = actionOf(t, press(p, "E", "enter"))
	if c := strings.Join(a.Checks, "\n"); strings.Contains(c, "REBUILT") || !strings.Contains(c, "shared storage") {
		t.Fatalf("shared-storage check wrong: %s", c)
	}
}

func TestDetailMigrationsSection(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("id:" + id(9))
	press(p, "enter")
	s := ansi.Strip(p.View(100, 40))
	if !strings.Contains(s, "live-migration") || !strings.Contains(s, "compute01 → compute03") {
		t.Fatalf("migrations not shown:\n%s", s)
	}
}

func TestDetailRefreshesOnTick(t *testing.T) {
	p, src, now := loaded(t)
	p.SetFilter("id:" + id(9))
	press(p, "enter")
	n := len(src.calls)
	if _, cmd := p.Update(pane.TickMsg(*now)); cmd != nil {
		t.Fatal("detail reloaded before the interval")
	}
	*now = now.Add(5 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	var again bool
	for _, c := range src.calls[n:] {
		again = again || c == "server "+id(9)
	}
	if !again {
		t.Fatalf("detail not reloaded: %v", src.calls[n:])
	}
}

// Instances on a host whose nova-compute is down are faults (Nova still
// says ACTIVE/Running), and the host cell says so with a symbol.
func TestDownHostMakesFaults(t *testing.T) {
	p, src, now := loaded(t)
	src.down = []string{"compute04"}
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	press(p, "f")
	onHost := 0
	for _, s := range fixture() {
		if s.Host == "compute04" {
			onHost++
		}
	}
	// vm 3 (ERROR) is on compute04 already; 11 and 17 are faults elsewhere.
	if p.tbl.Len() != onHost+2 {
		t.Fatalf("faults only with compute04 down: %d rows, want %d", p.tbl.Len(), onHost+2)
	}
	v := ansi.Strip(p.View(120, 12))
	if !strings.Contains(v, "✗ compute04") || !strings.Contains(v, "1 host(s) DOWN") || !strings.Contains(v, "7 faults") {
		t.Fatalf("down host not shown:\n%s", v)
	}
	golden(t, "down-host-faults-120x12", p.View(120, 12))
	// The host comes back: its instances are no longer faults.
	src.down = nil
	*now = now.Add(10 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if p.tbl.Len() != 3 {
		t.Fatalf("after recovery: %d fault rows", p.tbl.Len())
	}
	// A failing services list keeps the last known host states.
	src.svcErr = errors.New("403")
	*now = now.Add(10 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if p.Status().Err != nil || p.tbl.Len() != 3 {
		t.Fatalf("services error broke the list: %v %d", p.Status().Err, p.tbl.Len())
	}
}

// Confirmation dialogs say when the instance's compute host makes the
// action pointless: live-migrating off a dead host (Nova accepts it and the
// migration fails later) or evacuating from a live one (Nova refuses).
func TestActionChecksWarnAboutHostState(t *testing.T) {
	p, src, now := loaded(t)
	src.down = []string{"compute04"}
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	var onDown, onUp string
	for _, s := range fixture() {
		if s.Host == "compute04" && onDown == "" {
			onDown = s.ID
		}
		if s.Host != "compute04" && s.Host != "" && onUp == "" {
			onUp = s.ID
		}
	}
	checks := func(id string, keys ...string) string {
		p.SetFilter("id:" + id)
		return strings.Join(actionOf(t, press(p, keys...)).Checks, "\n")
	}
	if c := checks(onDown, "V", "enter"); !strings.Contains(c, "nova-compute on compute04 is DOWN") || !strings.Contains(c, "evacuate (E)") {
		t.Errorf("live-migrate off a down host has no warning:\n%s", c)
	}
	if c := checks(onDown, "E", "enter"); strings.Contains(c, "⚠ nova-compute") {
		t.Errorf("evacuate off a down host warns:\n%s", c)
	}
	if c := checks(onUp, "E", "enter"); !strings.Contains(c, "is up: Nova refuses") {
		t.Errorf("evacuate off a live host has no warning:\n%s", c)
	}
	if c := checks(onUp, "V", "enter"); strings.Contains(c, "⚠ nova-compute") {
		t.Errorf("live-migrate off a live host warns:\n%s", c)
	}
}

// Between 100 and 119 columns (a common terminal) the name is what tells
// instances apart: it gets the room before the truncated ID and power state.
func TestNameKeepsRoomAtMidWidths(t *testing.T) {
	src := &fakeSource{servers: fixture()}
	const long = "analytics-kafka-brk-17" // 22 cells
	src.servers[0].Name = long
	p, _ := newPane(t, src)
	drive(p, p.Init())
	p.SetFilter("id:" + src.servers[0].ID)
	for _, w := range []int{100, 110, 120} {
		if v := ansi.Strip(p.View(w, 8)); !strings.Contains(v, long) {
			t.Errorf("at %d columns the name is cut:\n%s", w, v)
		}
	}
}

// A multi-page list takes time: a server changed while it ran may sit on
// a page read before the change while a later page carries a newer
// updated_at. After a list that took longer than half the slack, the next
// changes-since reads from the list's start, not from the newest
// updated_at it saw; after a quick one, from the newest updated_at (the
// slack covers it, and serve's sessions, whose own starts differ, keep
// asking Nova one question).
func TestDeltaAfterALongListReadsFromItsStart(t *testing.T) {
	for _, tc := range []struct {
		took time.Duration
		long bool
	}{{time.Minute, true}, {2 * time.Second, false}} {
		ss := fixture()
		late := t0.Add(5 * time.Minute) // stamped late in the load (or a clock ahead)
		ss[len(ss)-1].Updated = late
		src := &fakeSource{servers: ss}
		p, now := newPane(t, src)
		start := *now
		src.during = func() { *now = now.Add(tc.took); src.during = nil }
		drive(p, p.Init())
		*now = now.Add(10 * time.Minute)
		_, cmd := p.Update(pane.TickMsg(*now))
		if cmd == nil {
			t.Fatal("no refresh after the interval")
		}
		drive(p, cmd)
		var last string
		for _, c := range src.calls {
			if strings.HasPrefix(c, "servers") {
				last = c
			}
		}
		from := late
		if tc.long {
			from = start
		}
		if want := "servers since " + from.Add(-changesSlack).UTC().Format(time.RFC3339); last != want {
			t.Errorf("list took %v: delta %q, want %q", tc.took, last, want)
		}
	}
}

// A presence list cannot say a server created after it was taken was
// deleted (in serve the ID list may be another session's, from before
// this session's last delta, which brought the new server): only servers
// Nova says are older than the list by presenceSkew leave for being absent.
func TestPresenceListDropsOnlyServersOlderThanIt(t *testing.T) {
	presAt := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	shown := map[string]*entry{
		"old":     {s: &openstack.Server{ID: "old", Created: presAt.Add(-time.Hour)}},
		"new":     {s: &openstack.Server{ID: "new", Created: presAt.Add(time.Second)}},
		"near":    {s: &openstack.Server{ID: "near", Created: presAt.Add(-time.Minute)}},
		"undated": {s: &openstack.Server{ID: "undated"}},
		"kept":    {s: &openstack.Server{ID: "kept", Created: presAt.Add(-time.Hour)}},
	}
	present := map[string]struct{}{"kept": {}}
	var dropped []string
	for _, s := range withAbsent(nil, present, presAt, shown) {
		if s.Deleted {
			dropped = append(dropped, s.ID)
		}
	}
	slices.Sort(dropped)
	if !slices.Equal(dropped, []string{"old", "undated"}) {
		t.Fatalf("dropped %v, want [old undated]: servers created after (or just before) the list are not known deleted", dropped)
	}
}
