// Package ops runs operations on the cloud: one home per operation, each a
// plain function over small datasource interfaces that emits events and
// returns a summary. Views bind keys, open dialogs and render the events;
// they hold no workflow code. A Store journals running operations under the
// XDG state dir and locks their targets, so an interrupted operation can be
// listed and resumed, and two processes never run one on the same target.
package ops

// Host evacuate and drain: a bounded parallel per-instance run whose every
// change is emitted as an Event, and whose Summary says what happened to
// every instance. Running it again resumes: instances already moved are
// only verified, those mid-rebuild or mid-migration only watched.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// Nova is what moving instances needs.
type Nova interface {
	Server(ctx context.Context, id string) (openstack.Server, error)
	// Evacuate and LiveMigrate let the scheduler pick when host is "".
	Evacuate(ctx context.Context, id, host string) error
	LiveMigrate(ctx context.Context, id, host string) error
	Migrate(ctx context.Context, id string) error
	ConfirmResize(ctx context.Context, id string) error
}

// Services is what the host pre-steps need.
type Services interface {
	DisableService(ctx context.Context, host, reason string) error
	ForceDown(ctx context.Context, host string, down bool) error
}

// Tuning of a host run; tests shorten the poll interval.
type Tuning struct {
	Poll        time.Duration
	PerInstance time.Duration
	EvacuateN   int
	DrainN      int
	// ReadBack bounds the read-back of a lost request's reply (default 30s).
	ReadBack time.Duration
}

// DefaultTuning is what the cockpit uses.
var DefaultTuning = Tuning{Poll: 2 * time.Second, PerInstance: 20 * time.Minute, EvacuateN: 4, DrainN: 2}

// State is one instance's place in a run.
type State int

// Instance run states.
const (
	Pending State = iota
	Running
	OK
	Failed
	Skipped
)

var stateNames = []string{"pending", "running", "ok", "failed", "skipped"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText keeps journals readable.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a journal's state name.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("unknown state %q", b)
}

// Instance is one instance's live state in a run.
type Instance struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
	Task   string `json:"task,omitempty"`
	Host   string `json:"host,omitempty"`
	Target string `json:"target,omitempty"` // verified destination
	State  State  `json:"state"`
	Err    string `json:"error,omitempty"`
	// OrigStatus is the status when planned (decides what is done to it).
	OrigStatus   string `json:"orig_status,omitempty"`
	VolumeBacked bool   `json:"volume_backed,omitempty"`
	// Unknown: its request's reply was lost and the read-back could not
	// tell whether Nova took it. Neither failed nor sent again: a resumed
	// run re-plans it from the server's state.
	Unknown bool `json:"unknown,omitempty"`
}

// Line is the instance's one-line state (raw text: render through ui/safe).
func (in Instance) Line() string {
	switch in.State {
	case OK:
		return fmt.Sprintf("✓ %s → %s (%s)", in.Name, in.Target, in.Status)
	case Failed:
		return fmt.Sprintf("✗ %s: %s", in.Name, in.Err)
	case Skipped:
		return fmt.Sprintf("- %s: %s", in.Name, in.Err)
	case Running:
		return fmt.Sprintf("… %s: %s/%s on %s", in.Name, in.Status, orDash(in.Task), orDash(in.Host))
	}
	return "· " + in.Name + ": pending"
}

// HostPlan is a host evacuate or drain, as confirmed.
type HostPlan struct {
	Verb string // "evacuate" or "drain"
	Host string
	// Servers are the instances to move (on the host, or from an
	// interrupted run's journal: those not on the host are only verified).
	Servers []openstack.Server
	// Disable disables nova-compute first with Reason; ForceDown forces it
	// down first (evacuate: Nova refuses while the service is up).
	Disable   bool
	Reason    string
	ForceDown bool
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	EvStart    EventKind = iota // Instances: every instance, pending
	EvNote                      // Note: the pre-step in progress ("" when done)
	EvInstance                  // Inst: one instance changed
	EvStop                      // Err: the run stops (pre-step failed, host-level refusal)
	EvEnd                       // Summary: the run is over
)

// Event is one change in a running operation.
type Event struct {
	Kind      EventKind
	Verb      string
	Host      string
	Instances []Instance
	Inst      Instance
	Note      string
	// Phase: a guided recovery reached it with this note (RecoveryDead,
	// RecoveryBack); journaled, where a resume starts.
	Phase string
	Err   string
	// Done of Total instances are finished (ok, failed or skipped).
	Done, Total int
	Summary     *Summary
}

