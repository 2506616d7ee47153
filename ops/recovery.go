package ops

// Guided host recovery: the seed's (Pacemaker's, Masakari's) host-failure
// sequence as one operation. disable → fence → force down → power on and
// wait (bounded) for nova-compute's heartbeat → back: force up and enable;
// still dead: fence again if it is not off, then evacuate and verify. Each
// step is an EvNote (journaled as a note record); the operator can stop
// after any step (WithStop). The decision (back or dead) is journaled as a
// phase, where a resumed recovery starts (From).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// RecoveryServices is what recovery needs of Nova's service API: the
// changes, and the service list whose heartbeat tells a host came back.
// *openstack.Client implements it.
type RecoveryServices interface {
	ServiceChanger
	ComputeServices(ctx context.Context) ([]openstack.ComputeService, error)
}

// RecoveryPlan is a guided recovery, as confirmed.
type RecoveryPlan struct {
	Host   string
	Reason string // the disable reason
	// Servers are the host's instances, evacuated if it stays dead.
	Servers []openstack.Server
	Fence   FenceOptions
	// BootWait bounds the wait for nova-compute after the power-on
	// (default 10 minutes); Poll is between service-list reads (default 5s).
	BootWait, Poll time.Duration
	// ForceUpWait bounds the retries of a force-up Nova refuses because of
	// `done` evacuation records (default 3 minutes): the power-on restarted
	// nova-compute, which completes them, but its heartbeat can come first.
	ForceUpWait time.Duration
	// From resumes an interrupted recovery at a phase (RecoveryResumeFrom
	// reads it from the journal); "" runs every step.
	From string
}

// VerbRecover names a recovery in events, journals and summaries.
const VerbRecover = "recover"

// Recovery phases, journaled with the note that reaches them: a resumed
// recovery (RecoveryPlan.From) starts from the last one.
const (
	// RecoveryDead: nova-compute did not come back; what is left is to
	// fence (again) and evacuate.
	RecoveryDead = "dead"
	// RecoveryBack: nova-compute came back; what is left is to force it
	// up and enable it.
	RecoveryBack = "back"
)

// RecoveryResumeFrom is where a resumed recovery starts, read from its
// journal: an evacuation under way or a host found dead resumes at the
// fence before the evacuation (never powering the host on again), a host
// found back at the force-up; otherwise from the start, every step
// re-done against the cloud's state now (each is idempotent).
func RecoveryResumeFrom(e Entry) string {
	if e.Phase == RecoveryDead || len(e.Instances) > 0 {
		return RecoveryDead
	}
	return e.Phase
}

