package demo

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/config"
)

// Docker Engine API (1.41, as Debian 12's docker.io) for every host of the
// story, one endpoint per host as on a real Kolla cloud. Kolla-named
// containers with healthchecks; restarts change PIDs and start times; a host
// that lost power does not answer at all.

const dockerAPIVersion = "1.41"

type demoContainer struct {
	id, name, image string
	state           string // running, exited, restarting
	health          string // healthy, unhealthy, starting
	created         time.Time
	started         time.Time
	finished        time.Time
	exitCode        int
	restarts        int
	pid             int
	healthyAt       time.Time // when "starting" becomes healthy
}

type dockerSim struct {
	c      *Cloud
	mu     sync.Mutex
	hosts  map[string][]*demoContainer
	pids   int
	events map[string][]dockerEvent // by host, oldest first (the engine's /events log)
	probed map[string]time.Time     // by host: its healthchecks' exec events are logged up to
	addrs  map[string][]string      // by host: the client connections it answered lately
	stale  map[string][]string      // by host: connections of the engine before its restart
}

// dockerSims finds a cloud's engines (RestartDockerEngine).
var dockerSims sync.Map // *Cloud -> *dockerSim

// dockerEvent is one container event of a host's engine.
type dockerEvent struct {
	at     time.Time
	ct     *demoContainer
	action string // die, stop, start, restart, "health_status: healthy"
}

// dockerEventsKept: like the engine, a host keeps only its latest events.
const dockerEventsKept = 256

// logEvent records a container event. Call with d.mu held.
func (d *dockerSim) logEvent(host string, ct *demoContainer, action string, at time.Time) {
	d.probe(host, at)
	d.appendEvent(host, dockerEvent{at: at, ct: ct, action: action})
}

// appendEvent adds to the host's log, of which the engine's ring is the
// last dockerEventsKept (moved down only when twice that: no copy of the
// ring for every probe). Call with d.mu held.
func (d *dockerSim) appendEvent(host string, e dockerEvent) {
	ev := append(d.events[host], e)
	if len(ev) >= 2*dockerEventsKept {
		ev = append(ev[:0], ev[len(ev)-dockerEventsKept:]...)
	}
	d.events[host] = ev
}

// ring is the events the host's engine still holds. Call with d.mu held.
func (d *dockerSim) ring(host string) []dockerEvent {
	ev := d.events[host]
	return ev[max(0, len(ev)-dockerEventsKept):]
}

// dockerProbeEvery is the demo's healthcheck interval (inspect says it).
const dockerProbeEvery = 30 * time.Second

