package openstack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Neutron resources the networks pane chases: ports that should be up and
// are not, L3 HA routers and their agents' HA state, and the agent actions
// (admin state, delete). Lists ask Neutron to filter (status, vif_type) so
// a big cloud's port list is never read whole.

// Port is a Neutron port as the networks pane needs it.
type Port struct {
	ID, Name, Status       string
	NetworkID, NetworkName string // name resolved from the network list when allowed
	DeviceID, DeviceOwner  string // device_owner "compute:nova": DeviceID is a server
	HostID                 string // binding:host_id
	VIFType                string // binding:vif_type ("binding_failed", "ovs", "unbound")
	ProjectID              string
	FixedIPs               []string
	Created, Updated       time.Time
}

// Router is a Neutron router.
type Router struct {
	ID, Name, Status, ProjectID string
	HA, AdminUp                 bool
}

// RouterAgent is one L3 agent hosting a router, with its HA state
// ("active", "standby", "fault", "" when the router is not HA).
type RouterAgent struct {
	AgentID, Host, HAState string
	Alive, AdminUp         bool
}

// PortPageSize is the limit per Neutron list request (Neutron's pagination
// follows <resource>_links rel=next).
var PortPageSize = 500

// neutronPort is the API shape.
type neutronPort struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	NetworkID   string `json:"network_id"`
	DeviceID    string `json:"device_id"`
	DeviceOwner string `json:"device_owner"`
	HostID      string `json:"binding:host_id"`
	VIFType     string `json:"binding:vif_type"`
	ProjectID   string `json:"project_id"`
	TenantID    string `json:"tenant_id"`
	FixedIPs    []struct {
		IP string `json:"ip_address"`
	} `json:"fixed_ips"`
	Created string `json:"created_at"`
	Updated string `json:"updated_at"`
}

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// nextURL is base with the marker of the rel=next link ("" when none): the
// token goes only to the catalog's endpoint, never to a host a link names.
func nextURL(base string, q url.Values, ls []link) string {
	for _, l := range ls {
		if l.Rel != "next" {
			continue
		}
		lu, err := url.Parse(l.Href)
		if err != nil {
			return ""
		}
		m := lu.Query().Get("marker")
		if m == "" {
			return ""
		}
		q = cloneValues(q)
		q.Set("marker", m)
		return base + "?" + q.Encode()
	}
	return ""
}

// maxNeutronPages bounds a paginated list (a server that always answers
// with a next link cannot keep the pane loading forever).
const maxNeutronPages = 200

func (c *Client) neutron(ctx context.Context) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	if c.network == nil {
		return fmt.Errorf("neutron: %w", ErrNoService)
	}
	return nil
}

// Ports lists the ports matching q (Neutron's filters: status=DOWN&status=BUILD
// means DOWN or BUILD), following pagination.
func (c *Client) Ports(ctx context.Context, q url.Values) ([]Port, error) {
	if err := c.neutron(ctx); err != nil {
		return nil, err
	}
	q = cloneValues(q)
	q.Set("limit", strconv.Itoa(PortPageSize))
	base := c.network.ServiceURL("ports")
	u := base + "?" + q.Encode()
	var out []Port
	for page := 0; u != ""; page++ {
		if page == maxNeutronPages {
			return out, fmt.Errorf("neutron: port list longer than %d pages", maxNeutronPages)
		}
		var body struct {
			Ports []neutronPort `json:"ports"`
			Links []link        `json:"ports_links"`
		}
		if _, err := c.getJSON(ctx, c.network, "neutron", u, &body); err != nil {
			return nil, err
		}
		for _, p := range body.Ports {
			out = append(out, p.port())
		}
		u = nextURL(base, q, body.Links)
		if len(body.Ports) == 0 {
			break
		}
	}
	return out, nil
}

