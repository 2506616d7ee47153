package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/hypervisors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/instanceactions"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/migrations"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	csvc "github.com/gophercloud/gophercloud/v2/openstack/compute/v2/services"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// fakeClock is a story clock tests move by hand (safe across the demo's
// server goroutines).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type novaEnv struct {
	t     *testing.T
	c     *Cloud
	clock *fakeClock
	pc    *gophercloud.ProviderClient
	token string
}

func startCloud(t *testing.T, o Options) *novaEnv {
	t.Helper()
	clock := newFakeClock()
	if o.Now == nil {
		o.Now = clock.Now
	}
	c, err := Start(StartOptions{Story: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	pc, err := openstack.AuthenticatedClient(context.Background(), gophercloud.AuthOptions{
		IdentityEndpoint: c.URLs["keystone"] + "/v3", Username: c.Username, Password: c.Password,
		DomainName: "Default", TenantName: c.Project})
	if err != nil {
		t.Fatal(err)
	}
	return &novaEnv{t: t, c: c, clock: clock, pc: pc, token: pc.Token()}
}

func (e *novaEnv) compute(mv string) *gophercloud.ServiceClient {
	e.t.Helper()
	sc, err := openstack.NewComputeV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		e.t.Fatal(err)
	}
	sc.Microversion = mv
	return sc
}

// do sends a raw request to a demo service and decodes the JSON answer.
func (e *novaEnv) do(method, service, path, mv string, body any, out any) (int, http.Header, string) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.c.URLs[service]+path, rd)
	req.Header.Set("X-Auth-Token", e.token)
	req.Header.Set("Content-Type", "application/json")
	if mv != "" {
		req.Header.Set("OpenStack-API-Version", "compute "+mv)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, resp.Header, string(raw)
}

// doHeader is do with a full OpenStack-API-Version header value.
func (e *novaEnv) doHeader(method, service, path, header string, out any) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.c.URLs[service]+path, nil)
	req.Header.Set("X-Auth-Token", e.token)
	if header != "" {
		req.Header.Set("OpenStack-API-Version", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, resp.Header, string(raw)
}

// action posts a server action and returns status and body.
func (e *novaEnv) action(id, mv string, body any) (int, string) {
	e.t.Helper()
	code, _, raw := e.do("POST", "nova", "/v2.1/servers/"+id+"/action", mv, body, nil)
	return code, raw
}

func (e *novaEnv) server(id string) map[string]any {
	e.t.Helper()
	var out struct {
		Server map[string]any `json:"server"`
	}
	if code, _, raw := e.do("GET", "nova", "/v2.1/servers/"+id, "2.88", nil, &out); code != 200 {
		e.t.Fatalf("show %s: %d %s", id, code, raw)
	}
	return out.Server
}

// advance moves the story clock in small steps (each step lets the story
// run what is due, as requests arriving over time would).
func (e *novaEnv) advance(d time.Duration) {
	for d > 0 {
		step := 250 * time.Millisecond
		if d < step {
			step = d
		}
		e.clock.Add(step)
		d -= step
		e.c.Story.Lock(func() {})
	}
}

func TestNovaVersionDocumentsAndMicroversions(t *testing.T) {
	e := startCloud(t, Options{Instances: 10, FailAfter: -1})
	var vs struct {
		Versions []struct {
			ID         string `json:"id"`
			MinVersion string `json:"min_version"`
		} `json:"versions"`
	}
	code, _, raw := e.do("GET", "nova", "/", "", nil, &vs)
	if code != 200 || len(vs.Versions) != 2 || vs.Versions[1].ID != "v2.1" {
		t.Fatalf("versions: %d %s", code, raw)
	}
	var v struct {
		Version struct {
			ID         string `json:"id"`
			Version    string `json:"version"`
			MinVersion string `json:"min_version"`
		} `json:"version"`
	}
	e.do("GET", "nova", "/v2.1/", "", nil, &v)
	if v.Version.Version != NovaMaxMicroversion || v.Version.MinVersion != "2.1" {
		t.Fatalf("version doc %+v", v)
	}
	// gophercloud's discovery reads the same document.
	sc := e.compute("")
	code, h, _ := e.do("GET", "nova", "/v2.1/os-services", "2.53", nil, nil)
	if code != 200 || h.Get("OpenStack-API-Version") != "compute 2.53" || h.Get("X-OpenStack-Nova-API-Version") != "2.53" {
		t.Fatalf("echo: %d %v", code, h)
	}
	// Legacy header alone.
	req, _ := http.NewRequest("GET", sc.Endpoint+"os-services", nil)
	req.Header.Set("X-Auth-Token", e.token)
	req.Header.Set("X-OpenStack-Nova-API-Version", "2.11")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-OpenStack-Nova-API-Version") != "2.11" {
		t.Fatalf("legacy header not honoured: %v", resp.Header)
	}
	code, _, raw = e.do("GET", "nova", "/v2.1/servers", "3.0", nil, nil)
	if code != 406 || !strings.Contains(raw, "Version 3.0 is not supported by the API. Minimum is 2.1 and maximum is "+NovaMaxMicroversion) {
		t.Fatalf("3.0: %d %s", code, raw)
	}
	code, h, _ = e.do("GET", "nova", "/v2.1/servers", "latest", nil, nil)
	if code != 200 || h.Get("X-OpenStack-Nova-API-Version") != NovaMaxMicroversion {
		t.Fatalf("latest: %d %v", code, h)
	}
	// No token, no data.
	req, _ = http.NewRequest("GET", sc.Endpoint+"servers/detail", nil)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unauthenticated: %d", resp.StatusCode)
	}
}

