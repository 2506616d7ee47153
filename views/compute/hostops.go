package compute

// Host-level evacuate and drain (issue 4): pre-checks loaded by a command,
// a typed confirmation (the host name) through the shell, then a bounded
// parallel per-instance run whose live state the pane renders (progress
// bar, one line per instance) and whose summary says what happened to every
// instance. Running it again resumes: instances already moved are no longer
// on the host, and those mid-rebuild are only watched, not re-issued.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// HostOps is what host evacuate and drain need besides Source.
type HostOps interface {
	ServersOnHost(ctx context.Context, host string) ([]openstack.Server, error)
	Server(ctx context.Context, id string) (openstack.Server, error)
	Flavors(ctx context.Context) ([]openstack.Flavor, error)
	// Evacuate and LiveMigrate let the scheduler pick when host is "".
	Evacuate(ctx context.Context, id, host string) error
	LiveMigrate(ctx context.Context, id, host string) error
	Migrate(ctx context.Context, id string) error
	ConfirmResize(ctx context.Context, id string) error
}

// SetHostOps enables host evacuate (E) and drain (D).
func (p *Pane) SetHostOps(o HostOps) { p.ops = o }

// SetEphemeralShared says whether instance disks are on shared storage
// (then evacuation keeps non-volume-backed disks).
func (p *Pane) SetEphemeralShared(b bool) { p.ephemeralShared = b }

// Tuning; tests shorten the poll interval.
type runTuning struct {
	poll        time.Duration
	perInstance time.Duration
	evacuateN   int
	drainN      int
}

var defaultTuning = runTuning{poll: 2 * time.Second, perInstance: 20 * time.Minute, evacuateN: 4, drainN: 2}

// Instance run states.
const (
	stPending = iota
	stRunning
	stOK
	stFailed
	stSkipped
)

type instRun struct {
	id, name     string
	status, task string
	host, target string
	state        int
	err          string
	volume       bool
	origStatus   string
}

// hostRun is one evacuate/drain run, shared between the Action's goroutine
// and View (under mu).
type hostRun struct {
	mu      sync.Mutex
	verb    string // "evacuate" or "drain"
	host    string
	insts   []*instRun
	note    string // pre-step in progress ("disabling", "forcing down")
	started time.Time
	ended   time.Time
	err     string
}

type planMsg struct {
	verb, host, reason string
	servers            []openstack.Server
	flavors            []openstack.Flavor
	err                error
}

// plan loads what the pre-checks need.
func (p *Pane) plan(verb string, h *host, reason string) tea.Cmd {
	if p.ops == nil {
		return pane.Toast(themes.Warn, verb+" is not available for this cloud")
	}
	ops, name := p.ops, h.name
	return tea.Batch(pane.Toast(themes.Info, "checking "+safe.Text(name)+" before "+verb+"…"), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 2*loadTimeout)
		defer cancel()
		m := planMsg{verb: verb, host: name, reason: reason}
		m.servers, m.err = ops.ServersOnHost(ctx, name)
		if m.err == nil {
			// Flavors only size the capacity check; a failure is not fatal.
			m.flavors, _ = ops.Flavors(ctx)
		}
		return m
	})
}

// onPlan turns loaded pre-checks into an Action for the shell.
func (p *Pane) onPlan(m planMsg) tea.Cmd {
	if m.err != nil {
		return pane.Toast(themes.Crit, m.verb+" "+safe.Text(m.host)+": cannot list its instances: "+m.err.Error())
	}
	if len(m.servers) == 0 {
		return pane.Toast(themes.Warn, "no instances on "+safe.Text(m.host)+": nothing to "+m.verb)
	}
	h, ok := p.hostByName(m.host)
	if !ok {
		return pane.Toast(themes.Warn, safe.Text(m.host)+" is no longer listed")
	}
	if m.verb == "evacuate" {
		return pane.RunAction(p.evacuateAction(h, m.servers, m.flavors))
	}
	return pane.RunAction(p.drainAction(h, m.servers, m.flavors, m.reason))
}

func newRun(verb, hostName string, ss []openstack.Server) *hostRun {
	r := &hostRun{verb: verb, host: hostName}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Name < ss[j].Name })
	for _, s := range ss {
		r.insts = append(r.insts, &instRun{id: s.ID, name: s.Name, status: s.Status, task: s.TaskState,
			host: s.Host, volume: s.VolumeBacked, origStatus: strings.ToUpper(s.Status)})
	}
	return r
}

