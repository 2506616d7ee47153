package images

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/viewtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)

const evil = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"

type fakeSource struct {
	ims   []openstack.Image
	err   error
	calls int
}

func (f *fakeSource) Images(context.Context) ([]openstack.Image, error) {
	f.calls++
	return f.ims, f.err
}

type fakeUse struct {
	m     map[string]int
	ok    bool
	calls int
}

func (f *fakeUse) ImageUse() (map[string]int, bool) { f.calls++; return f.m, f.ok }

type fakeActor struct {
	calls []string
}

func (f *fakeActor) Image(_ context.Context, id string) (openstack.Image, error) {
	for _, im := range fixture().ims {
		if im.ID == id {
			return im, nil
		}
	}
	return openstack.Image{}, openstack.ErrNotFound
}
func (f *fakeActor) DeactivateImage(_ context.Context, id string) error {
	f.calls = append(f.calls, "deactivate "+id)
	return nil
}
func (f *fakeActor) ReactivateImage(_ context.Context, id string) error {
	f.calls = append(f.calls, "reactivate "+id)
	return nil
}
func (f *fakeActor) DeleteImage(_ context.Context, im openstack.Image) error {
	f.calls = append(f.calls, "delete "+im.ID)
	return nil
}

func fixture() *fakeSource {
	return &fakeSource{ims: []openstack.Image{
		{ID: "11111111-0000-4000-8000-000000000001", Name: "ubuntu-24.04", Status: "active", Size: 2 << 30, DiskFormat: "raw",
			Stores: []string{"rbd"}, Locations: []string{"rbd://fsid/images/1/snap"}, OwnerName: "admin", Visibility: "public",
			Updated: t0.Add(-30 * 24 * time.Hour)},
		{ID: "11111111-0000-4000-8000-000000000002", Name: "ubuntu-22.04-old", Status: "pending_delete", Size: 2200 << 20, DiskFormat: "raw",
			Stores: []string{"rbd"}, OwnerName: "admin", Visibility: "public", Updated: t0.Add(-47 * time.Minute)},
		{ID: "11111111-0000-4000-8000-000000000003", Name: "win2019-golden", Status: "active", Size: 18 << 30, DiskFormat: "raw",
			Stores: []string{"rbd"}, OwnerName: "admin", Visibility: "private", Protected: true, Updated: t0.Add(-90 * 24 * time.Hour)},
		{ID: "11111111-0000-4000-8000-000000000004", Name: "ci-runner-upload", Status: "saving", DiskFormat: "qcow2",
			Stores: []string{"file"}, OwnerID: "c1c1", Visibility: "private", Updated: t0.Add(-5 * time.Minute)},
		{ID: "11111111-0000-4000-8000-000000000005", Name: "centos-7", Status: "deactivated", Size: 900 << 20, DiskFormat: "qcow2",
			Stores: []string{"rbd"}, OwnerName: "web", Visibility: "shared", Updated: t0.Add(-3 * time.Hour)},
		{ID: "11111111-0000-4000-8000-000000000006", Name: evil, Status: "active", Size: 12 << 20, DiskFormat: "qcow2",
			Visibility: "community", Updated: t0.Add(-48 * time.Hour)},
	}}
}

func newPane(src *fakeSource, use Usage) (*Pane, *fakeActor) {
	now := t0
	a := &fakeActor{}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src, a, use)
	drive(p, p.Init())
	return p, a
}

// drive runs commands, feeding loads back, and returns the other messages.
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
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func press(p *Pane, k string) []tea.Msg {
	_, cmd := p.Update(key(k))
	return drive(p, cmd)
}

func selectName(t *testing.T, p *Pane, name string) {
	t.Helper()
	for _, e := range p.all {
		if e.im.Name == name {
			if !p.tbl.SelectKey(e.im.ID) {
				t.Fatalf("%s not shown", name)
			}
			return
		}
	}
	t.Fatalf("no %s", name)
}

func TestGoldenStuckFirst(t *testing.T) {
	p, _ := newPane(fixture(), &fakeUse{m: map[string]int{"11111111-0000-4000-8000-000000000001": 41, "11111111-0000-4000-8000-000000000002": 3}, ok: true})
	for _, sz := range [][2]int{{120, 12}, {72, 10}} {
		out := p.View(sz[0], sz[1])
		viewtest.Frame(t, out, sz[0], sz[1])
		viewtest.File(t, viewtest.Golden("images", fmt.Sprintf("stuck_%dx%d", sz[0], sz[1])), ansi.Strip(out)+"\n", *update)
	}
	plain := ansi.Strip(p.View(120, 12))
	lines := strings.Split(plain, "\n")
	if !strings.Contains(lines[0], "1 STUCK (ubuntu-22.04-old pending_delete 47m)") {
		t.Errorf("header: %q", lines[0])
	}
	if !strings.Contains(lines[2], "ubuntu-22.04-old") {
		t.Errorf("stuck image not first: %q", lines[2])
	}
	// A young upload is transitional but not stuck.
	for _, e := range p.all {
		if e.im.Name == "ci-runner-upload" && e.stuck {
			t.Error("a 5-minute-old upload counts as stuck")
		}
	}
	if strings.Contains(plain, "\x1b") || strings.Contains(plain, "\a") {
		t.Error("raw escape reached the screen")
	}
}

