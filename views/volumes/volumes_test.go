package volumes

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/viewtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)

type fakeSource struct {
	mu      sync.Mutex
	vols    []openstack.Volume
	names   map[string]string
	err     error
	nameErr error
	sent    []string
	sinces  []time.Time
	delta   []openstack.Volume
	asked   []string // the IDs of the last ServerNames
	idLists int      // VolumeIDs calls
	reads   []string // Volume calls
}

func (f *fakeSource) VolumeIDs(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idLists++
	if f.err != nil {
		return nil, f.err
	}
	ids := make([]string, 0, len(f.vols))
	for _, v := range f.vols {
		ids = append(ids, v.ID)
	}
	return ids, nil
}

// VolumesSince answers a delta with the volumes in delta (set by the
// test), a whole list otherwise.
func (f *fakeSource) VolumesSince(_ context.Context, since time.Time) (openstack.VolumeList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sinces = append(f.sinces, since)
	if f.err != nil {
		return openstack.VolumeList{}, f.err
	}
	asOf := t0.Add(time.Duration(len(f.sinces)) * time.Second)
	if !since.IsZero() {
		return openstack.VolumeList{Volumes: append([]openstack.Volume(nil), f.delta...), AsOf: asOf}, nil
	}
	return openstack.VolumeList{Volumes: append([]openstack.Volume(nil), f.vols...), Full: true, AsOf: asOf}, nil
}

func (f *fakeSource) ServerNames(_ context.Context, ids []string) (map[string]string, error) {
	f.mu.Lock()
	f.asked = slices.Clone(ids)
	f.mu.Unlock()
	if f.nameErr != nil {
		return nil, f.nameErr
	}
	out := map[string]string{}
	for _, id := range ids {
		if n, ok := f.names[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

func (f *fakeSource) Projects(context.Context) (map[string]string, error) {
	return map[string]string{"p-web": "web", "p-db": "db"}, nil
}

func (f *fakeSource) Volume(_ context.Context, id string) (openstack.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, id)
	for _, v := range f.vols {
		if v.ID == id {
			return v, nil
		}
	}
	return openstack.Volume{}, openstack.ErrNotFound
}

func (f *fakeSource) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, s)
	return nil
}

func (f *fakeSource) ResetVolumeStatus(_ context.Context, id, st, att, _ string) error {
	f.record("reset " + id + " " + st + " " + att)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.vols {
		if f.vols[i].ID == id {
			f.vols[i].Status = st
		}
	}
	return nil
}
func (f *fakeSource) ForceDeleteVolume(_ context.Context, id string) error {
	return f.record("force-delete " + id)
}
func (f *fakeSource) DeleteVolumeAttachment(_ context.Context, id, att string) error {
	f.record("detach " + id + " " + att)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.vols {
		if f.vols[i].ID == id {
			f.vols[i].Attachments, f.vols[i].Status = nil, "available"
		}
	}
	return nil
}
func (f *fakeSource) RetypeVolume(_ context.Context, id, t string) error {
	return f.record("retype " + id + " " + t)
}
func (f *fakeSource) MigrateVolume(_ context.Context, id, h string) error {
	return f.record("migrate " + id + " " + h)
}

// fixture: a volume detaching for 2h on compute04's web-1, one
// error_deleting, one attaching for 3 minutes (not stuck yet), one in
// error, and healthy ones.
func fixture() *fakeSource {
	att := func(id, srv string) []openstack.VolumeAttach {
		return []openstack.VolumeAttach{{ID: "att-" + id, ServerID: srv, HostName: "compute04", Device: "/dev/vdb"}}
	}
	f := &fakeSource{names: map[string]string{"srv-web1": "web-1", "srv-db1": "db-1"}}
	f.vols = []openstack.Volume{
		{ID: "11111111-aaaa", Name: "web-data", Status: "in-use", Size: 100, Type: "rbd", Host: "control01@rbd-1#rbd", ProjectID: "p-web",
			Updated: t0.Add(-30 * 24 * time.Hour), Attachments: att("11111111-aaaa", "srv-db1")},
		{ID: "22222222-bbbb", Name: "web-1-data", Status: "detaching", Size: 50, Type: "rbd", Host: "control02@rbd-1#rbd", ProjectID: "p-web",
			Updated: t0.Add(-2 * time.Hour), Attachments: att("22222222-bbbb", "srv-web1")},
		{ID: "33333333-cccc", Name: "ci-artifacts-old", Status: "error_deleting", Size: 200, Type: "rbd", Host: "control03@rbd-1#rbd", ProjectID: "p-ci",
			Updated: t0.Add(-3 * time.Hour)},
		{ID: "44444444-dddd", Name: "new-disk", Status: "attaching", Size: 10, Type: "rbd-ssd", Host: "control01@rbd-1#rbd", ProjectID: "p-db",
			Updated: t0.Add(-3 * time.Minute), Attachments: att("44444444-dddd", "srv-gone")},
		{ID: "55555555-eeee", Name: "broken", Status: "error", Size: 5, Type: "rbd", ProjectID: "p-db", Updated: t0.Add(-26 * time.Hour)},
		{ID: "66666666-ffff", Name: "scratch", Status: "available", Size: 20, Type: "rbd", Host: "control02@rbd-1#rbd", ProjectID: "p-db",
			Updated: t0.Add(-5 * 24 * time.Hour)},
		{ID: "77777777-0000", Name: "moving", Status: "available", Size: 20, Type: "rbd", Host: "control02@rbd-1#rbd", ProjectID: "p-db",
			MigrationStatus: "migrating", Updated: t0.Add(-40 * time.Minute)},
	}
	return f
}