func (p neutronPort) port() Port {
	o := Port{ID: p.ID, Name: p.Name, Status: p.Status, NetworkID: p.NetworkID, DeviceID: p.DeviceID,
		DeviceOwner: p.DeviceOwner, HostID: p.HostID, VIFType: p.VIFType, ProjectID: p.ProjectID,
		Created: parseTime(p.Created), Updated: parseTime(p.Updated)}
	if o.ProjectID == "" {
		o.ProjectID = p.TenantID
	}
	for _, ip := range p.FixedIPs {
		o.FixedIPs = append(o.FixedIPs, ip.IP)
	}
	return o
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// SuspectPorts lists the ports that may be stuck: status DOWN or BUILD
// (one filtered request), with network names resolved when the network
// list can be read. A port whose binding failed is DOWN too, and Neutron
// refuses binding:vif_type as a filter (HTTP 400 "is invalid attribute for
// filtering", seen on Zed), so binding_failed is told apart here. Whether
// a plain DOWN port is stuck depends on its server (ACTIVE or not): the
// caller decides.
func (c *Client) SuspectPorts(ctx context.Context) ([]Port, error) {
	out, err := c.Ports(ctx, url.Values{"status": {"DOWN", "BUILD"}})
	if err != nil {
		return nil, err
	}
	// binding_failed first: they are the worst.
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].VIFType == "binding_failed" && out[j].VIFType != "binding_failed"
	})
	if names, err := c.NetworkNames(ctx); err == nil {
		for i := range out {
			out[i].NetworkName = names[out[i].NetworkID]
		}
	}
	return out, nil
}