// capacityCheck compares what the instances need with what the other up
// and enabled hosts have spare.
func (p *Pane) capacityCheck(src string, ss []openstack.Server, flavors []openstack.Flavor) string {
	byID, byName := map[string]openstack.Flavor{}, map[string]openstack.Flavor{}
	for _, f := range flavors {
		byID[f.ID], byName[f.Name] = f, f
	}
	needCPU, needRAM, unknown := 0, 0, 0
	for _, s := range ss {
		f, ok := byID[s.FlavorID]
		if !ok {
			f, ok = byName[s.FlavorName]
		}
		if !ok {
			unknown++
			continue
		}
		needCPU += f.VCPUs
		needRAM += f.RAMMB
	}
	spareCPU, spareRAM, hosts := 0, 0, 0
	for i := range p.hosts {
		h := &p.hosts[i]
		if h.name == src || h.down || disabled(h) || h.hv == nil {
			continue
		}
		hosts++
		spareCPU += max(capOr(h.hv.VCPUsCap, h.hv.VCPUs)-h.hv.VCPUsUsed, 0)
		spareRAM += max(capOr(h.hv.MemoryCap, h.hv.MemoryMB)-h.hv.MemUsed, 0)
	}
	line := fmt.Sprintf("needs %d vCPU, %d GiB; spare on %d other hosts: %d vCPU, %d GiB",
		needCPU, needRAM/1024, hosts, spareCPU, spareRAM/1024)
	if unknown > 0 {
		line += fmt.Sprintf(" (%d flavors unknown)", unknown)
	}
	if needCPU > spareCPU || needRAM > spareRAM {
		line = "⚠ " + line + ": NOT ENOUGH"
	}
	return line
}

func countStatus(ss []openstack.Server) string {
	n := map[string]int{}
	var keys []string
	for _, s := range ss {
		k := strings.ToUpper(s.Status)
		if n[k] == 0 {
			keys = append(keys, k)
		}
		n[k]++
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
	}
	return strings.Join(parts, ", ")
}

func namesOf(ss []openstack.Server, limit int) string {
	var out []string
	for i, s := range ss {
		if i == limit {
			out = append(out, fmt.Sprintf("+%d more", len(ss)-limit))
			break
		}
		out = append(out, safe.Text(s.Name))
	}
	return strings.Join(out, ", ")
}

func (p *Pane) evacuateAction(h *host, ss []openstack.Server, flavors []openstack.Flavor) pane.Action {
	src, ops, name, tune := p.src, p.ops, h.name, p.tune
	svcDown := h.svc != nil && strings.EqualFold(h.svc.State, "down")
	forced := h.svc != nil && h.svc.ForcedDown
	isDisabled := disabled(h)
	checks := serviceChecks(name, stateOf(h), adminOf(h), forced)
	needsForce := !forced
	if !svcDown && !forced {
		checks = append(checks, "⚠ service is UP: Nova refuses to evacuate an up host;",
			"  this run first disables it and forces it down (mv >= 2.11)")
	} else if needsForce {
		checks = append(checks, "service is down: this run forces it down first (mv >= 2.11)")
	}
	checks = append(checks, "FENCE "+name+" first (power off / IPMI): a live host",
		"  would run every evacuated instance twice")
	var local []openstack.Server
	resumed := 0
	for _, s := range ss {
		if !s.VolumeBacked {
			local = append(local, s)
		}
		if isRebuilding(s) {
			resumed++
		}
	}
	checks = append(checks, fmt.Sprintf("%d instances: %s", len(ss), countStatus(ss)))
	if resumed > 0 {
		checks = append(checks, fmt.Sprintf("%d already rebuilding: watched, not re-issued (resume)", resumed))
	}
	switch {
	case len(local) == 0:
		checks = append(checks, "all volume-backed: root disks are kept")
	case p.ephemeralShared:
		checks = append(checks, fmt.Sprintf("%d not volume-backed: disks on shared storage are kept", len(local)))
	default:
		checks = append(checks, fmt.Sprintf("⚠ %d not volume-backed: root disks REBUILT from image:", len(local)),
			"  "+namesOf(local, 4))
	}
	checks = append(checks, p.capacityCheck(name, ss, flavors),
		fmt.Sprintf("%d at a time; each verified on another host", tune.evacuateN))

	run := newRun("evacuate", name, ss)
	a := pane.Action{Name: "evacuate-host", Target: name, Mutates: true, Confirm: name, Checks: checks,
		Details: map[string]string{"host": name, "instances": fmt.Sprint(len(ss))}}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		p.setRun(run)
		run.start()
		defer run.finish()
		if !svcDown || needsForce {
			if !isDisabled {
				run.setNote("disabling nova-compute")
				if err := src.DisableService(ctx, name, "evacuating (stackpit)"); err != nil {
					return run.fail("disable failed: " + err.Error())
				}
			}
			run.setNote("forcing nova-compute down")
			if err := src.ForceDown(ctx, name, true); err != nil {
				return run.fail("force-down failed: " + err.Error())
			}
			run.setNote("")
		}
		run.each(ctx, tune.evacuateN, report, func(ctx context.Context, in *instRun) {
			evacuateOne(ctx, ops, tune, name, in, run)
		})
		return run.summary()
	}
	return a
}

