package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// POST /servers/{id}/action: evacuate, os-migrateLive, migrate,
// confirmResize, revertResize, reboot, os-stop, os-start, os-resetState,
// os-getConsoleOutput. Each accepted action records an instance action,
// moves the instance through Nova's task states over a few seconds of story
// time (Story.Schedule) and emits Story events:
//
//	Kind:   the action ("evacuate", "live_migration", "migrate",
//	        "confirm_resize", "revert_resize", "reboot", "stop", "start",
//	        "reset_state")
//	Fields: request_id, instance_id, instance_name, project_id, phase
//	        ("accepted", "progress", "done", "error"), source_host,
//	        dest_host, task_state, error (on phase error)
//	        (also as "source"/"target")
//	Host:   the compute whose logs would show it; for evacuations always
//	        the failed source host.

// actionResult is what an action handler answers.
type actionResult struct {
	code int
	msg  string // error text (code >= 400)
	body any    // nil: empty body
}

func refuse(code int, format string, a ...any) actionResult {
	return actionResult{code: code, msg: fmt.Sprintf(format, a...)}
}

const noValidHost = "No valid host was found. There are not enough hosts available."

func (n *nova) serverAction(q *novaReq, id string) {
	var body map[string]json.RawMessage
	if err := decodeBody(q.r, &body); err != nil || len(body) == 0 {
		q.fail(400, "Malformed request body")
		return
	}
	var name string
	var raw json.RawMessage
	for k, v := range body {
		name, raw = k, v
	}
	if len(body) > 1 {
		q.fail(400, "Malformed request body: more than one action")
		return
	}
	user := "u-" + n.c.Username
	var res actionResult
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		in := ns.instance(id)
		if in == nil {
			res = refuse(404, "Instance %s could not be found.", id)
			return
		}
		a := &novaAction{ns: ns, q: q, in: in, user: user}
		switch name {
		case "evacuate":
			res = a.evacuate(raw)
		case "os-migrateLive":
			res = a.liveMigrate(raw)
		case "migrate":
			res = a.coldMigrate(raw)
		case "confirmResize":
			res = a.confirmResize()
		case "revertResize":
			res = a.revertResize()
		case "reboot":
			res = a.reboot(raw)
		case "os-stop":
			res = a.stop()
		case "os-start":
			res = a.start()
		case "os-resetState":
			res = a.resetState(raw)
		case "os-getConsoleOutput":
			res = a.consoleOutput(raw)
		default:
			res = refuse(400, "There is no such action: %s", name)
		}
	})
	switch {
	case res.msg != "":
		q.fail(res.code, res.msg)
	case res.body != nil:
		q.json(res.code, res.body)
	default:
		q.empty(res.code)
	}
}

// novaAction is one action request on one instance, inside Lock.
type novaAction struct {
	ns   *novaState
	q    *novaReq
	in   *Instance
	user string
}

func (a *novaAction) now() time.Time { return a.ns.story.Now() }

