package demo

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/alertmanager"
)

// The simulated Alertmanager: an HA pair ("alertmanager" and
// "alertmanager-2") sharing one state, as a gossiping cluster would, so the
// cockpit shows de-duplication. Alerts are derived from the Story on every
// request: a few steady ones, and once a host loses power HostDown,
// NovaComputeDown, NeutronAgentDown (inhibited by HostDown), CephOSDDown for
// its OSDs and CephPGDegraded. Silences are real: matching alerts turn
// "suppressed" with silencedBy, and expiring one brings them back. Error
// bodies copy Alertmanager 0.25's (422 JSON, 400 JSON string, 500 "silence
// not found").

func init() {
	Register(Service{Name: "alertmanager", Order: 70, Start: startAlertmanager, Configure: configureAlertmanager})
}

// Alert timing after a host loses power (Prometheus scrape + "for").
const (
	amHostDownAfter    = 15 * time.Second
	amServiceDownAfter = HeartbeatTimeout + 10*time.Second
	amOSDDownAfter     = 30 * time.Second
	amPGDegradedAfter  = 35 * time.Second
)

type amSilence struct {
	ID                 string
	Matchers           alertmanager.Matchers
	StartsAt, EndsAt   time.Time
	UpdatedAt          time.Time
	CreatedBy, Comment string
}

func (s *amSilence) state(now time.Time) string {
	switch {
	case now.Before(s.StartsAt):
		return "pending"
	case !now.Before(s.EndsAt):
		return "expired"
	}
	return "active"
}

type amState struct {
	c        *Cloud
	silences []*amSilence // guarded by the story lock
}

var amStates sync.Map // *Cloud -> *amState

func startAlertmanager(c *Cloud) error {
	st := &amState{c: c}
	c.Story.Lock(func() { st.seedLocked() })
	amStates.Store(c, st)
	for _, name := range []string{"alertmanager", "alertmanager-2"} {
		if _, err := c.Listen(name, http.HandlerFunc(st.serve)); err != nil {
			return err
		}
	}
	return nil
}

func configureAlertmanager(c *Cloud, cfg *config.Cloud) {
	for _, name := range []string{"alertmanager", "alertmanager-2"} {
		if u := c.URLs[name]; u != "" {
			cfg.Alertmanagers = append(cfg.Alertmanagers, config.Endpoint{URL: u})
		}
	}
}

// seedLocked adds an expired maintenance silence and a pending one.
func (st *amState) seedLocked() {
	s := st.c.Story
	now := s.Now()
	st.silences = append(st.silences,
		&amSilence{ID: "5f1c2a9e-3b7d-4e1a-9c2b-7d4e5f6a8b01",
			Matchers: alertmanager.Matchers{alertmanager.NewMatcher("host", alertmanager.OpEqual, "control03")},
			StartsAt: now.Add(-26 * time.Hour), EndsAt: now.Add(-22 * time.Hour), UpdatedAt: now.Add(-22 * time.Hour),
			CreatedBy: "bob", Comment: "control03 RAID controller firmware, CHG-2207"},
		&amSilence{ID: "9a7b3c1d-2e4f-4a6b-8c9d-0e1f2a3b4c5d",
			Matchers: alertmanager.Matchers{alertmanager.NewMatcher("host", alertmanager.OpEqual, "compute02"),
				alertmanager.NewMatcher("severity", alertmanager.OpRegex, "warning|critical")},
			StartsAt: now.Add(20 * time.Hour), EndsAt: now.Add(22 * time.Hour), UpdatedAt: now.Add(-time.Hour),
			CreatedBy: "carol", Comment: "kernel upgrade and reboot of compute02, CHG-2231"},
	)
}

type amAlert struct {
	labels, annotations map[string]string
	startsAt            time.Time
	generatorURL        string
	fingerprint         string
	silencedBy          []string
	inhibitedBy         []string
}

func (a *amAlert) state() string {
	if len(a.silencedBy)+len(a.inhibitedBy) > 0 {
		return "suppressed"
	}
	return "active"
}

const amRunbooks = "https://runbooks.example.org/"

