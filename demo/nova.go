package demo

// Simulated Nova (compute API v2.1 with microversions 2.1..NovaMaxMicroversion).
//
// Response shapes follow the real Zed responses captured in
// ../shared/samples/openstack/ (servers detail at 2.1 and 2.88, os-services,
// os-hypervisors/detail, os-migrations). State comes from the shared Story;
// Nova-only state (migrations, instance action events, the sorted server
// index) lives in novaState, keyed by Story. Everything is read and written
// inside Story.Lock.

import (
	"cmp"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// NovaMinMicroversion and NovaMaxMicroversion bound the simulated compute
// API's microversions.
const (
	NovaMinMicroversion = "2.1"
	NovaMaxMicroversion = "2.95"
)

// novaMaxListLimit is Nova's [api]max_limit.
const novaMaxListLimit = 1000

func init() {
	Register(Service{Name: "nova", CatalogType: "compute", CatalogPath: "/v2.1", Order: 10,
		Handler: func(c *Cloud) http.Handler { return newNova(c) }})
}

// microversion is a parsed "2.NN".
type microversion struct{ major, minor int }

func (v microversion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// atLeast reports whether v >= <major>.minor. Each service has one major
// version (Nova 2, Placement 1, Cinder 3); others are refused before use.
func (v microversion) atLeast(minor int) bool { return v.minor >= minor }

func parseMicroversion(s string) (microversion, bool) {
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok {
		return microversion{}, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 {
		return microversion{}, false
	}
	return microversion{a, b}, true
}

var (
	novaMin, _ = parseMicroversion(NovaMinMicroversion)
	novaMax, _ = parseMicroversion(NovaMaxMicroversion)
)

func (v microversion) less(o microversion) bool {
	return v.major < o.major || (v.major == o.major && v.minor < o.minor)
}

// requestMicroversion reads OpenStack-API-Version ("compute 2.88") or the
// legacy X-OpenStack-Nova-API-Version header, as Nova does.
func requestMicroversion(r *http.Request, service string, min, max microversion, legacy string) (microversion, string, bool) {
	raw := ""
	for _, h := range r.Header.Values("OpenStack-API-Version") {
		for _, part := range strings.Split(h, ",") {
			f := strings.Fields(part)
			if len(f) == 2 && strings.EqualFold(f[0], service) {
				raw = f[1]
			}
		}
	}
	if raw == "" && legacy != "" {
		raw = r.Header.Get(legacy)
	}
	if raw == "" {
		return min, "", true
	}
	if strings.EqualFold(raw, "latest") {
		return max, "", true
	}
	v, ok := parseMicroversion(raw)
	if !ok {
		return v, fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", raw), false
	}
	if v.less(min) || max.less(v) {
		return v, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", raw, min, max), false
	}
	return v, "", true
}

// novaState is Nova's own simulated state for one Story. Access only inside
// Story.Lock.
type novaState struct {
	story *Story

	// Sorted index of the servers (created desc, id desc as Nova lists),
	// rebuilt when the instance count changes.
	indexed int
	order   []*Instance
	pos     map[string]int
	ordinal map[string]int
	// The same index sorted by uuid, ascending and descending (sort_key=uuid),
	// for index generation byUUIDGen; uuidPos is the ascending positions.
	byUUID    [2][]*Instance
	uuidPos   map[string]int
	byUUIDGen int
	// warming: the indexes being made at start (warm).
	warming *warmIndex

	migrations []*novaMigration
	migSeq     int
	// events of each instance action, by request id.
	actionEvents map[string][]actionEvent
	// admin state of the non-compute services (host/binary).
	svcDisabled map[string]string
	// in-flight moves: instance id -> target host (counted as allocated).
	pending map[string]string
	// allocation ratios (computed once from the story's size).
	capModel capacityModel
	// forced_down of the non-compute services.
	svcForced map[string]bool
	// the operation currently driving an instance (request id), so that a
	// reset-state cancels the rest of a simulated task.
	op map[string]string
	// vm_state of instances before a cold migration (restored on confirm).
	resizeFrom map[string]string
	// live migrations running per source compute, waiting starts, and the
	// slot each running instance holds.
	liveRunning map[string]int
	liveQueue   map[string][]func()
	liveSlot    map[string]string
	// vm_state of instances whose state Nova changed (else derived from Status).
	vm map[string]string
	// scanned counts the servers changes-since requests looked at (tests
	// prove a refresh costs O(changes)).
	scanned int
	// withServers caches os-hypervisors' per-host server lists, encoded,
	// for one instance generation.
	withServers    map[string]json.RawMessage
	withServersGen [2]uint64
	// placed sums what the instances use per compute, for one generation.
	placed    map[string]hostUsage
	placedGen [2]uint64
}

type novaMigration struct {
	ID                int
	UUID              string
	Instance          *Instance
	Type              string // evacuation, live-migration, migration
	Status            string
	Source, Dest      string
	FlavorID          string
	UserID, ProjectID string
	Created, Updated  time.Time
}

type actionEvent struct {
	Event         string
	Start, Finish time.Time
	Result        string // "" while running, Success, Error
	Host          string
}

var novaStates sync.Map // *Story -> *novaState

// novaFor returns the Nova state of a story (created on first use). Call
// inside Lock.
func novaFor(s *Story) *novaState {
	if v, ok := novaStates.Load(s); ok {
		return v.(*novaState)
	}
	n := &novaState{story: s, actionEvents: map[string][]actionEvent{}, svcDisabled: map[string]string{},
		pending: map[string]string{}, vm: map[string]string{}, svcForced: map[string]bool{}, op: map[string]string{},
		resizeFrom: map[string]string{}, liveRunning: map[string]int{}, liveQueue: map[string][]func(){},
		liveSlot: map[string]string{}}
	v, _ := novaStates.LoadOrStore(s, n)
	return v.(*novaState)
}

// reindex rebuilds the sorted server index when instances were added.
func (n *novaState) reindex() {
	s := n.story
	n.takeWarm()
	if n.indexed == len(s.Instances) && n.order != nil {
		return
	}
	n.order, n.pos, n.ordinal = listIndex(s.Instances, n.order[:0])
	n.indexed = len(s.Instances)
}

// listIndex is the list order of ins with each server's position and
// ordinal (its place in ins, from 1), order's storage reused. It reads
// only what never changes after a server is made (ID, Created), so it can
// run outside the story's lock (warmIndex).
func listIndex(ins, order []*Instance) ([]*Instance, map[string]int, map[string]int) {
	// Newest first, then by ID (descending): IDs are unique, so the order
	// is total and needs no stable sort (sort.SliceStable took ~120 ms of
	// the demo's start at 50,000 instances, before the in-process cockpit
	// could start; issue 15). Sorted as keys read once (the time in
	// nanoseconds, the ID's first 8 bytes), not by calling Time.Compare
	// and strings.Compare on every comparison.
	keys := make([]sortKey, len(ins))
	for i, in := range ins {
		keys[i] = sortKey{t: in.Created.UnixNano(), pfx: idPrefix(in.ID), in: in}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		return -cmp.Or(cmp.Compare(a.t, b.t), a.compareID(b))
	})
	order = slices.Grow(order, len(keys))
	for _, k := range keys {
		order = append(order, k.in)
	}
	// Three maps, not five: an instance by ID is order[pos], a position
	// in the descending uuid order is the ascending one's mirror.
	pos := make(map[string]int, len(order))
	ordinal := make(map[string]int, len(order))
	for i, in := range order {
		pos[in.ID] = i
	}
	for i, in := range ins {
		ordinal[in.ID] = i + 1
	}
	return order, pos, ordinal
}

// warmIndex is Nova's indexes made at the demo's start, outside the
// story's lock: Keystone's tokens and the other services' starts (Ceph's
// takes the lock) need not wait for it (50-200 ms at 50,000 servers on a
// busy 2-core machine). The first reader under the lock installs it
// (takeWarm).
type warmIndex struct {
	done                  chan struct{}
	n                     int // len(story.Instances) it was made from
	order, asc            []*Instance
	pos, ordinal, uuidPos map[string]int
}

// warmIndexHook, when set, runs before the start's index is made (tests).
var warmIndexHook func()

// warm makes the indexes of the story's servers in the background.
func (n *novaState) warm() {
	s := n.story
	s.mu.Lock()
	w := &warmIndex{done: make(chan struct{}), n: len(s.Instances)}
	ins := s.Instances[:w.n:w.n] // made servers never change their ID or Created
	n.warming = w
	s.mu.Unlock()
	hook := warmIndexHook
	go func() {
		if hook != nil {
			hook()
		}
		w.order, w.pos, w.ordinal = listIndex(ins, nil)
		w.asc, w.uuidPos = uuidIndex(w.order)
		close(w.done)
		s.mu.Lock()
		n.takeWarm()
		s.mu.Unlock()
	}()
}

// takeWarm installs the start's indexes, waiting for them if they are
// still being made. Under the story's lock.
func (n *novaState) takeWarm() {
	w := n.warming
	if w == nil {
		return
	}
	<-w.done
	n.warming = nil
	n.order, n.pos, n.ordinal, n.indexed = w.order, w.pos, w.ordinal, w.n
	n.setUUIDOrder(w.asc, w.uuidPos)
}

// ord is an instance's ordinal (its place in the story, from 1), the
// start's index installed first: it is made outside the story's lock, and
// read before it is in, every ordinal would be 0. Under the story's lock.
func (n *novaState) ord(id string) int {
	n.takeWarm()
	return n.ordinal[id]
}

// instance finds a live (not deleted) instance by id.
func (n *novaState) instance(id string) *Instance {
	in := n.byID(id)
	if in == nil || in.Deleted {
		return nil
	}
	return in
}

// byID finds an instance by id, deleted or not.
func (n *novaState) byID(id string) *Instance {
	n.reindex()
	if i, ok := n.pos[id]; ok {
		return n.order[i]
	}
	return nil
}

// sortKey is a server's place in a sorted index: its creation time and
// its ID's first 8 bytes, read once before sorting.
type sortKey struct {
	t   int64
	pfx uint64
	in  *Instance
}

// compareID orders by ID: the prefixes first, the whole IDs on a tie.
func (a sortKey) compareID(b sortKey) int {
	if c := cmp.Compare(a.pfx, b.pfx); c != 0 {
		return c
	}
	return strings.Compare(a.in.ID, b.in.ID)
}

// idPrefix is id's first 8 bytes, big-endian: it orders as the bytes do.
func idPrefix(id string) uint64 {
	var b [8]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:])
}

