package ops

// One server action (reboot, start, stop, reset-state, confirm-resize) or
// move (live-migrate, migrate, evacuate): the request, and for a move its
// journal and the watch until Nova is seen to complete it.

import (
	"context"
	"fmt"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// ServerActor is what server actions need. *openstack.Client implements it.
type ServerActor interface {
	ServerActionReader
	ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error)
	Reboot(ctx context.Context, id string, hard bool) error
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	// LiveMigrate and Evacuate let the scheduler pick when host is "".
	LiveMigrate(ctx context.Context, id, host string) error
	Migrate(ctx context.Context, id string) error
	ConfirmResize(ctx context.Context, id string) error
	Evacuate(ctx context.Context, id, host string) error
	ResetState(ctx context.Context, id, state string) error
}

// Server action names (the audit's and the journal's).
const (
	ServerReboot        = "reboot"
	ServerRebootHard    = "reboot-hard"
	ServerStart         = "start"
	ServerStop          = "stop"
	ServerLiveMigrate   = "live-migrate"
	ServerMigrate       = "migrate"
	ServerConfirmResize = "confirm-resize"
	ServerEvacuate      = "evacuate"
	ServerResetState    = "reset-state"
)

// moveKinds: a move's action name -> the migration type Nova records.
var moveKinds = map[string]string{ServerLiveMigrate: "live-migration", ServerMigrate: "migration", ServerEvacuate: "evacuation"}

// MoveKind is the migration type Nova records for a move action
// ("live-migrate" -> "live-migration"); "" for other actions.
func MoveKind(action string) string { return moveKinds[action] }

// ServerRequest is one server action as confirmed.
type ServerRequest struct {
	Action string // ServerReboot...
	Server openstack.Server
	// Arg is the target host (live-migrate, evacuate; "" lets the
	// scheduler pick) or the state (reset-state).
	Arg   string
	Label string // "name (id)" for progress lines
}

// Check is the read-back of the request's lost reply (Nova's action list,
// and for reset-state the server's status). Call its Before just before
// the request (RunServer does).
func (r ServerRequest) Check(rd ServerActionReader) *ServerActionCheck {
	chk := &ServerActionCheck{Reader: rd, ServerID: r.Server.ID, Action: NovaActionName(r.Action)}
	if r.Action == ServerResetState {
		chk.WantStatus = r.Arg
	}
	return chk
}

func scheduler(h string) string {
	if h == "" {
		return "(scheduler picks)"
	}
	return h
}

// Requested is the result line once Nova accepted the request.
func (r ServerRequest) Requested() string {
	switch r.Action {
	case ServerReboot:
		return "soft reboot requested"
	case ServerRebootHard:
		return "hard reboot requested"
	case ServerStart:
		return "start requested"
	case ServerStop:
		return "stop requested"
	case ServerLiveMigrate:
		return "live migration to " + scheduler(r.Arg) + " requested"
	case ServerMigrate:
		return "cold migration requested"
	case ServerConfirmResize:
		return "resize/migration confirmed"
	case ServerEvacuate:
		return "evacuation to " + scheduler(r.Arg) + " requested"
	case ServerResetState:
		return "state reset to " + r.Arg
	}
	return r.Action + " requested"
}

func (r ServerRequest) send(ctx context.Context, a ServerActor) error {
	id := r.Server.ID
	switch r.Action {
	case ServerReboot, ServerRebootHard:
		return a.Reboot(ctx, id, r.Action == ServerRebootHard)
	case ServerStart:
		return a.Start(ctx, id)
	case ServerStop:
		return a.Stop(ctx, id)
	case ServerLiveMigrate:
		return a.LiveMigrate(ctx, id, r.Arg)
	case ServerMigrate:
		return a.Migrate(ctx, id)
	case ServerConfirmResize:
		return a.ConfirmResize(ctx, id)
	case ServerEvacuate:
		return a.Evacuate(ctx, id, r.Arg)
	case ServerResetState:
		return a.ResetState(ctx, id, r.Arg)
	}
	return fmt.Errorf("unknown server action %q", r.Action)
}

