package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// os-services, os-hypervisors, os-migrations, flavors and the capacity model
// shared with Placement.

// Allocation ratios and reserved memory of the simulated computes. The RAM
// and CPU ratios grow with --demo-scale so that a bigger story still fits
// after one compute dies (real operators tune these in nova.conf).
type capacityModel struct {
	cpuRatio, ramRatio, diskRatio float64
	reservedMB                    int
}

// hostUsage is what the instances on one compute consume.
type hostUsage struct {
	VCPUs, RAMMB, DiskGB, Instances int
}

func (n *novaState) capacity() capacityModel {
	if n.capModel.cpuRatio != 0 {
		return n.capModel
	}
	s := n.story
	computes := s.Computes()
	var cpu, ram, disk, pcpu, pram, pdisk float64
	for _, in := range s.Instances {
		if f := s.Flavor(in.FlavorID); f != nil {
			cpu += float64(f.VCPUs)
			ram += float64(f.RAMMB)
			if !in.VolumeBacked {
				disk += float64(f.DiskGB)
			}
		}
	}
	for i, h := range computes {
		if i == 0 {
			continue // capacity left with one compute lost
		}
		pcpu += float64(h.VCPUs)
		pram += float64(h.MemoryMB - 512)
		pdisk += float64(h.DiskGB)
	}
	ratio := func(demand, phys, def float64) float64 {
		if phys <= 0 {
			return def
		}
		r := math.Ceil(demand/(phys*0.8)*2) / 2
		return math.Max(def, r)
	}
	n.capModel = capacityModel{cpuRatio: ratio(cpu, pcpu, 16), ramRatio: ratio(ram, pram, 1.5),
		diskRatio: ratio(disk, pdisk, 1.0), reservedMB: 512}
	return n.capModel
}

// usage sums the allocations on each compute: instances placed there plus
// in-flight moves towards it. Call inside Lock.
//
// The instances' part is summed once per instance generation (Placement
// asks per provider every refresh: at 50,000 servers each sum was a scan).
func (n *novaState) usage() map[string]*hostUsage {
	s := n.story
	flavors := map[string]*Flavor{}
	for _, f := range s.Flavors {
		flavors[f.ID] = f
	}
	add := func(u map[string]*hostUsage, host string, in *Instance, count bool) {
		hu := u[host]
		f := flavors[in.FlavorID]
		if hu == nil || f == nil {
			return
		}
		hu.VCPUs += f.VCPUs
		hu.RAMMB += f.RAMMB
		if !in.VolumeBacked {
			hu.DiskGB += f.DiskGB
		}
		if count {
			hu.Instances++
		}
	}
	if n.placed == nil || n.placedGen != s.instanceGen() {
		n.placed = map[string]hostUsage{}
		sums := map[string]*hostUsage{}
		for _, h := range s.Computes() {
			sums[h.Name] = &hostUsage{}
		}
		for _, in := range s.Instances {
			if in.Deleted || in.Host == "" {
				continue
			}
			add(sums, in.Host, in, true)
		}
		for h, hu := range sums {
			n.placed[h] = *hu
		}
		n.placedGen = s.instanceGen()
	}
	u := map[string]*hostUsage{}
	for _, h := range s.Computes() {
		hu := n.placed[h.Name]
		u[h.Name] = &hu
	}
	for id, target := range n.pending {
		if in := n.byID(id); in != nil && in.Host != target {
			add(u, target, in, false)
		}
	}
	return u
}

// fits reports whether flavor f fits on host h given usage u.
func (n *novaState) fits(h *Host, u *hostUsage, f *Flavor, volumeBacked bool) bool {
	cm := n.capacity()
	if u == nil || f == nil {
		return false
	}
	disk := f.DiskGB
	if volumeBacked {
		disk = 0
	}
	return float64(u.VCPUs+f.VCPUs) <= float64(h.VCPUs)*cm.cpuRatio &&
		float64(u.RAMMB+f.RAMMB) <= float64(h.MemoryMB-cm.reservedMB)*cm.ramRatio &&
		float64(u.DiskGB+disk) <= float64(h.DiskGB)*cm.diskRatio
}

