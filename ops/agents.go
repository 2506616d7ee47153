package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// Neutron agent actions: disable and enable (admin_state_up) and delete a
// dead agent's record. Deleting a live agent is refused here: Neutron
// would delete it, and the agent would register again at its next report
// with a new ID, losing its network and router bindings.
const (
	AgentDisable = "disable-agent"
	AgentEnable  = "enable-agent"
	AgentDelete  = "delete-agent"
)

// AgentChanger changes Neutron agents; *openstack.Client implements it.
type AgentChanger interface {
	NetworkAgent(ctx context.Context, id string) (openstack.NetworkAgent, error)
	SetAgentAdminState(ctx context.Context, id string, up bool) error
	DeleteAgent(ctx context.Context, id string) error
}

// ErrAgentAlive refuses deleting an agent that still reports.
var ErrAgentAlive = errors.New("agent is alive")

// agentName names an agent for the operator: "neutron-dhcp-agent on control01".
func agentName(a openstack.NetworkAgent) string {
	if a.Binary == "" {
		return "agent " + a.ID
	}
	return a.Binary + " on " + a.Host
}

// ChangeAgent runs one agent action on the agent with id. It reads the
// agent first (pre-check: it exists; for a delete, it is dead now, not
// only when the pane last looked), reports each step and returns the
// result line for the operator and the audit record.
func ChangeAgent(ctx context.Context, c AgentChanger, id, verb string, step func(Step)) (string, error) {
	step = stepTo(step)
	total := 2
	step(Step{Done: 0, Total: total, Line: "reading agent " + id})
	a, err := c.NetworkAgent(ctx, id)
	if err != nil {
		return "", fmt.Errorf("pre-check: %w", err)
	}
	name := agentName(a)
	step(Step{Done: 1, Total: total, Line: verb + " " + name})
	var done string
	switch verb {
	case AgentDisable:
		err, done = c.SetAgentAdminState(ctx, id, false), name+" disabled (admin_state_up=false)"
	case AgentEnable:
		err, done = c.SetAgentAdminState(ctx, id, true), name+" enabled (admin_state_up=true)"
	case AgentDelete:
		if a.Alive {
			return "", fmt.Errorf("refused: %s is alive (heartbeat %s): %w; only a dead agent's record may be deleted",
				name, a.HeartbeatAt.UTC().Format("15:04:05Z"), ErrAgentAlive)
		}
		err, done = c.DeleteAgent(ctx, id), name+" deleted ("+id+")"
	default:
		return "", fmt.Errorf("unknown agent action %q", verb)
	}
	if err != nil {
		return "", err
	}
	step(Step{Done: total, Total: total, Line: done})
	return done, nil
}

// ReadBackAgent says whether an agent action took effect after a lost
// reply: the agent's admin state, or for a delete that the agent is gone.
// It polls every poll for up to within (defaults 1 s and 10 s).
func ReadBackAgent(ctx context.Context, r AgentChanger, id, verb string, poll, within time.Duration) (done bool, evidence string, err error) {
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(within, 10*time.Second))
	defer cancel()
	var last openstack.NetworkAgent
	for read := false; ; read = true {
		a, err := r.NetworkAgent(ctx, id)
		switch {
		case verb == AgentDelete && errors.Is(err, openstack.ErrNotFound):
			return true, "agent " + id + " is no longer listed by Neutron", nil
		case err != nil:
			if read && ctx.Err() != nil {
				return false, agentState(last), nil
			}
			return false, "", err
		}
		last = a
		switch verb {
		case AgentDisable:
			if !a.AdminUp {
				return true, agentState(a), nil
			}
		case AgentEnable:
			if a.AdminUp {
				return true, agentState(a), nil
			}
		case AgentDelete:
		default:
			return false, "", fmt.Errorf("no read-back for %q", verb)
		}
		if ctrSleep(ctx, ctrDuration(poll, time.Second)) != nil {
			return false, agentState(last), nil
		}
	}
}

func agentState(a openstack.NetworkAgent) string {
	if a.ID == "" {
		return "agent not read"
	}
	alive, admin := "alive", "admin up"
	if !a.Alive {
		alive = "dead"
	}
	if !a.AdminUp {
		admin = "admin down"
	}
	return fmt.Sprintf("%s is %s, %s", agentName(a), alive, admin)
}
