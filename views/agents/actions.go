package agents

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// AgentSource is what the Neutron agent actions need (optional: a Source
// without it has no actions). *openstack.Client implements it.
type AgentSource = ops.AgentChanger

// agentAction builds the Action for a Neutron agent change. The shell
// refuses it in read-only sessions, confirms, audits and runs it; the
// operation and its read-back are ops.ChangeAgent's and ops.ReadBackAgent's.
func (p *Pane) agentAction(verb string, a *agent) tea.Cmd {
	src, ok := p.src.(AgentSource)
	if !ok {
		return pane.Toast(themes.Warn, "agent actions are not available for this cloud")
	}
	if a.kind != kNeutron {
		return pane.Toast(themes.Warn, a.binary+" is not a Neutron agent: use the compute pane for Nova services")
	}
	name := a.binary + " on " + a.host
	now := p.ctx.Now()
	beat := "never"
	if !a.beat.IsZero() {
		beat = pane.BeatAge(now.Sub(a.beat)) + " ago"
	}
	act := pane.Action{Target: name, Mutates: true,
		Details: map[string]string{"agent_id": a.id, "host": a.host, "binary": a.binary}}
	checks := []string{fmt.Sprintf("%s: %s · admin %s · heartbeat %s", name, stateText(a), a.admin, beat)}
	switch verb {
	case ops.AgentDisable:
		act.ConfirmYes = true
		checks = append(checks, "the agent keeps running; nothing new is scheduled to it")
	case ops.AgentEnable:
		act.ConfirmYes = true
	case ops.AgentDelete:
		if !a.dead {
			return pane.Toast(themes.Warn, "refused: "+name+" is alive; only a dead agent may be deleted (disable it instead)")
		}
		act.Confirm = a.host
		checks = append(checks, "deletes the agent record "+a.id,
			"an agent that comes back registers again with a new ID",
			"Neutron re-checks that it is dead before the delete")
	}
	act.Name, act.Checks = verb, checks
	id := a.id
	act.Reconcile = func(ctx context.Context) (bool, string, error) {
		return ops.ReadBackAgent(ctx, src, id, verb, time.Second, 10*time.Second)
	}
	act.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		return ops.ChangeAgent(ctx, src, id, verb, func(s ops.Step) {
			if report != nil {
				report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
			}
		})
	}
	return pane.RunAction(act)
}