// sync applies the lazy parts of the simulation: a compute host that was
// powered on again has restarted nova-compute, which moves its `done`
// evacuation records to `completed` (as nova-compute's start-up does).
func (n *novaState) sync() {
	s := n.story
	for _, m := range n.migrations {
		if m.Type != "evacuation" || m.Status != "done" {
			continue
		}
		h := s.Host(m.Source)
		if h != nil && h.Powered && h.NovaRestartedAt.After(m.Created) {
			m.Status = "completed"
			m.Updated = h.NovaRestartedAt
		}
	}
}

// Nova's HTTP handler.

type nova struct {
	c *Cloud
}

func newNova(c *Cloud) http.Handler {
	n := &nova{c: c}
	s := c.Story
	// After a host loses power its services stop heartbeating; tell the
	// log/alert backends when Nova starts calling nova-compute down.
	s.Watch(func(e Event) {
		if e.Kind == "host_up" {
			n.powerSync(e.Host)
			return
		}
		if e.Kind != "host_down" {
			return
		}
		h := s.Host(e.Host)
		if h == nil {
			return
		}
		down := h.DownSince
		at := down.Add(HeartbeatTimeout) // the story may start with the failure in the past
		s.Schedule(max(0, at.Sub(s.Now())), func() {
			if h.Powered || !h.DownSince.Equal(down) {
				return
			}
			fields := map[string]string{"binary": "nova-compute", "host": h.Name}
			if h.IsCompute() {
				s.Emit(Event{Kind: "service_down", Time: at, Host: h.Name, Service: "nova-compute", Fields: fields,
					Message: fmt.Sprintf("nova-compute on %s is down: no heartbeat for %s", h.Name, HeartbeatTimeout)})
			}
		})
	})
	n.startAmbient()
	// Index the server list now, not on the first list request: at 50,000
	// servers that is a sort and maps on the way to the first rows. The
	// uuid order too: the cockpit's first page is sort_key=uuid (a real
	// Nova reads it from the uuid index; built on that request, it was
	// 70 ms of the first page's time at 50k). Made outside the story's
	// lock (warm); the story's mutex only, not Lock, to reach the state:
	// Lock would run due story events, which read the cloud's URLs while
	// Start is still listening.
	s.mu.Lock()
	ns := novaFor(s)
	s.mu.Unlock()
	ns.warm()
	return n
}

