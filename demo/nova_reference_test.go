package demo

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// The reference server renderer (encoding/json over a struct). Production
// uses the hand-written appendServer; TestAppendServerMatchesReference
// proves both produce the same JSON.

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

// TestAppendServerMatchesReference renders every server of a story, in
// every state the simulation produces, with both writers at several
// microversions and compares the decoded JSON.
func TestAppendServerMatchesReference(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	e.c.Story.Lock(func() {
		s := e.c.Story
		s.Instances[1].Name = "quote\" back\\slash \u2028 \xff bad utf8 \t tab"
		s.Instances[2].Deleted, s.Instances[2].Status = true, "DELETED"
		s.Instances[3].TaskState, s.Instances[3].Status = "migrating", "MIGRATING"
		s.Instances[4].IPs = nil
		s.Instances[6].Metadata = map[string]string{"b": "2", "a": "1", "c": "\x1b[2J"}
		s.Host("compute02").ForcedDown = true
		s.Host("compute03").ServiceDisabled = true
	})
	for _, v := range []string{"2.1", "2.3", "2.9", "2.16", "2.19", "2.26", "2.47", "2.63", "2.73", "2.88", "2.95"} {
		mv, _ := parseMicroversion(v)
		q := &novaReq{mv: mv, base: "http://127.0.0.1:1"}
		e.c.Story.Lock(func() {
			ns := novaFor(e.c.Story)
			ns.reindex()
			for _, in := range e.c.Story.Instances {
				want, err := json.Marshal(ns.renderServer(q, in))
				if err != nil {
					t.Fatal(err)
				}
				got := ns.appendServer(nil, q, in)
				var a, b any
				if err := json.Unmarshal(got, &a); err != nil {
					t.Fatalf("mv %s: invalid JSON %v: %s", v, err, got)
				}
				_ = json.Unmarshal(want, &b)
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("mv %s %s:\n got %s\nwant %s", v, in.ID, got, want)
				}
			}
		})
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil", "\xff\xfe", "\u2028\u2029", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, b, err)
		}
		want, _ := json.Marshal(s)
		var ref string
		_ = json.Unmarshal(want, &ref)
		if got != ref {
			t.Fatalf("%q: got %q want %q", s, got, ref)
		}
	})
}
