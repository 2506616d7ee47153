package compute

// Host power through the BMC (issue 19): the POWER column and detail line
// (read in their own command per refresh, a few hosts at a time, never
// holding the service list up), the fence action (power off, read back
// until off) and guided recovery (ops.Recover).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// Power is the cloud's BMC client; *bmc.Client implements it.
type Power interface {
	bmc.BMC
	Resolve(host string) (bmc.Address, error)
}

// SetPower enables the POWER column, fencing (O) and guided recovery (R).
// Without it the pane has no POWER column: a cloud without BMCs keeps its
// width.
func (p *Pane) SetPower(pw Power) {
	p.power = pw
	cols := append(append(append([]table.Column(nil), columns[:5]...), powerColumn), columns[5:]...)
	p.tbl = table.New(cols...)
}

var powerColumn = table.Column{Title: "POWER", Width: 12, HideBelow: 70}

// powerReads bound the BMC reads of one refresh.
const (
	powerParallel = 4
	powerTimeout  = 10 * time.Second
	// powerSteady: a host that is up, enabled and powered on is read
	// again only this often (issue 15: work follows what changed, not
	// the cloud's size; BMCs are slow and fragile). A host that is down,
	// disabled, off, unreadable or selected is read every refresh.
	powerSteady = time.Minute
)

// powerInfo is one host's last power read.
type powerInfo struct {
	addr  string // "redfish https://…", "ipmi 10.0.0.1:623"
	noBMC bool
	state bmc.State
	err   error
	at    time.Time
}

type powerMsg struct{ power map[string]powerInfo }

// LoadKey lets the shell drop an older power read that lands after a newer one.
func (powerMsg) LoadKey() string { return "power" }

// loadPower reads every listed host's power, powerParallel at a time.
// Hosts without a BMC are answered from config, without I/O.
func (p *Pane) loadPower() tea.Cmd {
	if p.power == nil || p.pwLoad || len(p.hostList()) == 0 {
		return nil
	}
	pw, now := p.power, p.ctx.Now
	names, steady := p.powerDue(now())
	if len(names) == 0 {
		return nil
	}
	p.pwLoad = true
	return func() tea.Msg {
		out := make(map[string]powerInfo, len(names))
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, powerParallel)
		for _, n := range names {
			a, err := pw.Resolve(n)
			if err != nil {
				mu.Lock() // reads started for earlier hosts write out too
				out[n] = powerInfo{noBMC: errors.Is(err, bmc.ErrNoBMC), err: err, at: now()}
				mu.Unlock()
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(n string, a bmc.Address) {
				defer wg.Done()
				defer func() { <-sem }()
				ctx := context.Background()
				if steady[n] {
					// Under `stackpit serve`, a steady host's read is
					// every session's for powerSteady (each session read
					// each BMC once a minute: 14 reads where 2 do).
					ctx = cadence.With(ctx, powerSteady)
				}
				ctx, cancel := context.WithTimeout(ctx, powerTimeout)
				defer cancel()
				ctx, age := cadence.WithAge(ctx)
				s, err := pw.PowerState(ctx, n)
				at := age.At(now())
				mu.Lock()
				out[n] = powerInfo{addr: a.Protocol + " " + a.Addr, state: s, err: err, at: at}
				mu.Unlock()
			}(n, a)
		}
		wg.Wait()
		return powerMsg{out}
	}
}

// powerDue names the hosts whose power is read this refresh: never read,
// in a state an operator is watching (down, disabled, forced down, off or
// unknown), selected, or last read powerSteady ago (steady: nothing about
// it is being watched, so an answer up to powerSteady old will do).
func (p *Pane) powerDue(now time.Time) (names []string, steady map[string]bool) {
	sel := ""
	// The cursor's key only (it outlives a rebuild): no fresh(), so a
	// hidden pane's rows stay deferred; the hosts are hostList's.
	if r, ok := p.tbl.Selected(); ok {
		sel = r.Key
	}
	steady = map[string]bool{}
	hs := p.hostList()
	for i := range hs {
		h := &hs[i]
		pi, read := p.powers[h.name]
		watched := h.down || h.name == sel || (h.svc != nil && (h.svc.ForcedDown || h.svc.Status == "disabled"))
		switch {
		case !read, watched, pi.noBMC && now.Sub(pi.at) >= powerSteady:
		case pi.noBMC:
			continue
		case pi.err != nil, pi.state != bmc.On:
		case now.Sub(pi.at) >= powerSteady:
			steady[h.name] = true
		default:
			continue
		}
		names = append(names, h.name)
	}
	return names, steady
}

func (p *Pane) onPower(m powerMsg) {
	p.pwLoad = false
	if p.powers == nil {
		p.powers = map[string]powerInfo{}
	}
	for n, pi := range m.power {
		if prev, ok := p.powers[n]; ok && pi.err != nil && !pi.noBMC && prev.err == nil {
			// A failed read does not make the last good one vanish: keep
			// the state, say it is unknown now.
			pi.addr = prev.addr
		}
		p.powers[n] = pi
	}
	p.rebuildSoon() // the power column: rows only
}