// powerSync: a compute that lost power comes back with its guests shut
// off; nova-compute's power-state sync finds them so and stops them in the
// database ("Instance shutdown by itself. Calling the stop API."). Called
// inside Lock.
func (n *nova) powerSync(host string) {
	s := n.c.Story
	s.Schedule(10*time.Second, func() {
		h := s.Host(host)
		if h == nil || !h.Powered {
			return
		}
		ns := novaFor(s)
		for _, in := range s.Instances {
			if in.Deleted || in.Host != host || in.PowerState != 1 || ns.op[in.ID] != "" || ns.vmState(in) != "active" {
				continue
			}
			q := &novaReq{reqID: newRequestID(), mv: novaMax}
			a := &novaAction{ns: ns, q: q, in: in, user: ""}
			a.record("stop")
			a.event("compute_stop_instance", host)("Success")
			ns.setState(in, "stopped", "")
			in.PowerState = 4
			a.finish()
			a.emit("power_sync", "done", host, fmt.Sprintf("[instance: %s] Instance shutdown by itself. Calling the stop API. Current vm_state: active, current task_state: None, original DB power_state: 1, current VM power_state: 4", in.ID))
		}
	})
}

// novaReq is one request's context.
type novaReq struct {
	w     http.ResponseWriter
	r     *http.Request
	mv    microversion
	reqID string
	base  string // http://127.0.0.1:port
}

