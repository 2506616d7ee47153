package compute

import (
	"context"
	"fmt"
	"strings"

	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// serviceAction builds the Action for a nova-compute service change on h.
// The shell refuses it in read-only sessions, confirms, audits and runs it.
func (p *Pane) serviceAction(verb string, h *host, reason string) pane.Action {
	src, name := p.src, h.name
	state, admin := stateOf(h), adminOf(h)
	forced := h.svc != nil && h.svc.ForcedDown
	vms := -1
	if h.hv != nil {
		vms = h.hv.RunningVMs
	}
	checks := serviceChecks(name, state, admin, forced)
	if vms >= 0 {
		checks = append(checks, fmt.Sprintf("%d instances on the host", vms))
	}
	a := pane.Action{Target: name, Mutates: true, Details: map[string]string{"host": name, "binary": "nova-compute"}}
	switch verb {
	case "disable":
		a.Name, a.ConfirmYes = ops.ServiceDisable, true
		a.Details["reason"] = reason
		a.Reason = reason
		if reason == "" {
			checks = append(checks, "⚠ no reason given: others will not know why it is disabled")
		} else {
			checks = append(checks, "reason: "+reason)
		}
		checks = append(checks, "instances keep running; no new ones are scheduled here")
	case "enable":
		a.Name, a.ConfirmYes = ops.ServiceEnable, true
		if forced {
			checks = append(checks, "⚠ still forced down: unschedulable until forced up (U)")
		}
	case "force-down":
		a.Name, a.Confirm = ops.ServiceForceDown, name
		checks = append(checks,
			"only force down a FENCED host (powered off / IPMI off):",
			"  Nova then allows evacuation; a live host would run them twice",
			"needs compute API microversion >= 2.11")
		if !strings.EqualFold(state, "down") {
			checks = append(checks, "⚠ service is "+orDash(state)+": heartbeats still arrive. Really dead?")
		}
	case "force-up":
		a.Name, a.ConfirmYes = ops.ServiceForceUp, true
		checks = append(checks, "after an evacuation Nova refuses this until nova-compute",
			"  has restarted on the host (done evacuation records)")
		if !forced {
			checks = append(checks, "⚠ the service is not forced down")
		}
	}
	a.Checks = checks
	// The change is ops.ChangeService's; a lost reply is read back from
	// Nova's service list.
	verbName := a.Name
	a.Reconcile = func(ctx context.Context) (bool, string, error) {
		return ops.ReadBackService(ctx, src, name, verbName, 0, 0)
	}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		return ops.ChangeService(ctx, src, name, verbName, reason, func(s ops.Step) {
			if report != nil {
				report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
			}
		})
	}
	return a
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// serviceChecks describes the service in two short lines: a confirmation
// dialog is about 70 cells wide and cut the forced-down state off when a
// disable reason was long.
func serviceChecks(name, state, admin string, forced bool) []string {
	return []string{
		fmt.Sprintf("nova-compute on %s: state %s · forced down %v", name, orDash(state), forced),
		"  admin " + orDash(admin),
	}
}