func newPane(src *fakeSource, o Options) *Pane {
	p, _ := newPaneClock(src, o)
	return p
}

func newPaneClock(src *fakeSource, o Options) (*Pane, *time.Time) {
	now := t0
	return New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src, o), &now
}

// drive runs commands to completion, feeding load results back, and
// returns the other messages.
func drive(p *Pane, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case loadedMsg:
			_, next := p.Update(m)
			queue = append(queue, next)
		case nil:
		default:
			out = append(out, m)
		}
	}
	return out
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func press(p *Pane, k string) []tea.Msg {
	_, cmd := p.Update(key(k))
	return drive(p, cmd)
}

func loaded(o Options) (*Pane, *fakeSource) {
	src := fixture()
	p := newPane(src, o)
	drive(p, p.Init())
	return p, src
}

func keys(p *Pane) []string {
	var out []string
	for _, r := range p.tbl.Rows() {
		out = append(out, r.Key)
	}
	return out
}

func TestGoldenStuckFirstFlagged(t *testing.T) {
	p, _ := loaded(Options{})
	for _, sz := range [][2]int{{120, 14}, {80, 12}} {
		out := p.View(sz[0], sz[1])
		viewtest.Frame(t, out, sz[0], sz[1])
		viewtest.File(t, viewtest.Golden("volumes", fmt.Sprintf("stuck_%dx%d", sz[0], sz[1])), ansi.Strip(out)+"\n", *update)
	}
}

func TestStuckFirstOldestFirstThenErrors(t *testing.T) {
	p, _ := loaded(Options{})
	got := strings.Join(keys(p), " ")
	// error_deleting 3h, detaching 2h, migrating 40m (stuck), then errors,
	// then the rest; attaching for 3m is not stuck yet.
	want := "33333333-cccc 22222222-bbbb 77777777-0000 55555555-eeee"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("order %s, want it to start %s", got, want)
	}
	out := ansi.Strip(p.View(120, 14))
	if !strings.Contains(out, "3 STUCK (> 10m in status)") || !strings.Contains(out, "detaching ⚠") || !strings.Contains(out, "migrating ⚠") {
		t.Fatalf("stuck not flagged:\n%s", out)
	}
	if strings.Contains(out, "attaching ⚠") {
		t.Fatalf("attaching for 3m flagged with a 10m threshold:\n%s", out)
	}
	// The threshold comes from the options (config stuck_after).
	p2, _ := loaded(Options{StuckAfter: 2 * time.Minute})
	if out := ansi.Strip(p2.View(120, 14)); !strings.Contains(out, "attaching ⚠") || !strings.Contains(out, "4 STUCK (> 2m in status)") {
		t.Fatalf("2m threshold:\n%s", out)
	}
}

func TestAttachedToShowsServerNamesElseIDs(t *testing.T) {
	p, _ := loaded(Options{})
	out := ansi.Strip(p.View(160, 14))
	if !strings.Contains(out, "web-1") || !strings.Contains(out, "srv-gone") {
		t.Fatalf("attached column:\n%s", out)
	}
	// A failed name lookup keeps the list (IDs shown).
	src := fixture()
	src.nameErr = errors.New("nova down")
	p2 := newPane(src, Options{})
	drive(p2, p2.Init())
	if p2.Status().Err != nil || p2.tbl.Len() != 7 || !strings.Contains(ansi.Strip(p2.View(160, 14)), "srv-web1") {
		t.Fatalf("names failing must not fail the list: %v %d", p2.Status().Err, p2.tbl.Len())
	}
}

func TestFilterTerms(t *testing.T) {
	p, _ := loaded(Options{})
	for q, want := range map[string]int{
		"status:detaching":          1,
		"host:control02":            3,
		"project:db":                4,
		"project:web status:in-use": 1,
		"server:web-1":              1,
		"stuck:yes":                 3,
		"type:rbd-ssd":              1,
		"migration:migrating":       1,
		"22222222":                  1,
		"status:error":              2,
		"nosuchfield:x":             0,
		"host:control02 !moving":    2,
	} {
		p.SetFilter(q)
		if p.tbl.Len() != want {
			t.Errorf("%q: %d rows, want %d", q, p.tbl.Len(), want)
		}
	}
	p.SetFilter("")
	press(p, "f") // stuck and error only
	if p.tbl.Len() != 4 {
		t.Fatalf("stuck/error only: %d rows", p.tbl.Len())
	}
}

func TestPivots(t *testing.T) {
	p, _ := loaded(Options{Pool: "cinder-volumes"})
	p.tbl.SelectKey("22222222-bbbb")
	for k, want := range map[string]pane.PivotMsg{
		"i":     {Pane: "instances", Query: "id=srv-web1"},
		"enter": {Pane: "instances", Query: "id=srv-web1"},
		"h":     {Pane: "agents", Query: "host:control02"},
		"v":     {Pane: "agents", Query: "host=control02@rbd-1 binary=cinder-volume"},
		"c":     {Pane: "containers", Query: "host:control02 name:cinder_volume"},
		"l":     {Pane: "logs", Query: "id:22222222-bbbb"},
		"o":     {Pane: "ceph", Query: "pool:cinder-volumes"},
	} {
		msgs := press(p, k)
		if len(msgs) != 1 || msgs[0] != want {
			t.Errorf("%s: %+v, want %+v", k, msgs, want)
		}
	}
}

