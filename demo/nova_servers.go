package demo

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Servers: list/detail with Nova's filters and paging, show, volume
// attachments, instance actions.

// vmState is the instance's vm_state (Nova's internal state; status is
// derived from it and the task state).
func (n *novaState) vmState(in *Instance) string {
	if in.Deleted {
		return "deleted"
	}
	if v, ok := n.vm[in.ID]; ok {
		return v
	}
	switch in.Status {
	case "SHUTOFF":
		return "stopped"
	case "ERROR":
		return "error"
	case "BUILD":
		return "building"
	case "VERIFY_RESIZE":
		return "resized"
	case "DELETED":
		return "deleted"
	case "SUSPENDED":
		return "suspended"
	case "PAUSED":
		return "paused"
	}
	return "active"
}

// novaStatus maps vm_state and task_state to the API status, as Nova's
// common.status_from_state does.
func novaStatus(vm, task string) string {
	switch task {
	case "rebooting", "reboot_pending", "reboot_started":
		if vm == "active" {
			return "REBOOT"
		}
	case "rebooting_hard", "reboot_pending_hard", "reboot_started_hard":
		return "HARD_REBOOT"
	case "rebuilding", "rebuild_block_device_mapping", "rebuild_spawning":
		return "REBUILD"
	case "migrating":
		if vm == "active" || vm == "paused" {
			return "MIGRATING"
		}
	case "resize_prep", "resize_migrating", "resize_migrated", "resize_finish":
		return "RESIZE"
	case "resize_reverting":
		return "REVERT_RESIZE"
	}
	switch vm {
	case "active":
		return "ACTIVE"
	case "stopped":
		return "SHUTOFF"
	case "error":
		return "ERROR"
	case "building":
		return "BUILD"
	case "resized":
		return "VERIFY_RESIZE"
	case "deleted":
		return "DELETED"
	case "suspended":
		return "SUSPENDED"
	case "paused":
		return "PAUSED"
	}
	return "UNKNOWN"
}

// setState changes an instance's vm_state/task_state and bumps Updated.
func (n *novaState) setState(in *Instance, vm, task string) {
	n.vm[in.ID] = vm
	in.TaskState = task
	in.Status = novaStatus(vm, task)
	n.story.Touch(in)
}

// instanceVolume is a Cinder volume attached to an instance.
type instanceVolume struct {
	ID, Device string
	Root       bool
}

// instanceVolumes returns the volumes attached to an instance: its root
// volume when booted from volume, and a data volume on some of them.
func (n *novaState) instanceVolumes(in *Instance) []instanceVolume {
	var out []instanceVolume
	dev := 'a'
	if in.VolumeBacked {
		out = append(out, instanceVolume{ID: stableUUID("volume", in.ID, "root"), Device: "/dev/vda", Root: true})
		dev = 'b'
	} else {
		dev = 'b'
	}
	if n.ord(in.ID)%4 == 0 {
		out = append(out, instanceVolume{ID: stableUUID("volume", in.ID, "data"), Device: "/dev/vd" + string(dev)})
	}
	return out
}

// hostStatus is the server's host_status (2.16+).
func (n *novaState) hostStatus(host string) string {
	h := n.story.Host(host)
	if h == nil {
		return ""
	}
	if h.ForcedDown {
		return "DOWN"
	}
	if n.story.ServiceUp(h) {
		if h.ServiceDisabled {
			return "MAINTENANCE"
		}
		return "UP"
	}
	return "UNKNOWN"
}

func link(rel, href string) map[string]string { return map[string]string{"rel": rel, "href": href} }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// hostnameOf sanitizes a server name into a hostname as Nova does.
func hostnameOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ', r == '_', r == '.':
			b.WriteByte('-')
		}
	}
	h := strings.Trim(b.String(), "-")
	if len(h) > 63 {
		h = h[:63]
	}
	if h == "" {
		h = "server"
	}
	return h
}

// parseNovaTime accepts the ISO 8601 forms Nova accepts for changes-since.
func parseNovaTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999",
		"2006-01-02T15:04:05.999999Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func boolParam(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

type serverFilter struct {
	allTenants     bool
	project        string
	host, node     string
	status         map[string]bool
	name           *regexp.Regexp
	uuid           string
	flavor, image  string
	since, before  time.Time
	deletedOnly    bool
	includeDeleted bool
	ip             *regexp.Regexp
}

