package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PromSample is one series' value at one time.
type PromSample struct {
	Labels map[string]string
	Value  float64
}

// PromWorld is a snapshot of the story as the monitoring exporters see it
// (node_exporter, openstack-exporter, haproxy, ceph mgr): every series is a
// closed-form function of time, so counters stay monotonic and a backfill,
// a live exporter and the demo API all agree on every value.
type PromWorld struct {
	hosts   []promHost
	quietAt time.Time // non-zero: every series is flat at its value then
}

type promHost struct {
	name, role, id string
	cores          int
	memBytes       float64
	downSince      time.Time // zero: up at every t
	forcedDown     bool
	disabled       bool
	runningVMs     int
	seed           float64
}

// PromSnapshot copies what the series need from the story. Call inside
// Story.Lock.
func PromSnapshot(s *Story) *PromWorld {
	w := &PromWorld{}
	if s.Quiet {
		w.quietAt = s.Start
	}
	_, vms := s.hostCounts()
	for _, h := range s.Hosts {
		ph := promHost{name: h.Name, role: h.Role, id: h.ID, cores: h.VCPUs / 2, memBytes: float64(h.MemoryMB) * (1 << 20),
			forcedDown: h.ForcedDown, disabled: h.ServiceDisabled, runningVMs: vms[h.Name], seed: promHseed(h.Name)}
		if !h.Powered {
			ph.downSince = h.DownSince
		}
		w.hosts = append(w.hosts, ph)
	}
	return w
}

func promHseed(s string) float64 {
	f := fnv.New32a()
	_, _ = f.Write([]byte(s))
	return float64(f.Sum32()%10000) / 10000
}

func (h *promHost) alive(t time.Time) bool { return h.downSince.IsZero() || t.Before(h.downSince) }

// agentUp: agents report until the heartbeat times out after power loss.
func (h *promHost) agentUp(t time.Time) bool {
	if h.forcedDown {
		return false
	}
	return h.downSince.IsZero() || t.Before(h.downSince.Add(HeartbeatTimeout))
}

// firstDown is the earliest power loss among hosts (zero: none).
func (w *PromWorld) firstDown() time.Time {
	var d time.Time
	for _, h := range w.hosts {
		if !h.downSince.IsZero() && (d.IsZero() || h.downSince.Before(d)) {
			d = h.downSince
		}
	}
	return d
}

func promSec(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// wave is a smooth deterministic wobble in [-1, 1].
func promWave(t float64, period, phase float64) float64 { return math.Sin(t/period + phase*2*math.Pi) }

// integral of wave over [0, t].
func promWaveInt(t, period, phase float64) float64 {
	return -period * (math.Cos(t/period+phase*2*math.Pi) - math.Cos(phase*2*math.Pi))
}

// Counter epoch: counters count from here (a plausible last reboot).
var promEpoch = float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())

func (h *promHost) busyBase() float64 {
	if h.role == "control" {
		return 0.25 + 0.1*h.seed
	}
	return 0.45 + 0.3*h.seed
}

// busy CPU fraction at t and its integral since the epoch.
func (h *promHost) busy(t float64) float64 {
	return h.busyBase() + 0.12*promWave(t, 1800, h.seed)
}
func (h *promHost) busyInt(t float64) float64 {
	x := t - promEpoch
	return h.busyBase()*x + 0.12*promWaveInt(t, 1800, h.seed) - 0.12*promWaveInt(promEpoch, 1800, h.seed)
}

func (h *promHost) memAvailRatio(t float64) float64 {
	base := 0.35 + 0.3*h.seed
	if h.name == "compute05" {
		base = 0.12 // the busy one: warn in the bar gauge
	}
	return base + 0.04*promWave(t, 2400, h.seed+0.3)
}

func (h *promHost) netRate(t float64) float64 {
	return (40e6 + 60e6*h.seed) * (1 + 0.3*promWave(t, 900, h.seed))
}
func (h *promHost) netInt(t float64) float64 {
	r := 40e6 + 60e6*h.seed
	return r*(t-promEpoch) + r*0.3*(promWaveInt(t, 900, h.seed)-promWaveInt(promEpoch, 900, h.seed))
}

type promFS struct {
	device, fstype, mount string
	sizeGB                float64
	base                  float64 // used ratio
}

func (h *promHost) filesystems() []promFS {
	fs := []promFS{{"/dev/mapper/vg0-root", "ext4", "/", 100, 0.35 + 0.2*h.seed}}
	fs = append(fs, promFS{"/dev/mapper/vg0-docker", "xfs", "/var/lib/docker", 400, 0.4 + 0.2*h.seed})
	if h.role == "compute" {
		base := 0.5 + 0.3*h.seed
		if h.name == "compute02" {
			base = 0.93 // the full one: crit in the fullest-mounts panel
		}
		fs = append(fs, promFS{"/dev/mapper/vg0-nova", "xfs", "/var/lib/nova", 1600, base})
	} else {
		fs = append(fs, promFS{"/dev/mapper/vg0-log", "xfs", "/var/log/kolla", 200, 0.55 + 0.2*h.seed})
	}
	fs = append(fs, promFS{"tmpfs", "tmpfs", "/run", 12, 0.01})
	return fs
}

