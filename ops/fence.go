package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Fencing: a host is fenced only when its BMC, read back after the power
// off, says its power is off. A power-off command that failed or whose
// answer was lost may still have worked, so the read-back runs anyway; a
// host whose state cannot be read stays "unknown", never "off".

// FenceStep is one step of a fence or power-on, as it happens.
type FenceStep struct {
	Time  time.Time
	Host  string
	Step  string    // "read", "power off", "power on", "read back"
	State bmc.State // what the BMC said (read steps)
	Line  string    // one line for the operator
	Err   error
}

// FenceResult is how a fence or power-on ended and what was verified.
type FenceResult struct {
	Host   string
	Action string    // "fence" or "power on"
	Want   bmc.State // Off for a fence, On for a power-on
	Before bmc.State // read before the command (Unknown if unreadable)
	// Sent: the BMC accepted the command. SendErr: why not (it may still
	// have acted when the answer was lost).
	Sent    bool
	SendErr error
	// State is the last read-back; Verified says it equals Want.
	State    bmc.State
	Verified bool
	Reads    int
	Took     time.Duration
	Text     string // one line for the operator and the audit record
	Err      error  // nil only when Verified
}

// FenceOptions bound the read-back.
type FenceOptions struct {
	Timeout time.Duration // how long to wait for the read-back (default 60s)
	Poll    time.Duration // between reads (default 2s)
}

func (o FenceOptions) timeout() time.Duration { return ctrDuration(o.Timeout, 60*time.Second) }
func (o FenceOptions) poll() time.Duration    { return ctrDuration(o.Poll, 2*time.Second) }
func (o FenceOptions) beforeWithin() time.Duration {
	return min(o.timeout(), 10*time.Second)
}

// Fence powers a host off and reads its power back until it is off.
func Fence(ctx context.Context, b bmc.BMC, host string, emit func(FenceStep)) FenceResult {
	return FenceOptions{}.Fence(ctx, b, host, emit)
}

// PowerOn powers a host on and reads its power back until it is on.
func PowerOn(ctx context.Context, b bmc.BMC, host string, emit func(FenceStep)) FenceResult {
	return FenceOptions{}.PowerOn(ctx, b, host, emit)
}

// Fence is Fence with these bounds.
func (o FenceOptions) Fence(ctx context.Context, b bmc.BMC, host string, emit func(FenceStep)) FenceResult {
	return o.run(ctx, b, host, "fence", "power off", bmc.Off, b.PowerOff, emit)
}

// PowerOn is PowerOn with these bounds.
func (o FenceOptions) PowerOn(ctx context.Context, b bmc.BMC, host string, emit func(FenceStep)) FenceResult {
	return o.run(ctx, b, host, "power on", "power on", bmc.On, b.PowerOn, emit)
}

func (o FenceOptions) run(ctx context.Context, b bmc.BMC, host, action, command string, want bmc.State,
	send func(context.Context, string) error, emit func(FenceStep)) (res FenceResult) {
	if emit == nil {
		emit = func(FenceStep) {}
	}
	start := time.Now()
	step := func(s FenceStep) {
		s.Time, s.Host = time.Now(), host
		emit(s)
	}
	res = FenceResult{Host: host, Action: action, Want: want}
	defer func() { res.Took = time.Since(start) }()

	// The state before: for the record ("was already off"), not a gate,
	// so a dead BMC must not hold the power command up for long.
	rctx, cancel := context.WithTimeout(ctx, o.beforeWithin())
	before, err := b.PowerState(rctx, host)
	cancel()
	res.Before = before
	step(FenceStep{Step: "read", State: before, Err: err, Line: readLine(host, before, err)})

	err = send(ctx, host)
	if err != nil {
		res.SendErr = err
		step(FenceStep{Step: command, Err: err, Line: fmt.Sprintf("%s %s: %v", command, host, err)})
		if errors.Is(err, httpclient.ErrReadOnly) || errors.Is(err, bmc.ErrNoBMC) || ctx.Err() != nil {
			res.Err = err
			res.Text = fmt.Sprintf("%s %s: not sent: %v", action, host, err)
			return res // certainly not sent: nothing to read back
		}
	} else {
		res.Sent = true
		step(FenceStep{Step: command, Line: fmt.Sprintf("%s %s: sent", command, host)})
	}

	deadline := time.Now().Add(o.timeout())
	var lastErr error
	for {
		s, err := b.PowerState(ctx, host)
		res.Reads++
		res.State, lastErr = s, err
		if err != nil {
			res.State = bmc.Unknown
		}
		step(FenceStep{Step: "read back", State: s, Err: err, Line: readLine(host, s, err)})
		if err == nil && s == want {
			res.Verified = true
			res.Text = fmt.Sprintf("%s %s: verified %s (BMC read back after %s)", action, host, want,
				time.Since(start).Round(100*time.Millisecond))
			if res.SendErr != nil {
				res.Text += fmt.Sprintf("; the %s command reported: %v", command, res.SendErr)
			}
			return res
		}
		if time.Now().Add(o.poll()).After(deadline) || ctx.Err() != nil {
			break
		}
		if ctrSleep(ctx, o.poll()) != nil {
			break
		}
	}
	// Not verified: say what is known, never "off" from a guess.
	if lastErr != nil {
		res.State = bmc.Unknown
	}
	why := fmt.Sprintf("power still reads %s after %s", res.State, o.timeout())
	if lastErr != nil {
		why = fmt.Sprintf("power unknown: %v", lastErr)
	}
	if res.SendErr != nil {
		why = fmt.Sprintf("%s failed (%v); %s", command, res.SendErr, why)
	}
	res.Err = fmt.Errorf("%s %s not verified: %s", action, host, why)
	res.Text = res.Err.Error()
	return res
}

func readLine(host string, s bmc.State, err error) string {
	if err != nil {
		return fmt.Sprintf("power of %s unknown: %v", host, err)
	}
	return fmt.Sprintf("power of %s: %s", host, s)
}