func (p *Pane) drainAction(h *host, ss []openstack.Server, flavors []openstack.Flavor, reason string) pane.Action {
	src, ops, name, tune := p.src, p.ops, h.name, p.tune
	if reason == "" {
		reason = "maintenance: drained by stackpit"
	}
	isDisabled := disabled(h)
	checks := []string{fmt.Sprintf("nova-compute on %s: state %s · %s", name, orDash(stateOf(h)), orDash(adminOf(h)))}
	if h.down {
		checks = append(checks, "⚠ host is DOWN: live migration needs a running host (evacuate instead)")
	}
	if !isDisabled {
		checks = append(checks, "disables the service first, reason: "+reason)
	}
	checks = append(checks, fmt.Sprintf("%d instances: %s", len(ss), countStatus(ss)),
		"ACTIVE: live-migrated · SHUTOFF: cold-migrated and confirmed · others left",
		p.capacityCheck(name, ss, flavors),
		fmt.Sprintf("%d at a time; each verified on another host", tune.drainN))
	run := newRun("drain", name, ss)
	a := pane.Action{Name: "drain-host", Target: name, Mutates: true, Confirm: name, Checks: checks,
		Details: map[string]string{"host": name, "instances": fmt.Sprint(len(ss)), "reason": reason}}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		p.setRun(run)
		run.start()
		defer run.finish()
		if !isDisabled {
			run.setNote("disabling nova-compute")
			if err := src.DisableService(ctx, name, reason); err != nil {
				return run.fail("disable failed: " + err.Error())
			}
			run.setNote("")
		}
		run.each(ctx, tune.drainN, report, func(ctx context.Context, in *instRun) {
			drainOne(ctx, ops, tune, name, in, run)
		})
		return run.summary()
	}
	return a
}

// hostLevelRefusal: Nova's 400 when the source compute service is not down.
func hostLevelRefusal(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "is still in use") || strings.Contains(m, "service is up") ||
		(strings.Contains(m, "compute service of") && strings.Contains(m, "in use"))
}

func isRebuilding(s openstack.Server) bool {
	return strings.EqualFold(s.Status, "REBUILD") || strings.HasPrefix(s.TaskState, "rebuild")
}

func (p *Pane) setRun(r *hostRun) {
	p.runMu.Lock()
	p.run = r
	p.runMu.Unlock()
}

func (p *Pane) currentRun() *hostRun {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	return p.run
}

func (r *hostRun) start() {
	r.mu.Lock()
	r.started = time.Now()
	r.mu.Unlock()
}

func (r *hostRun) finish() {
	r.mu.Lock()
	r.ended = time.Now()
	r.note = ""
	r.mu.Unlock()
}

func (r *hostRun) setNote(s string) {
	r.mu.Lock()
	r.note = s
	r.mu.Unlock()
}

func (r *hostRun) fail(msg string) (string, error) {
	r.mu.Lock()
	r.err = msg
	for _, in := range r.insts {
		if in.state == stPending {
			in.state, in.err = stSkipped, "not attempted"
		}
	}
	r.mu.Unlock()
	return "", errors.New(msg)
}

func (r *hostRun) update(in *instRun, f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
}

// each runs f on every instance, n at a time, reporting progress.
func (r *hostRun) each(ctx context.Context, n int, report func(pane.Progress), f func(context.Context, *instRun)) {
	if n < 1 {
		n = 1
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	total := len(r.insts)
	done := 0
	var dmu sync.Mutex
	for _, in := range r.insts {
		if ctx.Err() != nil || r.aborted() {
			break
		}
		sem <- struct{}{}
		if ctx.Err() != nil || r.aborted() {
			<-sem
			break
		}
		wg.Add(1)
		go func(in *instRun) {
			defer wg.Done()
			defer func() { <-sem }()
			r.update(in, func() { in.state = stRunning })
			f(ctx, in)
			dmu.Lock()
			done++
			d := done
			dmu.Unlock()
			if report != nil {
				report(pane.Progress{Done: d, Total: total, Line: r.lineOf(in)})
			}
		}(in)
	}
	wg.Wait()
	r.mu.Lock()
	for _, in := range r.insts {
		if in.state == stPending {
			in.state = stSkipped
			if in.err == "" {
				in.err = "not attempted"
				if ctx.Err() != nil {
					in.err = "not attempted: " + ctx.Err().Error()
				}
			}
		}
	}
	r.mu.Unlock()
}

func (r *hostRun) aborted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != ""
}

