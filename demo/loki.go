package demo

// The simulated Loki: query_range, query, labels, label values, series, the
// websocket tail and protobuf/JSON push, over log lines generated from the
// Story. Background lines are a pure function of (stream, second), so the
// same query always returns the same lines; story events (a host losing
// power, evacuations, migrations, instance actions) add request-ID trails
// across nova-api, nova-conductor, nova-scheduler and nova-compute.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/loki"
)

// LokiTailMaxDuration is the simulated tail_max_duration: tails are closed
// with websocket code 1011 after it (tests shorten it).
var LokiTailMaxDuration = time.Hour

// LokiMaxTails is the simulated per-tenant concurrent tail limit.
var LokiMaxTails = 10

// lokiHistory is how far back background lines exist.
const lokiHistory = 6 * time.Hour

func init() {
	Register(Service{Name: "loki", Order: 60,
		Handler: func(c *Cloud) http.Handler { return newLokiSim(c) },
		Configure: func(c *Cloud, cfg *config.Cloud) {
			if u := c.URLs["loki"]; u != "" {
				cfg.Loki = &config.Loki{Endpoint: config.Endpoint{URL: u}, HostLabel: "host", ContainerLabel: "container"}
			}
		}})
}

type simLabels struct {
	m   map[string]string
	key string
}

type simLine struct {
	ts    int64
	st    *simLabels
	line  string
	order int // tie-break for identical timestamps
}

type simStream struct {
	host, container string
	role            string
	rate            uint64 // lines per 1000 s
	levels          map[string]*simLabels
	salt            uint64
}

type lokiSim struct {
	c       *Cloud
	streams []*simStream

	mu      sync.Mutex
	pushed  []simLine
	pushSeq int // lines ever pushed (pushed holds the last ones)
	interns map[string]*simLabels
	tails   int
	cond    *sync.Cond

	// world's shared parts, guarded by the story's lock.
	insts    *simInsts
	instsGen [2]uint64
	evs      *simEvents
	evsSeq   int
}

var controlContainers = []string{"keystone", "glance_api", "nova_api", "nova_scheduler", "nova_conductor",
	"neutron_server", "cinder_api", "cinder_scheduler", "placement_api", "rabbitmq", "mariadb", "horizon"}
var computeContainers = []string{"nova_compute", "nova_libvirt", "neutron_openvswitch_agent", "openvswitch_vswitchd"}

var containerRate = map[string]uint64{
	"keystone": 300, "glance_api": 120, "nova_api": 450, "nova_scheduler": 120, "nova_conductor": 150,
	"neutron_server": 350, "cinder_api": 120, "cinder_scheduler": 40, "placement_api": 250, "rabbitmq": 40,
	"mariadb": 20, "horizon": 80, "nova_compute": 200, "nova_libvirt": 40, "neutron_openvswitch_agent": 150,
	"openvswitch_vswitchd": 60,
}

var simLevels = []string{"debug", "info", "warn", "error"}

func newLokiSim(c *Cloud) *lokiSim {
	s := &lokiSim{c: c, interns: map[string]*simLabels{}}
	s.cond = sync.NewCond(&s.mu)
	var hosts []*Host
	c.Story.Lock(func() { hosts = append(hosts, c.Story.Hosts...) })
	for _, h := range hosts {
		cs := computeContainers
		if !h.IsCompute() {
			cs = controlContainers
		}
		for _, ct := range cs {
			st := &simStream{host: h.Name, container: ct, role: h.Role, rate: containerRate[ct],
				levels: map[string]*simLabels{}, salt: hashStr(h.Name + "/" + ct)}
			for _, lv := range simLevels {
				st.levels[lv] = s.intern(map[string]string{"host": h.Name, "container": ct, "service_name": ct,
					"job": "kolla", "detected_level": lv})
			}
			s.streams = append(s.streams, st)
		}
	}
	return s
}

func (s *lokiSim) intern(m map[string]string) *simLabels {
	l := loki.NewLabels(m)
	if x, ok := s.interns[l.Key]; ok {
		return x
	}
	x := &simLabels{m: m, key: l.Key}
	s.interns[l.Key] = x
	return x
}