// Summary is what a run did to every instance.
type Summary struct {
	Verb      string
	Host      string
	Instances []Instance
	Err       string // run-level: why it stopped early
	// Interrupted: cut off (quit to resume later, SIGHUP/SIGTERM);
	// Stopped: stopped after the steps in flight. Both are resumable.
	Interrupted, Stopped bool
	// Steps are the steps a guided recovery took before (or instead of)
	// evacuating.
	Steps []string
}

// Counts are the summary's ok, failed and not-moved instances.
func (s Summary) Counts() (ok, failed, skipped int) {
	for _, in := range s.Instances {
		switch in.State {
		case OK:
			ok++
		case Failed:
			failed++
		default:
			skipped++
		}
	}
	return
}

// Unknown counts the instances whose request's outcome is unknown.
func (s Summary) Unknown() int {
	n := 0
	for _, in := range s.Instances {
		if in.Unknown {
			n++
		}
	}
	return n
}

// Text is the one-line result: counts, then every instance's fate.
func (s Summary) Text() string {
	ok, failed, skipped := s.Counts()
	verb := "evacuated"
	if s.Verb == "drain" {
		verb = "moved"
	}
	head := fmt.Sprintf("%s %d/%d from %s", verb, ok, len(s.Instances), s.Host)
	if s.Verb == VerbRecover {
		head = "recovery of " + s.Host
	}
	if failed > 0 {
		head += fmt.Sprintf(", %d failed", failed)
	}
	if skipped > 0 {
		head += fmt.Sprintf(", %d not moved", skipped)
	}
	switch {
	case s.Interrupted:
		head += " (interrupted: :ops resumes it)"
	case s.Stopped:
		head += " (stopped after the steps in flight: :ops resumes it)"
	}
	if s.Err != "" {
		head += " (" + s.Err + ")"
	}
	lines := make([]string, 0, len(s.Steps)+len(s.Instances))
	lines = append(lines, s.Steps...)
	for _, in := range s.Instances {
		lines = append(lines, in.Line())
	}
	return head + ": " + strings.Join(lines, "; ")
}

// Result is the summary as an action result: an error when anything
// failed or (evacuate) was left on the dead host.
func (s Summary) Result() (string, error) {
	_, failed, skipped := s.Counts()
	res := s.Text()
	if s.Interrupted {
		return res, fmt.Errorf("%w: %s", ErrInterrupted, res)
	}
	if failed > 0 || s.Err != "" || s.Stopped || (skipped > 0 && s.Verb == "evacuate") {
		return res, errors.New(res)
	}
	return res, nil
}

// ErrInterrupted is the cancel cause of an operation cut off to be resumed
// later (quit and resume later, SIGHUP, SIGTERM).
var ErrInterrupted = errors.New("interrupted")

type stopKey struct{}

// WithStop returns a context whose stop function asks a running operation
// to stop after the steps in flight (no new ones start).
func WithStop(ctx context.Context) (context.Context, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return context.WithValue(ctx, stopKey{}, ch), func() { once.Do(func() { close(ch) }) }
}

// Stopping reports whether ctx's stop function was called.
func Stopping(ctx context.Context) bool {
	ch, _ := ctx.Value(stopKey{}).(chan struct{})
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// run is one host run's state, shared by its workers under mu; every change
// is emitted under mu so events arrive in order.
type run struct {
	mu    sync.Mutex
	verb  string
	host  string
	insts []*Instance
	err   string
	emit  func(Event)
}

func newRun(plan HostPlan, emit func(Event)) *run {
	if emit == nil {
		emit = func(Event) {}
	}
	r := &run{verb: plan.Verb, host: plan.Host, emit: emit}
	ss := append([]openstack.Server(nil), plan.Servers...)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Name < ss[j].Name })
	for _, s := range ss {
		r.insts = append(r.insts, &Instance{ID: s.ID, Name: s.Name, Status: s.Status, Task: s.TaskState,
			Host: s.Host, VolumeBacked: s.VolumeBacked, OrigStatus: strings.ToUpper(s.Status)})
	}
	return r
}

func (r *run) event(e Event) Event {
	e.Verb, e.Host, e.Total = r.verb, r.host, len(r.insts)
	for _, in := range r.insts {
		if in.State == OK || in.State == Failed || in.State == Skipped {
			e.Done++
		}
	}
	return e
}

func (r *run) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]Instance, len(r.insts))
	for i, in := range r.insts {
		all[i] = *in
	}
	r.emit(r.event(Event{Kind: EvStart, Instances: all}))
}

func (r *run) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(r.event(Event{Kind: EvNote, Note: s}))
}

