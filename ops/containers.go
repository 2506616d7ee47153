package ops

// Kolla container restart/stop/start: the Docker call, the wait for the
// container's new state, the post-check that the OpenStack service it runs
// reports alive again, and the read-back of a lost reply.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
)

// ContainerRuntime is what container operations need from the Docker hosts.
type ContainerRuntime interface {
	Inspect(ctx context.Context, host, name string) (docker.Container, error)
	Restart(ctx context.Context, host, name string) error
	Stop(ctx context.Context, host, name string) error
	Start(ctx context.Context, host, name string) error
}

// ContainerDeps are a container operation's dependencies and tuning.
type ContainerDeps struct {
	Docker ContainerRuntime
	// Services, when set, is read by the restart post-check (the service
	// the container runs reports alive again). Nil: no post-check.
	Services ServiceReader
	// Poll is how often the container's state is read (default 500ms);
	// ServicePoll how often the service list is (default 2s).
	Poll, ServicePoll time.Duration
	// PostCheckWithin bounds the post-check (default 1 min); ReadBackWithin
	// how long a read-back waits for a lost request to show (default 30s).
	PostCheckWithin, ReadBackWithin time.Duration
}

func (d ContainerDeps) poll() time.Duration        { return ctrDuration(d.Poll, 500*time.Millisecond) }
func (d ContainerDeps) servicePoll() time.Duration { return ctrDuration(d.ServicePoll, 2*time.Second) }
func (d ContainerDeps) postCheckIn() time.Duration {
	return ctrDuration(d.PostCheckWithin, time.Minute)
}
func (d ContainerDeps) readBackWithin() time.Duration {
	return ctrDuration(d.ReadBackWithin, 30*time.Second)
}

func ctrDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ContainerStep is a running container operation's progress.
type ContainerStep struct {
	Done, Total int
	Line        string
}

// ContainerResult is how a container operation ended.
type ContainerResult struct {
	Before, After docker.Container
	PostCheck     string // "nova-compute on compute04 is up (6s)"; "" when none
	Text          string // one line for the operator and the audit record
	Err           error  // wraps httpclient.ErrReplyLost when the outcome is unknown
}

// Container verbs.
const (
	ContainerRestart = "restart"
	ContainerStop    = "stop"
	ContainerStart   = "start"
)

// ContainerOp is one restart, stop or start of one container. Run does it;
// after a lost reply ReadBack says from the container's state whether it
// happened. Run and ReadBack may run on different goroutines.
type ContainerOp struct {
	Deps             ContainerDeps
	Verb, Host, Name string

	mu     sync.Mutex
	before docker.Container
	sent   time.Time
}

// RestartContainer restarts a container, waits for it to run and for the
// OpenStack service it runs to report alive again.
func RestartContainer(ctx context.Context, deps ContainerDeps, host, name string, emit func(ContainerStep)) ContainerResult {
	return (&ContainerOp{Deps: deps, Verb: ContainerRestart, Host: host, Name: name}).Run(ctx, emit)
}

// StopContainer stops a container.
func StopContainer(ctx context.Context, deps ContainerDeps, host, name string, emit func(ContainerStep)) ContainerResult {
	return (&ContainerOp{Deps: deps, Verb: ContainerStop, Host: host, Name: name}).Run(ctx, emit)
}

// StartContainer starts a container and waits for it to run.
func StartContainer(ctx context.Context, deps ContainerDeps, host, name string, emit func(ContainerStep)) ContainerResult {
	return (&ContainerOp{Deps: deps, Verb: ContainerStart, Host: host, Name: name}).Run(ctx, emit)
}

// Run does the operation.
func (o *ContainerOp) Run(ctx context.Context, emit func(ContainerStep)) ContainerResult {
	if emit == nil {
		emit = func(ContainerStep) {}
	}
	d, h, n := o.Deps, o.Host, o.Name
	// The state before is the read-back's baseline (a restart shows as a
	// new start time); a failed inspect does not stop the operation, but
	// marks the baseline not known (the zero Container's start time made
	// any running container count as restarted).
	before, err := d.Docker.Inspect(ctx, h, n)
	if err != nil {
		before = docker.Container{Host: h, Name: n, RestartCount: -1}
	}
	o.mu.Lock()
	o.before, o.sent = before, time.Now()
	o.mu.Unlock()
	res := ContainerResult{Before: before}
	switch o.Verb {
	case ContainerRestart:
		emit(ContainerStep{Done: 0, Total: 3, Line: "restarting"})
		if res.Err = d.Docker.Restart(ctx, h, n); res.Err != nil {
			return res
		}
		emit(ContainerStep{Done: 1, Total: 3, Line: "waiting for running state"})
		if res.After, res.Err = waitContainerRunning(ctx, d, h, n); res.Err != nil {
			return res
		}
		res.Text = fmt.Sprintf("restarted (pid %s → %d), %s", pidOf(before), res.After.Pid, ctrDash(res.After.State))
		emit(ContainerStep{Done: 2, Total: 3, Line: "post-check"})
		chk, err := ContainerPostCheck(ctx, d, h, n)
		if err != nil {
			res.Err = fmt.Errorf("%s, but post-check failed: %w", res.Text, err)
			return res
		}
		if res.PostCheck = chk; chk != "" {
			res.Text += "; " + chk
		}
		emit(ContainerStep{Done: 3, Total: 3, Line: res.Text})
	case ContainerStop:
		if res.Err = d.Docker.Stop(ctx, h, n); res.Err != nil {
			return res
		}
		res.Text = "stopped"
	case ContainerStart:
		if res.Err = d.Docker.Start(ctx, h, n); res.Err != nil {
			return res
		}
		if res.After, res.Err = waitContainerRunning(ctx, d, h, n); res.Err != nil {
			return res
		}
		res.Text = fmt.Sprintf("started (pid %d)", res.After.Pid)
	default:
		res.Err = fmt.Errorf("unknown container operation %q", o.Verb)
	}
	return res
}