func amNew(startsAt time.Time, expr string, ann map[string]string, kv ...string) *amAlert {
	l := map[string]string{"region": "RegionOne"}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	ls := model.LabelSet{}
	for k, v := range l {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return &amAlert{labels: l, annotations: ann, startsAt: startsAt,
		generatorURL: "http://prometheus.demo:9090/graph?g0.expr=" + strings.ReplaceAll(expr, " ", "+") + "&g0.tab=1",
		fingerprint:  fmt.Sprintf("%016x", uint64(ls.Fingerprint()))}
}

// alertsLocked derives the current alerts from the story. Call inside Lock.
func (st *amState) alertsLocked() []*amAlert {
	s := st.c.Story
	now := s.Now()
	start := s.Start
	var out []*amAlert
	// Steady alerts, firing since before the story began.
	out = append(out,
		amNew(start.Add(-2*time.Hour-13*time.Minute), `predict_linear(node_filesystem_avail_bytes[6h], 24*3600) < 0`, map[string]string{
			"summary":     "Filesystem /var/lib/docker on control02 is 87% full",
			"description": "/var/lib/docker on control02 (/dev/sda3) is 87% full and predicted to fill within 24 hours at the current rate. Prune old images or grow the volume.",
			"runbook_url": amRunbooks + "openstack/HostFilesystemFilling"},
			"alertname", "HostFilesystemFilling", "severity", "warning", "host", "control02", "instance", "control02:9100",
			"job", "node", "device", "/dev/sda3", "mountpoint", "/var/lib/docker"),
		amNew(start.Add(-47*time.Minute), `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1`, map[string]string{
			"summary":     "Host compute05:9100 is low on memory",
			"description": "Only 5.7% of memory is available on compute05:9100 (threshold 10%) for 10 minutes.",
			"runbook_url": amRunbooks + "openstack/HostHighMemory"},
			"alertname", "HostHighMemory", "severity", "warning", "host", "compute05", "instance", "compute05:9100", "job", "node"),
		amNew(start.Add(-3*time.Hour), `node_textfile_maintenance == 1`, map[string]string{
			"summary":     "compute06 is in maintenance mode",
			"description": "The maintenance flag is set on compute06; its warnings and critical alerts are inhibited.",
			"runbook_url": amRunbooks + "openstack/HostInMaintenance"},
			"alertname", "HostInMaintenance", "severity", "info", "host", "compute06", "instance", "compute06:9100", "job", "node"),
		amNew(start.Add(-5*time.Hour), `node_reboot_required == 1`, map[string]string{
			"summary":     "compute06 needs a reboot",
			"description": "A kernel update on compute06 is installed but not running.",
			"runbook_url": amRunbooks + "openstack/HostRebootRequired"},
			"alertname", "HostRebootRequired", "severity", "warning", "host", "compute06", "instance", "compute06:9100", "job", "node"),
	)
	if len(s.Instances) > 5 {
		in := s.Instances[5]
		if !in.Deleted {
			out = append(out, amNew(start.Add(-12*time.Minute), `rate(libvirt_domain_info_cpu_time_seconds_total[5m]) > 0.95`, map[string]string{
				"summary":     "Instance " + in.Name + " has used all its vCPUs for 10 minutes",
				"description": "Instance " + in.Name + " (" + in.ID + ") on " + in.Host + " is CPU-bound.",
				"runbook_url": amRunbooks + "openstack/InstanceCPUHigh"},
				"alertname", "InstanceCPUHigh", "severity", "info", "host", in.Host, "instance", in.Host+":9177", "job", "libvirt",
				"instance_name", in.Name, "instance_uuid", in.ID))
		}
	}
	// Failure alerts for every host without power.
	osdDown := time.Time{}
	for ci, h := range s.Computes() {
		if h.Powered {
			continue
		}
		d := h.DownSince
		if !now.Before(d.Add(amOSDDownAfter)) {
			for k := 0; k < 2; k++ {
				osd := fmt.Sprintf("osd.%d", 2*ci+k)
				out = append(out, amNew(d.Add(amOSDDownAfter-10*time.Second), `(ceph_osd_up == 0) * on (ceph_daemon) group_left (hostname) ceph_osd_metadata`, map[string]string{
					"summary":     "Ceph " + osd + " on " + h.Name + " is down",
					"description": osd + " on host " + h.Name + " has been down for more than 2 minutes; placement groups are degraded until it returns or is marked out and recovery completes.",
					"runbook_url": amRunbooks + "ceph/CephOSDDown"},
					"alertname", "CephOSDDown", "severity", "critical", "host", h.Name, "hostname", h.Name, "ceph_daemon", osd,
					"instance", "control01:9283", "job", "ceph"))
			}
			if osdDown.IsZero() || d.Before(osdDown) {
				osdDown = d
			}
		}
	}
	for _, h := range s.Hosts {
		if h.Powered {
			continue
		}
		d := h.DownSince
		if !now.Before(d.Add(amHostDownAfter)) {
			out = append(out, amNew(d.Add(5*time.Second), `up{job="node"} == 0`, map[string]string{
				"summary":     "Host " + h.Name + " is down",
				"description": "node_exporter on " + h.Name + ":9100 has not answered a scrape for more than 2 minutes. The host is probably down or unreachable; every Kolla container on it is affected.",
				"runbook_url": amRunbooks + "openstack/HostDown"},
				"alertname", "HostDown", "severity", "critical", "host", h.Name, "instance", h.Name+":9100", "job", "node"))
		}
		if h.IsCompute() && !now.Before(d.Add(amServiceDownAfter)) {
			out = append(out,
				amNew(d.Add(HeartbeatTimeout), `openstack_nova_agent_state{adminState="enabled",service="nova-compute"} == 0`, map[string]string{
					"summary":     "nova-compute on " + h.Name + " is down",
					"description": "The nova-compute service on " + h.Name + " (zone nova) is enabled but has not reported for more than 5 minutes. Instances on it cannot be managed; consider evacuation.",
					"runbook_url": amRunbooks + "openstack/NovaComputeDown"},
					"alertname", "NovaComputeDown", "severity", "critical", "host", h.Name, "hostname", h.Name, "service", "nova-compute",
					"adminState", "enabled", "zone", "nova", "id", h.ID, "instance", "control01:9198", "job", "openstack"),
				amNew(d.Add(HeartbeatTimeout), `openstack_neutron_agent_state{adminState="up",service="neutron-openvswitch-agent"} == 0`, map[string]string{
					"summary":     "neutron-openvswitch-agent on " + h.Name + " is down",
					"description": "The Open vSwitch agent on " + h.Name + " is not alive; ports on that host will not be wired.",
					"runbook_url": amRunbooks + "openstack/NeutronAgentDown"},
					"alertname", "NeutronAgentDown", "severity", "warning", "host", h.Name, "hostname", h.Name,
					"service", "neutron-openvswitch-agent", "adminState", "up", "instance", "control01:9198", "job", "openstack"))
		}
	}
	if !osdDown.IsZero() && !now.Before(osdDown.Add(amPGDegradedAfter)) {
		out = append(out, amNew(osdDown.Add(amPGDegradedAfter-10*time.Second), `ceph_health_detail{name="PG_DEGRADED"} == 1`, map[string]string{
			"summary":     "Ceph placement groups are degraded",
			"description": "Ceph reports PG_DEGRADED: some placement groups have fewer copies than the pool size. Recovery is running; watch ceph_pg_degraded.",
			"runbook_url": amRunbooks + "ceph/CephPGDegraded"},
			"alertname", "CephPGDegraded", "severity", "warning", "name", "PG_DEGRADED", "instance", "control01:9283", "job", "ceph"))
	}
	st.suppressLocked(out, now)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].startsAt.Equal(out[j].startsAt) {
			return out[i].startsAt.Before(out[j].startsAt)
		}
		return out[i].fingerprint < out[j].fingerprint
	})
	return out
}