// ServerRun is what RunServer needs besides the request.
type ServerRun struct {
	Actor ServerActor
	// Journal journals a move (and locks its server) until it is seen to
	// complete; nil: not journaled.
	Journal *Store
	Watch   WatchTuning
	Now     func() time.Time
	// Meta names the journal (Op, Pane, Target, Details).
	Meta Meta
	// DeadHost: nova-compute on the server's host is down (a failed move
	// then says evacuate is the way off it).
	DeadHost bool
}

// RunServer sends the request (chk, from req.Check, remembers the action
// history first so a lost reply can be read back). A move is journaled
// and watched until Nova is seen to complete it: an interrupted one is
// resumed by watching it again, never requested twice.
func RunServer(ctx context.Context, d ServerRun, req ServerRequest, chk *ServerActionCheck, step func(Step)) (string, error) {
	step = stepTo(step)
	done := req.Requested()
	kind := MoveKind(req.Action)
	if kind == "" {
		step(Step{Done: 0, Total: 1, Line: req.Action + " " + req.Label})
		chk.Before(ctx)
		if err := req.send(ctx, d.Actor); err != nil {
			return "", err
		}
		step(Step{Done: 1, Total: 1, Line: done})
		return done + ": " + req.Label, nil
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	s := req.Server
	in := Instance{ID: s.ID, Name: s.Name, Status: s.Status, Task: s.TaskState, Host: s.Host, OrigStatus: s.Status}
	return d.Journal.RunOne(ctx, d.Meta, "", in, func(ctx context.Context, issued func()) (string, bool, error) {
		step(Step{Done: 0, Total: 1, Line: req.Action + " " + req.Label})
		chk.Before(ctx)
		started := now()
		if err := req.send(ctx, d.Actor); err != nil {
			return "", false, err
		}
		issued()
		step(Step{Done: 1, Total: 1, Line: done})
		res, settled, err := WatchMove(ctx, d.Actor, d.Watch, Move{Kind: kind, Server: s, Started: started, Done: done, Label: req.Label},
			func(mp MoveProgress) { step(Step{Done: mp.Poll, Total: mp.Polls, Line: mp.Line}) })
		if err != nil && kind != "evacuation" && d.DeadHost {
			err = fmt.Errorf("%w; nova-compute on %s is down: evacuate (E) moves instances off a dead host", err, s.Host)
		}
		return res, settled, err
	})
}

// ResumeMove watches the interrupted move journaled in e again until Nova
// completes it (label names the server in progress lines). It is never
// requested twice: one that never started has to be requested anew.
func ResumeMove(ctx context.Context, d ServerRun, e Entry, label string, step func(Step)) (string, error) {
	step = stepTo(step)
	kind := MoveKind(e.Op)
	if kind == "" {
		return "", fmt.Errorf("%s is not a move: nothing to resume", e.Op)
	}
	name := e.Details["name"]
	s0 := openstack.Server{ID: e.Target, Name: name, Host: e.Details["host"], Status: e.Details["status"]}
	in := Instance{ID: e.Target, Name: name, Host: s0.Host, OrigStatus: s0.Status}
	meta := Meta{Op: e.Op, Pane: e.Pane, Target: e.Target, Details: e.Details}
	return d.Journal.RunOne(ctx, meta, e.ID, in, func(ctx context.Context, issued func()) (string, bool, error) {
		issued()
		return WatchMove(ctx, d.Actor, d.Watch, Move{Kind: kind, Server: s0, Started: e.Started, Done: e.Op + " (resumed)", Label: label},
			func(mp MoveProgress) { step(Step{Done: mp.Poll, Total: mp.Polls, Line: mp.Line}) })
	})
}