func actionOf(t *testing.T, msgs []tea.Msg) pane.Action {
	t.Helper()
	for _, m := range msgs {
		if a, ok := m.(pane.RunActionMsg); ok {
			return a.Action
		}
	}
	t.Fatalf("no action in %+v", msgs)
	return pane.Action{}
}

func TestResetStatusPromptsAndShowsCurrentToTarget(t *testing.T) {
	p, src := loaded(Options{})
	p.tbl.SelectKey("22222222-bbbb")
	if msgs := press(p, "S"); len(msgs) != 0 || !p.Capturing() {
		t.Fatalf("S must open the target prompt first: %+v", msgs)
	}
	if out := ansi.Strip(p.View(120, 14)); !strings.Contains(out, "reset web-1-data from detaching to") {
		t.Fatalf("prompt:\n%s", out)
	}
	a := actionOf(t, press(p, "enter")) // the default: available
	if !a.Mutates || !a.ConfirmYes || a.Name != "volume-reset-status" {
		t.Fatalf("%+v", a)
	}
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "status detaching → available") {
		t.Fatalf("checks %s", c)
	}
	if _, err := a.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(src.sent) != 1 || src.sent[0] != "reset 22222222-bbbb available detached" {
		t.Fatalf("sent %q", src.sent)
	}
	// Not a reset target: refused in the pane, nothing handed over.
	press(p, "S")
	for range len("available") {
		press(p, "backspace")
	}
	for _, r := range "creating" {
		press(p, string(r))
	}
	msgs := press(p, "enter")
	if len(msgs) != 1 {
		t.Fatalf("%+v", msgs)
	}
	if _, ok := msgs[0].(pane.ToastMsg); !ok {
		t.Fatalf("want a toast, got %+v", msgs[0])
	}
}

func TestForceDeleteTypedAndOverrideOutsideSafeStatuses(t *testing.T) {
	p, src := loaded(Options{})
	p.tbl.SelectKey("33333333-cccc") // error_deleting: the normal case
	a := actionOf(t, press(p, "D"))
	if a.Confirm != "ci-artifacts-old" || a.ConfirmYes {
		t.Fatalf("force delete must be typed: %+v", a)
	}
	p.tbl.SelectKey("22222222-bbbb") // detaching, attached
	a = actionOf(t, press(p, "D"))
	if a.Confirm != "override web-1-data" || a.Details["override"] != "yes" {
		t.Fatalf("override: %+v", a)
	}
	if c := strings.Join(a.Checks, "\n"); !strings.Contains(c, "⚠ detaching, attached 1 time(s)") {
		t.Fatalf("checks %s", c)
	}
	_ = src
}

func TestDetachAndMigrateActions(t *testing.T) {
	p, src := loaded(Options{})
	p.tbl.SelectKey("22222222-bbbb")
	a := actionOf(t, press(p, "X"))
	if a.Confirm != "web-1-data" || a.Details["attachment"] != "att-22222222-bbbb" || a.Details["server"] != "web-1" {
		t.Fatalf("%+v", a)
	}
	if res, err := a.Run(context.Background(), nil); err != nil || res != "attachment att-22222222-bbbb removed; 22222222-bbbb (web-1-data) is available" {
		t.Fatalf("run: %q %v", res, err)
	}
	p.tbl.SelectKey("66666666-ffff")
	press(p, "M")
	for _, r := range "control03@rbd-1#rbd" {
		press(p, string(r))
	}
	a = actionOf(t, press(p, "enter"))
	if a.Name != "volume-migrate" || len(a.Destinations) != 1 || a.Destinations[0] != "control03@rbd-1#rbd" {
		t.Fatalf("%+v", a)
	}
	if !strings.Contains(strings.Join(a.Checks, ""), "backend control02@rbd-1#rbd → control03@rbd-1#rbd") {
		t.Fatalf("checks %q", a.Checks)
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.sent) != 1 || !strings.HasPrefix(src.sent[0], "detach ") {
		t.Fatalf("sent %q", src.sent)
	}
}

func TestActionsRefreshTheList(t *testing.T) {
	p, src := loaded(Options{})
	src.mu.Lock()
	src.vols = src.vols[:2]
	src.mu.Unlock()
	_, cmd := p.Update(pane.ActionDoneMsg{Name: ops.VolumeChange{Verb: ops.VolumeForceDelete}.Name()})
	drive(p, cmd)
	if p.tbl.Len() != 2 {
		t.Fatalf("after a volume action the list reloads: %d rows", p.tbl.Len())
	}
}

func TestHostileNamesStayInTheFrame(t *testing.T) {
	src := fixture()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range src.vols {
		src.vols[i].Name = viewtest.HostileText(rng, 40)
		src.vols[i].Type = "\x1b]52;c;ZXZpbA==\a" + viewtest.HostileText(rng, 5)
	}
	src.names["srv-web1"] = "\x1b[2J" + viewtest.HostileText(rng, 30)
	p := newPane(src, Options{})
	drive(p, p.Init())
	for _, sz := range [][2]int{{120, 14}, {80, 10}, {50, 6}} {
		viewtest.Frame(t, p.View(sz[0], sz[1]), sz[0], sz[1])
	}
}

func TestLoadErrorKeepsLastList(t *testing.T) {
	p, src := loaded(Options{})
	src.err = errors.New("cinder: GET /volumes/detail: HTTP 503")
	drive(p, p.Refresh())
	out := ansi.Strip(p.View(120, 14))
	if p.tbl.Len() != 7 || !strings.Contains(out, "✗ cinder failed (showing data from <10s ago): cinder: GET /volumes/detail: HTTP 503") {
		t.Fatalf("%d rows:\n%s", p.tbl.Len(), out)
	}
}

