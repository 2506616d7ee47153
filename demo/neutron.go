package demo

// Simulated Neutron agents API (shapes from the real Zed samples): Open
// vSwitch, DHCP, L3 and Metadata agents on the controllers, an Open vSwitch
// agent on every compute. An agent is alive while its host heartbeats (a
// powered-off host's agents die after HeartbeatTimeout; forcing the Nova
// compute service down does not touch Neutron, as in the real samples).

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

func init() {
	Register(Service{Name: "neutron", CatalogType: "network", CatalogPath: "", Order: 12,
		Handler: func(c *Cloud) http.Handler { return &neutron{c: c} }})
}

type neutron struct {
	c *Cloud
}

// neutronState holds what Neutron changes itself (admin_state_up).
type neutronState struct {
	adminDown map[string]bool
	deleted   map[string]bool // agent records deleted while dead
	net       netStory
}

var neutronStates sync.Map // *Story -> *neutronState

func neutronFor(s *Story) *neutronState {
	v, _ := neutronStates.LoadOrStore(s, &neutronState{adminDown: map[string]bool{}, deleted: map[string]bool{}})
	return v.(*neutronState)
}

// heartbeatAlive reports whether a host's agents still report (power
// based, independent of Nova's forced_down). Call inside Lock.
func heartbeatAlive(s *Story, h *Host) bool {
	return h.Powered || s.Now().Sub(h.DownSince) < HeartbeatTimeout
}

type neutronAgent struct {
	host                     *Host
	typ, binary, topic, zone string
}

func neutronAgents(s *Story) []neutronAgent {
	var out []neutronAgent
	for _, h := range s.Hosts {
		if h.IsCompute() {
			continue
		}
		out = append(out,
			neutronAgent{h, "Open vSwitch agent", "neutron-openvswitch-agent", "N/A", ""},
			neutronAgent{h, "DHCP agent", "neutron-dhcp-agent", "dhcp_agent", "nova"},
			neutronAgent{h, "L3 agent", "neutron-l3-agent", "l3_agent", "nova"},
			neutronAgent{h, "Metadata agent", "neutron-metadata-agent", "N/A", ""})
	}
	for _, h := range s.Computes() {
		out = append(out, neutronAgent{h, "Open vSwitch agent", "neutron-openvswitch-agent", "N/A", ""})
	}
	return out
}

func (a neutronAgent) id() string { return stableUUID("neutron-agent", a.host.Name, a.binary) }

const neutronTime = "2006-01-02 15:04:05"

func (n *neutron) render(s *Story, ns *neutronState, a neutronAgent, devices map[string]int) map[string]any {
	h := a.host
	created := s.Start.Add(-92 * 24 * time.Hour).UTC()
	started := created
	if !h.NovaRestartedAt.IsZero() {
		started = h.NovaRestartedAt
	}
	var conf map[string]any
	switch a.binary {
	case "neutron-openvswitch-agent":
		conf = map[string]any{"arp_responder_enabled": false, "bridge_mappings": map[string]string{"physnet1": "br-ex"},
			"datapath_type": "system", "devices": devices[h.Name], "enable_distributed_routing": false,
			"extensions": []string{}, "in_distributed_mode": false, "integration_bridge": "br-int",
			"l2_population": false, "log_agent_heartbeats": false, "ovs_hybrid_plug": false,
			"tunnel_types": []string{"vxlan"}, "tunneling_ip": h.IP}
	case "neutron-dhcp-agent":
		conf = map[string]any{"dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq", "dhcp_lease_duration": 86400,
			"log_agent_heartbeats": false, "networks": len(s.Projects), "ports": 2 * len(s.Projects), "subnets": len(s.Projects)}
	case "neutron-l3-agent":
		conf = map[string]any{"agent_mode": "legacy", "ex_gw_ports": 2, "floating_ips": 4,
			"gateway_external_network_id": "", "handle_internal_only_routers": true,
			"interface_driver": "openvswitch", "interfaces": 3, "log_agent_heartbeats": false, "routers": 2}
	case "neutron-metadata-agent":
		conf = map[string]any{"log_agent_heartbeats": false, "metadata_proxy_socket": "/var/lib/neutron/kolla/metadata_proxy",
			"nova_metadata_host": "nova-metadata", "nova_metadata_port": 8775}
	}
	id := a.id()
	return map[string]any{"id": id, "agent_type": a.typ, "binary": a.binary, "topic": a.topic, "host": h.Name,
		"admin_state_up": !ns.adminDown[id], "created_at": created.Format(neutronTime),
		"started_at": started.UTC().Format(neutronTime), "heartbeat_timestamp": s.LastHeartbeat(h).UTC().Format(neutronTime),
		"description": nil, "resources_synced": nil, "availability_zone": nullable(a.zone),
		"alive": heartbeatAlive(s, h), "configurations": conf}
}

