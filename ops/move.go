package ops

// Watching a single instance's move after Nova accepted it: Nova answers
// 202, and a live migration from a dead host, a cold migration or an
// evacuation with no valid host fails later, visible only in the server
// and its migrations. WatchMove follows the server for a bounded window.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// MoveReader reads a moving server back.
type MoveReader interface {
	Server(ctx context.Context, id string) (openstack.Server, error)
	// ServerMigrations lists the server's migrations (newest first).
	ServerMigrations(ctx context.Context, id string) ([]openstack.Migration, error)
}

// WatchTuning bounds the watch; tests replace Sleep.
type WatchTuning struct {
	Every, Window time.Duration
	Sleep         func(ctx context.Context, d time.Duration) error
}

// DefaultWatch polls every 2s for up to 60s.
var DefaultWatch = WatchTuning{Every: 2 * time.Second, Window: 60 * time.Second, Sleep: Sleep}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// migrationSlack is how far before our request a migration record may be
// stamped (Nova's clock vs ours) and still count as ours.
const migrationSlack = 2 * time.Minute

// Move is one accepted move to watch.
type Move struct {
	Kind    string // live-migration, migration, evacuation
	Server  openstack.Server
	Started time.Time // when it was requested (our clock)
	Done    string    // what was requested, e.g. "live migration to X requested"
	Label   string    // "name (id)"
}

// MoveProgress is one poll of a watched move.
type MoveProgress struct {
	Poll, Polls int
	Line        string
}

// WatchMove polls the server until its task clears, then judges the move
// by the server's status and fault and by its newest migration record of
// that kind. settled says the move was seen to complete (a nil error with
// settled false: still moving, or not readable, when the watch ended).
func WatchMove(ctx context.Context, src MoveReader, tune WatchTuning, mv Move, emit func(MoveProgress)) (res string, settled bool, err error) {
	if emit == nil {
		emit = func(MoveProgress) {}
	}
	if tune.Sleep == nil {
		tune.Sleep = Sleep
	}
	s0, kind, done, label := mv.Server, mv.Kind, mv.Done, mv.Label
	polls := max(1, int(tune.Window/tune.Every))
	var last openstack.Server
	var mig *openstack.Migration
	seen := false
	for i := 1; i <= polls; i++ {
		if i > 1 {
			if err := tune.Sleep(ctx, tune.Every); err != nil {
				return done + ": " + label + " (stopped watching: " + err.Error() + "; check the detail view)", false, nil
			}
		}
		srv, err := src.Server(ctx, s0.ID)
		if err != nil {
			emit(MoveProgress{Poll: i, Polls: polls, Line: "watching " + kind + ": " + err.Error()})
			continue
		}
		last, seen = srv, true
		mig = ourMigration(ctx, src, s0.ID, kind, mv.Started)
		ms := "-"
		if mig != nil {
			ms = mig.Status
		}
		emit(MoveProgress{Poll: i, Polls: polls, Line: fmt.Sprintf("%s: status %s · task %s · host %s · migration %s",
			kind, orDash(srv.Status), orDash(srv.TaskState), orDash(srv.Host), ms)})
		if err := moveFailed(kind, srv, mig); err != nil {
			return "", false, err
		}
		if srv.TaskState != "" {
			continue
		}
		// The task cleared without a failure.
		switch {
		case kind == "migration" && strings.EqualFold(srv.Status, "VERIFY_RESIZE"):
			return fmt.Sprintf("cold migration to %s done, waiting in VERIFY_RESIZE (confirm with v): %s", orDash(srv.Host), label), true, nil
		case srv.Host != "" && srv.Host != s0.Host:
			return fmt.Sprintf("%s to %s done: %s", kind, srv.Host, label), true, nil
		case mig != nil && isMigrationDone(mig.Status):
			return fmt.Sprintf("%s done (migration %s): %s", kind, mig.Status, label), true, nil
		default:
			return fmt.Sprintf("%s: task cleared but still on %s (check the detail view): %s", done, orDash(srv.Host), label), false, nil
		}
	}
	if !seen {
		return done + ": " + label + " (could not read the server back; check the detail view)", false, nil
	}
	return fmt.Sprintf("%s: still migrating after %s (task %s; check the detail view): %s", done, tune.Window, orDash(last.TaskState), label), false, nil
}

// ourMigration is the newest migration of type kind created since our
// request (nil when none or when the list cannot be read).
func ourMigration(ctx context.Context, src MoveReader, id, kind string, started time.Time) *openstack.Migration {
	ms, err := src.ServerMigrations(ctx, id)
	if err != nil {
		return nil
	}
	for i := range ms {
		m := ms[i]
		if m.Type != "" && m.Type != kind && !(kind == "migration" && m.Type == "resize") {
			continue
		}
		if !m.CreatedAt.IsZero() && m.CreatedAt.Before(started.Add(-migrationSlack)) {
			continue
		}
		return &m
	}
	return nil
}

// moveFailed reports a failed move with Nova's own words: the server's
// fault when it went ERROR, else the migration record's status.
func moveFailed(kind string, srv openstack.Server, mig *openstack.Migration) error {
	migText := ""
	if mig != nil {
		migText = fmt.Sprintf("migration %s→%s %s", orDash(mig.SourceCompute), orDash(mig.DestCompute), mig.Status)
	}
	if strings.EqualFold(srv.Status, "ERROR") {
		msg := kind + " failed: server went ERROR"
		if srv.Fault != "" {
			msg += ": " + srv.Fault
		}
		if migText != "" {
			msg += " (" + migText + ")"
		}
		return errors.New(msg)
	}
	if mig != nil && (strings.EqualFold(mig.Status, "error") || strings.EqualFold(mig.Status, "failed")) {
		msg := kind + " failed: " + migText
		if srv.Fault != "" {
			msg += ": " + srv.Fault
		}
		return errors.New(msg + "; server still " + orDash(srv.Status) + " on " + orDash(srv.Host))
	}
	return nil
}

func isMigrationDone(st string) bool {
	switch strings.ToLower(st) {
	case "completed", "done", "finished", "confirmed":
		return true
	}
	return false
}