// schedulable reports whether the scheduler may place instances on h.
func (n *novaState) schedulable(h *Host) bool {
	return h != nil && h.IsCompute() && h.Powered && n.story.ServiceUp(h) && !h.ServiceDisabled
}

// pickHost is the scheduler: the enabled, up compute (not source) with the
// most free RAM that fits the instance. "" means NoValidHost.
func (n *novaState) pickHost(in *Instance, source string) string {
	f := n.story.Flavor(in.FlavorID)
	u := n.usage()
	cm := n.capacity()
	best, bestFree := "", math.Inf(-1)
	for _, h := range n.story.Computes() {
		if h.Name == source || !n.schedulable(h) || !n.fits(h, u[h.Name], f, in.VolumeBacked) {
			continue
		}
		free := float64(h.MemoryMB-cm.reservedMB)*cm.ramRatio - float64(u[h.Name].RAMMB)
		if free > bestFree {
			best, bestFree = h.Name, free
		}
	}
	return best
}

// Services.

type novaService struct {
	host   *Host
	binary string
	id     int
	uuid   string
}

func (n *novaState) services() []novaService {
	var out []novaService
	id := 0
	for _, h := range n.story.Hosts {
		if h.IsCompute() {
			continue
		}
		for _, b := range []string{"nova-scheduler", "nova-conductor"} {
			id++
			out = append(out, novaService{host: h, binary: b, id: id, uuid: stableUUID("nova-service", h.Name, b)})
		}
	}
	for _, h := range n.story.Computes() {
		id++
		out = append(out, novaService{host: h, binary: "nova-compute", id: id, uuid: stableUUID("nova-service", h.Name, "nova-compute")})
	}
	return out
}

func svcKey(host, binary string) string { return host + "/" + binary }

// serviceState returns status, reason, forced, up for a service.
func (n *novaState) serviceState(sv novaService) (disabled bool, reason string, forced, up bool) {
	h := sv.host
	if sv.binary == "nova-compute" {
		return h.ServiceDisabled, h.DisabledReason, h.ForcedDown, n.story.ServiceUp(h)
	}
	reason, disabled = n.svcDisabled[svcKey(h.Name, sv.binary)]
	forced = n.svcForced[svcKey(h.Name, sv.binary)]
	up = !forced && (h.Powered || n.story.Now().Sub(h.DownSince) < HeartbeatTimeout)
	return
}

func (n *novaState) renderService(q *novaReq, sv novaService) map[string]any {
	disabled, reason, forced, up := n.serviceState(sv)
	m := map[string]any{"binary": sv.binary, "host": sv.host.Name, "zone": sv.host.Zone,
		"status": "enabled", "state": "up", "updated_at": tmicro(n.story.LastHeartbeat(sv.host)),
		"disabled_reason": nil}
	if sv.binary != "nova-compute" {
		m["zone"] = "internal"
	}
	if q.mv.atLeast(53) {
		m["id"] = sv.uuid
	} else {
		m["id"] = sv.id
	}
	if disabled {
		m["status"] = "disabled"
		m["disabled_reason"] = nullable(reason)
	}
	if !up {
		m["state"] = "down"
	}
	if q.mv.atLeast(11) {
		m["forced_down"] = forced
	}
	return m
}

func (n *nova) listServices(q *novaReq) {
	qs := q.r.URL.Query()
	var out []map[string]any
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		for _, sv := range ns.services() {
			if h := qs.Get("host"); h != "" && sv.host.Name != h {
				continue
			}
			if b := qs.Get("binary"); b != "" && sv.binary != b {
				continue
			}
			out = append(out, ns.renderService(q, sv))
		}
	})
	if out == nil {
		out = []map[string]any{}
	}
	q.json(200, map[string]any{"services": out})
}

const forceUpRefused = "Unable to force up host %s as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request."

