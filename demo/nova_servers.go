package demo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
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
	in.Updated = n.story.Now()
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
	if n.ordinal[in.ID]%4 == 0 {
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

// jsonServer is a server body. A struct (not a map) keeps encoding cheap
// for 50,000-server clouds; json.RawMessage fields with omitempty are
// either absent (older microversions) or present as null.
type jsonServer struct {
	ID                 string              `json:"id"`
	Name               string              `json:"name"`
	Status             string              `json:"status"`
	TenantID           string              `json:"tenant_id"`
	UserID             string              `json:"user_id"`
	Metadata           map[string]string   `json:"metadata"`
	HostID             string              `json:"hostId"`
	Image              any                 `json:"image"`
	Flavor             any                 `json:"flavor"`
	Created            string              `json:"created"`
	Updated            string              `json:"updated"`
	Addresses          map[string][]jsonIP `json:"addresses"`
	AccessIPv4         string              `json:"accessIPv4"`
	AccessIPv6         string              `json:"accessIPv6"`
	Links              []map[string]string `json:"links"`
	DiskConfig         string              `json:"OS-DCF:diskConfig"`
	Progress           *int                `json:"progress,omitempty"`
	AZ                 string              `json:"OS-EXT-AZ:availability_zone"`
	ConfigDrive        string              `json:"config_drive"`
	KeyName            *string             `json:"key_name"`
	LaunchedAt         any                 `json:"OS-SRV-USG:launched_at"`
	TerminatedAt       any                 `json:"OS-SRV-USG:terminated_at"`
	Host               any                 `json:"OS-EXT-SRV-ATTR:host"`
	InstanceName       string              `json:"OS-EXT-SRV-ATTR:instance_name"`
	HypervisorHostname any                 `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	ReservationID      *string             `json:"OS-EXT-SRV-ATTR:reservation_id,omitempty"`
	LaunchIndex        *int                `json:"OS-EXT-SRV-ATTR:launch_index,omitempty"`
	Hostname           *string             `json:"OS-EXT-SRV-ATTR:hostname,omitempty"`
	KernelID           *string             `json:"OS-EXT-SRV-ATTR:kernel_id,omitempty"`
	RamdiskID          *string             `json:"OS-EXT-SRV-ATTR:ramdisk_id,omitempty"`
	RootDeviceName     *string             `json:"OS-EXT-SRV-ATTR:root_device_name,omitempty"`
	UserData           json.RawMessage     `json:"OS-EXT-SRV-ATTR:user_data,omitempty"`
	TaskState          any                 `json:"OS-EXT-STS:task_state"`
	VMState            string              `json:"OS-EXT-STS:vm_state"`
	PowerState         int                 `json:"OS-EXT-STS:power_state"`
	Volumes            []jsonVolume        `json:"os-extended-volumes:volumes_attached"`
	Fault              *jsonFault          `json:"fault,omitempty"`
	SecurityGroups     []map[string]string `json:"security_groups,omitempty"`
	Locked             *bool               `json:"locked,omitempty"`
	LockedReason       json.RawMessage     `json:"locked_reason,omitempty"`
	Description        json.RawMessage     `json:"description,omitempty"`
	Tags               *[]string           `json:"tags,omitempty"`
	TrustedCerts       json.RawMessage     `json:"trusted_image_certificates,omitempty"`
	HostStatus         *string             `json:"host_status,omitempty"`
}

type jsonIP struct {
	Version int    `json:"version"`
	Addr    string `json:"addr"`
	Type    string `json:"OS-EXT-IPS:type"`
	MAC     string `json:"OS-EXT-IPS-MAC:mac_addr"`
}

type jsonVolume struct {
	ID                  string `json:"id"`
	DeleteOnTermination *bool  `json:"delete_on_termination,omitempty"`
}

type jsonFault struct {
	Code    int    `json:"code"`
	Created string `json:"created"`
	Message string `json:"message"`
}

type jsonFlavor struct {
	VCPUs        int               `json:"vcpus"`
	RAM          int               `json:"ram"`
	Disk         int               `json:"disk"`
	Ephemeral    int               `json:"ephemeral"`
	Swap         int               `json:"swap"`
	OriginalName string            `json:"original_name"`
	ExtraSpecs   map[string]string `json:"extra_specs"`
}

var jsonNull = json.RawMessage("null")

func ptr[T any](v T) *T { return &v }

// renderServer builds a server body at the request's microversion. Call
// inside Lock.
func (n *novaState) renderServer(q *novaReq, in *Instance) *jsonServer {
	s := n.story
	mv := q.mv
	vm := n.vmState(in)
	f := s.Flavor(in.FlavorID)
	proj := s.Project(in.ProjectID)
	netName := "demo-net"
	if proj != nil {
		netName = proj.Name + "-net"
	}
	srv := &jsonServer{
		ID: in.ID, Name: in.Name, Status: in.Status, TenantID: in.ProjectID, UserID: in.UserID,
		Metadata: make(map[string]string, len(in.Metadata)), HostID: hostID(in.ProjectID, in.Host), Image: "",
		Created: tz(in.Created), Updated: tz(in.Updated), Addresses: map[string][]jsonIP{},
		Links:      []map[string]string{link("self", q.base+"/v2.1/servers/"+in.ID), link("bookmark", q.base+"/servers/"+in.ID)},
		DiskConfig: "MANUAL", AZ: "nova", LaunchedAt: tmicro(in.Created.Add(3 * time.Second)),
		Host: nullable(in.Host), HypervisorHostname: nullable(in.Host),
		InstanceName: fmt.Sprintf("instance-%08x", n.ordinal[in.ID]),
		TaskState:    nullable(in.TaskState), VMState: vm, PowerState: in.PowerState, Volumes: []jsonVolume{},
	}
	for k, v := range in.Metadata {
		srv.Metadata[k] = v
	}
	for i, ip := range in.IPs {
		srv.Addresses[netName] = append(srv.Addresses[netName], jsonIP{Version: 4, Addr: ip, Type: "fixed",
			MAC: fmt.Sprintf("fa:16:3e:%s:%s:%02x", in.ID[0:2], in.ID[2:4], i)})
	}
	if !in.VolumeBacked && in.ImageID != "" {
		srv.Image = map[string]any{"id": in.ImageID, "links": []map[string]string{link("bookmark", q.base+"/images/"+in.ImageID)}}
	}
	for _, v := range n.instanceVolumes(in) {
		jv := jsonVolume{ID: v.ID}
		if mv.atLeast(3) {
			jv.DeleteOnTermination = ptr(false)
		}
		srv.Volumes = append(srv.Volumes, jv)
	}
	if len(in.IPs) > 0 && !in.Deleted {
		srv.SecurityGroups = []map[string]string{{"name": "default"}}
	}
	switch in.Status {
	case "ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING":
		srv.Progress = ptr(0)
	}
	if in.Deleted {
		srv.TerminatedAt = tmicro(in.Updated)
	}
	if in.Status == "ERROR" && in.Fault != "" {
		srv.Fault = &jsonFault{Code: 500, Created: tz(in.Updated), Message: in.Fault}
	}
	if mv.atLeast(3) {
		srv.ReservationID = ptr("r-" + in.ID[0:8])
		srv.LaunchIndex = ptr(0)
		srv.Hostname = ptr(hostnameOf(in.Name))
		srv.KernelID, srv.RamdiskID = ptr(""), ptr("")
		srv.RootDeviceName = ptr("/dev/vda")
		srv.UserData = jsonNull
	}
	if mv.atLeast(9) {
		srv.Locked = ptr(false)
	}
	if mv.atLeast(16) && in.Host != "" {
		srv.HostStatus = ptr(n.hostStatus(in.Host))
	}
	if mv.atLeast(19) {
		srv.Description = jsonNull
	}
	if mv.atLeast(26) {
		srv.Tags = &[]string{}
	}
	if mv.atLeast(47) {
		fl := jsonFlavor{ExtraSpecs: map[string]string{}}
		if f != nil {
			fl.VCPUs, fl.RAM, fl.Disk, fl.OriginalName = f.VCPUs, f.RAMMB, f.DiskGB, f.Name
		}
		srv.Flavor = fl
	} else {
		srv.Flavor = map[string]any{"id": in.FlavorID, "links": []map[string]string{link("bookmark", q.base+"/flavors/"+in.FlavorID)}}
	}
	if mv.atLeast(63) {
		srv.TrustedCerts = jsonNull
	}
	if mv.atLeast(73) {
		srv.LockedReason = jsonNull
	}
	return srv
}

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

	var out []any
	var last string
	var missing bool
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		ns.reindex()
		own := s.Projects[0].ID
		start := 0
		if marker != "" {
			i, ok := ns.pos[marker]
			if !ok {
				missing = true
				return
			}
			start = i + 1
		}
		for i := start; i < len(ns.order) && len(out) < limit; i++ {
			in := ns.order[i]
			if !f.match(ns, in, own) {
				continue
			}
			last = in.ID
			if detail {
				out = append(out, ns.renderServer(q, in))
			} else {
				out = append(out, map[string]any{"id": in.ID, "name": in.Name, "links": []any{
					link("self", q.base+"/v2.1/servers/"+in.ID), link("bookmark", q.base+"/servers/"+in.ID)}})
			}
		}
	})
	if missing {
		q.fail(400, fmt.Sprintf("marker [%s] not found", marker))
		return
	}
	if out == nil {
		out = []any{}
	}
	body := map[string]any{"servers": out}
	if len(out) > 0 && len(out) == limit {
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
		body["servers_links"] = []any{link("next", q.base+p+"?"+nq.Encode())}
	}
	q.json(200, body)
}

func (n *nova) showServer(q *novaReq, id string) {
	var srv *jsonServer
	s := n.c.Story
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		if in := ns.instance(id); in != nil {
			srv = ns.renderServer(q, in)
		}
	})
	if srv == nil {
		q.fail(404, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	q.json(200, map[string]any{"server": srv})
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
