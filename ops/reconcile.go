package ops

// Read-backs after a lost reply: the request reached the server but its
// answer did not come back (httpclient.ErrReplyLost), so the shell asks
// the cloud what happened instead of calling it a failure. Each returns
// done (it happened), evidence (what was read, for the operator and the
// audit record) and err when the cloud could not tell (still unknown).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// ServerActionReader reads a server's Nova action history and state.
// *openstack.Client implements it.
type ServerActionReader interface {
	InstanceActions(ctx context.Context, id string) ([]openstack.InstanceAction, error)
	Server(ctx context.Context, id string) (openstack.Server, error)
}

// novaActionNames maps stackpit's server action names to the names Nova
// records in os-instance-actions.
var novaActionNames = map[string]string{
	"reboot": "reboot", "reboot-hard": "reboot", "start": "start", "stop": "stop",
	"live-migrate": "live-migration", "migrate": "migrate", "confirm-resize": "confirmResize",
	"evacuate": "evacuate",
}

// NovaActionName is os-instance-actions' name for a stackpit server action
// ("live-migrate" -> "live-migration"); "" when Nova records none.
func NovaActionName(action string) string { return novaActionNames[action] }

// reconcileSlack is how far before our request a Nova action may be stamped
// (Nova's clock vs ours) and still count as ours, when the history before
// the request could not be read.
const reconcileSlack = 2 * time.Minute

// ServerActionCheck reads back one server action. Call Before just before
// sending the request (it remembers the action history, so a later entry
// is ours without trusting clocks), ReadBack after a lost reply.
type ServerActionCheck struct {
	Reader   ServerActionReader
	ServerID string
	// Action is Nova's action name ("reboot"); WantStatus, when set, also
	// counts the server reaching that status as done (reset-state, which
	// older Novas do not record as an action).
	Action, WantStatus string
	// Poll and Within: how often and how long ReadBack waits for the
	// action to show (Nova records it before answering, but a slow API
	// may still be working on it). Defaults 2s and 30s.
	Poll, Within time.Duration

	mu        sync.Mutex
	seen      map[string]bool
	baselined bool
	sent      time.Time
}

func readBackKey(a openstack.InstanceAction) string {
	return a.Action + "|" + a.RequestID + "|" + a.StartTime.UTC().Format(time.RFC3339Nano)
}

// Before records the server's action history before the request. A failed
// read is not an error: ReadBack then goes by time.
func (c *ServerActionCheck) Before(ctx context.Context) {
	var seen map[string]bool
	acts, err := c.Reader.InstanceActions(ctx, c.ServerID)
	if err == nil {
		seen = make(map[string]bool, len(acts))
		for _, a := range acts {
			seen[readBackKey(a)] = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.baselined, c.sent = seen, err == nil, time.Now()
}

// ReadBack looks for the action in Nova's instance action list (and the
// server's status) after a lost reply.
func (c *ServerActionCheck) ReadBack(ctx context.Context) (done bool, evidence string, err error) {
	c.mu.Lock()
	seen, baselined, sent := c.seen, c.baselined, c.sent
	c.mu.Unlock()
	if sent.IsZero() {
		sent = time.Now()
	}
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(c.Within, 30*time.Second))
	defer cancel()
	var status string
	for read := false; ; read = true {
		acts, err := c.Reader.InstanceActions(ctx, c.ServerID)
		if err != nil {
			if read && ctx.Err() != nil {
				break
			}
			return false, "", err
		}
		s, serr := c.Reader.Server(ctx, c.ServerID)
		if serr == nil {
			status = readBackStatus(s)
		}
		for _, a := range acts { // newest first
			if a.Action != c.Action || c.Action == "" {
				continue
			}
			if baselined && seen[readBackKey(a)] || !baselined && a.StartTime.Before(sent.Add(-reconcileSlack)) {
				continue
			}
			ev := fmt.Sprintf("Nova recorded %s %s at %s", a.Action, reqIDOrNone(a.RequestID), a.StartTime.UTC().Format("15:04:05Z"))
			if a.Message != "" {
				ev += " (" + a.Message + ")"
			}
			if status != "" {
				ev += "; server " + status
			}
			return true, ev, nil
		}
		if c.WantStatus != "" && serr == nil && strings.EqualFold(s.Status, c.WantStatus) {
			return true, "server " + status, nil
		}
		if ctrSleep(ctx, ctrDuration(c.Poll, 2*time.Second)) != nil {
			break
		}
	}
	what := c.Action
	if what == "" {
		what = "status " + c.WantStatus
	}
	ev := "no " + what + " in Nova's action list since the request"
	if status != "" {
		ev += "; server " + status
	}
	return false, ev, nil
}

func readBackStatus(s openstack.Server) string {
	st := s.Status
	if s.TaskState != "" {
		st += " (task " + s.TaskState + ")"
	}
	if s.Host != "" {
		st += " on " + s.Host
	}
	return st
}

func reqIDOrNone(s string) string {
	if s == "" {
		return "(no request id)"
	}
	return s
}

// ComputeServiceReader reads Nova's compute services.
type ComputeServiceReader interface {
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
}

// Service change verbs, as the compute pane names its actions.
const (
	ServiceDisable   = "disable-service"
	ServiceEnable    = "enable-service"
	ServiceForceDown = "force-down"
	ServiceForceUp   = "force-up"
)

// ReadBackService says whether nova-compute on host is in the state verb
// asked for (disabled, enabled, forced down, not forced down), waiting up
// to within (default 10s) for a slow API to finish the change.
func ReadBackService(ctx context.Context, r ComputeServiceReader, host, verb string, poll, within time.Duration) (done bool, evidence string, err error) {
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(within, 10*time.Second))
	defer cancel()
	var last *openstack.ComputeService
	for read := false; ; read = true {
		ss, err := r.ComputeServices(ctx)
		if err != nil {
			if read && ctx.Err() != nil {
				break
			}
			return false, "", err
		}
		last = nil
		for i := range ss {
			if ss[i].Host == host && ss[i].Binary == "nova-compute" {
				last = &ss[i]
			}
		}
		if last == nil {
			return false, "", fmt.Errorf("no nova-compute service on %s in Nova's list", host)
		}
		ok := false
		switch verb {
		case ServiceDisable:
			ok = last.Status == "disabled"
		case ServiceEnable:
			ok = last.Status == "enabled"
		case ServiceForceDown:
			ok = last.ForcedDown
		case ServiceForceUp:
			ok = !last.ForcedDown
		default:
			return false, "", fmt.Errorf("no read-back for %q", verb)
		}
		if ok {
			return true, readBackServiceState(last), nil
		}
		if ctrSleep(ctx, ctrDuration(poll, time.Second)) != nil {
			break
		}
	}
	return false, readBackServiceState(last), nil
}

func readBackServiceState(s *openstack.ComputeService) string {
	if s == nil {
		return "nova-compute not read"
	}
	st := fmt.Sprintf("nova-compute on %s is %s, %s", s.Host, s.Status, s.State)
	if s.DisabledReason != "" {
		st += " (reason: " + s.DisabledReason + ")"
	}
	if s.ForcedDown {
		st += ", forced down"
	}
	return st
}