func (n *nova) updateService(q *novaReq, idOrAction string) {
	var body map[string]any
	if err := decodeBody(q.r, &body); err != nil {
		q.fail(400, "Malformed request body")
		return
	}
	str := func(k string) (string, bool) {
		v, ok := body[k]
		if !ok {
			return "", false
		}
		s, isStr := v.(string)
		return s, isStr
	}
	var (
		code = 200
		msg  string
		resp map[string]any
	)
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		var sv *novaService
		find := func(pred func(novaService) bool) {
			for _, x := range ns.services() {
				if pred(x) {
					x := x
					sv = &x
					return
				}
			}
		}
		if q.mv.atLeast(53) {
			find(func(x novaService) bool { return x.uuid == idOrAction })
			if sv == nil {
				code, msg = 404, fmt.Sprintf("Service %s could not be found.", idOrAction)
				return
			}
			if sv.binary != "nova-compute" {
				code, msg = 400, fmt.Sprintf("Updating a %s service is not supported. Only nova-compute services can be updated.", sv.binary)
				return
			}
			status, hasStatus := str("status")
			reason, hasReason := str("disabled_reason")
			fdRaw, hasFD := body["forced_down"]
			fd, fdOK := fdRaw.(bool)
			switch {
			case !hasStatus && !hasFD:
				code, msg = 400, "At least one of 'status' or 'forced_down' must be specified in the request body."
				return
			case hasStatus && status != "enabled" && status != "disabled":
				code, msg = 400, fmt.Sprintf("Invalid input for field/attribute status. Value: %s. '%s' is not one of ['enabled', 'disabled']", status, status)
				return
			case hasReason && status != "disabled":
				code, msg = 400, "Specifying 'disabled_reason' with status 'enabled' is invalid."
				return
			case hasFD && !fdOK:
				code, msg = 400, fmt.Sprintf("Invalid input for field/attribute forced_down. Value: %v. %v is not of type 'boolean'", fdRaw, fdRaw)
				return
			case hasFD && !fd && sv.host.ForcedDown && ns.doneEvacuations(sv.host.Name):
				code, msg = 400, fmt.Sprintf(forceUpRefused, sv.host.Name)
				return
			}
			if hasStatus {
				ns.setServiceStatus(q, sv, status == "disabled", reason)
			}
			if hasFD {
				ns.setForcedDown(q, sv, fd)
			}
			resp = ns.renderService(q, *sv)
			return
		}
		host, _ := str("host")
		binary, _ := str("binary")
		find(func(x novaService) bool { return x.host.Name == host && x.binary == binary })
		if sv == nil {
			if s.Host(host) == nil {
				code, msg = 404, fmt.Sprintf("Host '%s' is not mapped to any cell", host)
			} else {
				code, msg = 404, fmt.Sprintf("Service %s could not be found.", binary)
			}
			return
		}
		switch idOrAction {
		case "enable":
			ns.setServiceStatus(q, sv, false, "")
			resp = map[string]any{"host": host, "binary": binary, "status": "enabled"}
		case "disable":
			ns.setServiceStatus(q, sv, true, "")
			resp = map[string]any{"host": host, "binary": binary, "status": "disabled"}
		case "disable-log-reason":
			reason, _ := str("disabled_reason")
			if strings.TrimSpace(reason) == "" {
				code, msg = 400, "Missing disabled reason field"
				return
			}
			ns.setServiceStatus(q, sv, true, reason)
			resp = map[string]any{"host": host, "binary": binary, "status": "disabled", "disabled_reason": reason}
		case "force-down":
			if !q.mv.atLeast(11) {
				code, msg = 404, "Unknown action"
				return
			}
			fd, ok := body["forced_down"].(bool)
			if !ok {
				code, msg = 400, "Invalid input for field/attribute forced_down."
				return
			}
			if !fd && sv.host.ForcedDown && ns.doneEvacuations(host) {
				code, msg = 400, fmt.Sprintf(forceUpRefused, host)
				return
			}
			ns.setForcedDown(q, sv, fd)
			resp = map[string]any{"host": host, "binary": binary, "forced_down": fd}
		default:
			code, msg = 404, "Unknown action"
		}
	})
	if msg != "" {
		q.fail(code, msg)
		return
	}
	q.json(200, map[string]any{"service": resp})
}