func TestNovaServersListShapesAndPaging(t *testing.T) {
	e := startCloud(t, Options{Instances: 120, FailAfter: -1})
	for _, mv := range []string{"2.1", "2.88"} {
		sc := e.compute(mv)
		pages := 0
		seen := map[string]bool{}
		err := servers.List(sc, servers.ListOpts{AllTenants: true, Limit: 25}).EachPage(context.Background(),
			func(_ context.Context, p pagination.Page) (bool, error) {
				pages++
				ss, err := servers.ExtractServers(p)
				if err != nil {
					return false, err
				}
				for _, s := range ss {
					if seen[s.ID] {
						t.Fatalf("mv %s: %s listed twice", mv, s.ID)
					}
					seen[s.ID] = true
					if s.Host == "" || s.InstanceName == "" || s.Status == "" || s.TenantID == "" {
						t.Fatalf("mv %s: missing admin fields: %+v", mv, s)
					}
					if mv == "2.88" && s.Flavor["original_name"] == nil {
						t.Fatalf("2.88 flavor not embedded: %v", s.Flavor)
					}
					if mv == "2.1" && s.Flavor["id"] == nil {
						t.Fatalf("2.1 flavor has no id: %v", s.Flavor)
					}
				}
				return true, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 120 || pages < 5 {
			t.Fatalf("mv %s: %d servers in %d pages", mv, len(seen), pages)
		}
	}
	// Without all_tenants only the token's project.
	all, err := servers.List(e.compute("2.88"), servers.ListOpts{}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	own, _ := servers.ExtractServers(all)
	if len(own) != 24 {
		t.Fatalf("own project: %d servers, want 24", len(own))
	}
	// servers_links carries the marker; an unknown marker is a 400.
	var body struct {
		Servers []map[string]any    `json:"servers"`
		Links   []map[string]string `json:"servers_links"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&limit=10", "2.88", nil, &body)
	if len(body.Servers) != 10 || len(body.Links) != 1 || body.Links[0]["rel"] != "next" ||
		!strings.Contains(body.Links[0]["href"], "marker="+body.Servers[9]["id"].(string)) {
		t.Fatalf("links %v", body.Links)
	}
	code, _, raw := e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&marker=nope", "2.88", nil, nil)
	if code != 400 || !strings.Contains(raw, "marker [nope] not found") {
		t.Fatalf("bad marker: %d %s", code, raw)
	}
	// host filter.
	var byHost struct {
		Servers []servers.Server `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&host=compute02", "2.88", nil, &byHost)
	if len(byHost.Servers) == 0 {
		t.Fatal("no servers on compute02")
	}
	for _, s := range byHost.Servers {
		if s.Host != "compute02" {
			t.Fatalf("host filter leaked %s", s.Host)
		}
	}
}

func TestNovaServerFieldsMatchSamples(t *testing.T) {
	e := startCloud(t, Options{Instances: 20, FailAfter: -1})
	var b21, b288 struct {
		Servers []map[string]any `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1", "2.1", nil, &b21)
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1", "2.88", nil, &b288)
	for _, c := range []struct {
		file string
		got  map[string]any
	}{{"nova-servers-detail-all-tenants-mv2.1.json", b21.Servers[0]}, {"nova-servers-detail-all-tenants-mv2.88.json", b288.Servers[0]}} {
		raw := readSample(t, c.file)
		var sample struct {
			Servers []map[string]any `json:"servers"`
		}
		if err := json.Unmarshal(raw, &sample); err != nil {
			t.Fatal(err)
		}
		for k := range sample.Servers[0] {
			if _, ok := c.got[k]; !ok {
				t.Errorf("%s: key %q missing from demo server", c.file, k)
			}
		}
		for k := range c.got {
			if _, ok := sample.Servers[0][k]; !ok && k != "fault" && k != "security_groups" && k != "progress" {
				t.Errorf("%s: demo has key %q the real server lacks", c.file, k)
			}
		}
	}
}

func TestNovaChangesSince(t *testing.T) {
	e := startCloud(t, Options{Instances: 50, FailAfter: -1})
	e.advance(time.Minute)
	since := e.clock.Now().UTC().Format(time.RFC3339)
	var id string
	e.c.Story.Lock(func() { id = e.c.Story.Instances[7].ID })
	if code, raw := e.action(id, "2.88", map[string]any{"reboot": map[string]string{"type": "SOFT"}}); code != 202 {
		t.Fatalf("reboot: %d %s", code, raw)
	}
	// A deleted server shows as DELETED in changes-since answers only.
	var gone string
	e.c.Story.Lock(func() {
		in := e.c.Story.Instances[9]
		in.Deleted, in.Status, gone = true, "DELETED", in.ID
		e.c.Story.Touch(in)
	})
	ss, err := servers.List(e.compute("2.88"), servers.ListOpts{AllTenants: true, ChangesSince: since}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := servers.ExtractServers(ss)
	if len(got) != 2 {
		t.Fatalf("changes-since: %d servers, want 2", len(got))
	}
	statuses := map[string]string{}
	for _, s := range got {
		statuses[s.ID] = s.Status
	}
	if statuses[id] != "REBOOT" || statuses[gone] != "DELETED" {
		t.Fatalf("statuses %v", statuses)
	}
	all, _ := servers.List(e.compute("2.88"), servers.ListOpts{AllTenants: true}).AllPages(context.Background())
	full, _ := servers.ExtractServers(all)
	if len(full) != 49 {
		t.Fatalf("plain list has %d, want 49 (deleted hidden)", len(full))
	}
	code, _, _ := e.do("GET", "nova", "/v2.1/servers/detail?changes-since=yesterday", "2.88", nil, nil)
	if code != 400 {
		t.Fatalf("bad changes-since: %d", code)
	}
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	for _, dir := range []string{"testdata/openstack/", "../testdata/openstack/", "/work/shared/samples/openstack/"} {
		if b, err := readFile(dir + name); err == nil {
			return b
		}
	}
	t.Skipf("sample %s not available", name)
	return nil
}

func TestNovaServicesHypervisorsFlavors(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	for _, mv := range []string{"2.1", "2.53", "2.88"} {
		pg, err := csvc.List(e.compute(mv), csvc.ListOpts{}).AllPages(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		svcs, err := csvc.ExtractServices(pg)
		if err != nil {
			t.Fatal(err)
		}
		if len(svcs) != 12 {
			t.Fatalf("mv %s: %d services", mv, len(svcs))
		}
		computes := 0
		for _, s := range svcs {
			if s.Binary == "nova-compute" {
				computes++
				if s.State != "up" || s.Status != "enabled" || s.Zone != "nova" {
					t.Fatalf("%+v", s)
				}
			}
			if mv != "2.1" && len(s.ID) != 36 {
				t.Fatalf("mv %s: id %q not a uuid", mv, s.ID)
			}
		}
		if computes != 6 {
			t.Fatalf("%d computes", computes)
		}
		hp, err := hypervisors.List(e.compute(mv), nil).AllPages(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		hvs, err := hypervisors.ExtractHypervisors(hp)
		if err != nil {
			t.Fatal(err)
		}
		if len(hvs) != 6 {
			t.Fatalf("%d hypervisors", len(hvs))
		}
		total := 0
		for _, h := range hvs {
			total += h.RunningVMs
			if mv == "2.88" && h.VCPUs != 0 {
				t.Fatalf("2.88 reports usage: %+v", h)
			}
		}
		if mv != "2.88" && total != 60 {
			t.Fatalf("mv %s: running_vms sum %d", mv, total)
		}
	}
	fp, err := flavors.ListDetail(e.compute("2.88"), nil).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := flavors.ExtractFlavors(fp)
	if len(fl) != 5 || fl[2].Name != "m1.medium" || fl[2].RAM != 4096 {
		t.Fatalf("flavors %+v", fl)
	}
	// Hypervisor service ids follow the service id format.
	var hv struct {
		Hypervisors []map[string]any `json:"hypervisors"`
	}
	e.do("GET", "nova", "/v2.1/os-hypervisors/detail", "2.88", nil, &hv)
	for k := range hv.Hypervisors[0] {
		if k == "vcpus_used" || k == "running_vms" {
			t.Fatalf("2.88 hypervisor has %s", k)
		}
	}
	if hv.Hypervisors[0]["uptime"] == nil {
		t.Fatal("2.88 hypervisor of an up host has no uptime")
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// TestNovaComputeFailureAndEvacuation walks the story: compute04 dies,
// nova-compute goes down after the heartbeat timeout, instances stay
// ACTIVE, evacuation is refused while the service is up, then accepted and
// rebuilt elsewhere, and the host can be forced up only after it was
// powered on again.
func TestNovaComputeFailureAndEvacuation(t *testing.T) {
	e := startCloud(t, Options{Instances: 90, FailAfter: 45 * time.Second})
	sc := e.compute("2.88")
	var onHost []string
	var svcID string
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Host == "compute04" && in.Status == "ACTIVE" {
				onHost = append(onHost, in.ID)
			}
		}
		svcID = stableUUID("nova-service", "compute04", "nova-compute")
	})
	if len(onHost) < 3 {
		t.Fatalf("only %d instances on compute04", len(onHost))
	}
	id := onHost[0]
	e.advance(46 * time.Second)
	// Power is gone but Nova still sees the heartbeat: evacuate refused.
	code, raw := e.action(id, "2.88", map[string]any{"evacuate": map[string]any{}})
	if code != 400 || !strings.Contains(raw, "Compute service of compute04 is still in use.") {
		t.Fatalf("evacuate of up host: %d %s", code, raw)
	}
	e.advance(HeartbeatTimeout)
	svc := findService(t, sc, "compute04")
	if svc.State != "down" || svc.ForcedDown {
		t.Fatalf("compute04 after timeout: %+v", svc)
	}
	if s := e.server(id); s["status"] != "ACTIVE" || s["host_status"] != "UNKNOWN" || s["OS-EXT-STS:power_state"] != float64(1) {
		t.Fatalf("instance on dead host: %v %v %v", s["status"], s["host_status"], s["OS-EXT-STS:power_state"])
	}
	// Disable and force down (the documented procedure), by UUID at 2.53+.
	if _, err := csvc.Update(context.Background(), sc, svcID, csvc.UpdateOpts{Status: csvc.ServiceDisabled,
		DisabledReason: "fenced: power loss"}).Extract(); err != nil {
		t.Fatal(err)
	}
	if _, err := csvc.Update(context.Background(), sc, svcID, forceDown(true)).Extract(); err != nil {
		t.Fatal(err)
	}
	svc = findService(t, sc, "compute04")
	if !svc.ForcedDown || svc.Status != "disabled" || svc.DisabledReason != "fenced: power loss" {
		t.Fatalf("after disable+force-down: %+v", svc)
	}
	if s := e.server(id); s["host_status"] != "DOWN" {
		t.Fatalf("host_status %v", s["host_status"])
	}
	// gophercloud's EvacuateOpts always sends onSharedStorage, which Nova
	// rejects from 2.14 on, as the demo does.
	err := servers.Evacuate(context.Background(), e.compute("2.29"), id, servers.EvacuateOpts{}).Err
	if err == nil || !strings.Contains(err.Error(), "Additional properties are not allowed ('onSharedStorage' was unexpected)") {
		t.Fatalf("evacuate with onSharedStorage at 2.29: %v", err)
	}
	// Evacuate at 2.29: 200 with an empty body.
	if code, raw := e.action(id, "2.29", map[string]any{"evacuate": map[string]any{}}); code != 200 || raw != "" {
		t.Fatalf("evacuate: %d %q", code, raw)
	}
	s := e.server(id)
	if s["status"] != "REBUILD" || s["OS-EXT-STS:task_state"] != "rebuilding" || s["OS-EXT-SRV-ATTR:host"] != "compute04" {
		t.Fatalf("right after evacuate: %v %v %v", s["status"], s["OS-EXT-STS:task_state"], s["OS-EXT-SRV-ATTR:host"])
	}
	e.advance(2500 * time.Millisecond)
	s = e.server(id)
	if s["OS-EXT-STS:task_state"] != "rebuild_spawning" && s["OS-EXT-STS:task_state"] != "rebuild_block_device_mapping" {
		t.Fatalf("mid-evacuation task %v", s["OS-EXT-STS:task_state"])
	}
	e.advance(4 * time.Second)
	s = e.server(id)
	if s["status"] != "ACTIVE" || s["OS-EXT-STS:task_state"] != nil || s["OS-EXT-SRV-ATTR:host"] == "compute04" {
		t.Fatalf("after evacuation: %v %v %v", s["status"], s["OS-EXT-STS:task_state"], s["OS-EXT-SRV-ATTR:host"])
	}
	dest := s["OS-EXT-SRV-ATTR:host"].(string)
	// The migration row and the instance action.
	ms := listMigrations(t, e, id)
	if len(ms) != 1 || ms[0].MigrationType != "evacuation" || ms[0].Status != "done" || ms[0].SourceCompute != "compute04" || ms[0].DestCompute != dest {
		t.Fatalf("migrations %+v", ms)
	}
	ap, err := instanceactions.List(e.compute("2.88"), id, nil).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	acts, _ := instanceactions.ExtractInstanceActions(ap)
	if len(acts) != 2 || acts[0].Action != "evacuate" || !strings.HasPrefix(acts[0].RequestID, "req-") {
		t.Fatalf("actions %+v", acts)
	}
	one, err := instanceactions.Get(context.Background(), e.compute("2.88"), id, acts[0].RequestID).Extract()
	if err != nil || one.Events == nil || len(*one.Events) != 2 || (*one.Events)[1].Result != "Success" {
		t.Fatalf("action detail %+v %v", one, err)
	}
	// Events for the log/alert backends.
	var evs []Event
	e.c.Story.Lock(func() { evs = e.c.Story.Events(0) })
	kinds := map[string]int{}
	for _, ev := range evs {
		kinds[ev.Kind+"/"+ev.Fields["phase"]]++
		if ev.Kind == "evacuate" && (ev.Fields["instance_id"] != id || !strings.HasPrefix(ev.Fields["request_id"], "req-")) {
			t.Fatalf("evacuate event %+v", ev)
		}
	}
	if kinds["evacuate/accepted"] != 1 || kinds["evacuate/done"] != 1 || kinds["service_down/"] != 1 ||
		kinds["service_disabled/"] != 1 || kinds["service_forced_down/"] != 1 || kinds["host_down/"] != 1 {
		t.Fatalf("event kinds %v", kinds)
	}
	// Forcing the host up now is refused with Nova's text.
	err = csvc.Update(context.Background(), sc, svcID, forceDown(false)).Err
	if err == nil || !strings.Contains(err.Error(), "Unable to force up host compute04 as `done` evacuation migration records remain associated with the host") {
		t.Fatalf("force up with done evacuations: %v", err)
	}
	// Power on: nova-compute restarts, records become completed, force-up works.
	e.c.Story.Lock(func() { e.c.Story.PowerOn("compute04") })
	ms2 := listMigrations(t, e, id)
	if ms2[0].Status != "completed" {
		t.Fatalf("after power on: %s", ms2[0].Status)
	}
	if err := csvc.Update(context.Background(), sc, svcID, forceDown(false)).Err; err != nil {
		t.Fatal(err)
	}
	if _, err := csvc.Update(context.Background(), sc, svcID, csvc.UpdateOpts{Status: csvc.ServiceEnabled}).Extract(); err != nil {
		t.Fatal(err)
	}
	svc = findService(t, sc, "compute04")
	if svc.State != "up" || svc.Status != "enabled" || svc.ForcedDown || svc.DisabledReason != "" {
		t.Fatalf("re-enabled: %+v", svc)
	}
	// The instances left behind come back shut off: the power-state sync
	// stops them in the database.
	if s := e.server(onHost[1]); s["status"] != "ACTIVE" {
		t.Fatalf("left-behind instance before the sync: %v", s["status"])
	}
	e.advance(11 * time.Second)
	if s := e.server(onHost[1]); s["status"] != "SHUTOFF" || s["OS-EXT-STS:power_state"] != float64(4) || s["OS-EXT-SRV-ATTR:host"] != "compute04" {
		t.Fatalf("left-behind instance after the sync: %v %v %v", s["status"], s["OS-EXT-STS:power_state"], s["OS-EXT-SRV-ATTR:host"])
	}
	if s := e.server(id); s["status"] != "ACTIVE" || s["OS-EXT-SRV-ATTR:host"] != dest {
		t.Fatalf("evacuated instance touched by the sync: %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	}
}

// forceDown is an update body that can also say forced_down=false (the
// omitempty in gophercloud's UpdateOpts cannot).
type forceDown bool

func (f forceDown) ToServiceUpdateMap() (map[string]any, error) {
	return map[string]any{"forced_down": bool(f)}, nil
}

func listMigrations(t *testing.T, e *novaEnv, id string) []migrations.Migration {
	t.Helper()
	mp, err := migrations.List(e.compute("2.80"), migrations.ListOpts{InstanceID: &id}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations.ExtractMigrations(mp)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func findService(t *testing.T, sc *gophercloud.ServiceClient, host string) csvc.Service {
	t.Helper()
	pg, err := csvc.List(sc, csvc.ListOpts{Host: host, Binary: "nova-compute"}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ss, err := csvc.ExtractServices(pg)
	if err != nil || len(ss) != 1 {
		t.Fatalf("services of %s: %v %v", host, ss, err)
	}
	return ss[0]
}

func TestNovaEvacuateNoCapacityAndLegacyServiceAPI(t *testing.T) {
	e := startCloud(t, Options{Instances: 30, FailAfter: -1})
	var id string
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Host == "compute01" && in.Status == "ACTIVE" {
				id = in.ID
				break
			}
		}
	})
	// Pre-2.53 service API: disable with reason, force-down by host/binary.
	code, _, raw := e.do("PUT", "nova", "/v2.1/os-services/disable-log-reason", "2.11",
		map[string]string{"host": "compute01", "binary": "nova-compute", "disabled_reason": "maintenance"}, nil)
	if code != 200 || !strings.Contains(raw, `"disabled_reason":"maintenance"`) {
		t.Fatalf("disable-log-reason: %d %s", code, raw)
	}
	code, _, raw = e.do("PUT", "nova", "/v2.1/os-services/force-down", "2.11",
		map[string]any{"host": "compute01", "binary": "nova-compute", "forced_down": true}, nil)
	if code != 200 || !strings.Contains(raw, `"forced_down":true`) {
		t.Fatalf("force-down: %d %s", code, raw)
	}
	// Every other compute disabled: nowhere to go.
	e.c.Story.Lock(func() {
		for _, h := range e.c.Story.Computes() {
			if h.Name != "compute01" {
				h.ServiceDisabled = true
			}
		}
	})
	if code, raw := e.action(id, "2.88", map[string]any{"evacuate": map[string]any{}}); code != 200 {
		t.Fatalf("evacuate: %d %s", code, raw)
	}
	e.advance(3 * time.Second)
	s := e.server(id)
	if s["status"] != "ERROR" || s["OS-EXT-SRV-ATTR:host"] != "compute01" {
		t.Fatalf("no-capacity evacuation: %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	}
	if f, _ := s["fault"].(map[string]any); f == nil || !strings.Contains(f["message"].(string), "No valid host was found") {
		t.Fatalf("fault %v", s["fault"])
	}
	ms := listMigrations(t, e, id)
	if len(ms) != 1 || ms[0].Status != "error" {
		t.Fatalf("migration %+v", ms)
	}
	// Explicit target that is the same host.
	code, raw = e.action(id, "2.88", map[string]any{"evacuate": map[string]any{"host": "compute01"}})
	if code != 400 || !strings.Contains(raw, "The target host can't be the same one.") {
		t.Fatalf("same host: %d %s", code, raw)
	}
	code, _, _ = e.do("GET", "nova", "/v2.1/servers/nope", "2.88", nil, nil)
	if code != 404 {
		t.Fatalf("missing server: %d", code)
	}
}

func TestNovaLiveAndColdMigration(t *testing.T) {
	e := startCloud(t, Options{Instances: 30, FailAfter: -1})
	var ids []string
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Host == "compute02" && in.Status == "ACTIVE" && len(ids) < 2 {
				ids = append(ids, in.ID)
			}
		}
	})
	live, cold := ids[0], ids[1]
	host := "compute03"
	if err := servers.LiveMigrate(context.Background(), e.compute("2.30"), live, servers.LiveMigrateOpts{Host: &host, BlockMigration: new(bool)}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Second)
	if s := e.server(live); s["status"] != "MIGRATING" || s["OS-EXT-STS:task_state"] != "migrating" {
		t.Fatalf("live: %v/%v", s["status"], s["OS-EXT-STS:task_state"])
	}
	var inProgress struct {
		Migrations []map[string]any `json:"migrations"`
	}
	e.do("GET", "nova", "/v2.1/servers/"+live+"/migrations", "2.80", nil, &inProgress)
	if len(inProgress.Migrations) != 1 {
		t.Fatalf("server migrations %v", inProgress)
	}
	e.advance(5 * time.Second)
	if s := e.server(live); s["status"] != "ACTIVE" || s["OS-EXT-SRV-ATTR:host"] != "compute03" {
		t.Fatalf("live done: %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	}
	if ms := listMigrations(t, e, live); ms[0].Status != "completed" || ms[0].MigrationType != "live-migration" {
		t.Fatalf("live migration row %+v", ms[0])
	}
	// Cold migration -> VERIFY_RESIZE -> confirm -> ACTIVE.
	if err := servers.Migrate(context.Background(), e.compute("2.88"), cold).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if s := e.server(cold); s["status"] != "RESIZE" {
		t.Fatalf("cold: %v", s["status"])
	}
	e.advance(6 * time.Second)
	s := e.server(cold)
	if s["status"] != "VERIFY_RESIZE" || s["OS-EXT-SRV-ATTR:host"] == "compute02" {
		t.Fatalf("cold done: %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	}
	if code, raw := e.action(cold, "2.88", map[string]any{"confirmResize": nil}); code != 204 {
		t.Fatalf("confirm: %d %s", code, raw)
	}
	e.advance(2 * time.Second)
	if s := e.server(cold); s["status"] != "ACTIVE" {
		t.Fatalf("confirmed: %v", s["status"])
	}
	if ms := listMigrations(t, e, cold); ms[0].Status != "confirmed" || ms[0].MigrationType != "migration" {
		t.Fatalf("cold row %+v", ms[0])
	}
	// Confirming again is a state conflict.
	if code, raw := e.action(cold, "2.88", map[string]any{"confirmResize": nil}); code != 409 || !strings.Contains(raw, "vm_state active") {
		t.Fatalf("second confirm: %d %s", code, raw)
	}
	// Live migration off a dead host: refused at 2.30, async error at 2.88.
	e.c.Story.Lock(func() {
		h := e.c.Story.Host("compute03")
		h.Powered, h.DownSince = false, e.c.Story.Now().Add(-time.Minute)
	})
	code, raw := e.action(live, "2.30", map[string]any{"os-migrateLive": map[string]any{"host": nil, "block_migration": "auto"}})
	if code != 400 || !strings.Contains(raw, "Compute service of compute03 is unavailable at this time.") {
		t.Fatalf("live from dead host (2.30): %d %s", code, raw)
	}
	code, _ = e.action(live, "2.88", map[string]any{"os-migrateLive": map[string]any{"host": nil, "block_migration": "auto"}})
	if code != 202 {
		t.Fatalf("live from dead host (2.88): %d", code)
	}
	e.advance(2 * time.Second)
	if s := e.server(live); s["status"] != "ACTIVE" || s["OS-EXT-SRV-ATTR:host"] != "compute03" {
		t.Fatalf("failed live migration left %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	}
	if ms := listMigrations(t, e, live); ms[0].Status != "error" {
		t.Fatalf("failed live migration row %+v", ms[0])
	}
}

func TestNovaRebootStopStartResetConsole(t *testing.T) {
	e := startCloud(t, Options{Instances: 30, FailAfter: -1})
	var id string
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Status == "ACTIVE" && in.Host == "compute01" {
				id = in.ID
				break
			}
		}
	})
	sc := e.compute("2.88")
	if err := servers.Reboot(context.Background(), sc, id, servers.RebootOpts{Type: servers.HardReboot}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if s := e.server(id); s["status"] != "HARD_REBOOT" {
		t.Fatalf("hard reboot: %v", s["status"])
	}
	e.advance(3 * time.Second)
	if s := e.server(id); s["status"] != "ACTIVE" {
		t.Fatalf("after reboot: %v", s["status"])
	}
	if err := servers.Reboot(context.Background(), sc, id, servers.RebootOpts{Type: servers.SoftReboot}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if s := e.server(id); s["status"] != "REBOOT" {
		t.Fatalf("soft reboot: %v", s["status"])
	}
	e.advance(3 * time.Second)
	if code, raw := e.action(id, "2.88", map[string]any{"os-start": nil}); code != 409 || !strings.Contains(raw, "Cannot 'start' instance "+id+" while it is in vm_state active") {
		t.Fatalf("start active: %d %s", code, raw)
	}
	if code, _ := e.action(id, "2.88", map[string]any{"os-stop": nil}); code != 202 {
		t.Fatal("stop")
	}
	e.advance(2 * time.Second)
	if s := e.server(id); s["status"] != "SHUTOFF" || s["OS-EXT-STS:power_state"] != float64(4) {
		t.Fatalf("stopped: %v %v", s["status"], s["OS-EXT-STS:power_state"])
	}
	if code, _ := e.action(id, "2.88", map[string]any{"os-start": nil}); code != 202 {
		t.Fatal("start")
	}
	e.advance(2 * time.Second)
	if s := e.server(id); s["status"] != "ACTIVE" || s["OS-EXT-STS:power_state"] != float64(1) {
		t.Fatalf("started: %v", s["status"])
	}
	// Reboot on a powered-off host stays stuck in REBOOT until reset-state.
	e.c.Story.Lock(func() {
		h := e.c.Story.Host("compute01")
		h.Powered, h.DownSince = false, e.c.Story.Now()
	})
	e.action(id, "2.88", map[string]any{"reboot": map[string]string{"type": "SOFT"}})
	e.advance(10 * time.Second)
	if s := e.server(id); s["status"] != "REBOOT" {
		t.Fatalf("reboot on dead host: %v", s["status"])
	}
	code, raw := e.action(id, "2.88", map[string]any{"os-getConsoleOutput": map[string]any{"length": 5}})
	if code != 500 || !strings.Contains(raw, "MessagingTimeout") {
		t.Fatalf("console of dead host: %d %s", code, raw)
	}
	if code, _ := e.action(id, "2.88", map[string]any{"os-resetState": map[string]string{"state": "error"}}); code != 202 {
		t.Fatal("reset")
	}
	if s := e.server(id); s["status"] != "ERROR" || s["OS-EXT-STS:task_state"] != nil {
		t.Fatalf("reset: %v %v", s["status"], s["OS-EXT-STS:task_state"])
	}
	e.c.Story.Lock(func() { e.c.Story.PowerOn("compute01") })
	e.advance(5 * time.Second)
	if s := e.server(id); s["status"] != "ERROR" {
		t.Fatalf("reset-state must cancel the stuck reboot: %v", s["status"])
	}
	out, err := servers.ShowConsoleOutput(context.Background(), sc, id, servers.ShowConsoleOutputOpts{Length: 3}).Extract()
	if err != nil || len(strings.Split(out, "\n")) != 3 {
		t.Fatalf("console: %q %v", out, err)
	}
	code, raw = e.action(id, "2.88", map[string]any{"bogus": nil})
	if code != 400 || !strings.Contains(raw, "There is no such action: bogus") {
		t.Fatalf("bogus: %d %s", code, raw)
	}
	var va struct {
		VolumeAttachments []map[string]any `json:"volumeAttachments"`
	}
	if code, _, _ := e.do("GET", "nova", "/v2.1/servers/"+id+"/os-volume_attachments", "2.88", nil, &va); code != 200 {
		t.Fatal("volume attachments")
	}
}

// BenchmarkNovaListAllPages50k lists 50,000 servers in pages of 1000 with
// limit/marker (each page must cost O(page), not O(position)).
func BenchmarkNovaListAllPages50k(b *testing.B) {
	c, err := Start(StartOptions{Story: Options{Instances: 50000, FailAfter: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tok := issueTestToken(b, c)
	warmUp(b, c, tok)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next := c.URLs["nova"] + "/v2.1/servers/detail?all_tenants=1&limit=1000"
		n := 0
		for next != "" {
			req, _ := http.NewRequest("GET", next, nil)
			req.Header.Set("X-Auth-Token", tok)
			req.Header.Set("OpenStack-API-Version", "compute 2.88")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var body struct {
				Servers []struct {
					ID string `json:"id"`
				} `json:"servers"`
				Links []map[string]string `json:"servers_links"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			n += len(body.Servers)
			next = ""
			if len(body.Links) > 0 && len(body.Servers) > 0 {
				next = body.Links[0]["href"]
			}
		}
		if n != 50000 {
			b.Fatalf("listed %d", n)
		}
	}
}

// warmUp sends one request so that the first benchmark round does not pay
// for building the server index.
func warmUp(b *testing.B, c *Cloud, tok string) {
	req, _ := http.NewRequest("GET", c.URLs["nova"]+"/v2.1/servers?limit=1", nil)
	req.Header.Set("X-Auth-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
}

func issueTestToken(tb testing.TB, c *Cloud) string {
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":{"name":"Default"},"password":%q}}}}}`, c.Username, c.Password)
	resp, err := http.Post(c.URLs["keystone"]+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Subject-Token")
}

// BenchmarkNovaChangesSince50k: the steady-state incremental refresh of a
// 50,000-server cloud where 10 servers changed.
func BenchmarkNovaChangesSince50k(b *testing.B) {
	clock := newFakeClock()
	c, err := Start(StartOptions{Story: Options{Instances: 50000, FailAfter: -1, Now: clock.Now}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tok := issueTestToken(b, c)
	clock.Add(time.Hour)
	since := clock.Now().Format(time.RFC3339)
	c.Story.Lock(func() {
		for i := 0; i < 10; i++ {
			c.Story.Touch(c.Story.Instances[i*4999])
		}
	})
	u := c.URLs["nova"] + "/v2.1/servers/detail?all_tenants=1&changes-since=" + since
	warmUp(b, c, tok)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("OpenStack-API-Version", "compute 2.88")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var body struct {
			Servers []json.RawMessage `json:"servers"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if len(body.Servers) != 10 {
			b.Fatalf("%d changed servers", len(body.Servers))
		}
	}
}

// TestNovaDrainQueuesLiveMigrations: live migrations off one compute run
// MaxConcurrentLiveMigrations at a time, the others wait "queued"; a
// reset-state frees its slot.
func TestNovaDrainQueuesLiveMigrations(t *testing.T) {
	e := startCloud(t, Options{Instances: 120, FailAfter: -1})
	var ids []string
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Host == "compute05" && in.Status == "ACTIVE" && len(ids) < MaxConcurrentLiveMigrations+3 {
				ids = append(ids, in.ID)
			}
		}
	})
	if len(ids) != MaxConcurrentLiveMigrations+3 {
		t.Fatalf("only %d instances", len(ids))
	}
	for _, id := range ids {
		if code, raw := e.action(id, "2.88", map[string]any{"os-migrateLive": map[string]any{"host": nil, "block_migration": "auto"}}); code != 202 {
			t.Fatalf("live %s: %d %s", id, code, raw)
		}
	}
	statuses := func() map[string]int {
		var body struct {
			Migrations []map[string]any `json:"migrations"`
		}
		e.do("GET", "nova", "/v2.1/os-migrations?host=compute05&migration_type=live-migration", "2.80", nil, &body)
		out := map[string]int{}
		for _, m := range body.Migrations {
			out[m["status"].(string)]++
		}
		return out
	}
	e.advance(time.Second)
	st := statuses()
	if st["queued"] != 3 || st["preparing"]+st["running"] != MaxConcurrentLiveMigrations {
		t.Fatalf("after 1s: %v", st)
	}
	for _, id := range ids {
		if s := e.server(id); s["status"] != "MIGRATING" {
			t.Fatalf("%s: %v", id, s["status"])
		}
	}
	// Reset one running migration: a queued one takes its slot.
	if code, _ := e.action(ids[0], "2.88", map[string]any{"os-resetState": map[string]string{"state": "active"}}); code != 202 {
		t.Fatal("reset")
	}
	st = statuses()
	if st["queued"] != 2 {
		t.Fatalf("after reset: %v", st)
	}
	e.advance(30 * time.Second)
	st = statuses()
	if st["completed"] != len(ids)-1 || st["queued"] != 0 {
		t.Fatalf("at the end: %v", st)
	}
	for _, id := range ids[1:] {
		if s := e.server(id); s["status"] != "ACTIVE" || s["OS-EXT-SRV-ATTR:host"] == "compute05" {
			t.Fatalf("%s: %v on %v", id, s["status"], s["OS-EXT-SRV-ATTR:host"])
		}
	}
	if s := e.server(ids[0]); s["status"] != "ACTIVE" || s["OS-EXT-SRV-ATTR:host"] != "compute05" {
		t.Fatalf("reset instance: %v on %v", s["status"], s["OS-EXT-SRV-ATTR:host"])
	} // os-migrations pages with limit/marker from 2.59.
	var page struct {
		Migrations []map[string]any    `json:"migrations"`
		Links      []map[string]string `json:"migrations_links"`
	}
	e.do("GET", "nova", "/v2.1/os-migrations?limit=2", "2.80", nil, &page)
	if len(page.Migrations) != 2 || len(page.Links) != 1 || !strings.Contains(page.Links[0]["href"], "marker="+page.Migrations[1]["uuid"].(string)) {
		t.Fatalf("migrations page %v %v", len(page.Migrations), page.Links)
	}
	u, _ := url.Parse(page.Links[0]["href"])
	var next struct {
		Migrations []map[string]any `json:"migrations"`
	}
	e.do("GET", "nova", "/v2.1/os-migrations?"+u.RawQuery, "2.80", nil, &next)
	if len(next.Migrations) != 2 || next.Migrations[0]["uuid"] == page.Migrations[1]["uuid"] {
		t.Fatalf("next page %v", next.Migrations)
	}
}

// TestNovaAmbientActivity: long after the failure, tenants reboot servers
// and CI runners are created and deleted; deleted ones show only through
// changes-since.
func TestNovaAmbientActivity(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: 5 * time.Second})
	e.advance(5*time.Second + AmbientAfter - time.Second)
	var evs []Event
	e.c.Story.Lock(func() { evs = e.c.Story.Events(0) })
	for _, ev := range evs {
		if ev.Kind == "reboot" || ev.Kind == "create" || ev.Kind == "delete" {
			t.Fatalf("ambient activity too early: %+v", ev)
		}
	}
	since := e.clock.Now().UTC().Format(time.RFC3339)
	e.advance(6 * time.Minute)
	kinds := map[string]int{}
	e.c.Story.Lock(func() { evs = e.c.Story.Events(0) })
	for _, ev := range evs {
		if ev.Fields["phase"] == "done" {
			kinds[ev.Kind]++
		}
	}
	if kinds["reboot"] == 0 || kinds["create"] == 0 || kinds["delete"] == 0 {
		t.Fatalf("ambient kinds %v", kinds)
	}
	var changed struct {
		Servers []map[string]any `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&changes-since="+url.QueryEscape(since), "2.88", nil, &changed)
	deleted := 0
	for _, s := range changed.Servers {
		if s["status"] == "DELETED" {
			deleted++
		}
	}
	if deleted != kinds["delete"] {
		t.Fatalf("changes-since shows %d deleted, %d deletes happened", deleted, kinds["delete"])
	}
	var all struct {
		Servers []map[string]any `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1", "2.88", nil, &all)
	if len(all.Servers) != 60+kinds["create"]-kinds["delete"] {
		t.Fatalf("%d servers listed, want %d", len(all.Servers), 60+kinds["create"]-kinds["delete"])
	}
}

// sort_key=uuid with sort_dir pages the list in uuid order from either end
// (following servers_links, as Nova does), the same servers as the default
// order; a sort key the demo does not simulate is refused, not ignored.
func TestNovaServersSortByUUID(t *testing.T) {
	e := startCloud(t, Options{Instances: 57, FailAfter: -1})
	list := func(query string) []string {
		var ids []string
		path := "/v2.1/servers/detail?all_tenants=1&limit=10" + query
		for pages := 0; path != ""; pages++ {
			if pages > 20 {
				t.Fatalf("%s: paging does not end", query)
			}
			var body struct {
				Servers []map[string]any    `json:"servers"`
				Links   []map[string]string `json:"servers_links"`
			}
			if code, _, raw := e.do("GET", "nova", path, "2.88", nil, &body); code != 200 {
				t.Fatalf("%s: %d %s", path, code, raw)
			}
			for _, s := range body.Servers {
				ids = append(ids, s["id"].(string))
			}
			path = ""
			for _, l := range body.Links {
				if l["rel"] == "next" {
					path = strings.TrimPrefix(l["href"], e.c.URLs["nova"])
				}
			}
		}
		return ids
	}
	def := list("")
	asc := list("&sort_key=uuid&sort_dir=asc")
	desc := list("&sort_key=uuid&sort_dir=desc")
	want := slices.Clone(def)
	slices.Sort(want)
	if len(def) != 57 || !slices.Equal(asc, want) {
		t.Fatalf("asc: %d servers, sorted %v\nwant %v", len(asc), slices.IsSorted(asc), want)
	}
	slices.Reverse(want)
	if !slices.Equal(desc, want) {
		t.Fatalf("desc: %v\nwant %v", desc, want)
	}
	// A marker in the middle: the servers after it in that direction.
	var body struct {
		Servers []map[string]any `json:"servers"`
	}
	e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1&limit=3&sort_key=uuid&sort_dir=desc&marker="+desc[20], "2.88", nil, &body)
	if len(body.Servers) != 3 || body.Servers[0]["id"] != desc[21] || body.Servers[2]["id"] != desc[23] {
		t.Fatalf("after marker %s: %v", desc[20], body.Servers)
	}
	for _, q := range []string{"&sort_key=display_name", "&sort_key=uuid&sort_dir=up", "&sort_dir=asc"} {
		if code, _, raw := e.do("GET", "nova", "/v2.1/servers/detail?all_tenants=1"+q, "2.88", nil, nil); code != 400 {
			t.Errorf("%s: %d %s, want 400", q, code, raw)
		}
	}
}
