package openstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// flexID decodes an id that is a number below some microversion and a
// UUID string above it.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*f = ""
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexID(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

type novaService struct {
	ID             flexID `json:"id"`
	Binary         string `json:"binary"`
	Host           string `json:"host"`
	Zone           string `json:"zone"`
	Status         string `json:"status"`
	State          string `json:"state"`
	UpdatedAt      string `json:"updated_at"`
	DisabledReason string `json:"disabled_reason"`
	ForcedDown     bool   `json:"forced_down"`
}

func (c *Client) services(ctx context.Context, q url.Values) ([]ComputeService, error) {
	var body struct {
		Services []novaService `json:"services"`
	}
	u := c.compute.ServiceURL("os-services")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &body); err != nil {
		return nil, err
	}
	out := make([]ComputeService, 0, len(body.Services))
	for _, s := range body.Services {
		out = append(out, ComputeService{ID: string(s.ID), Binary: s.Binary, Host: s.Host, Zone: s.Zone,
			Status: s.Status, State: s.State, DisabledReason: s.DisabledReason, ForcedDown: s.ForcedDown,
			UpdatedAt: parseTime(s.UpdatedAt)})
	}
	return out, nil
}

// Hypervisors lists compute nodes with capacity and usage. Below
// microversion 2.88 usage comes from Nova (UsageFrom "nova"); at 2.88 and
// later Nova no longer reports it and it comes from Placement resource
// provider inventories and usages (UsageFrom "placement"; empty when the
// catalog has no Placement or Placement refuses, with the error returned
// alongside the hypervisors), and RunningVMs from the server lists this
// client has read (VMCounts; -1 before the first full list).
func (c *Client) Hypervisors(ctx context.Context) ([]Hypervisor, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	var body struct {
		Hypervisors []struct {
			ID         flexID `json:"id"`
			Hostname   string `json:"hypervisor_hostname"`
			HostIP     string `json:"host_ip"`
			State      string `json:"state"`
			Status     string `json:"status"`
			Type       string `json:"hypervisor_type"`
			VCPUs      int    `json:"vcpus"`
			VCPUsUsed  int    `json:"vcpus_used"`
			MemoryMB   int    `json:"memory_mb"`
			MemUsed    int    `json:"memory_mb_used"`
			LocalGB    int    `json:"local_gb"`
			LocalUsed  int    `json:"local_gb_used"`
			RunningVMs int    `json:"running_vms"`
			Service    struct {
				ID             flexID `json:"id"`
				Host           string `json:"host"`
				DisabledReason string `json:"disabled_reason"`
			} `json:"service"`
		} `json:"hypervisors"`
	}
	// Never with_servers: at 50k servers that is every server's ID and
	// name (4 MB) each refresh, only to count them; the server lists this
	// client reads already tell (VMCounts).
	u := c.compute.ServiceURL("os-hypervisors", "detail")
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &body); err != nil {
		return nil, err
	}
	fromPlacement := c.AtLeast("2.88")
	counts, haveCounts := c.VMCounts()
	out := make([]Hypervisor, 0, len(body.Hypervisors))
	for _, h := range body.Hypervisors {
		hv := Hypervisor{ID: string(h.ID), Hostname: h.Hostname, Host: h.Service.Host, HostIP: h.HostIP, State: h.State,
			Status: h.Status, Type: h.Type, ServiceID: string(h.Service.ID), DisabledReason: h.Service.DisabledReason}
		if !fromPlacement {
			hv.VCPUs, hv.VCPUsUsed = h.VCPUs, h.VCPUsUsed
			hv.MemoryMB, hv.MemUsed = h.MemoryMB, h.MemUsed
			hv.DiskGB, hv.DiskUsed = h.LocalGB, h.LocalUsed
			hv.VCPUsCap, hv.MemoryCap, hv.DiskCap = h.VCPUs, h.MemoryMB, h.LocalGB
			hv.RunningVMs = h.RunningVMs
			hv.UsageFrom = "nova"
		} else {
			hv.RunningVMs = -1 // unknown until a server list has been read
			if haveCounts {
				hv.RunningVMs = counts[hv.Host]
			}
		}
		out = append(out, hv)
	}
	if fromPlacement {
		if err := c.placementUsage(ctx, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Migrations lists os-migrations, newest first; host "" means all hosts,
// else only those whose source or destination is host (filtered on the
// client too, because non-admins' host filters are silently ignored).
func (c *Client) Migrations(ctx context.Context, host string) ([]Migration, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	q := url.Values{}
	if host != "" {
		q.Set("host", host)
	}
	return c.migrations(ctx, q, host)
}

// ServerMigrations lists os-migrations of one server (any state).
func (c *Client) ServerMigrations(ctx context.Context, serverID string) ([]Migration, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("instance_uuid", serverID)
	ms, err := c.migrations(ctx, q, "")
	if err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if m.InstanceID == serverID {
			out = append(out, m)
		}
	}
	return out, nil
}

func (c *Client) migrations(ctx context.Context, q url.Values, host string) ([]Migration, error) {
	var body struct {
		Migrations []struct {
			ID            flexID `json:"id"`
			UUID          string `json:"uuid"`
			InstanceUUID  string `json:"instance_uuid"`
			Type          string `json:"migration_type"`
			Status        string `json:"status"`
			SourceCompute string `json:"source_compute"`
			DestCompute   string `json:"dest_compute"`
			CreatedAt     string `json:"created_at"`
			UpdatedAt     string `json:"updated_at"`
			ProjectID     string `json:"project_id"`
		} `json:"migrations"`
	}
	u := c.compute.ServiceURL("os-migrations")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &body); err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(body.Migrations))
	for _, m := range body.Migrations {
		if host != "" && m.SourceCompute != host && m.DestCompute != host {
			continue
		}
		typ := m.Type
		if typ == "" {
			typ = "migration"
		}
		out = append(out, Migration{ID: string(m.ID), UUID: m.UUID, InstanceID: m.InstanceUUID, Type: typ,
			Status: m.Status, SourceCompute: m.SourceCompute, DestCompute: m.DestCompute,
			CreatedAt: parseTime(m.CreatedAt), UpdatedAt: parseTime(m.UpdatedAt), ProjectID: m.ProjectID})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// InstanceActions lists a server's action history (newest first).
func (c *Client) InstanceActions(ctx context.Context, serverID string) ([]InstanceAction, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	var body struct {
		Actions []struct {
			Action    string `json:"action"`
			RequestID string `json:"request_id"`
			UserID    string `json:"user_id"`
			Message   string `json:"message"`
			StartTime string `json:"start_time"`
			UpdatedAt string `json:"updated_at"`
		} `json:"instanceActions"`
	}
	u := c.compute.ServiceURL("servers", url.PathEscape(serverID), "os-instance-actions")
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &body); err != nil {
		return nil, err
	}
	out := make([]InstanceAction, 0, len(body.Actions))
	for _, a := range body.Actions {
		out = append(out, InstanceAction{Action: a.Action, RequestID: a.RequestID, UserID: a.UserID,
			Message: a.Message, StartTime: parseTime(a.StartTime), UpdatedAt: parseTime(a.UpdatedAt)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartTime.After(out[j].StartTime) })
	return out, nil
}

// ConsoleLog returns the last lines of a server's console output (lines
// <= 0: all). Nova answers this with a POST action that only reads; in a
// read-only session the guard refuses it (errors.Is httpclient.ErrReadOnly).
func (c *Client) ConsoleLog(ctx context.Context, serverID string, lines int) (string, error) {
	if err := c.Connect(ctx); err != nil {
		return "", err
	}
	args := map[string]any{}
	if lines > 0 {
		args["length"] = lines
	}
	var body struct {
		Output string `json:"output"`
	}
	u := c.compute.ServiceURL("servers", url.PathEscape(serverID), "action")
	if err := c.send(ctx, c.compute, "nova", "POST", u, map[string]any{"os-getConsoleOutput": args}, &body); err != nil {
		return "", err
	}
	return body.Output, nil
}

// ServerVolumes lists a server's volume attachments.
func (c *Client) ServerVolumes(ctx context.Context, serverID string) ([]VolumeAttachment, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	var body struct {
		Attachments []struct {
			ID                  flexID `json:"id"`
			VolumeID            string `json:"volumeId"`
			ServerID            string `json:"serverId"`
			Device              string `json:"device"`
			Tag                 string `json:"tag"`
			DeleteOnTermination bool   `json:"delete_on_termination"`
		} `json:"volumeAttachments"`
	}
	u := c.compute.ServiceURL("servers", url.PathEscape(serverID), "os-volume_attachments")
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &body); err != nil {
		return nil, err
	}
	out := make([]VolumeAttachment, 0, len(body.Attachments))
	for _, a := range body.Attachments {
		out = append(out, VolumeAttachment{ID: string(a.ID), VolumeID: a.VolumeID, ServerID: a.ServerID,
			Device: a.Device, Tag: a.Tag, DeleteOnTermination: a.DeleteOnTermination})
	}
	return out, nil
}

