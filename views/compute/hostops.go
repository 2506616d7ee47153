package compute

// Host-level evacuate and drain (issue 4): pre-checks loaded by a command,
// a typed confirmation (the host name) through the shell, then the run
// itself in package ops, whose events come back as ActionProgressMsgs: the
// pane keeps a render state of the run (progress bar, one line per
// instance) updated in Update. Running it again resumes: instances already
// moved are only verified, those mid-rebuild only watched.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// HostOps is what host evacuate and drain need besides Source.
type HostOps interface {
	ServersOnHost(ctx context.Context, host string) ([]openstack.Server, error)
	Flavors(ctx context.Context) ([]openstack.Flavor, error)
	ops.Nova
}

// SetHostOps enables host evacuate (E) and drain (D).
func (p *Pane) SetHostOps(o HostOps) { p.ops = o }

// SetEphemeralShared says whether instance disks are on shared storage
// (then evacuation keeps non-volume-backed disks).
func (p *Pane) SetEphemeralShared(b bool) { p.ephemeralShared = b }

// SetJournal journals every host run (and locks its host) in store, so an
// interrupted one can be resumed.
func (p *Pane) SetJournal(store *ops.Store) { p.journal = store }

// runView is the render state of the pane's latest host run, updated in
// Update from the run's events.
type runView struct {
	verb, host string
	insts      []ops.Instance
	index      map[string]int
	note       string
	err        string
	ended      bool
	// since: when each in-flight instance entered its current step
	// (status, task, host), for "waiting for ACTIVE (40s)".
	since map[string]time.Time
	// top is the first list row shown; room the list rows the last frame
	// had (the keys scroll only a list that overflows).
	top, room int
}

// scroll moves the run list by n rows; false when it fits (the key then
// moves the table cursor).
func (r *runView) scroll(n int) bool {
	if r.room <= 0 || len(r.insts) <= r.room {
		return false
	}
	r.top = min(max(r.top+n, 0), len(r.insts)-r.room)
	return true
}

type planMsg struct {
	verb, host, reason string
	servers            []openstack.Server
	flavors            []openstack.Flavor
	err                error
	// resume: the interrupted run's journal, re-planned from the cloud.
	resume *ops.Entry
	// holder runs an operation on the host now (another process).
	holder *ops.LockInfo
	// power: the host's power read just before the dialog (evacuate).
	power *powerInfo
}

// plan loads what the pre-checks need.
func (p *Pane) plan(verb string, h *host, reason string) tea.Cmd {
	return p.planHost(verb, h.name, reason, nil)
}

func (p *Pane) planHost(verb, name, reason string, resume *ops.Entry) tea.Cmd {
	if p.ops == nil {
		return pane.Toast(themes.Warn, verb+" is not available for this cloud")
	}
	hops, store, pw := p.ops, p.journal, p.power
	return tea.Batch(pane.Toast(themes.Info, "checking "+safe.Text(name)+" before "+verb+"…"), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 2*loadTimeout)
		defer cancel()
		m := planMsg{verb: verb, host: name, reason: reason, resume: resume}
		if store != nil {
			if h, held := store.Holder(name); held {
				m.holder = &h
			}
		}
		if pw != nil && verb == "evacuate" {
			m.power = readPower(ctx, pw, name)
		}
		m.servers, m.err = hops.ServersOnHost(ctx, name)
		if m.err == nil && resume != nil {
			m.servers, m.err = replan(ctx, hops, m.servers, resume)
		}
		if m.err == nil {
			// Flavors only size the capacity check; a failure is not fatal.
			m.flavors, _ = hops.Flavors(ctx)
		}
		return m
	})
}