// idle reports time spent waiting, not working (see countingWriter.Idle).
func (q *novaReq) idle(d time.Duration) {
	if w, ok := q.w.(interface{ Idle(time.Duration) }); ok {
		w.Idle(d)
	}
}

func (q *novaReq) json(code int, v any) {
	WriteJSON(q.w, code, v)
}

// fail writes Nova's error body ({"badRequest": {...}}, ...).
func (q *novaReq) fail(code int, msg string) {
	key := map[int]string{400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
		405: "HTTPMethodNotAllowed", 406: "HTTPNotAcceptable", 409: "conflictingRequest", 500: "computeFault",
		501: "notImplemented"}[code]
	if key == "" {
		key = "computeFault"
	}
	q.json(code, map[string]any{key: map[string]any{"code": code, "message": msg}})
}

// raw writes an already encoded JSON body.
func (q *novaReq) raw(code int, body []byte) {
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	q.w.WriteHeader(code)
	_, _ = q.w.Write(body)
}

func (q *novaReq) empty(code int) {
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Length", "0")
	q.w.WriteHeader(code)
}

func newRequestID() string { return "req-" + randomUUID() }

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b)
}

// formatUUID writes b as a version 4 UUID (one allocation, not fmt's
// five: the demo makes ~150,000 at 50,000 instances before the cockpit
// can start, issue 15).
func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// stableUUID derives a UUID from a name (services, agents, volumes).
func stableUUID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	var b [16]byte
	copy(b[:], sum[:16])
	return formatUUID(b)
}

func hostID(projectID, host string) string {
	if host == "" {
		return ""
	}
	sum := sha256.Sum224([]byte(projectID + host))
	return hex.EncodeToString(sum[:])
}

// Time formats Nova uses.
const (
	novaTimeZ     = "2006-01-02T15:04:05Z"
	novaTimeMicro = "2006-01-02T15:04:05.000000"
)

func tz(t time.Time) string { return t.UTC().Format(novaTimeZ) }

func tmicro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Second).Format(novaTimeMicro)
}