// amInhibitRules mirror the demo's alertmanager.yml (see amConfigYAML).
var amInhibitRules = []struct {
	source, target alertmanager.Matchers
	equal          []string
}{
	{alertmanager.Matchers{alertmanager.NewMatcher("alertname", alertmanager.OpEqual, "HostDown")},
		alertmanager.Matchers{alertmanager.NewMatcher("severity", alertmanager.OpEqual, "warning")}, []string{"host"}},
	{alertmanager.Matchers{alertmanager.NewMatcher("alertname", alertmanager.OpEqual, "HostInMaintenance")},
		alertmanager.Matchers{alertmanager.NewMatcher("severity", alertmanager.OpRegex, "warning|critical")}, []string{"host"}},
}

func (st *amState) suppressLocked(alerts []*amAlert, now time.Time) {
	for _, a := range alerts {
		a.silencedBy, a.inhibitedBy = []string{}, []string{}
		for _, s := range st.silences {
			if s.state(now) == "active" && s.Matchers.Matches(a.labels) {
				a.silencedBy = append(a.silencedBy, s.ID)
			}
		}
		for _, r := range amInhibitRules {
			if !r.target.Matches(a.labels) {
				continue
			}
			for _, src := range alerts {
				if src == a || !r.source.Matches(src.labels) {
					continue
				}
				eq := true
				for _, l := range r.equal {
					if src.labels[l] != a.labels[l] {
						eq = false
					}
				}
				if eq {
					a.inhibitedBy = append(a.inhibitedBy, src.fingerprint)
				}
			}
		}
	}
}

