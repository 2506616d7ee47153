package demo

// Simulated Neutron networks, ports and L3 HA routers (API shapes of Zed).
// A network per project with its DHCP port on control01, a port for the
// first instances of every project, and the story's stuck ones: when the
// failing host loses power, the ports of three of its instances fail to
// bind (binding:vif_type=binding_failed, DOWN, bound to it) until their
// instance runs elsewhere, an ACTIVE server on compute02 has a DOWN port,
// and router ext-router goes active on two L3 agents (split brain); the
// other HA router stays active on one.

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// netStory is what the network story fixed when the host failed.
type netStory struct {
	failed     bool
	bindFailed []string // instance IDs whose port failed to bind
	downPort   string   // an ACTIVE instance whose port is DOWN
	failedAt   time.Time
}

// portsPerProject bounds the ordinary instance ports served (a 50k demo
// serves its stuck ports, not 50k ports).
const portsPerProject = 3

func (n *neutron) netStory(s *Story, ns *neutronState) *netStory {
	st := &ns.net
	fh := s.Host(s.FailHost)
	if st.failed || fh == nil || fh.Powered {
		return st
	}
	st.failed, st.failedAt = true, fh.DownSince
	var onHost, on02 []*Instance
	for _, in := range s.Instances {
		if in.Deleted {
			continue
		}
		switch {
		case in.Host == fh.Name:
			onHost = append(onHost, in)
		case in.Host == "compute02" && in.Status == "ACTIVE":
			on02 = append(on02, in)
		}
	}
	sort.Slice(onHost, func(i, j int) bool { return onHost[i].ID < onHost[j].ID })
	for i := 0; i < len(onHost) && i < 3; i++ {
		st.bindFailed = append(st.bindFailed, onHost[i].ID)
	}
	if len(on02) > 0 {
		sort.Slice(on02, func(i, j int) bool { return on02[i].ID < on02[j].ID })
		st.downPort = on02[0].ID
	}
	return st
}

func netID(p *Project) string { return stableUUID("network", p.ID) }

func (n *neutron) networks(s *Story) []map[string]any {
	var out []map[string]any
	for _, p := range s.Projects {
		out = append(out, map[string]any{"id": netID(p), "name": p.Name + "-net", "status": "ACTIVE", "admin_state_up": true,
			"tenant_id": p.ID, "project_id": p.ID, "shared": false, "router:external": false, "mtu": 1450,
			"provider:network_type": "vxlan", "subnets": []string{stableUUID("subnet", p.ID)}})
	}
	return out
}

func (n *neutron) port(s *Story, id, name, status, netw, project, device, owner, host, vif string, ips []string, updated time.Time) map[string]any {
	created := s.Start.Add(-30 * 24 * time.Hour).UTC()
	fixed := make([]map[string]any, 0, len(ips))
	for _, ip := range ips {
		fixed = append(fixed, map[string]any{"subnet_id": stableUUID("subnet", project), "ip_address": ip})
	}
	details := map[string]any{}
	if vif == "ovs" {
		details = map[string]any{"connectivity": "l2", "port_filter": true, "ovs_hybrid_plug": false, "datapath_type": "system", "bridge_name": "br-int"}
	}
	return map[string]any{"id": id, "name": name, "network_id": netw, "tenant_id": project, "project_id": project,
		"mac_address": "fa:16:3e:" + id[0:2] + ":" + id[2:4] + ":" + id[4:6], "admin_state_up": true, "status": status,
		"device_id": device, "device_owner": owner, "fixed_ips": fixed, "allowed_address_pairs": []any{},
		"extra_dhcp_opts": []any{}, "security_groups": []string{}, "description": "", "port_security_enabled": true,
		"binding:host_id": host, "binding:vif_type": vif, "binding:vif_details": details, "binding:vnic_type": "normal",
		"binding:profile": map[string]any{}, "tags": []string{}, "revision_number": 4,
		"created_at": created.Format(time.RFC3339), "updated_at": updated.UTC().Format(time.RFC3339)}
}

// ports renders every port the demo serves. Call inside Lock.
func (n *neutron) ports(s *Story, ns *neutronState) []map[string]any {
	st := n.netStory(s, ns)
	var out []map[string]any
	ctl := "control01"
	for _, h := range s.Hosts {
		if !h.IsCompute() {
			ctl = h.Name
			break
		}
	}
	netOf := map[string]string{}
	for _, p := range s.Projects {
		netOf[p.ID] = netID(p)
		out = append(out, n.port(s, stableUUID("port-dhcp", p.ID), "", "ACTIVE", netID(p), p.ID,
			"dhcp"+stableUUID("dhcp", ctl, p.ID), "network:dhcp", ctl, "ovs", []string{"10.0.0.2"}, s.Start))
	}
	special := map[string]string{st.downPort: "down"}
	for _, id := range st.bindFailed {
		special[id] = "failed"
	}
	perProject := map[string]int{}
	for _, in := range s.Instances {
		kind, ok := special[in.ID]
		if in.Deleted || (!ok && perProject[in.ProjectID] >= portsPerProject) {
			continue
		}
		perProject[in.ProjectID]++
		status, vif, host, updated := "ACTIVE", "ovs", in.Host, in.Updated
		if in.Status != "ACTIVE" {
			status = "DOWN"
		}
		switch {
		case kind == "failed" && in.Host == s.FailHost:
			// Still bound to the dead host: the binding failed there.
			status, vif, updated = "DOWN", "binding_failed", st.failedAt
		case kind == "down" && in.Status == "ACTIVE":
			status, updated = "DOWN", st.failedAt
		}
		out = append(out, n.port(s, stableUUID("port", in.ID), "", status, netOf[in.ProjectID], in.ProjectID,
			in.ID, "compute:nova", host, vif, in.IPs, updated))
	}
	return out
}