// update changes in under mu and emits it when it changed.
func (r *run) update(in *Instance, f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	before := *in
	f()
	if *in != before {
		r.emit(r.event(Event{Kind: EvInstance, Inst: *in}))
	}
}

func (r *run) get(in *Instance) Instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *in
}

// stop records a run-level failure once and emits it.
func (r *run) stop(msg string) {
	if r.err != "" {
		return
	}
	r.err = msg
	r.emit(r.event(Event{Kind: EvStop, Err: msg}))
}

func (r *run) fail(msg string) {
	r.mu.Lock()
	r.stop(msg)
	r.mu.Unlock()
	r.skipRest("not attempted")
}

func (r *run) aborted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != ""
}

// skipRest marks every pending instance skipped with why.
func (r *run) skipRest(why string) {
	for _, in := range r.insts {
		r.update(in, func() {
			if in.State == Pending {
				in.State = Skipped
				if in.Err == "" {
					in.Err = why
				}
			}
		})
	}
}

// each runs f on every instance, n at a time, until ctx ends, a stop is
// requested or the run is aborted.
func (r *run) each(ctx context.Context, n int, f func(context.Context, *Instance)) {
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	halted := func() bool { return ctx.Err() != nil || r.aborted() || Stopping(ctx) }
	for _, in := range r.insts {
		if halted() {
			break
		}
		sem <- struct{}{}
		if halted() {
			<-sem
			break
		}
		wg.Add(1)
		go func(in *Instance) {
			defer wg.Done()
			defer func() { <-sem }()
			r.update(in, func() { in.State = Running })
			f(ctx, in)
		}(in)
	}
	wg.Wait()
	why := "not attempted"
	switch {
	case errors.Is(context.Cause(ctx), ErrInterrupted):
		why = "not attempted: interrupted"
	case ctx.Err() != nil:
		why = "not attempted: " + ctx.Err().Error()
	case Stopping(ctx):
		why = "not attempted: stopped"
	}
	r.skipRest(why)
}

func (r *run) summary(ctx context.Context) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Summary{Verb: r.verb, Host: r.host, Err: r.err,
		Interrupted: errors.Is(context.Cause(ctx), ErrInterrupted), Stopped: Stopping(ctx)}
	for _, in := range r.insts {
		s.Instances = append(s.Instances, *in)
	}
	r.emit(r.event(Event{Kind: EvEnd, Summary: &s}))
	return s
}

// Evacuate rebuilds every planned instance of a dead host elsewhere, n at a
// time, each verified on another host. Instances already elsewhere are only
// verified, those mid-rebuild only watched: never issued twice.
func Evacuate(ctx context.Context, nova Nova, svc Services, tune Tuning, plan HostPlan, emit func(Event)) Summary {
	plan.Verb = "evacuate"
	r := newRun(plan, emit)
	r.start()
	if plan.Disable {
		r.note("disabling nova-compute")
		if err := svc.DisableService(ctx, plan.Host, plan.Reason); err != nil {
			r.fail("disable failed: " + err.Error())
			return r.summary(ctx)
		}
	}
	if plan.ForceDown {
		r.note("forcing nova-compute down")
		if err := svc.ForceDown(ctx, plan.Host, true); err != nil {
			r.fail("force-down failed: " + err.Error())
			return r.summary(ctx)
		}
	}
	if plan.Disable || plan.ForceDown {
		r.note("")
	}
	r.each(ctx, tune.EvacuateN, func(ctx context.Context, in *Instance) {
		evacuateOne(ctx, nova, tune, plan.Host, in, r)
	})
	return r.summary(ctx)
}

// Drain moves every instance off a live host: ACTIVE ones live-migrated,
// SHUTOFF ones cold-migrated and confirmed, others left; each verified.
func Drain(ctx context.Context, nova Nova, svc Services, tune Tuning, plan HostPlan, emit func(Event)) Summary {
	plan.Verb = "drain"
	r := newRun(plan, emit)
	r.start()
	if plan.Disable {
		r.note("disabling nova-compute")
		if err := svc.DisableService(ctx, plan.Host, plan.Reason); err != nil {
			r.fail("disable failed: " + err.Error())
			return r.summary(ctx)
		}
		r.note("")
	}
	r.each(ctx, tune.DrainN, func(ctx context.Context, in *Instance) {
		drainOne(ctx, nova, tune, plan.Host, in, r)
	})
	return r.summary(ctx)
}

// HostLevelRefusal is Nova's 400 when the source compute service is not
// down: it fails every instance the same way.
func HostLevelRefusal(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "is still in use") || strings.Contains(m, "service is up") ||
		(strings.Contains(m, "compute service of") && strings.Contains(m, "in use"))
}