// powerCell: on / off / unknown and the read's age; "-" without a BMC.
// The age reads as one constant "<N" while the host is read on its
// cadence (every refresh, or powerSteady for a host that is up and on):
// an idle screen writes nothing; a read that stopped shows its real age.
func powerCell(pi *powerInfo, configured bool, now time.Time, refresh time.Duration, down bool) table.Cell {
	switch {
	case !configured || (pi != nil && pi.noBMC):
		return table.Cell{Text: "-", Role: themes.Muted, Sort: "0"}
	case pi == nil:
		return table.Cell{Text: "…", Role: themes.Muted, Sort: "0"}
	}
	every := refresh
	if pi.err == nil && pi.state == bmc.On && !down {
		every = powerSteady
	}
	age := " " + pane.FreshAge(now.Sub(pi.at), every)
	if pi.err != nil {
		return table.Cell{Text: "unknown" + age, Role: themes.Warn, Sort: "2"}
	}
	switch pi.state {
	case bmc.On:
		return table.Cell{Text: "on" + age, Role: themes.OK, Sort: "1"}
	case bmc.Off:
		return table.Cell{Text: "off" + age, Role: themes.Crit, Sort: "3"}
	}
	return table.Cell{Text: "unknown" + age, Role: themes.Warn, Sort: "2"}
}

// powerDetail is the BMC part of the detail line.
func powerDetail(pi *powerInfo, now time.Time) string {
	switch {
	case pi == nil:
		return "BMC: reading…"
	case pi.noBMC:
		return "no BMC configured"
	case pi.err != nil && pi.addr == "":
		return "BMC: " + pi.err.Error()
	case pi.err != nil:
		return fmt.Sprintf("BMC %s: power unknown (%v) %s ago", pi.addr, pi.err, pane.DataAge(now.Sub(pi.at)))
	}
	return fmt.Sprintf("BMC %s: power %s %s ago", pi.addr, pi.state, pane.DataAge(now.Sub(pi.at)))
}

// fenceAction powers h off through its BMC and reads it back until off.
func (p *Pane) fenceAction(h *host) tea.Cmd {
	if p.power == nil {
		return pane.Toast(themes.Warn, "no BMC configured for this cloud (bmc: in the config)")
	}
	pw, name := p.power, h.name
	checks := serviceChecks(name, stateOf(h), adminOf(h), h.svc != nil && h.svc.ForcedDown)
	checks = append(checks, powerDetail(p.powerOf(name), p.ctx.Now()),
		"powers "+name+" OFF through its BMC (hard power off), then reads",
		"  the power back until it says off: only then is it fenced",
		"every instance on it stops now")
	if !h.down {
		checks = append(checks, "⚠ nova-compute is UP: its instances are running")
	}
	a := pane.Action{Name: "fence-host", Target: name, Mutates: true, Confirm: name, Checks: checks,
		Details: map[string]string{"host": name}}
	if pi := p.powerOf(name); pi != nil && pi.addr != "" {
		a.Details["bmc"] = pi.addr
	}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		res := ops.Fence(ctx, pw, name, func(s ops.FenceStep) {
			if report != nil {
				report(pane.Progress{Line: s.Line})
			}
		})
		if !res.Verified {
			return res.Text, res.Err
		}
		return res.Text, nil
	}
	return pane.RunAction(a)
}

func (p *Pane) powerOf(name string) *powerInfo {
	if pi, ok := p.powers[name]; ok {
		return &pi
	}
	return nil
}

// recoverCmd loads the host's instances, then asks to confirm the guided
// recovery.
func (p *Pane) recoverCmd(h *host) tea.Cmd {
	switch {
	case p.power == nil:
		return pane.Toast(themes.Warn, "guided recovery needs a BMC (bmc: in the config)")
	case p.ops == nil:
		return pane.Toast(themes.Warn, "recovery is not available for this cloud")
	case !h.down:
		return pane.Toast(themes.Warn, safe.Text(h.name)+" is not down: guided recovery is for a failed host")
	}
	hops, name := p.ops, h.name
	return tea.Batch(pane.Toast(themes.Info, "checking "+safe.Text(name)+" before recovery…"), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 2*loadTimeout)
		defer cancel()
		ss, err := hops.ServersOnHost(ctx, name)
		return planMsg{verb: ops.VerbRecover, host: name, servers: ss, err: err}
	})
}

// Recovery defaults: how long to wait for nova-compute after the power-on.
var recoveryBootWait = 10 * time.Minute

