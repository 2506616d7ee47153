package openstack

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Actions change the cloud. Each goes through the guarded HTTP client (a
// read-only session gets an error for which errors.Is(err,
// httpclient.ErrReadOnly) holds, and nothing is sent), and when Nova
// refuses it returns an *APIError whose Message is Nova's own text
// (errors.Is ErrBadRequest / ErrConflict / ErrForbidden / ...).

// computeService finds the nova-compute service of host.
func (c *Client) computeService(ctx context.Context, host string) (ComputeService, error) {
	q := url.Values{}
	q.Set("binary", "nova-compute")
	q.Set("host", host)
	ss, err := c.services(ctx, q)
	if err != nil {
		return ComputeService{}, err
	}
	for _, s := range ss {
		if s.Host == host && s.Binary == "nova-compute" {
			return s, nil
		}
	}
	return ComputeService{}, fmt.Errorf("nova: no nova-compute service on host %q: %w", host, ErrNotFound)
}

// updateService applies body to host's nova-compute service: PUT
// /os-services/{uuid} at mv >= 2.53, else the legacy per-verb URLs.
func (c *Client) updateService(ctx context.Context, host, legacyVerb string, body map[string]any) error {
	defer c.forgetServices() // the shared os-services answer is stale now
	if c.AtLeast("2.53") {
		s, err := c.computeService(ctx, host)
		if err != nil {
			return err
		}
		return c.send(ctx, c.compute, "nova", "PUT", c.compute.ServiceURL("os-services", url.PathEscape(s.ID)), body, nil)
	}
	legacy := map[string]any{"host": host, "binary": "nova-compute"}
	for k, v := range body {
		if k == "status" {
			continue
		}
		legacy[k] = v
	}
	return c.send(ctx, c.compute, "nova", "PUT", c.compute.ServiceURL("os-services", legacyVerb), legacy, nil)
}

// DisableService disables host's nova-compute with a reason (the
// scheduler stops placing instances there).
func (c *Client) DisableService(ctx context.Context, host, reason string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	if reason == "" {
		return c.updateService(ctx, host, "disable", map[string]any{"status": "disabled"})
	}
	return c.updateService(ctx, host, "disable-log-reason", map[string]any{"status": "disabled", "disabled_reason": reason})
}

// EnableService enables host's nova-compute.
func (c *Client) EnableService(ctx context.Context, host string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	return c.updateService(ctx, host, "enable", map[string]any{"status": "enabled"})
}

// ForceDown marks host's nova-compute forced down (or clears it), needs
// microversion >= 2.11. Forcing a host back up after an evacuation fails
// with Nova's 400 "Unable to force up host ... as `done` evacuation
// migration records remain ..." until nova-compute on that host has been
// restarted; that text is returned unchanged.
func (c *Client) ForceDown(ctx context.Context, host string, down bool) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	what := "force-down"
	if !down {
		what = "force-up"
	}
	if err := c.Require("2.11", what); err != nil {
		return err
	}
	return c.updateService(ctx, host, "force-down", map[string]any{"forced_down": down})
}

func (c *Client) serverAction(ctx context.Context, serverID string, body map[string]any) error {
	if serverID == "" {
		return fmt.Errorf("nova: server action without a server ID")
	}
	u := c.compute.ServiceURL("servers", url.PathEscape(serverID), "action")
	return c.send(ctx, c.compute, "nova", "POST", u, body, nil)
}

// Evacuate rebuilds a server of a down (forced-down) host elsewhere;
// targetHost "" lets the scheduler choose. Nova answers 200 with an empty
// body at 2.29+; a host that is still up gets Nova's 400 back.
func (c *Client) Evacuate(ctx context.Context, serverID, targetHost string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	args := map[string]any{}
	if targetHost != "" {
		args["host"] = targetHost
	}
	if !c.AtLeast("2.14") {
		args["onSharedStorage"] = false
	}
	return c.serverAction(ctx, serverID, map[string]any{"evacuate": args})
}

// LiveMigrate live-migrates a server; host "" lets the scheduler choose.
// block_migration is "auto" at mv >= 2.25.
func (c *Client) LiveMigrate(ctx context.Context, serverID, host string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	args := map[string]any{"host": nil}
	if host != "" {
		args["host"] = host
	}
	if c.AtLeast("2.25") {
		args["block_migration"] = "auto"
	} else {
		args["block_migration"] = false
		args["disk_over_commit"] = false
	}
	return c.serverAction(ctx, serverID, map[string]any{"os-migrateLive": args})
}

// Migrate cold-migrates a server (it ends in VERIFY_RESIZE: confirm with
// ConfirmResize).
func (c *Client) Migrate(ctx context.Context, serverID string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	return c.serverAction(ctx, serverID, map[string]any{"migrate": nil})
}

// ConfirmResize confirms a cold migration or resize.
func (c *Client) ConfirmResize(ctx context.Context, serverID string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	return c.serverAction(ctx, serverID, map[string]any{"confirmResize": nil})
}

// Reboot reboots a server, SOFT or HARD.
func (c *Client) Reboot(ctx context.Context, serverID string, hard bool) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	t := "SOFT"
	if hard {
		t = "HARD"
	}
	return c.serverAction(ctx, serverID, map[string]any{"reboot": map[string]any{"type": t}})
}

// Start powers a stopped server on.
func (c *Client) Start(ctx context.Context, serverID string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	return c.serverAction(ctx, serverID, map[string]any{"os-start": nil})
}

// Stop powers a server off.
func (c *Client) Stop(ctx context.Context, serverID string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	return c.serverAction(ctx, serverID, map[string]any{"os-stop": nil})
}

// ResetState sets a server's vm_state ("active" or "error"; admin only).
func (c *Client) ResetState(ctx context.Context, serverID, state string) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	st := strings.ToLower(strings.TrimSpace(state))
	if st != "active" && st != "error" {
		return fmt.Errorf("nova: reset-state accepts \"active\" or \"error\", not %q", state)
	}
	return c.serverAction(ctx, serverID, map[string]any{"os-resetState": map[string]any{"state": st}})
}