// --- hashing ---

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashStr(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func uuidFrom(h uint64) string {
	a, b := mix(h), mix(h^0xabcdef)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff,
		uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// --- world snapshot ---

type simInst struct {
	id, name, host, project, user string
	actions                       []InstanceAction
}

type simWorld struct {
	now       time.Time
	hosts     map[string]*Host
	insts     []simInst
	byHost    map[string][]int
	events    []Event
	offPeriod map[string][][2]int64 // host -> [down, up) in ns
	ips       map[string]string
	quietAt   int64 // ns; non-zero: no lines after it (Options.Quiet)
	// imageDelete is the seed's stuck image delete (images_story.go).
	imageDelete *ImageDelete
}

// world snapshots what the log lines need. The instance and event parts
// are shared, read-only, between snapshots and rebuilt only when the story
// changed: a tail polls every 200 ms, and copying 50,000 instances each
// time made the in-process demo starve the cockpit it runs beside.
func (s *lokiSim) world() *simWorld {
	w := &simWorld{hosts: map[string]*Host{}, ips: map[string]string{}}
	st := s.c.Story
	st.Lock(func() {
		w.now = st.Now()
		w.imageDelete = st.StuckDelete
		if st.Quiet {
			w.quietAt = st.Start.UnixNano()
		}
		for _, h := range st.Hosts {
			hc := *h
			w.hosts[h.Name] = &hc
			w.ips[h.Name] = h.IP
		}
		// The cache is read and written only inside the story's lock.
		if gen := st.instanceGen(); s.insts == nil || s.instsGen != gen {
			s.insts, s.instsGen = buildSimInsts(st), gen
		}
		if s.evs == nil || s.evsSeq != st.seq {
			s.evs, s.evsSeq = buildSimEvents(st), st.seq
		}
		w.insts, w.byHost = s.insts.insts, s.insts.byHost
		w.events, w.offPeriod = s.evs.events, s.evs.offPeriod
	})
	return w
}

type simInsts struct {
	insts  []simInst
	byHost map[string][]int
}

type simEvents struct {
	events    []Event
	offPeriod map[string][][2]int64
}

func buildSimInsts(st *Story) *simInsts {
	c := &simInsts{byHost: map[string][]int{}}
	// The actions are copied into one slab (one object for the collector,
	// not one per instance); capacity-limited, as if each were its own.
	n := 0
	for _, in := range st.Instances {
		if !in.Deleted {
			n += len(in.Actions)
		}
	}
	acts := make([]InstanceAction, 0, n)
	for _, in := range st.Instances {
		if in.Deleted {
			continue
		}
		from := len(acts)
		acts = append(acts, in.Actions...)
		c.insts = append(c.insts, simInst{id: in.ID, name: in.Name, host: in.Host, project: in.ProjectID,
			user: in.UserID, actions: acts[from:len(acts):len(acts)]})
	}
	for i, in := range c.insts {
		c.byHost[in.host] = append(c.byHost[in.host], i)
	}
	return c
}

func buildSimEvents(st *Story) *simEvents {
	c := &simEvents{events: st.Events(0), offPeriod: map[string][][2]int64{}}
	down := map[string]int64{}
	for _, e := range c.events {
		switch e.Kind {
		case "host_down":
			down[e.Host] = e.Time.UnixNano()
		case "host_up":
			if d, ok := down[e.Host]; ok {
				c.offPeriod[e.Host] = append(c.offPeriod[e.Host], [2]int64{d, e.Time.UnixNano()})
				delete(down, e.Host)
			}
		}
	}
	for h, d := range down {
		c.offPeriod[h] = append(c.offPeriod[h], [2]int64{d, 1<<63 - 1})
	}
	return c
}

func (w *simWorld) off(host string, ts int64) bool {
	for _, p := range w.offPeriod[host] {
		if ts >= p[0] && ts < p[1] {
			return true
		}
	}
	return false
}

// --- line formatting ---

func osloTS(ts int64) string {
	return time.Unix(0, ts).UTC().Format("2006-01-02 15:04:05.000")
}

func levelWord(lv string) string {
	switch lv {
	case "debug":
		return "DEBUG"
	case "warn":
		return "WARNING"
	case "error":
		return "ERROR"
	}
	return "INFO"
}

func reqCtx(req, user, project string) string {
	if req == "" {
		return "[-]"
	}
	return fmt.Sprintf("[%s %s %s - - -]", req, user, project)
}

func oslo(ts int64, pid int, lv, logger, ctx, msg string) string {
	return fmt.Sprintf("%s %d %s %s %s %s", osloTS(ts), pid, levelWord(lv), logger, ctx, msg)
}

// background generates stream st's line in second sec, if any.
func (s *lokiSim) background(w *simWorld, st *simStream, sec int64) (simLine, bool) {
	h := mix(st.salt ^ uint64(sec)*0x100000001b3)
	if h%1000 >= st.rate {
		return simLine{}, false
	}
	ts := sec*1e9 + int64((h>>12)%1e9)
	if w.off(st.host, ts) {
		return simLine{}, false
	}
	r := mix(h)
	pid := 7 + int(st.salt%24)
	req := "req-" + uuidFrom(r)
	inst := simInst{id: uuidFrom(r ^ 0x55), name: "unknown", project: fmt.Sprintf("%032x", r), user: fmt.Sprintf("%032x", mix(r))}
	if len(w.insts) > 0 {
		inst = w.insts[int(r>>20)%len(w.insts)]
	}
	if ids := w.byHost[st.host]; len(ids) > 0 && st.role == "compute" {
		inst = w.insts[ids[int(r>>24)%len(ids)]]
	}
	ctx := reqCtx(req, inst.user, inst.project)
	pick := int(r>>40) % 100
	lv, text := "info", ""
	ip := w.ips[st.host]
	switch st.container {
	case "nova_api":
		switch {
		case pick < 60:
			text = oslo(ts, pid, lv, "nova.api.openstack.requestlog", ctx, fmt.Sprintf(`10.0.0.5 "GET /v2.1/servers/detail?all_tenants=True" status: 200 len: %d microversion: 2.79 time: 0.%03d`, 9000+r%9000, r%900+40))
		case pick < 85:
			text = oslo(ts, pid, lv, "nova.api.openstack.requestlog", ctx, fmt.Sprintf(`10.0.0.5 "GET /v2.1/servers/%s" status: 200 len: 2411 microversion: 2.79 time: 0.%03d`, inst.id, r%300+20))
		case pick < 97:
			text = oslo(ts, pid, lv, "nova.api.openstack.compute.server_external_events", ctx, fmt.Sprintf("Creating event network-vif-plugged:%s for instance %s on %s", uuidFrom(r^7), inst.id, inst.host))
		default:
			lv = "warn"
			text = oslo(ts, pid, lv, "nova.api.openstack.compute.servers", ctx, fmt.Sprintf("Server %q (%s) has a stale task state; consider reset-state", inst.name, inst.id))
		}
	case "nova_scheduler":
		cn := fmt.Sprintf("compute%02d", 1+r%6)
		if w.off(cn, ts) {
			cn = "compute01"
		}
		text = oslo(ts, pid, lv, "nova.scheduler.host_manager", ctx, fmt.Sprintf("Host %s: free_ram_mb %d free_disk_gb %d vcpus used %d", cn, 100000+r%100000, 900+r%800, r%60))
	case "nova_conductor":
		if pick < 90 {
			lv = "debug"
			text = oslo(ts, pid, lv, "oslo_service.periodic_task", "[-]", "Running periodic task ConductorManager._clean_stale_migrations run_periodic_tasks")
		} else {
			text = oslo(ts, pid, lv, "nova.conductor.manager", ctx, fmt.Sprintf("[instance: %s] Instance metadata updated", inst.id))
		}
	case "keystone":
		text = oslo(ts, pid, lv, "keystone.common.wsgi", fmt.Sprintf("[%s - - - - -]", req), "POST http://10.0.0.10:5000/v3/auth/tokens")
	case "glance_api":
		text = oslo(ts, pid, lv, "eventlet.wsgi.server", ctx, fmt.Sprintf(`10.0.0.11,10.0.0.10 - - [%s] "GET /v2/images?limit=20 HTTP/1.1" 200 %d 0.0%02d`, time.Unix(sec, 0).UTC().Format("02/Jan/2006 15:04:05"), 1200+r%4000, r%90))
	case "neutron_server":
		text = oslo(ts, pid, lv, "neutron.wsgi", ctx, fmt.Sprintf(`10.0.0.11 "GET /v2.0/ports?device_id=%s HTTP/1.1" status: 200  len: %d time: 0.0%03d`, inst.id, 900+r%2000, r%999))
	case "cinder_api":
		text = oslo(ts, pid, lv, "cinder.api.openstack.wsgi", ctx, fmt.Sprintf("GET http://10.0.0.10:8776/v3/%s/volumes/detail", inst.project))
	case "cinder_scheduler":
		lv = "debug"
		text = oslo(ts, pid, lv, "cinder.scheduler.host_manager", "[-]", "Received volume service update from control01@rbd-1: {'volume_backend_name': 'rbd-1'}")
	case "placement_api":
		text = oslo(ts, pid, lv, "placement.requestlog", ctx, fmt.Sprintf(`10.0.0.11 "GET /allocations/%s" status: 200 len: 412 microversion: 1.0`, inst.id))
	case "rabbitmq":
		text = fmt.Sprintf("%s+00:00 [info] <0.%d.0> accepting AMQP connection <0.%d.0> (10.0.1.%d:%d -> %s:5672)",
			time.Unix(0, ts).UTC().Format("2006-01-02 15:04:05.000000"), 3000+r%5000, 3000+r%5000, 21+r%6, 40000+r%20000, ip)
	case "mariadb":
		text = fmt.Sprintf("%s %d [Note] WSREP: Member %d.0 (%s) synced with group.", time.Unix(0, ts).UTC().Format("2006-01-02 15:04:05"), 10+r%50, r%3, st.host)
	case "horizon":
		text = fmt.Sprintf(`10.0.0.5 - - [%s +0000] "GET /project/instances/ HTTP/1.1" 200 %d "-" "Mozilla/5.0"`, time.Unix(sec, 0).UTC().Format("02/Jan/2006:15:04:05"), 20000+r%9000)
	case "nova_compute":
		switch {
		case pick < 40:
			lv = "debug"
			text = oslo(ts, pid, lv, "oslo_service.periodic_task", ctx, "Running periodic task ComputeManager._poll_rebooting_instances run_periodic_tasks")
		case pick < 70:
			text = oslo(ts, pid, lv, "nova.compute.resource_tracker", ctx, fmt.Sprintf("Final resource view: name=%s phys_ram=262144MB used_ram=%dMB phys_disk=1800GB used_disk=%dGB total_vcpus=64 used_vcpus=%d", st.host, 40000+r%150000, 100+r%1200, r%64))
		case pick < 97:
			text = oslo(ts, pid, lv, "nova.compute.manager", "[-]", fmt.Sprintf("[instance: %s] VM Resumed (Lifecycle Event)", inst.id))
		default:
			lv = "warn"
			text = oslo(ts, pid, lv, "nova.compute.manager", ctx, fmt.Sprintf("While synchronizing instance power states, found %d instances in the database and %d instances on the hypervisor.", len(w.byHost[st.host]), max(0, len(w.byHost[st.host])-1)))
		}
	case "nova_libvirt":
		text = fmt.Sprintf("%s+0000: %d: info : qemuMonitorIOProcess:%d : QEMU_MONITOR_IO_PROCESS: mon=0x7f%08x buf={\"return\": {}}", time.Unix(0, ts).UTC().Format("2006-01-02 15:04:05.000"), 1000+r%9000, 400+r%50, uint32(r))
	case "neutron_openvswitch_agent":
		if pick < 80 {
			lv = "debug"
			text = oslo(ts, pid, lv, "neutron.plugins.ml2.drivers.openvswitch.agent.ovs_neutron_agent", "[-]", fmt.Sprintf("Agent rpc_loop - iteration:%d completed. Processed ports statistics: {'regular': {'added': 0, 'updated': 0, 'removed': 0}}. Elapsed:0.0%02d", sec%100000, r%99))
		} else {
			text = oslo(ts, pid, lv, "neutron.agent.securitygroups_rpc", ctx, fmt.Sprintf("Refresh firewall rules for instance %s", inst.id))
		}
	case "openvswitch_vswitchd":
		text = fmt.Sprintf("%sZ|%05d|connmgr|INFO|br-int<->unix#3: %d flow_mods in the last 0 s (%d adds)", time.Unix(0, ts).UTC().Format("2006-01-02T15:04:05.000"), r%99999, 1+r%8, 1+r%8)
	default:
		text = oslo(ts, pid, lv, st.container, "[-]", "heartbeat")
	}
	return simLine{ts: ts, st: st.levels[lv], line: text}, true
}

// --- event and action lines ---

type evLine struct {
	ts              int64
	host, container string
	lv, text        string
}

func (s *lokiSim) eventLines(w *simWorld, from, to int64) []evLine {
	var out []evLine
	add := func(ts int64, host, ct, lv, text string) {
		if ts >= from && ts < to && ts <= w.now.UnixNano() && !w.off(host, ts) {
			out = append(out, evLine{ts: ts, host: host, container: ct, lv: lv, text: text})
		}
	}
	nowNS := w.now.UnixNano()
	byReq := map[string]Event{}
	for _, e := range w.events {
		if r := e.Fields["request_id"]; r != "" {
			byReq[r] = e
		}
	}
	for _, e := range w.events {
		t0 := e.Time.UnixNano()
		if t0 >= to {
			continue
		}
		h := mix(uint64(e.Seq) ^ hashStr(e.Kind+e.Host))
		ip := w.ips[e.Host]
		switch e.Kind {
		case "host_down":
			end := nowNS
			for _, p := range w.offPeriod[e.Host] {
				if p[0] == t0 {
					end = min(end, p[1])
				}
			}
			end = min(end, to)
			add(t0+2*int64(time.Second)+137e6, "control01", "rabbitmq", "error", fmt.Sprintf("%s+00:00 [error] <0.%d.0> closing AMQP connection <0.%d.0> (%s:41234 -> 10.0.0.11:5672 - nova-compute:7:%s): missed heartbeats from client, timeout: 60s",
				time.Unix(0, t0+2*int64(time.Second)+137e6).UTC().Format("2006-01-02 15:04:05.000000"), 5000+h%999, 5000+h%999, ip, uuidFrom(h^1)))
			add(t0+3*int64(time.Second)+411e6, "control02", "mariadb", "warn", fmt.Sprintf("%s %d [Warning] Aborted connection %d to db: 'nova' user: 'nova' host: '%s' (Lost connection to client)",
				time.Unix(0, t0+3*int64(time.Second)).UTC().Format("2006-01-02 15:04:05"), 40+h%9, 48000+h%999, ip))
			// Periodic complaints while the host stays down.
			hb := e.Time.UTC().Format("2006-01-02 15:04:05")
			first := t0 + int64(HeartbeatTimeout)
			start := first
			if from > start {
				start = first + (from-first)/int64(10*time.Second)*int64(10*time.Second)
			}
			for t := start; t < end; t += int64(10 * time.Second) {
				k := (t - first) / int64(10*time.Second)
				ctl := fmt.Sprintf("control%02d", 1+k%3)
				el := float64(t-t0) / 1e9
				// Each period one scheduling request meets the dead host: the
				// scheduler's warning and the conductor's error share its ID.
				req := "req-" + uuidFrom(h^uint64(k))
				add(t+int64(113e6), ctl, "nova_scheduler", "warn", oslo(t+113e6, 9, "warn", "nova.servicegroup.drivers.db", reqCtx(req, "-", "-"),
					fmt.Sprintf("Seems service nova-compute on host %s is down. Last heartbeat was %s. Elapsed time is %.3f", e.Host, hb, el)))
				add(t+int64(517e6), ctl, "nova_conductor", "error", oslo(t+517e6, 11, "error", "nova.conductor.manager", reqCtx(req, "-", "-"),
					fmt.Sprintf("Lost connection to nova-compute on %s (%s): MessagingTimeout: Timed out waiting for a reply to message ID %016x", e.Host, ip, mix(h^uint64(k)))))
				if k%2 == 0 {
					add(t+int64(801e6), "control01", "neutron_server", "warn", oslo(t+801e6, 23, "warn", "neutron.db.agents_db", "[-]",
						fmt.Sprintf("Agent healthcheck: found 1 dead agents out of 24: Open vSwitch agent on host %s, last heartbeat %s", e.Host, hb)))
				}
			}
		case "host_up":
			add(t0+int64(1500e6), e.Host, "nova_compute", "info", oslo(t0+1500e6, 7, "info", "nova.service", "[-]", "Starting compute node (version 26.2.1)"))
			add(t0+int64(4200e6), e.Host, "nova_compute", "info", oslo(t0+4200e6, 7, "info", "nova.compute.manager", "[-]", "Looking for unclaimed instances stuck in BUILDING status for nodes managed by this host"))
			for _, in := range w.insts {
				for _, a := range in.actions {
					if a.Action == "evacuate" && a.Start.Before(e.Time) && byReq[a.RequestID].Host == e.Host {
						add(t0+int64(5e9)+int64(hashStr(in.id)%9e8), e.Host, "nova_compute", "info", oslo(t0+5e9, 7, "info", "nova.compute.manager", "[-]",
							fmt.Sprintf("[instance: %s] Deleting instance as it has been evacuated from this host", in.id)))
					}
				}
			}
		}
	}
	// Nova actions the nova simulator reports as events (accepted,
	// progress, error, done): request-ID trails across nova-api,
	// nova-conductor, nova-scheduler and nova-compute on source and target.
	covered := map[string]bool{}
	for _, e := range w.events {
		req := e.Fields["request_id"]
		if req == "" || e.Fields["instance_id"] == "" {
			continue
		}
		covered[req] = true
		t0 := e.Time.UnixNano()
		if t0 >= to || t0 < from-int64(time.Minute) {
			continue
		}
		h := mix(hashStr(req + e.Fields["phase"]))
		id := e.Fields["instance_id"]
		ctx := reqCtx(req, "admin", e.Fields["project_id"])
		api := fmt.Sprintf("control%02d", 1+hashStr(req)%3)
		cond := fmt.Sprintf("control%02d", 1+(hashStr(req)>>8)%3)
		sched := fmt.Sprintf("control%02d", 1+(hashStr(req)>>16)%3)
		source, target := e.Fields["source"], e.Fields["target"]
		compute := target
		if compute == "" {
			compute = e.Host
		}
		msg := e.Message
		if msg == "" {
			msg = e.Kind + " " + e.Fields["phase"]
		}
		ms := func(n int64) int64 { return t0 + n*int64(time.Millisecond) }
		switch e.Fields["phase"] {
		case "accepted":
			add(t0, api, "nova_api", "info", oslo(t0, 21, "info", "nova.api.openstack.requestlog", ctx,
				fmt.Sprintf(`10.0.0.5 "POST /v2.1/servers/%s/action" status: 202 len: 0 microversion: 2.95 time: 0.%03d`, id, 100+h%400)))
			switch e.Kind {
			case "evacuate", "live_migration", "migrate":
				add(ms(60), cond, "nova_conductor", "info", oslo(ms(60), 11, "info", "nova.conductor.manager", ctx,
					fmt.Sprintf("[instance: %s] %s", id, msg)))
				if target != "" {
					add(ms(180), sched, "nova_scheduler", "info", oslo(ms(180), 9, "info", "nova.scheduler.manager", ctx,
						fmt.Sprintf("[instance: %s] Selected host %s for %s (source %s)", id, target, e.Kind, source)))
				}
				if source != "" && e.Kind != "evacuate" {
					add(ms(400), source, "nova_compute", "info", oslo(ms(400), 7, "info", "nova.compute.manager", ctx,
						fmt.Sprintf("[instance: %s] Preparing %s to %s", id, e.Kind, target)))
				}
			default:
				add(ms(150), compute, "nova_compute", "info", oslo(ms(150), 7, "info", "nova.compute.manager", ctx,
					fmt.Sprintf("[instance: %s] %s", id, msg)))
			}
		case "progress":
			add(t0, compute, "nova_compute", "info", oslo(t0, 7, "info", "nova.compute.manager", ctx, fmt.Sprintf("[instance: %s] %s", id, msg)))
		case "error":
			add(t0, cond, "nova_conductor", "error", oslo(t0, 11, "error", "nova.conductor.manager", ctx, fmt.Sprintf("[instance: %s] %s", id, msg)))
		case "done":
			add(t0, compute, "nova_compute", "info", oslo(t0, 7, "info", "nova.compute.manager", ctx, fmt.Sprintf("[instance: %s] %s", id, msg)))
			if source != "" && source != compute && e.Kind != "evacuate" {
				add(ms(120), source, "nova_compute", "info", oslo(ms(120), 7, "info", "nova.compute.manager", ctx,
					fmt.Sprintf("[instance: %s] Migrating instance to %s finished successfully.", id, compute)))
			}
		}
	}
	imageDeleteLines(w.imageDelete, from, to, add)
	// Other instance actions (no events): a short trail from the record.
	for _, in := range w.insts {
		for ai, a := range in.actions {
			t0 := a.Start.UnixNano()
			if covered[a.RequestID] || a.Action == "create" || t0 >= to || t0 < from-int64(time.Minute) {
				continue
			}
			h := mix(hashStr(a.RequestID) ^ uint64(ai))
			api := fmt.Sprintf("control%02d", 1+h%3)
			ctx := reqCtx(a.RequestID, a.UserID, in.project)
			add(t0, api, "nova_api", "info", oslo(t0, 21, "info", "nova.api.openstack.requestlog", ctx,
				fmt.Sprintf(`10.0.0.5 "POST /v2.1/servers/%s/action" status: 202 len: 0 microversion: 2.79 time: 0.%03d`, in.id, 100+h%400)))
			add(t0+300e6, in.host, "nova_compute", "info", oslo(t0+300e6, 7, "info", "nova.compute.manager", ctx,
				fmt.Sprintf("[instance: %s] %s requested for instance %q", in.id, a.Action, in.name)))
			lv, what := "info", fmt.Sprintf("[instance: %s] Instance %s completed", in.id, a.Action)
			if a.Message != "" {
				lv, what = "error", fmt.Sprintf("[instance: %s] Instance %s failed: %s", in.id, a.Action, a.Message)
			}
			add(t0+2300e6, in.host, "nova_compute", lv, oslo(t0+2300e6, 7, lv, "nova.compute.manager", ctx, what))
		}
	}
	// Background request trails: a reboot every 20 s.
	for sec := max(from/1e9, w.now.Add(-lokiHistory).Unix()) / 20 * 20; sec*1e9 < to && len(w.insts) > 0; sec += 20 {
		h := mix(uint64(sec) ^ 0x7e57)
		in := w.insts[int(h%uint64(len(w.insts)))]
		req := "req-" + uuidFrom(h)
		ctx := reqCtx(req, in.user, in.project)
		t0 := sec*1e9 + int64(h>>20)%int64(5e9)
		api := fmt.Sprintf("control%02d", 1+h%3)
		add(t0, api, "nova_api", "info", oslo(t0, 21, "info", "nova.api.openstack.requestlog", ctx,
			fmt.Sprintf(`10.0.0.5 "POST /v2.1/servers/%s/action" status: 202 len: 0 microversion: 2.79 time: 0.1%02d`, in.id, h%99)))
		add(t0+250e6, in.host, "nova_compute", "info", oslo(t0+250e6, 7, "info", "nova.compute.manager", ctx,
			fmt.Sprintf("[instance: %s] Rebooting instance", in.id)))
		add(t0+1900e6, in.host, "nova_compute", "info", oslo(t0+1900e6, 7, "info", "nova.virt.libvirt.driver", ctx,
			fmt.Sprintf("[instance: %s] Instance shutdown successfully after 1 seconds.", in.id)))
		add(t0+3100e6, in.host, "neutron_openvswitch_agent", "info", oslo(t0+3100e6, 17, "info", "neutron.agent.common.ovs_lib", ctx,
			fmt.Sprintf("Port %s on instance %s updated", uuidFrom(h^3), in.id)))
		add(t0+3700e6, in.host, "nova_compute", "info", oslo(t0+3700e6, 7, "info", "nova.virt.libvirt.driver", ctx,
			fmt.Sprintf("[instance: %s] Instance rebooted successfully.", in.id)))
	}
	return out
}

// --- query evaluation ---

// collect returns up to limit lines in [from, to) matching q, in the given
// direction. withPushed includes pushed lines.
func (s *lokiSim) collect(w *simWorld, q *logQuery, from, to int64, limit int, backward, withPushed bool) []simLine {
	if w.quietAt != 0 {
		to = min(to, w.quietAt) // a quiet story logs nothing new
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var extra []simLine
	order := 0
	for _, e := range s.eventLines(w, from, to) {
		st := s.streamFor(e.host, e.container, e.lv)
		if q.matchLabels(st.m) && q.matchLine(e.text) {
			order++
			extra = append(extra, simLine{ts: e.ts, st: st, line: e.text, order: order})
		}
	}
	if withPushed {
		for _, p := range s.pushed {
			if p.ts >= from && p.ts < to && q.matchLabels(p.st.m) && q.matchLine(p.line) {
				extra = append(extra, p)
			}
		}
	}
	var cands []*simStream
	for _, st := range s.streams {
		for _, lv := range simLevels {
			if q.matchLabels(st.levels[lv].m) {
				cands = append(cands, st)
				break
			}
		}
	}
	var bg []simLine
	lo := max(from/1e9, w.now.Add(-lokiHistory).Unix())
	hi := min((to-1)/1e9, w.now.Unix())
	if len(cands) > 0 && lo <= hi {
		step, sec := int64(1), lo
		if backward {
			step, sec = -1, hi
		}
		for ; sec >= lo && sec <= hi && len(bg) < limit; sec += step {
			for _, st := range cands {
				l, ok := s.background(w, st, sec)
				if !ok || l.ts < from || l.ts >= to || l.ts > w.now.UnixNano() || !q.matchLabels(l.st.m) || !q.matchLine(l.line) {
					continue
				}
				bg = append(bg, l)
			}
		}
	}
	all := append(bg, extra...)
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.ts != b.ts {
			if backward {
				return a.ts > b.ts
			}
			return a.ts < b.ts
		}
		if a.st.key != b.st.key {
			return a.st.key < b.st.key
		}
		return a.order < b.order
	})
	if len(all) > limit {
		all = all[:limit]
	}
	return all
}

func (s *lokiSim) streamFor(host, ct, lv string) *simLabels {
	return s.intern(map[string]string{"host": host, "container": ct, "service_name": ct, "job": "kolla", "detected_level": lv})
}

type wireStreamOut struct {
	Stream map[string]string `json:"stream"`
	Values [][]string        `json:"values"`
}

func streamsJSON(lines []simLine) []wireStreamOut {
	idx := map[*simLabels]int{}
	var out []wireStreamOut
	for _, l := range lines {
		i, ok := idx[l.st]
		if !ok {
			i = len(out)
			idx[l.st] = i
			out = append(out, wireStreamOut{Stream: l.st.m})
		}
		out[i].Values = append(out[i].Values, []string{strconv.FormatInt(l.ts, 10), l.line})
	}
	sort.SliceStable(out, func(i, j int) bool { return loki.NewLabels(out[i].Stream).Key < loki.NewLabels(out[j].Stream).Key })
	return out
}

func lokiErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

func parseNS(v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 1e12 { // seconds
			return n * 1e9, nil
		}
		return n, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return int64(f * 1e9), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, fmt.Errorf("invalid timestamp %q", v)
	}
	return t.UnixNano(), nil
}