// recoverAction confirms a guided recovery; resume: an interrupted one,
// re-planned (its instances read back from Nova) and resumed at its
// journaled phase.
func (p *Pane) recoverAction(h *host, ss []openstack.Server, resume *ops.Entry) pane.Action {
	name, tune, pw, hops, src, store := h.name, p.tune, p.power, p.ops, p.src, p.journal
	checks := serviceChecks(name, stateOf(h), adminOf(h), h.svc != nil && h.svc.ForcedDown)
	checks = append(checks, powerDetail(p.powerOf(name), p.ctx.Now()),
		"1 disable nova-compute  2 fence (power off, read back)  3 force down",
		fmt.Sprintf("4 power on, wait up to %s for nova-compute's heartbeat", recoveryBootWait),
		"5 back: force up and enable · dead: fence again, evacuate and verify",
		fmt.Sprintf("%d instances: %s (evacuated only if it stays dead)", len(ss), countStatus(ss)),
		"q then s stops it after the step in flight")
	a := pane.Action{Name: "recover-host", Target: name, Mutates: true, Confirm: name, Checks: checks, Long: true,
		Reason:  "guided recovery (stackpit)",
		Details: map[string]string{"host": name, "instances": fmt.Sprint(len(ss))}}
	if pi := p.powerOf(name); pi != nil && pi.addr != "" {
		a.Details["bmc"] = pi.addr
	}
	plan := ops.RecoveryPlan{Host: name, Reason: "recovering (stackpit)", Servers: ss, BootWait: recoveryBootWait}
	if p.recoveryTune != nil {
		p.recoveryTune(&plan)
	}
	resumeID := ""
	if resume != nil {
		plan.From = ops.RecoveryResumeFrom(*resume)
		resumeID, a.Resume, a.Details["resume"] = resume.ID, resume.ID, resume.ID
		a.Checks = append(append(resumeChecks(resume, ss), "  "+recoveryResumeLine(plan.From)), a.Checks...)
	}
	meta := ops.Meta{Op: a.Name, Pane: "compute", Target: name, Details: a.Details}
	svc, ok := src.(ops.RecoveryServices)
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		if !ok {
			return "", errors.New("recovery needs Nova's service list")
		}
		emit := func(e ops.Event) {
			if report != nil {
				report(pane.Progress{Done: e.Done, Total: e.Total, Line: progressLine(e), Event: e})
			}
		}
		sum, err := store.Run(ctx, meta, resumeID, emit, func(ctx context.Context, emit func(ops.Event)) ops.Summary {
			return ops.Recover(ctx, hops, svc, pw, tune, plan, emit)
		})
		if err != nil {
			return "", err
		}
		return sum.Result()
	}
	return a
}

// recoveryResumeLine says where a resumed recovery starts.
func recoveryResumeLine(from string) string {
	switch from {
	case ops.RecoveryDead:
		return "resumes at: disable, fence (read back off), force down, evacuate: the host was found dead, it is not powered on again"
	case ops.RecoveryBack:
		return "resumes at: force up and enable: nova-compute was back"
	}
	return "resumes from the start: the interruption came before the power-on decided; each step is re-done from the cloud's state"
}

// readPower reads one host's power for a pre-check.
func readPower(ctx context.Context, pw Power, name string) *powerInfo {
	a, err := pw.Resolve(name)
	if err != nil {
		return &powerInfo{noBMC: errors.Is(err, bmc.ErrNoBMC), err: err, at: time.Now()}
	}
	rctx, cancel := context.WithTimeout(ctx, powerTimeout)
	defer cancel()
	s, err := pw.PowerState(rctx, name)
	return &powerInfo{addr: a.Protocol + " " + a.Addr, state: s, err: err, at: time.Now()}
}

// OverrideText is what the operator types to evacuate a host stackpit
// cannot see fenced: it goes into the audit record's reason.
func OverrideText(host string) string { return "evacuate anyway: I fenced " + host + " by other means" }

// powerCheck puts the power state into the evacuate dialog: off (fenced)
// proceeds on the host name; on or unknown asks for the typed override,
// recorded as the audit reason. Without a BMC client for the cloud the
// dialog keeps its FENCE reminder.
func (p *Pane) powerCheck(a *pane.Action, m planMsg) {
	if p.power == nil || m.power == nil {
		return
	}
	pi := m.power
	if pi.err == nil && pi.state == bmc.Off {
		a.Checks = append([]string{"✓ fenced: the BMC reads " + m.host + " power off (" + pi.addr + ")"}, a.Checks...)
		a.Details["power"] = "off"
		return
	}
	why := "power reads ON: the host may still run its instances"
	a.Details["power"] = pi.state.String()
	switch {
	case pi.noBMC:
		why = "no BMC configured: stackpit cannot see it fenced"
		a.Details["power"] = "no bmc"
	case pi.err != nil:
		why = "power UNKNOWN: " + pi.err.Error()
		a.Details["power"] = "unknown"
	case pi.state != bmc.On:
		why = "power UNKNOWN (" + pi.state.String() + ")"
	}
	over := OverrideText(m.host)
	a.Checks = append([]string{"⚠ NOT FENCED: " + why, "  fence it first (" + p.ctx.KeyText("compute.fence") + "), or type: " + over}, a.Checks...)
	a.Confirm, a.Reason = over, over
}

// TuneRecovery shortens a recovery's waits and the host runs' polling
// (tests driving the demo).
func (p *Pane) TuneRecovery(t ops.Tuning, f func(*ops.RecoveryPlan)) { p.tune, p.recoveryTune = t, f }
