// Package openstack reads (and, for actions, changes) an OpenStack cloud
// through gophercloud v2: Nova servers, services, hypervisors, migrations,
// instance actions and console logs; Placement usage; Neutron agents; Cinder
// services. It returns the plain types below; views never see gophercloud.
//
// Password re-authentication is rationed (authgate.go) so a refused password
// cannot trip Keystone's account lockout ([security_compliance]
// lockout_failure_attempts, lockout_duration): one re-auth per 401, then
// backoff 10 s, 20 s, 40 s, … 5 min (±20% jitter), at most 3 password
// attempts per 15 minutes; meanwhile calls fail fast with *AuthFailingError
// and Client.RetryAuthNow (ctrl+r) allows one attempt at once.
package openstack

import "time"

// Server is a Nova server as the instances pane needs it.
type Server struct {
	ID, Name     string
	ProjectID    string
	ProjectName  string // resolved from Keystone when allowed; else ""
	UserID       string
	Status       string // ACTIVE, ERROR, SHUTOFF, MIGRATING, ...
	TaskState    string // OS-EXT-STS:task_state ("" when none)
	PowerState   int    // OS-EXT-STS:power_state (1 running, 4 shutdown)
	VMState      string
	Host         string // OS-EXT-SRV-ATTR:host (admin only)
	Hypervisor   string // OS-EXT-SRV-ATTR:hypervisor_hostname
	Zone         string
	FlavorID     string
	FlavorName   string // resolved
	ImageID      string
	IPs          []string
	VolumeIDs    []string // os-extended-volumes:volumes_attached
	Metadata     map[string]string
	Created      time.Time
	Updated      time.Time
	Fault        string // fault.message when status is ERROR
	KeyName      string
	VolumeBacked bool // booted from volume (image empty)
	Deleted      bool // seen via changes-since as DELETED
	Locked       bool // beside the other flags: 456 bytes, not 464 with it padded alone

	FaultCode int       // fault.code (500: Nova's own error)
	FaultAt   time.Time // fault.created
	// Networks are the names of the networks the server has addresses on
	// (the keys of "addresses"); SecurityGroups the names of its groups.
	Networks       []string
	SecurityGroups []string
}

// PowerStateName renders Nova's power_state code.
func PowerStateName(p int) string {
	switch p {
	case 0:
		return "NOSTATE"
	case 1:
		return "Running"
	case 3:
		return "Paused"
	case 4:
		return "Shutdown"
	case 6:
		return "Crashed"
	case 7:
		return "Suspended"
	}
	return "?"
}

// ComputeService is a Nova os-services row (nova-compute, nova-conductor...).
type ComputeService struct {
	ID             string // UUID at mv >= 2.53
	Binary         string
	Host           string
	Zone           string
	Status         string // enabled / disabled
	State          string // up / down
	DisabledReason string
	ForcedDown     bool
	UpdatedAt      time.Time
}

// Hypervisor is a compute node with capacity and usage. At microversion
// >= 2.88 Nova no longer reports usage; it comes from Placement instead.
type Hypervisor struct {
	ID, Hostname, Host string // Host: the service host
	HostIP             string // host_ip: the address its services use
	State, Status      string // up/down, enabled/disabled
	Type               string
	VCPUs, VCPUsUsed   int
	MemoryMB, MemUsed  int
	DiskGB, DiskUsed   int
	RunningVMs         int
	UsageFrom          string // "nova" or "placement"
	// Schedulable capacity (total-reserved)*allocation_ratio from Placement;
	// equal to the totals when usage comes from Nova.
	VCPUsCap, MemoryCap, DiskCap int
	ServiceID                    string
	DisabledReason               string
}

// Migration is an os-migrations row.
type Migration struct {
	ID                         string
	InstanceID                 string
	Type                       string // live-migration, migration, evacuation, resize
	Status                     string
	SourceCompute, DestCompute string
	CreatedAt, UpdatedAt       time.Time
	UUID                       string // mv >= 2.59
	ProjectID                  string // mv >= 2.80
}

// InstanceAction is an os-instance-actions row.
type InstanceAction struct {
	Action, RequestID, UserID, Message string
	StartTime                          time.Time
	UpdatedAt                          time.Time // mv >= 2.58
}

// NetworkAgent is a Neutron agent.
type NetworkAgent struct {
	ID, Type, Binary, Host, Zone string
	Alive                        bool
	AdminUp                      bool
	HeartbeatAt                  time.Time
}

// VolumeService is a Cinder os-services row.
type VolumeService struct {
	Binary, Host, Zone string
	Status             string // enabled / disabled
	State              string // up / down
	DisabledReason     string
	UpdatedAt          time.Time
}

// Flavor is a Nova flavor.
type Flavor struct {
	ID, Name             string
	VCPUs, RAMMB, DiskGB int
}

// Identity says who and where the session is, for the header.
type Identity struct {
	Cloud, Region, User, Project string
	ComputeMicroversion          string // negotiated, e.g. "2.88"
	ComputeMaxMicroversion       string // the cloud's maximum, e.g. "2.93"
	ProjectID                    string
	Roles                        []string
}

// VolumeAttachment is a Nova os-volume_attachments row of one server.
type VolumeAttachment struct {
	ID, VolumeID, ServerID, Device string
	Tag                            string
	DeleteOnTermination            bool
}