// API backends behind haproxy: requests/s, base 5xx ratio, latency scale.
var promProxies = []struct {
	proxy, service string
	rps, err5, lat float64
	hit            bool // errors rise and latency grows when a compute dies
}{
	{"nova_api_back", "nova", 40, 0.004, 0.18, true},
	{"neutron_server_back", "neutron", 55, 0.003, 0.12, true},
	{"placement_api_back", "placement", 30, 0.002, 0.05, true},
	{"cinder_api_back", "cinder", 12, 0.003, 0.25, false},
	{"glance_api_back", "glance", 6, 0.005, 0.45, false},
	{"keystone_internal_back", "keystone", 90, 0.001, 0.06, false},
}

const promIncidentErr = 0.11    // 5xx ratio of hit APIs after a compute dies
const promIncidentLatency = 6.0 // latency multiplier of hit APIs

// requests served by a proxy in [epoch, t], and 5xx among them.
func (w *PromWorld) proxyCounts(i int, t float64) (total, errs float64) {
	p := promProxies[i]
	total = p.rps * (t - promEpoch)
	errs = p.err5 * total
	if d := w.firstDown(); p.hit && !d.IsZero() && t > promSec(d) {
		errs += (promIncidentErr - p.err5) * p.rps * (t - promSec(d))
	}
	return total, errs
}

var promBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// bucket counter: requests with latency <= le in [epoch, t]; latency is
// exponential with the proxy's scale (times promIncidentLatency during the
// incident for hit APIs).
func (w *PromWorld) bucketCount(i int, le, t float64) float64 {
	p := promProxies[i]
	cdf := func(scale float64) float64 {
		if math.IsInf(le, 1) {
			return 1
		}
		return 1 - math.Exp(-le/scale)
	}
	d := w.firstDown()
	if !p.hit || d.IsZero() || t <= promSec(d) {
		return p.rps * (t - promEpoch) * cdf(p.lat)
	}
	ds := promSec(d)
	return p.rps*(ds-promEpoch)*cdf(p.lat) + p.rps*(t-ds)*cdf(p.lat*promIncidentLatency)
}