func TestServersUnknownUntilTheInstancesListLoads(t *testing.T) {
	use := &fakeUse{}
	p, _ := newPane(fixture(), use)
	out := ansi.Strip(p.View(120, 12))
	if !strings.Contains(out, "servers: waiting for the instances list") {
		t.Errorf("no waiting note:\n%s", out)
	}
	use.m, use.ok = map[string]int{"11111111-0000-4000-8000-000000000002": 7}, true
	p.Update(pane.TickMsg(t0))
	out = ansi.Strip(p.View(120, 12))
	if strings.Contains(out, "waiting") || !strings.Contains(out, "7 servers") {
		t.Errorf("counts not picked up on the tick:\n%s", out)
	}
}

func TestFilterTerms(t *testing.T) {
	p, _ := newPane(fixture(), nil)
	for q, want := range map[string]int{"stuck:yes": 1, "status:active": 3, "prot:yes": 1, "store:file": 1, "owner:web": 1,
		"vis:community": 1, "format:qcow2 status:deactivated": 1, "ubuntu": 2, "nosuchfield:x": 0} {
		p.SetFilter(q)
		if got := p.tbl.Len(); got != want {
			t.Errorf("filter %q: %d rows, want %d", q, got, want)
		}
	}
}

func TestPivots(t *testing.T) {
	p, _ := newPane(fixture(), nil)
	selectName(t, p, "ubuntu-22.04-old")
	id := "11111111-0000-4000-8000-000000000002"
	for k, want := range map[string]pane.PivotMsg{
		"l": {Pane: "logs", Query: "id:" + id},
		"i": {Pane: "instances", Query: "image:" + id},
		"o": {Pane: "ceph", Query: "pool:images"},
	} {
		msgs := press(p, k)
		if len(msgs) != 1 || msgs[0] != want {
			t.Errorf("%s: %v, want %v", k, msgs, want)
		}
	}
}

func TestActions(t *testing.T) {
	p, a := newPane(fixture(), &fakeUse{m: map[string]int{"11111111-0000-4000-8000-000000000001": 41}, ok: true})

	// Protected: refused at once, no dialog, no request.
	selectName(t, p, "win2019-golden")
	msgs := press(p, "D")
	if len(msgs) != 1 {
		t.Fatalf("protected delete: %v", msgs)
	}
	if tm, ok := msgs[0].(pane.ToastMsg); !ok || !strings.Contains(tm.Text, "protected") || !strings.Contains(tm.Text, "--unprotected") {
		t.Fatalf("protected delete: %#v", msgs[0])
	}

	// Delete: the name typed, checks with the server count, read-back.
	selectName(t, p, "ubuntu-24.04")
	msgs = press(p, "D")
	ra, ok := msgs[0].(pane.RunActionMsg)
	if !ok {
		t.Fatalf("delete: %#v", msgs)
	}
	act := ra.Action
	if act.Name != ops.ImageDelete || act.Confirm != "ubuntu-24.04" || !act.Mutates || act.Reconcile == nil {
		t.Errorf("delete action: %+v", act)
	}
	if !strings.Contains(strings.Join(act.Checks, "\n"), "41 servers") || act.Details["image_id"] == "" {
		t.Errorf("checks/details: %v %v", act.Checks, act.Details)
	}
	if _, err := act.Run(context.Background(), func(pane.Progress) {}); err != nil {
		t.Fatal(err)
	}

	// A toggles: deactivate an active image, reactivate a deactivated one.
	msgs = press(p, "A")
	if ra := msgs[0].(pane.RunActionMsg); ra.Action.Name != ops.ImageDeactivate || !ra.Action.ConfirmYes {
		t.Errorf("toggle on active: %+v", ra.Action)
	} else if _, err := ra.Action.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	selectName(t, p, "centos-7")
	msgs = press(p, "A")
	if ra := msgs[0].(pane.RunActionMsg); ra.Action.Name != ops.ImageReactivate {
		t.Errorf("toggle on deactivated: %+v", ra.Action)
	} else if _, err := ra.Action.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// Deactivating what is not active is refused at once.
	selectName(t, p, "ubuntu-22.04-old")
	if msgs := press(p, "A"); len(msgs) != 1 {
		t.Errorf("deactivate pending_delete: %v", msgs)
	} else if _, ok := msgs[0].(pane.ToastMsg); !ok {
		t.Errorf("deactivate pending_delete: %#v", msgs[0])
	}
	want := "delete 11111111-0000-4000-8000-000000000001,deactivate 11111111-0000-4000-8000-000000000001,reactivate 11111111-0000-4000-8000-000000000005"
	if got := strings.Join(a.calls, ","); got != want {
		t.Errorf("calls %s\nwant %s", got, want)
	}
}