// probe logs the exec events of the host's healthchecks up to to, as the
// engine does for every probe (exec_create, exec_start, exec_die): they
// fill its ring, so a client's window must be short enough for the ring
// to still hold its container events. Each container probes at its own
// phase. Only the probes the ring can still hold are made. Call with d.mu
// held.
func (d *dockerSim) probe(host string, to time.Time) {
	from := d.probed[host]
	if !to.After(from) {
		return
	}
	d.probed[host] = to
	var running []*demoContainer
	for _, ct := range d.hosts[host] {
		if ct.state == "running" && ct.health != "" {
			running = append(running, ct)
		}
	}
	if len(running) == 0 {
		return
	}
	// Enough probes to fill the ring on their own.
	if span := time.Duration(dockerEventsKept/(3*len(running))+2) * dockerProbeEvery; from.Before(to.Add(-span)) {
		from = to.Add(-span)
	}
	var evs []dockerEvent
	for _, ct := range running {
		phase := time.Duration(fnvHash(ct.id) % uint64(dockerProbeEvery))
		t := from.Truncate(dockerProbeEvery).Add(phase)
		for ; !t.After(to); t = t.Add(dockerProbeEvery) {
			if t.After(from) {
				evs = append(evs, dockerEvent{at: t, ct: ct, action: "exec_create: CMD-SHELL healthcheck_curl"},
					dockerEvent{at: t, ct: ct, action: "exec_start: CMD-SHELL healthcheck_curl"},
					dockerEvent{at: t.Add(50 * time.Millisecond), ct: ct, action: "exec_die"})
			}
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	for _, e := range evs {
		d.appendEvent(host, e)
	}
}

func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// RestartDockerEngine restarts a host's engine as a daemon restart does
// for a client: its event ring starts empty and the connections it had
// are closed (each at its next request); the containers stay as they are
// (live-restore).
func (c *Cloud) RestartDockerEngine(host string) {
	v, ok := dockerSims.Load(c)
	if !ok {
		return
	}
	d := v.(*dockerSim)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events[host] = nil
	d.probed[host] = d.c.Story.Now()
	d.stale[host] = append(d.stale[host], d.addrs[host]...)
	d.addrs[host] = nil
}

// connection notes the client connection a request came over, and says
// false when it is one of the engine's before its restart (the caller
// closes it).
func (d *dockerSim) connection(host, addr string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.Contains(d.stale[host], addr) {
		return false
	}
	if a := d.addrs[host]; !slices.Contains(a, addr) {
		if len(a) >= 16 {
			a = a[1:]
		}
		d.addrs[host] = append(a, addr)
	}
	return true
}

var dockerControlContainers = []string{"keystone", "glance_api", "nova_api", "nova_scheduler", "nova_conductor",
	"nova_novncproxy", "placement_api", "neutron_server", "neutron_dhcp_agent", "neutron_l3_agent",
	"neutron_metadata_agent", "neutron_openvswitch_agent", "openvswitch_vswitchd", "openvswitch_db",
	"cinder_api", "cinder_scheduler", "cinder_volume", "cinder_backup", "horizon", "mariadb", "rabbitmq",
	"memcached", "haproxy", "keepalived", "fluentd", "cron", "kolla_toolbox", "prometheus_node_exporter"}

var dockerComputeContainers = []string{"nova_compute", "nova_libvirt", "nova_ssh", "neutron_openvswitch_agent",
	"openvswitch_vswitchd", "openvswitch_db", "fluentd", "cron", "kolla_toolbox", "prometheus_node_exporter",
	"prometheus_libvirt_exporter"}

func init() {
	Register(Service{Name: "docker", Order: 50, Start: startDocker,
		Configure: func(c *Cloud, cfg *config.Cloud) {
			cfg.Docker = &config.Docker{Hosts: map[string]string{}}
			c.mu.Lock()
			defer c.mu.Unlock()
			for name, u := range c.URLs {
				if h, ok := strings.CutPrefix(name, "docker-"); ok {
					cfg.Docker.Hosts[h] = u
				}
			}
		}})
}

func startDocker(c *Cloud) error {
	d := &dockerSim{c: c, hosts: map[string][]*demoContainer{}, pids: 1000, events: map[string][]dockerEvent{},
		probed: map[string]time.Time{}, addrs: map[string][]string{}, stale: map[string][]string{}}
	dockerSims.Store(c, d)
	var hosts []*Host
	c.Story.Lock(func() { hosts = append(hosts, c.Story.Hosts...) })
	start := c.Story.Start
	for _, h := range hosts {
		names := dockerComputeContainers
		if h.Role == "control" {
			names = dockerControlContainers
		}
		for i, n := range names {
			d.pids += 7
			ct := &demoContainer{id: dockerID(h.Name + "/" + n), name: n, image: kollaImage(n), state: "running",
				health: "healthy", created: start.Add(-30 * 24 * time.Hour), started: start.Add(-time.Duration(3+i%5) * 24 * time.Hour),
				pid: d.pids}
			d.hosts[h.Name] = append(d.hosts[h.Name], ct)
		}
	}
	// The story's standing problems: an unhealthy nova_compute that a
	// restart fixes, and an L3 agent that exited.
	if ct := d.find("compute02", "nova_compute"); ct != nil {
		ct.health, ct.restarts = "unhealthy", 2
	}
	if ct := d.find("control03", "neutron_l3_agent"); ct != nil {
		ct.state, ct.health, ct.exitCode, ct.finished = "exited", "", 1, start.Add(-2*time.Hour)
	}
	for _, h := range hosts {
		name := h.Name
		if _, err := c.Listen("docker-"+name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.serve(name, w, r) })); err != nil {
			return err
		}
	}
	return nil
}

func dockerID(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	a := h.Sum64()
	h.Write([]byte("x"))
	return fmt.Sprintf("%016x%016x%016x%016x", a, h.Sum64(), a^0x5bd1e995, h.Sum64()^0x9e3779b9)
}

func kollaImage(name string) string {
	svc := strings.ReplaceAll(name, "_", "-")
	return "quay.io/openstack.kolla/" + svc + ":2024.1-ubuntu-jammy"
}

func (d *dockerSim) find(host, name string) *demoContainer {
	for _, ct := range d.hosts[host] {
		if ct.name == name || ct.id == name || strings.HasPrefix(ct.id, name) && len(name) >= 12 {
			return ct
		}
	}
	return nil
}