func promFmtLe(le float64) string {
	if math.IsInf(le, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(le, 'f', -1, 64)
}

// DemoVIPs are the keepalived VIPs in front of the demo's controllers
// (internal and external API endpoints).
var DemoVIPs = []string{"10.0.0.250", "192.0.2.250"}

// osdDown: an OSD is marked down 20 s after its host loses power.
const promOSDDownAfter = 20 * time.Second

// Raw returns every series the simulated exporters expose at t, except
// `up` (which Prometheus itself writes; see Up).
func (w *PromWorld) Raw(at time.Time) []PromSample { return w.rawNamed(at, nil) }

// rawNamed is Raw with only the series whose metric name want holds (nil:
// every series): a query names a few metrics, and each of its steps made a
// labels map for every series (at 40 hosts a range query allocated ~1 MB
// a step, garbage the in-process demo hands the cockpit's collector).
func (w *PromWorld) rawNamed(at time.Time, want map[string]bool) []PromSample {
	if !w.quietAt.IsZero() {
		at = w.quietAt
	}
	t := promSec(at)
	out := make([]PromSample, 0, 512)
	add := func(v float64, kv ...string) {
		if want != nil && !want[kv[1]] { // kv starts "__name__", name
			return
		}
		l := make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" { // Prometheus drops empty labels
				l[kv[i]] = kv[i+1]
			}
		}
		out = append(out, PromSample{Labels: l, Value: v})
	}
	osd, osdDown := 0, false
	vipHeld := false // the first live controller holds the VIPs
	for hi := range w.hosts {
		h := &w.hosts[hi]
		inst := h.name + ":9100"
		if h.alive(at) {
			b := h.busy(t)
			cores := float64(h.cores)
			add(promRound2(b*cores*1.1+0.3*promWave(t, 300, h.seed)), "__name__", "node_load1", "instance", inst, "job", "node")
			add(promRound2(b*cores*1.05+0.1*promWave(t, 900, h.seed)), "__name__", "node_load5", "instance", inst, "job", "node")
			add(promRound2(b*cores), "__name__", "node_load15", "instance", inst, "job", "node")
			add(math.Round(h.memBytes*h.memAvailRatio(t)), "__name__", "node_memory_MemAvailable_bytes", "instance", inst, "job", "node")
			add(h.memBytes, "__name__", "node_memory_MemTotal_bytes", "instance", inst, "job", "node")
			for c := 0; c < 2; c++ {
				bi := h.busyInt(t)
				cs := strconv.Itoa(c)
				add(promRound2(t-promEpoch-bi), "__name__", "node_cpu_seconds_total", "cpu", cs, "instance", inst, "job", "node", "mode", "idle")
				add(promRound2(bi*0.7), "__name__", "node_cpu_seconds_total", "cpu", cs, "instance", inst, "job", "node", "mode", "user")
				add(promRound2(bi*0.3), "__name__", "node_cpu_seconds_total", "cpu", cs, "instance", inst, "job", "node", "mode", "system")
			}
			n := h.netInt(t)
			add(math.Round(n), "__name__", "node_network_receive_bytes_total", "device", "bond0", "instance", inst, "job", "node")
			add(math.Round(n*0.8), "__name__", "node_network_transmit_bytes_total", "device", "bond0", "instance", inst, "job", "node")
			for _, f := range h.filesystems() {
				size := f.sizeGB * (1 << 30)
				used := f.base + 0.01*promWave(t, 7200, h.seed)
				add(size, "__name__", "node_filesystem_size_bytes", "device", f.device, "fstype", f.fstype, "instance", inst, "job", "node", "mountpoint", f.mount)
				add(math.Round(size*(1-used)), "__name__", "node_filesystem_avail_bytes", "device", f.device, "fstype", f.fstype, "instance", inst, "job", "node", "mountpoint", f.mount)
			}
		}
		up := 0.0
		if h.agentUp(at) {
			up = 1
		}
		os := []string{"instance", "control01:9198", "job", "openstack", "hostname", h.name}
		if h.role == "compute" {
			admin := "enabled"
			if h.disabled {
				admin = "disabled"
			}
			add(up, append([]string{"__name__", "openstack_nova_agent_state", "adminState", admin, "id", h.id, "service", "nova-compute", "zone", "nova"}, os...)...)
			add(float64(h.runningVMs), append([]string{"__name__", "openstack_nova_running_vms", "aggregate", "", "availability_zone", "nova"}, os...)...)
			add(float64(h.cores*2), append([]string{"__name__", "openstack_nova_vcpus_available", "aggregate", "", "availability_zone", "nova"}, os...)...)
			for k := 0; k < 2; k++ {
				d := "osd." + strconv.Itoa(osd)
				osd++
				v := 1.0
				if !h.downSince.IsZero() && !at.Before(h.downSince.Add(promOSDDownAfter)) {
					v, osdDown = 0, true
				}
				add(v, "__name__", "ceph_osd_up", "ceph_daemon", d, "instance", "control01:9283", "job", "ceph")
				add(1, "__name__", "ceph_osd_in", "ceph_daemon", d, "instance", "control01:9283", "job", "ceph")
				add(1, "__name__", "ceph_osd_metadata", "ceph_daemon", d, "device_class", "hdd", "hostname", h.name, "instance", "control01:9283", "job", "ceph", "objectstore", "bluestore")
			}
		} else {
			if h.alive(at) { // keepalived_exporter: VRRP state 2 MASTER, 1 BACKUP
				st := 1.0
				if !vipHeld {
					st, vipHeld = 2, true
				}
				for i, vip := range DemoVIPs {
					vrid := strconv.Itoa(51 + i)
					add(st, "__name__", "keepalived_vrrp_state", "iname", "kolla_vip_"+vrid, "instance", h.name+":9650", "intf", "bond0",
						"ip_address", vip, "job", "keepalived", "vrid", vrid)
				}
			}
			for _, svc := range []string{"nova-scheduler", "nova-conductor"} {
				add(up, append([]string{"__name__", "openstack_nova_agent_state", "adminState", "enabled", "id", h.id[:8] + svc[4:8], "service", svc, "zone", "internal"}, os...)...)
			}
			for _, svc := range []string{"neutron-dhcp-agent", "neutron-l3-agent", "neutron-metadata-agent"} {
				add(up, append([]string{"__name__", "openstack_neutron_agent_state", "adminState", "up", "availability_zone", "nova", "id", h.id[:8] + svc[8:12], "service", svc}, os...)...)
			}
		}
		add(up, append([]string{"__name__", "openstack_neutron_agent_state", "adminState", "up", "availability_zone", "", "id", h.id[:8] + "-ovs", "service", "neutron-openvswitch-agent"}, os...)...)
	}
	health := 0.0
	if osdDown {
		health = 1
	}
	add(health, "__name__", "ceph_health_status", "instance", "control01:9283", "job", "ceph")
	for i, p := range promProxies {
		for c := 1; c <= 3; c++ {
			inst := fmt.Sprintf("control%02d:9101", c)
			tot, errs := w.proxyCounts(i, t)
			tot, errs = math.Round(tot/3), math.Round(errs/3)
			add(tot-errs, "__name__", "haproxy_backend_http_responses_total", "code", "2xx", "instance", inst, "job", "haproxy", "proxy", p.proxy)
			add(errs, "__name__", "haproxy_backend_http_responses_total", "code", "5xx", "instance", inst, "job", "haproxy", "proxy", p.proxy)
		}
		for _, le := range append(promBuckets, math.Inf(1)) {
			add(math.Round(w.bucketCount(i, le, t)), "__name__", "openstack_api_request_duration_seconds_bucket", "instance", "control01:9198", "job", "openstack", "le", promFmtLe(le), "service", p.service)
		}
		tot, _ := w.proxyCounts(i, t)
		add(math.Round(tot), "__name__", "openstack_api_request_duration_seconds_count", "instance", "control01:9198", "job", "openstack", "service", p.service)
	}
	return out
}