func amReceiver(a *amAlert) string {
	if a.labels["severity"] == "critical" {
		return "oncall-critical"
	}
	return "default"
}

func (st *amState) alertJSON(a *amAlert, now time.Time) map[string]any {
	return map[string]any{
		"annotations": a.annotations, "endsAt": amTime(now.Add(4 * time.Minute)), "fingerprint": a.fingerprint,
		"receivers": []map[string]string{{"name": amReceiver(a)}}, "startsAt": amTime(a.startsAt),
		"status":    map[string]any{"inhibitedBy": a.inhibitedBy, "silencedBy": a.silencedBy, "state": a.state()},
		"updatedAt": amTime(now), "generatorURL": a.generatorURL, "labels": a.labels,
	}
}

func amTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func amSilenceJSON(s *amSilence, now time.Time) map[string]any {
	ms := s.Matchers
	if ms == nil {
		ms = alertmanager.Matchers{}
	}
	return map[string]any{"id": s.ID, "status": map[string]string{"state": s.state(now)}, "updatedAt": amTime(s.UpdatedAt),
		"comment": s.Comment, "createdBy": s.CreatedBy, "endsAt": amTime(s.EndsAt), "matchers": ms, "startsAt": amTime(s.StartsAt)}
}

var amUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// amError writes Alertmanager's error shapes: a JSON object with code and
// message for go-openapi validation (422), a JSON string otherwise.
func amError(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusUnprocessableEntity {
		WriteJSON(w, code, map[string]any{"code": 602, "message": msg})
		return
	}
	WriteJSON(w, code, msg)
}

func (st *amState) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/-/healthy" || p == "/-/ready":
		w.WriteHeader(200)
		_, _ = w.Write([]byte("OK"))
	case p == "/api/v2/status" && r.Method == http.MethodGet:
		st.status(w)
	case p == "/api/v2/receivers" && r.Method == http.MethodGet:
		WriteJSON(w, 200, []map[string]string{{"name": "default"}, {"name": "oncall-critical"}})
	case p == "/api/v2/alerts" && r.Method == http.MethodGet:
		st.listAlerts(w, r, false)
	case p == "/api/v2/alerts/groups" && r.Method == http.MethodGet:
		st.listAlerts(w, r, true)
	case p == "/api/v2/silences" && r.Method == http.MethodGet:
		st.listSilences(w, r)
	case p == "/api/v2/silences" && r.Method == http.MethodPost:
		st.postSilence(w, r)
	case strings.HasPrefix(p, "/api/v2/silence/"):
		id := strings.TrimPrefix(p, "/api/v2/silence/")
		if !amUUID.MatchString(id) {
			WriteJSON(w, 422, map[string]any{"code": 601, "message": fmt.Sprintf("silenceID in path must be of type uuid: %q", id)})
			return
		}
		switch r.Method {
		case http.MethodGet:
			st.getSilence(w, id)
		case http.MethodDelete:
			st.deleteSilence(w, id)
		default:
			w.WriteHeader(405)
		}
	default:
		w.WriteHeader(404)
	}
}

