package openstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

// fakeCloud is an httptest OpenStack serving the real responses captured
// in testdata/openstack (Keystone token + catalog, Nova at 2.1 and 2.88,
// Placement, Neutron, Cinder), with hooks for error cases, and optionally a
// synthetic Nova server list (synthNova) for pagination/changes-since.
type fakeCloud struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	maxMV     string // Nova's maximum microversion
	password  string
	tokens    map[string]bool
	authCount int
	tokenBody string // sample name for the token body
	reqs      []fakeReq
	override  map[string]http.HandlerFunc // "METHOD /path" -> handler
	synth     *synthNova
}

type fakeReq struct {
	Method, Path, Query, Body, MV string
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "openstack", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleBody returns the JSON body of a captured ".txt" response (headers,
// blank line, body).
func sampleBody(t testing.TB, name string) []byte {
	b := readSample(t, name)
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return bytes.TrimSpace(b[i+2:])
	}
	return b
}

func newFakeCloud(t testing.TB, maxMV string) *fakeCloud {
	f := &fakeCloud{t: t, maxMV: maxMV, password: "secret", tokens: map[string]bool{},
		tokenBody: "keystone-token-response-body.json", override: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCloud) auth() *config.Auth { return f.authFor(f.srv.URL + "/identity/v3") }

func (f *fakeCloud) authFor(authURL string) *config.Auth {
	return &config.Auth{Cloud: "fake", Options: gophercloud.AuthOptions{
		IdentityEndpoint: authURL, Username: "admin", Password: "secret",
		DomainName: "Default", AllowReauth: true,
		Scope: &gophercloud.AuthScope{ProjectName: "admin", DomainName: "Default"},
	}, Endpoint: gophercloud.EndpointOpts{Region: "RegionOne", Availability: gophercloud.AvailabilityPublic}}
}

func (f *fakeCloud) client(t testing.TB, readOnly bool) *Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := New(ctx, f.auth(), hc)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeCloud) on(methodPath string, h http.HandlerFunc) {
	f.mu.Lock()
	f.override[methodPath] = h
	f.mu.Unlock()
}

// requests returns recorded requests whose path contains sub.
func (f *fakeCloud) requests(method, sub string) []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeReq
	for _, r := range f.reqs {
		if (method == "" || r.Method == method) && strings.Contains(r.Path, sub) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeCloud) expireTokens() {
	f.mu.Lock()
	f.tokens = map[string]bool{}
	f.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if b, ok := v.([]byte); ok {
		_, _ = w.Write(b)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func reqMV(r *http.Request) string {
	if v := r.Header.Get("X-OpenStack-Nova-API-Version"); v != "" {
		return v
	}
	return "2.1"
}

func mvAtLeast(have, want string) bool {
	a, err1 := parseMV(have)
	b, err2 := parseMV(want)
	return err1 == nil && err2 == nil && !a.less(b)
}

func (f *fakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, fakeReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), MV: r.Header.Get("X-OpenStack-Nova-API-Version")})
	h := f.override[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/identity/v3/auth/tokens" && r.Method == http.MethodPost:
		f.issueToken(w, body)
		return
	case p == "/compute/v2.1/" || p == "/compute/v2.1":
		writeJSON(w, 200, map[string]any{"version": map[string]any{"id": "v2.1", "status": "CURRENT",
			"version": f.maxMV, "min_version": "2.1", "updated": "2013-07-23T11:33:21Z"}})
		return
	}
	f.mu.Lock()
	ok := f.tokens[r.Header.Get("X-Auth-Token")]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 401, []byte(`{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}`))
		return
	}
	mv := reqMV(r)
	switch {
	case p == "/compute/v2.1/servers/detail":
		if f.synth != nil {
			f.synth.list(w, r)
			return
		}
		if mvAtLeast(mv, "2.47") {
			writeJSON(w, 200, readSample(f.t, "nova-servers-detail-all-tenants-mv2.88.json"))
		} else {
			writeJSON(w, 200, readSample(f.t, "nova-servers-detail-all-tenants-mv2.1.json"))
		}
	case p == "/compute/v2.1/flavors/detail":
		writeJSON(w, 200, f.flavors())
	case p == "/identity/v3/projects":
		writeJSON(w, 200, f.projects())
	case p == "/compute/v2.1/os-services" && r.Method == http.MethodGet:
		name := "nova-os-services-mv2.1.json"
		if mvAtLeast(mv, "2.53") {
			name = "nova-os-services-mv2.88.json"
		}
		var doc struct {
			Services []map[string]any `json:"services"`
		}
		_ = json.Unmarshal(readSample(f.t, name), &doc)
		var out []map[string]any
		for _, s := range doc.Services {
			if h := r.URL.Query().Get("host"); h != "" && s["host"] != h {
				continue
			}
			if b := r.URL.Query().Get("binary"); b != "" && s["binary"] != b {
				continue
			}
			out = append(out, s)
		}
		writeJSON(w, 200, map[string]any{"services": out})
	case strings.HasPrefix(p, "/compute/v2.1/os-services/") && r.Method == http.MethodPut:
		writeJSON(w, 200, map[string]any{"service": map[string]any{}})
	case p == "/compute/v2.1/os-hypervisors/detail":
		if !mvAtLeast(mv, "2.88") {
			writeJSON(w, 200, readSample(f.t, "nova-os-hypervisors-detail-mv2.1.json"))
			return
		}
		var doc struct {
			Hypervisors []map[string]any `json:"hypervisors"`
		}
		_ = json.Unmarshal(readSample(f.t, "nova-os-hypervisors-detail-mv2.88.json"), &doc)
		if r.URL.Query().Get("with_servers") == "true" {
			byHost := f.serversByHost()
			for _, h := range doc.Hypervisors {
				var ss []map[string]string
				for _, id := range byHost[h["hypervisor_hostname"].(string)] {
					ss = append(ss, map[string]string{"uuid": id, "name": "x"})
				}
				h["servers"] = ss
			}
		}
		writeJSON(w, 200, doc)
	case p == "/compute/v2.1/os-migrations":
		writeJSON(w, 200, readSample(f.t, "nova-os-migrations-mv2.80-after-evacuate.json"))
	case strings.HasPrefix(p, "/compute/v2.1/servers/") && strings.HasSuffix(p, "/action") && r.Method == http.MethodPost:
		switch {
		case strings.Contains(string(body), `"evacuate"`):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200) // 2.29: 200 with an empty body
		case strings.Contains(string(body), `"os-getConsoleOutput"`):
			writeJSON(w, 200, map[string]string{"output": "line1\nline2\nlogin: "})
		default:
			w.WriteHeader(202)
		}
	case strings.HasPrefix(p, "/compute/v2.1/servers/") && strings.Count(p, "/") == 4 && r.Method == http.MethodGet:
		id := strings.TrimPrefix(p, "/compute/v2.1/servers/")
		sample := "2.1"
		if mvAtLeast(mv, "2.47") {
			sample = "2.88"
		}
		for _, s := range f.sampleServers(sample) {
			if s["id"] == id {
				writeJSON(w, 200, map[string]any{"server": s})
				return
			}
		}
		writeJSON(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "Instance `+id+` could not be found."}}`))
	case strings.HasSuffix(p, "/os-instance-actions"):
		writeJSON(w, 200, []byte(`{"instanceActions":[{"action":"create","instance_uuid":"x","message":null,"project_id":"p","request_id":"req-1","start_time":"2026-11-22T11:26:47.000000","user_id":"u"},{"action":"evacuate","instance_uuid":"x","message":"Error","project_id":"p","request_id":"req-2","start_time":"2026-11-22T11:29:00.000000","user_id":"u"}]}`))
	case strings.HasSuffix(p, "/os-volume_attachments"):
		writeJSON(w, 200, []byte(`{"volumeAttachments":[{"device":"/dev/vdb","id":"a26887c6-c47b-4654-abb5-dfadf7d3f803","serverId":"2390fb4d-1693-45d7-b309-e29c4af16538","volumeId":"a26887c6-c47b-4654-abb5-dfadf7d3f803","tag":null,"delete_on_termination":false}]}`))
	case p == "/placement/resource_providers":
		writeJSON(w, 200, readSample(f.t, "placement-resource-providers.json"))
	case strings.HasPrefix(p, "/placement/resource_providers/"):
		f.placement(w, r)
	case p == "/network/v2.0/agents":
		writeJSON(w, 200, readSample(f.t, "neutron-agents.json"))
	case strings.HasPrefix(p, "/volume/v3/") && strings.HasSuffix(p, "/os-services"):
		writeJSON(w, 200, readSample(f.t, "cinder-os-services.json"))
	default:
		writeJSON(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "The resource could not be found."}}`))
	}
}