// checkState is Nova's check_instance_state: 409 when the vm_state or
// task_state does not allow the action.
func (a *novaAction) checkState(action string, vms []string, tasks ...string) *actionResult {
	vm := a.ns.vmState(a.in)
	if !contains(vms, vm) {
		r := refuse(409, "Cannot '%s' instance %s while it is in vm_state %s", action, a.in.ID, vm)
		return &r
	}
	if len(tasks) == 0 {
		tasks = []string{""}
	}
	if !contains(tasks, a.in.TaskState) {
		r := refuse(409, "Cannot '%s' instance %s while it is in task_state %s", action, a.in.ID, a.in.TaskState)
		return &r
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// record starts an instance action and claims the instance for it.
func (a *novaAction) record(action string) {
	a.in.Actions = append(a.in.Actions, InstanceAction{Action: action, RequestID: a.q.reqID, UserID: a.user, Start: a.now()})
	a.ns.op[a.in.ID] = a.q.reqID
}

// event opens an instance-action event; the returned func closes it.
func (a *novaAction) event(name, host string) func(result string) {
	ns, req := a.ns, a.q.reqID
	ns.actionEvents[req] = append(ns.actionEvents[req], actionEvent{Event: name, Start: a.now(), Host: host})
	i := len(ns.actionEvents[req]) - 1
	return func(result string) {
		ev := &ns.actionEvents[req][i]
		ev.Finish = ns.story.Now()
		ev.Result = result
	}
}

// failAction marks the instance action failed (message "Error").
func (a *novaAction) failAction() {
	for i := range a.in.Actions {
		if a.in.Actions[i].RequestID == a.q.reqID {
			a.in.Actions[i].Message = "Error"
		}
	}
}

func (a *novaAction) emit(kind, phase, host, msg string, kv ...string) {
	f := map[string]string{"request_id": a.q.reqID, "instance_id": a.in.ID, "instance_name": a.in.Name,
		"project_id": a.in.ProjectID, "phase": phase, "task_state": a.in.TaskState, "status": a.in.Status}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	// Short aliases the log simulator reads.
	if v, ok := f["source_host"]; ok {
		f["source"] = v
	}
	if v, ok := f["dest_host"]; ok {
		f["target"] = v
	}
	a.ns.story.Emit(Event{Kind: kind, Host: host, Service: "nova-compute", Message: msg, Fields: f})
}

// step runs fn after d unless another operation (e.g. reset-state) has
// taken the instance over meanwhile.
func (a *novaAction) step(d time.Duration, fn func()) {
	ns, id, req := a.ns, a.in.ID, a.q.reqID
	ns.story.Schedule(d, func() {
		if ns.op[id] != req {
			return
		}
		fn()
	})
}

// whenHostUp runs fn once the instance's compute has power (an RPC cast to
// a dead nova-compute waits in its queue until the service comes back).
func (a *novaAction) whenHostUp(d time.Duration, fn func()) {
	a.step(d, func() {
		if h := a.ns.story.Host(a.in.Host); h != nil && !h.Powered {
			a.whenHostUp(2*time.Second, fn)
			return
		}
		fn()
	})
}

func (a *novaAction) finish() {
	delete(a.ns.op, a.in.ID)
	delete(a.ns.pending, a.in.ID)
	a.ns.liveRelease(a.in.ID)
}

// MaxConcurrentLiveMigrations is the simulated computes'
// [DEFAULT]max_concurrent_live_migrations (Nova's default is 1; the demo
// runs a few at once so that draining a host stays watchable).
var MaxConcurrentLiveMigrations = 3

// liveAcquire runs start once the source compute has a free live-migration
// slot. Call inside Lock.
func (n *novaState) liveAcquire(source, id string, start func()) {
	run := func() {
		n.liveRunning[source]++
		n.liveSlot[id] = source
		start()
	}
	if n.liveRunning[source] < MaxConcurrentLiveMigrations {
		run()
		return
	}
	n.liveQueue[source] = append(n.liveQueue[source], run)
}

// liveRelease frees the instance's slot (if it holds one) and starts the
// next queued migration of that source.
func (n *novaState) liveRelease(id string) {
	source, ok := n.liveSlot[id]
	if !ok {
		return
	}
	delete(n.liveSlot, id)
	n.liveRunning[source]--
	for n.liveRunning[source] < MaxConcurrentLiveMigrations && len(n.liveQueue[source]) > 0 {
		next := n.liveQueue[source][0]
		n.liveQueue[source] = n.liveQueue[source][1:]
		next()
	}
}

func (a *novaAction) jitter() time.Duration {
	return time.Duration(a.ns.ordinal[a.in.ID]%5) * 300 * time.Millisecond
}

func (a *novaAction) newMigration(typ, dest string) *novaMigration {
	ns := a.ns
	ns.migSeq++
	m := &novaMigration{ID: ns.migSeq, UUID: randomUUID(), Instance: a.in, Type: typ, Source: a.in.Host, Dest: dest,
		FlavorID: a.in.FlavorID, UserID: a.in.UserID, ProjectID: a.in.ProjectID, Created: a.now(), Updated: a.now()}
	switch typ {
	case "evacuation":
		m.Status = "accepted"
	case "live-migration":
		m.Status = "queued"
	default:
		m.Status = "pre-migrating"
	}
	ns.migrations = append(ns.migrations, m)
	return m
}

func (m *novaMigration) set(status string, now time.Time) {
	m.Status = status
	m.Updated = now
}

// targetHost validates an explicitly requested destination.
func (a *novaAction) targetHost(name string) (*Host, *actionResult) {
	h := a.ns.story.Host(name)
	if h == nil || !h.IsCompute() {
		r := refuse(400, "Compute host %s could not be found.", name)
		return nil, &r
	}
	return h, nil
}

func optString(raw json.RawMessage, key string) (string, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", false, err
	}
	v, ok := m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, fmt.Errorf("%v is not of type 'string'", v)
	}
	return s, true, nil
}