// agentFields are the agent columns the cockpit uses: without them each
// agent carries its configurations, most of the list's bytes (issue 15:
// 740 kB a read at 1,000 hosts).
var agentFields = []string{"id", "agent_type", "binary", "host", "availability_zone", "alive", "admin_state_up", "heartbeat_timestamp"}

// NetworkAgents lists Neutron agents (alive, admin state, heartbeat).
func (c *Client) NetworkAgents(ctx context.Context) ([]NetworkAgent, error) {
	return c.networkAgents(ctx, nil)
}

// NetworkAgentProblems lists only the agents that are dead or
// administratively down: two filtered reads (alive=false, which Neutron
// applies after its query, and admin_state_up=false), a few hundred bytes
// on a healthy cloud where the whole list is most of a megabyte. Each
// answer is filtered here too, so a server that ignored a filter costs
// bytes, never correctness.
func (c *Client) NetworkAgentProblems(ctx context.Context) ([]NetworkAgent, error) {
	var out []NetworkAgent
	seen := map[string]bool{}
	for _, q := range []url.Values{{"alive": {"false"}}, {"admin_state_up": {"false"}}} {
		as, err := c.networkAgents(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if (a.Alive && a.AdminUp) || seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	return out, nil
}

func (c *Client) networkAgents(ctx context.Context, q url.Values) ([]NetworkAgent, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	if c.network == nil {
		return nil, fmt.Errorf("neutron: %w", ErrNoService)
	}
	var body struct {
		Agents []struct {
			ID        string `json:"id"`
			Type      string `json:"agent_type"`
			Binary    string `json:"binary"`
			Host      string `json:"host"`
			Zone      string `json:"availability_zone"`
			Alive     bool   `json:"alive"`
			AdminUp   bool   `json:"admin_state_up"`
			Heartbeat string `json:"heartbeat_timestamp"`
		} `json:"agents"`
	}
	v := url.Values{"fields": agentFields}
	for k, vs := range q {
		v[k] = vs
	}
	if _, err := c.getJSON(ctx, c.network, "neutron", c.network.ServiceURL("agents")+"?"+v.Encode(), &body); err != nil {
		return nil, err
	}
	out := make([]NetworkAgent, 0, len(body.Agents))
	for _, a := range body.Agents {
		out = append(out, NetworkAgent{ID: a.ID, Type: a.Type, Binary: a.Binary, Host: a.Host, Zone: a.Zone,
			Alive: a.Alive, AdminUp: a.AdminUp, HeartbeatAt: parseTime(a.Heartbeat)})
	}
	return out, nil
}

// VolumeServices lists Cinder's os-services.
func (c *Client) VolumeServices(ctx context.Context) ([]VolumeService, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	if c.volume == nil {
		return nil, fmt.Errorf("cinder: %w", ErrNoService)
	}
	var body struct {
		Services []struct {
			Binary         string `json:"binary"`
			Host           string `json:"host"`
			Zone           string `json:"zone"`
			Status         string `json:"status"`
			State          string `json:"state"`
			DisabledReason string `json:"disabled_reason"`
			UpdatedAt      string `json:"updated_at"`
		} `json:"services"`
	}
	if _, err := c.getJSON(ctx, c.volume, "cinder", c.volume.ServiceURL("os-services"), &body); err != nil {
		return nil, err
	}
	out := make([]VolumeService, 0, len(body.Services))
	for _, s := range body.Services {
		out = append(out, VolumeService{Binary: s.Binary, Host: s.Host, Zone: s.Zone, Status: s.Status,
			State: s.State, DisabledReason: s.DisabledReason, UpdatedAt: parseTime(s.UpdatedAt)})
	}
	return out, nil
}

var _ = strconv.Itoa