var tokenSeq int

func (f *fakeCloud) issueToken(w http.ResponseWriter, body []byte) {
	var req struct {
		Auth struct {
			Identity struct {
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
		} `json:"auth"`
	}
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authCount++
	if req.Auth.Identity.Password.User.Password != f.password {
		writeJSON(w, 401, []byte(`{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`))
		return
	}
	tokenSeq++
	tok := fmt.Sprintf("tok-%d", tokenSeq)
	f.tokens[tok] = true
	b := string(readSample(f.t, f.tokenBody))
	base := f.srv.URL
	for from, to := range map[string]string{
		"http://127.0.0.1:8774/v2.1": base + "/compute/v2.1",
		"http://127.0.0.1:8778":      base + "/placement",
		"http://127.0.0.1:9696":      base + "/network",
		"http://127.0.0.1:8776/v3/":  base + "/volume/v3/",
		"http://127.0.0.1:5000/v3/":  base + "/identity/v3/",
		"http://127.0.0.1:9292":      base + "/image",
	} {
		b = strings.ReplaceAll(b, from, to)
	}
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, 201, []byte(b))
}

// sampleServers decodes the captured server list at mv.
func (f *fakeCloud) sampleServers(mv string) []map[string]any {
	name := "nova-servers-detail-all-tenants-mv2.1.json"
	if mv == "2.88" {
		name = "nova-servers-detail-all-tenants-mv2.88.json"
	}
	var doc struct {
		Servers []map[string]any `json:"servers"`
	}
	if err := json.Unmarshal(readSample(f.t, name), &doc); err != nil {
		f.t.Fatal(err)
	}
	return doc.Servers
}