// replan adds to what is on the host now every instance of the interrupted
// run that is no longer there, read back from Nova: the run verifies those
// (already moved) or watches them (still moving), never moves them again.
func replan(ctx context.Context, hops HostOps, onHost []openstack.Server, e *ops.Entry) ([]openstack.Server, error) {
	seen := map[string]bool{}
	for _, s := range onHost {
		seen[s.ID] = true
	}
	out := onHost
	for _, in := range e.Instances {
		if seen[in.ID] {
			continue
		}
		s, err := hops.Server(ctx, in.ID)
		if err != nil {
			if errors.Is(err, openstack.ErrNotFound) {
				continue // deleted since: nothing to move
			}
			return nil, fmt.Errorf("reading back %s: %w", in.Name, err)
		}
		if s.Host == e.Target && !s.Deleted {
			continue // listed above
		}
		if s.Name == "" {
			s.Name = in.Name
		}
		// Still moving: judged by the status it was planned with (a SHUTOFF
		// one must end SHUTOFF); its task says it is moving.
		if in.OrigStatus != "" && (s.TaskState != "" || strings.EqualFold(s.Status, "REBUILD")) {
			s.Status = strings.ToUpper(in.OrigStatus)
		}
		seen[s.ID] = true
		out = append(out, s)
	}
	return out, nil
}

// onPlan turns loaded pre-checks into an Action for the shell.
func (p *Pane) onPlan(m planMsg) tea.Cmd {
	if m.err != nil {
		return pane.Toast(themes.Crit, m.verb+" "+safe.Text(m.host)+": cannot list its instances: "+m.err.Error())
	}
	if len(m.servers) == 0 && m.verb != ops.VerbRecover {
		if m.resume != nil {
			return pane.Toast(themes.Warn, "nothing left of the interrupted "+m.verb+" of "+safe.Text(m.host))
		}
		return pane.Toast(themes.Warn, "no instances on "+safe.Text(m.host)+": nothing to "+m.verb)
	}
	h, ok := p.hostByName(m.host)
	if !ok {
		if m.resume != nil && len(p.hostList()) == 0 {
			p.pendingPlan = &m // hosts not loaded yet (resumed at start)
			return nil
		}
		return pane.Toast(themes.Warn, safe.Text(m.host)+" is no longer listed")
	}
	var a pane.Action
	switch m.verb {
	case ops.VerbRecover:
		a = p.recoverAction(h, m.servers, m.resume)
	case "evacuate":
		a = p.evacuateAction(h, m.servers, m.flavors, m.resume)
		p.powerCheck(&a, m)
	default:
		a = p.drainAction(h, m.servers, m.flavors, m.reason, m.resume)
	}
	if m.holder != nil {
		// Running it would be refused: say so before the typing.
		a.Checks = append([]string{"⚠ " + m.holder.Op + " of " + m.host + " is running: " + m.holder.String(),
			"  confirming fails on its lock until that run ends"}, a.Checks...)
	}
	return pane.RunAction(a)
}

