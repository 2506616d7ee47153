package demo

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/config"
)

// The Ceph mgr dashboard REST API (Pacific shapes, see
// ../shared/samples/ceph/) plus the prometheus module's /metrics, driven by
// the Story: 12 OSDs, two on each of compute01..06. When the story's compute
// host loses power its OSDs go down about a second later (PGs undersized and
// degraded, OSD_DOWN/OSD_HOST_DOWN); CephDownOutInterval later they are
// marked out (unless noout is set) and the PGs recover, with a progress
// event, back to active+clean. noout, per-OSD noout and OSD out/in change the
// simulation like they change a cluster.

// CephDownOutInterval is the demo's mon_osd_down_out_interval (600 s on a
// real cluster, shortened so the demo shows the whole story).
var CephDownOutInterval = 60 * time.Second

// CephOSDDownDelay is how long after power loss the mon marks OSDs down.
var CephOSDDownDelay = time.Second

// CephRecoveryDuration is how long a recovery or rebalance takes.
var CephRecoveryDuration = 90 * time.Second

// CephTokenTTL is the dashboard JWT lifetime (jwt_token_ttl).
var CephTokenTTL = 8 * time.Hour

const cephAccept = "application/vnd.ceph.api.v1.0+json"

var cephBaseFlags = []string{"pglog_hardlimit", "purged_snapdirs", "recovery_deletes", "sortbitwise"}

type cephOSD struct {
	id        int
	host      string
	class     string
	bytes     int64
	usedFrac  float64
	in        bool
	noout     bool
	downSince time.Time // zero when up
	// downAt is the story time the OSD was (or will be) marked down.
}

type cephPool struct {
	id, size, minSize, pgNum int
	name                     string
	apps                     []string
	stored                   int64
	objects                  int64
	// hosts restricts the pool to these hosts (a local CRUSH rule).
	hosts []string
}

type cephPG struct {
	pool    *cephPool
	seq     int
	osds    []int
	objects int64
}

func (p cephPG) id() string { return fmt.Sprintf("%d.%x", p.pool.id, p.seq) }

type cephEvent struct {
	id       string
	msg      string
	kind     string // recover | backfill
	start    time.Time
	dur      time.Duration
	pgs      map[string]int // pg id -> slot (finishes at start+dur*(slot+1)/n)
	osdRef   int
	global   bool
	finished bool
}

type cephSim struct {
	story *Story
	osds  []*cephOSD
	pools []*cephPool
	pgs   []cephPG
	flags []string
	// tokens issued by POST /api/auth -> expiry
	tokens       map[string]time.Time
	authFailures int
	events       []*cephEvent
	crashes      []string
	mons         []string
	snapStatus   int // answer /api/health/snapshot with this status (404: as Pacific's dashboard), 0: answer it
}

var (
	cephSimsMu sync.Mutex
	cephSims   = map[*Cloud]*cephSim{}
)

func init() {
	Register(Service{Name: "ceph", Order: 40, Start: startCeph, Configure: func(c *Cloud, cfg *config.Cloud) {
		cfg.Ceph = &config.Ceph{Endpoint: config.Endpoint{URL: c.URLs["ceph"], Username: c.Username, Password: c.Password},
			MetricsURL: c.URLs["ceph-metrics"] + "/metrics"}
	}})
}

func startCeph(c *Cloud) error {
	sim := newCephSim(c.Story)
	cephSimsMu.Lock()
	cephSims[c] = sim
	cephSimsMu.Unlock()
	if _, err := c.Listen("ceph", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.serve(c, w, r) })); err != nil {
		return err
	}
	_, err := c.Listen("ceph-metrics", http.HandlerFunc(sim.serveMetrics))
	return err
}

// CephExpireTokens makes every issued dashboard JWT invalid (as if it
// expired), to exercise re-authentication.
func CephExpireTokens(c *Cloud) {
	sim := cephSimFor(c)
	if sim == nil {
		return
	}
	c.Story.Lock(func() { sim.tokens = map[string]time.Time{} })
}

// CephAuthFailures is the number of failed dashboard logins so far.
func CephAuthFailures(c *Cloud) int {
	sim := cephSimFor(c)
	n := 0
	if sim != nil {
		c.Story.Lock(func() { n = sim.authFailures })
	}
	return n
}

// CephWithoutSnapshot makes the demo's dashboard answer
// /api/health/snapshot with 404, as older dashboards do (tests of the
// fallback to /api/health/minimal).
func (c *Cloud) CephWithoutSnapshot() { c.CephSnapshotStatus(http.StatusNotFound) }

// CephSnapshotStatus makes the demo's dashboard answer
// /api/health/snapshot with an error of this status (a proxy's 503 during
// a manager's move, a 404 before an upgrade), or normally again with 0.
func (c *Cloud) CephSnapshotStatus(code int) {
	if sim := cephSimFor(c); sim != nil {
		sim.story.Lock(func() { sim.snapStatus = code })
	}
}

// CephCrash records a crash of osd.id now (the RECENT_CRASH check).
func (c *Cloud) CephCrash(id int) {
	if sim := cephSimFor(c); sim != nil {
		sim.story.Lock(func() {
			if o := sim.osd(id); o != nil {
				sim.crashes = append(sim.crashes, fmt.Sprintf("osd.%d crashed on host %s at %s", o.id, o.host,
					sim.story.Now().UTC().Format("2006-01-02T15:04:05.000000Z")))
			}
		})
	}
}

func cephSimFor(c *Cloud) *cephSim {
	cephSimsMu.Lock()
	defer cephSimsMu.Unlock()
	return cephSims[c]
}