// flavors derives the flavor list from the two captured server lists: the
// 2.1 one has flavor IDs, the 2.88 one names for the same servers.
func (f *fakeCloud) flavors() map[string]any {
	names := map[string]map[string]any{}
	for _, s := range f.sampleServers("2.88") {
		names[s["id"].(string)] = s["flavor"].(map[string]any)
	}
	seen := map[string]bool{}
	var out []map[string]any
	for _, s := range f.sampleServers("2.1") {
		id := s["flavor"].(map[string]any)["id"].(string)
		if seen[id] {
			continue
		}
		seen[id] = true
		fl := names[s["id"].(string)]
		out = append(out, map[string]any{"id": id, "name": fl["original_name"], "vcpus": fl["vcpus"], "ram": fl["ram"], "disk": fl["disk"]})
	}
	return map[string]any{"flavors": out}
}

// projects invents names for the captured servers' project IDs.
func (f *fakeCloud) projects() map[string]any {
	seen := map[string]bool{}
	var out []map[string]any
	for _, s := range f.sampleServers("2.1") {
		id := s["tenant_id"].(string)
		if !seen[id] {
			seen[id] = true
			out = append(out, map[string]any{"id": id, "name": "proj-" + id[:6]})
		}
	}
	return map[string]any{"projects": out}
}

