package main

import (
	"context"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// openstackClient returns the session's shared OpenStack client (one
// authentication, one flavor/project cache for every pane). It fails with
// e.AuthErr when no OpenStack auth is configured. The HTTP client comes from
// e.HTTP, so the read-only guard is in front of every request.
func openstackClient(e *Env) (*openstack.Client, error) {
	v, err := e.Shared("openstack", func() (any, error) {
		if e.Auth == nil {
			return nil, e.AuthErr
		}
		hc, err := e.HTTP(nil, false)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return openstack.New(ctx, e.Auth, hc)
	})
	if err != nil {
		return nil, err
	}
	return v.(*openstack.Client), nil
}