func (s *lokiSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/ready":
		_, _ = io.WriteString(w, "ready\n")
	case p == "/loki/api/v1/query_range" || p == "/loki/api/v1/query":
		s.serveQuery(w, r, p == "/loki/api/v1/query")
	case p == "/loki/api/v1/labels" || p == "/loki/api/v1/label":
		s.serveLabels(w, r, "")
	case strings.HasPrefix(p, "/loki/api/v1/label/") && strings.HasSuffix(p, "/values"):
		s.serveLabels(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/loki/api/v1/label/"), "/values"))
	case p == "/loki/api/v1/series":
		s.serveSeries(w, r)
	case p == "/loki/api/v1/tail":
		s.serveTail(w, r)
	case p == "/loki/api/v1/push" && r.Method == http.MethodPost:
		s.servePush(w, r)
	default:
		lokiErr(w, 404, "404 page not found")
	}
}

func (s *lokiSim) serveQuery(w http.ResponseWriter, r *http.Request, instant bool) {
	_ = r.ParseForm()
	q, err := parseLogQL(r.Form.Get("query"))
	if err != nil {
		lokiErr(w, 400, err.Error())
		return
	}
	wd := s.world()
	now := wd.now.UnixNano()
	limit := 100
	if v := r.Form.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit <= 0 {
			lokiErr(w, 400, "invalid limit")
			return
		}
	}
	if limit > loki.MaxEntriesPerQuery {
		lokiErr(w, 400, fmt.Sprintf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, loki.MaxEntriesPerQuery))
		return
	}
	var from, to int64
	if instant {
		if to, err = parseNS(r.Form.Get("time"), now); err != nil {
			lokiErr(w, 400, err.Error())
			return
		}
		from = to - int64(time.Hour)
	} else {
		if to, err = parseNS(r.Form.Get("end"), now); err != nil {
			lokiErr(w, 400, err.Error())
			return
		}
		if from, err = parseNS(r.Form.Get("start"), to-int64(time.Hour)); err != nil {
			lokiErr(w, 400, err.Error())
			return
		}
	}
	if to < from {
		lokiErr(w, 400, "end timestamp must not be before or equal to start time")
		return
	}
	if to-from > int64(30*24*time.Hour+time.Hour) {
		lokiErr(w, 400, "the query time range exceeds the limit (query length: "+time.Duration(to-from).String()+", limit: 30d1h)")
		return
	}
	backward := r.Form.Get("direction") != "forward"
	lines := s.collect(wd, q, from, to, limit, backward, true)
	WriteJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{
		"resultType": "streams", "result": streamsJSON(lines),
		"stats": map[string]any{"summary": map[string]any{"totalEntriesReturned": len(lines)}}}})
}

