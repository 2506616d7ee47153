package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeCinder keeps volumes and applies actions the way Cinder does:
// reset status at once, force delete through deleting to gone.
type fakeCinder struct {
	mu    sync.Mutex
	vols  map[string]openstack.Volume
	sent  []string
	lose  bool // the request lands, its reply is lost
	fail  error
	reads int
}

func newCinder(vs ...openstack.Volume) *fakeCinder {
	f := &fakeCinder{vols: map[string]openstack.Volume{}}
	for _, v := range vs {
		f.vols[v.ID] = v
	}
	return f
}

func (f *fakeCinder) Volume(_ context.Context, id string) (openstack.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	v, ok := f.vols[id]
	if !ok {
		return v, &openstack.APIError{Service: "cinder", Status: 404, Message: "Volume " + id + " could not be found."}
	}
	return v, nil
}

func (f *fakeCinder) act(id, what string, apply func(*openstack.Volume)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, what+" "+id)
	v := f.vols[id]
	apply(&v)
	if v.Status == "gone" {
		delete(f.vols, id)
	} else {
		f.vols[id] = v
	}
	if f.lose {
		return fmt.Errorf("POST /volumes/%s/action: %w", id, httpclient.ErrReplyLost)
	}
	return nil
}

func (f *fakeCinder) ResetVolumeStatus(_ context.Context, id, status, attach, _ string) error {
	return f.act(id, "reset-status "+status+"/"+attach, func(v *openstack.Volume) {
		v.Status = status
		if attach == "detached" {
			v.Attachments = nil
		}
	})
}

func (f *fakeCinder) ForceDeleteVolume(_ context.Context, id string) error {
	return f.act(id, "force-delete", func(v *openstack.Volume) { v.Status = "gone" })
}

func (f *fakeCinder) DeleteVolumeAttachment(_ context.Context, id, att string) error {
	return f.act(id, "detach "+att, func(v *openstack.Volume) {
		var kept []openstack.VolumeAttach
		for _, a := range v.Attachments {
			if a.ID != att {
				kept = append(kept, a)
			}
		}
		v.Attachments = kept
		if len(kept) == 0 {
			v.Status = "available"
		}
	})
}

func (f *fakeCinder) RetypeVolume(_ context.Context, id, t string) error {
	return f.act(id, "retype "+t, func(v *openstack.Volume) { v.Status, v.MigrationStatus = "retyping", "migrating" })
}

func (f *fakeCinder) MigrateVolume(_ context.Context, id, h string) error {
	return f.act(id, "migrate "+h, func(v *openstack.Volume) { v.MigrationStatus = "migrating" })
}

func stuck() openstack.Volume {
	return openstack.Volume{ID: "v1", Name: "data", Status: "detaching", Size: 20, Type: "rbd", Host: "control01@rbd-1#rbd",
		Attachments: []openstack.VolumeAttach{{ID: "att1", ServerID: "s1"}}}
}

func TestResetStatusShowsCurrentToTargetAndReadsBack(t *testing.T) {
	f := newCinder(stuck())
	c := VolumeChange{Verb: VolumeResetStatus, Volume: stuck(), Status: "available"}
	checks := strings.Join(c.Checks(), "\n")
	for _, want := range []string{"status detaching → available", "attach status → detached", "1 attachment(s) leave Cinder's records"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	var steps []string
	res, err := ChangeVolume(context.Background(), f, c, func(s Step) { steps = append(steps, s.Line) })
	if err != nil {
		t.Fatal(err)
	}
	if res != "v1 (data) is available" {
		t.Errorf("result %q", res)
	}
	if len(f.sent) != 1 || f.sent[0] != "reset-status available/detached v1" {
		t.Errorf("sent %q", f.sent)
	}
	if len(steps) != 4 {
		t.Errorf("steps %q", steps)
	}
}

func TestResetStatusRefusesUnknownTargetAndInUseWithoutAttachment(t *testing.T) {
	v := stuck()
	v.Attachments = nil
	f := newCinder(v)
	for _, st := range []string{"deleting", "in-use"} {
		_, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeResetStatus, Volume: v, Status: st}, nil)
		if !errors.Is(err, ErrVolumePrecheck) {
			t.Errorf("%s: %v, want a pre-check refusal", st, err)
		}
	}
	if len(f.sent) != 0 {
		t.Fatalf("sent %q", f.sent)
	}
}

