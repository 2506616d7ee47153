package bmc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Redfish: the host's system is the first member of /redfish/v1/Systems;
// its PowerState is "On", "Off", "PoweringOn" or "PoweringOff", and
// ComputerSystem.Reset with ResetType ForceOff/On changes it.

const redfishMaxBody = 1 << 20

type redfishSystem struct {
	ID         string  `json:"Id"`
	PowerState *string `json:"PowerState"`
	Actions    struct {
		Reset *struct {
			Target string `json:"target"`
		} `json:"#ComputerSystem.Reset"`
	} `json:"Actions"`
	path string
}

func (c *Client) redfishStatus(ctx context.Context, a Address) (State, error) {
	sys, err := c.redfishSystem(ctx, a)
	if err != nil {
		return Unknown, err
	}
	if sys.PowerState == nil {
		return Unknown, nil
	}
	switch *sys.PowerState {
	case "On", "PoweringOn": // power applied: not fenced
		return On, nil
	case "Off":
		return Off, nil
	}
	return Unknown, nil // PoweringOff, Paused, null...
}

// redfishSystem reads the host's system. A power read goes straight to
// the system path found before (issue 15: the Systems collection each
// read made 2 requests per host per minute, 2,000 at 1,000 hosts). The
// read after a failed one, and every reset, look the system up again.
func (c *Client) redfishSystem(ctx context.Context, a Address) (*redfishSystem, error) {
	return c.redfishSystemAt(ctx, a, true)
}

func (c *Client) redfishSystemAt(ctx context.Context, a Address, known bool) (*redfishSystem, error) {
	if p, ok := c.sysPaths.Load(a.Addr); ok && known {
		var sys redfishSystem
		if err := c.redfishDo(ctx, a, http.MethodGet, p.(string), nil, &sys); err != nil {
			// Not twice the wait on a BMC that does not answer: the
			// next read looks the system up again.
			c.sysPaths.Delete(a.Addr)
			return nil, err
		}
		sys.path = p.(string)
		return &sys, nil
	}
	var coll struct {
		Members []struct {
			ID string `json:"@odata.id"`
		} `json:"Members"`
	}
	if err := c.redfishDo(ctx, a, http.MethodGet, "/redfish/v1/Systems", nil, &coll); err != nil {
		return nil, err
	}
	if len(coll.Members) == 0 || coll.Members[0].ID == "" {
		return nil, &CommandError{Addr: a.Addr, Command: "GET /redfish/v1/Systems", Message: "no system listed"}
	}
	path := coll.Members[0].ID
	if !strings.HasPrefix(path, "/redfish/") {
		return nil, &CommandError{Addr: a.Addr, Command: "GET /redfish/v1/Systems", Message: fmt.Sprintf("unexpected member %q", clip(path))}
	}
	var sys redfishSystem
	if err := c.redfishDo(ctx, a, http.MethodGet, path, nil, &sys); err != nil {
		return nil, err
	}
	sys.path = path
	c.sysPaths.Store(a.Addr, path)
	return &sys, nil
}

func (c *Client) redfishReset(ctx context.Context, a Address, resetType string) error {
	if c.o.ReadOnly { // the HTTP guard refuses it too; say so before any request
		return fmt.Errorf("%w: redfish %s on bmc %s", httpclient.ErrReadOnly, resetType, a.Addr)
	}
	sys, err := c.redfishSystemAt(ctx, a, false)
	if err != nil {
		return err
	}
	target := sys.path + "/Actions/ComputerSystem.Reset"
	if sys.Actions.Reset != nil && strings.HasPrefix(sys.Actions.Reset.Target, "/redfish/") {
		target = sys.Actions.Reset.Target
	}
	body, _ := json.Marshal(map[string]string{"ResetType": resetType})
	return c.redfishDo(ctx, a, http.MethodPost, target, body, nil)
}

func (c *Client) redfishDo(ctx context.Context, a Address, method, path string, body []byte, out any) error {
	if c.o.HTTP == nil {
		return fmt.Errorf("bmc %s: redfish needs an HTTP client", a.Addr)
	}
	what := method + " " + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.Addr+path, rd)
	if err != nil {
		return fmt.Errorf("bmc %s: %w", a.Addr, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.o.Username != "" {
		req.SetBasicAuth(c.o.Username, c.o.Password)
	}
	if c.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.Timeout)
		defer cancel()
		req = req.WithContext(ctx)
	}
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, httpclient.ErrReadOnly):
			return fmt.Errorf("bmc %s: %w", a.Addr, err)
		case errors.Is(err, httpclient.ErrReplyLost): // sent: not "unreachable"
			return fmt.Errorf("bmc %s: %s: %s: %w", a.Addr, what, httpclient.Reason(err), err)
		}
		return &UnreachableError{Addr: a.Addr, Reason: httpclient.Reason(err), Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, redfishMaxBody+1))
	if err != nil {
		return &UnreachableError{Addr: a.Addr, Reason: "reading the answer: " + httpclient.Reason(err), Err: err}
	}
	if len(b) > redfishMaxBody {
		return &CommandError{Addr: a.Addr, Command: what, Message: "answer larger than 1 MiB"}
	}
	if resp.StatusCode >= 300 {
		return &CommandError{Addr: a.Addr, Command: what, Message: redfishError(resp.StatusCode, b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return &CommandError{Addr: a.Addr, Command: what, Message: "malformed answer: " + err.Error()}
		}
	}
	return nil
}

// redfishError reads a Redfish error body ({"error": {"message",
// "@Message.ExtendedInfo": [{"Message"}]}}).
func redfishError(status int, b []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Info    []struct {
				Message string `json:"Message"`
			} `json:"@Message.ExtendedInfo"`
		} `json:"error"`
	}
	msg := ""
	if json.Unmarshal(b, &e) == nil {
		msg = e.Error.Message
		if len(e.Error.Info) > 0 && e.Error.Info[0].Message != "" {
			msg = e.Error.Info[0].Message
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(b))
	}
	prefix := fmt.Sprintf("HTTP %d", status)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		prefix += " (check bmc username and password)"
	}
	if msg == "" {
		return prefix
	}
	return prefix + ": " + clip(oneLine(msg))
}