// l3Agents are the controllers' L3 agents.
func l3Agents(s *Story) []neutronAgent {
	var out []neutronAgent
	for _, a := range neutronAgents(s) {
		if a.binary == "neutron-l3-agent" {
			out = append(out, a)
		}
	}
	return out
}

type demoRouter struct {
	id, name, project string
	active            []int // indexes into l3Agents that are active
}

func (n *neutron) routers(s *Story, ns *neutronState) []demoRouter {
	if len(s.Projects) == 0 {
		return nil
	}
	st := n.netStory(s, ns)
	ext := demoRouter{id: stableUUID("router", "ext"), name: "ext-router", project: s.Projects[0].ID, active: []int{0}}
	if st.failed {
		ext.active = []int{0, 1} // split brain: keepalived on both claims the VIP
	}
	p := s.Projects[len(s.Projects)-1]
	other := demoRouter{id: stableUUID("router", p.ID), name: p.Name + "-router", project: p.ID, active: []int{1}}
	return []demoRouter{ext, other}
}

func (n *neutron) renderRouter(s *Story, r demoRouter) map[string]any {
	t := s.Start.Add(-30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	return map[string]any{"id": r.id, "name": r.name, "status": "ACTIVE", "admin_state_up": true, "ha": true,
		"distributed": false, "tenant_id": r.project, "project_id": r.project, "description": "", "routes": []any{},
		"availability_zones": []string{"nova"}, "availability_zone_hints": []string{}, "flavor_id": nil,
		"external_gateway_info": map[string]any{"network_id": stableUUID("network", "public"), "enable_snat": true},
		"tags":                  []string{}, "revision_number": 3, "created_at": t, "updated_at": t}
}

// serveNet answers networks, ports, routers and routers/{id}/l3-agents;
// false when the path is none of them.
func (n *neutron) serveNet(w http.ResponseWriter, r *http.Request, parts []string) bool {
	switch {
	case len(parts) == 1 && (parts[0] == "ports" || parts[0] == "networks" || parts[0] == "routers"):
	case len(parts) == 3 && parts[0] == "routers" && parts[2] == "l3-agents":
	default:
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		neutronError(w, 405, "HTTPMethodNotAllowed", "The method specified is not allowed for this resource.")
		return true
	}
	s := n.c.Story
	qs := r.URL.Query()
	if parts[0] == "ports" && qs.Has("binding:vif_type") {
		// As Zed: not a filterable attribute.
		neutronError(w, 400, "HTTPBadRequest", "['binding:vif_type'] is invalid attribute for filtering")
		return true
	}
	var list []map[string]any
	found := true
	s.Lock(func() {
		ns := neutronFor(s)
		switch {
		case parts[0] == "networks":
			list = n.networks(s)
		case parts[0] == "ports":
			for _, p := range n.ports(s, ns) {
				if matchQuery(qs, p, "id", "status", "device_id", "device_owner", "network_id", "binding:host_id") {
					list = append(list, p)
				}
			}
		case len(parts) == 1:
			for _, rt := range n.routers(s, ns) {
				list = append(list, n.renderRouter(s, rt))
			}
		default:
			found = false
			devices, _ := s.hostCounts()
			agents := l3Agents(s)
			for _, rt := range n.routers(s, ns) {
				if rt.id != parts[1] {
					continue
				}
				found = true
				for i, a := range agents {
					m := n.render(s, ns, a, devices)
					m["ha_state"] = "standby"
					for _, j := range rt.active {
						if j == i {
							m["ha_state"] = "active"
						}
					}
					list = append(list, m)
				}
			}
		}
	})
	if !found {
		neutronError(w, 404, "RouterNotFound", fmt.Sprintf("Router %s could not be found", parts[1]))
		return true
	}
	if list == nil {
		list = []map[string]any{}
	}
	if len(parts) == 3 {
		WriteJSON(w, 200, map[string]any{"agents": list})
		return true
	}
	page, next := neutronPage(list, qs)
	page = fieldsOnly(page, qs["fields"])
	body := map[string]any{parts[0]: page}
	if next != "" {
		q := r.URL.Query()
		q.Set("marker", next)
		body[parts[0]+"_links"] = []map[string]string{{"rel": "next",
			"href": n.c.URLs["neutron"] + "/v2.0/" + parts[0] + "?" + q.Encode()}}
	}
	WriteJSON(w, 200, body)
	return true
}

// neutronPage applies limit and marker (the ID after which to start); next
// is the marker of the following page ("" when this is the last).
func neutronPage(list []map[string]any, qs map[string][]string) (page []map[string]any, next string) {
	start := 0
	if m := first(qs["marker"]); m != "" {
		for i, x := range list {
			if x["id"] == m {
				start = i + 1
			}
		}
	}
	list = list[start:]
	limit, err := strconv.Atoi(first(qs["limit"]))
	if err != nil || limit <= 0 || limit >= len(list) {
		return list, ""
	}
	return list[:limit], fmt.Sprint(list[limit-1]["id"])
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// fieldsOnly keeps the asked fields (Neutron's ?fields=id&fields=name).
func fieldsOnly(list []map[string]any, fields []string) []map[string]any {
	if len(fields) == 0 {
		return list
	}
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		m := map[string]any{}
		for _, f := range fields {
			if v, ok := x[f]; ok {
				m[f] = v
			}
		}
		out = append(out, m)
	}
	return out
}