// Up returns the `up` series Prometheus writes for each scrape target.
func (w *PromWorld) Up(at time.Time) []PromSample {
	if !w.quietAt.IsZero() {
		at = w.quietAt
	}
	var out []PromSample
	for _, h := range w.hosts {
		v := 1.0
		if !h.alive(at) {
			v = 0
		}
		out = append(out, PromSample{Labels: map[string]string{"__name__": "up", "instance": h.name + ":9100", "job": "node"}, Value: v})
	}
	for c := 1; c <= 3; c++ {
		out = append(out, PromSample{Labels: map[string]string{"__name__": "up", "instance": fmt.Sprintf("control%02d:9101", c), "job": "haproxy"}, Value: 1})
	}
	out = append(out,
		PromSample{Labels: map[string]string{"__name__": "up", "instance": "control01:9198", "job": "openstack"}, Value: 1},
		PromSample{Labels: map[string]string{"__name__": "up", "instance": "control01:9283", "job": "ceph"}, Value: 1})
	return out
}

// All is Raw plus Up.
func (w *PromWorld) All(at time.Time) []PromSample { return append(w.Raw(at), w.Up(at)...) }

// allNamed is All with only the metrics want holds (nil: all).
func (w *PromWorld) allNamed(at time.Time, want map[string]bool) []PromSample {
	out := w.rawNamed(at, want)
	if want == nil || want["up"] {
		out = append(out, w.Up(at)...)
	}
	return out
}

func promRound2(v float64) float64 { return math.Round(v*100) / 100 }

// PromMetadata is what the simulated exporters declare (type, help, unit).
var PromMetadata = map[string][3]string{
	"up":                                     {"gauge", "1 if the last scrape of the target succeeded.", ""},
	"node_load1":                             {"gauge", "1m load average.", ""},
	"node_load5":                             {"gauge", "5m load average.", ""},
	"node_load15":                            {"gauge", "15m load average.", ""},
	"node_memory_MemAvailable_bytes":         {"gauge", "Memory information field MemAvailable_bytes.", ""},
	"node_memory_MemTotal_bytes":             {"gauge", "Memory information field MemTotal_bytes.", ""},
	"node_cpu_seconds_total":                 {"counter", "Seconds the CPUs spent in each mode.", ""},
	"node_network_receive_bytes_total":       {"counter", "Network device statistic receive_bytes.", ""},
	"node_network_transmit_bytes_total":      {"counter", "Network device statistic transmit_bytes.", ""},
	"node_filesystem_size_bytes":             {"gauge", "Filesystem size in bytes.", ""},
	"node_filesystem_avail_bytes":            {"gauge", "Filesystem space available to non-root users in bytes.", ""},
	"openstack_nova_agent_state":             {"counter", "agent_state", ""},
	"openstack_neutron_agent_state":          {"counter", "agent_state", ""},
	"openstack_nova_running_vms":             {"gauge", "running_vms", ""},
	"openstack_nova_vcpus_available":         {"gauge", "vcpus_available", ""},
	"openstack_api_request_duration_seconds": {"histogram", "OpenStack API request latency seen by the exporter.", ""},
	"haproxy_backend_http_responses_total":   {"counter", "Total number of HTTP responses.", ""},
	"ceph_health_status":                     {"untyped", "Cluster health status", ""},
	"ceph_osd_up":                            {"untyped", "OSD status up", ""},
	"ceph_osd_in":                            {"untyped", "OSD status in", ""},
	"ceph_osd_metadata":                      {"untyped", "OSD Metadata", ""},
}

// PromMetricNames lists the metric names of a sample set, sorted.
func PromMetricNames(ss []PromSample) []string {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s.Labels["__name__"]] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// promKey is a stable identity of a label set.
func promKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\xff')
		b.WriteString(l[k])
		b.WriteByte('\xfe')
	}
	return b.String()
}