// NetworkNames maps network IDs to names (only those two fields are asked for).
func (c *Client) NetworkNames(ctx context.Context) (map[string]string, error) {
	if err := c.neutron(ctx); err != nil {
		return nil, err
	}
	base := c.network.ServiceURL("networks")
	q := url.Values{"fields": {"id", "name"}, "limit": {strconv.Itoa(PortPageSize)}}
	u := base + "?" + q.Encode()
	out := map[string]string{}
	for page := 0; u != "" && page < maxNeutronPages; page++ {
		var body struct {
			Networks []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"networks"`
			Links []link `json:"networks_links"`
		}
		if _, err := c.getJSON(ctx, c.network, "neutron", u, &body); err != nil {
			return nil, err
		}
		for _, n := range body.Networks {
			out[n.ID] = n.Name
		}
		u = nextURL(base, q, body.Links)
		if len(body.Networks) == 0 {
			break
		}
	}
	return out, nil
}

// Routers lists every router (ha needs admin to be shown; without it HA is
// false for all). A Neutron without the L3 router plugin answers 404: no
// routers.
func (c *Client) Routers(ctx context.Context) ([]Router, error) {
	if err := c.neutron(ctx); err != nil {
		return nil, err
	}
	base := c.network.ServiceURL("routers")
	q := url.Values{"limit": {strconv.Itoa(PortPageSize)}}
	u := base + "?" + q.Encode()
	var out []Router
	for page := 0; u != "" && page < maxNeutronPages; page++ {
		var body struct {
			Routers []struct {
				ID        string `json:"id"`
				Name      string `json:"name"`
				Status    string `json:"status"`
				ProjectID string `json:"project_id"`
				TenantID  string `json:"tenant_id"`
				HA        bool   `json:"ha"`
				AdminUp   bool   `json:"admin_state_up"`
			} `json:"routers"`
			Links []link `json:"routers_links"`
		}
		if _, err := c.getJSON(ctx, c.network, "neutron", u, &body); err != nil {
			if page == 0 && errors.Is(err, ErrNotFound) {
				return nil, nil // no L3 router plugin (service_plugins without router): no routers
			}
			return nil, err
		}
		for _, r := range body.Routers {
			p := r.ProjectID
			if p == "" {
				p = r.TenantID
			}
			out = append(out, Router{ID: r.ID, Name: r.Name, Status: r.Status, ProjectID: p, HA: r.HA, AdminUp: r.AdminUp})
		}
		u = nextURL(base, q, body.Links)
		if len(body.Routers) == 0 {
			break
		}
	}
	return out, nil
}

// RouterL3Agents lists the L3 agents hosting a router with their HA state.
func (c *Client) RouterL3Agents(ctx context.Context, routerID string) ([]RouterAgent, error) {
	if err := c.neutron(ctx); err != nil {
		return nil, err
	}
	var body struct {
		Agents []struct {
			ID      string `json:"id"`
			Host    string `json:"host"`
			HAState string `json:"ha_state"`
			Alive   bool   `json:"alive"`
			AdminUp bool   `json:"admin_state_up"`
		} `json:"agents"`
	}
	u := c.network.ServiceURL("routers", url.PathEscape(routerID), "l3-agents")
	if _, err := c.getJSON(ctx, c.network, "neutron", u, &body); err != nil {
		return nil, err
	}
	out := make([]RouterAgent, 0, len(body.Agents))
	for _, a := range body.Agents {
		out = append(out, RouterAgent{AgentID: a.ID, Host: a.Host, HAState: a.HAState, Alive: a.Alive, AdminUp: a.AdminUp})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out, nil
}

// HARouter is an HA router with the HA state its agents report.
type HARouter struct {
	Router
	Agents []RouterAgent
	Err    error // the l3-agents read failed (Agents empty)
}

// Active counts the agents reporting ha_state=active.
func (r HARouter) Active() int {
	n := 0
	for _, a := range r.Agents {
		if a.HAState == "active" {
			n++
		}
	}
	return n
}

// HAConcurrency bounds the l3-agents requests in flight for HARouters.
var HAConcurrency = 4

// HARouters lists the HA routers (ha=true) with their agents' HA state:
// one l3-agents request per HA router, at most HAConcurrency at once;
// non-HA routers cost nothing more than the router list. A failed
// l3-agents read stays on its router (Err).
func (c *Client) HARouters(ctx context.Context) ([]HARouter, error) {
	rs, err := c.Routers(ctx)
	if err != nil {
		return nil, err
	}
	var out []HARouter
	for _, r := range rs {
		if r.HA {
			out = append(out, HARouter{Router: r})
		}
	}
	sem := make(chan struct{}, max(HAConcurrency, 1))
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func(h *HARouter) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				h.Err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			h.Agents, h.Err = c.RouterL3Agents(ctx, h.ID)
		}(&out[i])
	}
	wg.Wait()
	return out, nil
}

// NetworkAgent reads one Neutron agent (the read-back after an action).
func (c *Client) NetworkAgent(ctx context.Context, id string) (NetworkAgent, error) {
	if err := c.neutron(ctx); err != nil {
		return NetworkAgent{}, err
	}
	var body struct {
		Agent struct {
			ID        string `json:"id"`
			Type      string `json:"agent_type"`
			Binary    string `json:"binary"`
			Host      string `json:"host"`
			Zone      string `json:"availability_zone"`
			Alive     bool   `json:"alive"`
			AdminUp   bool   `json:"admin_state_up"`
			Heartbeat string `json:"heartbeat_timestamp"`
		} `json:"agent"`
	}
	if _, err := c.getJSON(ctx, c.network, "neutron", c.network.ServiceURL("agents", url.PathEscape(id)), &body); err != nil {
		return NetworkAgent{}, err
	}
	a := body.Agent
	return NetworkAgent{ID: a.ID, Type: a.Type, Binary: a.Binary, Host: a.Host, Zone: a.Zone,
		Alive: a.Alive, AdminUp: a.AdminUp, HeartbeatAt: parseTime(a.Heartbeat)}, nil
}

// SetAgentAdminState enables (up) or disables a Neutron agent: PUT
// /v2.0/agents/{id} {"agent": {"admin_state_up": up}}. A disabled DHCP or
// L3 agent gets no new networks or routers scheduled.
func (c *Client) SetAgentAdminState(ctx context.Context, id string, up bool) error {
	if err := c.neutron(ctx); err != nil {
		return err
	}
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("neutron: agent action without an agent ID")
	}
	u := c.network.ServiceURL("agents", url.PathEscape(id))
	return c.send(ctx, c.network, "neutron", "PUT", u, map[string]any{"agent": map[string]any{"admin_state_up": up}}, nil)
}

// DeleteAgent deletes a Neutron agent record (DELETE /v2.0/agents/{id}).
// Neutron deletes live agents too (they re-register at their next report):
// callers refuse unless the agent is dead.
func (c *Client) DeleteAgent(ctx context.Context, id string) error {
	if err := c.neutron(ctx); err != nil {
		return err
	}
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("neutron: agent action without an agent ID")
	}
	return c.send(ctx, c.network, "neutron", "DELETE", c.network.ServiceURL("agents", url.PathEscape(id)), nil, nil)
}

// StuckPort is a port that should be up and is not: binding failed, or
// DOWN/BUILD while its server is ACTIVE.
type StuckPort struct {
	Port
	ServerStatus string // the device's Nova status ("" when not a server or not read)
	Reason       string // "binding failed", "DOWN, server ACTIVE"
}

// MaxServerChecks bounds the servers read for one StuckPorts call (a DOWN
// compute port is stuck only if its server is ACTIVE; a cloud with many
// SHUTOFF servers has as many DOWN ports). Beyond it, ports are reported
// as unchecked in the count StuckPorts returns.
var MaxServerChecks = 200

// StuckPorts lists the stuck ports: every binding_failed port (DOWN), and every
// DOWN/BUILD port of a server Nova says is ACTIVE (one GET per distinct
// candidate server, HAConcurrency in flight, at most MaxServerChecks).
// unchecked counts DOWN compute ports whose server was not read.
func (c *Client) StuckPorts(ctx context.Context) (stuck []StuckPort, unchecked int, err error) {
	ps, err := c.SuspectPorts(ctx)
	if err != nil {
		return nil, 0, err
	}
	var ids []string
	want := map[string]bool{}
	for _, p := range ps {
		if p.VIFType != "binding_failed" && strings.HasPrefix(p.DeviceOwner, "compute:") && p.DeviceID != "" && !want[p.DeviceID] {
			want[p.DeviceID] = true
			ids = append(ids, p.DeviceID)
		}
	}
	checked := ids
	if len(checked) > MaxServerChecks {
		checked = checked[:MaxServerChecks]
	}
	status := c.serverStatuses(ctx, checked)
	for _, p := range ps {
		sp := StuckPort{Port: p, ServerStatus: status[p.DeviceID]}
		switch {
		case p.VIFType == "binding_failed":
			sp.Reason = "binding failed"
		case !strings.HasPrefix(p.DeviceOwner, "compute:") || p.DeviceID == "":
			continue // a router or DHCP port, or an unused one: DOWN is normal
		case sp.ServerStatus == "ACTIVE":
			sp.Reason = p.Status + ", server ACTIVE"
		case sp.ServerStatus == "":
			if _, ok := status[p.DeviceID]; !ok {
				unchecked++
			}
			continue
		default:
			continue // a SHUTOFF/ERROR server's port is DOWN as it should be
		}
		stuck = append(stuck, sp)
	}
	return stuck, unchecked, nil
}

// serverStatuses reads Nova's status of each server (absent: not read;
// "" for a server that is gone).
func (c *Client) serverStatuses(ctx context.Context, ids []string) map[string]string {
	out := map[string]string{}
	if len(ids) == 0 || c.Connect(ctx) != nil {
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(HAConcurrency, 1))
	for _, id := range ids {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			var body struct {
				Server struct {
					Status string `json:"status"`
				} `json:"server"`
			}
			_, err := c.getJSON(ctx, c.compute, "nova", c.compute.ServiceURL("servers", url.PathEscape(id)), &body)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[id] = body.Server.Status
			case errors.Is(err, ErrNotFound):
				out[id] = ""
			}
		}(id)
	}
	wg.Wait()
	return out
}