func TestKeysFollowTheGrammar(t *testing.T) {
	km := keymap.Defaults()
	for _, b := range km.Group("images") {
		for _, k := range b.Keys {
			upper := k == strings.ToUpper(k) && k != strings.ToLower(k)
			if b.Mutates != upper && !strings.HasPrefix(k, "ctrl+") {
				t.Errorf("%s on %q: mutating actions are uppercase, pivots lowercase", b.Action, k)
			}
		}
	}
	if c := km.Conflicts(); len(c) > 0 {
		t.Errorf("conflicts: %v", c)
	}
}

func TestFailureKeepsRows(t *testing.T) {
	src := fixture()
	p, _ := newPane(src, nil)
	src.err = fmt.Errorf("glance: GET /v2/images: HTTP 503")
	drive(p, p.Refresh())
	out := ansi.Strip(p.View(120, 12))
	if !strings.Contains(out, "✗ glance failed (showing data from <10s ago)") || !strings.Contains(out, "ubuntu-24.04") {
		t.Errorf("failure:\n%s", out)
	}
}

// A refresh that changes an image's status is seen by the filter (the
// fields of unchanged images are reused, changed ones rebuilt).
func TestRefreshUpdatesFilterFields(t *testing.T) {
	src := fixture()
	p, _ := newPane(src, nil)
	p.SetFilter("status:deactivated")
	if p.tbl.Len() != 1 {
		t.Fatalf("%d rows", p.tbl.Len())
	}
	src.ims = append([]openstack.Image(nil), src.ims...)
	src.ims[0].Status = "deactivated"
	drive(p, p.Refresh())
	if p.tbl.Len() != 2 {
		t.Errorf("after a status change: %d rows, want 2", p.tbl.Len())
	}
}

// Each load publishes the stuck images to the host model, so the incident
// strip counts them ("1 stuck image") next to stuck ports and volumes.
func TestStuckImagesReachTheStrip(t *testing.T) {
	now := t0
	src := fixture()
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src, &fakeActor{}, nil)
	var obs []hostmodel.Observation
	for _, m := range drive(p, p.Init()) {
		if o, ok := m.(hostmodel.Observation); ok {
			obs = append(obs, o)
		}
	}
	if len(obs) != 1 || obs[0].Source != hostmodel.Glance {
		t.Fatalf("observations %+v", obs)
	}
	want := 0
	for _, e := range p.all {
		if e.stuck {
			want++
		}
	}
	if want == 0 || len(obs[0].Facts) != want {
		t.Fatalf("%d stuck facts, %d stuck images", len(obs[0].Facts), want)
	}
	m := hostmodel.New()
	m.Apply(obs[0])
	segs := m.Summarize().Segments()
	found := false
	for _, s := range segs {
		found = found || strings.Contains(s.Text, "stuck image")
	}
	if !found {
		t.Fatalf("strip segments %+v", segs)
	}
}

// Issue 15: counting servers per image walks all 50,000 servers, so a
// refresh counts in its command; the refresh landing (Update, on the UI
// goroutine) takes the counts it brings and does not count again.
func TestRefreshCountsOffTheUIGoroutine(t *testing.T) {
	use := &fakeUse{m: map[string]int{"11111111-0000-4000-8000-000000000002": 7}, ok: true}
	p, _ := newPane(fixture(), use)
	cmd := p.Refresh()
	calls := use.calls
	msg := cmd()
	if use.calls != calls+1 {
		t.Fatalf("the load command counted %d times", use.calls-calls)
	}
	use.m = map[string]int{"11111111-0000-4000-8000-000000000002": 9}
	p.Update(msg)
	p.Update(pane.TickMsg(t0))
	if use.calls != calls+1 {
		t.Fatalf("Update counted on the UI goroutine (%d calls)", use.calls-calls-1)
	}
	if out := ansi.Strip(p.View(120, 12)); !strings.Contains(out, "7 servers") {
		t.Fatalf("counts from the load not shown:\n%s", out)
	}
}
