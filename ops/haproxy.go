package ops

// HAProxy server state changes: drain, maint and ready on one backend
// server through the runtime API. HAProxy answers nothing on success, so
// every change is checked by reading the stats back; after a lost reply
// ReadBackHAProxy says whether it happened.

import (
	"context"
	"fmt"

	"github.com/stackpit/stackpit/datasource/haproxy"
)

// HAProxyActor reads the stats and sets a server's state (a
// *haproxy.Client).
type HAProxyActor interface {
	Stats(ctx context.Context) (haproxy.Stats, error)
	SetServerState(ctx context.Context, backend, server string, st haproxy.ServerState) error
}

// HAProxyChange puts Backend/Server in State.
type HAProxyChange struct {
	Backend, Server string
	State           haproxy.ServerState
}

// Name is the action's name for the audit: haproxy-drain, haproxy-maint,
// haproxy-ready.
func (c HAProxyChange) Name() string { return "haproxy-" + string(c.State) }

// Target is "backend/server".
func (c HAProxyChange) Target() string { return c.Backend + "/" + c.Server }

// reached reports whether a server row shows the change done: DRAIN and
// MAINT as such; ready means neither (UP, DOWN by its checks, no check).
func (c HAProxyChange) reached(r haproxy.Row) bool {
	st := r.State()
	switch c.State {
	case haproxy.Drain:
		return st == "DRAIN"
	case haproxy.Maint:
		return st == "MAINT"
	}
	return st != "DRAIN" && st != "MAINT"
}

// ChangeHAProxy sets the state and reads it back.
func ChangeHAProxy(ctx context.Context, a HAProxyActor, c HAProxyChange, step func(Step)) (string, error) {
	step = stepTo(step)
	step(Step{Done: 0, Total: 2, Line: fmt.Sprintf("set server %s state %s", c.Target(), c.State)})
	if err := a.SetServerState(ctx, c.Backend, c.Server, c.State); err != nil {
		return "", err
	}
	step(Step{Done: 1, Total: 2, Line: "reading the server's state back"})
	done, evidence, err := ReadBackHAProxy(ctx, a, c)
	if err != nil {
		return "", fmt.Errorf("%s: set, but the read-back failed: %w", c.Target(), err)
	}
	if !done {
		return "", fmt.Errorf("%s: HAProxy accepted the command but %s", c.Target(), evidence)
	}
	step(Step{Done: 2, Total: 2, Line: evidence})
	return evidence, nil
}

// ReadBackHAProxy reads the stats and says whether the server is in the
// change's state, with the status seen as evidence.
func ReadBackHAProxy(ctx context.Context, a HAProxyActor, c HAProxyChange) (bool, string, error) {
	st, err := a.Stats(ctx)
	if err != nil {
		return false, "", err
	}
	r, ok := st.Server(c.Backend, c.Server)
	if !ok {
		return false, "the server is no longer in the stats", nil
	}
	if c.reached(r) {
		return true, fmt.Sprintf("%s is %s", c.Target(), r.Status), nil
	}
	return false, fmt.Sprintf("%s still reads %s", c.Target(), r.Status), nil
}
