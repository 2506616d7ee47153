package main

import (
	"errors"
	"time"

	"github.com/stackpit/stackpit/config"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// openstackClient returns the session's shared OpenStack client (one
// authentication, one flavor/project cache for every pane). It fails with
// e.AuthErr when no OpenStack auth is configured. The HTTP client comes from
// e.HTTP, so the read-only guard is in front of every request.
//
// The client connects lazily (openstack.NewLazy): building panes never
// waits for Keystone, and a cloud that is unreachable at start-up only
// makes each pane's load fail (with the reason) until it comes back,
// instead of leaving the panes unbuilt for the whole session.
func openstackClient(e *Env) (*openstack.Client, error) {
	v, err := e.Shared("openstack", func() (any, error) {
		if e.Auth == nil {
			if e.AuthErr == nil {
				return nil, errors.New("no OpenStack cloud configured (clouds.yaml, OS_* variables or --demo)")
			}
			return nil, e.AuthErr
		}
		ep := &config.Endpoint{}
		if e.Cloud != nil {
			ep.MaxResponse = e.Cloud.OpenStackMaxResponse
		}
		hc, err := e.HTTP(ep, false)
		if err != nil {
			return nil, err
		}
		c, err := openstack.NewLazy(e.Auth, hc)
		if err != nil {
			return nil, err
		}
		// One os-services read per refresh interval of the wall clock
		// serves the panes (compute, agents, instances), each refreshing
		// at its own second of the shell's tick.
		c.SharedTTL, c.SharedSlot = e.Ctx.Refresh/2, e.Ctx.Refresh
		c.Clock = e.Ctx.Now
		// Authenticate now, beside building the other panes and the
		// terminal: the instances pane's first load would otherwise
		// start it only after all that (issue 15: start to first rows).
		c.Prewarm(prewarmTimeout)
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*openstack.Client), nil
}

// prewarmTimeout bounds the start's background connection (as long as a
// first load may take: its own Connect waits for this one).
const prewarmTimeout = 60 * time.Second

// retryAuthHook is the shell's ctrl+r hook: when a pane built the shared
// OpenStack client, a manual refresh lets it try the password now instead
// of waiting for its re-authentication backoff.
func retryAuthHook(e *Env) func() {
	var c *openstack.Client
	ok := false
	if e.Clients != nil {
		c, ok = e.Clients.peek(servedKey(e.CloudName, e.Role, e.ReadOnly, "openstack")).(*openstack.Client)
	} else {
		e.mu.Lock()
		c, ok = e.shared["openstack"].(*openstack.Client)
		e.mu.Unlock()
	}
	if !ok {
		return nil
	}
	return c.RetryAuthNow
}