func (n *nova) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &novaReq{w: w, r: r, reqID: newRequestID(), base: n.c.URLs["nova"]}
	w.Header().Set("x-openstack-request-id", q.reqID)
	w.Header().Set("x-compute-request-id", q.reqID)
	path := strings.TrimSuffix(r.URL.Path, "/")
	// Version documents need no token.
	if path == "" {
		n.versions(q)
		return
	}
	if path == "/v2.1" && r.Method == http.MethodGet {
		n.version(q)
		return
	}
	if !strings.HasPrefix(path, "/v2.1/") {
		q.fail(404, "The resource could not be found.")
		return
	}
	// keystonemiddleware runs before Nova's version check: 401 beats 406.
	if !n.c.Authorized(w, r) {
		return
	}
	mv, msg, ok := requestMicroversion(r, "compute", novaMin, novaMax, "X-OpenStack-Nova-API-Version")
	if !ok {
		q.fail(406, msg)
		return
	}
	q.mv = mv
	w.Header().Set("OpenStack-API-Version", "compute "+mv.String())
	w.Header().Set("X-OpenStack-Nova-API-Version", mv.String())
	w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
	parts := strings.Split(strings.TrimPrefix(path, "/v2.1/"), "/")
	// Old-style URLs carry the project id: /v2.1/{project_id}/servers.
	if len(parts) > 1 && len(parts[0]) == 32 && isHex(parts[0]) {
		parts = parts[1:]
	}
	n.route(q, parts)
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func (n *nova) route(q *novaReq, p []string) {
	m := q.r.Method
	get := m == http.MethodGet || m == http.MethodHead
	switch {
	case p[0] == "servers" && len(p) == 1 && get:
		n.listServers(q, false)
	case p[0] == "servers" && len(p) == 2 && p[1] == "detail" && get:
		n.listServers(q, true)
	case p[0] == "servers" && len(p) == 2 && get:
		n.showServer(q, p[1])
	case p[0] == "servers" && len(p) == 3 && p[2] == "action" && m == http.MethodPost:
		n.serverAction(q, p[1])
	case p[0] == "servers" && len(p) >= 3 && p[2] == "os-instance-actions" && get:
		if len(p) == 3 {
			n.instanceActions(q, p[1])
		} else {
			n.instanceAction(q, p[1], p[3])
		}
	case p[0] == "servers" && len(p) == 3 && p[2] == "os-volume_attachments" && get:
		n.volumeAttachments(q, p[1])
	case p[0] == "servers" && len(p) == 3 && p[2] == "migrations" && get:
		n.serverMigrations(q, p[1])
	case p[0] == "os-services" && len(p) == 1 && get:
		n.listServices(q)
	case p[0] == "os-services" && len(p) == 2 && m == http.MethodPut:
		n.updateService(q, p[1])
	case p[0] == "os-hypervisors" && get:
		n.hypervisors(q, p[1:])
	case p[0] == "os-migrations" && len(p) == 1 && get:
		n.listMigrations(q)
	case p[0] == "flavors" && get:
		n.flavors(q, p[1:])
	case p[0] == "os-availability-zone" && get:
		n.availabilityZones(q)
	case p[0] == "servers" || p[0] == "os-services" || p[0] == "os-hypervisors" || p[0] == "os-migrations" || p[0] == "flavors":
		q.fail(405, "The method specified is not allowed for this resource.")
	default:
		q.fail(404, "The resource could not be found.")
	}
}

func (n *nova) versionDoc(q *novaReq) map[string]any {
	return map[string]any{"id": "v2.1", "status": "CURRENT", "version": NovaMaxMicroversion,
		"min_version": NovaMinMicroversion, "updated": "2013-07-23T11:33:21Z",
		"links": []map[string]string{{"rel": "self", "href": q.base + "/v2.1/"},
			{"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}},
		"media-types": []map[string]string{{"base": "application/json",
			"type": "application/vnd.openstack.compute+json;version=2.1"}}}
}

func (n *nova) versions(q *novaReq) {
	v20 := map[string]any{"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
		"updated": "2011-01-21T11:33:21Z", "links": []map[string]string{{"rel": "self", "href": q.base + "/v2/"}}}
	q.json(200, map[string]any{"versions": []any{v20, n.versionDoc(q)}})
}

func (n *nova) version(q *novaReq) {
	q.json(200, map[string]any{"version": n.versionDoc(q)})
}

func (n *nova) availabilityZones(q *novaReq) {
	q.json(200, map[string]any{"availabilityZoneInfo": []any{
		map[string]any{"zoneName": "nova", "zoneState": map[string]bool{"available": true}, "hosts": nil}}})
}

// decodeBody reads a JSON request body.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	return dec.Decode(v)
}
