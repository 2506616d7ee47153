package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

type fakeChanger struct {
	calls []string
	err   error
}

func (f *fakeChanger) DisableService(_ context.Context, host, reason string) error {
	f.calls = append(f.calls, "disable "+host+" "+reason)
	return f.err
}

func (f *fakeChanger) EnableService(_ context.Context, host string) error {
	f.calls = append(f.calls, "enable "+host)
	return f.err
}

func (f *fakeChanger) ForceDown(_ context.Context, host string, down bool) error {
	f.calls = append(f.calls, fmt.Sprintf("forced_down %s %v", host, down))
	return f.err
}

func TestChangeServiceCallsAndReports(t *testing.T) {
	cases := []struct{ verb, call, result string }{
		{ServiceDisable, "disable compute04 firmware", "nova-compute disabled on compute04"},
		{ServiceEnable, "enable compute04", "nova-compute enabled on compute04"},
		{ServiceForceDown, "forced_down compute04 true", "nova-compute forced down on compute04"},
		{ServiceForceUp, "forced_down compute04 false", "forced-down cleared on compute04"},
	}
	for _, c := range cases {
		f := &fakeChanger{}
		var steps []Step
		res, err := ChangeService(context.Background(), f, "compute04", c.verb, "firmware", func(s Step) { steps = append(steps, s) })
		if err != nil || res != c.result || strings.Join(f.calls, ";") != c.call {
			t.Errorf("%s: %q %v calls %v", c.verb, res, err, f.calls)
		}
		if len(steps) != 2 || steps[1].Done != 1 || steps[1].Line != c.result {
			t.Errorf("%s: steps %+v", c.verb, steps)
		}
	}
	if _, err := ChangeService(context.Background(), &fakeChanger{}, "h", "reboot", "", nil); err == nil {
		t.Fatal("unknown verb accepted")
	}
}

// After an evacuation Nova refuses force-up until nova-compute restarts:
// the error says so and what to do, and keeps Nova's text and kind.
func TestForceUpTrapSaysRestartNovaCompute(t *testing.T) {
	nova := fmt.Errorf("nova: %w: Unable to force up host compute04 as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted", openstack.ErrBadRequest)
	f := &fakeChanger{err: nova}
	_, err := ChangeService(context.Background(), f, "compute04", ServiceForceUp, "", nil)
	if err == nil || !errors.Is(err, openstack.ErrBadRequest) || !strings.Contains(err.Error(), "Unable to force up host compute04") ||
		!strings.Contains(err.Error(), "restart nova-compute on compute04 (container nova_compute)") {
		t.Fatalf("force-up refusal: %v", err)
	}
	// Another failure is returned as it is; a lost reply stays a lost reply.
	f.err = fmt.Errorf("POST: %w", httpclient.ErrReplyLost)
	_, err = ChangeService(context.Background(), f, "compute04", ServiceForceUp, "", nil)
	if !errors.Is(err, httpclient.ErrReplyLost) || strings.Contains(err.Error(), "restart") {
		t.Fatalf("lost reply: %v", err)
	}
	if _, err := ChangeService(context.Background(), &fakeChanger{err: nova}, "compute04", ServiceForceDown, "", nil); strings.Contains(err.Error(), "restart nova-compute") {
		t.Fatalf("force-down got the force-up hint: %v", err)
	}
}
