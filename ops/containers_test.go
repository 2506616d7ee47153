package ops

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/openstack"
)

// fakeDocker is one host's containers; restart bumps pid and start time.
type fakeDocker struct {
	mu    sync.Mutex
	cs    map[string]docker.Container
	calls []string
	// lose: the call happens, but its reply is lost (returns this error).
	lose error
}

func (f *fakeDocker) Inspect(_ context.Context, h, n string) (docker.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cs[n], nil
}

func (f *fakeDocker) change(verb, n string, fn func(*docker.Container)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, verb+" "+n)
	c := f.cs[n]
	fn(&c)
	f.cs[n] = c
	return f.lose
}

func (f *fakeDocker) Restart(_ context.Context, h, n string) error {
	return f.change("restart", n, func(c *docker.Container) {
		c.State, c.Pid, c.StartedAt = "running", c.Pid+1, c.StartedAt.Add(time.Hour)
	})
}
func (f *fakeDocker) Stop(_ context.Context, h, n string) error {
	return f.change("stop", n, func(c *docker.Container) { c.State, c.Pid = "exited", 0 })
}
func (f *fakeDocker) Start(_ context.Context, h, n string) error {
	return f.change("start", n, func(c *docker.Container) { c.State, c.Pid = "running", 42 })
}

// fakeServiceList: nova-compute on compute01 comes up after upAfter reads.
type fakeServiceList struct {
	mu      sync.Mutex
	reads   int
	upAfter int
}

func (f *fakeServiceList) ComputeServices(context.Context) ([]openstack.ComputeService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	state := "down"
	if f.reads > f.upAfter {
		state = "up"
	}
	return []openstack.ComputeService{{Binary: "nova-compute", Host: "compute01", State: state}}, nil
}
func (f *fakeServiceList) NetworkAgents(context.Context) ([]openstack.NetworkAgent, error) {
	return nil, nil
}
func (f *fakeServiceList) VolumeServices(context.Context) ([]openstack.VolumeService, error) {
	return []openstack.VolumeService{{Binary: "cinder-volume", Host: "control10@rbd", State: "up"},
		{Binary: "cinder-volume", Host: "control1@rbd", State: "down"}}, nil
}

func newFakeDocker() *fakeDocker {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	return &fakeDocker{cs: map[string]docker.Container{
		"nova_compute": {Name: "nova_compute", State: "running", Pid: 100, StartedAt: t0},
		"rabbitmq":     {Name: "rabbitmq", State: "running", Pid: 7, StartedAt: t0},
	}}
}

func fastDeps(d ContainerRuntime, s ServiceReader) ContainerDeps {
	return ContainerDeps{Docker: d, Services: s, Poll: time.Millisecond, ServicePoll: time.Millisecond,
		PostCheckWithin: time.Second, ReadBackWithin: 50 * time.Millisecond}
}

func TestRestartContainerWaitsForTheServiceItRuns(t *testing.T) {
	d, svc := newFakeDocker(), &fakeServiceList{upAfter: 2}
	var steps []string
	res := RestartContainer(context.Background(), fastDeps(d, svc), "compute01", "nova_compute", func(s ContainerStep) { steps = append(steps, s.Line) })
	if res.Err != nil || res.Before.Pid != 100 || res.After.Pid != 101 || svc.reads != 3 {
		t.Fatalf("res %+v, %d service reads", res, svc.reads)
	}
	if !strings.Contains(res.Text, "pid 100 → 101") || !strings.Contains(res.PostCheck, "nova-compute on compute01 is up") {
		t.Fatalf("text %q", res.Text)
	}
	if len(steps) != 4 || steps[2] != "post-check" {
		t.Fatalf("steps %q", steps)
	}
	// A container that runs no listed service has no post-check.
	if res := RestartContainer(context.Background(), fastDeps(d, svc), "compute01", "rabbitmq", nil); res.Err != nil || res.PostCheck != "" {
		t.Fatalf("rabbitmq: %+v", res)
	}
}

func TestRestartPostCheckTimesOut(t *testing.T) {
	d, svc := newFakeDocker(), &fakeServiceList{upAfter: 1 << 30}
	deps := fastDeps(d, svc)
	deps.PostCheckWithin = 20 * time.Millisecond
	res := RestartContainer(context.Background(), deps, "compute01", "nova_compute", nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "post-check failed: nova-compute on compute01 did not report alive") {
		t.Fatalf("%+v", res)
	}
}