// TestDeletedVolumesLeaveWithoutTheWholeList: the steady refresh reads a
// delta; every PresenceEvery it asks only which volumes exist (IDs) and
// drops the others; a transitional volume about to be called stuck is
// read on its own first, so a deleted one never shows as stuck deleting.
func TestDeletedVolumesLeaveWithoutTheWholeList(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	rows := p.tbl.Len()
	var deleting openstack.Volume
	for _, v := range src.vols {
		if transitional[v.Status] && !v.Updated.IsZero() && now.Sub(v.Updated) > DefaultStuckAfter {
			deleting = v
		}
	}
	if deleting.ID == "" {
		t.Fatal("fixture has no transitional volume")
	}
	// Another volume is deleted elsewhere, and the transitional one too.
	other := src.vols[len(src.vols)-1]
	if other.ID == deleting.ID {
		other = src.vols[len(src.vols)-2]
	}
	src.vols = slices.DeleteFunc(src.vols, func(v openstack.Volume) bool { return v.ID == other.ID || v.ID == deleting.ID })
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if src.sinces[1].IsZero() || src.idLists != 0 {
		t.Fatalf("a steady refresh read the whole list (sinces %v) or the IDs (%d)", src.sinces, src.idLists)
	}
	// The transitional one was read on its own (old enough to be stuck):
	// not found, it leaves now; the other one is still shown.
	if _, shown := p.byID[deleting.ID]; !slices.Contains(src.reads, deleting.ID) || p.tbl.Len() != rows-1 || shown {
		t.Fatalf("reads %v, %d rows (want %d)\n%s", src.reads, p.tbl.Len(), rows-1, ansi.Strip(p.View(140, 20)))
	}
	*now = now.Add(DefaultPresenceEvery)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if last := src.sinces[len(src.sinces)-1]; last.IsZero() || src.idLists != 1 {
		t.Fatalf("presence: since %v, %d ID lists", last, src.idLists)
	}
	if p.tbl.Len() != rows-2 {
		t.Fatalf("%d rows after the presence check, want %d", p.tbl.Len(), rows-2)
	}
}

func TestRefreshReadsOnlyWhatChangedThenTheWholeList(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{FullEvery: 5 * time.Minute})
	drive(p, p.Init())
	// A refresh tick: a delta since the first list's AsOf.
	moved := src.vols[1]
	moved.Status, moved.Attachments, moved.Updated = "available", nil, t0
	src.delta = []openstack.Volume{moved}
	src.vols = src.vols[2:] // two volumes deleted meanwhile
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if len(src.sinces) != 2 || !src.sinces[0].IsZero() || !src.sinces[1].Equal(t0.Add(time.Second)) {
		t.Fatalf("sinces %v: want a whole list, then a delta since its AsOf", src.sinces)
	}
	if p.tbl.Len() != 7 || strings.Contains(ansi.Strip(p.View(120, 14)), "detaching") {
		t.Fatalf("delta merged wrong: %d rows\n%s", p.tbl.Len(), ansi.Strip(p.View(120, 14)))
	}
	// After FullEvery the whole list comes back: the deleted ones leave.
	*now = now.Add(5 * time.Minute)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if !src.sinces[2].IsZero() || p.tbl.Len() != 5 {
		t.Fatalf("whole list after FullEvery: since %v, %d rows", src.sinces[2], p.tbl.Len())
	}
	// ctrl+r reads the whole list too.
	drive(p, p.Refresh())
	if !src.sinces[3].IsZero() {
		t.Fatalf("ctrl+r: since %v", src.sinces[3])
	}
}

func TestActionDuringARefreshStillGetsTheWholeList(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	*now = now.Add(10 * time.Second)
	_, refresh := p.Update(pane.TickMsg(*now)) // a delta is in flight
	src.vols = src.vols[:3]
	_, cmd := p.Update(pane.ActionDoneMsg{Name: "volume-force-delete"})
	if cmd != nil {
		t.Fatal("a second load while one is in flight")
	}
	drive(p, refresh) // the delta lands, then the whole list follows
	if len(src.sinces) != 3 || !src.sinces[2].IsZero() || p.tbl.Len() != 3 {
		t.Fatalf("sinces %v, %d rows: the action's whole list was lost", src.sinces, p.tbl.Len())
	}
}

// The fast free-text path agrees with filter.Query.Match.
func TestMatchAgreesWithTheFilterPackage(t *testing.T) {
	p, _ := loaded(Options{})
	for _, q := range []string{"web", "!web", "control0", "detach", "web stuck:yes", "*ssd*", "!x", "1-data", "G", "rbd-1#rbd", "p-db"} {
		fq := filter.Parse(q)
		m := filter.Compile(fq, fieldNames)
		for _, r := range p.rows {
			var f [numFields]string
			r.fields(&f)
			fields := map[string]string{}
			for i, n := range fieldNames {
				fields[n] = f[i]
			}
			if got, want := match(m, r), fq.Match(fields); got != want {
				t.Errorf("%q on %s: match %v, filter.Match %v", q, r.v.ID, got, want)
			}
		}
	}
}