func (r *hostRun) lineOf(in *instRun) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return instLine(in)
}

// instLine is one instance's live line (call with r.mu held).
func instLine(in *instRun) string {
	name := safe.Text(in.name)
	switch in.state {
	case stOK:
		return fmt.Sprintf("✓ %s → %s (%s)", name, in.target, in.status)
	case stFailed:
		return fmt.Sprintf("✗ %s: %s", name, in.err)
	case stSkipped:
		return fmt.Sprintf("- %s: %s", name, in.err)
	case stRunning:
		task := in.task
		if task == "" {
			task = "-"
		}
		return fmt.Sprintf("… %s: %s/%s on %s", name, in.status, task, orDash(in.host))
	}
	return "· " + name + ": pending"
}

// summary is the run's result: counts plus every instance's fate.
func (r *hostRun) summary() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ok, failed, skipped := 0, 0, 0
	var lines []string
	for _, in := range r.insts {
		switch in.state {
		case stOK:
			ok++
		case stFailed:
			failed++
		default:
			skipped++
		}
		lines = append(lines, instLine(in))
	}
	verb := "evacuated"
	if r.verb == "drain" {
		verb = "moved"
	}
	head := fmt.Sprintf("%s %d/%d from %s", verb, ok, len(r.insts), r.host)
	if failed > 0 {
		head += fmt.Sprintf(", %d failed", failed)
	}
	if skipped > 0 {
		head += fmt.Sprintf(", %d not moved", skipped)
	}
	if r.err != "" {
		head += " (" + r.err + ")"
	}
	res := head + ": " + strings.Join(lines, "; ")
	if failed > 0 || r.err != "" || (skipped > 0 && r.verb == "evacuate") {
		return res, errors.New(res)
	}
	return res, nil
}

