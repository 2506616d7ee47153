package ops

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeActor answers server actions and plays back a move.
type fakeActor struct {
	moveScript
	calls   []string
	actions []openstack.InstanceAction
	lose    bool
}

func (f *fakeActor) InstanceActions(context.Context, string) ([]openstack.InstanceAction, error) {
	return append([]openstack.InstanceAction(nil), f.actions...), nil
}

func (f *fakeActor) req(call, novaAction string) error {
	f.calls = append(f.calls, call)
	f.actions = append([]openstack.InstanceAction{{Action: novaAction, RequestID: fmt.Sprintf("req-%d", len(f.calls))}}, f.actions...)
	if f.lose {
		return fmt.Errorf("POST: %w", httpclient.ErrReplyLost)
	}
	return nil
}

func (f *fakeActor) Reboot(_ context.Context, id string, hard bool) error {
	return f.req(fmt.Sprintf("reboot %s %v", id, hard), "reboot")
}
func (f *fakeActor) Start(_ context.Context, id string) error { return f.req("start "+id, "start") }
func (f *fakeActor) Stop(_ context.Context, id string) error  { return f.req("stop "+id, "stop") }
func (f *fakeActor) LiveMigrate(_ context.Context, id, host string) error {
	return f.req("live-migrate "+id+" "+host, "live-migration")
}
func (f *fakeActor) Migrate(_ context.Context, id string) error {
	return f.req("migrate "+id, "migrate")
}
func (f *fakeActor) ConfirmResize(_ context.Context, id string) error {
	return f.req("confirm "+id, "confirmResize")
}
func (f *fakeActor) Evacuate(_ context.Context, id, host string) error {
	return f.req("evacuate "+id+" "+host, "evacuate")
}
func (f *fakeActor) ResetState(_ context.Context, id, state string) error {
	return f.req("reset "+id+" "+state, "")
}

func TestRunServerShortActions(t *testing.T) {
	s := openstack.Server{ID: "a", Name: "web-1", Status: "ACTIVE", Host: "compute04"}
	cases := []struct{ action, arg, call, result string }{
		{ServerReboot, "", "reboot a false", "soft reboot requested: web-1 (a)"},
		{ServerRebootHard, "", "reboot a true", "hard reboot requested: web-1 (a)"},
		{ServerStart, "", "start a", "start requested: web-1 (a)"},
		{ServerStop, "", "stop a", "stop requested: web-1 (a)"},
		{ServerConfirmResize, "", "confirm a", "resize/migration confirmed: web-1 (a)"},
		{ServerResetState, "active", "reset a active", "state reset to active: web-1 (a)"},
	}
	for _, c := range cases {
		f := &fakeActor{}
		req := ServerRequest{Action: c.action, Server: s, Arg: c.arg, Label: "web-1 (a)"}
		var steps []Step
		res, err := RunServer(context.Background(), ServerRun{Actor: f}, req, req.Check(f), func(st Step) { steps = append(steps, st) })
		if err != nil || res != c.result || strings.Join(f.calls, ";") != c.call || len(steps) != 2 || MoveKind(c.action) != "" {
			t.Errorf("%s: %q %v %v %+v", c.action, res, err, f.calls, steps)
		}
	}
}

// A lost reboot reply: the check RunServer baselined finds Nova's record.
func TestRunServerLostReplyReadsBack(t *testing.T) {
	f := &fakeActor{lose: true, actions: []openstack.InstanceAction{{Action: "reboot", RequestID: "req-old"}},
		moveScript: moveScript{states: []openstack.Server{{ID: "a", Status: "REBOOT"}}}}
	req := ServerRequest{Action: ServerReboot, Server: openstack.Server{ID: "a"}, Label: "a"}
	chk := req.Check(f)
	chk.Poll, chk.Within = 1, 1
	_, err := RunServer(context.Background(), ServerRun{Actor: f}, req, chk, nil)
	if err == nil {
		t.Fatal("lost reply reported as done")
	}
	done, ev, rerr := chk.ReadBack(context.Background())
	if !done || rerr != nil || !strings.Contains(ev, "Nova recorded reboot req-1") {
		t.Fatalf("read-back: %v %q %v", done, ev, rerr)
	}
}

// A move is journaled, requested once and watched until Nova completes it.
func TestRunServerMoveJournaledAndWatched(t *testing.T) {
	s0 := openstack.Server{ID: "a", Name: "web-1", Status: "ACTIVE", Host: "compute04"}
	f := &fakeActor{moveScript: moveScript{states: []openstack.Server{
		{ID: "a", Status: "MIGRATING", TaskState: "migrating", Host: "compute04"}, {ID: "a", Status: "ACTIVE", Host: "compute02"}}}}
	store := testStore(t, t.TempDir(), os.Getpid(), "alice")
	req := ServerRequest{Action: ServerLiveMigrate, Server: s0, Arg: "compute02", Label: "web-1 (a)"}
	d := ServerRun{Actor: f, Journal: store, Watch: noWait, Meta: Meta{Op: ServerLiveMigrate, Pane: "instances", Target: "a"}}
	res, err := RunServer(context.Background(), d, req, req.Check(f), nil)
	if err != nil || !strings.Contains(res, "live-migration to compute02 done") || strings.Join(f.calls, ";") != "live-migrate a compute02" {
		t.Fatalf("%q %v %v", res, err, f.calls)
	}
	list, _ := store.List()
	if len(list) != 1 || list[0].Status != StatusOK || list[0].Op != ServerLiveMigrate || MoveKind(ServerLiveMigrate) != "live-migration" {
		t.Fatalf("journal %+v", list)
	}
}