// IsRebuilding: an evacuation is under way.
func IsRebuilding(s openstack.Server) bool {
	return strings.EqualFold(s.Status, "REBUILD") || strings.HasPrefix(s.TaskState, "rebuild")
}

// elsewhere: the instance is already on another host (moved by an earlier
// run, or moving): only watch it.
func elsewhere(in Instance, src string) bool { return in.Host != "" && in.Host != src }

// watch polls a server until done(s) says it has settled.
func watch(ctx context.Context, nova Nova, tune Tuning, in *Instance, r *run,
	done func(s openstack.Server, polls int) (finished bool, err error)) error {
	deadline := time.Now().Add(tune.PerInstance)
	fails := 0
	for polls := 1; ; polls++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tune.Poll):
		}
		s, err := nova.Server(ctx, in.ID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fails++
			if fails >= 5 {
				return fmt.Errorf("lost track: %w", err)
			}
			continue
		}
		fails = 0
		r.update(in, func() { in.Status, in.Task, in.Host = s.Status, s.TaskState, s.Host })
		fin, err := done(s, polls)
		if err != nil {
			return err
		}
		if fin {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s in %s/%s on %s", tune.PerInstance, s.Status, orDash(s.TaskState), orDash(s.Host))
		}
	}
}

func settledElsewhere(s openstack.Server, src string, want ...string) bool {
	if s.TaskState != "" || s.Host == "" || s.Host == src {
		return false
	}
	for _, w := range want {
		if strings.EqualFold(s.Status, w) {
			return true
		}
	}
	return false
}

func faultErr(s openstack.Server) error {
	msg := "instance went to ERROR"
	if s.Fault != "" {
		msg += ": " + s.Fault
	}
	return errors.New(msg)
}

// finish records the instance's end: verified on in.Host, or err. A watch
// cut off by an interruption is not a failure: the instance is left for the
// resumed run.
func finish(ctx context.Context, r *run, in *Instance, err error) {
	r.update(in, func() {
		switch {
		case err != nil && errors.Is(context.Cause(ctx), ErrInterrupted):
			in.State, in.Err = Skipped, fmt.Sprintf("interrupted in %s/%s on %s", orDash(in.Status), orDash(in.Task), orDash(in.Host))
		case err != nil:
			in.State, in.Err = Failed, err.Error()
		default:
			in.State, in.Target = OK, in.Host
		}
	})
}

func asServer(in Instance) openstack.Server {
	return openstack.Server{ID: in.ID, Status: in.Status, TaskState: in.Task, Host: in.Host}
}

func evacuateOne(ctx context.Context, nova Nova, tune Tuning, src string, in *Instance, r *run) {
	want := []string{"ACTIVE"}
	switch in.OrigStatus {
	case "SHUTOFF", "STOPPED":
		want = []string{"SHUTOFF"}
	case "ERROR":
		want = []string{"ACTIVE", "SHUTOFF"}
	}
	cur := r.get(in)
	if elsewhere(cur, src) && settledElsewhere(asServer(cur), src, "ACTIVE", "SHUTOFF") {
		// Moved by an earlier run, and read back just now: verified.
		finish(ctx, r, in, nil)
		return
	}
	if !IsRebuilding(asServer(cur)) && !elsewhere(cur, src) {
		err := request(ctx, nova, tune, in.ID, "evacuate", func() error { return nova.Evacuate(ctx, in.ID, "") })
		if unknown(r, in, err) {
			return
		}
		if err != nil {
			r.update(in, func() {
				in.State, in.Err = Failed, err.Error()
				// Nova refusing because the source host is up fails every
				// instance the same way: stop instead of hammering it.
				if HostLevelRefusal(err) {
					r.stop("stopped: Nova refuses to evacuate from " + src + " (" + err.Error() + ")")
				}
			})
			return
		}
	}
	err := watch(ctx, nova, tune, in, r, func(s openstack.Server, polls int) (bool, error) {
		if settledElsewhere(s, src, want...) {
			return true, nil
		}
		if strings.EqualFold(s.Status, "ERROR") && s.TaskState == "" && polls > 1 {
			return false, faultErr(s)
		}
		return false, nil
	})
	finish(ctx, r, in, err)
}