// resumeChecks say what a re-planned run resumes.
func resumeChecks(e *ops.Entry, ss []openstack.Server) []string {
	ok, failed, other := e.Counts()
	elsewhere := 0
	for _, s := range ss {
		if s.Host != e.Target {
			elsewhere++
		}
	}
	head := []string{
		fmt.Sprintf("RESUMES the %s interrupted %s (by %s, pid %d):", e.Op, e.Updated.Local().Format("01-02 15:04"), e.User, e.PID),
		fmt.Sprintf("  journal: %d verified, %d failed, %d not finished", ok, failed, other),
		fmt.Sprintf("  re-planned from Nova now: %d still on %s, %d elsewhere (verified or watched, not moved again)",
			len(ss)-elsewhere, e.Target, elsewhere),
	}
	return head
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
	hs := p.hostList()
	for i := range hs {
		h := &hs[i]
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

// stillOn: the servers on host (a resumed plan also lists moved ones,
// which need no room any more).
func stillOn(ss []openstack.Server, host string) []openstack.Server {
	var out []openstack.Server
	for _, s := range ss {
		if s.Host == host {
			out = append(out, s)
		}
	}
	return out
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

func (p *Pane) evacuateAction(h *host, ss []openstack.Server, flavors []openstack.Flavor, resume *ops.Entry) pane.Action {
	name, tune := h.name, p.tune
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
		if ops.IsRebuilding(s) {
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
	checks = append(checks, p.capacityCheck(name, stillOn(ss, name), flavors),
		fmt.Sprintf("%d at a time; each verified on another host", tune.EvacuateN))

	a := pane.Action{Name: "evacuate-host", Target: name, Mutates: true, Confirm: name, Checks: checks,
		Details: map[string]string{"host": name, "instances": fmt.Sprint(len(ss))}}
	// Nova refuses to evacuate from an up host: disable and force it down.
	plan := ops.HostPlan{Verb: "evacuate", Host: name, Servers: ss, Reason: "evacuating (stackpit)"}
	if !svcDown || needsForce {
		plan.Disable, plan.ForceDown = !isDisabled, true
	}
	p.runHost(&a, plan, resume)
	return a
}

func (p *Pane) drainAction(h *host, ss []openstack.Server, flavors []openstack.Flavor, reason string, resume *ops.Entry) pane.Action {
	name, tune := h.name, p.tune
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
		p.capacityCheck(name, stillOn(ss, name), flavors),
		fmt.Sprintf("%d at a time; each verified on another host", tune.DrainN))
	a := pane.Action{Name: "drain-host", Target: name, Mutates: true, Confirm: name, Checks: checks, Reason: reason,
		Details: map[string]string{"host": name, "instances": fmt.Sprint(len(ss)), "reason": reason}}
	p.runHost(&a, ops.HostPlan{Verb: "drain", Host: name, Servers: ss, Disable: !isDisabled, Reason: reason}, resume)
	return a
}

// runHost runs plan under the journal; events go to the shell as
// progress (the pane renders them from Update).
func (p *Pane) runHost(a *pane.Action, plan ops.HostPlan, resume *ops.Entry) {
	hops, src, tune, store := p.ops, p.src, p.tune, p.journal
	if resume != nil {
		a.Checks = append(resumeChecks(resume, plan.Servers), a.Checks...)
		a.Details["resume"], a.Resume = resume.ID, resume.ID
	}
	resumeID := a.Resume
	a.Long = true // journaled: quit asks first
	op := ops.Evacuate
	if plan.Verb == "drain" {
		op = ops.Drain
	}
	meta := ops.Meta{Op: a.Name, Pane: "compute", Target: plan.Host, Details: a.Details}
	a.Run = func(ctx context.Context, report func(pane.Progress)) (string, error) {
		emit := func(e ops.Event) {
			if report != nil {
				report(pane.Progress{Done: e.Done, Total: e.Total, Line: progressLine(e), Event: e})
			}
		}
		sum, err := store.Run(ctx, meta, resumeID, emit, func(ctx context.Context, emit func(ops.Event)) ops.Summary {
			return op(ctx, hops, src, tune, plan, emit)
		})
		if err != nil {
			return "", err
		}
		return sum.Result()
	}
}

func progressLine(e ops.Event) string {
	switch e.Kind {
	case ops.EvInstance:
		return e.Inst.Line()
	case ops.EvNote:
		return e.Note
	case ops.EvStop:
		return e.Err
	}
	return fmt.Sprintf("%s %s: %d/%d", e.Verb, e.Host, e.Done, e.Total)
}

// onEvent updates the run panel from one of the run's events.
func (p *Pane) onEvent(e ops.Event) {
	if e.Verb == ops.VerbRecover && e.Kind == ops.EvNote {
		// A recovery's steps before any evacuation: a panel of its own.
		if r := p.run; r == nil || r.verb != e.Verb || r.host != e.Host || r.ended {
			p.run = &runView{verb: e.Verb, host: e.Host, index: map[string]int{}}
		}
	}
	if e.Kind == ops.EvStart {
		r := &runView{verb: e.Verb, host: e.Host, insts: append([]ops.Instance(nil), e.Instances...), index: map[string]int{},
			since: map[string]time.Time{}}
		for i, in := range r.insts {
			r.index[in.ID] = i
		}
		p.run = r
		return
	}
	r := p.run
	if r == nil || r.verb != e.Verb || r.host != e.Host {
		return
	}
	switch e.Kind {
	case ops.EvNote:
		r.note = e.Note
	case ops.EvInstance:
		if i, ok := r.index[e.Inst.ID]; ok {
			old := r.insts[i]
			if old.State != e.Inst.State || old.Status != e.Inst.Status || old.Task != e.Inst.Task || old.Host != e.Inst.Host {
				r.since[e.Inst.ID] = p.ctx.Now()
			}
			r.insts[i] = e.Inst
		}
	case ops.EvStop:
		r.err = e.Err
	case ops.EvEnd:
		r.ended, r.note = true, ""
		if e.Summary != nil {
			for _, in := range e.Summary.Instances {
				if i, ok := r.index[in.ID]; ok {
					r.insts[i] = in
				}
			}
		}
	}
}

// view renders the run panel: the summary and progress bar pinned on top,
// then one line per instance (failed and running first), scrolled from
// r.top when they do not fit.
func (r *runView) view(width, height int, now time.Time, th *themes.Theme) []string {
	if height < 1 {
		return nil
	}
	ok, failed, running, finished := 0, 0, 0, 0
	for _, in := range r.insts {
		switch in.State {
		case ops.OK:
			ok++
			finished++
		case ops.Failed:
			failed++
			finished++
		case ops.Skipped:
			finished++
		case ops.Running:
			running++
		}
	}
	total := len(r.insts)
	frac := 0.0
	if total > 0 {
		frac = float64(finished) / float64(total)
	}
	state := "running"
	if r.ended {
		state = "finished, esc closes"
	}
	// The moved ones are counted by the state they ended in (a line of
	// their own), not only as "ok".
	landed, changed := finalStates(r.insts)
	head := fmt.Sprintf("%s %s %s · %d/%d done · %d ok · %d failed", strings.ToUpper(r.verb), r.host, state, finished, total, ok, failed)
	if n := finished - ok - failed; n > 0 {
		head += fmt.Sprintf(" · %d not moved", n) // the counts add up to "done"
	}
	if running > 0 {
		head += fmt.Sprintf(" · %d in progress", running)
	}
	if r.note != "" {
		head += " · " + r.note
	}
	role := themes.Info
	switch {
	case failed > 0 || r.err != "":
		role = themes.Crit
	case changed:
		role = themes.Warn
	}
	out := []string{th.Render(role, safe.Fit(head, width))}
	if ok > 0 && height > 2 {
		out = append(out, th.Render(role, safe.Fit("  ok: "+landed, width)))
	}
	if r.err != "" && len(out) < height {
		out = append(out, th.Render(themes.Crit, safe.Fit("✗ "+r.err, width)))
	}
	barAt := -1
	if len(out) < height {
		barAt = len(out)
		out = append(out, "")
	}
	order := func(in ops.Instance) int {
		switch in.State {
		case ops.Failed:
			return 0
		case ops.Running:
			return 1
		case ops.Pending:
			return 2
		case ops.Skipped:
			return 3
		}
		return 4
	}
	list := append([]ops.Instance(nil), r.insts...)
	sort.SliceStable(list, func(i, j int) bool { return order(list[i]) < order(list[j]) })
	r.room = height - len(out)
	r.top = max(min(r.top, len(list)-r.room), 0)
	bar := table.Bar(frac, min(width, 60))
	if r.room > 0 && len(list) > r.room {
		bar += fmt.Sprintf("  %d–%d of %d · j/k pgup/pgdn scroll", r.top+1, min(r.top+r.room, len(list)), len(list))
	}
	if barAt >= 0 {
		out[barAt] = safe.Fit(bar, width)
	}
	for _, in := range list[min(r.top, len(list)):] {
		if len(out) >= height {
			break
		}
		rl := themes.Normal
		switch in.State {
		case ops.Failed:
			rl = themes.Crit
		case ops.OK:
			rl = themes.OK
		case ops.Skipped:
			rl = themes.Warn
		}
		out = append(out, th.Render(rl, safe.Fit("  "+r.line(in, now), width)))
	}
	return out
}

// line is one instance's row: in-flight ones say what is happening.
func (r *runView) line(in ops.Instance, now time.Time) string {
	if in.State != ops.Running {
		return in.Line()
	}
	s := "… " + in.Name + ": " + r.doing(in)
	if t, ok := r.since[in.ID]; ok && !now.Before(t) {
		s += " (" + shortDur(now.Sub(t)) + ")"
	}
	return s
}

// doing says what an in-flight instance is waiting for, from its task,
// status and host as last read.
func (r *runView) doing(in ops.Instance) string {
	task, status, host := strings.ToLower(in.Task), strings.ToUpper(in.Status), orDash(in.Host)
	want := "ACTIVE"
	switch strings.ToUpper(in.OrigStatus) {
	case "SHUTOFF", "STOPPED":
		want = "SHUTOFF"
	}
	switch {
	case strings.Contains(task, "rebuild"):
		return "rebuilding on " + host
	case strings.HasPrefix(task, "migrating"):
		return "live-migrating from " + host
	case strings.HasPrefix(task, "resize"):
		return "cold-migrating (" + task + ") on " + host
	case status == "VERIFY_RESIZE":
		return "confirming the resize on " + host
	case task != "":
		return task + " on " + host
	case status == "ERROR":
		return "ERROR on " + host + ", waiting for Nova"
	case in.Host != "" && in.Host != r.host && status != want:
		return "waiting for " + want + " on " + host
	case in.Host != "" && in.Host != r.host:
		return "verifying on " + host
	}
	return "requested, waiting for Nova (" + orDash(status) + " on " + host + ")"
}

// finalStates counts the moved instances by the status they ended in,
// saying what the ones not ACTIVE (or not what they were) were before;
// changed when one ended in another status than it started with.
func finalStates(insts []ops.Instance) (string, bool) {
	type group struct {
		n    int
		orig map[string]int
	}
	groups := map[string]*group{}
	var keys []string
	changed := false
	for _, in := range insts {
		if in.State != ops.OK {
			continue
		}
		st, was := orDash(strings.ToUpper(in.Status)), strings.ToUpper(in.OrigStatus)
		switch was {
		case "MIGRATING":
			was = "ACTIVE" // a live migration already under way
		case "REBUILD", "RESIZE", "VERIFY_RESIZE":
			was = "" // moving already when planned: says nothing
		}
		g := groups[st]
		if g == nil {
			g = &group{orig: map[string]int{}}
			groups[st] = g
			keys = append(keys, st)
		}
		g.n++
		if was != "" {
			g.orig[was]++
			if was != st && was != "ERROR" {
				changed = true
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "ACTIVE") != (keys[j] == "ACTIVE") {
			return keys[i] == "ACTIVE"
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		g := groups[k]
		part := fmt.Sprintf("%d %s", g.n, k)
		var origs []string
		for o := range g.orig {
			if k != "ACTIVE" || o != "ACTIVE" {
				origs = append(origs, o)
			}
		}
		sort.Strings(origs)
		switch {
		case len(origs) == 1 && g.orig[origs[0]] == g.n && g.n == 1:
			part += " (was " + origs[0] + " before)"
		case len(origs) == 1 && g.orig[origs[0]] == g.n:
			part += fmt.Sprintf(" (all %d were %s before)", g.n, origs[0])
		case len(origs) > 0:
			var ws []string
			for _, o := range origs {
				ws = append(ws, fmt.Sprintf("%d %s", g.orig[o], o))
			}
			part += " (before: " + strings.Join(ws, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", "), changed
}

// shortDur: "40s", "3m05s", "1h02m".
func shortDur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// resume re-plans an interrupted host run from the cloud's current state.
func (p *Pane) resume(m pane.ResumeMsg) tea.Cmd {
	e, ok := m.Entry.(ops.Entry)
	if !ok {
		return nil
	}
	verb := strings.TrimSuffix(e.Op, "-host")
	if verb != "evacuate" && verb != "drain" && verb != ops.VerbRecover {
		return pane.Toast(themes.Warn, "cannot resume "+safe.Text(e.Op)+" here")
	}
	return p.planHost(verb, e.Target, e.Details["reason"], &e)
}
