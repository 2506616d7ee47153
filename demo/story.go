package demo

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"time"
)

// Story is the simulated cloud's shared world: hosts, projects, flavors and
// instances, plus a scenario clock. Every backend (Nova, Ceph, Prometheus,
// Alertmanager, Loki, Docker) reads it, so one event — a compute host losing
// power — shows consistently in every pane.
//
// Time moves lazily: every request calls Sync, which runs the scheduled
// events whose time has come. Tests inject a fake clock with Options.Now.
type Story struct {
	mu    sync.Mutex
	now   func() time.Time
	Start time.Time

	Hosts     []*Host
	Projects  []*Project
	Flavors   []*Flavor
	Images    []*Image
	Instances []*Instance

	// StuckDelete is the seed's image delete hanging on Ceph slow ops
	// (images_story.go); nil when the story has none.
	StuckDelete *ImageDelete

	// FailHost loses power FailAfter into the story.
	FailHost  string
	FailAfter time.Duration
	// Quiet: nothing the monitoring shows moves (see Options.Quiet).
	Quiet bool

	scheduled []scheduled
	events    []Event
	watchers  []func(Event)
	seq       int

	// gen counts instance changes (Touch); caches of the whole instance
	// list rebuild only when it moves. changes logs each Touch in time
	// order, so changes-since reads what changed instead of every server.
	gen     uint64
	changes []change
	counts  struct {
		gen            [2]uint64
		placed, active map[string]int
	}
}

type change struct {
	at time.Time
	in *Instance
}

// Host is a physical node.
type Host struct {
	Name, Role, Zone, IP, ID string
	Powered                  bool
	DownSince                time.Time
	// Nova compute service admin state (os-services).
	ServiceDisabled bool
	DisabledReason  string
	ForcedDown      bool
	VCPUs, MemoryMB int
	DiskGB          int
	// NovaRestartedAt resets the heartbeat and cleans evacuation records.
	NovaRestartedAt time.Time
	// PowerFailed: the story's power loss (a dead supply): its BMC accepts
	// a power-on and the host stays off, until PowerOn (repaired).
	PowerFailed bool
}

// IsCompute reports whether the host runs nova-compute.
func (h *Host) IsCompute() bool { return h.Role == "compute" }

// Project is a Keystone project.
type Project struct{ ID, Name string }

// Flavor is a Nova flavor.
type Flavor struct {
	ID, Name             string
	VCPUs, RAMMB, DiskGB int
}

// Image is a Glance image. The seed's boot images are active and public
// (zero Status); the story's own (Extra, see images_story.go) are never
// booted by new servers.
type Image struct {
	ID, Name   string
	Status     string // "" is active
	SizeMB     int64  // 0: the boot images' own formula (glance.go)
	DiskFormat string
	Visibility string
	OwnerID    string
	Protected  bool
	Extra      bool
	Updated    time.Time
}

// Instance is a Nova server.
type Instance struct {
	ID, Name, ProjectID, UserID string
	Status                      string // ACTIVE, SHUTOFF, ERROR, BUILD, MIGRATING, REBUILD, VERIFY_RESIZE
	TaskState                   string // "" or migrating, rebuilding, ...
	PowerState                  int    // 1 running, 4 shutdown, 0 nostate
	Host                        string
	FlavorID, ImageID           string
	IPs                         []string
	VolumeBacked                bool
	Created, Updated            time.Time
	Deleted                     bool
	Metadata                    map[string]string // may be shared: replace, never write into
	Fault                       string
	Actions                     []InstanceAction
}

// InstanceAction is one entry of os-instance-actions.
type InstanceAction struct {
	Action, RequestID, UserID, Message string
	Start                              time.Time
}

// Event is something that happened in the story, for logs and alerts.
type Event struct {
	Seq     int
	Time    time.Time
	Kind    string // host_down, host_up, service_disabled, evacuate, ...
	Host    string
	Service string
	Message string
	Fields  map[string]string
}

type scheduled struct {
	at time.Time
	fn func()
}

// Options configure a story.
type Options struct {
	Instances int           // default 300
	Computes  int           // compute hosts, default 6
	FailAfter time.Duration // default 45s; <0: never
	FailHost  string        // default compute04
	Now       func() time.Time
	Seed      int64
	// Elapsed starts the story as if it had already run this long: events
	// scheduled before now happen at once (`stackpit snapshot --demo`).
	Elapsed time.Duration
	// Quiet stops what changes by itself: no new log lines after the start
	// and flat metrics (every series keeps its value at the start). Idle
	// output measurements use it; heartbeats go on as in a live cloud.
	Quiet bool
}