func (f *fakeCloud) serversByHost() map[string][]string {
	out := map[string][]string{}
	for _, s := range f.sampleServers("2.88") {
		h, _ := s["OS-EXT-SRV-ATTR:host"].(string)
		out[h] = append(out[h], s["id"].(string))
	}
	return out
}

// placement serves inventories/usages equal to what Nova < 2.88 reports in
// the captured hypervisor sample, so both paths must agree.
func (f *fakeCloud) placement(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // placement resource_providers UUID kind
	if len(parts) != 4 {
		writeJSON(w, 404, []byte(`{"errors":[{"status":404,"title":"Not Found","detail":"no such thing"}]}`))
		return
	}
	var rps struct {
		Providers []struct{ UUID, Name string } `json:"resource_providers"`
	}
	_ = json.Unmarshal(readSample(f.t, "placement-resource-providers.json"), &rps)
	var hvs struct {
		Hypervisors []struct {
			Hostname  string `json:"hypervisor_hostname"`
			VCPUs     int    `json:"vcpus"`
			VCPUsUsed int    `json:"vcpus_used"`
			MemoryMB  int    `json:"memory_mb"`
			MemUsed   int    `json:"memory_mb_used"`
			LG        int    `json:"local_gb"`
			LGUse     int    `json:"local_gb_used"`
		} `json:"hypervisors"`
	}
	_ = json.Unmarshal(readSample(f.t, "nova-os-hypervisors-detail-mv2.1.json"), &hvs)
	name := ""
	for _, p := range rps.Providers {
		if p.UUID == parts[2] {
			name = p.Name
		}
	}
	for _, h := range hvs.Hypervisors {
		if h.Hostname != name {
			continue
		}
		if parts[3] == "inventories" {
			writeJSON(w, 200, map[string]any{"resource_provider_generation": 13, "inventories": map[string]any{
				"VCPU":      map[string]any{"total": h.VCPUs, "reserved": 0, "allocation_ratio": 16.0, "min_unit": 1, "max_unit": h.VCPUs, "step_size": 1},
				"MEMORY_MB": map[string]any{"total": h.MemoryMB, "reserved": 512, "allocation_ratio": 1.5, "min_unit": 1, "max_unit": h.MemoryMB, "step_size": 1},
				"DISK_GB":   map[string]any{"total": h.LG, "reserved": 0, "allocation_ratio": 1.0, "min_unit": 1, "max_unit": h.LG, "step_size": 1},
			}})
			return
		}
		writeJSON(w, 200, map[string]any{"resource_provider_generation": 13, "usages": map[string]int{"VCPU": h.VCPUsUsed, "MEMORY_MB": h.MemUsed, "DISK_GB": h.LGUse}})
		return
	}
	writeJSON(w, 404, []byte(`{"errors":[{"status":404,"title":"Not Found","detail":"No resource provider with uuid found"}]}`))
}

// synthNova is a synthetic server list with a controllable clock, paging
// (limit/marker, servers_links next) and changes-since (including deleted
// servers as status DELETED), the way Nova behaves.
type synthNova struct {
	mu    sync.Mutex
	now   time.Time
	order []string
	idx   map[string]int
	srv   map[string]*synthServer
	tmpl  map[string]any
	seq   int
	// maxLimit is Nova's [api]max_limit (default 1000).
	maxLimit int
}

type synthServer struct {
	json    []byte
	updated time.Time
	deleted bool
	host    string
}