// Each load publishes the stuck volumes to the host model, so the incident
// strip counts them ("N stuck volumes").
func TestStuckVolumesReachTheStrip(t *testing.T) {
	p := newPane(fixture(), Options{})
	var obs []hostmodel.Observation
	for _, m := range drive(p, p.Init()) {
		if o, ok := m.(hostmodel.Observation); ok {
			obs = append(obs, o)
		}
	}
	if len(obs) == 0 || obs[len(obs)-1].Source != hostmodel.Cinder || len(obs[len(obs)-1].Facts) != p.nStuck || p.nStuck == 0 {
		t.Fatalf("%d stuck volumes, observations %+v", p.nStuck, obs)
	}
	m := hostmodel.New()
	m.Apply(obs[len(obs)-1])
	found := false
	for _, s := range m.Summarize().Segments() {
		found = found || strings.Contains(s.Text, "stuck volume")
	}
	if !found {
		t.Fatalf("strip segments %+v", m.Summarize().Segments())
	}
}

// rowKeys are the table's keys in order.
func rowKeys(p *Pane) string { return strings.Join(keys(p), " ") }

// Issue 15: a delta refresh derives only the changed volumes' rows; the
// unchanged keep theirs (same row, no rebuild), a whole list that brings
// the same volumes rebuilds nothing, and the order follows the change.
func TestDeltaRefreshRebuildsOnlyChangedRows(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	if p.built != 7 {
		t.Fatalf("first list built %d rows, want 7", p.built)
	}
	before := maps.Clone(p.byID)
	// The delta: one volume goes into error, one comes back unchanged.
	changed := src.vols[5] // scratch, available
	changed.Status, changed.Updated = "error", t0
	src.delta = []openstack.Volume{changed, src.vols[0]}
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if p.built != 8 {
		t.Fatalf("a delta of one changed volume built %d rows, want 1", p.built-7)
	}
	for id, r := range before {
		if id != changed.ID && p.byID[id] != r {
			t.Errorf("%s: unchanged volume got a new row", id)
		}
	}
	if p.byID[changed.ID] == before[changed.ID] || p.nErr != 2 {
		t.Fatalf("changed volume kept its row (nErr %d)", p.nErr)
	}
	// Errors come after the stuck ones, oldest first: the new error last.
	if got := rowKeys(p); !strings.Contains(got, "55555555-eeee 66666666-ffff") {
		t.Fatalf("order %s", got)
	}
	// An empty delta and a whole list of the same volumes rebuild nothing.
	src.delta = nil
	*now = now.Add(10 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	src.vols[5] = changed
	drive(p, p.Refresh())
	if p.built != 8 {
		t.Fatalf("refreshes without changes built %d rows", p.built-8)
	}
}

// Time moves without a change of the volumes: the age cells follow (in
// place, no row rebuilt), and a volume that has sat in a transitional
// status past StuckAfter becomes stuck (its row alone is rebuilt) and
// moves to the top.
func TestTimeMovesAgesAndStuckWithoutRebuildingEveryRow(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	built := p.built
	if p.nStuck != 3 {
		t.Fatalf("%d stuck at first", p.nStuck)
	}
	*now = now.Add(8 * time.Minute) // new-disk: attaching for 11 minutes
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if p.built != built+1 || p.nStuck != 4 {
		t.Fatalf("built %d rows, %d stuck: want new-disk's row alone rebuilt, and stuck", p.built-built, p.nStuck)
	}
	out := ansi.Strip(p.View(140, 14))
	if !strings.Contains(out, "attaching ⚠") || !strings.Contains(out, "11m") {
		t.Fatalf("new-disk not stuck, or its age not moved:\n%s", out)
	}
	// The others' ages moved in their cells: scratch (2h10m in status).
	if !strings.Contains(out, "2h") || strings.Contains(out, "3m ") {
		t.Fatalf("ages not moved:\n%s", out)
	}
	if r := p.byID["77777777-0000"]; r.Cell(ageCol).Text != "48m" {
		t.Fatalf("moving: age %q, want 48m", r.Cell(ageCol).Text)
	}
}

// The filter fields hold what they held as a map (issue 15 made them one
// string): project name and ID, server names then IDs, stuck yes/no.
func TestFilterFieldsCompact(t *testing.T) {
	p, _ := loaded(Options{})
	var f [numFields]string
	p.byID["22222222-bbbb"].fields(&f)
	want := [numFields]string{"detaching", "web-1-data", "22222222-bbbb", "control02@rbd-1#rbd", "rbd", "web p-web", "web-1 srv-web1", "", "yes"}
	if f != want {
		t.Fatalf("fields %q\nwant   %q", f, want)
	}
	p.byID["66666666-ffff"].fields(&f)
	if f[6] != " " || f[8] != "no" || f[5] != "db p-db" {
		t.Fatalf("fields %q", f)
	}
}

// Loads ask names for the servers the rows are attached to (kept as the
// rows change, not gathered from every row at each load) and for those of
// the list that comes.
func TestLoadsAskNamesForAttachedServers(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	drive(p, p.Refresh())
	uniq := func() string {
		src.mu.Lock()
		defer src.mu.Unlock()
		s := slices.Clone(src.asked)
		slices.Sort(s)
		return strings.Join(slices.Compact(s), " ")
	}
	if got := uniq(); got != "srv-db1 srv-gone srv-web1" {
		t.Fatalf("asked %q", got)
	}
	if r := p.byID["22222222-bbbb"]; r.serverList() != "web-1" {
		t.Fatalf("servers %v", r.serverList())
	}
	// web-1-data detached; new-disk attached to a new server.
	a, b := src.vols[1], src.vols[3]
	a.Attachments, a.Status = nil, "available"
	b.Attachments = []openstack.VolumeAttach{{ID: "att-new", ServerID: "srv-new"}}
	src.names["srv-new"] = "new-1"
	src.delta = []openstack.Volume{a, b}
	src.vols[1], src.vols[3] = a, b // what a one-volume read answers too
	*now = now.Add(10 * time.Second)
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if got := uniq(); got != "srv-db1 srv-gone srv-new srv-web1" {
		t.Fatalf("delta load asked %q: want the rows' servers and the delta's", got)
	}
	if r := p.byID["44444444-dddd"]; r.server(0) != "new-1" {
		t.Fatalf("new attachment named %v", r.serverList())
	}
	src.delta = nil
	*now = now.Add(10 * time.Second)
	_, cmd = p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if got := uniq(); got != "srv-db1 srv-new" {
		t.Fatalf("after the detach asked %q: want srv-db1 srv-new", got)
	}
}

// Rows merged in by a delta land where a whole sort puts them: random
// deltas (status changes into and out of error and transitional states,
// new volumes, renames), then the order, counts and index are checked
// against a fresh pane given the same volumes.
func TestIncrementalOrderMatchesAFullSort(t *testing.T) {
	src := bigVolumes(3000)
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	rng := rand.New(rand.NewPCG(3, 4))
	statuses := []string{"available", "in-use", "error", "error_deleting", "detaching", "attaching", "extending"}
	cur := map[string]openstack.Volume{}
	for _, v := range src.vols {
		cur[v.ID] = v
	}
	for round := range 30 {
		src.delta = nil
		for range 1 + rng.IntN(40) {
			var v openstack.Volume
			if round%7 == 6 && rng.IntN(3) == 0 { // a volume deleted: leaves at the next whole list
				i := rng.IntN(len(src.vols))
				delete(cur, src.vols[i].ID)
				src.vols = slices.Delete(src.vols, i, i+1)
				continue
			}
			if rng.IntN(5) == 0 {
				v = openstack.Volume{ID: fmt.Sprintf("new-%d-%d", round, rng.IntN(1e6)), Name: fmt.Sprintf("n%d", rng.IntN(50)), ProjectID: "p-db"}
			} else {
				v = src.vols[rng.IntN(len(src.vols))]
				v = cur[v.ID]
			}
			v.Status = statuses[rng.IntN(len(statuses))]
			v.Updated = now.Add(-time.Duration(rng.IntN(120)) * time.Minute)
			if rng.IntN(4) == 0 {
				v.Name = fmt.Sprintf("renamed-%d", rng.IntN(100))
			}
			if _, ok := cur[v.ID]; !ok {
				src.vols = append(src.vols, v)
			}
			for i := range src.vols { // a whole list (every FullEvery) brings the same
				if src.vols[i].ID == v.ID {
					src.vols[i] = v
				}
			}
			cur[v.ID] = v
			src.delta = append(src.delta, v)
		}
		*now = now.Add(time.Duration(10+rng.IntN(300)) * time.Second) // past the refresh period: a load
		_, cmd := p.Update(pane.TickMsg(*now))
		drive(p, cmd)
		if round%7 == 6 {
			drive(p, p.Refresh()) // the whole list: deleted volumes leave
		}

		all := slices.Collect(maps.Values(cur))
		fresh, fnow := newPaneClock(&fakeSource{vols: all, names: src.names}, Options{})
		*fnow = *now
		drive(fresh, fresh.Init())
		if got, want := keys(p), keys(fresh); !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					a, b := p.byID[got[i]], fresh.byID[want[i]]
					t.Fatalf("round %d: row %d is %s (%s %s %v %q %q), a full sort has %s (%s %s %v %q %q)", round, i,
						got[i], a.v.Status, a.v.Updated, a.stuck, a.sh.project, a.v.Name, want[i], b.v.Status, b.v.Updated, b.stuck, b.sh.project, b.v.Name)
				}
			}
			t.Fatalf("round %d: %d rows, a full sort %d", round, len(got), len(want))
		}
		if p.nStuck != fresh.nStuck || p.nErr != fresh.nErr || len(p.byID) != len(cur) || len(p.rows) != len(cur) {
			t.Fatalf("round %d: stuck %d/%d err %d/%d, %d indexed, %d rows, want %d", round, p.nStuck, fresh.nStuck, p.nErr, fresh.nErr, len(p.byID), len(p.rows), len(cur))
		}
		for i, r := range p.rows {
			if r.dead || p.byID[r.v.ID] != r {
				t.Fatalf("round %d: row %d (%s) dead or not indexed", round, i, r.v.ID)
			}
			if got, want := r.Cell(ageCol).Text, fresh.byID[r.v.ID].Cell(ageCol).Text; got != want {
				t.Fatalf("round %d: %s age %q, a fresh pane says %q", round, r.v.ID, got, want)
			}
		}
	}
}

