package ops

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

type fakeGlance struct {
	mu    sync.Mutex
	im    openstack.Image
	gone  bool
	calls []string
	// after a change, the status shows only after lag reads.
	lag     int
	pending func()
}

func (f *fakeGlance) Image(context.Context, string) (openstack.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "get")
	if f.pending != nil {
		if f.lag == 0 {
			f.pending()
			f.pending = nil
		} else {
			f.lag--
		}
	}
	if f.gone {
		return openstack.Image{}, &openstack.APIError{Service: "glance", Status: 404, Err: openstack.ErrNotFound}
	}
	return f.im, nil
}

func (f *fakeGlance) change(name string, apply func()) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	f.pending = apply
	return nil
}

func (f *fakeGlance) DeactivateImage(context.Context, string) error {
	return f.change("deactivate", func() { f.im.Status = "deactivated" })
}
func (f *fakeGlance) ReactivateImage(context.Context, string) error {
	return f.change("reactivate", func() { f.im.Status = "active" })
}
func (f *fakeGlance) DeleteImage(_ context.Context, im openstack.Image) error {
	if im.Protected {
		return openstack.ErrProtected
	}
	return f.change("delete", func() { f.gone = true })
}

func TestChangeImageRefusesBeforeSending(t *testing.T) {
	cases := []struct {
		verb, status string
		protected    bool
		want         string
	}{
		{ImageDelete, "active", true, "protected"},
		{ImageDeactivate, "queued", false, "only an active image"},
		{ImageReactivate, "active", false, "only a deactivated image"},
	}
	for _, c := range cases {
		f := &fakeGlance{im: openstack.Image{ID: "i", Name: "golden", Status: c.status, Protected: c.protected}}
		_, err := ChangeImage(context.Background(), f, c.verb, "i", nil)
		if !errors.Is(err, ErrImageRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %s: %v, want refusal %q", c.verb, c.status, err, c.want)
		}
		if strings.Join(f.calls, ",") != "get" {
			t.Errorf("%s: calls %v, want only the read", c.verb, f.calls)
		}
	}
}

func TestChangeImageSendsAndReadsBack(t *testing.T) {
	for _, c := range []struct{ verb, status, call string }{
		{ImageDeactivate, "active", "deactivate"},
		{ImageReactivate, "deactivated", "reactivate"},
		{ImageDelete, "active", "delete"},
	} {
		f := &fakeGlance{im: openstack.Image{ID: "i", Name: "old", Status: c.status}, lag: 2}
		var steps []string
		res, err := ChangeImage(context.Background(), f, c.verb, "i", func(s Step) { steps = append(steps, s.Line) })
		if err != nil || res == "" {
			t.Fatalf("%s: %q %v", c.verb, res, err)
		}
		if f.calls[1] != c.call {
			t.Errorf("%s: calls %v", c.verb, f.calls)
		}
		if len(steps) != 3 {
			t.Errorf("%s: steps %v", c.verb, steps)
		}
		// As after a lost reply: the read-back waits for the status.
		done, ev, err := ReadBackImage(context.Background(), f, c.verb, "i", time.Millisecond, time.Second)
		if !done || err != nil {
			t.Errorf("%s read-back: %v %q %v", c.verb, done, ev, err)
		}
	}
}

func TestReadBackImageNotDone(t *testing.T) {
	f := &fakeGlance{im: openstack.Image{ID: "i", Name: "old", Status: "active"}}
	done, ev, err := ReadBackImage(context.Background(), f, ImageDeactivate, "i", time.Millisecond, 30*time.Millisecond)
	if done || err != nil || !strings.Contains(ev, "is active") {
		t.Errorf("got %v %q %v, want not done with the status as evidence", done, ev, err)
	}
}

func TestImageChecksSayServers(t *testing.T) {
	im := openstack.Image{Name: "old", Stores: []string{"rbd"}}
	l := strings.Join(ImageChecks(ImageDelete, im, 3), "\n")
	if !strings.Contains(l, "3 servers") || !strings.Contains(l, "rbd") || !strings.Contains(l, "rebuilds") {
		t.Errorf("checks: %s", l)
	}
	if l := strings.Join(ImageChecks(ImageDeactivate, im, -1), "\n"); !strings.Contains(l, "unknown") {
		t.Errorf("unknown use: %s", l)
	}
}