func (f *serverFilter) match(n *novaState, in *Instance, ownProject string) bool {
	if in.Deleted {
		if !f.includeDeleted && !f.deletedOnly {
			return false
		}
	} else if f.deletedOnly {
		return false
	}
	if !f.allTenants && in.ProjectID != ownProject {
		return false
	}
	if f.project != "" && in.ProjectID != f.project {
		return false
	}
	if f.host != "" && in.Host != f.host {
		return false
	}
	if f.node != "" && in.Host != f.node {
		return false
	}
	if f.uuid != "" && in.ID != f.uuid {
		return false
	}
	if f.flavor != "" && in.FlavorID != f.flavor {
		return false
	}
	if f.image != "" && in.ImageID != f.image {
		return false
	}
	if f.status != nil && !f.status[in.Status] {
		return false
	}
	upd := in.Updated.Truncate(time.Second)
	if !f.since.IsZero() && upd.Before(f.since) {
		return false
	}
	if !f.before.IsZero() && upd.After(f.before) {
		return false
	}
	if f.name != nil && !f.name.MatchString(in.Name) {
		return false
	}
	if f.ip != nil {
		ok := false
		for _, ip := range in.IPs {
			if f.ip.MatchString(ip) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (n *nova) listServers(q *novaReq, detail bool) {
	qs := q.r.URL.Query()
	var f serverFilter
	if _, ok := qs["all_tenants"]; ok {
		f.allTenants = true
		if v := qs.Get("all_tenants"); v != "" {
			b, ok := boolParam(v)
			if !ok {
				q.fail(400, fmt.Sprintf("Unrecognized value '%s', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'", v))
				return
			}
			f.allTenants = b
		}
	}
	f.project = qs.Get("project_id")
	if f.project == "" {
		f.project = qs.Get("tenant_id")
	}
	f.host, f.node, f.uuid = qs.Get("host"), qs.Get("node"), qs.Get("uuid")
	f.flavor, f.image = qs.Get("flavor"), qs.Get("image")
	if st := qs["status"]; len(st) > 0 {
		f.status = map[string]bool{}
		for _, v := range st {
			f.status[strings.ToUpper(v)] = true
		}
	}
	for _, p := range []struct {
		key string
		dst **regexp.Regexp
	}{{"name", &f.name}, {"ip", &f.ip}} {
		if v := qs.Get(p.key); v != "" {
			re, err := regexp.Compile(v)
			if err != nil {
				re = regexp.MustCompile(regexp.QuoteMeta(v))
			}
			*p.dst = re
		}
	}
	for _, p := range []struct {
		key string
		dst *time.Time
		mv  int
	}{{"changes-since", &f.since, 0}, {"changes-before", &f.before, 66}} {
		v := qs.Get(p.key)
		if v == "" || !q.mv.atLeast(p.mv) {
			continue
		}
		t, ok := parseNovaTime(v)
		if !ok {
			q.fail(400, fmt.Sprintf("Invalid input for query parameters %s. Value: %s. %s is not a 'date-time'", p.key, v, v))
			return
		}
		*p.dst = t
	}
	if !f.since.IsZero() && !f.before.IsZero() && f.before.Before(f.since) {
		q.fail(400, fmt.Sprintf("The value of changes-since must be less than or equal to changes-before."))
		return
	}
	if v := qs.Get("deleted"); v != "" {
		b, _ := boolParam(v)
		f.deletedOnly = b
	}
	// Nova includes deleted servers whenever changes-since/before is given.
	f.includeDeleted = !f.since.IsZero() || !f.before.IsZero()
	limit := novaMaxListLimit
	if v := qs.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 {
			q.fail(400, "limit param must be an integer")
			return
		}
		if l < limit {
			limit = l
		}
	}
	marker := qs.Get("marker")
	byUUID, desc, msg := uuidSort(qs)
	if msg != "" {
		q.fail(400, msg)
		return
	}

	// About 2.4 KB per detailed server: size the buffer for the page.
	buf := getPage(min(limit, 1000)*2500 + 256)
	defer func() { putPage(buf) }()
	buf = append(buf, `{"servers":[`...)
	count := 0
	var last string
	var missing bool
	s := n.c.Story
	asked := time.Now()
	s.Lock(func() {
		q.idle(time.Since(asked)) // another request's turn, not this one's work
		ns := novaFor(s)
		ns.sync()
		ns.reindex()
		own := s.Projects[0].ID
		order, pos := ns.order, ns.posIn(ns.pos)
		if byUUID {
			order, pos = ns.uuidOrder(desc)
		}
		start := 0
		if marker != "" {
			i, ok := pos(marker)
			if !ok {
				missing = true
				return
			}
			start = i + 1
		}
		list := order
		if !f.since.IsZero() {
			// changes-since: only the changed servers, in list order.
			if changed, ok := s.changedSince(f.since); ok {
				at := func(in *Instance) int {
					if i, ok := pos(in.ID); ok {
						return i
					}
					return 0
				}
				sort.Slice(changed, func(i, j int) bool { return at(changed[i]) < at(changed[j]) })
				first := sort.Search(len(changed), func(i int) bool { return at(changed[i]) >= start })
				list, start = changed[first:], 0
				ns.scanned += len(list)
			} else {
				ns.scanned += len(order) - start
			}
		}
		for i := start; i < len(list) && count < limit; i++ {
			in := list[i]
			if !f.match(ns, in, own) {
				continue
			}
			if count > 0 {
				buf = append(buf, ',')
			}
			count++
			last = in.ID
			if detail {
				buf = ns.appendServer(buf, q, in)
			} else {
				buf = appendServerRef(buf, q, in)
			}
		}
	})
	if missing {
		q.fail(400, fmt.Sprintf("marker [%s] not found", marker))
		return
	}
	buf = append(buf, ']')
	if count > 0 && count == limit {
		nq := url.Values{}
		for k, v := range qs {
			nq[k] = v
		}
		nq.Set("marker", last)
		nq.Set("limit", strconv.Itoa(limit))
		p := "/v2.1/servers"
		if detail {
			p += "/detail"
		}
		buf = append(buf, `,"servers_links":[{"rel":"next","href":`...)
		buf = appendJSONString(buf, q.base+p+"?"+nq.Encode())
		buf = append(buf, "}]"...)
	}
	buf = append(buf, "}\n"...)
	q.raw(200, buf)
}

func (n *nova) showServer(q *novaReq, id string) {
	var buf []byte
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		if in := ns.instance(id); in != nil {
			buf = append(buf, `{"server":`...)
			buf = ns.appendServer(buf, q, in)
			buf = append(buf, "}\n"...)
		}
	})
	if buf == nil {
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	q.raw(200, buf)
}

func (n *nova) volumeAttachments(q *novaReq, id string) {
	var atts []map[string]any
	found := false
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		in := ns.instance(id)
		if in == nil {
			return
		}
		found = true
		for _, v := range ns.instanceVolumes(in) {
			a := map[string]any{"device": v.Device, "serverId": in.ID, "volumeId": v.ID}
			if !q.mv.atLeast(89) {
				a["id"] = v.ID
			}
			if q.mv.atLeast(70) {
				a["tag"] = nil
			}
			if q.mv.atLeast(79) {
				a["delete_on_termination"] = false
			}
			if q.mv.atLeast(89) {
				a["attachment_id"] = stableUUID("attachment", v.ID)
				a["bdm_uuid"] = stableUUID("bdm", v.ID)
			}
			atts = append(atts, a)
		}
	})
	if !found {
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	if atts == nil {
		atts = []map[string]any{}
	}
	q.json(200, map[string]any{"volumeAttachments": atts})
}

