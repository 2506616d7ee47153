package instances

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// actionKey maps an action key to an Action handed to the shell (which
// enforces read-only, confirmation and audit). ok reports a key match.
func (p *Pane) actionKey(k string) (tea.Cmd, bool) {
	verbs := []string{"reboot", "reboot_hard", "start", "stop", "live_migrate", "migrate",
		"confirm_resize", "evacuate", "reset_state"}
	verb := ""
	for _, v := range verbs {
		if p.is(k, "instances."+v) {
			verb = v
			break
		}
	}
	if verb == "" {
		return nil, false
	}
	s, ok := p.current()
	if !ok || s.ID == "" {
		return pane.Toast(themes.Warn, "no instance selected"), true
	}
	switch verb {
	case "live_migrate":
		p.prompt.Open("live-migrate "+safe.Text(s.Name)+" to host (empty: scheduler picks):", "", func(host string) tea.Cmd {
			return pane.RunAction(p.buildAction(verb, s, host))
		})
		return nil, true
	case "evacuate":
		p.prompt.Open("evacuate "+safe.Text(s.Name)+" to host (empty: scheduler picks):", "", func(host string) tea.Cmd {
			return pane.RunAction(p.buildAction(verb, s, host))
		})
		return nil, true
	case "reset_state":
		p.prompt.Open("reset "+safe.Text(s.Name)+" to state (active|error):", "active", func(state string) tea.Cmd {
			state = strings.ToLower(state)
			if state != "active" && state != "error" {
				return pane.Toast(themes.Crit, "reset state: want active or error, got "+safe.Text(state))
			}
			return pane.RunAction(p.buildAction(verb, s, state))
		})
		return nil, true
	}
	return pane.RunAction(p.buildAction(verb, s, "")), true
}

// confirmWord is what the user types to confirm a destructive action: the
// name when it is plain text, else the ID (an escape-laden name cannot be
// typed).
func confirmWord(s openstack.Server) string {
	if s.Name != "" && safe.Text(s.Name) == s.Name && len(s.Name) <= 64 {
		return s.Name
	}
	return s.ID
}

// buildAction makes the Action for verb on server s; arg is the target host
// (migrations, evacuate) or the state (reset).
func (p *Pane) buildAction(verb string, s openstack.Server, arg string) pane.Action {
	src := p.src
	label := safe.Text(s.Name) + " (" + s.ID + ")"
	checks := []string{
		fmt.Sprintf("server %s", label),
		fmt.Sprintf("status %s · task %s · power %s · host %s", orDash(s.Status), orDash(s.TaskState),
			openstack.PowerStateName(s.PowerState), orDash(s.Host)),
	}
	if s.Locked {
		checks = append(checks, "⚠ server is locked: Nova refuses unless you are admin")
	}
	if s.TaskState != "" {
		checks = append(checks, "⚠ task "+s.TaskState+" in progress: Nova may refuse (409 Conflict)")
	}
	checks = append(checks, p.hostCheck(verb, s)...)
	a := pane.Action{
		Target:  s.ID,
		Mutates: true,
		Details: map[string]string{"server": s.ID, "name": s.Name, "host": s.Host, "status": s.Status},
	}
	destructive := false
	switch verb {
	case "reboot":
		a.Name = "reboot"
		checks = append(checks, "asks the guest OS to restart; hard reboot (R) if it hangs")
	case "reboot_hard":
		a.Name, destructive = "reboot-hard", true
		checks = append(checks, "power-cycles the instance: unsaved guest data is lost")
	case "start":
		a.Name = "start"
		if !strings.EqualFold(s.Status, "SHUTOFF") {
			checks = append(checks, "⚠ status is "+orDash(s.Status)+": Nova only starts SHUTOFF servers")
		}
	case "stop":
		a.Name, destructive = "stop", true
		checks = append(checks, "powers the instance off (ACPI shutdown first)")
	case "live_migrate":
		a.Name = "live-migrate"
		a.Details["target_host"] = arg
		checks = append(checks, "target host: "+hostOrScheduler(arg))
		if !s.VolumeBacked {
			checks = append(checks, "not volume-backed: local disk is block-migrated (unless shared)")
		}
	case "migrate":
		a.Name, destructive = "migrate", true
		checks = append(checks, "shuts the instance down and moves it to another host;",
			"  it then waits in VERIFY_RESIZE: confirm with v")
	case "confirm_resize":
		a.Name = "confirm-resize"
		if !strings.EqualFold(s.Status, "VERIFY_RESIZE") {
			checks = append(checks, "⚠ status is "+orDash(s.Status)+": Nova confirms only VERIFY_RESIZE servers")
		}
	case "evacuate":
		a.Name, destructive = "evacuate", true
		a.Details["target_host"] = arg
		checks = append(checks,
			"Nova refuses unless nova-compute on "+orDash(s.Host)+" is down",
			"fence the host first: a running copy would corrupt shared disks",
			"target host: "+hostOrScheduler(arg))
		switch {
		case s.VolumeBacked:
			checks = append(checks, "volume-backed: the root disk is kept")
		case p.ephemeralShared:
			checks = append(checks, "ephemeral disks are on shared storage: the root disk is kept")
		default:
			checks = append(checks, "⚠ not volume-backed: root disk is REBUILT from the image",
				"  (local ephemeral storage; set ephemeral_shared if it is shared)")
		}
	case "reset_state":
		a.Name, destructive = "reset-state", true
		a.Details["state"] = arg
		checks = append(checks, "only rewrites Nova's record (vm_state="+arg+");",
			"  the hypervisor is not touched")
	}
	if destructive {
		a.Confirm = confirmWord(s)
	} else {
		a.ConfirmYes = true
	}
	a.Checks = checks
	if (verb == "live_migrate" || verb == "evacuate") && arg != "" {
		a.Destinations = []string{arg}
	}
	// The request, and a move's journal and watch, are ops.RunServer's; a
	// lost reply is read back from Nova's action list (and status).
	req := ops.ServerRequest{Action: a.Name, Server: s, Arg: arg, Label: label}
	chk := req.Check(src)
	a.Reconcile = chk.ReadBack
	d := ops.ServerRun{Actor: src, Journal: p.journal, Watch: p.watchTune, Now: p.ctx.Now,
		Meta:     ops.Meta{Op: a.Name, Pane: "instances", Target: s.ID, Details: a.Details},
		DeadHost: s.Host != "" && p.downHosts[s.Host]}
	a.Long = ops.MoveKind(a.Name) != "" // a journaled move: quit asks first
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		return ops.RunServer(ctx, d, req, chk, func(st ops.Step) {
			if report != nil {
				report(pane.Progress{Done: st.Done, Total: st.Total, Line: st.Line})
			}
		})
	}
	return a
}