// doneEvacuations reports whether `done` evacuation records remain with
// host as their source (Nova refuses to force such a host up).
func (n *novaState) doneEvacuations(host string) bool {
	for _, m := range n.migrations {
		if m.Type == "evacuation" && m.Status == "done" && m.Source == host {
			return true
		}
	}
	return false
}

func (n *novaState) setServiceStatus(q *novaReq, sv *novaService, disabled bool, reason string) {
	h := sv.host
	fields := map[string]string{"binary": sv.binary, "host": h.Name, "request_id": q.reqID}
	if sv.binary == "nova-compute" {
		h.ServiceDisabled = disabled
		h.DisabledReason = ""
		if disabled {
			h.DisabledReason = reason
		}
	} else if disabled {
		n.svcDisabled[svcKey(h.Name, sv.binary)] = reason
	} else {
		delete(n.svcDisabled, svcKey(h.Name, sv.binary))
	}
	if disabled {
		fields["reason"] = reason
		n.story.Emit(Event{Kind: "service_disabled", Host: h.Name, Service: sv.binary, Fields: fields,
			Message: fmt.Sprintf("%s on %s disabled: %s", sv.binary, h.Name, reason)})
	} else {
		n.story.Emit(Event{Kind: "service_enabled", Host: h.Name, Service: sv.binary, Fields: fields,
			Message: fmt.Sprintf("%s on %s enabled", sv.binary, h.Name)})
	}
}

func (n *novaState) setForcedDown(q *novaReq, sv *novaService, forced bool) {
	h := sv.host
	if sv.binary == "nova-compute" {
		h.ForcedDown = forced
	} else if forced {
		n.svcForced[svcKey(h.Name, sv.binary)] = true
	} else {
		delete(n.svcForced, svcKey(h.Name, sv.binary))
	}
	fields := map[string]string{"binary": sv.binary, "host": h.Name, "request_id": q.reqID}
	kind, verb := "service_forced_up", "no longer forced down"
	if forced {
		kind, verb = "service_forced_down", "forced down"
	}
	n.story.Emit(Event{Kind: kind, Host: h.Name, Service: sv.binary, Fields: fields,
		Message: fmt.Sprintf("%s on %s %s", sv.binary, h.Name, verb)})
}

// Hypervisors.

func (n *nova) hypervisors(q *novaReq, p []string) {
	qs := q.r.URL.Query()
	detail := len(p) == 1 && p[0] == "detail"
	show := len(p) == 1 && p[0] != "detail" && p[0] != "statistics"
	if len(p) == 1 && p[0] == "statistics" {
		if q.mv.atLeast(88) {
			q.fail(404, "The resource could not be found.")
			return
		}
		n.hypervisorStats(q)
		return
	}
	if len(p) > 1 {
		q.fail(404, "The resource could not be found.")
		return
	}
	withServers := false
	if v := qs.Get("with_servers"); v != "" && q.mv.atLeast(53) {
		withServers, _ = boolParam(v)
	}
	pattern := ""
	if q.mv.atLeast(53) {
		pattern = qs.Get("hypervisor_hostname_pattern")
	}
	var out []map[string]any
	var one map[string]any
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		u := ns.usage()
		svcs := map[string]novaService{}
		for _, sv := range ns.services() {
			if sv.binary == "nova-compute" {
				svcs[sv.host.Name] = sv
			}
		}
		var servers map[string]json.RawMessage
		if withServers {
			servers = ns.hostServers()
		}
		for i, h := range s.Computes() {
			if pattern != "" && !strings.Contains(h.Name, pattern) {
				continue
			}
			hv := ns.renderHypervisor(q, h, i+1, svcs[h.Name], u[h.Name], detail || show)
			if withServers {
				if sl := servers[h.Name]; len(sl) > 0 {
					hv["servers"] = sl
				}
			}
			if show {
				if p[0] == h.ID || p[0] == strconv.Itoa(i+1) {
					if q.mv.atLeast(53) == (p[0] == h.ID) {
						one = hv
					}
				}
				continue
			}
			out = append(out, hv)
		}
	})
	if show {
		if one == nil {
			q.fail(404, fmt.Sprintf("Hypervisor %s could not be found.", p[0]))
			return
		}
		q.json(200, map[string]any{"hypervisor": one})
		return
	}
	if out == nil {
		out = []map[string]any{}
	}
	q.json(200, map[string]any{"hypervisors": out})
}