func TestForceDeleteRefusedOutsideSafeStatusesUnlessOverride(t *testing.T) {
	v := stuck() // detaching, attached
	f := newCinder(v)
	c := VolumeChange{Verb: VolumeForceDelete, Volume: v, Within: time.Second, Poll: 10 * time.Millisecond}
	if !ForceDeleteNeedsOverride(v) {
		t.Fatal("a detaching, attached volume must need the override")
	}
	if !strings.Contains(strings.Join(c.Checks(), "\n"), "⚠ detaching, attached 1 time(s)") {
		t.Errorf("checks %q", c.Checks())
	}
	if _, err := ChangeVolume(context.Background(), f, c, nil); !errors.Is(err, ErrVolumePrecheck) {
		t.Fatalf("got %v, want refusal", err)
	}
	if len(f.sent) != 0 {
		t.Fatalf("sent %q", f.sent)
	}
	c.Override = true
	res, err := ChangeVolume(context.Background(), f, c, nil)
	if err != nil || res != "volume v1 is gone" {
		t.Fatalf("%q %v", res, err)
	}
	// error_deleting needs no override.
	e := openstack.Volume{ID: "v2", Status: "error_deleting"}
	if ForceDeleteNeedsOverride(e) {
		t.Fatal("error_deleting is what force delete is for")
	}
}

func TestPrecheckUsesTheVolumeAsItIsNow(t *testing.T) {
	// The pane saw error_deleting; meanwhile the volume went in-use.
	seen := openstack.Volume{ID: "v3", Status: "error_deleting"}
	now := seen
	now.Status, now.Attachments = "in-use", []openstack.VolumeAttach{{ID: "a"}}
	f := newCinder(now)
	_, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeForceDelete, Volume: seen}, nil)
	if !errors.Is(err, ErrVolumePrecheck) || len(f.sent) != 0 {
		t.Fatalf("err %v sent %q", err, f.sent)
	}
}

func TestDetachStaleAttachmentReadsBack(t *testing.T) {
	f := newCinder(stuck())
	c := VolumeChange{Verb: VolumeDetach, Volume: stuck(), Attachment: "att1", ServerName: "web-1"}
	res, err := ChangeVolume(context.Background(), f, c, nil)
	if err != nil || res != "attachment att1 removed; v1 (data) is available" {
		t.Fatalf("%q %v", res, err)
	}
	// Gone now: a second detach is refused before anything is sent.
	if _, err := ChangeVolume(context.Background(), f, c, nil); !errors.Is(err, ErrVolumePrecheck) {
		t.Fatalf("second detach: %v", err)
	}
	if len(f.sent) != 1 {
		t.Fatalf("sent %q", f.sent)
	}
}

func TestRetypeAndMigrateCountAsStartedWhenMigrating(t *testing.T) {
	v := stuck()
	v.Status, v.Attachments = "available", nil
	f := newCinder(v)
	if res, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeMigrate, Volume: v, Host: "control02@rbd-1#rbd"}, nil); err != nil ||
		!strings.Contains(res, "migration migrating") {
		t.Fatalf("migrate %q %v", res, err)
	}
	// A migration is running now: a second one is refused.
	if _, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeMigrate, Volume: v, Host: "control03@rbd-1#rbd"}, nil); !errors.Is(err, ErrVolumePrecheck) {
		t.Fatalf("second migrate: %v", err)
	}
	if _, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeRetype, Volume: v, NewType: "rbd"}, nil); !errors.Is(err, ErrVolumePrecheck) {
		t.Fatalf("retype to the same type: %v", err)
	}
}

func TestVolumeLostReplyReadsBack(t *testing.T) {
	f := newCinder(stuck())
	f.lose = true
	c := VolumeChange{Verb: VolumeResetStatus, Volume: stuck(), Status: "error"}
	_, err := ChangeVolume(context.Background(), f, c, nil)
	if !errors.Is(err, httpclient.ErrReplyLost) {
		t.Fatalf("got %v, want the lost reply passed up (the shell reconciles)", err)
	}
	done, ev, err := ReadBackVolume(context.Background(), f, c)
	if err != nil || !done || ev != "v1 (data) is error" {
		t.Fatalf("read-back %v %q %v", done, ev, err)
	}
	// A reset that did not land reads back not done.
	g := newCinder(stuck())
	done, ev, _ = ReadBackVolume(context.Background(), g, c)
	if done || ev != "v1 (data) still reads detaching" {
		t.Fatalf("%v %q", done, ev)
	}
}

type novaHoldsAttachment struct{ *fakeCinder }

func (novaHoldsAttachment) DeleteVolumeAttachment(context.Context, string, string) error {
	// Cinder's answer, as the testenv's Zed gives it.
	return &openstack.APIError{Service: "cinder", Method: "DELETE", Status: 409,
		Message: "ConflictNovaUsingAttachment: Detach volume from instance s1 using the Compute API"}
}

func TestDetachOfAnAttachmentNovaStillUsesSaysDetachThroughNova(t *testing.T) {
	f := novaHoldsAttachment{newCinder(stuck())}
	_, err := ChangeVolume(context.Background(), f, VolumeChange{Verb: VolumeDetach, Volume: stuck(), Attachment: "att1"}, nil)
	if !errors.Is(err, openstack.ErrConflict) || !NovaUsesAttachment(err) || !strings.Contains(err.Error(), "detach through Nova") {
		t.Fatalf("got %v", err)
	}
}