func neutronError(w http.ResponseWriter, code int, typ, msg string) {
	WriteJSON(w, code, map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}})
}

func (n *neutron) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Openstack-Request-Id", newRequestID())
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "" {
		WriteJSON(w, 200, map[string]any{"versions": []any{map[string]any{"id": "v2.0", "status": "CURRENT",
			"links": []map[string]string{{"rel": "self", "href": n.c.URLs["neutron"] + "/v2.0/"}}}}})
		return
	}
	if !n.c.Authorized(w, r) {
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if parts[0] != "v2.0" {
		neutronError(w, 404, "HTTPNotFound", "The resource could not be found.")
		return
	}
	parts = parts[1:]
	if len(parts) == 0 {
		WriteJSON(w, 200, map[string]any{"resources": []any{
			map[string]any{"name": "agent", "collection": "agents", "links": []map[string]string{{"rel": "self",
				"href": n.c.URLs["neutron"] + "/v2.0/agents"}}}}})
		return
	}
	if n.serveNet(w, r, parts) {
		return
	}
	if parts[0] != "agents" || len(parts) > 2 {
		neutronError(w, 404, "HTTPNotFound", "The resource could not be found.")
		return
	}
	var body struct {
		Agent map[string]any `json:"agent"`
	}
	if r.Method == http.MethodPut {
		if len(parts) != 2 || decodeBody(r, &body) != nil || body.Agent == nil {
			neutronError(w, 400, "HTTPBadRequest", "Malformed request body")
			return
		}
	} else if r.Method == http.MethodDelete {
		if len(parts) != 2 {
			neutronError(w, 405, "HTTPMethodNotAllowed", "The method specified is not allowed for this resource.")
			return
		}
	} else if r.Method != http.MethodGet && r.Method != http.MethodHead {
		neutronError(w, 405, "HTTPMethodNotAllowed", "The method specified is not allowed for this resource.")
		return
	}
	qs := r.URL.Query()
	var (
		list []map[string]any
		one  map[string]any
	)
	s := n.c.Story
	s.Lock(func() {
		ns := neutronFor(s)
		devices, _ := s.hostCounts()
		for _, a := range neutronAgents(s) {
			if ns.deleted[a.id()] {
				if !heartbeatAlive(s, a.host) {
					continue
				}
				delete(ns.deleted, a.id()) // it reported again: registered anew
			}
			if len(parts) == 2 {
				if a.id() != parts[1] {
					continue
				}
				if r.Method == http.MethodDelete {
					ns.deleted[a.id()] = true
					s.Emit(Event{Kind: "agent_deleted", Host: a.host.Name, Service: a.binary,
						Message: fmt.Sprintf("%s on %s deleted", a.typ, a.host.Name),
						Fields:  map[string]string{"agent_id": a.id(), "binary": a.binary, "host": a.host.Name}})
					one = map[string]any{}
					return
				}
				if r.Method == http.MethodPut {
					if v, ok := body.Agent["admin_state_up"].(bool); ok {
						ns.adminDown[a.id()] = !v
						kind := "agent_enabled"
						if !v {
							kind = "agent_disabled"
						}
						s.Emit(Event{Kind: kind, Host: a.host.Name, Service: a.binary,
							Message: fmt.Sprintf("%s on %s admin_state_up=%v", a.typ, a.host.Name, v),
							Fields:  map[string]string{"agent_id": a.id(), "binary": a.binary, "host": a.host.Name}})
					}
				}
				one = n.render(s, ns, a, devices)
				return
			}
			m := n.render(s, ns, a, devices)
			if !matchQuery(qs, m, "host", "agent_type", "binary", "alive", "admin_state_up", "topic", "availability_zone", "id") {
				continue
			}
			list = append(list, m)
		}
	})
	if len(parts) == 2 {
		if one == nil {
			neutronError(w, 404, "AgentNotFound", fmt.Sprintf("Agent %s could not be found.", parts[1]))
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		WriteJSON(w, 200, map[string]any{"agent": one})
		return
	}
	if list == nil {
		list = []map[string]any{}
	}
	WriteJSON(w, 200, map[string]any{"agents": fieldsOnly(list, qs["fields"])})
}

// matchQuery applies Neutron's equality filters (repeatable keys mean OR).
func matchQuery(qs map[string][]string, m map[string]any, keys ...string) bool {
	for _, k := range keys {
		vals, ok := qs[k]
		if !ok {
			continue
		}
		got := fmt.Sprint(m[k])
		hit := false
		for _, v := range vals {
			if strings.EqualFold(v, got) {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
