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

// fakeActionNova is one server's action history and status.
type fakeActionNova struct {
	mu      sync.Mutex
	acts    []openstack.InstanceAction // newest first
	status  string
	readErr error
}

func (f *fakeActionNova) InstanceActions(context.Context, string) ([]openstack.InstanceAction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]openstack.InstanceAction(nil), f.acts...), f.readErr
}
func (f *fakeActionNova) Server(context.Context, string) (openstack.Server, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return openstack.Server{ID: "vm1", Status: f.status, Host: "compute01"}, f.readErr
}
func (f *fakeActionNova) do(action, req string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acts = append([]openstack.InstanceAction{{Action: action, RequestID: req, StartTime: time.Now()}}, f.acts...)
}

func TestServerActionReadBack(t *testing.T) {
	old := time.Now().Add(-30 * time.Second) // an earlier reboot, within clock slack
	nova := &fakeActionNova{status: "ACTIVE", acts: []openstack.InstanceAction{{Action: "reboot", RequestID: "req-old", StartTime: old}}}
	chk := &ServerActionCheck{Reader: nova, ServerID: "vm1", Action: NovaActionName("reboot-hard"), Poll: time.Millisecond, Within: 30 * time.Millisecond}
	chk.Before(context.Background())
	// Not done: only the earlier reboot is listed.
	done, ev, err := chk.ReadBack(context.Background())
	if done || err != nil || !strings.Contains(ev, "no reboot in Nova's action list") {
		t.Fatalf("earlier reboot counted as ours: %v %q %v", done, ev, err)
	}
	// Done: Nova recorded it (the reply was lost on the way back).
	nova.do("reboot", "req-new")
	done, ev, err = chk.ReadBack(context.Background())
	if !done || err != nil || !strings.Contains(ev, "Nova recorded reboot req-new") || !strings.Contains(ev, "server ACTIVE on compute01") {
		t.Fatalf("%v %q %v", done, ev, err)
	}
	// Still unknown: Nova cannot be read.
	nova.readErr = errors.New("nova unreachable")
	if _, _, err := chk.ReadBack(context.Background()); err == nil {
		t.Fatal("unreadable Nova gave a verdict")
	}
}

// A lost reply while Nova is still working: the action shows a little later.
func TestServerActionReadBackWaitsForASlowAPI(t *testing.T) {
	nova := &fakeActionNova{status: "ACTIVE"}
	chk := &ServerActionCheck{Reader: nova, ServerID: "vm1", Action: "live-migration", Poll: time.Millisecond, Within: 5 * time.Second}
	chk.Before(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); nova.do("live-migration", "req-1") }()
	if done, ev, err := chk.ReadBack(context.Background()); !done || err != nil {
		t.Fatalf("%v %q %v", done, ev, err)
	}
}

func TestResetStateReadBackByStatus(t *testing.T) {
	nova := &fakeActionNova{status: "ERROR"}
	chk := &ServerActionCheck{Reader: nova, ServerID: "vm1", Action: NovaActionName("reset-state"), WantStatus: "error", Poll: time.Millisecond, Within: 10 * time.Millisecond}
	if done, ev, err := chk.ReadBack(context.Background()); !done || err != nil || ev != "server ERROR on compute01" {
		t.Fatalf("%v %q %v", done, ev, err)
	}
}

type fakeSvcReader struct{ svc openstack.ComputeService }

func (f fakeSvcReader) ComputeServices(context.Context) ([]openstack.ComputeService, error) {
	return []openstack.ComputeService{{Binary: "nova-conductor", Host: "compute04"}, f.svc}, nil
}

func TestServiceReadBack(t *testing.T) {
	down := fakeSvcReader{openstack.ComputeService{Binary: "nova-compute", Host: "compute04", Status: "disabled", State: "down", DisabledReason: "evacuating", ForcedDown: true}}
	for verb, want := range map[string]bool{ServiceDisable: true, ServiceForceDown: true, ServiceEnable: false, ServiceForceUp: false} {
		done, ev, err := ReadBackService(context.Background(), down, "compute04", verb, time.Millisecond, 5*time.Millisecond)
		if err != nil || done != want || !strings.Contains(ev, "nova-compute on compute04 is disabled, down (reason: evacuating), forced down") {
			t.Errorf("%s: %v %q %v", verb, done, ev, err)
		}
	}
	if _, _, err := ReadBackService(context.Background(), down, "compute09", ServiceDisable, time.Millisecond, 5*time.Millisecond); err == nil {
		t.Error("unknown host gave a verdict")
	}
}