func amBoolParam(r *http.Request, k string) bool {
	v := r.URL.Query().Get(k)
	return v == "" || v == "true"
}

func amParseFilters(r *http.Request) (alertmanager.Matchers, error) {
	var ms alertmanager.Matchers
	for _, f := range r.URL.Query()["filter"] {
		m, err := alertmanager.ParseMatchers(f)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m...)
	}
	return ms, nil
}

func (st *amState) listAlerts(w http.ResponseWriter, r *http.Request, groups bool) {
	ms, err := amParseFilters(r)
	if err != nil {
		amError(w, 400, err.Error())
		return
	}
	active, silenced, inhibited := amBoolParam(r, "active"), amBoolParam(r, "silenced"), amBoolParam(r, "inhibited")
	var list []map[string]any
	type group struct {
		name, receiver string
		alerts         []map[string]any
	}
	var gs []*group
	gidx := map[string]*group{}
	st.c.Story.Lock(func() {
		now := st.c.Story.Now()
		for _, a := range st.alertsLocked() {
			if len(ms) > 0 && !ms.Matches(a.labels) {
				continue
			}
			if (!silenced && len(a.silencedBy) > 0) || (!inhibited && len(a.inhibitedBy) > 0) || (!active && a.state() == "active") {
				continue
			}
			j := st.alertJSON(a, now)
			list = append(list, j)
			key := amReceiver(a) + "/" + a.labels["alertname"]
			g := gidx[key]
			if g == nil {
				g = &group{name: a.labels["alertname"], receiver: amReceiver(a)}
				gidx[key] = g
				gs = append(gs, g)
			}
			g.alerts = append(g.alerts, j)
		}
	})
	if !groups {
		if list == nil {
			list = []map[string]any{}
		}
		WriteJSON(w, 200, list)
		return
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].name < gs[j].name })
	out := []map[string]any{}
	for _, g := range gs {
		out = append(out, map[string]any{"alerts": g.alerts, "labels": map[string]string{"alertname": g.name},
			"receiver": map[string]string{"name": g.receiver}})
	}
	WriteJSON(w, 200, out)
}

func (st *amState) listSilences(w http.ResponseWriter, r *http.Request) {
	ms, err := amParseFilters(r)
	if err != nil {
		amError(w, 400, err.Error())
		return
	}
	out := []map[string]any{}
	st.c.Story.Lock(func() {
		now := st.c.Story.Now()
		for _, s := range st.silences {
			if len(ms) > 0 && !amSilenceHasMatchers(s, ms) {
				continue
			}
			out = append(out, amSilenceJSON(s, now))
		}
	})
	WriteJSON(w, 200, out)
}