func newSynthNova(t testing.TB, n int) *synthNova {
	var doc struct {
		Servers []map[string]any `json:"servers"`
	}
	if err := json.Unmarshal(readSample(t, "nova-servers-detail-all-tenants-mv2.88.json"), &doc); err != nil {
		t.Fatal(err)
	}
	s := &synthNova{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), idx: map[string]int{}, srv: map[string]*synthServer{}, tmpl: doc.Servers[0]}
	for i := 0; i < n; i++ {
		s.add(fmt.Sprintf("compute%02d", i%6+1))
	}
	s.now = s.now.Add(time.Hour) // the servers are old when the cockpit starts
	return s
}

func (s *synthNova) render(id, host, status string, updated time.Time) []byte {
	m := make(map[string]any, len(s.tmpl))
	for k, v := range s.tmpl {
		m[k] = v
	}
	m["id"], m["name"], m["status"] = id, "vm-"+id[len(id)-6:], status
	m["OS-EXT-SRV-ATTR:host"], m["OS-EXT-SRV-ATTR:hypervisor_hostname"] = host, host
	m["updated"] = updated.Format(time.RFC3339)
	if status == "DELETED" {
		m["OS-EXT-STS:vm_state"] = "deleted"
	}
	b, _ := json.Marshal(m)
	return b
}

// add creates a server (caller holds no lock during construction).
func (s *synthNova) add(host string) string {
	s.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	s.idx[id] = len(s.order)
	s.order = append(s.order, id)
	s.srv[id] = &synthServer{json: s.render(id, host, "ACTIVE", s.now), updated: s.now, host: host}
	return id
}

func (s *synthNova) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// change moves server i (by position) to host with status.
func (s *synthNova) change(id, host, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.srv[id]
	sv.host, sv.updated = host, s.now
	sv.json = s.render(id, host, status, s.now)
}

func (s *synthNova) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.srv[id]
	sv.deleted, sv.updated = true, s.now
	sv.json = s.render(id, sv.host, "DELETED", s.now)
}

func (s *synthNova) create(host string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(host)
}

func (s *synthNova) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	maxLimit := s.maxLimit
	if maxLimit <= 0 {
		maxLimit = 1000
	}
	if limit <= 0 || limit > maxLimit {
		limit = maxLimit
	}
	var since time.Time
	if cs := q.Get("changes-since"); cs != "" {
		t, err := time.Parse(time.RFC3339, cs)
		if err != nil {
			writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "Invalid filter field: changes-since."}}`))
			return
		}
		since = t
	}
	order, idx := s.order, s.idx
	if q.Get("sort_key") == "uuid" {
		// Nova's sort_key=uuid (sort_dir asc or desc), marker by position.
		order = slices.Clone(s.order)
		slices.Sort(order)
		if q.Get("sort_dir") != "asc" {
			slices.Reverse(order)
		}
		idx = make(map[string]int, len(order))
		for i, id := range order {
			idx[id] = i
		}
	}
	start := 0
	if m := q.Get("marker"); m != "" {
		i, ok := idx[m]
		if !ok {
			writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "marker [`+m+`] not found"}}`))
			return
		}
		start = i + 1
	}
	var buf bytes.Buffer
	buf.WriteString(`{"servers": [`)
	n, last := 0, ""
	for i := start; i < len(order) && n < limit; i++ {
		sv := s.srv[order[i]]
		if since.IsZero() && sv.deleted {
			continue
		}
		if !since.IsZero() && sv.updated.Before(since) {
			continue
		}
		if n > 0 {
			buf.WriteString(", ")
		}
		buf.Write(sv.json)
		n++
		last = order[i]
	}
	buf.WriteString("]")
	if n == limit {
		fmt.Fprintf(&buf, `, "servers_links": [{"href": "http://127.0.0.1:8774/v2.1/servers/detail?all_tenants=1&limit=%d&marker=%s", "rel": "next"}]`, limit, last)
	}
	buf.WriteString("}")
	w.Header().Set("Date", s.now.Format(http.TimeFormat))
	writeJSON(w, 200, buf.Bytes())
}

func (s *synthNova) liveIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.order {
		if !s.srv[id].deleted {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
