package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

// fakeBMC: power changes lag reads (lag reads after the command), the
// command can fail (sendErr, acted says whether it acted anyway), reads can
// fail.
type fakeBMC struct {
	mu       sync.Mutex
	power    bmc.State
	pending  bmc.State
	lag      int
	sendErr  error
	acted    bool
	readErr  error
	stuck    bool // the command is accepted, the power never changes
	commands []string
}

func (f *fakeBMC) PowerState(context.Context, string) (bmc.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return bmc.Unknown, f.readErr
	}
	if f.pending != bmc.Unknown {
		if f.lag == 0 {
			f.power, f.pending = f.pending, bmc.Unknown
		} else {
			f.lag--
		}
	}
	return f.power, nil
}

func (f *fakeBMC) set(cmd string, s bmc.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, cmd)
	if f.sendErr != nil && !f.acted {
		return f.sendErr
	}
	if !f.stuck {
		f.pending = s
	}
	return f.sendErr
}

func (f *fakeBMC) PowerOff(context.Context, string) error { return f.set("off", bmc.Off) }
func (f *fakeBMC) PowerOn(context.Context, string) error  { return f.set("on", bmc.On) }

var fastFence = FenceOptions{Timeout: 300 * time.Millisecond, Poll: 10 * time.Millisecond}

func collect() (*[]FenceStep, func(FenceStep)) {
	var steps []FenceStep
	return &steps, func(s FenceStep) { steps = append(steps, s) }
}

func stepNames(steps []FenceStep) string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Step+"="+s.State.String())
	}
	return strings.Join(out, ",")
}

func TestFenceVerifiedOnlyWhenReadBackSaysOff(t *testing.T) {
	f := &fakeBMC{power: bmc.On, lag: 2}
	steps, emit := collect()
	res := fastFence.Fence(context.Background(), f, "compute04", emit)
	if !res.Verified || res.Err != nil || res.State != bmc.Off || res.Before != bmc.On || !res.Sent || res.Reads != 3 {
		t.Fatalf("%+v", res)
	}
	if got := stepNames(*steps); got != "read=on,power off=unknown,read back=on,read back=on,read back=off" {
		t.Errorf("steps %s", got)
	}
	if !strings.HasPrefix(res.Text, "fence compute04: verified off (BMC read back after") {
		t.Errorf("text %q", res.Text)
	}
	for _, s := range *steps {
		if s.Host != "compute04" || s.Time.IsZero() {
			t.Errorf("step %+v", s)
		}
	}
}

func TestFenceTimesOutWhenPowerStaysOn(t *testing.T) {
	f := &fakeBMC{power: bmc.On, stuck: true}
	res := fastFence.Fence(context.Background(), f, "compute04", nil)
	if res.Verified || res.State != bmc.On || res.Err == nil ||
		res.Err.Error() != "fence compute04 not verified: power still reads on after 300ms" {
		t.Fatalf("%+v", res)
	}
	if res.Reads < 3 || res.Took < 200*time.Millisecond {
		t.Errorf("gave up after %d reads, %s", res.Reads, res.Took)
	}
}

func TestFenceUnreadableIsUnknownNotOff(t *testing.T) {
	f := &fakeBMC{power: bmc.On}
	f.readErr = errors.New("bmc compute04-ipmi.mgmt:623 unreachable: no answer")
	res := fastFence.Fence(context.Background(), f, "compute04", nil)
	if res.Verified || res.State != bmc.Unknown || !res.Sent ||
		!strings.Contains(res.Text, "not verified: power unknown: bmc compute04-ipmi.mgmt:623 unreachable") {
		t.Fatalf("%+v", res)
	}
}

// The answer to power off was lost but the host did go off: the read-back
// verifies it, and the result still says what the command reported.
func TestFenceLostAnswerStillReadBack(t *testing.T) {
	f := &fakeBMC{power: bmc.On, sendErr: fmt.Errorf("power off: %w", httpclient.ErrReplyLost), acted: true}
	res := fastFence.Fence(context.Background(), f, "compute04", nil)
	if !res.Verified || res.Sent || res.SendErr == nil || res.State != bmc.Off ||
		!strings.Contains(res.Text, "verified off") || !strings.Contains(res.Text, "the power off command reported") {
		t.Fatalf("%+v", res)
	}
	// ... and when it did not act, the failure says both things
	g := &fakeBMC{power: bmc.On, sendErr: errors.New("bmc x: chassis power off failed: busy")}
	res = fastFence.Fence(context.Background(), g, "compute04", nil)
	if res.Verified || res.Err == nil || res.Err.Error() != "fence compute04 not verified: power off failed (bmc x: chassis power off failed: busy); power still reads on after 300ms" {
		t.Fatalf("%+v", res)
	}
}

func TestFenceReadOnlyReadsNothingBack(t *testing.T) {
	f := &fakeBMC{power: bmc.On, sendErr: fmt.Errorf("%w: ipmitool chassis power off", httpclient.ErrReadOnly)}
	res := fastFence.Fence(context.Background(), f, "compute04", nil)
	if res.Verified || !errors.Is(res.Err, httpclient.ErrReadOnly) || res.Reads != 0 || !strings.Contains(res.Text, "not sent") {
		t.Fatalf("%+v", res)
	}
}

func TestPowerOnVerified(t *testing.T) {
	f := &fakeBMC{power: bmc.Off, lag: 1}
	res := fastFence.PowerOn(context.Background(), f, "compute04", nil)
	if !res.Verified || res.State != bmc.On || res.Action != "power on" || strings.Join(f.commands, ",") != "on" {
		t.Fatalf("%+v %v", res, f.commands)
	}
}

func TestFenceStopsOnCancel(t *testing.T) {
	f := &fakeBMC{power: bmc.On, stuck: true}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	res := FenceOptions{Timeout: time.Minute, Poll: 10 * time.Millisecond}.Fence(ctx, f, "compute04", nil)
	if res.Verified || res.Took > 5*time.Second {
		t.Fatalf("%+v", res)
	}
}

// slowReadBMC hangs on reads until the context ends.
type slowReadBMC struct{ fakeBMC }

func (s *slowReadBMC) PowerState(ctx context.Context, h string) (bmc.State, error) {
	s.mu.Lock()
	first := len(s.commands) == 0
	s.mu.Unlock()
	if first {
		<-ctx.Done()
		return bmc.Unknown, ctx.Err()
	}
	return s.fakeBMC.PowerState(ctx, h)
}

// A BMC that does not answer the first read does not hold the power-off up
// beyond the bound.
func TestFenceBeforeReadIsBounded(t *testing.T) {
	f := &slowReadBMC{fakeBMC{power: bmc.On}}
	res := FenceOptions{Timeout: 200 * time.Millisecond, Poll: 10 * time.Millisecond}.Fence(context.Background(), f, "compute04", nil)
	if !res.Verified || res.Before != bmc.Unknown || res.Took > 2*time.Second {
		t.Fatalf("%+v", res)
	}
}