func newCephSim(s *Story) *cephSim {
	sim := &cephSim{story: s, tokens: map[string]time.Time{}, flags: append([]string(nil), cephBaseFlags...)}
	s.Lock(func() {
		id := 0
		for i, h := range s.Computes() {
			for j := 0; j < 2; j++ {
				class, size := "ssd", int64(3840)<<30
				if i >= 4 {
					class, size = "hdd", int64(8000)<<30
				}
				sim.osds = append(sim.osds, &cephOSD{id: id, host: h.Name, class: class, bytes: size,
					usedFrac: 0.38 + float64((id*37)%23)/100, in: true})
				id++
			}
		}
		for _, h := range s.Hosts {
			if h.Role == "control" {
				sim.mons = append(sim.mons, h.Name)
			}
		}
		first := ""
		if len(s.Computes()) > 0 {
			first = s.Computes()[0].Name
		}
		sim.pools = []*cephPool{
			{id: 1, name: "device_health_metrics", size: 3, minSize: 2, pgNum: 1, apps: []string{"mgr_devicehealth"}, stored: 12 << 20, objects: 12},
			{id: 2, name: "volumes", size: 3, minSize: 2, pgNum: 256, apps: []string{"rbd"}, stored: 9200 << 30, objects: 2400000},
			{id: 3, name: "vms", size: 3, minSize: 2, pgNum: 256, apps: []string{"rbd"}, stored: 4100 << 30, objects: 1100000},
			{id: 4, name: "images", size: 3, minSize: 2, pgNum: 64, apps: []string{"rbd"}, stored: 610 << 30, objects: 160000},
			{id: 5, name: "backups", size: 3, minSize: 2, pgNum: 64, apps: []string{"rbd"}, stored: 1900 << 30, objects: 480000},
			// A pool someone made with size 1 "for a quick test": flagged.
			{id: 6, name: "scratch", size: 1, minSize: 1, pgNum: 8, apps: []string{"rbd"}, stored: 3 << 30, objects: 800, hosts: []string{first}},
		}
		for _, p := range sim.pools {
			for seq := 0; seq < p.pgNum; seq++ {
				sim.pgs = append(sim.pgs, cephPG{pool: p, seq: seq, osds: sim.place(p, seq), objects: p.objects / int64(p.pgNum)})
			}
		}
		// A crash from earlier today, still "recent" (two weeks).
		if len(sim.osds) > 9 {
			o := sim.osds[9]
			sim.crashes = append(sim.crashes, fmt.Sprintf("osd.%d crashed on host %s at %s", o.id, o.host,
				s.Now().Add(-3*time.Hour-17*time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z")))
		}
	})
	return sim
}

// place maps a PG to `size` OSDs on distinct hosts (a stable hash, like CRUSH).
func (sim *cephSim) place(p *cephPool, seq int) []int {
	hosts := map[string][]int{}
	var names []string
	for _, o := range sim.osds {
		if len(p.hosts) > 0 && !cephHas(p.hosts, o.host) {
			continue
		}
		if _, ok := hosts[o.host]; !ok {
			names = append(names, o.host)
		}
		hosts[o.host] = append(hosts[o.host], o.id)
	}
	type cand struct {
		host string
		w    uint32
	}
	var cs []cand
	for _, h := range names {
		cs = append(cs, cand{h, cephHash(fmt.Sprintf("%d.%d/%s", p.id, seq, h))})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].w > cs[j].w })
	var out []int
	for i := 0; i < p.size && i < len(cs); i++ {
		ids := hosts[cs[i].host]
		out = append(out, ids[int(cs[i].w>>8)%len(ids)])
	}
	return out
}

func cephHash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

func cephHas(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (sim *cephSim) osd(id int) *cephOSD {
	for _, o := range sim.osds {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (sim *cephSim) hasFlag(f string) bool { return cephHas(sim.flags, f) }

// up reports whether an OSD is up. Call inside Lock.
func (sim *cephSim) up(o *cephOSD) bool {
	h := sim.story.Host(o.host)
	if h == nil || h.Powered {
		return true
	}
	return sim.story.Now().Sub(h.DownSince) < CephOSDDownDelay
}

func (sim *cephSim) downSince(o *cephOSD) time.Time {
	h := sim.story.Host(o.host)
	if h == nil || h.Powered {
		return time.Time{}
	}
	return h.DownSince.Add(CephOSDDownDelay)
}

// advance applies the mon's down->out rule and ends finished events. Call
// inside Lock.
func (sim *cephSim) advance() {
	now := sim.story.Now()
	var newlyOut []int
	for _, o := range sim.osds {
		if !o.in || sim.up(o) || o.noout || sim.hasFlag("noout") {
			continue
		}
		if now.Sub(sim.downSince(o)) >= CephDownOutInterval {
			o.in = false
			newlyOut = append(newlyOut, o.id)
		}
	}
	if len(newlyOut) > 0 {
		sim.startEvent("Global Recovery Event", "recover", -1, true, newlyOut)
		for _, id := range newlyOut {
			sim.story.Emit(Event{Kind: "ceph_osd_out", Host: sim.osd(id).host, Service: "ceph-osd",
				Message: fmt.Sprintf("osd.%d marked out after %s down (mon_osd_down_out_interval)", id, CephDownOutInterval)})
		}
	}
	for _, e := range sim.events {
		if !e.finished && now.Sub(e.start) >= e.dur {
			e.finished = true
		}
	}
}

func (sim *cephSim) startEvent(msg, kind string, osdRef int, global bool, osds []int) {
	e := &cephEvent{id: sim.story.NewID(), msg: msg, kind: kind, start: sim.story.Now(), dur: CephRecoveryDuration,
		pgs: map[string]int{}, osdRef: osdRef, global: global}
	n := 0
	for _, pg := range sim.pgs {
		for _, id := range pg.osds {
			if cephHasInt(osds, id) {
				e.pgs[pg.id()] = n
				n++
				break
			}
		}
	}
	if n == 0 {
		return
	}
	sim.events = append(sim.events, e)
}

func cephHasInt(l []int, x int) bool {
	for _, y := range l {
		if y == x {
			return true
		}
	}
	return false
}

// pgState computes one PG's state. Call inside Lock after advance.
func (sim *cephSim) pgState(pg cephPG) (state string, acting []int, missing int) {
	now := sim.story.Now()
	downIn := 0
	for _, id := range pg.osds {
		o := sim.osd(id)
		if sim.up(o) {
			acting = append(acting, id)
			continue
		}
		if o.in {
			downIn++
		}
	}
	if len(acting) == 0 {
		return "stale+active+clean", acting, len(pg.osds)
	}
	if downIn > 0 {
		return "active+undersized+degraded", acting, downIn
	}
	for _, e := range sim.events {
		if e.finished {
			continue
		}
		slot, ok := e.pgs[pg.id()]
		if !ok {
			continue
		}
		done := e.start.Add(time.Duration(float64(e.dur) * float64(slot+1) / float64(len(e.pgs))))
		if !now.Before(done) {
			continue
		}
		active := slot < e.activeSlot(now)+3
		switch {
		case e.kind == "recover" && active:
			return "active+recovering+degraded", acting, 1
		case e.kind == "recover":
			return "active+recovery_wait+degraded", acting, 1
		case active:
			return "active+remapped+backfilling", acting, 0
		default:
			return "active+remapped+backfill_wait", acting, 0
		}
	}
	return "active+clean", acting, 0
}

func (e *cephEvent) activeSlot(now time.Time) int {
	f := float64(now.Sub(e.start)) / float64(e.dur)
	return int(f * float64(len(e.pgs)))
}

func (e *cephEvent) progress(now time.Time) float64 {
	f := float64(now.Sub(e.start)) / float64(e.dur)
	return max(0, min(f, 1))
}

type cephView struct {
	status     string
	checks     []map[string]any
	pgStates   map[string]int
	poolStates map[int]map[string]int
	objects    int64
	copies     int64
	degraded   int64
	misplaced  int64
}

func cephCheck(sev, typ, msg string, count int, detail []string) map[string]any {
	d := []map[string]string{}
	for _, l := range detail {
		d = append(d, map[string]string{"message": l})
	}
	return map[string]any{"severity": sev, "summary": map[string]any{"message": msg, "count": count},
		"detail": d, "muted": false, "type": typ}
}

// view derives health, PG states and object counters. Call inside Lock.
func (sim *cephSim) view() cephView {
	sim.advance()
	v := cephView{pgStates: map[string]int{}, poolStates: map[int]map[string]int{}}
	var degradedPGs, undersizedPGs []string
	var degradedDetail []string
	for _, pg := range sim.pgs {
		st, acting, missing := sim.pgState(pg)
		v.pgStates[st]++
		if v.poolStates[pg.pool.id] == nil {
			v.poolStates[pg.pool.id] = map[string]int{}
		}
		v.poolStates[pg.pool.id][st]++
		v.objects += pg.objects
		v.copies += pg.objects * int64(pg.pool.size)
		if strings.Contains(st, "degraded") {
			v.degraded += pg.objects * int64(missing)
			degradedPGs = append(degradedPGs, pg.id())
			if len(degradedDetail) < 50 {
				degradedDetail = append(degradedDetail, fmt.Sprintf("pg %s is %s, acting %s", pg.id(), st, cephIntList(acting)))
			}
		}
		if strings.Contains(st, "undersized") {
			undersizedPGs = append(undersizedPGs, pg.id())
		}
		if strings.Contains(st, "remapped") {
			v.misplaced += pg.objects
		}
	}
	var checks []map[string]any
	var setFlags []string
	for _, f := range []string{"noup", "nodown", "noout", "noin", "nobackfill", "norebalance", "norecover", "noscrub", "nodeep-scrub", "pause"} {
		if sim.hasFlag(f) {
			setFlags = append(setFlags, f)
		}
	}
	if len(setFlags) > 0 {
		checks = append(checks, cephCheck("HEALTH_WARN", "OSDMAP_FLAGS", strings.Join(setFlags, ",")+" flag(s) set", len(setFlags), nil))
	}
	var osdFlags []string
	for _, o := range sim.osds {
		if o.noout {
			osdFlags = append(osdFlags, fmt.Sprintf("osd.%d has flags noout", o.id))
		}
	}
	if len(osdFlags) > 0 {
		checks = append(checks, cephCheck("HEALTH_WARN", "OSD_FLAGS",
			fmt.Sprintf("%d OSDs or CRUSH {nodes, device-classes} have {NOUP,NODOWN,NOIN,NOOUT} flags set", len(osdFlags)), len(osdFlags), osdFlags))
	}
	var downDetail []string
	hostDown := map[string]int{}
	hostAll := map[string]int{}
	var hosts []string
	for _, o := range sim.osds {
		if _, ok := hostAll[o.host]; !ok {
			hosts = append(hosts, o.host)
		}
		hostAll[o.host]++
		if !sim.up(o) && o.in {
			downDetail = append(downDetail, fmt.Sprintf("osd.%d (root=default,host=%s) is down", o.id, o.host))
		}
		if !sim.up(o) {
			hostDown[o.host]++
		}
	}
	if len(downDetail) > 0 {
		checks = append(checks, cephCheck("HEALTH_WARN", "OSD_DOWN", fmt.Sprintf("%d osds down", len(downDetail)), len(downDetail), downDetail))
		var hd []string
		n := 0
		for _, h := range hosts {
			if hostDown[h] == hostAll[h] {
				hd = append(hd, fmt.Sprintf("host %s (root=default) (%d osds) is down", h, hostAll[h]))
				n += hostAll[h]
			}
		}
		if len(hd) > 0 {
			checks = append(checks, cephCheck("HEALTH_WARN", "OSD_HOST_DOWN", fmt.Sprintf("%d host (%d osds) down", len(hd), n), len(hd), hd))
		}
	}
	if len(degradedPGs) > 0 {
		msg := fmt.Sprintf("Degraded data redundancy: %d/%d objects degraded (%.3f%%), %d pgs degraded",
			v.degraded, v.copies, 100*float64(v.degraded)/float64(max(v.copies, 1)), len(degradedPGs))
		if len(undersizedPGs) > 0 {
			msg += fmt.Sprintf(", %d pgs undersized", len(undersizedPGs))
		}
		checks = append(checks, cephCheck("HEALTH_WARN", "PG_DEGRADED", msg, len(degradedPGs), degradedDetail))
	}
	var noRed []string
	for _, p := range sim.pools {
		if p.size == 1 {
			noRed = append(noRed, fmt.Sprintf("pool '%s' has no replicas configured", p.name))
		}
	}
	if len(noRed) > 0 {
		checks = append(checks, cephCheck("HEALTH_WARN", "POOL_NO_REDUNDANCY", fmt.Sprintf("%d pool(s) have no replicas configured", len(noRed)), len(noRed), noRed))
	}
	if len(sim.crashes) > 0 {
		msg := fmt.Sprintf("%d daemons have recently crashed", len(sim.crashes))
		if len(sim.crashes) == 1 {
			msg = "1 daemons have recently crashed"
		}
		checks = append(checks, cephCheck("HEALTH_WARN", "RECENT_CRASH", msg, len(sim.crashes), sim.crashes))
	}
	if d := sim.story.StuckDelete; d != nil {
		now := sim.story.Now()
		if sim.story.Quiet {
			now = sim.story.Start // a quiet story's screens do not move
		}
		checks = append(checks, slowOpsCheck(d, now))
	}
	v.status = "HEALTH_OK"
	for _, c := range checks {
		if c["severity"] == "HEALTH_ERR" {
			v.status = "HEALTH_ERR"
		} else if v.status == "HEALTH_OK" {
			v.status = "HEALTH_WARN"
		}
	}
	if checks == nil {
		checks = []map[string]any{}
	}
	v.checks = checks
	return v
}

func cephIntList(l []int) string {
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func cephError(w http.ResponseWriter, code int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": fmt.Sprintf("%d %s", code, http.StatusText(code)),
		"detail": detail, "request_id": cephRandHex(16)})
}

func cephJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", cephAccept)
	w.WriteHeader(200)
	_ = json.NewEncoder(w).Encode(v)
}

func cephRandHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (sim *cephSim) newToken(now time.Time, user string) string {
	enc := base64.RawURLEncoding
	hdr := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))
	exp := now.Add(CephTokenTTL)
	body, _ := json.Marshal(map[string]any{"iss": "ceph-dashboard", "jti": cephRandHex(16), "exp": exp.Unix(), "iat": now.Unix(), "username": user})
	tok := hdr + "." + enc.EncodeToString(body) + "." + enc.EncodeToString([]byte(cephRandHex(16)))
	sim.tokens[tok] = exp
	return tok
}