func waitContainerRunning(ctx context.Context, d ContainerDeps, host, name string) (docker.Container, error) {
	for {
		c, err := d.Docker.Inspect(ctx, host, name)
		if err != nil {
			return c, err
		}
		if c.State == "running" {
			return c, nil
		}
		if c.State == "exited" || c.State == "dead" {
			return c, fmt.Errorf("%s exited with code %d after restart", name, c.ExitCode)
		}
		if err := ctrSleep(ctx, d.poll()); err != nil {
			return c, err
		}
	}
}

// ContainerPostCheck waits (up to PostCheckWithin) until the OpenStack
// service the container runs reports alive on that host again. "" when
// there is nothing to check (no such service, no service list).
func ContainerPostCheck(ctx context.Context, d ContainerDeps, host, name string) (string, error) {
	bin, ok := KollaServiceBinary(name)
	if !ok || d.Services == nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, d.postCheckIn())
	defer cancel()
	start := time.Now()
	for {
		alive, known, err := ServiceAlive(ctx, d.Services, host, bin)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return "", err
		}
		if !known {
			return "", nil
		}
		if alive {
			return fmt.Sprintf("%s on %s is up (%s)", bin, host, time.Since(start).Round(time.Second)), nil
		}
		if ctrSleep(ctx, d.servicePoll()) != nil {
			break
		}
	}
	return "", errors.New(bin + " on " + host + " did not report alive within " + d.postCheckIn().String())
}

// ReadBack tells from the container's state whether the operation whose
// reply was lost happened: a restart shows as a later start time, a stop
// as a stopped container, a start as a running one. It waits up to
// ReadBackWithin for the change to show (Docker answers a restart only
// after the stop timeout). err: the state could not be read.
func (o *ContainerOp) ReadBack(ctx context.Context) (done bool, evidence string, err error) {
	o.mu.Lock()
	before := o.before
	o.mu.Unlock()
	d := o.Deps
	ctx, cancel := context.WithTimeout(ctx, d.readBackWithin())
	defer cancel()
	var c docker.Container
	for read := false; ; read = true {
		cur, err := d.Docker.Inspect(ctx, o.Host, o.Name)
		if err != nil {
			if read && ctx.Err() != nil {
				break // out of time: judge by the last state read
			}
			return false, "", err
		}
		c = cur
		switch o.Verb {
		case ContainerRestart:
			if !before.Inspected() {
				return false, "", fmt.Errorf("no state of %s from before the restart to compare with (its inspect failed): cannot tell whether it restarted (now %s, started %s)",
					o.Name, ctrDash(c.State), c.StartedAt.Format(time.TimeOnly))
			}
			if c.State == "running" && (c.StartedAt.After(before.StartedAt) || (before.Pid != 0 && c.Pid != before.Pid)) {
				return true, fmt.Sprintf("%s started %s (pid %d → %d)", o.Name, c.StartedAt.Format(time.TimeOnly), before.Pid, c.Pid), nil
			}
		case ContainerStop:
			if c.State == "exited" || c.State == "dead" || c.State == "created" {
				return true, fmt.Sprintf("%s is %s", o.Name, c.State), nil
			}
		case ContainerStart:
			if c.State == "running" {
				return true, fmt.Sprintf("%s is running (pid %d)", o.Name, c.Pid), nil
			}
		}
		if ctrSleep(ctx, d.poll()) != nil {
			break
		}
	}
	return false, fmt.Sprintf("%s is still %s (pid %d, started %s)", o.Name, ctrDash(c.State), c.Pid, c.StartedAt.Format(time.TimeOnly)), nil
}

// pidOf is c's pid, "?" when no inspect told it.
func pidOf(c docker.Container) string {
	if !c.Inspected() {
		return "?"
	}
	return strconv.Itoa(c.Pid)
}

func ctrSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func ctrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