func (d *dockerSim) serve(host string, w http.ResponseWriter, r *http.Request) {
	up := true
	d.c.Story.Lock(func() { up = d.c.Story.Host(host).Powered })
	if !up {
		// A host without power does not answer: drop the connection.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if !d.connection(host, r.RemoteAddr) {
		// A connection of the engine before its restart: closed.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	// The engine's own clock (the story's): clients time their /events
	// windows by it; it signs every answer (moby's version middleware).
	w.Header().Set("Date", d.c.Story.Now().UTC().Format(http.TimeFormat))
	w.Header().Set("Server", "Docker/20.10.24+dfsg1 (linux)")
	p := r.URL.Path
	if p == "/_ping" {
		w.Header().Set("Api-Version", dockerAPIVersion)
		w.Write([]byte("OK"))
		return
	}
	if p == "/version" {
		WriteJSON(w, 200, map[string]any{"Version": "20.10.24+dfsg1", "ApiVersion": dockerAPIVersion,
			"MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
		return
	}
	if strings.HasPrefix(p, "/v") {
		i := strings.Index(p[1:], "/")
		if i < 0 {
			dockerErr(w, 404, "page not found")
			return
		}
		ver := p[2 : i+1]
		if versionGreater(ver, dockerAPIVersion) {
			dockerErr(w, 400, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", ver, dockerAPIVersion))
			return
		}
		p = p[i+1:]
	}
	switch {
	case p == "/version":
		WriteJSON(w, 200, map[string]any{"Version": "20.10.24+dfsg1", "ApiVersion": dockerAPIVersion})
	case p == "/containers/json" && r.Method == http.MethodGet:
		d.list(host, w, r)
	case p == "/events" && r.Method == http.MethodGet:
		d.serveEvents(host, w, r)
	case strings.HasPrefix(p, "/containers/"):
		rest := strings.TrimPrefix(p, "/containers/")
		name, verb, _ := strings.Cut(rest, "/")
		d.mu.Lock()
		ct := d.find(host, name)
		d.mu.Unlock()
		if ct == nil {
			dockerErr(w, 404, "No such container: "+name)
			return
		}
		switch {
		case verb == "json" && r.Method == http.MethodGet:
			d.inspect(host, ct, w)
		case verb == "logs" && r.Method == http.MethodGet:
			d.logs(host, ct, w, r)
		case (verb == "restart" || verb == "stop" || verb == "start") && r.Method == http.MethodPost:
			d.act(host, ct, verb, w, r)
		default:
			dockerErr(w, 404, "page not found")
		}
	default:
		dockerErr(w, 404, "page not found")
	}
}

func versionGreater(a, b string) bool {
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	pa := strings.SplitN(a, ".", 2)
	pb := strings.SplitN(b, ".", 2)
	if len(pa) == 2 && len(pb) == 2 {
		ma, _ := strconv.Atoi(pa[0])
		mb, _ := strconv.Atoi(pb[0])
		na, _ := strconv.Atoi(pa[1])
		nb, _ := strconv.Atoi(pb[1])
		if ma != mb {
			return ma > mb
		}
		return na > nb
	}
	return fa > fb
}

func dockerErr(w http.ResponseWriter, code int, msg string) {
	WriteJSON(w, code, map[string]string{"message": msg})
}

// tick moves health checks along. Call with d.mu held.
func (d *dockerSim) tick(now time.Time) {
	for host, cts := range d.hosts {
		for _, ct := range cts {
			if ct.health == "starting" && !ct.healthyAt.IsZero() && now.After(ct.healthyAt) {
				ct.health = "healthy"
				d.logEvent(host, ct, "health_status: healthy", ct.healthyAt)
			}
		}
	}
}

// serveEvents answers /events with since and until (Unix seconds with
// nanoseconds, as the docker CLI sends them) and filters (type, event;
// health_status matches as a prefix, as the engine does): the events
// logged in the window, one JSON object a line. A window ending in the
// future ends now (the engine would stream until then).
func (d *dockerSim) serveEvents(host string, w http.ResponseWriter, r *http.Request) {
	now := d.c.Story.Now()
	q := r.URL.Query()
	since, until := parseDockerTime(q.Get("since")), parseDockerTime(q.Get("until"))
	if until.IsZero() || until.After(now) {
		until = now
	}
	var f map[string][]string
	if s := q.Get("filters"); s != "" {
		if err := json.Unmarshal([]byte(s), &f); err != nil {
			dockerErr(w, 400, "invalid filter: "+err.Error())
			return
		}
	}
	match := func(action string) bool {
		if ts := f["type"]; len(ts) > 0 && !slices.Contains(ts, "container") {
			return false
		}
		es := f["event"]
		if len(es) == 0 {
			return true
		}
		for _, e := range es {
			if e == action || e == "health_status" && strings.HasPrefix(action, "health_status") {
				return true
			}
		}
		return false
	}
	d.mu.Lock()
	d.tick(now)
	d.probe(host, now)
	var out []map[string]any
	for _, e := range d.ring(host) {
		if e.at.Before(since) || e.at.After(until) || !match(e.action) {
			continue
		}
		out = append(out, map[string]any{"status": e.action, "id": e.ct.id, "from": e.ct.image, "Type": "container",
			"Action": e.action, "Actor": map[string]any{"ID": e.ct.id, "Attributes": map[string]string{"name": e.ct.name, "image": e.ct.image}},
			"scope": "local", "time": e.at.Unix(), "timeNano": e.at.UnixNano()})
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	enc := json.NewEncoder(w)
	for _, e := range out {
		_ = enc.Encode(e)
	}
}

// parseDockerTime reads "1700000000.123456789" (zero when empty or not that).
func parseDockerTime(s string) time.Time {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		ns, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(n, ns)
}

func (ct *demoContainer) status(now time.Time) string {
	switch ct.state {
	case "running":
		s := "Up " + humanDuration(now.Sub(ct.started))
		switch ct.health {
		case "healthy":
			s += " (healthy)"
		case "unhealthy":
			s += " (unhealthy)"
		case "starting":
			s += " (health: starting)"
		}
		return s
	case "exited":
		return fmt.Sprintf("Exited (%d) %s ago", ct.exitCode, humanDuration(now.Sub(ct.finished)))
	}
	return ct.state
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func (d *dockerSim) list(host string, w http.ResponseWriter, r *http.Request) {
	now := d.c.Story.Now()
	all := r.URL.Query().Get("all") == "1" || r.URL.Query().Get("all") == "true"
	d.mu.Lock()
	d.tick(now)
	var out []map[string]any
	for _, ct := range d.hosts[host] {
		if !all && ct.state != "running" {
			continue
		}
		out = append(out, map[string]any{"Id": ct.id, "Names": []string{"/" + ct.name}, "Image": ct.image,
			"ImageID": "sha256:" + ct.id[:64], "Command": "dumb-init --single-child -- kolla_start",
			"Created": ct.created.Unix(), "State": ct.state, "Status": ct.status(now),
			"Labels":     map[string]string{"kolla_version": "2024.1", "build-date": "20241015"},
			"HostConfig": map[string]string{"NetworkMode": "host"}, "Ports": []any{}, "Mounts": []any{}})
	}
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i]["Names"].([]string)[0] < out[j]["Names"].([]string)[0] })
	WriteJSON(w, 200, out)
}

func (d *dockerSim) inspect(host string, ct *demoContainer, w http.ResponseWriter) {
	now := d.c.Story.Now()
	d.mu.Lock()
	d.tick(now)
	state := map[string]any{"Status": ct.state, "Running": ct.state == "running", "Paused": false,
		"Restarting": ct.state == "restarting", "OOMKilled": false, "Dead": false, "Pid": ct.pid,
		"ExitCode": ct.exitCode, "Error": "", "StartedAt": ct.started.UTC().Format(time.RFC3339Nano),
		"FinishedAt": zeroOr(ct.finished)}
	if ct.health != "" {
		streak := 0
		if ct.health == "unhealthy" {
			streak = 3
		}
		state["Health"] = map[string]any{"Status": ct.health, "FailingStreak": streak, "Log": []any{}}
	}
	body := map[string]any{"Id": ct.id, "Name": "/" + ct.name, "Created": ct.created.UTC().Format(time.RFC3339Nano),
		"State": state, "RestartCount": ct.restarts, "Image": "sha256:" + ct.id[:64],
		"Config": map[string]any{"Hostname": host, "Image": ct.image, "Tty": false,
			"Env":         []string{"KOLLA_SERVICE_NAME=" + strings.ReplaceAll(ct.name, "_", "-"), "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"},
			"Labels":      map[string]string{"kolla_version": "2024.1"},
			"Healthcheck": map[string]any{"Test": []string{"CMD-SHELL", "healthcheck_curl"}, "Interval": 30e9, "Timeout": 30e9, "Retries": 3}},
		"HostConfig": map[string]any{"NetworkMode": "host", "RestartPolicy": map[string]any{"Name": "unless-stopped"}}}
	d.mu.Unlock()
	WriteJSON(w, 200, body)
}

func zeroOr(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// act restarts, stops or starts a container. Like the real engine, restart
// answers 204 once the container runs again.
func (d *dockerSim) act(host string, ct *demoContainer, verb string, w http.ResponseWriter, r *http.Request) {
	now := d.c.Story.Now()
	d.mu.Lock()
	d.probe(host, now) // the probes before it, of the containers running until now
	switch verb {
	case "start":
		if ct.state == "running" {
			d.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		d.startLocked(ct, now)
	case "stop":
		if ct.state != "running" {
			d.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		ct.state, ct.health, ct.exitCode, ct.finished, ct.pid = "exited", "", 0, now, 0
		d.logEvent(host, ct, "die", now)
		d.logEvent(host, ct, "stop", now)
	case "restart":
		if ct.state == "running" {
			d.logEvent(host, ct, "die", now)
		}
		d.startLocked(ct, now)
		d.logEvent(host, ct, "restart", now)
	}
	if verb == "start" {
		d.logEvent(host, ct, "start", now)
	}
	d.mu.Unlock()
	time.Sleep(300 * time.Millisecond) // the stop/start round trip of a real engine
	d.c.Story.Lock(func() {
		h := d.c.Story.Host(host)
		if ct.name == "nova_compute" && verb != "stop" && h != nil {
			// nova-compute's start-up cleans up finished evacuation records.
			h.NovaRestartedAt = d.c.Story.Now()
		}
		d.c.Story.Emit(Event{Kind: "container_" + verb, Host: host, Service: ct.name,
			Message: fmt.Sprintf("container %s on %s: %s", ct.name, host, verb)})
	})
	w.WriteHeader(http.StatusNoContent)
}

func (d *dockerSim) startLocked(ct *demoContainer, now time.Time) {
	d.pids += 13
	if ct.state == "exited" {
		ct.exitCode = 0
	}
	ct.finished = now
	ct.state, ct.started, ct.pid = "running", now, d.pids
	ct.health, ct.healthyAt = "starting", now.Add(8*time.Second)
}

// logs serves the multiplexed stream: a few synthetic Kolla lines per
// minute of uptime, then (follow) a heartbeat line every second.
func (d *dockerSim) logs(host string, ct *demoContainer, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tail, _ := strconv.Atoi(q.Get("tail"))
	if tail <= 0 || tail > 500 {
		tail = 200
	}
	follow := q.Get("follow") == "1" || q.Get("follow") == "true"
	now := d.c.Story.Now()
	d.mu.Lock()
	started, name := ct.started, ct.name
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
	w.WriteHeader(200)
	bw := bufio.NewWriter(w)
	svc := strings.ReplaceAll(name, "_", "-")
	from := now.Add(-time.Duration(tail) * 10 * time.Second)
	if from.Before(started) {
		from = started
	}
	if since, err := strconv.ParseFloat(q.Get("since"), 64); err == nil && since > 0 {
		if t := time.Unix(0, int64(since*1e9)); from.Before(t) {
			from = t
		}
	}
	n := 0
	for t := from; !t.After(now); t = t.Add(10 * time.Second) {
		writeFrame(bw, 1, demoLogLine(t, host, svc, n, t.Equal(started)))
		n++
	}
	bw.Flush()
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if !follow {
		return
	}
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case t := <-tk.C:
			n++
			writeFrame(bw, 1, demoLogLine(t, host, svc, n, false))
			if n%7 == 0 {
				writeFrame(bw, 2, fmt.Sprintf("%s %s WARNING oslo.messaging._drivers.impl_rabbit [-] Connection to rabbitmq is slow (%d ms)\n",
					t.UTC().Format(time.RFC3339Nano), t.Format("2006-01-02 15:04:05.000"), 200+n%300))
			}
			if bw.Flush() != nil {
				return
			}
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
	}
}

func demoLogLine(t time.Time, host, svc string, n int, start bool) string {
	msg := fmt.Sprintf("INFO %s [-] periodic task ran on %s (%d)", svc, host, n)
	if start {
		msg = fmt.Sprintf("INFO %s [-] Starting %s on %s (Kolla config strategy COPY_ALWAYS)", svc, svc, host)
	}
	return t.UTC().Format(time.RFC3339Nano) + " " + t.Format("2006-01-02 15:04:05.000") + " 7 " + msg + "\n"
}

func writeFrame(w *bufio.Writer, stream byte, s string) {
	var hdr [8]byte
	hdr[0] = stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(s)))
	w.Write(hdr[:])
	w.WriteString(s)
}