// requireKeys and onlyKeys mimic Nova's JSON-schema validation of action
// bodies (Nova rejects unknown properties with a 400).
func requireKeys(action string, raw json.RawMessage, keys ...string) *actionResult {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			r := refuse(400, "Invalid input for field/attribute %s. Value: %s. '%s' is a required property", action, compactJSON(raw), k)
			return &r
		}
	}
	return nil
}

func onlyKeys(action string, raw json.RawMessage, keys ...string) *actionResult {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for k := range m {
		if !contains(keys, k) {
			r := refuse(400, "Invalid input for field/attribute %s. Value: %s. Additional properties are not allowed ('%s' was unexpected)", action, compactJSON(raw), k)
			return &r
		}
	}
	return nil
}

func compactJSON(raw json.RawMessage) string {
	var m any
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func optBool(raw json.RawMessage, key string) bool {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	switch v := m[key].(type) {
	case bool:
		return v
	case string:
		b, _ := boolParam(v)
		return b
	}
	return false
}

// Evacuate: rebuild the instance on another compute because its own is
// dead. Nova refuses while the source nova-compute still reports up.
func (a *novaAction) evacuate(raw json.RawMessage) actionResult {
	in, ns, s := a.in, a.ns, a.ns.story
	if string(raw) == "null" || len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	allowed := []string{"host", "adminPass"}
	switch mv := a.q.mv; {
	case !mv.atLeast(14):
		allowed = append(allowed, "onSharedStorage")
		if r := requireKeys("evacuate", raw, "onSharedStorage"); r != nil {
			return *r
		}
	case mv.atLeast(29) && !mv.atLeast(68):
		allowed = append(allowed, "force")
	}
	if r := onlyKeys("evacuate", raw, allowed...); r != nil {
		return *r
	}
	want, hasHost, err := optString(raw, "host")
	if err != nil {
		return refuse(400, "Invalid input for field/attribute host. Value: %s. %v", raw, err)
	}
	var target *Host
	if hasHost {
		var r *actionResult
		if target, r = a.targetHost(want); r != nil {
			return *r
		}
		if target.Name == in.Host {
			return refuse(400, "The target host can't be the same one.")
		}
	}
	if r := a.checkState("evacuate", []string{"active", "stopped", "error"}); r != nil {
		return *r
	}
	src := s.Host(in.Host)
	if src != nil && s.ServiceUp(src) {
		return refuse(400, "Compute service of %s is still in use.", in.Host)
	}
	force := hasHost && optBool(raw, "force") && !a.q.mv.atLeast(68)
	dest := ""
	switch {
	case target != nil && force:
		dest = target.Name
	case target != nil:
		if ns.schedulable(target) && ns.fits(target, ns.usage()[target.Name], s.Flavor(in.FlavorID), in.VolumeBacked) {
			dest = target.Name
		}
	default:
		dest = ns.pickHost(in, in.Host)
	}
	vm := ns.vmState(in)
	endVM, endPower := "active", 1
	if vm == "stopped" || a.q.mv.atLeast(95) {
		endVM, endPower = "stopped", 4
	}
	source := in.Host
	a.record("evacuate")
	mig := a.newMigration("evacuation", "")
	conductor := a.event("conductor_rebuild_server", source)
	ns.setState(in, vm, "rebuilding")
	if dest != "" {
		ns.pending[in.ID] = dest
	}
	a.emit("evacuate", "accepted", source, fmt.Sprintf("Evacuating instance %s from %s", in.ID, source),
		"source_host", source, "dest_host", dest)
	a.step(time.Second+a.jitter(), func() {
		if dest == "" {
			mig.set("error", s.Now())
			conductor("Error")
			a.failAction()
			ns.setState(in, "error", "")
			in.Fault = noValidHost
			a.finish()
			a.emit("evacuate", "error", source, fmt.Sprintf("Evacuation of %s failed: %s", in.ID, noValidHost),
				"source_host", source, "error", noValidHost)
			return
		}
		conductor("Success")
		mig.Dest = dest
		mig.set("pre-migrating", s.Now())
		in.Host = dest
		ns.setState(in, vm, "rebuild_block_device_mapping")
		compute := a.event("compute_rebuild_instance", dest)
		a.emit("evacuate", "progress", source, fmt.Sprintf("Rebuilding instance %s on %s", in.ID, dest),
			"source_host", source, "dest_host", dest)
		a.step(1500*time.Millisecond, func() {
			ns.setState(in, vm, "rebuild_spawning")
			a.emit("evacuate", "progress", source, fmt.Sprintf("Spawning instance %s on %s", in.ID, dest),
				"source_host", source, "dest_host", dest)
			a.step(1500*time.Millisecond, func() {
				ns.setState(in, endVM, "")
				in.PowerState = endPower
				in.Fault = ""
				mig.set("done", s.Now())
				compute("Success")
				a.finish()
				a.emit("evacuate", "done", source, fmt.Sprintf("Instance %s evacuated from %s to %s", in.ID, source, dest),
					"source_host", source, "dest_host", dest)
			})
		})
	})
	if !a.q.mv.atLeast(14) {
		return actionResult{code: 200, body: map[string]string{"adminPass": strings.ReplaceAll(randomUUID(), "-", "")[:12]}}
	}
	return actionResult{code: 200}
}

// Live migration: MIGRATING for ~5 s, then ACTIVE on the target.
func (a *novaAction) liveMigrate(raw json.RawMessage) actionResult {
	in, ns, s := a.in, a.ns, a.ns.story
	required := []string{"block_migration", "host"}
	allowed := []string{"block_migration", "host"}
	switch mv := a.q.mv; {
	case !mv.atLeast(25):
		required = append(required, "disk_over_commit")
		allowed = append(allowed, "disk_over_commit")
	case mv.atLeast(30) && !mv.atLeast(68):
		allowed = append(allowed, "force")
	}
	if r := requireKeys("os-migrateLive", raw, required...); r != nil {
		return *r
	}
	if r := onlyKeys("os-migrateLive", raw, allowed...); r != nil {
		return *r
	}
	want, hasHost, err := optString(raw, "host")
	if err != nil {
		return refuse(400, "Invalid input for field/attribute host. Value: %s. %v", raw, err)
	}
	var target *Host
	if hasHost {
		var r *actionResult
		if target, r = a.targetHost(want); r != nil {
			return *r
		}
		if target.Name == in.Host {
			return refuse(400, "Unable to migrate instance (%s) to current host (%s).", in.ID, in.Host)
		}
	}
	if r := a.checkState("os-migrateLive", []string{"active", "paused"}); r != nil {
		return *r
	}
	source := in.Host
	src := s.Host(source)
	srcUp := src != nil && src.Powered && s.ServiceUp(src)
	failure := ""
	if !srcUp {
		failure = fmt.Sprintf("Compute service of %s is unavailable at this time.", source)
		// Before 2.34 the conductor's pre-checks ran synchronously.
		if !a.q.mv.atLeast(34) {
			return refuse(400, "%s", failure)
		}
	}
	dest := ""
	if failure == "" {
		force := hasHost && optBool(raw, "force") && !a.q.mv.atLeast(68)
		switch {
		case target != nil && force:
			dest = target.Name
		case target != nil:
			if ns.schedulable(target) && ns.fits(target, ns.usage()[target.Name], s.Flavor(in.FlavorID), in.VolumeBacked) {
				dest = target.Name
			} else if !ns.schedulable(target) {
				failure = fmt.Sprintf("Compute service of %s is unavailable at this time.", target.Name)
			} else {
				failure = noValidHost
			}
		default:
			if dest = ns.pickHost(in, source); dest == "" {
				failure = noValidHost
			}
		}
		if failure != "" && !a.q.mv.atLeast(34) {
			return refuse(400, "%s", failure)
		}
	}
	vm := ns.vmState(in)
	a.record("live-migration")
	mig := a.newMigration("live-migration", dest)
	conductor := a.event("conductor_live_migrate_instance", source)
	ns.setState(in, vm, "migrating")
	if dest != "" {
		ns.pending[in.ID] = dest
	}
	a.emit("live_migration", "accepted", source, fmt.Sprintf("Live migrating instance %s from %s", in.ID, source),
		"source_host", source, "dest_host", dest)
	a.step(500*time.Millisecond, func() {
		if failure != "" {
			mig.set("error", s.Now())
			conductor("Error")
			a.failAction()
			ns.setState(in, vm, "")
			a.finish()
			a.emit("live_migration", "error", source, fmt.Sprintf("Live migration of %s failed: %s", in.ID, failure),
				"source_host", source, "dest_host", dest, "error", failure)
			return
		}
		conductor("Success")
		// nova-compute runs max_concurrent_live_migrations at a time per
		// source; the others stay "queued".
		ns.liveAcquire(source, in.ID, func() {
			if ns.op[in.ID] != a.q.reqID {
				ns.liveRelease(in.ID)
				return
			}
			mig.set("preparing", s.Now())
			pre := a.event("compute_pre_live_migration", dest)
			a.step(time.Second, func() {
				pre("Success")
				mig.set("running", s.Now())
				lm := a.event("compute_live_migration", source)
				a.emit("live_migration", "progress", source, fmt.Sprintf("Live migration of %s to %s running", in.ID, dest),
					"source_host", source, "dest_host", dest)
				a.step(3500*time.Millisecond+a.jitter(), func() {
					in.Host = dest
					ns.setState(in, vm, "")
					mig.set("completed", s.Now())
					lm("Success")
					a.finish()
					a.emit("live_migration", "done", dest, fmt.Sprintf("Instance %s live migrated from %s to %s", in.ID, source, dest),
						"source_host", source, "dest_host", dest)
				})
			})
		})
	})
	return actionResult{code: 202}
}

// Cold migration: RESIZE task states, then VERIFY_RESIZE on the target
// until confirmResize (or revertResize).
func (a *novaAction) coldMigrate(raw json.RawMessage) actionResult {
	in, ns, s := a.in, a.ns, a.ns.story
	var target *Host
	if a.q.mv.atLeast(56) {
		want, hasHost, err := optString(raw, "host")
		if err != nil {
			return refuse(400, "Invalid input for field/attribute host. Value: %s. %v", raw, err)
		}
		if hasHost {
			var r *actionResult
			if target, r = a.targetHost(want); r != nil {
				return *r
			}
			if target.Name == in.Host {
				return refuse(400, "Unable to migrate instance (%s) to current host (%s).", in.ID, in.Host)
			}
		}
	}
	if r := a.checkState("migrate", []string{"active", "stopped"}); r != nil {
		return *r
	}
	source := in.Host
	if src := s.Host(source); src == nil || !s.ServiceUp(src) {
		return refuse(409, "Service is unavailable at this time.")
	}
	dest := ""
	if target != nil {
		if ns.schedulable(target) && ns.fits(target, ns.usage()[target.Name], s.Flavor(in.FlavorID), in.VolumeBacked) {
			dest = target.Name
		}
	} else {
		dest = ns.pickHost(in, source)
	}
	if dest == "" {
		return refuse(400, "%s", noValidHost)
	}
	vm := ns.vmState(in)
	ns.resizeFrom[in.ID] = vm
	a.record("migrate")
	mig := a.newMigration("migration", dest)
	ns.pending[in.ID] = dest
	ns.setState(in, vm, "resize_prep")
	a.emit("migrate", "accepted", source, fmt.Sprintf("Migrating instance %s from %s to %s", in.ID, source, dest),
		"source_host", source, "dest_host", dest)
	prep := a.event("compute_prep_resize", dest)
	a.step(time.Second, func() {
		prep("Success")
		mig.set("migrating", s.Now())
		ns.setState(in, vm, "resize_migrating")
		resize := a.event("compute_resize_instance", source)
		a.step(1500*time.Millisecond+a.jitter(), func() {
			resize("Success")
			mig.set("post-migrating", s.Now())
			in.Host = dest
			ns.setState(in, vm, "resize_migrated")
			fin := a.event("compute_finish_resize", dest)
			a.step(time.Second, func() {
				ns.setState(in, vm, "resize_finish")
				a.step(500*time.Millisecond, func() {
					fin("Success")
					mig.set("finished", s.Now())
					ns.setState(in, "resized", "")
					delete(ns.op, in.ID)
					a.emit("migrate", "done", dest, fmt.Sprintf("Instance %s migrated from %s to %s, awaiting confirmation", in.ID, source, dest),
						"source_host", source, "dest_host", dest)
				})
			})
		})
	})
	return actionResult{code: 202}
}

// finishedMigration is the instance's cold migration awaiting confirmation.
func (a *novaAction) finishedMigration() *novaMigration {
	for i := len(a.ns.migrations) - 1; i >= 0; i-- {
		m := a.ns.migrations[i]
		if m.Instance == a.in && m.Type == "migration" && m.Status == "finished" {
			return m
		}
	}
	return nil
}

// pendingResize is what confirmResize and revertResize both need: the
// instance in VERIFY_RESIZE, its finished migration, and the state to
// return to; or Nova's refusal.
func (a *novaAction) pendingResize(action string) (*novaMigration, string, *actionResult) {
	if r := a.checkState(action, []string{"resized"}); r != nil {
		return nil, "", r
	}
	mig := a.finishedMigration()
	if mig == nil {
		r := refuse(400, "Instance has not been resized.")
		return nil, "", &r
	}
	prev := a.ns.resizeFrom[a.in.ID]
	if prev == "" {
		prev = "active"
	}
	return mig, prev, nil
}

func (a *novaAction) confirmResize() actionResult {
	in, ns, s := a.in, a.ns, a.ns.story
	mig, prev, refused := a.pendingResize("confirmResize")
	if refused != nil {
		return *refused
	}
	a.record("confirmResize")
	mig.set("confirming", s.Now())
	ev := a.event("compute_confirm_resize", mig.Source)
	a.emit("confirm_resize", "accepted", in.Host, fmt.Sprintf("Confirming migration of %s", in.ID),
		"source_host", mig.Source, "dest_host", mig.Dest)
	a.step(time.Second, func() {
		ev("Success")
		mig.set("confirmed", s.Now())
		ns.setState(in, prev, "")
		delete(ns.resizeFrom, in.ID)
		a.finish()
		a.emit("confirm_resize", "done", in.Host, fmt.Sprintf("Migration of %s confirmed on %s", in.ID, in.Host),
			"source_host", mig.Source, "dest_host", mig.Dest)
	})
	return actionResult{code: 204}
}

func (a *novaAction) revertResize() actionResult {
	in, ns, s := a.in, a.ns, a.ns.story
	mig, prev, refused := a.pendingResize("revertResize")
	if refused != nil {
		return *refused
	}
	a.record("revertResize")
	mig.set("reverting", s.Now())
	ns.setState(in, "resized", "resize_reverting")
	ev := a.event("compute_revert_resize", mig.Dest)
	a.emit("revert_resize", "accepted", in.Host, fmt.Sprintf("Reverting migration of %s", in.ID),
		"source_host", mig.Source, "dest_host", mig.Dest)
	a.step(2*time.Second, func() {
		ev("Success")
		mig.set("reverted", s.Now())
		in.Host = mig.Source
		ns.setState(in, prev, "")
		delete(ns.resizeFrom, in.ID)
		a.finish()
		a.emit("revert_resize", "done", in.Host, fmt.Sprintf("Migration of %s reverted to %s", in.ID, in.Host),
			"source_host", mig.Source, "dest_host", mig.Dest)
	})
	return actionResult{code: 202}
}

func (a *novaAction) reboot(raw json.RawMessage) actionResult {
	in, ns := a.in, a.ns
	typ, ok, err := optString(raw, "type")
	if err != nil || !ok {
		return refuse(400, "Invalid input for field/attribute reboot. Value: %s. 'type' is a required property", raw)
	}
	typ = strings.ToUpper(typ)
	var tasks []string
	switch typ {
	case "SOFT":
		if r := a.checkState("reboot", []string{"active"}); r != nil {
			return *r
		}
		tasks = []string{"rebooting", "reboot_pending", "reboot_started"}
	case "HARD":
		if r := a.checkState("reboot", []string{"active", "stopped", "error", "paused", "suspended"},
			"", "rebooting", "reboot_pending", "reboot_started", "rebooting_hard", "reboot_pending_hard",
			"reboot_started_hard"); r != nil {
			return *r
		}
		tasks = []string{"rebooting_hard", "reboot_pending_hard", "reboot_started_hard"}
	default:
		return refuse(400, "Invalid input for field/attribute type. Value: %s. '%s' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']", typ, typ)
	}
	vm := ns.vmState(in)
	a.record("reboot")
	ns.setState(in, vm, tasks[0])
	ev := a.event("compute_reboot_instance", in.Host)
	a.emit("reboot", "accepted", in.Host, fmt.Sprintf("%s reboot of instance %s", typ, in.ID), "type", typ)
	a.whenHostUp(700*time.Millisecond, func() {
		ns.setState(in, vm, tasks[1])
		a.step(400*time.Millisecond, func() {
			ns.setState(in, vm, tasks[2])
			a.step(time.Second+a.jitter(), func() {
				ns.setState(in, "active", "")
				in.PowerState = 1
				in.Fault = ""
				ev("Success")
				a.finish()
				a.emit("reboot", "done", in.Host, fmt.Sprintf("Instance %s rebooted (%s)", in.ID, typ), "type", typ)
			})
		})
	})
	return actionResult{code: 202}
}

func (a *novaAction) stop() actionResult {
	in, ns := a.in, a.ns
	if r := a.checkState("stop", []string{"active", "error"}); r != nil {
		return *r
	}
	vm := ns.vmState(in)
	a.record("stop")
	ns.setState(in, vm, "powering-off")
	ev := a.event("compute_stop_instance", in.Host)
	a.emit("stop", "accepted", in.Host, fmt.Sprintf("Stopping instance %s", in.ID))
	a.whenHostUp(800*time.Millisecond+a.jitter(), func() {
		ns.setState(in, "stopped", "")
		in.PowerState = 4
		ev("Success")
		a.finish()
		a.emit("stop", "done", in.Host, fmt.Sprintf("Instance %s stopped", in.ID))
	})
	return actionResult{code: 202}
}

func (a *novaAction) start() actionResult {
	in, ns := a.in, a.ns
	if r := a.checkState("start", []string{"stopped"}); r != nil {
		return *r
	}
	a.record("start")
	ns.setState(in, "stopped", "powering-on")
	ev := a.event("compute_start_instance", in.Host)
	a.emit("start", "accepted", in.Host, fmt.Sprintf("Starting instance %s", in.ID))
	a.whenHostUp(800*time.Millisecond+a.jitter(), func() {
		ns.setState(in, "active", "")
		in.PowerState = 1
		ev("Success")
		a.finish()
		a.emit("start", "done", in.Host, fmt.Sprintf("Instance %s started", in.ID))
	})
	return actionResult{code: 202}
}

func (a *novaAction) resetState(raw json.RawMessage) actionResult {
	in, ns := a.in, a.ns
	state, ok, err := optString(raw, "state")
	if err != nil || !ok || (state != "active" && state != "error") {
		return refuse(400, "Invalid input for field/attribute state. Value: %s. '%s' is not one of ['active', 'error']", state, state)
	}
	a.record("reset_state")
	ns.setState(in, state, "")
	if state == "active" {
		in.Fault = ""
	}
	a.event("reset_state", in.Host)("Success")
	a.finish()
	a.emit("reset_state", "done", in.Host, fmt.Sprintf("Instance %s state reset to %s", in.ID, state), "state", state)
	return actionResult{code: 202}
}

func (a *novaAction) consoleOutput(raw json.RawMessage) actionResult {
	in, s := a.in, a.ns.story
	length := -1
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err == nil {
		switch v := m["length"].(type) {
		case float64:
			length = int(v)
		case string:
			l, err := strconv.Atoi(v)
			if err != nil {
				return refuse(400, "Invalid input for field/attribute length. Value: %s.", v)
			}
			length = l
		}
	}
	if in.Host == "" || a.ns.vmState(in) == "building" {
		return refuse(409, "Instance %s is not ready", in.ID)
	}
	if h := s.Host(in.Host); h != nil && !h.Powered {
		return refuse(500, "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'oslo_messaging.exceptions.MessagingTimeout'>")
	}
	lines := consoleLines(a.ns, in)
	if length >= 0 && length < len(lines) {
		lines = lines[len(lines)-length:]
	}
	return actionResult{code: 200, body: map[string]string{"output": strings.Join(lines, "\n")}}
}

// consoleLines fakes a guest's serial console: a boot, cloud-init, and a
// line per power action.
func consoleLines(ns *novaState, in *Instance) []string {
	boot := in.Created.Add(3 * time.Second)
	stamp := func(t time.Time) string { return t.UTC().Format("Jan _2 15:04:05") }
	host := hostnameOf(in.Name)
	var out []string
	k := 0.0
	kern := func(msg string) {
		out = append(out, fmt.Sprintf("[%12.6f] %s", k, msg))
		k += 0.173
	}
	kern("Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) (gcc 13.2.0) #49-Ubuntu SMP PREEMPT_DYNAMIC")
	kern("Command line: BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0")
	kern("KVM setup pv remote TLB flush")
	kern("Hypervisor detected: KVM")
	kern(fmt.Sprintf("Memory: %dK available", 1024*func() int {
		if f := ns.story.Flavor(in.FlavorID); f != nil {
			return f.RAMMB
		}
		return 512
	}()))
	kern("virtio_blk virtio2: [vda] 41943040 512-byte logical blocks (21.5 GB/20.0 GiB)")
	kern("EXT4-fs (vda1): mounted filesystem with ordered data mode.")
	kern("systemd[1]: Detected virtualization kvm.")
	out = append(out,
		fmt.Sprintf("[  OK  ] Started cloud-init.service - Cloud-init: Network Stage."),
		fmt.Sprintf("ci-info: ++++++++++++++++++++++Net device info+++++++++++++++++++++++"),
	)
	for _, ip := range in.IPs {
		out = append(out, fmt.Sprintf("ci-info: | ens3 | True | %s | 255.255.255.0 | global | fa:16:3e:%s:%s:00 |", ip, in.ID[0:2], in.ID[2:4]))
	}
	out = append(out,
		fmt.Sprintf("Cloud-init v. 24.1.3 running 'modules:final' at %s. Up 11.42 seconds.", boot.UTC().Format(time.RFC1123Z)),
		fmt.Sprintf("Cloud-init v. 24.1.3 finished at %s. Datasource DataSourceOpenStackLocal.  Up 12.07 seconds", boot.UTC().Format(time.RFC1123Z)),
		"",
		fmt.Sprintf("Ubuntu 24.04.1 LTS %s ttyS0", host),
		"",
		fmt.Sprintf("%s login: ", host),
	)
	for _, act := range in.Actions {
		switch act.Action {
		case "reboot", "stop":
			out = append(out, fmt.Sprintf("%s %s systemd-shutdown[1]: Syncing filesystems and block devices.", stamp(act.Start), host),
				fmt.Sprintf("[%12.6f] reboot: Power down", k))
			if act.Action == "reboot" {
				out = append(out, fmt.Sprintf("[    0.000000] Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP"),
					fmt.Sprintf("%s login: ", host))
			}
		case "start", "evacuate", "migrate":
			out = append(out, fmt.Sprintf("[    0.000000] Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP"),
				fmt.Sprintf("%s %s cloud-init[612]: Cloud-init v. 24.1.3 running 'init-local'", stamp(act.Start), host),
				fmt.Sprintf("%s login: ", host))
		}
	}
	return out
}