// hostServers returns each compute's server list as os-hypervisors
// with_servers shows it, encoded once per instance generation: a steady
// refresh at 50,000 servers re-sends it but no longer rebuilds it. Call
// inside Lock.
func (n *novaState) hostServers() map[string]json.RawMessage {
	s := n.story
	if n.withServers != nil && n.withServersGen == s.instanceGen() {
		return n.withServers
	}
	n.reindex()
	bufs := map[string][]byte{}
	for _, in := range s.Instances {
		if in.Deleted || in.Host == "" {
			continue
		}
		b := bufs[in.Host]
		if b == nil {
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"name":"instance-%08x","uuid":`, n.ord(in.ID))
		b = appendJSONString(b, in.ID)
		bufs[in.Host] = append(b, '}')
	}
	out := make(map[string]json.RawMessage, len(bufs))
	for h, b := range bufs {
		out[h] = append(b, ']')
	}
	n.withServers, n.withServersGen = out, s.instanceGen()
	return out
}

func (n *novaState) renderHypervisor(q *novaReq, h *Host, intID int, sv novaService, u *hostUsage, detail bool) map[string]any {
	disabled, reason, _, up := n.serviceState(sv)
	m := map[string]any{"id": intID, "hypervisor_hostname": h.Name, "state": "up", "status": "enabled"}
	if q.mv.atLeast(53) {
		m["id"] = h.ID
	}
	if !up {
		m["state"] = "down"
	}
	if disabled {
		m["status"] = "disabled"
	}
	if !detail {
		return m
	}
	svc := map[string]any{"id": sv.id, "host": h.Name, "disabled_reason": nullable(reason)}
	if q.mv.atLeast(53) {
		svc["id"] = sv.uuid
	}
	m["service"] = svc
	m["hypervisor_type"] = "QEMU"
	m["hypervisor_version"] = 6002000
	m["host_ip"] = h.IP
	if q.mv.atLeast(88) {
		if up {
			m["uptime"] = fmt.Sprintf(" %s up 41 days,  3:12,  0 users,  load average: 2.31, 2.05, 1.98", n.story.Now().UTC().Format("15:04:05"))
		} else {
			m["uptime"] = nil
		}
		return m
	}
	if u == nil {
		u = &hostUsage{}
	}
	cm := n.capacity()
	memUsed := u.RAMMB + cm.reservedMB
	m["vcpus"] = h.VCPUs
	m["memory_mb"] = h.MemoryMB
	m["local_gb"] = h.DiskGB
	m["vcpus_used"] = u.VCPUs
	m["memory_mb_used"] = memUsed
	m["local_gb_used"] = u.DiskGB
	m["free_ram_mb"] = h.MemoryMB - memUsed
	m["free_disk_gb"] = h.DiskGB - u.DiskGB
	m["current_workload"] = 0
	m["running_vms"] = u.Instances
	m["disk_available_least"] = h.DiskGB - u.DiskGB
	m["cpu_info"] = `{"arch": "x86_64", "model": "Cascadelake-Server", "vendor": "Intel", "features": ["avx512f", "vmx"], "topology": {"cores": 16, "threads": 2, "sockets": 2}}`
	return m
}

func (n *nova) hypervisorStats(q *novaReq) {
	st := map[string]int{}
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		u := ns.usage()
		cm := ns.capacity()
		for _, h := range s.Computes() {
			hu := u[h.Name]
			st["count"]++
			st["vcpus"] += h.VCPUs
			st["memory_mb"] += h.MemoryMB
			st["local_gb"] += h.DiskGB
			st["vcpus_used"] += hu.VCPUs
			st["memory_mb_used"] += hu.RAMMB + cm.reservedMB
			st["local_gb_used"] += hu.DiskGB
			st["free_ram_mb"] += h.MemoryMB - hu.RAMMB - cm.reservedMB
			st["free_disk_gb"] += h.DiskGB - hu.DiskGB
			st["running_vms"] += hu.Instances
			st["disk_available_least"] += h.DiskGB - hu.DiskGB
		}
		st["current_workload"] = 0
	})
	q.json(200, map[string]any{"hypervisor_statistics": st})
}

// Migrations.

func (n *novaState) renderMigration(q *novaReq, m *novaMigration) map[string]any {
	s := n.story
	var destHost any
	if h := s.Host(m.Dest); h != nil && m.Type != "live-migration" {
		destHost = h.IP
	}
	fid, _ := strconv.Atoi(m.FlavorID)
	out := map[string]any{"id": m.ID, "source_compute": m.Source, "dest_compute": nullable(m.Dest),
		"source_node": m.Source, "dest_node": nullable(m.Dest), "dest_host": destHost,
		"old_instance_type_id": fid, "new_instance_type_id": fid, "instance_uuid": m.Instance.ID,
		"status": m.Status, "created_at": tmicro(m.Created), "updated_at": tmicro(m.Updated)}
	if m.Type == "evacuation" {
		out["old_instance_type_id"], out["new_instance_type_id"] = nil, nil
	}
	if q.mv.atLeast(23) {
		out["migration_type"] = m.Type
		if m.Type == "live-migration" && m.inProgress() {
			href := fmt.Sprintf("/servers/%s/migrations/%d", m.Instance.ID, m.ID)
			out["links"] = []any{link("self", q.base+"/v2.1"+href), link("bookmark", q.base+href)}
		}
	}
	if q.mv.atLeast(59) {
		out["uuid"] = m.UUID
	}
	if q.mv.atLeast(80) {
		out["user_id"] = m.UserID
		out["project_id"] = m.ProjectID
	}
	return out
}

func (m *novaMigration) inProgress() bool {
	switch m.Status {
	case "queued", "preparing", "running", "accepted", "pre-migrating", "migrating", "post-migrating":
		return true
	}
	return false
}

func (n *nova) listMigrations(q *novaReq) {
	qs := q.r.URL.Query()
	var since time.Time
	if v := qs.Get("changes-since"); v != "" && q.mv.atLeast(59) {
		t, ok := parseNovaTime(v)
		if !ok {
			q.fail(400, fmt.Sprintf("Invalid input for query parameters changes-since. Value: %s.", v))
			return
		}
		since = t
	}
	var before time.Time
	if v := qs.Get("changes-before"); v != "" && q.mv.atLeast(66) {
		t, ok := parseNovaTime(v)
		if !ok {
			q.fail(400, fmt.Sprintf("Invalid input for query parameters changes-before. Value: %s.", v))
			return
		}
		before = t
	}
	limit := -1
	if v := qs.Get("limit"); v != "" && q.mv.atLeast(59) {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 {
			q.fail(400, "limit param must be an integer")
			return
		}
		limit = l
	}
	marker := ""
	if q.mv.atLeast(59) {
		marker = qs.Get("marker")
	}
	var out []map[string]any
	missing := marker != ""
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		for i := len(ns.migrations) - 1; i >= 0; i-- {
			m := ns.migrations[i]
			if missing {
				if m.UUID == marker {
					missing = false
				}
				continue
			}
			if limit >= 0 && len(out) >= limit {
				break
			}
			if h := qs.Get("host"); h != "" && m.Source != h && m.Dest != h {
				continue
			}
			if v := qs.Get("source_compute"); v != "" && m.Source != v {
				continue
			}
			if v := qs.Get("status"); v != "" && m.Status != v {
				continue
			}
			if v := qs.Get("migration_type"); v != "" && m.Type != v {
				continue
			}
			if v := qs.Get("instance_uuid"); v != "" && m.Instance.ID != v {
				continue
			}
			if !since.IsZero() && m.Updated.Truncate(time.Second).Before(since) {
				continue
			}
			if !before.IsZero() && m.Updated.Truncate(time.Second).After(before) {
				continue
			}
			if v := qs.Get("user_id"); v != "" && q.mv.atLeast(80) && m.UserID != v {
				continue
			}
			if v := qs.Get("project_id"); v != "" && q.mv.atLeast(80) && m.ProjectID != v {
				continue
			}
			out = append(out, ns.renderMigration(q, m))
		}
	})
	if missing {
		q.fail(404, fmt.Sprintf("Marker %s could not be found.", marker))
		return
	}
	if out == nil {
		out = []map[string]any{}
	}
	body := map[string]any{"migrations": out}
	if limit > 0 && len(out) == limit {
		nq := url.Values{}
		for k, v := range qs {
			nq[k] = v
		}
		nq.Set("marker", out[len(out)-1]["uuid"].(string))
		body["migrations_links"] = []any{link("next", q.base+"/v2.1/os-migrations?"+nq.Encode())}
	}
	q.json(200, body)
}

func (n *nova) serverMigrations(q *novaReq, id string) {
	if !q.mv.atLeast(23) {
		q.fail(404, "The resource could not be found.")
		return
	}
	var out []map[string]any
	found := false
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		in := ns.instance(id)
		if in == nil {
			return
		}
		found = true
		for _, m := range ns.migrations {
			if m.Instance != in || m.Type != "live-migration" || !m.inProgress() {
				continue
			}
			out = append(out, map[string]any{"id": m.ID, "server_uuid": in.ID, "source_compute": m.Source,
				"dest_compute": m.Dest, "source_node": m.Source, "dest_node": m.Dest, "dest_host": nil,
				"status": m.Status, "created_at": tmicro(m.Created), "updated_at": tmicro(m.Updated),
				"memory_total_bytes": nil, "memory_processed_bytes": nil, "memory_remaining_bytes": nil,
				"disk_total_bytes": nil, "disk_processed_bytes": nil, "disk_remaining_bytes": nil,
				"uuid": m.UUID, "user_id": m.UserID, "project_id": m.ProjectID})
		}
	})
	if !found {
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	if out == nil {
		out = []map[string]any{}
	}
	q.json(200, map[string]any{"migrations": out})
}

// Flavors.

func (n *nova) flavors(q *novaReq, p []string) {
	var fl []*Flavor
	s := n.c.Story
	s.Lock(func() { fl = append(fl, s.Flavors...) })
	render := func(f *Flavor, detail bool) map[string]any {
		m := map[string]any{"id": f.ID, "name": f.Name, "links": []any{
			link("self", q.base+"/v2.1/flavors/"+f.ID), link("bookmark", q.base+"/flavors/"+f.ID)}}
		if q.mv.atLeast(55) {
			m["description"] = nil
		}
		if !detail {
			return m
		}
		m["ram"], m["disk"], m["vcpus"] = f.RAMMB, f.DiskGB, f.VCPUs
		m["OS-FLV-EXT-DATA:ephemeral"] = 0
		m["OS-FLV-DISABLED:disabled"] = false
		m["os-flavor-access:is_public"] = true
		m["rxtx_factor"] = 1.0
		if q.mv.atLeast(75) {
			m["swap"] = 0
		} else {
			m["swap"] = ""
		}
		if q.mv.atLeast(61) {
			m["extra_specs"] = map[string]string{}
		}
		return m
	}
	switch {
	case len(p) == 0 || (len(p) == 1 && p[0] == "detail"):
		out := []map[string]any{}
		for _, f := range fl {
			out = append(out, render(f, len(p) == 1))
		}
		q.json(200, map[string]any{"flavors": out})
	case len(p) == 1:
		for _, f := range fl {
			if f.ID == p[0] {
				q.json(200, map[string]any{"flavor": render(f, true)})
				return
			}
		}
		q.fail(404, fmt.Sprintf("Flavor %s could not be found.", p[0]))
	default:
		q.fail(404, "The resource could not be found.")
	}
}