// NewStory builds the world: 3 controllers, 6 computes (Options.Computes), 5 projects.
func NewStory(o Options) *Story {
	if o.Instances == 0 {
		o.Instances = 300
	}
	if o.FailAfter == 0 {
		o.FailAfter = 45 * time.Second
	}
	if o.Computes <= 0 {
		o.Computes = 6
	}
	if o.FailHost == "" {
		o.FailHost = "compute04"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Seed == 0 {
		o.Seed = 42
	}
	s := &Story{now: o.Now, Start: o.Now().Add(-o.Elapsed), FailHost: o.FailHost, FailAfter: o.FailAfter, Quiet: o.Quiet}
	r := rand.New(rand.NewSource(o.Seed))
	for i := 1; i <= 3; i++ {
		s.Hosts = append(s.Hosts, &Host{Name: fmt.Sprintf("control%02d", i), Role: "control", Zone: "internal",
			IP: fmt.Sprintf("10.0.0.%d", 10+i), ID: uuid(r), Powered: true, VCPUs: 32, MemoryMB: 131072, DiskGB: 900})
	}
	for i := 1; i <= o.Computes; i++ {
		s.Hosts = append(s.Hosts, &Host{Name: fmt.Sprintf("compute%02d", i), Role: "compute", Zone: "nova",
			IP: fmt.Sprintf("10.0.%d.%d", 1+i/200, 20+i%200), ID: uuid(r), Powered: true, VCPUs: 64, MemoryMB: 262144, DiskGB: 1800})
	}
	for _, n := range []string{"admin", "web", "db", "ci", "analytics"} {
		s.Projects = append(s.Projects, &Project{ID: hex32(r), Name: n})
	}
	s.Flavors = []*Flavor{
		{ID: "1", Name: "m1.tiny", VCPUs: 1, RAMMB: 512, DiskGB: 1},
		{ID: "2", Name: "m1.small", VCPUs: 1, RAMMB: 2048, DiskGB: 20},
		{ID: "3", Name: "m1.medium", VCPUs: 2, RAMMB: 4096, DiskGB: 40},
		{ID: "4", Name: "m1.large", VCPUs: 4, RAMMB: 8192, DiskGB: 80},
		{ID: "5", Name: "m1.xlarge", VCPUs: 8, RAMMB: 16384, DiskGB: 160},
	}
	s.Images = []*Image{{ID: uuid(r), Name: "ubuntu-24.04"}, {ID: uuid(r), Name: "debian-12"}, {ID: uuid(r), Name: "cirros-0.6"}}
	computes := s.Computes()
	roles := map[string][]string{"web": {"web", "lb", "cache"}, "db": {"pg", "mysql", "redis"}, "ci": {"runner", "builder"},
		"analytics": {"spark", "kafka", "zk"}, "admin": {"bastion", "monitor"}}
	// One metadata map per role, shared (read only): at 50,000 servers a
	// map each was 50,000 more objects for every GC cycle to mark.
	meta := map[string]map[string]string{}
	// The instances, their one-IP lists and their create actions are
	// three slabs, and their strings one block (packStrings): the world
	// is a handful of objects for the collector, not eight per server
	// (the in-process demo shares the cockpit's heap; issue 15).
	// Capacity-limited slices: an append copies out of the slab.
	slab := make([]Instance, o.Instances)
	ipSlab := make([]string, o.Instances)
	actSlab := make([]InstanceAction, o.Instances)
	s.Instances = make([]*Instance, 0, o.Instances)
	for i := 0; i < o.Instances; i++ {
		p := s.Projects[i%len(s.Projects)]
		rs := roles[p.Name]
		h := computes[r.Intn(len(computes))]
		created := s.Start.Add(-time.Duration(r.Intn(90*24)) * time.Hour)
		in := &slab[i]
		ipSlab[i] = fmt.Sprintf("192.168.%d.%d", 10+i/250, 2+i%250)
		*in = Instance{
			ID: uuid(r), Name: fmt.Sprintf("%s-%s-%03d", p.Name, rs[r.Intn(len(rs))], i),
			ProjectID: p.ID, UserID: hex32(r), Status: "ACTIVE", PowerState: 1, Host: h.Name,
			FlavorID: s.Flavors[r.Intn(len(s.Flavors))].ID, ImageID: s.Images[r.Intn(len(s.Images))].ID,
			IPs: ipSlab[i : i+1 : i+1], VolumeBacked: r.Intn(3) > 0,
			Created: created, Updated: created, Metadata: meta[rs[0]],
		}
		if in.Metadata == nil {
			in.Metadata = map[string]string{"role": rs[0]}
			meta[rs[0]] = in.Metadata
		}
		switch {
		case i%97 == 13:
			in.Status, in.PowerState = "SHUTOFF", 4
		case i%151 == 77:
			in.Status, in.PowerState, in.Fault = "ERROR", 0, "No valid host was found. There are not enough hosts available."
		}
		actSlab[i] = InstanceAction{Action: "create", RequestID: "req-" + uuid(r), UserID: in.UserID, Start: created}
		in.Actions = actSlab[i : i+1 : i+1]
		s.Instances = append(s.Instances, in)
	}
	strs := make([]*string, 0, 5*len(slab))
	for i := range slab {
		in := &slab[i]
		strs = append(strs, &in.ID, &in.Name, &in.UserID, &in.IPs[0], &in.Actions[0].RequestID)
	}
	packStrings(strs)
	for i := range slab {
		slab[i].Actions[0].UserID = slab[i].UserID // the packed one
	}
	// A tenant who names a server with escape sequences: must render inert.
	if len(s.Instances) > 5 {
		s.Instances[5].Name = "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"
	}
	s.addStoryImages()
	if o.FailAfter > 0 {
		at := s.Start.Add(o.FailAfter)
		s.schedule(at, func() { s.powerOff(s.FailHost, at) })
	}
	return s
}

// Computes returns the compute hosts.
func (s *Story) Computes() []*Host {
	var out []*Host
	for _, h := range s.Hosts {
		if h.IsCompute() {
			out = append(out, h)
		}
	}
	return out
}

// Host returns a host by name (nil if none).
func (s *Story) Host(name string) *Host {
	for _, h := range s.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Instance returns a live instance by ID.
func (s *Story) Instance(id string) *Instance {
	for _, in := range s.Instances {
		if in.ID == id && !in.Deleted {
			return in
		}
	}
	return nil
}

// Project returns a project by ID.
func (s *Story) Project(id string) *Project {
	for _, p := range s.Projects {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Flavor returns a flavor by ID.
func (s *Story) Flavor(id string) *Flavor {
	for _, f := range s.Flavors {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Touch marks an instance changed now: its Updated moves and the change is
// logged. Every change of an instance's state, host or actions goes through
// Touch (Nova's setState) within the same Lock. Call inside Lock.
func (s *Story) Touch(in *Instance) {
	now := s.now()
	in.Updated = now
	s.gen++
	s.changes = append(s.changes, change{at: now, in: in})
	if len(s.changes) > 4096 && len(s.changes) > 2*len(s.Instances) {
		// Keep only each instance's latest change.
		kept := s.changes[:0]
		for _, c := range s.changes {
			if c.in.Updated.Equal(c.at) {
				kept = append(kept, c)
			}
		}
		clear(s.changes[len(kept):])
		s.changes = kept
	}
}

// instanceGen identifies the instance list's contents: it moves with every
// Touch and every instance added. Call inside Lock.
func (s *Story) instanceGen() [2]uint64 { return [2]uint64{s.gen, uint64(len(s.Instances))} }

// hostCounts counts the live instances per host, placed and ACTIVE, once
// per instance generation (Prometheus and Neutron ask every refresh). The
// maps are shared: read only. Call inside Lock.
func (s *Story) hostCounts() (placed, active map[string]int) {
	if s.counts.placed == nil || s.counts.gen != s.instanceGen() {
		s.counts.placed, s.counts.active = map[string]int{}, map[string]int{}
		for _, in := range s.Instances {
			if in.Deleted {
				continue
			}
			if in.Host != "" {
				s.counts.placed[in.Host]++
			}
			if in.Status == "ACTIVE" {
				s.counts.active[in.Host]++
			}
		}
		s.counts.gen = s.instanceGen()
	}
	return s.counts.placed, s.counts.active
}

// changedSince returns the instances whose Updated, truncated to the
// second as Nova compares, is not before since: O(changes), read from the
// log. ok is false when the log does not cover since (at or before the
// story's start, where the initial instances' times lie); scan then. Call
// inside Lock.
func (s *Story) changedSince(since time.Time) (out []*Instance, ok bool) {
	if !since.After(s.Start) {
		return nil, false
	}
	i := sort.Search(len(s.changes), func(i int) bool { return !s.changes[i].at.Truncate(time.Second).Before(since) })
	seen := map[*Instance]bool{}
	for _, c := range s.changes[i:] {
		if !seen[c.in] {
			seen[c.in] = true
			out = append(out, c.in)
		}
	}
	return out, true
}

// Now is the story's clock.
func (s *Story) Now() time.Time { return s.now() }

// Lock runs fn with the world locked after bringing it up to date. Every
// backend reads and writes the story only inside Lock.
func (s *Story) Lock(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	fn()
}

// Schedule runs fn (under the lock) once the clock passes at. Call it only
// from inside Lock.
func (s *Story) Schedule(after time.Duration, fn func()) { s.schedule(s.now().Add(after), fn) }

func (s *Story) schedule(at time.Time, fn func()) {
	s.scheduled = append(s.scheduled, scheduled{at: at, fn: fn})
	sort.SliceStable(s.scheduled, func(i, j int) bool { return s.scheduled[i].at.Before(s.scheduled[j].at) })
}

func (s *Story) syncLocked() {
	now := s.now()
	for len(s.scheduled) > 0 && !s.scheduled[0].at.After(now) {
		ev := s.scheduled[0]
		s.scheduled = s.scheduled[1:]
		ev.fn()
	}
}

// Emit records an event and tells the watchers. Call inside Lock.
func (s *Story) Emit(e Event) {
	s.seq++
	e.Seq = s.seq
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	s.events = append(s.events, e)
	for _, w := range s.watchers {
		w(e)
	}
}

// Events returns events with Seq > after. Call inside Lock.
func (s *Story) Events(after int) []Event {
	i := sort.Search(len(s.events), func(i int) bool { return s.events[i].Seq > after })
	return append([]Event(nil), s.events[i:]...)
}

// Watch registers fn to be called (under the lock) for every new event.
func (s *Story) Watch(fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
}

// HeartbeatTimeout is how long after power loss Nova and Neutron call a
// host's services down (service_down_time / agent_down_time).
const HeartbeatTimeout = 10 * time.Second

// ServiceUp reports whether a host's agents still heartbeat. Call inside Lock.
func (s *Story) ServiceUp(h *Host) bool {
	if h.ForcedDown {
		return false
	}
	return h.Powered || s.now().Sub(h.DownSince) < HeartbeatTimeout
}

// LastHeartbeat is the last time the host's agents reported. Call inside Lock.
func (s *Story) LastHeartbeat(h *Host) time.Time {
	now := s.now()
	if !h.Powered {
		return h.DownSince
	}
	return now.Add(-time.Duration(now.Unix()%10) * time.Second)
}

// powerOff cuts a host's power at time at (the story runs lazily, so this
// may execute later than at; the host still died at at).
func (s *Story) powerOff(name string, at time.Time) {
	if h := s.Host(name); h != nil && h.Powered {
		h.PowerFailed = true
	}
	s.powerDown(name, at, name+" lost power")
}

// powerDown cuts a host's power, saying why. Call inside Lock.
func (s *Story) powerDown(name string, at time.Time, why string) {
	h := s.Host(name)
	if h == nil || !h.Powered {
		return
	}
	h.Powered = false
	h.DownSince = at
	s.Emit(Event{Kind: "host_down", Host: name, Time: at, Message: why})
}

// PowerOn brings a host back (a fenced host repaired). Call inside Lock.
func (s *Story) PowerOn(name string) {
	h := s.Host(name)
	if h == nil || h.Powered {
		return
	}
	h.Powered, h.PowerFailed = true, false
	h.DownSince = time.Time{}
	h.NovaRestartedAt = s.now()
	s.Emit(Event{Kind: "host_up", Host: name, Message: name + " powered on"})
}

// NewID returns a random UUID.
func (s *Story) NewID() string { return uuid(rand.New(rand.NewSource(s.now().UnixNano()))) }

func uuid(r *rand.Rand) string {
	var b [16]byte
	r.Read(b[:])
	return formatUUID(b)
}

func hex32(r *rand.Rand) string {
	var b [16]byte
	r.Read(b[:])
	return hex.EncodeToString(b[:])
}

// packStrings makes each *p a substring of one new string holding them
// all: many small strings become one object for the collector to mark.
func packStrings(ps []*string) {
	n := 0
	for _, p := range ps {
		n += len(*p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range ps {
		b.WriteString(*p)
	}
	all, off := b.String(), 0
	for _, p := range ps {
		l := len(*p)
		*p = all[off : off+l]
		off += l
	}
}

// slab hands out pointers into chunks of values: many small values, a
// few objects for the collector.
type slab[T any] struct{ chunk []T }

func (s *slab[T]) next() *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, 4096)
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}