// watch polls a server until done(s) says it has settled.
func watch(ctx context.Context, ops HostOps, tune runTuning, in *instRun, run *hostRun,
	done func(s openstack.Server, polls int) (finished bool, err error)) error {
	deadline := time.Now().Add(tune.perInstance)
	fails := 0
	for polls := 1; ; polls++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tune.poll):
		}
		s, err := ops.Server(ctx, in.id)
		if err != nil {
			fails++
			if fails >= 5 {
				return fmt.Errorf("lost track: %w", err)
			}
			continue
		}
		fails = 0
		run.update(in, func() { in.status, in.task, in.host = s.Status, s.TaskState, s.Host })
		fin, err := done(s, polls)
		if err != nil {
			return err
		}
		if fin {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s in %s/%s on %s", tune.perInstance, s.Status, orDash(s.TaskState), orDash(s.Host))
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

func evacuateOne(ctx context.Context, ops HostOps, tune runTuning, src string, in *instRun, run *hostRun) {
	want := []string{"ACTIVE"}
	switch in.origStatus {
	case "SHUTOFF", "STOPPED":
		want = []string{"SHUTOFF"}
	case "ERROR":
		want = []string{"ACTIVE", "SHUTOFF"}
	}
	var rebuilding bool
	run.update(in, func() { rebuilding = strings.EqualFold(in.status, "REBUILD") || strings.HasPrefix(in.task, "rebuild") })
	if !rebuilding {
		if err := ops.Evacuate(ctx, in.id, ""); err != nil {
			run.update(in, func() {
				in.state, in.err = stFailed, err.Error()
				// Nova refusing because the source host is up fails every
				// instance the same way: stop instead of hammering it.
				if hostLevelRefusal(err) && run.err == "" {
					run.err = "stopped: Nova refuses to evacuate from " + src + " (" + err.Error() + ")"
				}
			})
			return
		}
	}
	err := watch(ctx, ops, tune, in, run, func(s openstack.Server, polls int) (bool, error) {
		if settledElsewhere(s, src, want...) {
			return true, nil
		}
		if strings.EqualFold(s.Status, "ERROR") && s.TaskState == "" && polls > 1 {
			return false, faultErr(s)
		}
		return false, nil
	})
	run.update(in, func() {
		if err != nil {
			in.state, in.err = stFailed, err.Error()
			return
		}
		in.state, in.target = stOK, in.host
	})
}

func drainOne(ctx context.Context, ops HostOps, tune runTuning, src string, in *instRun, run *hostRun) {
	fail := func(err error) { run.update(in, func() { in.state, in.err = stFailed, err.Error() }) }
	var migrating bool
	run.update(in, func() { migrating = strings.HasPrefix(in.task, "migrating") })
	status := in.origStatus
	switch {
	case status == "MIGRATING" || (status == "ACTIVE" && migrating):
		// Resumed run: a live migration is already under way; watch it.
		migrating = true
		fallthrough
	case status == "ACTIVE":
		if !migrating {
			if err := ops.LiveMigrate(ctx, in.id, ""); err != nil {
				fail(err)
				return
			}
		}
		sawTask := migrating
		err := watch(ctx, ops, tune, in, run, func(s openstack.Server, polls int) (bool, error) {
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
		if err != nil {
			fail(err)
			return
		}
	case status == "SHUTOFF":
		if err := ops.Migrate(ctx, in.id); err != nil {
			fail(err)
			return
		}
		confirmed := false
		err := watch(ctx, ops, tune, in, run, func(s openstack.Server, polls int) (bool, error) {
			switch {
			case strings.EqualFold(s.Status, "VERIFY_RESIZE"):
				if confirmed {
					return false, nil
				}
				confirmed = true
				if err := ops.ConfirmResize(ctx, in.id); err != nil {
					return false, fmt.Errorf("confirm resize: %w", err)
				}
				return false, nil
			case strings.EqualFold(s.Status, "ERROR"):
				return false, faultErr(s)
			}
			return settledElsewhere(s, src, "SHUTOFF"), nil
		})
		if err != nil {
			fail(err)
			return
		}
	default:
		run.update(in, func() { in.state, in.err = stSkipped, "status "+orDash(in.origStatus)+": left on "+src })
		return
	}
	run.update(in, func() { in.state, in.target = stOK, in.host })
}

// runView renders the run panel: header with a progress bar, then one line
// per instance (failed and running first).
func (r *hostRun) view(width, height int, now time.Time, th *themes.Theme) []string {
	if height < 1 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ok, failed, running, finished := 0, 0, 0, 0
	for _, in := range r.insts {
		switch in.state {
		case stOK:
			ok++
			finished++
		case stFailed:
			failed++
			finished++
		case stSkipped:
			finished++
		case stRunning:
			running++
		}
	}
	total := len(r.insts)
	frac := 0.0
	if total > 0 {
		frac = float64(finished) / float64(total)
	}
	state := "running"
	switch {
	case r.started.IsZero():
		state = "waiting"
	case !r.ended.IsZero():
		state = "finished (esc closes)"
	}
	head := fmt.Sprintf("%s %s: %d/%d done · %d ok · %d failed", strings.ToUpper(r.verb), r.host, finished, total, ok, failed)
	if n := finished - ok - failed; n > 0 {
		head += fmt.Sprintf(" · %d not moved", n) // the counts add up to "done"
	}
	head += fmt.Sprintf(" · %d in progress · %s", running, state)
	if r.note != "" {
		head += " · " + r.note
	}
	role := themes.Info
	if failed > 0 || r.err != "" {
		role = themes.Crit
	}
	out := []string{th.Render(role, safe.Fit(head, width))}
	if r.err != "" && height > 1 {
		out = append(out, th.Render(themes.Crit, safe.Fit("✗ "+r.err, width)))
	}
	if len(out) < height {
		out = append(out, safe.Fit(table.Bar(frac, min(width, 60)), width))
	}
	order := func(in *instRun) int {
		switch in.state {
		case stFailed:
			return 0
		case stRunning:
			return 1
		case stPending:
			return 2
		case stSkipped:
			return 3
		}
		return 4
	}
	list := append([]*instRun(nil), r.insts...)
	sort.SliceStable(list, func(i, j int) bool { return order(list[i]) < order(list[j]) })
	for _, in := range list {
		if len(out) >= height {
			break
		}
		rl := themes.Normal
		switch in.state {
		case stFailed:
			rl = themes.Crit
		case stOK:
			rl = themes.OK
		case stSkipped:
			rl = themes.Warn
		}
		out = append(out, th.Render(rl, safe.Fit("  "+instLine(in), width)))
	}
	return out
}