// Panes whose lists came at different moments check presence at the same
// refresh, the first after an interval of PresenceEvery begins on the
// wall clock (the sessions of `stackpit serve` then share one ID list),
// and then not again in that interval.
func TestPresenceChecksFallOnTheWallClock(t *testing.T) {
	window := t0.Add(DefaultPresenceEvery).Truncate(DefaultPresenceEvery) // the next interval's start
	srcs := []*fakeSource{fixture(), fixture()}
	var panes []*Pane
	var clocks []*time.Time
	for i, at := range []time.Duration{9 * time.Minute, 2 * time.Minute} { // lists 9 and 2 minutes before it
		p, now := newPaneClock(srcs[i], Options{})
		*now = window.Add(-at)
		drive(p, p.Init())
		panes, clocks = append(panes, p), append(clocks, now)
	}
	refresh := func(at time.Time) {
		for i, p := range panes {
			*clocks[i] = at
			_, cmd := p.Update(pane.TickMsg(at))
			drive(p, cmd)
		}
	}
	refresh(window.Add(-10 * time.Second))
	if srcs[0].idLists != 0 || srcs[1].idLists != 0 {
		t.Fatalf("presence before the interval began: %d and %d ID lists", srcs[0].idLists, srcs[1].idLists)
	}
	refresh(window.Add(2 * time.Second))
	if srcs[0].idLists != 1 || srcs[1].idLists != 1 {
		t.Fatalf("first refresh of the interval: %d and %d ID lists, want 1 each (at once)", srcs[0].idLists, srcs[1].idLists)
	}
	refresh(window.Add(90 * time.Second)) // 10 minutes after the first pane's list: not due again
	refresh(window.Add(DefaultPresenceEvery - time.Second))
	if srcs[0].idLists != 1 || srcs[1].idLists != 1 {
		t.Fatalf("within the interval: %d and %d ID lists, want 1 each", srcs[0].idLists, srcs[1].idLists)
	}
	refresh(window.Add(DefaultPresenceEvery + 10*time.Second))
	if srcs[0].idLists != 2 || srcs[1].idLists != 2 {
		t.Fatalf("next interval: %d and %d ID lists, want 2 each", srcs[0].idLists, srcs[1].idLists)
	}
}