// amSilenceHasMatchers: Alertmanager's silence filter keeps silences whose
// matchers equal the filter's (by name, value and type).
func amSilenceHasMatchers(s *amSilence, filter alertmanager.Matchers) bool {
	for _, f := range filter {
		found := false
		for _, m := range s.Matchers {
			if m == f {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (st *amState) getSilence(w http.ResponseWriter, id string) {
	var out map[string]any
	st.c.Story.Lock(func() {
		for _, s := range st.silences {
			if s.ID == id {
				out = amSilenceJSON(s, st.c.Story.Now())
			}
		}
	})
	if out == nil {
		w.WriteHeader(404)
		return
	}
	WriteJSON(w, 200, out)
}

func (st *amState) deleteSilence(w http.ResponseWriter, id string) {
	code, msg := 200, ""
	st.c.Story.Lock(func() {
		now := st.c.Story.Now()
		for _, s := range st.silences {
			if s.ID != id {
				continue
			}
			switch s.state(now) {
			case "expired":
				code, msg = 500, "silence "+id+" already expired"
			case "pending":
				s.StartsAt, s.EndsAt, s.UpdatedAt = now, now, now
			default:
				s.EndsAt, s.UpdatedAt = now, now
			}
			return
		}
		code, msg = 500, "silence not found"
	})
	if code != 200 {
		amError(w, code, msg)
		return
	}
	w.WriteHeader(200)
}

func (st *amState) postSilence(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID        string                `json:"id"`
		Matchers  alertmanager.Matchers `json:"matchers"`
		StartsAt  *time.Time            `json:"startsAt"`
		EndsAt    *time.Time            `json:"endsAt"`
		CreatedBy *string               `json:"createdBy"`
		Comment   *string               `json:"comment"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		WriteJSON(w, 400, map[string]any{"code": 400, "message": "parsing silence body from \"\" failed, because " + err.Error()})
		return
	}
	switch {
	case body.Comment == nil:
		amError(w, 422, "comment in body is required")
		return
	case body.CreatedBy == nil:
		amError(w, 422, "createdBy in body is required")
		return
	case body.StartsAt == nil:
		amError(w, 422, "startsAt in body is required")
		return
	case body.EndsAt == nil:
		amError(w, 422, "endsAt in body is required")
		return
	case len(body.Matchers) == 0:
		WriteJSON(w, 422, map[string]any{"code": 612, "message": "matchers in body should have at least 1 items"})
		return
	}
	for _, m := range body.Matchers {
		if err := m.Validate(); err != nil {
			amError(w, 400, "Failed to create silence: invalid label matcher: "+err.Error())
			return
		}
	}
	if !body.StartsAt.Before(*body.EndsAt) {
		amError(w, 400, "Failed to create silence: start time must be before end time")
		return
	}
	var id string
	code, msg := 200, ""
	st.c.Story.Lock(func() {
		now := st.c.Story.Now()
		if body.EndsAt.Before(now) {
			code, msg = 400, "Failed to create silence: end time can't be in the past"
			return
		}
		start := *body.StartsAt
		if start.Before(now) {
			start = now
		}
		if body.ID != "" {
			var old *amSilence
			for _, s := range st.silences {
				if s.ID == body.ID {
					old = s
				}
			}
			if old == nil {
				code, msg = 404, "silence not found"
				return
			}
			if old.state(now) != "expired" {
				old.EndsAt, old.UpdatedAt = now, now
				if old.StartsAt.After(now) {
					old.StartsAt = now
				}
			}
		}
		id = amNewUUID()
		st.silences = append(st.silences, &amSilence{ID: id, Matchers: body.Matchers, StartsAt: start, EndsAt: *body.EndsAt,
			UpdatedAt: now, CreatedBy: *body.CreatedBy, Comment: *body.Comment})
		st.c.Story.Emit(Event{Kind: "silence_created", Message: "silence " + id + " created by " + *body.CreatedBy,
			Fields: map[string]string{"silence": id, "matchers": body.Matchers.String()}})
	})
	if code != 200 {
		amError(w, code, msg)
		return
	}
	WriteJSON(w, 200, map[string]string{"silenceID": id})
}

func amNewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const amConfigYAML = `global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by:
  - alertname
  routes:
  - receiver: oncall-critical
    matchers:
    - severity="critical"
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 4h
inhibit_rules:
- source_matchers:
  - alertname="HostDown"
  target_matchers:
  - severity="warning"
  equal:
  - host
- source_matchers:
  - alertname="HostInMaintenance"
  target_matchers:
  - severity=~"warning|critical"
  equal:
  - host
receivers:
- name: default
- name: oncall-critical
templates: []
`

func (st *amState) status(w http.ResponseWriter) {
	var start time.Time
	st.c.Story.Lock(func() { start = st.c.Story.Start })
	var peers []map[string]string
	for _, n := range []string{"alertmanager", "alertmanager-2"} {
		u := strings.TrimPrefix(st.c.URLs[n], "http://")
		peers = append(peers, map[string]string{"name": "demo-" + n, "address": u})
	}
	WriteJSON(w, 200, map[string]any{
		"cluster":     map[string]any{"name": "demo-" + "ha", "peers": peers, "status": "ready"},
		"config":      map[string]string{"original": amConfigYAML},
		"uptime":      amTime(start),
		"versionInfo": map[string]string{"branch": "demo", "buildDate": "", "buildUser": "stackpit", "goVersion": "go1.26", "revision": "demo", "version": "0.25.0"},
	})
}