func (sim *cephSim) serve(c *Cloud, w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	if !strings.HasPrefix(p, "/api/") {
		cephError(w, 404, fmt.Sprintf("The path '%s' was not found.", r.URL.Path))
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), cephAccept) {
		cephError(w, 415, "Unable to find version in request header")
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && r.ContentLength == 0 {
		cephError(w, 400, "request body is required")
		return
	}
	if p == "/api/auth" && r.Method == http.MethodPost {
		var body struct{ Username, Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		var tok string
		ok := false
		sim.story.Lock(func() {
			// Like the dashboard: 10 failed logins disable the account.
			if sim.authFailures >= 10 {
				return
			}
			if body.Username != c.Username || body.Password != c.Password {
				sim.authFailures++
				return
			}
			ok = true
			tok = sim.newToken(sim.story.Now(), body.Username)
		})
		if !ok {
			cephError(w, 400, "Invalid credentials")
			return
		}
		cephJSON(w, map[string]any{"token": tok, "username": body.Username,
			"permissions":       map[string][]string{"osd": {"create", "delete", "read", "update"}, "pool": {"read"}, "monitor": {"read"}, "hosts": {"read"}},
			"pwdExpirationDate": nil, "sso": false, "pwdUpdateRequired": false})
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	authorized := false
	sim.story.Lock(func() {
		exp, ok := sim.tokens[tok]
		authorized = ok && sim.story.Now().Before(exp)
	})
	if !authorized {
		cephError(w, 401, "You are not authorized to access that resource")
		return
	}
	var out any
	code := 200
	errDetail := ""
	sim.story.Lock(func() {
		switch {
		case p == "/api/health/full" && r.Method == http.MethodGet:
			out = sim.healthFull()
		case p == "/api/health/minimal" && r.Method == http.MethodGet:
			out = sim.healthMinimal()
		case p == "/api/health/snapshot" && r.Method == http.MethodGet && sim.snapStatus != 0:
			code, errDetail = sim.snapStatus, fmt.Sprintf("The path '%s' was not found.", r.URL.Path)
			if code != http.StatusNotFound {
				errDetail = http.StatusText(code)
			}
		case p == "/api/health/snapshot" && r.Method == http.MethodGet:
			out = sim.healthSnapshot()
		case p == "/api/summary" && r.Method == http.MethodGet:
			out = sim.summary()
		case p == "/api/osd" && r.Method == http.MethodGet:
			out = sim.osdList()
		case p == "/api/osd/flags" && r.Method == http.MethodGet:
			out = sim.sortedFlags()
		case p == "/api/osd/flags" && r.Method == http.MethodPut:
			var body struct{ Flags []string }
			if json.NewDecoder(r.Body).Decode(&body) != nil || body.Flags == nil {
				code, errDetail = 400, "flags: a list of flags is required"
				return
			}
			sim.setFlags(body.Flags)
			out = sim.sortedFlags()
		case p == "/api/osd/flags/individual" && r.Method == http.MethodGet:
			out = sim.individualFlags()
		case p == "/api/osd/flags/individual" && r.Method == http.MethodPut:
			var body struct {
				Flags map[string]bool
				IDs   []int
			}
			if json.NewDecoder(r.Body).Decode(&body) != nil {
				code, errDetail = 400, "bad request body"
				return
			}
			var added, removed []string
			for f, on := range body.Flags {
				if f != "noout" {
					continue // the demo only models noout per OSD
				}
				for _, id := range body.IDs {
					if o := sim.osd(id); o != nil {
						o.noout = on
					}
				}
				if on {
					added = append(added, f)
				} else {
					removed = append(removed, f)
				}
			}
			out = map[string]any{"added": cephNonNil(added), "removed": cephNonNil(removed), "ids": body.IDs}
		case strings.HasPrefix(p, "/api/osd/"):
			rest := strings.TrimPrefix(p, "/api/osd/")
			idStr, sub, _ := strings.Cut(rest, "/")
			id, err := strconv.Atoi(idStr)
			o := sim.osd(id)
			if err != nil || o == nil {
				code, errDetail = 404, fmt.Sprintf("osd.%s does not exist", idStr)
				if err == nil {
					code, errDetail = 500, fmt.Sprintf("[errno -2] osd.%d does not exist", id)
				}
				return
			}
			switch {
			case sub == "" && r.Method == http.MethodGet:
				out = sim.osdDetail(o)
			case sub == "mark" && r.Method == http.MethodPut:
				var body struct{ Action string }
				_ = json.NewDecoder(r.Body).Decode(&body)
				sim.mark(o, body.Action)
				out = nil // the real dashboard answers 200 null, even for unknown actions
			default:
				code, errDetail = 404, fmt.Sprintf("The path '%s' was not found.", r.URL.Path)
			}
		case p == "/api/pool" && r.Method == http.MethodGet:
			out = sim.poolList(r.URL.Query().Get("stats") == "true")
		case p == "/api/host" && r.Method == http.MethodGet:
			out = sim.hostList()
		case p == "/api/monitor" && r.Method == http.MethodGet:
			out = sim.monitor()
		default:
			code, errDetail = 404, fmt.Sprintf("The path '%s' was not found.", r.URL.Path)
		}
	})
	if code != 200 {
		cephError(w, code, errDetail)
		return
	}
	cephJSON(w, out)
}

func cephNonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (sim *cephSim) sortedFlags() []string {
	out := append([]string(nil), sim.flags...)
	sort.Strings(out)
	return out
}

func (sim *cephSim) setFlags(fs []string) {
	hadNoout := sim.hasFlag("noout")
	sim.flags = append([]string(nil), fs...)
	if hadNoout != sim.hasFlag("noout") {
		verb := "unset"
		if !hadNoout {
			verb = "set"
		}
		sim.story.Emit(Event{Kind: "ceph_flag", Service: "ceph-mon", Message: "noout " + verb})
	}
}

// mark handles PUT /api/osd/{id}/mark. Call inside Lock.
func (sim *cephSim) mark(o *cephOSD, action string) {
	sim.advance()
	switch action {
	case "out":
		if !o.in {
			return
		}
		o.in = false
		if sim.up(o) {
			sim.startEvent(fmt.Sprintf("Rebalancing after osd.%d marked out", o.id), "backfill", o.id, false, []int{o.id})
		} else {
			sim.startEvent("Global Recovery Event", "recover", o.id, true, []int{o.id})
		}
		sim.story.Emit(Event{Kind: "ceph_osd_out", Host: o.host, Service: "ceph-osd", Message: fmt.Sprintf("osd.%d marked out", o.id)})
	case "in":
		if o.in {
			return
		}
		o.in = true
		if sim.up(o) {
			sim.startEvent(fmt.Sprintf("Rebalancing after osd.%d marked in", o.id), "backfill", o.id, false, []int{o.id})
		}
		sim.story.Emit(Event{Kind: "ceph_osd_in", Host: o.host, Service: "ceph-osd", Message: fmt.Sprintf("osd.%d marked in", o.id)})
	}
	// Anything else: silently ignored, like the real dashboard.
}

func (sim *cephSim) osdUsed(o *cephOSD) int64 { return int64(float64(o.bytes) * o.usedFrac) }

func (sim *cephSim) osdMapEntry(o *cephOSD) map[string]any {
	up := sim.up(o)
	state := []string{"exists"}
	if up {
		state = append(state, "up")
	}
	weight := 0.0
	if o.in {
		weight = 1.0
	}
	return map[string]any{"osd": o.id, "up": cephB2I(up), "in": cephB2I(o.in), "weight": weight, "primary_affinity": 1.0,
		"state": state, "uuid": fmt.Sprintf("%08x-0000-4000-8000-%012x", cephHash(o.host), o.id),
		"public_addr": fmt.Sprintf("%s:6800/%d", sim.hostIP(o.host), 1000+o.id)}
}

func (sim *cephSim) hostIP(name string) string {
	if h := sim.story.Host(name); h != nil {
		return h.IP
	}
	return "127.0.0.1"
}

func cephB2I(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (sim *cephSim) hostBucketID(host string) int {
	for i, h := range sim.story.Computes() {
		if h.Name == host {
			return -3 - 2*i
		}
	}
	return -99
}

func (sim *cephSim) osdList() []map[string]any {
	sim.advance()
	var out []map[string]any
	for _, o := range sim.osds {
		m := sim.osdMapEntry(o)
		m["id"] = o.id
		status := "down"
		if sim.up(o) {
			status = "up"
		}
		numPG := 0
		for _, pg := range sim.pgs {
			if cephHasInt(pg.osds, o.id) {
				numPG++
			}
		}
		m["tree"] = map[string]any{"id": o.id, "device_class": o.class, "type": "osd", "type_id": 0,
			"crush_weight": float64(o.bytes) / (1 << 40), "depth": 2, "exists": 1, "status": status,
			"reweight": m["weight"], "primary_affinity": 1.0, "name": fmt.Sprintf("osd.%d", o.id)}
		m["host"] = map[string]any{"id": sim.hostBucketID(o.host), "name": o.host, "type": "host", "type_id": 1}
		bytes, used := o.bytes, sim.osdUsed(o)
		if !sim.up(o) && !o.in {
			// A down OSD that is out holds no PGs and reports no stats
			// (as in the recorded 04_warn_osd_out state).
			numPG, bytes, used = 0, 0, 0
		}
		m["stats"] = map[string]any{"op_w": 0.0, "op_r": 0.0, "numpg": numPG, "stat_bytes": bytes, "stat_bytes_used": used}
		m["operational_status"] = "unmanaged"
		out = append(out, m)
	}
	return out
}

func (sim *cephSim) osdDetail(o *cephOSD) map[string]any {
	sim.advance()
	return map[string]any{"osd_map": sim.osdMapEntry(o),
		"osd_metadata": map[string]any{"hostname": o.host, "default_device_class": o.class, "osd_objectstore": "bluestore",
			"ceph_version_short": "16.2.15", "devices": "sdb"},
		"smart": map[string]any{}}
}

func (sim *cephSim) individualFlags() []map[string]any {
	var out []map[string]any
	for _, o := range sim.osds {
		fl := []string{"exists"}
		if o.noout {
			fl = append(fl, "noout")
		}
		if sim.up(o) {
			fl = append(fl, "up")
		}
		out = append(out, map[string]any{"osd": o.id, "flags": fl})
	}
	return out
}

func (sim *cephSim) poolStats(v cephView) ([]map[string]any, map[int]map[string]any) {
	var totalBytes, usedRaw int64
	for _, o := range sim.osds {
		if o.in {
			totalBytes += o.bytes
			usedRaw += sim.osdUsed(o)
		}
	}
	availRaw := totalBytes - usedRaw
	stats := map[int]map[string]any{}
	var df []map[string]any
	for _, p := range sim.pools {
		avail := int64(float64(availRaw) * 0.9 / float64(p.size))
		if len(p.hosts) > 0 {
			avail /= 6
		}
		used := p.stored * int64(p.size)
		pct := float64(used) / float64(used+avail*int64(p.size))
		s := map[string]any{"stored": p.stored, "objects": p.objects, "bytes_used": used, "percent_used": pct,
			"max_avail": avail, "kb_used": used / 1024, "stored_raw": used, "avail_raw": availRaw}
		stats[p.id] = s
		df = append(df, map[string]any{"name": p.name, "id": p.id, "stats": s})
	}
	return df, stats
}

func (sim *cephSim) poolEntry(p *cephPool) map[string]any {
	return map[string]any{"pool": p.id, "pool_name": p.name, "type": "replicated", "size": p.size, "min_size": p.minSize,
		"crush_rule": 0, "pg_num": p.pgNum, "pg_placement_num": p.pgNum, "pg_autoscale_mode": "on",
		"application_metadata": p.apps, "flags_names": "hashpspool"}
}

func (sim *cephSim) poolList(withStats bool) []map[string]any {
	v := sim.view()
	_, stats := sim.poolStats(v)
	var out []map[string]any
	for _, p := range sim.pools {
		m := sim.poolEntry(p)
		if withStats {
			st := map[string]any{}
			for k, val := range stats[p.id] {
				st[k] = map[string]any{"latest": val, "rate": 0.0, "rates": []any{}}
			}
			m["stats"] = st
			m["pg_status"] = v.poolStates[p.id]
		}
		out = append(out, m)
	}
	return out
}

func (sim *cephSim) hostList() []map[string]any {
	var out []map[string]any
	byHost := map[string][]map[string]string{}
	var names []string
	add := func(h string, svc map[string]string) {
		if _, ok := byHost[h]; !ok {
			names = append(names, h)
		}
		byHost[h] = append(byHost[h], svc)
	}
	for _, o := range sim.osds {
		add(o.host, map[string]string{"type": "osd", "id": strconv.Itoa(o.id)})
	}
	for i, m := range sim.mons {
		add(m, map[string]string{"type": "mon", "id": m})
		if i == 0 {
			add(m, map[string]string{"type": "mgr", "id": m})
		} else {
			add(m, map[string]string{"type": "mgr", "id": m})
		}
	}
	sort.Strings(names)
	for _, h := range names {
		out = append(out, map[string]any{"hostname": h, "services": byHost[h], "ceph_version": "ceph version 16.2.15 pacific (stable)",
			"addr": sim.hostIP(h), "labels": []string{}, "sources": map[string]bool{"ceph": true, "orchestrator": false}, "status": ""})
	}
	return out
}

func (sim *cephSim) monEntries() []map[string]any {
	var out []map[string]any
	for i, m := range sim.mons {
		addr := sim.hostIP(m)
		out = append(out, map[string]any{"rank": i, "name": m, "addr": addr + ":6789/0", "public_addr": addr + ":6789/0",
			"public_addrs": map[string]any{"addrvec": []map[string]any{{"type": "v2", "addr": addr + ":3300", "nonce": 0}, {"type": "v1", "addr": addr + ":6789", "nonce": 0}}}})
	}
	return out
}

func (sim *cephSim) monStatus() map[string]any {
	q := []int{}
	for i := range sim.mons {
		q = append(q, i)
	}
	leader := ""
	if len(sim.mons) > 0 {
		leader = sim.mons[0]
	}
	return map[string]any{"name": leader, "rank": 0, "state": "leader", "quorum": q, "outside_quorum": []string{},
		"monmap": map[string]any{"epoch": 1, "fsid": sim.fsid(), "mons": sim.monEntries()}}
}

func (sim *cephSim) fsid() string {
	return fmt.Sprintf("%08x-6c2e-4b0a-9f1d-%012x", cephHash("fsid"), uint64(cephHash("stackpit-demo")))
}

func (sim *cephSim) monitor() map[string]any {
	return map[string]any{"mon_status": sim.monStatus(), "in_quorum": sim.monEntries(), "out_quorum": []any{}}
}

func (sim *cephSim) mgrMap() map[string]any {
	var standbys []map[string]any
	for _, m := range sim.mons[min(1, len(sim.mons)):] {
		standbys = append(standbys, map[string]any{"name": m, "available_modules": []any{}})
	}
	active := ""
	if len(sim.mons) > 0 {
		active = sim.mons[0]
	}
	return map[string]any{"active_name": active, "available": true, "standbys": cephNonNilMaps(standbys),
		"modules": []string{"dashboard", "iostat", "prometheus"}}
}

func cephNonNilMaps(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

func (sim *cephSim) recoveringRate(now time.Time) float64 {
	r := 0.0
	for _, e := range sim.events {
		if !e.finished {
			r += 850e6
		}
	}
	return r
}

func (sim *cephSim) healthFull() map[string]any {
	v := sim.view()
	now := sim.story.Now()
	df, _ := sim.poolStats(v)
	var totalBytes, usedRaw int64
	for _, o := range sim.osds {
		if sim.up(o) || o.in {
			totalBytes += o.bytes
			usedRaw += sim.osdUsed(o)
		}
	}
	var osds []map[string]any
	for _, o := range sim.osds {
		osds = append(osds, sim.osdMapEntry(o))
	}
	var pools []map[string]any
	for _, p := range sim.pools {
		pools = append(pools, sim.poolEntry(p))
	}
	fl := sim.sortedFlags()
	return map[string]any{
		"health":     map[string]any{"status": v.status, "checks": v.checks, "mutes": []any{}},
		"mon_status": sim.monStatus(),
		"osd_map": map[string]any{"epoch": 100, "flags": strings.Join(fl, ","), "flags_set": fl, "fsid": sim.fsid(),
			"full_ratio": 0.95, "backfillfull_ratio": 0.9, "nearfull_ratio": 0.85, "pools": pools, "osds": osds},
		"scrub_status": "Inactive",
		"pg_info": map[string]any{"object_stats": map[string]any{"num_objects": v.objects, "num_object_copies": v.copies,
			"num_objects_degraded": v.degraded, "num_objects_misplaced": v.misplaced, "num_objects_unfound": 0},
			"statuses": v.pgStates, "pgs_per_osd": float64(len(sim.pgs)*3) / float64(len(sim.osds))},
		"mgr_map": sim.mgrMap(),
		"pools":   pools,
		"df": map[string]any{"stats": map[string]any{"total_bytes": totalBytes, "total_avail_bytes": totalBytes - usedRaw,
			"total_used_bytes": usedRaw, "total_used_raw_bytes": usedRaw, "total_used_raw_ratio": float64(usedRaw) / float64(max(totalBytes, 1)),
			"num_osds": len(sim.osds)}, "pools": df},
		"client_perf": map[string]any{"read_bytes_sec": 48e6, "read_op_per_sec": 1900, "write_bytes_sec": 31e6, "write_op_per_sec": 1200,
			"recovering_bytes_per_sec": sim.recoveringRate(now)},
		"hosts": len(sim.story.Hosts), "rgw": 0, "iscsi_daemons": map[string]int{"up": 0, "down": 0},
	}
}

func (sim *cephSim) healthMinimal() map[string]any {
	v := sim.view()
	var osds []map[string]any
	for _, o := range sim.osds {
		up := sim.up(o)
		st := []string{"exists"}
		if up {
			st = append(st, "up")
		}
		osds = append(osds, map[string]any{"in": cephB2I(o.in), "up": cephB2I(up), "state": st})
	}
	q := []int{}
	for i := range sim.mons {
		q = append(q, i)
	}
	// df: only its stats, as the real minimal (Pacific) gives them.
	var totalBytes, usedRaw int64
	for _, o := range sim.osds {
		if sim.up(o) || o.in {
			totalBytes += o.bytes
			usedRaw += sim.osdUsed(o)
		}
	}
	return map[string]any{"health": map[string]any{"status": v.status, "checks": v.checks, "mutes": []any{}},
		"df": map[string]any{"stats": map[string]any{"total_bytes": totalBytes, "total_avail_bytes": totalBytes - usedRaw,
			"total_used_raw_bytes": usedRaw}},
		"hosts":      len(sim.story.Hosts),
		"mon_status": map[string]any{"quorum": q}, "osd_map": map[string]any{"osds": osds},
		"pg_info": map[string]any{"object_stats": map[string]any{"num_objects": v.objects, "num_object_copies": v.copies,
			"num_objects_degraded": v.degraded, "num_objects_misplaced": v.misplaced, "num_objects_unfound": 0}, "statuses": v.pgStates},
		"mgr_map":      map[string]any{"active_name": sim.mgrMap()["active_name"], "standbys": sim.mgrMap()["standbys"]},
		"client_perf":  map[string]any{"recovering_bytes_per_sec": sim.recoveringRate(sim.story.Now())},
		"scrub_status": "Inactive"}
}

// healthSnapshot is /api/health/snapshot, a newer dashboard's "ceph
// status" in brief (the dashboard's HEALTH_SNAPSHOT_SCHEMA): health with
// its checks keyed by name and without detail, OSD counts, PG states,
// usage. Its size does not grow with the OSDs. A Pacific dashboard (the
// version this demo otherwise names) answers 404; Cloud.CephWithoutSnapshot
// makes the demo do the same.
func (sim *cephSim) healthSnapshot() map[string]any {
	v := sim.view()
	checks := map[string]any{}
	for _, c := range v.checks {
		m := map[string]any{}
		for k, x := range c {
			if k != "detail" && k != "type" {
				m[k] = x
			}
		}
		checks[c["type"].(string)] = m
	}
	var up, in int
	var totalBytes, usedRaw int64
	for _, o := range sim.osds {
		if sim.up(o) {
			up++
		}
		if o.in {
			in++
		}
		if sim.up(o) || o.in {
			totalBytes += o.bytes
			usedRaw += sim.osdUsed(o)
		}
	}
	var states []map[string]any
	for st, n := range v.pgStates {
		states = append(states, map[string]any{"state_name": st, "count": n})
	}
	sort.Slice(states, func(i, j int) bool { return states[i]["state_name"].(string) < states[j]["state_name"].(string) })
	q := []int{}
	for i := range sim.mons {
		q = append(q, i)
	}
	return map[string]any{"fsid": sim.fsid(),
		"health": map[string]any{"status": v.status, "checks": checks, "mutes": []any{}},
		"monmap": map[string]any{"num_mons": len(sim.mons), "quorum": q},
		"osdmap": map[string]any{"in": in, "up": up, "num_osds": len(sim.osds)},
		"pgmap": map[string]any{"pgs_by_state": states, "num_pools": len(sim.pools), "num_pgs": len(sim.pgs),
			"bytes_used": usedRaw, "bytes_total": totalBytes, "read_bytes_sec": 48e6, "write_bytes_sec": 31e6,
			"recovering_bytes_per_sec": sim.recoveringRate(sim.story.Now())},
		"mgrmap":    map[string]any{"num_active": 1, "num_standbys": len(sim.mons) - 1},
		"num_hosts": len(sim.story.Hosts), "num_hosts_available": len(sim.story.Hosts)}
}

func (sim *cephSim) summary() map[string]any {
	sim.advance()
	now := sim.story.Now()
	exec := []map[string]any{}
	fin := []map[string]any{}
	for _, e := range sim.events {
		meta := map[string]any{"osd": e.osdRef}
		if e.global {
			meta = map[string]any{"global": ""}
		}
		t := map[string]any{"name": "progress/" + e.msg, "metadata": meta,
			"begin_time": e.start.UTC().Format("2006-01-02T15:04:05.000000Z"), "progress": int(100 * e.progress(now))}
		if e.finished {
			t["success"] = true
			fin = append(fin, t)
		} else {
			exec = append(exec, t)
		}
	}
	v := sim.view()
	return map[string]any{"health_status": v.status, "mgr_id": sim.mgrMap()["active_name"], "have_mon_connection": true,
		"executing_tasks": exec, "finished_tasks": fin, "version": "ceph version 16.2.15 pacific (stable)",
		"rbd_mirroring": map[string]int{"warnings": 0, "errors": 0}}
}

// serveMetrics is the prometheus module's /metrics (a subset of series).
func (sim *cephSim) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	var b strings.Builder
	sim.story.Lock(func() {
		v := sim.view()
		st := map[string]int{"HEALTH_OK": 0, "HEALTH_WARN": 1, "HEALTH_ERR": 2}[v.status]
		fmt.Fprintf(&b, "# HELP ceph_health_status Cluster health status\n# TYPE ceph_health_status untyped\nceph_health_status %d.0\n", st)
		for _, c := range v.checks {
			fmt.Fprintf(&b, "ceph_health_detail{name=%q,severity=%q} 1.0\n", c["type"], c["severity"])
		}
		for i, m := range sim.mons {
			fmt.Fprintf(&b, "ceph_mon_quorum_status{ceph_daemon=\"mon.%s\"} 1.0\n", m)
			fmt.Fprintf(&b, "ceph_mon_metadata{ceph_daemon=\"mon.%s\",hostname=%q,public_addr=%q,rank=\"%d\",ceph_version=\"ceph version 16.2.15\"} 1.0\n", m, m, sim.hostIP(m), i)
		}
		for _, f := range []string{"noup", "nodown", "noout", "noin", "nobackfill", "norebalance", "norecover", "noscrub", "nodeep-scrub"} {
			fmt.Fprintf(&b, "ceph_osd_flag_%s %d.0\n", strings.ReplaceAll(f, "-", "_"), cephB2I(sim.hasFlag(f)))
		}
		for _, o := range sim.osds {
			d := fmt.Sprintf("osd.%d", o.id)
			fmt.Fprintf(&b, "ceph_osd_metadata{ceph_daemon=%q,device_class=%q,hostname=%q,objectstore=\"bluestore\"} 1.0\n", d, o.class, o.host)
			fmt.Fprintf(&b, "ceph_osd_up{ceph_daemon=%q} %d.0\nceph_osd_in{ceph_daemon=%q} %d.0\n", d, cephB2I(sim.up(o)), d, cephB2I(o.in))
			fmt.Fprintf(&b, "ceph_osd_stat_bytes{ceph_daemon=%q} %d.0\nceph_osd_stat_bytes_used{ceph_daemon=%q} %d.0\n", d, o.bytes, d, sim.osdUsed(o))
		}
		_, stats := sim.poolStats(v)
		for _, p := range sim.pools {
			fmt.Fprintf(&b, "ceph_pool_metadata{pool_id=\"%d\",name=%q,type=\"replicated\",description=\"replica:%d\",compression_mode=\"none\"} 1.0\n", p.id, p.name, p.size)
			s := stats[p.id]
			fmt.Fprintf(&b, "ceph_pool_stored{pool_id=\"%d\"} %v\nceph_pool_max_avail{pool_id=\"%d\"} %v\nceph_pool_percent_used{pool_id=\"%d\"} %v\n",
				p.id, s["stored"], p.id, s["max_avail"], p.id, s["percent_used"])
			fmt.Fprintf(&b, "ceph_pg_total{pool_id=\"%d\"} %d.0\n", p.id, p.pgNum)
			words := map[string]int{}
			for state, n := range v.poolStates[p.id] {
				for _, wd := range strings.Split(state, "+") {
					words[wd] += n
				}
			}
			for _, wd := range []string{"active", "clean", "degraded", "undersized", "stale", "recovering", "recovery_wait", "backfilling", "backfill_wait", "remapped"} {
				fmt.Fprintf(&b, "ceph_pg_%s{pool_id=\"%d\"} %d.0\n", wd, p.id, words[wd])
			}
		}
		fmt.Fprintf(&b, "ceph_num_objects_degraded %d.0\nceph_num_objects_misplaced %d.0\n", v.degraded, v.misplaced)
		if len(sim.mons) > 0 {
			fmt.Fprintf(&b, "ceph_mgr_status{ceph_daemon=\"mgr.%s\"} 1.0\n", sim.mons[0])
		}
	})
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