func drainOne(ctx context.Context, nova Nova, tune Tuning, src string, in *Instance, r *run) {
	cur := r.get(in)
	migrating := strings.HasPrefix(cur.Task, "migrating") || strings.HasPrefix(cur.Task, "resize")
	status := cur.OrigStatus
	if elsewhere(cur, src) {
		if settledElsewhere(asServer(cur), src, "ACTIVE", "SHUTOFF") {
			finish(ctx, r, in, nil)
			return
		}
		migrating = true // moving already (an earlier run): watch it
	}
	switch {
	case status == "MIGRATING" || (status == "ACTIVE" && migrating):
		// Resumed run: a live migration is already under way; watch it.
		migrating = true
		fallthrough
	case status == "ACTIVE":
		if !migrating {
			err := request(ctx, nova, tune, in.ID, "live-migrate", func() error { return nova.LiveMigrate(ctx, in.ID, "") })
			if unknown(r, in, err) {
				return
			}
			if err != nil {
				finish(ctx, r, in, err)
				return
			}
		}
		sawTask := migrating
		err := watch(ctx, nova, tune, in, r, func(s openstack.Server, polls int) (bool, error) {
			if s.TaskState != "" || strings.EqualFold(s.Status, "MIGRATING") {
				sawTask = true
			}
			if settledElsewhere(s, src, "ACTIVE") {
				return true, nil
			}
			if strings.EqualFold(s.Status, "ERROR") {
				return false, faultErr(s)
			}
			if s.TaskState == "" && s.Host == src && strings.EqualFold(s.Status, "ACTIVE") && (sawTask || polls >= 3) {
				return false, errors.New("live migration rolled back: still on " + src + " (see its action history)")
			}
			return false, nil
		})
		finish(ctx, r, in, err)
	case status == "SHUTOFF" || status == "RESIZE" || status == "VERIFY_RESIZE":
		if !migrating && status == "SHUTOFF" {
			err := request(ctx, nova, tune, in.ID, "migrate", func() error { return nova.Migrate(ctx, in.ID) })
			if unknown(r, in, err) {
				return
			}
			if err != nil {
				finish(ctx, r, in, err)
				return
			}
		}
		confirmed := false
		err := watch(ctx, nova, tune, in, r, func(s openstack.Server, polls int) (bool, error) {
			switch {
			case strings.EqualFold(s.Status, "VERIFY_RESIZE"):
				if confirmed {
					return false, nil
				}
				confirmed = true
				if err := nova.ConfirmResize(ctx, in.ID); err != nil {
					return false, fmt.Errorf("confirm resize: %w", err)
				}
				return false, nil
			case strings.EqualFold(s.Status, "ERROR"):
				return false, faultErr(s)
			}
			return settledElsewhere(s, src, "SHUTOFF"), nil
		})
		finish(ctx, r, in, err)
	default:
		r.update(in, func() { in.State, in.Err = Skipped, "status "+orDash(in.OrigStatus)+": left on "+src })
	}
}

// errUnknown: a request's reply was lost and nothing could tell whether
// Nova took it.
type errUnknown struct{ why string }

func (e *errUnknown) Error() string { return e.why }

// request sends one move request (action is stackpit's name: "evacuate").
// A lost reply (httpclient.ErrReplyLost) is read back from the server's
// Nova action list, never sent again blindly: found, the move is watched
// like any other (nil); absent, it failed, with what was read; unreadable
// (or nova cannot read action lists), its outcome is unknown (*errUnknown).
func request(ctx context.Context, nova Nova, tune Tuning, id, action string, send func() error) error {
	rd, canRead := nova.(ServerActionReader)
	var chk *ServerActionCheck
	if canRead {
		// The history before the request: a later entry is ours.
		chk = &ServerActionCheck{Reader: rd, ServerID: id, Action: NovaActionName(action), Poll: tune.Poll, Within: tune.ReadBack}
		chk.Before(ctx)
	}
	err := send()
	if err == nil || !errors.Is(err, httpclient.ErrReplyLost) {
		return err
	}
	if chk == nil {
		return &errUnknown{why: fmt.Sprintf("outcome unknown: %s reply lost (%v); not sent again: resume re-plans it", action, err)}
	}
	done, ev, rerr := chk.ReadBack(ctx)
	switch {
	case rerr != nil:
		return &errUnknown{why: fmt.Sprintf("outcome unknown: %s reply lost, read-back failed (%v); not sent again: resume re-plans it", action, rerr)}
	case done:
		return nil
	}
	return fmt.Errorf("%s reply lost and not taken: %s", action, ev)
}

// unknown marks in as of unknown outcome when err is an *errUnknown.
func unknown(r *run, in *Instance, err error) bool {
	var u *errUnknown
	if !errors.As(err, &u) {
		return false
	}
	r.update(in, func() { in.State, in.Unknown, in.Err = Skipped, true, u.why })
	return true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