func (s *lokiSim) labelSets() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]string
	for _, l := range s.interns {
		out = append(out, l.m)
	}
	return out
}

func (s *lokiSim) serveLabels(w http.ResponseWriter, r *http.Request, name string) {
	_ = r.ParseForm()
	var q *logQuery
	if sel := r.Form.Get("query"); sel != "" {
		var err error
		if q, err = parseLogQL(sel); err != nil {
			lokiErr(w, 400, err.Error())
			return
		}
	}
	set := map[string]bool{}
	for _, m := range s.labelSets() {
		if q != nil && !q.matchLabels(m) {
			continue
		}
		if name == "" {
			for k := range m {
				set[k] = true
			}
		} else if v, ok := m[name]; ok {
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	WriteJSON(w, 200, map[string]any{"status": "success", "data": out})
}

func (s *lokiSim) serveSeries(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var qs []*logQuery
	for _, m := range r.Form["match[]"] {
		q, err := parseLogQL(m)
		if err != nil {
			lokiErr(w, 400, err.Error())
			return
		}
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		lokiErr(w, 400, "at least one match[] is required")
		return
	}
	var out []map[string]string
	for _, m := range s.labelSets() {
		for _, q := range qs {
			if q.matchLabels(m) {
				out = append(out, m)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return loki.NewLabels(out[i]).Key < loki.NewLabels(out[j]).Key })
	WriteJSON(w, 200, map[string]any{"status": "success", "data": out})
}

func detectLevel(line string) string {
	switch {
	case strings.Contains(line, " ERROR ") || strings.Contains(line, "[error]") || strings.Contains(line, "CRITICAL"):
		return "error"
	case strings.Contains(line, " WARNING ") || strings.Contains(line, "[warning]") || strings.Contains(line, "[Warning]"):
		return "warn"
	case strings.Contains(line, " DEBUG "):
		return "debug"
	case strings.Contains(line, " INFO ") || strings.Contains(line, "[info]") || strings.Contains(line, "[Note]"):
		return "info"
	}
	return "unknown"
}

func (s *lokiSim) servePush(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		lokiErr(w, 400, err.Error())
		return
	}
	var streams []loki.PushStream
	if strings.Contains(r.Header.Get("Content-Type"), "json") {
		var j struct {
			Streams []struct {
				Stream map[string]string `json:"stream"`
				Values [][]any           `json:"values"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(body, &j); err != nil {
			lokiErr(w, 400, "loki: decoding push: "+err.Error())
			return
		}
		for _, st := range j.Streams {
			ps := loki.PushStream{Labels: st.Stream}
			for _, v := range st.Values {
				if len(v) < 2 {
					continue
				}
				tss, _ := v[0].(string)
				line, _ := v[1].(string)
				ts, err := parseNS(tss, 0)
				if err != nil {
					lokiErr(w, 400, err.Error())
					return
				}
				ps.Entries = append(ps.Entries, loki.PushEntry{Time: time.Unix(0, ts), Line: line})
			}
			streams = append(streams, ps)
		}
	} else if streams, err = loki.DecodePush(body); err != nil {
		lokiErr(w, 400, "loki: decoding push: "+err.Error())
		return
	}
	s.mu.Lock()
	for _, st := range streams {
		for _, e := range st.Entries {
			m := map[string]string{}
			for k, v := range st.Labels {
				m[k] = v
			}
			if m["service_name"] == "" {
				m["service_name"] = m["container"]
				if m["service_name"] == "" {
					m["service_name"] = "unknown_service"
				}
			}
			if m["detected_level"] == "" && m["level"] == "" {
				m["detected_level"] = detectLevel(e.Line)
			}
			for k, v := range e.Metadata {
				m[k] = v
			}
			s.pushSeq++
			s.pushed = append(s.pushed, simLine{ts: e.Time.UnixNano(), st: s.intern(m), line: e.Line, order: s.pushSeq})
		}
	}
	if n := len(s.pushed) - 1000000; n > 0 {
		s.pushed = append([]simLine(nil), s.pushed[n:]...)
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// tailFrameOut mirrors Loki's tail message.
type tailFrameOut struct {
	Streams []wireStreamOut  `json:"streams"`
	Dropped []map[string]any `json:"dropped_entries,omitempty"`
}

func (s *lokiSim) serveTail(w http.ResponseWriter, r *http.Request) {
	q, err := parseLogQL(r.URL.Query().Get("query"))
	if err != nil {
		lokiErr(w, 400, err.Error())
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	s.mu.Lock()
	s.tails++
	over := s.tails > LokiMaxTails
	pushCur := s.pushSeq
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.tails--; s.mu.Unlock() }()
	if over {
		_ = conn.Close(websocket.StatusInternalError, "max concurrent tail requests limit exceeded")
		return
	}
	ctx := conn.CloseRead(r.Context())
	wd := s.world()
	now := wd.now.UnixNano()
	last, err := parseNS(r.URL.Query().Get("start"), now-int64(time.Hour))
	if err != nil || last < now-int64(time.Hour) {
		last = now - int64(time.Hour)
	}
	limit := 100
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 {
		limit = min(v, loki.MaxEntriesPerQuery)
	}
	deadline := time.Now().Add(LokiTailMaxDuration)
	first := true
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		wd := s.world()
		now := wd.now.UnixNano()
		var lines []simLine
		if now >= last {
			if first {
				// History first: the most recent `limit` lines since start.
				lines = s.collect(wd, q, last, now+1, limit, true, true)
				for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
					lines[i], lines[j] = lines[j], lines[i]
				}
			} else {
				lines = s.collect(wd, q, last, now+1, 100000, false, false)
			}
			last = now + 1
		}
		if !first {
			// Pushed lines reach tails as they arrive, whatever their time.
			s.mu.Lock()
			if n := s.pushSeq - pushCur; n > 0 {
				startIdx := max(0, len(s.pushed)-n)
				for _, p := range s.pushed[startIdx:] {
					if q.matchLabels(p.st.m) && q.matchLine(p.line) {
						lines = append(lines, p)
					}
				}
				pushCur = s.pushSeq
			}
			s.mu.Unlock()
		}
		first = false
		// Like Loki: at most 10 frames of 100 entries per round; the rest
		// is dropped and (under-)reported.
		var dropped []simLine
		if len(lines) > 1000 {
			dropped = lines[1000:]
			lines = lines[:1000]
		}
		for i := 0; i < len(lines) || (i == 0 && len(dropped) > 0); i += 100 {
			fr := tailFrameOut{Streams: streamsJSON(lines[i:min(i+100, len(lines))])}
			if i+100 >= len(lines) {
				for k, d := range dropped {
					if k >= 100 {
						break
					}
					fr.Dropped = append(fr.Dropped, map[string]any{"labels": d.st.m, "timestamp": strconv.FormatInt(d.ts, 10)})
				}
			}
			b, _ := json.Marshal(fr)
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
		}
		if time.Now().After(deadline) {
			_ = conn.Close(websocket.StatusInternalError, "reached tail max duration limit")
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