func TestStopAndStartContainer(t *testing.T) {
	d := newFakeDocker()
	if res := StopContainer(context.Background(), fastDeps(d, nil), "compute01", "nova_compute", nil); res.Err != nil || res.Text != "stopped" {
		t.Fatalf("stop %+v", res)
	}
	if res := StartContainer(context.Background(), fastDeps(d, nil), "compute01", "nova_compute", nil); res.Err != nil || res.Text != "started (pid 42)" {
		t.Fatalf("start %+v", res)
	}
}

// After a lost reply the container's own state tells what happened.
func TestContainerReadBack(t *testing.T) {
	lost := context.DeadlineExceeded
	d := newFakeDocker()
	d.lose = lost
	op := &ContainerOp{Deps: fastDeps(d, nil), Verb: ContainerRestart, Host: "compute01", Name: "nova_compute"}
	if res := op.Run(context.Background(), nil); res.Err != lost {
		t.Fatalf("run: %+v", res)
	}
	done, ev, err := op.ReadBack(context.Background())
	if !done || err != nil || !strings.Contains(ev, "pid 100 → 101") {
		t.Fatalf("restart read-back: %v %q %v", done, ev, err)
	}
	// A restart that never reached Docker: same start time, not done.
	d2 := newFakeDocker()
	op2 := &ContainerOp{Deps: fastDeps(d2, nil), Verb: ContainerRestart, Host: "compute01", Name: "nova_compute"}
	op2.Deps.Docker = lostBeforeSending{d2}
	op2.Run(context.Background(), nil)
	if done, ev, err := op2.ReadBack(context.Background()); done || err != nil || !strings.Contains(ev, "still running (pid 100") {
		t.Fatalf("not-done read-back: %v %q %v", done, ev, err)
	}
	op3 := &ContainerOp{Deps: fastDeps(d, nil), Verb: ContainerStop, Host: "compute01", Name: "rabbitmq"}
	op3.Run(context.Background(), nil)
	if done, ev, _ := op3.ReadBack(context.Background()); !done || ev != "rabbitmq is exited" {
		t.Fatalf("stop read-back: %v %q", done, ev)
	}
}

// lostBeforeSending fails every change without making it.
type lostBeforeSending struct{ *fakeDocker }

func (lostBeforeSending) Restart(context.Context, string, string) error {
	return context.DeadlineExceeded
}

func TestServiceAliveMatchesCinderHostExactly(t *testing.T) {
	svc := &fakeServiceList{}
	alive, known, err := ServiceAlive(context.Background(), svc, "control1", "cinder-volume")
	if err != nil || !known || alive {
		t.Fatalf("control1 cinder-volume: alive %v known %v %v (control10's row must not count)", alive, known, err)
	}
	if b, ok := KollaServiceBinary("neutron_l3_agent"); !ok || b != "neutron-l3-agent" || ContainerForBinary(b) != "neutron_l3_agent" {
		t.Fatalf("kolla table: %q %v", b, ok)
	}
}

// firstInspectFails fails the first inspect (the baseline's), then
// answers.
type firstInspectFails struct {
	*fakeDocker
	failed bool
}

func (f *firstInspectFails) Inspect(ctx context.Context, h, n string) (docker.Container, error) {
	if !f.failed {
		f.failed = true
		return docker.Container{}, errors.New("compute01: docker unreachable")
	}
	return f.fakeDocker.Inspect(ctx, h, n)
}

// A restart whose reply was lost and whose state before could not be
// read: the read-back cannot tell, so the outcome is unknown (an error),
// not done (the zero Container's start time made any running container
// count as restarted; review).
func TestContainerReadBackWithoutBaselineIsUnknown(t *testing.T) {
	d := newFakeDocker()
	d.lose = context.DeadlineExceeded
	op := &ContainerOp{Deps: fastDeps(d, nil), Verb: ContainerRestart, Host: "compute01", Name: "nova_compute"}
	op.Deps.Docker = &firstInspectFails{fakeDocker: d}
	if res := op.Run(context.Background(), nil); res.Err != context.DeadlineExceeded || res.Before.Inspected() {
		t.Fatalf("run: %+v", res)
	}
	done, ev, err := op.ReadBack(context.Background())
	if done || err == nil || !strings.Contains(err.Error(), "cannot tell") {
		t.Fatalf("read-back without a baseline: done %v %q %v, want an error", done, ev, err)
	}
}