// Recover runs the guided recovery of plan.Host. Its Summary has the steps
// taken (Steps); when the host stayed dead it is the evacuation's summary.
func Recover(ctx context.Context, nova Nova, svc RecoveryServices, b bmc.BMC, tune Tuning, plan RecoveryPlan, emit func(Event)) Summary {
	if emit == nil {
		emit = func(Event) {}
	}
	host := plan.Host
	var steps []string
	noteAt := func(s, phase string) {
		steps = append(steps, s)
		emit(Event{Kind: EvNote, Verb: VerbRecover, Host: host, Note: s, Phase: phase})
	}
	note := func(s string) { noteAt(s, "") }
	progress := func(s string) { emit(Event{Kind: EvNote, Verb: VerbRecover, Host: host, Note: s}) }
	end := func(errText string) Summary {
		s := Summary{Verb: VerbRecover, Host: host, Steps: steps, Err: errText, Stopped: Stopping(ctx)}
		if ctx.Err() != nil && s.Err == "" {
			s.Err = ctx.Err().Error()
		}
		s.Interrupted = contextInterrupted(ctx)
		if errText != "" {
			emit(Event{Kind: EvStop, Verb: VerbRecover, Host: host, Err: errText})
		}
		emit(Event{Kind: EvEnd, Verb: VerbRecover, Host: host, Summary: &s})
		return s
	}
	halted := func() bool { return ctx.Err() != nil || Stopping(ctx) }
	fenceEmit := func(s FenceStep) { progress(s.Line) }

	// 5a. Back: clear forced-down (Nova refuses after evacuations until
	// nova-compute restarts: retried, then ChangeService says so) and enable.
	recovered := func() Summary {
		progress("5/5 clearing forced-down on " + host)
		if err := forceUp(ctx, svc, host, ctrDuration(plan.ForceUpWait, 3*time.Minute),
			ctrDuration(plan.Poll, 5*time.Second), note); err != nil {
			return end("force-up failed: " + err.Error())
		}
		note("cleared forced-down on " + host)
		if halted() {
			return end("")
		}
		if _, err := ChangeService(ctx, svc, host, ServiceEnable, "", nil); err != nil {
			return end("enable failed: " + err.Error())
		}
		note("enabled nova-compute on " + host + ": host recovered")
		return end("")
	}
	// 5b. Still dead: evacuate and verify.
	evacuate := func() Summary {
		progress("5/5 evacuating " + host)
		sum := Evacuate(ctx, nova, svc, tune, HostPlan{Host: host, Servers: plan.Servers}, emit)
		sum.Steps = append(steps, sum.Steps...)
		return sum
	}
	switch plan.From {
	case RecoveryBack:
		note("resumed: nova-compute on " + host + " was back before the interruption")
		return recovered()
	case RecoveryDead:
		note("resumed: " + host + " was found dead before the interruption (it is not powered on again)")
	}

	// 1. Disable: the scheduler places nothing new there.
	progress("1/5 disabling nova-compute on " + host)
	if _, err := ChangeService(ctx, svc, host, ServiceDisable, plan.Reason, nil); err != nil {
		return end("disable failed: " + err.Error())
	}
	note("disabled nova-compute on " + host)
	if halted() {
		return end("")
	}
	// 2. Fence: nothing continues until the BMC reads the power off.
	progress("2/5 fencing " + host + " (power off, read back)")
	fr := plan.Fence.Fence(ctx, b, host, fenceEmit)
	if !fr.Verified {
		return end("fence not verified, not going on: " + fr.Text)
	}
	note(fr.Text)
	if halted() {
		return end("")
	}
	// 3. Force down: Nova stops waiting for the heartbeat timeout.
	progress("3/5 forcing nova-compute down on " + host)
	if _, err := ChangeService(ctx, svc, host, ServiceForceDown, "", nil); err != nil {
		return end("force-down failed: " + err.Error())
	}
	note("forced nova-compute down on " + host)
	if halted() {
		return end("")
	}
	if plan.From == RecoveryDead {
		// Fenced just now: straight to the evacuation.
		return evacuate()
	}
	// 4. Power on, wait for nova-compute's heartbeat (a forced-down
	// service reads down whatever it does: its updated_at moving on is
	// what says it runs; comparing with Nova's own earlier value needs no
	// synchronized clocks).
	progress("4/5 powering " + host + " on")
	before, _ := heartbeat(ctx, svc, host)
	pr := plan.Fence.PowerOn(ctx, b, host, fenceEmit)
	back := false
	if pr.Verified {
		note(pr.Text)
		if halted() {
			return end("")
		}
		progress(fmt.Sprintf("4/5 waiting up to %s for nova-compute on %s", ctrDuration(plan.BootWait, 10*time.Minute), host))
		back = waitHeartbeat(ctx, svc, host, before, ctrDuration(plan.BootWait, 10*time.Minute), ctrDuration(plan.Poll, 5*time.Second))
		if back {
			noteAt("nova-compute on "+host+" is back (heartbeat)", RecoveryBack)
		} else if ctx.Err() == nil && !Stopping(ctx) {
			noteAt("nova-compute on "+host+" did not come back within the wait", RecoveryDead)
		}
	} else if ctx.Err() == nil {
		noteAt("power on not verified: "+pr.Text, RecoveryDead)
	} else {
		note("power on not verified: " + pr.Text) // cut off: not a decision
	}
	if halted() {
		return end("")
	}
	if back {
		return recovered()
	}
	// A host we powered on must be off again before its instances run
	// elsewhere.
	if pr.Sent || pr.State != bmc.Off {
		progress("5/5 fencing " + host + " again before evacuating")
		fr := plan.Fence.Fence(ctx, b, host, fenceEmit)
		if !fr.Verified {
			return end("second fence not verified, not evacuating: " + fr.Text)
		}
		note(fr.Text)
		if halted() {
			return end("")
		}
	}
	return evacuate()
}

// forceUp clears forced-down on host. Nova refuses while `done` evacuation
// records remain; they complete when nova-compute starts, and the power-on
// just started it, so a refusal is retried (bounded by within) before it
// is reported with what to do.
func forceUp(ctx context.Context, svc ServiceChanger, host string, within, poll time.Duration, note func(string)) error {
	deadline := time.Now().Add(within)
	said := false
	for {
		_, err := ChangeService(ctx, svc, host, ServiceForceUp, "", nil)
		if err == nil || !ForceUpRefused(err) || time.Now().Add(poll).After(deadline) || Stopping(ctx) {
			return err
		}
		if !said {
			note(fmt.Sprintf("Nova refuses force-up until nova-compute on %s completes its evacuation records (it just started): retrying up to %s", host, within))
			said = true
		}
		if ctrSleep(ctx, poll) != nil {
			return err
		}
	}
}

// heartbeat is nova-compute's updated_at on host (zero when unread).
func heartbeat(ctx context.Context, svc RecoveryServices, host string) (time.Time, error) {
	ss, err := svc.ComputeServices(ctx)
	if err != nil {
		return time.Time{}, err
	}
	for _, s := range ss {
		if s.Host == host && s.Binary == "nova-compute" {
			return s.UpdatedAt, nil
		}
	}
	return time.Time{}, fmt.Errorf("no nova-compute on %s", host)
}

// waitHeartbeat polls until nova-compute's heartbeat on host moves past
// before, up to within.
func waitHeartbeat(ctx context.Context, svc RecoveryServices, host string, before time.Time, within, poll time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		if hb, err := heartbeat(ctx, svc, host); err == nil && hb.After(before) {
			return true
		}
		if time.Now().Add(poll).After(deadline) || Stopping(ctx) || ctrSleep(ctx, poll) != nil {
			return false
		}
	}
}

func contextInterrupted(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrInterrupted)
}