// resume watches an interrupted move again; it is never requested twice.
func (p *Pane) resume(m pane.ResumeMsg) tea.Cmd {
	e, ok := m.Entry.(ops.Entry)
	kind := ops.MoveKind(e.Op)
	if !ok || kind == "" {
		return pane.Toast(themes.Warn, "cannot resume "+safe.Text(e.Op)+" here")
	}
	name := e.Details["name"]
	label := safe.Text(name) + " (" + e.Target + ")"
	s0 := openstack.Server{ID: e.Target, Name: name, Host: e.Details["host"], Status: e.Details["status"]}
	src, tune, store := p.src, p.watchTune, p.journal
	a := pane.Action{Name: e.Op, Target: e.Target, Mutates: true, ConfirmYes: true, Long: true,
		Checks: []string{
			fmt.Sprintf("RESUMES the %s of %s requested %s (by %s, pid %d):", e.Op, label, e.Started.Local().Format("01-02 15:04"), e.User, e.PID),
			"  only watched until it completes: it is not requested again",
			"  (if it never started, request it anew from the instance)"},
		Details: map[string]string{"resume": e.ID, "server": e.Target, "name": name, "host": s0.Host}}
	d := ops.ServerRun{Actor: src, Journal: store, Watch: tune}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		return ops.ResumeMove(ctx, d, e, label, func(st ops.Step) {
			if report != nil {
				report(pane.Progress{Done: st.Done, Total: st.Total, Line: st.Line})
			}
		})
	}
	return pane.RunAction(a)
}

func hostOrScheduler(h string) string {
	if h == "" {
		return "(scheduler picks)"
	}
	return h
}

// hostCheck warns when the action cannot work because of the state of the
// instance's compute host: everything but evacuate needs nova-compute on
// the host alive (an async live migration from a dead host is accepted and
// then fails quietly); evacuate needs it down.
func (p *Pane) hostCheck(verb string, s openstack.Server) []string {
	if s.Host == "" {
		return nil
	}
	down := p.downHosts[s.Host]
	switch {
	case verb == "evacuate" && !down:
		return []string{"⚠ nova-compute on " + s.Host + " is up: Nova refuses (409) until it is down or forced down"}
	case verb != "evacuate" && verb != "reset_state" && down:
		return []string{"⚠ nova-compute on " + s.Host + " is DOWN: this will fail or hang there;",
			"  evacuate (" + p.ctx.KeyText("instances.evacuate") + ") moves instances off a dead host"}
	}
	return nil
}