// Panes given one list (the sessions of `stackpit serve`) keep its
// volumes, not a copy each: a row is the listed volume and the list is
// never changed.
func TestPanesGivenOneListShareItsVolumes(t *testing.T) {
	src := fixture()
	l, _ := src.VolumesSince(context.Background(), time.Time{})
	before := append([]openstack.Volume(nil), l.Volumes...)
	a, b := newPane(src, Options{}), newPane(src, Options{})
	for _, p := range []*Pane{a, b} {
		p.Update(loadedMsg{list: l, names: src.names})
	}
	for i := range l.Volumes {
		v := &l.Volumes[i]
		if a.byID[v.ID].v != v || b.byID[v.ID].v != v {
			t.Fatalf("volume %s: the panes' rows hold copies, not the listed volume", v.ID)
		}
	}
	if !reflect.DeepEqual(before, l.Volumes) {
		t.Fatal("a pane changed the list it was given")
	}
}

// A presence list taken before a list showed a volume cannot say that
// volume was deleted: in serve the ID list is shared and may be from up
// to an interval before this session's own delta (which brought a volume
// created in between). A presence list from after it can.
func TestPresenceListOlderThanARowKeepsIt(t *testing.T) {
	src := fixture()
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	rows := p.tbl.Len()
	// A volume created after the shared ID list was taken: a delta shows it.
	idsAt := now.Add(5 * time.Second)
	*now = now.Add(10 * time.Second)
	fresh := openstack.Volume{ID: "99999999-new", Name: "fresh", Status: "available", Size: 1, ProjectID: "p-web", Updated: *now}
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: []openstack.Volume{fresh}, AsOf: *now}, names: src.names})
	if p.tbl.Len() != rows+1 {
		t.Fatalf("%d rows after the delta, want %d", p.tbl.Len(), rows+1)
	}
	present := map[string]struct{}{}
	for _, v := range src.vols {
		present[v.ID] = struct{}{}
	}
	gone := src.vols[0].ID
	delete(present, gone) // deleted before the ID list
	*now = now.Add(10 * time.Second)
	p.Update(loadedMsg{list: openstack.VolumeList{AsOf: *now}, present: present, presAt: idsAt, names: src.names})
	if _, ok := p.byID[fresh.ID]; !ok {
		t.Fatal("a volume listed after the presence list was dropped as deleted")
	}
	if _, ok := p.byID[gone]; ok || p.tbl.Len() != rows {
		t.Fatalf("the volume listed before the presence list and absent from it stayed (%d rows, want %d)", p.tbl.Len(), rows)
	}
	// A presence list from after the delta, still without it: gone.
	p.Update(loadedMsg{list: openstack.VolumeList{AsOf: *now}, present: present, presAt: *now, names: src.names})
	if _, ok := p.byID[fresh.ID]; ok || p.tbl.Len() != rows-1 {
		t.Fatalf("a volume absent from a newer presence list stayed (%d rows, want %d)", p.tbl.Len(), rows-1)
	}
}