func (ns *novaState) renderAction(q *novaReq, in *Instance, a InstanceAction) map[string]any {
	m := map[string]any{"action": a.Action, "instance_uuid": in.ID, "message": nullable(a.Message),
		"project_id": in.ProjectID, "request_id": a.RequestID, "start_time": tmicro(a.Start), "user_id": a.UserID}
	if q.mv.atLeast(58) {
		upd := a.Start
		for _, e := range ns.actionEvents[a.RequestID] {
			if e.Finish.After(upd) {
				upd = e.Finish
			}
		}
		m["updated_at"] = tmicro(upd)
	}
	return m
}

func (n *nova) instanceActions(q *novaReq, id string) {
	var acts []map[string]any
	found := false
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		in := ns.instance(id)
		if in == nil {
			return
		}
		found = true
		for i := len(in.Actions) - 1; i >= 0; i-- {
			acts = append(acts, ns.renderAction(q, in, in.Actions[i]))
		}
	})
	if !found {
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	if acts == nil {
		acts = []map[string]any{}
	}
	q.json(200, map[string]any{"instanceActions": acts})
}

func (n *nova) instanceAction(q *novaReq, id, reqID string) {
	var act map[string]any
	found := false
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		in := ns.instance(id)
		if in == nil {
			return
		}
		found = true
		for _, a := range in.Actions {
			if a.RequestID != reqID {
				continue
			}
			act = ns.renderAction(q, in, a)
			evs := []map[string]any{}
			for _, e := range ns.actionEvents[a.RequestID] {
				em := map[string]any{"event": e.Event, "start_time": tmicro(e.Start), "finish_time": tmicro(e.Finish),
					"result": nullable(e.Result), "traceback": nil}
				if q.mv.atLeast(62) {
					em["host"] = e.Host
					em["hostId"] = hostID(in.ProjectID, e.Host)
				}
				if q.mv.atLeast(84) {
					em["details"] = nil
				}
				evs = append(evs, em)
			}
			act["events"] = evs
		}
	})
	switch {
	case !found:
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
	case act == nil:
		q.fail(404, fmt.Sprintf("Action for request_id %s on instance %s not found", reqID, id))
	default:
		q.json(200, map[string]any{"instanceAction": act})
	}
}