// A steady refresh whose changed volumes keep their place patches their
// rows in the table (the rows' slice is the same one) and shows what a
// rebuild from the same volumes shows; one that moves a row rebuilds.
func TestDeltaPatchesRowsInPlace(t *testing.T) {
	src := bigVolumes(500)
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	p.tbl.Move(40) // the cursor stays on its row
	before := &p.tbl.Rows()[0]
	sel, _ := p.tbl.Selected()
	var delta []openstack.Volume
	for _, i := range []int{3, 77, 301} {
		v := src.vols[i]
		v.Size, v.Updated = v.Size+7, v.Updated.Add(time.Second)
		delta = append(delta, v)
		src.vols[i] = v
	}
	*now = now.Add(10 * time.Second)
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: delta, AsOf: *now}, names: p.names, projects: p.projects})
	if &p.tbl.Rows()[0] != before {
		t.Fatal("a refresh of three volumes that keep their place rebuilt the table")
	}
	if got, _ := p.tbl.Selected(); got.Key != sel.Key {
		t.Fatalf("cursor moved from %s to %s", sel.Key, got.Key)
	}
	fresh, fnow := newPaneClock(src, Options{})
	*fnow = *now
	drive(fresh, fresh.Init())
	if !sameRowsText(p, fresh) {
		t.Fatal("patched rows differ from a rebuild")
	}
	// A volume that errors moves up among the errored: rebuilt.
	v := src.vols[350]
	v.Status = "error"
	src.vols[350] = v
	p.Update(loadedMsg{list: openstack.VolumeList{Volumes: []openstack.Volume{v}, AsOf: *now}, names: p.names, projects: p.projects})
	fresh, fnow = newPaneClock(src, Options{})
	*fnow = *now
	drive(fresh, fresh.Init())
	if &p.tbl.Rows()[0] == before || !sameRowsText(p, fresh) {
		t.Fatalf("a volume that moved was patched in place (%v), or the rebuild differs (%v)", &p.tbl.Rows()[0] == before, !sameRowsText(p, fresh))
	}
}

// sameRowsText: a and b's tables hold the same rows with the same cells.
func sameRowsText(a, b *Pane) bool {
	ra, rb := a.tbl.Rows(), b.tbl.Rows()
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if ra[i].Key != rb[i].Key || ra[i].Role != rb[i].Role {
			return false
		}
		for c := range columns {
			if ra[i].Src.Cell(c).Text != rb[i].Src.Cell(c).Text {
				return false
			}
		}
	}
	return true
}

// Issue 15: a steady refresh looks at the rows whose stuck flag can move
// with time (a transitional status or migration), not at every row; the
// others' ages are told from the pane's clock when drawn, so the table
// shows what a pane loaded at that moment shows.
func TestSteadyRefreshLooksAtTimedRowsOnly(t *testing.T) {
	src := bigVolumes(2000) // 10 detaching: vol-000000 since t0, the rest stuck
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	if len(p.timed) != 10 || p.nStuck != 9 {
		t.Fatalf("%d timed rows, %d stuck: want 10 and 9", len(p.timed), p.nStuck)
	}
	visited, built := p.visited, p.built
	*now = now.Add(11 * time.Minute) // vol-000000 detaching for 11 minutes
	_, cmd := p.Update(pane.TickMsg(*now))
	drive(p, cmd)
	if n := p.visited - visited; n > 10 {
		t.Fatalf("a refresh without changes looked at %d rows, want the 10 timed ones", n)
	}
	if p.built != built+1 || p.nStuck != 10 {
		t.Fatalf("built %d rows, %d stuck: want vol-000000 rebuilt, stuck", p.built-built, p.nStuck)
	}
	if r := p.byID[src.vols[5].ID]; r.Cell(ageCol).Text != "16m" {
		t.Fatalf("vol-000005: age %q, want 16m", r.Cell(ageCol).Text)
	}
	fresh, fnow := newPaneClock(src, Options{})
	*fnow = *now
	drive(fresh, fresh.Init())
	if !sameRowsText(p, fresh) || p.nStuck != fresh.nStuck || p.nErr != fresh.nErr {
		t.Fatal("after the refresh the rows differ from a pane loaded now")
	}
	if a, b := ansi.Strip(p.View(160, 30)), ansi.Strip(fresh.View(160, 30)); a != b {
		t.Fatalf("screens differ:\n%s\n---\n%s", a, b)
	}
}

// The volumes read one by one before being called stuck are the oldest
// of those due (verifyMax of them).
func TestAboutStuckReadsTheOldestFirst(t *testing.T) {
	src := bigVolumes(10000) // detaching every 200th, updated i minutes before t0
	p, now := newPaneClock(src, Options{})
	drive(p, p.Init())
	got := p.aboutStuck(*now)
	var want []string
	for i := 9800; len(want) < verifyMax; i -= 200 {
		want = append(want, src.vols[i].ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("read %v\nwant %v", got, want)
	}
}

// Rows alike in status, backend, type, project, migration and stuck share
// one copy of those filter fields (issue 15: one per row was ~5 MB at
// 62,549 volumes), and a row's fields still say its own.
func TestRowsShareTheirCommonFields(t *testing.T) {
	p := newPane(bigVolumes(3000), Options{})
	drive(p, p.Init())
	byKey := map[sharedKey]*shared{}
	for _, r := range p.rows {
		v := r.v
		k := sharedKey{status: v.Status, host: v.Host, typ: v.Type, project: p.projectName(v), projectID: v.ProjectID, mig: v.MigrationStatus, stuck: r.stuck || r.migStuck}
		if sh, ok := byKey[k]; ok && sh != r.sh {
			t.Fatalf("%s: its own copy of fields another row has alike", v.ID)
		}
		byKey[k] = r.sh
		var f [numFields]string
		r.fields(&f)
		stuck := "no"
		if r.stuck || r.migStuck {
			stuck = "yes"
		}
		if f[0] != v.Status || f[1] != v.Name || f[2] != v.ID || f[3] != strings.ToLower(v.Host) || f[4] != v.Type ||
			f[5] != p.projectName(v)+" "+v.ProjectID || f[7] != v.MigrationStatus || f[8] != stuck {
			t.Fatalf("%s: fields %q", v.ID, f)
		}
	}
	if len(byKey) > 40 {
		t.Fatalf("%d shared field sets for 3,000 volumes of 5 projects, 3 backends", len(byKey))
	}
}