// uuidSort reads sort_key/sort_dir. The demo sorts by uuid only (what
// stackpit asks for: a list read from both ends at once); Nova's other
// sort keys are refused rather than silently ignored, so a client that
// relied on them cannot pass against the demo and fail against Nova.
func uuidSort(qs url.Values) (byUUID, desc bool, msg string) {
	keys, dirs := qs["sort_key"], qs["sort_dir"]
	if len(keys) == 0 {
		if len(dirs) > 0 {
			// Nova applies a lone sort_dir to its default keys; the demo
			// lists in its one default order.
			return false, false, "demo: sort_dir without sort_key is not simulated"
		}
		return false, false, ""
	}
	if len(keys) > 1 || keys[0] != "uuid" {
		return false, false, fmt.Sprintf("demo: sort_key %v is not simulated (only uuid)", keys)
	}
	if len(dirs) > 1 {
		return false, false, "The number of sort_keys and sort_dirs must be same"
	}
	if len(dirs) == 1 {
		switch dirs[0] {
		case "asc":
		case "desc":
			desc = true
		default:
			return false, false, fmt.Sprintf("Unknown sort direction, must be 'desc' or 'asc'")
		}
	}
	// Nova's default direction for a key given without one is desc.
	if len(dirs) == 0 {
		desc = true
	}
	return true, desc, ""
}

// uuidOrder is the server index sorted by uuid (desc: reversed), with
// each server's position, rebuilt with the default index.
func (n *novaState) uuidOrder(desc bool) ([]*Instance, func(id string) (int, bool)) {
	n.takeWarm()
	if n.byUUIDGen != n.indexed || n.byUUID[0] == nil {
		n.setUUIDOrder(uuidIndex(n.order))
	}
	if desc {
		last := len(n.byUUID[1]) - 1
		return n.byUUID[1], func(id string) (int, bool) {
			i, ok := n.uuidPos[id]
			return last - i, ok
		}
	}
	return n.byUUID[0], n.posIn(n.uuidPos)
}

// setUUIDOrder installs the uuid order of the current index.
func (n *novaState) setUUIDOrder(asc []*Instance, pos map[string]int) {
	dsc := slices.Clone(asc)
	slices.Reverse(dsc)
	n.byUUID, n.uuidPos, n.byUUIDGen = [2][]*Instance{asc, dsc}, pos, n.indexed
}

// uuidIndex is order sorted by uuid with each server's position (pure,
// like listIndex).
func uuidIndex(order []*Instance) ([]*Instance, map[string]int) {
	keys := make([]sortKey, len(order))
	for i, in := range order {
		keys[i] = sortKey{pfx: idPrefix(in.ID), in: in}
	}
	slices.SortFunc(keys, sortKey.compareID)
	asc := make([]*Instance, len(keys))
	pos := make(map[string]int, len(keys))
	for i, k := range keys {
		asc[i] = k.in
		pos[k.in.ID] = i
	}
	return asc, pos
}

// posIn looks positions up in m.
func (n *novaState) posIn(m map[string]int) func(id string) (int, bool) {
	return func(id string) (int, bool) {
		i, ok := m[id]
		return i, ok
	}
}

// pages recycles server list page buffers (2.5 MB each at limit=1000):
// a 50k load is 50 of them, and with the in-process demo (--demo-scale)
// each fresh one is heap the cockpit's collector must also run for. A
// free list, not a sync.Pool: a collection empties a pool, and a load is
// collections back to back. It keeps as many as are ever in flight at
// once, up to maxFreePages (the cockpit reads both ends at once).
var pages struct {
	sync.Mutex
	free [][]byte
}

const maxFreePages = 4

func getPage(size int) []byte {
	pages.Lock()
	defer pages.Unlock()
	for i, b := range pages.free {
		if cap(b) >= size {
			pages.free = append(pages.free[:i], pages.free[i+1:]...)
			return b[:0]
		}
	}
	return make([]byte, 0, size)
}

// putPage returns a page once written (ResponseWriter.Write does not keep
// it).
func putPage(b []byte) {
	pages.Lock()
	defer pages.Unlock()
	if len(pages.free) < maxFreePages {
		pages.free = append(pages.free, b)
	}
}
