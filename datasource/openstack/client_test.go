package openstack

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNegotiateMicroversion(t *testing.T) {
	for _, tc := range []struct{ max, want string }{
		{"2.93", "2.88"}, {"2.88", "2.88"}, {"2.60", "2.60"}, {"2.1", "2.1"}, {"", "2.1"},
	} {
		f := newFakeCloud(t, tc.max)
		c := f.client(t, false)
		if got := c.Microversion(); got != tc.want {
			t.Errorf("max %q: negotiated %s, want %s", tc.max, got, tc.want)
		}
		id := c.Identity()
		if id.ComputeMicroversion != tc.want || id.User != "admin" || id.Project != "admin" || id.Region != "RegionOne" {
			t.Errorf("identity %+v", id)
		}
		if !c.HasPlacement() || !c.HasNetwork() || !c.HasVolume() {
			t.Errorf("catalog endpoints missing: placement=%v network=%v volume=%v", c.HasPlacement(), c.HasNetwork(), c.HasVolume())
		}
		// Every compute request carries the negotiated microversion.
		if _, err := c.ComputeServices(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		rs := f.requests("GET", "/os-services")
		if len(rs) == 0 || rs[len(rs)-1].MV != tc.want {
			t.Errorf("os-services sent microversion %+v, want %s", rs, tc.want)
		}
	}
}

func TestServersMV21ResolvesFlavorAndProjectNames(t *testing.T) {
	f := newFakeCloud(t, "2.1")
	c := f.client(t, false)
	ss, err := c.Servers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 20 {
		t.Fatalf("got %d servers, want 20", len(ss))
	}
	// Names must match what 2.88 embeds for the same servers.
	want := map[string]string{}
	for _, s := range f.sampleServers("2.88") {
		want[s["id"].(string)] = s["flavor"].(map[string]any)["original_name"].(string)
	}
	on01 := 0
	for _, s := range ss {
		if s.FlavorID == "" || s.FlavorName != want[s.ID] {
			t.Errorf("server %s flavor %q/%q, want name %q", s.Name, s.FlavorID, s.FlavorName, want[s.ID])
		}
		if s.ProjectName != "proj-"+s.ProjectID[:6] {
			t.Errorf("server %s project name %q", s.Name, s.ProjectName)
		}
		if s.Host == "compute01" {
			on01++
		}
		if s.Status != "ACTIVE" || s.PowerState != 1 || s.Created.IsZero() || s.Deleted {
			t.Errorf("server %+v", s)
		}
	}
	if on01 != 11 {
		t.Errorf("%d servers on compute01, want 11 (smoke-output.txt)", on01)
	}
	q := f.requests("GET", "/servers/detail")[0].Query
	if !strings.Contains(q, "all_tenants=1") || !strings.Contains(q, "limit=") {
		t.Errorf("servers query %q lacks all_tenants/limit", q)
	}
}

func TestServersMV288EmbeddedFlavor(t *testing.T) {
	f := newFakeCloud(t, "2.93")
	c := f.client(t, false)
	ss, err := c.Servers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 20 {
		t.Fatalf("got %d servers", len(ss))
	}
	for _, s := range ss {
		if s.FlavorName == "" || s.ImageID == "" || s.VolumeBacked || s.Metadata["oslab"] != "seed" {
			t.Errorf("server %+v", s)
		}
	}
	if n := len(f.requests("GET", "/flavors")); n != 0 {
		t.Errorf("at 2.88 flavors are embedded, yet %d flavor lists were fetched", n)
	}
}

func TestProjectsForbiddenLeavesNamesEmpty(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /identity/v3/projects", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, []byte(`{"error": {"code": 403, "message": "You are not authorized to perform the requested action: identity:list_projects.", "title": "Forbidden"}}`))
	})
	c := f.client(t, false)
	ss, err := c.Servers(ctxT(t))
	if err != nil {
		t.Fatalf("a 403 on projects must not fail the server list: %v", err)
	}
	for _, s := range ss {
		if s.ProjectName != "" && s.ProjectID != c.Identity().ProjectID {
			t.Errorf("server %s got project name %q without project list", s.Name, s.ProjectName)
		}
	}
	perr := c.ProjectsError()
	if !errors.Is(perr, ErrForbidden) || !strings.Contains(perr.Error(), "identity:list_projects") {
		t.Errorf("ProjectsError = %v", perr)
	}

	// The user's own projects (/v3/auth/projects) still get names.
	f2 := newFakeCloud(t, "2.88")
	f2.on("GET /identity/v3/projects", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, []byte(`{"error": {"code": 403, "message": "You are not authorized to perform the requested action: identity:list_projects.", "title": "Forbidden"}}`))
	})
	own := f2.sampleServers("2.88")[0]["tenant_id"].(string)
	f2.on("GET /identity/v3/auth/projects", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"projects": []map[string]any{{"id": own, "name": "ops-alpha"}}})
	})
	c2 := f2.client(t, false)
	ss, err = c2.Servers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, s := range ss {
		switch {
		case s.ProjectID == own && s.ProjectName != "ops-alpha":
			t.Errorf("own project server %s named %q", s.Name, s.ProjectName)
		case s.ProjectID == own:
			named++
		case s.ProjectID == c2.Identity().ProjectID && s.ProjectName != "admin":
			t.Errorf("token project server %s named %q", s.Name, s.ProjectName)
		case s.ProjectID != c2.Identity().ProjectID && s.ProjectName != "":
			t.Errorf("foreign project server %s named %q", s.Name, s.ProjectName)
		}
	}
	if named == 0 {
		t.Error("no server of the own project")
	}
}

func TestComputeServicesBothMicroversions(t *testing.T) {
	for _, mv := range []string{"2.1", "2.88"} {
		f := newFakeCloud(t, mv)
		c := f.client(t, false)
		ss, err := c.ComputeServices(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 4 {
			t.Fatalf("%s: %d services", mv, len(ss))
		}
		var comp ComputeService
		for _, s := range ss {
			if s.Binary == "nova-compute" && s.Host == "compute01" {
				comp = s
			}
		}
		if comp.State != "up" || comp.Status != "enabled" || comp.Zone != "nova" || comp.UpdatedAt.IsZero() {
			t.Errorf("%s: compute01 %+v", mv, comp)
		}
		wantID := "3"
		if mv == "2.88" {
			wantID = "0b64c31b-aba4-488c-b43f-a479298abb41"
		}
		if comp.ID != wantID {
			t.Errorf("%s: id %q want %q", mv, comp.ID, wantID)
		}
	}
}

func TestForcedDownSample(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /compute/v2.1/os-services", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, readSample(t, "nova-os-services-mv2.88-forced-down.json"))
	})
	c := f.client(t, false)
	ss, err := c.ComputeServices(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range ss {
		if s.Host == "compute01" && s.Binary == "nova-compute" {
			found = true
			if !s.ForcedDown || s.Status != "disabled" || s.State != "down" || s.DisabledReason == "" {
				t.Errorf("compute01 forced down: %+v", s)
			}
		}
	}
	if !found {
		t.Fatal("compute01 missing")
	}
}

func TestHypervisorUsageNovaVersusPlacement(t *testing.T) {
	f21 := newFakeCloud(t, "2.1")
	old, err := f21.client(t, false).Hypervisors(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	f88 := newFakeCloud(t, "2.88")
	c88 := f88.client(t, false)
	if _, err := c88.Servers(ctxT(t)); err != nil { // VM counts come from the server list
		t.Fatal(err)
	}
	nw, err := c88.Hypervisors(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 2 || len(nw) != 2 {
		t.Fatalf("%d / %d hypervisors", len(old), len(nw))
	}
	for i := range old {
		o, n := old[i], nw[i]
		if o.UsageFrom != "nova" || n.UsageFrom != "placement" {
			t.Errorf("UsageFrom %q / %q", o.UsageFrom, n.UsageFrom)
		}
		if o.Hostname != n.Hostname || o.VCPUs != n.VCPUs || o.VCPUsUsed != n.VCPUsUsed || o.MemUsed != n.MemUsed || o.DiskUsed != n.DiskUsed || o.MemoryMB != n.MemoryMB {
			t.Errorf("usage differs:\n nova      %+v\n placement %+v", o, n)
		}
		if o.RunningVMs != n.RunningVMs {
			t.Errorf("%s running VMs nova %d, from the server list %d", o.Hostname, o.RunningVMs, n.RunningVMs)
		}
		if n.VCPUsCap != n.VCPUs*16 || n.MemoryCap != int(float64(n.MemoryMB-512)*1.5) {
			t.Errorf("capacity from allocation ratios: %+v", n)
		}
	}
	if old[0].VCPUsUsed != 14 || old[0].RunningVMs != 11 {
		t.Errorf("compute01 from sample: %+v", old[0])
	}
}

func TestHypervisorsWithoutPlacementSaysWhy(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /placement/resource_providers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, []byte(`{"errors": [{"status": 403, "title": "Forbidden", "detail": "Access was denied to this resource.\n\n Policy does not allow placement:resource_providers:list to be performed.  ", "request_id": "req-x"}]}`))
	})
	hv, err := f.client(t, false).Hypervisors(ctxT(t))
	if len(hv) != 2 {
		t.Fatalf("hypervisors should still be listed, got %d", len(hv))
	}
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "placement:resource_providers:list") || !strings.Contains(err.Error(), "placement") {
		t.Errorf("err = %v", err)
	}
	if hv[0].UsageFrom != "" {
		t.Errorf("usage claimed from %q", hv[0].UsageFrom)
	}
}

func TestMigrationsAgentsVolumeServices(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, false)
	ctx := ctxT(t)
	ms, err := c.Migrations(ctx, "compute01")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 11 {
		t.Errorf("%d evacuation migrations from compute01, want 11", len(ms))
	}
	for _, m := range ms {
		if m.Type != "evacuation" || m.Status != "done" || m.SourceCompute != "compute01" || m.DestCompute != "compute02" || m.InstanceID == "" {
			t.Errorf("migration %+v", m)
		}
	}
	if q := f.requests("GET", "/os-migrations")[0].Query; q != "host=compute01" {
		t.Errorf("query %q", q)
	}
	none, err := c.Migrations(ctx, "compute09")
	if err != nil || len(none) != 0 {
		t.Errorf("host filter must also apply on the client (ignored for non-admins): %d, %v", len(none), err)
	}

	ag, err := c.NetworkAgents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dead := 0
	for _, a := range ag {
		if !a.Alive {
			dead++
			if a.Host != "net02" || a.HeartbeatAt.IsZero() {
				t.Errorf("dead agent %+v", a)
			}
		}
	}
	if len(ag) != 3 || dead != 1 {
		t.Errorf("%d agents, %d dead", len(ag), dead)
	}
	vs, err := c.VolumeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[1].Host != "ctl01@fake" || vs[1].State != "up" {
		t.Errorf("cinder services %+v", vs)
	}
	acts, err := c.InstanceActions(ctx, "x")
	if err != nil || len(acts) != 2 || acts[0].Action != "evacuate" || acts[0].Message != "Error" {
		t.Errorf("actions %+v %v", acts, err)
	}
	vols, err := c.ServerVolumes(ctx, "2390fb4d-1693-45d7-b309-e29c4af16538")
	if err != nil || len(vols) != 1 || vols[0].Device != "/dev/vdb" {
		t.Errorf("volumes %+v %v", vols, err)
	}
	out, err := c.ConsoleLog(ctx, "x", 50)
	if err != nil || !strings.HasSuffix(out, "login: ") {
		t.Errorf("console %q %v", out, err)
	}
	if b := f.requests("POST", "/action"); len(b) != 1 || !strings.Contains(b[0].Body, `"length":50`) {
		t.Errorf("console request %+v", b)
	}
}

func TestReauthOnExpiredToken(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, false)
	if _, err := c.ComputeServices(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f.expireTokens()
	ss, err := c.ComputeServices(ctxT(t))
	if err != nil {
		t.Fatalf("expired token should re-authenticate by itself: %v", err)
	}
	if len(ss) != 4 {
		t.Errorf("%d services", len(ss))
	}
	f.mu.Lock()
	n := f.authCount
	f.mu.Unlock()
	if n != 2 {
		t.Errorf("authenticated %d times, want 2", n)
	}
}

func TestReauthFailsClearly(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, false)
	f.expireTokens()
	f.mu.Lock()
	f.password = "rotated"
	f.mu.Unlock()
	_, err := c.ComputeServices(ctxT(t))
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "auth failing: ") || !strings.Contains(err.Error(), "requires authentication") {
		t.Errorf("message %q", err)
	}
}

func TestBadPasswordAtStart(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.password = "other"
	hc, _ := httpclient.New(httpclient.Options{})
	_, err := New(ctxT(t), f.auth(), hc)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "authentication failed") || !strings.Contains(err.Error(), "requires authentication") {
		t.Errorf("err = %v", err)
	}
}

func TestReaderForbiddenKeepsNovaText(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /compute/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, sampleBody(t, "nova-servers-all-tenants-as-project-reader-403.txt"))
	})
	f.on("POST /compute/v2.1/servers/x/action", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-e15d17df")
		writeJSON(w, 403, sampleBody(t, "nova-reboot-as-reader-403.txt"))
	})
	c := f.client(t, false)
	_, err := c.Servers(ctxT(t))
	var ae *APIError
	if !errors.Is(err, ErrForbidden) || !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("err = %#v", err)
	}
	if ae.Message != "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed." {
		t.Errorf("message %q", ae.Message)
	}
	err = c.Reboot(ctxT(t), "x", false)
	if !errors.As(err, &ae) || ae.RequestID != "req-e15d17df" || !strings.Contains(err.Error(), "os_compute_api:servers:reboot to be performed. (request req-e15d17df)") {
		t.Errorf("reboot err = %v", err)
	}
}

func TestMalformedJSON(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /network/v2.0/agents", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`<html>502 Bad Gateway</html>`))
	})
	f.on("GET /compute/v2.1/os-services", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"services": [{"binary": "nova-compute", "host": `))
	})
	c := f.client(t, false)
	_, err := c.NetworkAgents(ctxT(t))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "neutron") || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("agents err = %v", err)
	}
	_, err = c.ComputeServices(ctxT(t))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "/os-services") {
		t.Errorf("services err = %v", err)
	}
	// A wrong type is malformed too.
	f.on("GET /volume/v3/969f005d8095493bbf1872183a3e35b5/os-services", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"services": {"binary": 1}}`))
	})
	if _, err = c.VolumeServices(ctxT(t)); !errors.Is(err, ErrMalformed) {
		t.Errorf("cinder err = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	f := newFakeCloud(t, "2.88")
	a := f.auth()
	a.Options.IdentityEndpoint = url + "/identity/v3"
	hc, _ := httpclient.New(httpclient.Options{Timeout: 5 * time.Second})
	_, err := New(ctxT(t), a, hc)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "keystone") {
		t.Errorf("New against a closed port: %v", err)
	}

	// Reachable at start, gone later.
	c := f.client(t, false)
	f.srv.CloseClientConnections()
	f.srv.Close()
	_, err = c.Servers(ctxT(t))
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "nova at "+f.srv.URL+" unreachable: connection refused") ||
		!strings.Contains(err.Error(), "(GET /compute/v2.1/servers/detail") || strings.Contains(err.Error(), "dial tcp") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Servers after close: %q", err)
	}
}

func TestTimeoutBoundedByContext(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	f.on("GET /compute/v2.1/os-hypervisors/detail", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	c := f.client(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Hypervisors(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("err = %v", err)
	}
}

func TestReadOnlyRefusesActionsAndSendsNothing(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	ctx := ctxT(t)
	// Reads work.
	if _, err := c.Servers(ctx); err != nil {
		t.Fatal(err)
	}
	acts := map[string]func() error{
		"disable":  func() error { return c.DisableService(ctx, "compute01", "maintenance") },
		"enable":   func() error { return c.EnableService(ctx, "compute01") },
		"force":    func() error { return c.ForceDown(ctx, "compute01", true) },
		"evacuate": func() error { return c.Evacuate(ctx, "x", "") },
		"live":     func() error { return c.LiveMigrate(ctx, "x", "") },
		"migrate":  func() error { return c.Migrate(ctx, "x") },
		"confirm":  func() error { return c.ConfirmResize(ctx, "x") },
		"reboot":   func() error { return c.Reboot(ctx, "x", true) },
		"start":    func() error { return c.Start(ctx, "x") },
		"stop":     func() error { return c.Stop(ctx, "x") },
		"reset":    func() error { return c.ResetState(ctx, "x", "active") },
	}
	for name, fn := range acts {
		if err := fn(); !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s: want ErrReadOnly, got %v", name, err)
		}
	}
	err := c.Reboot(ctx, "x", false)
	if want := "nova: refused: read-only session: POST /compute/v2.1/servers/x/action"; err == nil || err.Error() != want {
		t.Errorf("read-only message %q, want %q", err, want)
	}
	for _, r := range f.requests("", "") {
		if !httpclient.ReadOnlyAllowed(r.Method, r.Path) {
			t.Errorf("read-only session sent %s %s", r.Method, r.Path)
		}
	}
}

func TestServiceActionsByMicroversion(t *testing.T) {
	// 2.53+: service UUID in the URL.
	f := newFakeCloud(t, "2.88")
	c := f.client(t, false)
	ctx := ctxT(t)
	if err := c.DisableService(ctx, "compute01", "fenced: PSU"); err != nil {
		t.Fatal(err)
	}
	if err := c.ForceDown(ctx, "compute01", true); err != nil {
		t.Fatal(err)
	}
	if err := c.EnableService(ctx, "compute01"); err != nil {
		t.Fatal(err)
	}
	puts := f.requests("PUT", "/os-services/")
	want := []string{`{"disabled_reason":"fenced: PSU","status":"disabled"}`, `{"forced_down":true}`, `{"status":"enabled"}`}
	if len(puts) != 3 {
		t.Fatalf("PUTs %+v", puts)
	}
	for i, p := range puts {
		if p.Path != "/compute/v2.1/os-services/0b64c31b-aba4-488c-b43f-a479298abb41" || p.Body != want[i] {
			t.Errorf("PUT %d: %s %s, want body %s", i, p.Path, p.Body, want[i])
		}
	}
	if err := c.DisableService(ctx, "compute77", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: %v", err)
	}

	// 2.11..2.52: legacy host+binary URLs.
	f = newFakeCloud(t, "2.25")
	c = f.client(t, false)
	if err := c.ForceDown(ctx, "compute01", false); err != nil {
		t.Fatal(err)
	}
	if err := c.DisableService(ctx, "compute01", "why"); err != nil {
		t.Fatal(err)
	}
	puts = f.requests("PUT", "/os-services/")
	if len(puts) != 2 || puts[0].Path != "/compute/v2.1/os-services/force-down" ||
		!jsonEq(puts[0].Body, `{"host":"compute01","binary":"nova-compute","forced_down":false}`) ||
		puts[1].Path != "/compute/v2.1/os-services/disable-log-reason" ||
		!jsonEq(puts[1].Body, `{"host":"compute01","binary":"nova-compute","disabled_reason":"why"}`) {
		t.Errorf("legacy PUTs %+v", puts)
	}

	// 2.1: force-down needs 2.11.
	f = newFakeCloud(t, "2.1")
	c = f.client(t, false)
	err := c.ForceDown(ctx, "compute01", true)
	var me *MicroversionError
	if !errors.Is(err, ErrMicroversion) || !errors.As(err, &me) || me.Need != "2.11" || !strings.Contains(err.Error(), "force-down needs Nova API microversion >= 2.11") || !strings.Contains(err.Error(), "at most 2.1") {
		t.Errorf("err = %v", err)
	}
	if n := len(f.requests("PUT", "")); n != 0 {
		t.Errorf("sent %d PUTs despite missing microversion", n)
	}
}

func jsonEq(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestServerActionBodies(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, false)
	ctx := ctxT(t)
	steps := []struct {
		run  func() error
		body string
	}{
		{func() error { return c.Evacuate(ctx, "s1", "compute02") }, `{"evacuate":{"host":"compute02"}}`},
		{func() error { return c.Evacuate(ctx, "s1", "") }, `{"evacuate":{}}`},
		{func() error { return c.LiveMigrate(ctx, "s1", "") }, `{"os-migrateLive":{"block_migration":"auto","host":null}}`},
		{func() error { return c.LiveMigrate(ctx, "s1", "compute02") }, `{"os-migrateLive":{"block_migration":"auto","host":"compute02"}}`},
		{func() error { return c.Migrate(ctx, "s1") }, `{"migrate":null}`},
		{func() error { return c.ConfirmResize(ctx, "s1") }, `{"confirmResize":null}`},
		{func() error { return c.Reboot(ctx, "s1", false) }, `{"reboot":{"type":"SOFT"}}`},
		{func() error { return c.Reboot(ctx, "s1", true) }, `{"reboot":{"type":"HARD"}}`},
		{func() error { return c.Start(ctx, "s1") }, `{"os-start":null}`},
		{func() error { return c.Stop(ctx, "s1") }, `{"os-stop":null}`},
		{func() error { return c.ResetState(ctx, "s1", "Active") }, `{"os-resetState":{"state":"active"}}`},
	}
	for i, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		rs := f.requests("POST", "/servers/s1/action")
		if got := rs[len(rs)-1]; !jsonEq(got.Body, s.body) || got.MV != "2.88" {
			t.Errorf("step %d sent %s (mv %s), want %s", i, got.Body, got.MV, s.body)
		}
	}
	if err := c.ResetState(ctx, "s1", "deleted"); err == nil {
		t.Error("reset-state to an invalid state must be refused locally")
	}
	// Old clouds: block_migration false + disk_over_commit, onSharedStorage.
	f = newFakeCloud(t, "2.11")
	c = f.client(t, false)
	if err := c.LiveMigrate(ctx, "s2", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Evacuate(ctx, "s2", ""); err != nil {
		t.Fatal(err)
	}
	rs := f.requests("POST", "/servers/s2/action")
	if !jsonEq(rs[0].Body, `{"os-migrateLive":{"block_migration":false,"disk_over_commit":false,"host":null}}`) ||
		!jsonEq(rs[1].Body, `{"evacuate":{"onSharedStorage":false}}`) {
		t.Errorf("old-microversion bodies %+v", rs)
	}
}

func TestNovaRefusalTextUnchanged(t *testing.T) {
	const forceUp = "Unable to force up host compute01 as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request."
	f := newFakeCloud(t, "2.88")
	f.on("PUT /compute/v2.1/os-services/0b64c31b-aba4-488c-b43f-a479298abb41", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]any{"badRequest": map[string]any{"code": 400, "message": forceUp}})
		writeJSON(w, 400, b)
	})
	f.on("POST /compute/v2.1/servers/up1/action", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "Compute service of compute02 is still in use."}}`))
	})
	f.on("POST /compute/v2.1/servers/busy/action", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 409, []byte(`{"conflictingRequest": {"code": 409, "message": "Cannot 'os-migrateLive' instance busy while it is in task_state migrating"}}`))
	})
	c := f.client(t, false)
	ctx := ctxT(t)
	err := c.ForceDown(ctx, "compute01", false)
	var ae *APIError
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &ae) || ae.Message != forceUp || !strings.Contains(err.Error(), forceUp) {
		t.Errorf("force up: %v", err)
	}
	if err := c.Evacuate(ctx, "up1", ""); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "is still in use") {
		t.Errorf("evacuate up host: %v", err)
	}
	if err := c.LiveMigrate(ctx, "busy", ""); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "task_state migrating") || !strings.Contains(err.Error(), "HTTP 409") {
		t.Errorf("live migrate busy: %v", err)
	}
}

func TestServerCacheIncremental(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 1200)
	c := f.client(t, false)
	c.PageSize = 500
	sc := NewServerCache(c)
	ctx := ctxT(t)
	list, err := sc.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1200 || !sc.Stats().Full {
		t.Fatalf("first refresh: %d servers, stats %+v", len(list), sc.Stats())
	}
	// From both ends: 500 from each, then the pages each asked for
	// ahead before it knew the other had read past 700.
	if n := len(f.requests("GET", "/servers/detail")); n < 3 || n > 6 {
		t.Errorf("1200 servers at limit 500 took %d pages, want 3 to 6", n)
	}
	fullBytes := sc.Stats().Bytes
	ids := f.synth.liveIDs()
	first := list
	firstHost := map[string]string{}
	for _, s := range first {
		firstHost[s.ID] = s.Host
	}

	f.synth.advance(10 * time.Second)
	f.synth.change(ids[7], "compute05", "MIGRATING")
	f.synth.delete(ids[8])
	newID := f.synth.create("compute02")
	f.synth.advance(10 * time.Second)

	list, err = sc.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Stats()
	if st.Full || st.Changed != 3 || st.Deleted != 1 {
		t.Errorf("incremental stats %+v", st)
	}
	rs := f.requests("GET", "/servers/detail")
	last := rs[len(rs)-1]
	if !strings.Contains(last.Query, "changes-since=2026-11-22T12%3A59%3A") || !strings.Contains(last.Query, "all_tenants=1") {
		t.Errorf("incremental query %q", last.Query)
	}
	if len(list) != 1200 {
		t.Errorf("after 1 delete + 1 create: %d servers", len(list))
	}
	got := map[string]Server{}
	for _, s := range list {
		got[s.ID] = s
	}
	if s := got[ids[7]]; s.Host != "compute05" || s.Status != "MIGRATING" {
		t.Errorf("changed server %+v", s)
	}
	if _, ok := got[ids[8]]; ok {
		t.Error("deleted server still listed")
	}
	if _, ok := got[newID]; !ok {
		t.Error("new server missing")
	}
	for _, s := range first {
		if s.Host != firstHost[s.ID] {
			t.Fatalf("a refresh modified a slice returned earlier (%s: %s -> %s)", s.ID, firstHost[s.ID], s.Host)
		}
	}
	if st.Bytes*100 >= fullBytes {
		t.Errorf("incremental refresh read %d bytes, full %d: not < 1%%", st.Bytes, fullBytes)
	}
	// Same set as a fresh full list.
	fresh, err := c.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, b := idsOf(fresh), idsOf(list)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("merged cache differs from a full list")
	}
	// Within the overlap window the same changes come back (merged, no
	// duplicates); once past it, an idle cloud returns nothing.
	f.synth.advance(10 * time.Second)
	if list2, err := sc.Refresh(ctx); err != nil || len(list2) != 1200 || sc.Stats().Changed != 3 {
		t.Errorf("refresh within the overlap: %d, %+v, %v", len(list2), sc.Stats(), err)
	}
	f.synth.advance(DefaultOverlap + 10*time.Second)
	if _, err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	f.synth.advance(10 * time.Second)
	if list2, err := sc.Refresh(ctx); err != nil || len(list2) != 1200 || sc.Stats().Changed != 0 {
		t.Errorf("idle refresh: %d, %+v, %v", len(list2), sc.Stats(), err)
	}
	// Invalidate forces a full list.
	sc.Invalidate()
	if _, err := sc.Refresh(ctx); err != nil || !sc.Stats().Full {
		t.Errorf("after Invalidate: %+v %v", sc.Stats(), err)
	}
}

func TestServerCacheKeepsDataOnError(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 30)
	c := f.client(t, false)
	sc := NewServerCache(c)
	if _, err := sc.Refresh(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f.on("GET /compute/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, []byte(`<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>`))
	})
	_, err := sc.Refresh(ctxT(t))
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), `HTTP 503: HTML page "503 Service Unavailable"`) {
		t.Errorf("err = %v", err)
	}
	if n := len(sc.Servers()); n != 30 {
		t.Errorf("cache lost its data: %d", n)
	}
}

func idsOf(ss []Server) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	sort.Strings(out)
	return out
}

func TestIdentityFromReaderToken(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.tokenBody = "keystone-token-response-body-reader.json"
	c := f.client(t, true)
	id := c.Identity()
	if id.User != "auditor" || id.Project != "admin" || len(id.Roles) != 1 || id.Roles[0] != "reader" || id.ProjectID == "" {
		t.Errorf("identity %+v", id)
	}
}

// Nova caps the page size at its max_limit and signals more with a "next"
// link; the client must follow it even though the page is shorter than the
// limit it asked for.
func TestServersFollowNextLinkBelowRequestedLimit(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 25)
	f.synth.maxLimit = 10
	c := f.client(t, true)
	c.oneEnd = true // one stream: the pages it asks for are known
	ss, err := c.Servers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 25 {
		t.Errorf("got %d servers, want 25", len(ss))
	}
	rs := f.requests("GET", "/servers/detail")
	if len(rs) != 3 || !strings.Contains(rs[1].Query, "marker=00000000-0000-4000-8000-000000000010") {
		t.Errorf("pages %+v", rs)
	}
	if got := strings.Join(idsOf(ss), ","); got != strings.Join(f.synth.liveIDs(), ",") {
		t.Error("paged list differs from the server set")
	}
}

func TestServersStopsWhenPagingDoesNotAdvance(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /compute/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request) {
		// A broken proxy that drops the query: the same page forever.
		writeJSON(w, 200, []byte(`{"servers": [{"id": "a"}, {"id": "b"}], "servers_links": [{"rel": "next", "href": "http://x/v2.1/servers/detail?marker=b"}]}`))
	})
	c := f.client(t, true)
	_, err := c.Servers(ctxT(t))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "did not advance") {
		t.Errorf("err = %v", err)
	}
	// Two per stream of a list read from both ends; when the first pages
	// look unsorted, two more in Nova's default order.
	if n := len(f.requests("GET", "/servers/detail")); n < 2 || n > 6 {
		t.Errorf("%d requests, want 2 to 6", n)
	}
}

func TestLazyClientRecoversFromTransientFailure(t *testing.T) {
	old := ConnectRetry
	ConnectRetry = 0
	t.Cleanup(func() { ConnectRetry = old })
	f := newFakeCloud(t, "2.88")
	f.on("POST /identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, []byte(`<html><body><h1>503 Service Unavailable</h1></body></html>`))
	})
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Microversion() != "" || c.AtLeast("2.1") || c.Identity().User != "admin" {
		t.Errorf("before connecting: mv %q, identity %+v", c.Microversion(), c.Identity())
	}
	if _, err := c.Servers(ctxT(t)); !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("keystone down: %v", err)
	}
	if err := c.Require("2.11", "force-down"); !errors.Is(err, ErrServer) {
		t.Errorf("Require before connecting: %v", err)
	}
	f.on("POST /identity/v3/auth/tokens", nil) // Keystone is back
	ss, err := c.Servers(ctxT(t))
	if err != nil || len(ss) != 20 {
		t.Fatalf("after recovery: %d, %v", len(ss), err)
	}
	if c.Microversion() != "2.88" || !c.HasPlacement() {
		t.Errorf("after recovery: mv %q", c.Microversion())
	}
}

func TestLazyClientDoesNotRetryBadCredentials(t *testing.T) {
	old := ConnectRetry
	ConnectRetry = 0
	t.Cleanup(func() { ConnectRetry = old })
	f := newFakeCloud(t, "2.88")
	f.password = "other"
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.ComputeServices(ctxT(t)); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	f.mu.Lock()
	n := f.authCount
	f.mu.Unlock()
	if n != 1 {
		t.Errorf("a wrong password was sent to Keystone %d times, want once", n)
	}
	// ctrl+r tries once more, counted in the window: 3 in all.
	for i := 0; i < 4; i++ {
		c.RetryAuthNow()
		_, _ = c.ComputeServices(ctxT(t))
	}
	f.mu.Lock()
	n = f.authCount
	f.mu.Unlock()
	if n != ReauthWindowMax {
		t.Errorf("after 4 ctrl+r: %d password attempts, want %d", n, ReauthWindowMax)
	}
	// The password is fixed and the window has room again: ctrl+r connects.
	f.mu.Lock()
	f.password = "secret"
	f.mu.Unlock()
	c.gate.now = func() time.Time { return time.Now().Add(ReauthWindow) }
	c.RetryAuthNow()
	if _, err := c.ComputeServices(ctxT(t)); err != nil {
		t.Fatalf("ctrl+r with the right password: %v", err)
	}
}

func TestServersOnHost(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	// The fake ignores the host filter, as Nova does for non-admins.
	ss, err := c.ServersOnHost(ctxT(t), "compute01")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 11 {
		t.Errorf("%d servers on compute01, want 11", len(ss))
	}
	for _, s := range ss {
		if s.Host != "compute01" {
			t.Errorf("server %s on %s", s.Name, s.Host)
		}
	}
	if q := f.requests("GET", "/servers/detail")[0].Query; !strings.Contains(q, "host=compute01") {
		t.Errorf("query %q lacks the host filter", q)
	}
}

func TestServerByIDAndMigrationsOfServer(t *testing.T) {
	f := newFakeCloud(t, "2.1")
	c := f.client(t, true)
	ctx := ctxT(t)
	id := f.sampleServers("2.1")[0]["id"].(string)
	s, err := c.Server(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != id || s.FlavorName != "m1.medium" || s.ProjectName == "" || s.Host != "compute01" {
		t.Errorf("server %+v", s)
	}
	_, err = c.Server(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "Instance nope could not be found.") {
		t.Errorf("missing server: %v", err)
	}
	ms, err := c.ServerMigrations(ctx, "b5bf1804-e91d-4a78-aba2-d2600e1fee10")
	if err != nil || len(ms) != 1 || ms[0].Type != "evacuation" || ms[0].UUID != "02892b4a-0ff4-41c8-baed-e23c624316d3" {
		t.Errorf("server migrations %+v %v", ms, err)
	}
	if q := f.requests("GET", "/os-migrations")[0].Query; q != "instance_uuid=b5bf1804-e91d-4a78-aba2-d2600e1fee10" {
		t.Errorf("query %q", q)
	}
}

func TestServersChangedSinceReportsDeleted(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 40)
	c := f.client(t, true)
	ids := f.synth.liveIDs()
	f.synth.mu.Lock()
	since := f.synth.now
	f.synth.mu.Unlock()
	f.synth.advance(time.Second)
	f.synth.delete(ids[3])
	f.synth.change(ids[4], "compute06", "SHUTOFF")
	ss, err := c.ServersChangedSince(ctxT(t), since)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 {
		t.Fatalf("%d changed servers, want 2", len(ss))
	}
	for _, s := range ss {
		switch s.ID {
		case ids[3]:
			if !s.Deleted || s.Status != "DELETED" {
				t.Errorf("deleted server %+v", s)
			}
		case ids[4]:
			if s.Deleted || s.Status != "SHUTOFF" || s.Host != "compute06" {
				t.Errorf("changed server %+v", s)
			}
		default:
			t.Errorf("unexpected %s", s.ID)
		}
	}
	if q := f.requests("GET", "/servers/detail")[0].Query; !strings.Contains(q, "changes-since=2026-11-22T13%3A00%3A00Z") {
		t.Errorf("query %q", q)
	}
}

func TestVersionDocURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:8774/v2.1/":               "http://h:8774/v2.1/",
		"http://h:8774/v2.1/4f1b9a2c/":      "http://h:8774/v2.1/",
		"https://api.example/compute/v2.1/": "https://api.example/compute/v2.1/",
		"http://h:8774/v2/4f1b9a2c/":        "http://h:8774/v2.1/",
		"https://api.example/compute/":      "https://api.example/compute/",
	} {
		if got := versionDocURL(in); got != want {
			t.Errorf("versionDocURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTLSFromCloudKeepsGuard(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	a := (&fakeCloud{}).authFor("http://x/v3")
	a.TLS = &tls.Config{ServerName: "keystone.example"} //nolint:gosec // test
	got := withTLS(hc, a)
	g, ok := got.Transport.(*httpclient.Guard)
	if !ok || !g.ReadOnly {
		t.Fatalf("guard lost: %#v", got.Transport)
	}
	tr := httpclient.Transport(got)
	if tr == nil || tr.TLSClientConfig == nil || tr.TLSClientConfig.ServerName != "keystone.example" {
		t.Errorf("TLS not applied: %#v", g.Base)
	}
	if tc := httpclient.Transport(hc).TLSClientConfig; tc != nil && tc.ServerName != "" {
		t.Error("the caller's client was modified")
	}
}

// Nova does the reboot and the connection drops before its 202: the error
// says "outcome unknown" (errors.Is through gophercloud), not unreachable.
func TestLostReplyIsReplyLostThroughGophercloud(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	var did atomic.Int32
	f.on("POST /compute/v2.1/servers/x/action", func(w http.ResponseWriter, r *http.Request) {
		did.Add(1)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	})
	c := f.client(t, false)
	err := c.Reboot(ctxT(t), "x", false)
	if !errors.Is(err, httpclient.ErrReplyLost) || errors.Is(err, ErrUnreachable) || did.Load() != 1 {
		t.Fatalf("err %v (reboots done: %d)", err, did.Load())
	}
	if !strings.Contains(err.Error(), "nova at http://127.0.0.1") || !strings.Contains(err.Error(), "reply lost (outcome unknown)") {
		t.Fatalf("message %q", err)
	}
}

// Prewarm connects in the background: Keystone has the token request
// before any call, the call after it sends no second one, and a refused
// password reaches that call as Connect's own error, sent once.
func TestPrewarmConnectsOnceAndKeepsItsError(t *testing.T) {
	authCount := func(f *fakeCloud) int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.authCount
	}
	waitAuth := func(f *fakeCloud) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); authCount(f) == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatal("Prewarm did not ask Keystone")
			}
		}
	}
	f := newFakeCloud(t, "2.88")
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	c.Prewarm(10 * time.Second)
	waitAuth(f)
	if ss, err := c.Servers(ctxT(t)); err != nil || len(ss) != 20 {
		t.Fatalf("after Prewarm: %d servers, %v", len(ss), err)
	}
	if n := authCount(f); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}

	bad := newFakeCloud(t, "2.88")
	bad.password = "other"
	c, err = NewLazy(bad.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	c.Prewarm(10 * time.Second)
	waitAuth(bad)
	for i := 0; i < 2; i++ {
		if _, err := c.Servers(ctxT(t)); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "authentication failed") {
			t.Fatalf("call %d after a refused Prewarm: %v", i, err)
		}
	}
	if n := authCount(bad); n != 1 {
		t.Errorf("a wrong password was sent %d times, want once", n)
	}
}

// Prewarm also loads the flavor and project names (below 2.47 Nova has no
// flavor names in a server): the first list finds them, or waits for the
// load in flight, and asks for neither again.
func TestPrewarmLoadsNamesOnce(t *testing.T) {
	f := newFakeCloud(t, "2.1")
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	c.Prewarm(10 * time.Second)
	for end := time.Now().Add(10 * time.Second); len(f.requests("GET", "/projects")) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("Prewarm did not load the project names")
		}
	}
	ss, err := c.Servers(ctxT(t))
	if err != nil || len(ss) != 20 {
		t.Fatalf("%d servers, %v", len(ss), err)
	}
	for _, s := range ss {
		if s.ProjectName == "" || s.FlavorName == "" {
			t.Fatalf("server %s without names: %q %q", s.Name, s.ProjectName, s.FlavorName)
		}
	}
	if p, fl := len(f.requests("GET", "/projects")), len(f.requests("GET", "/flavors")); p != 1 || fl != 1 {
		t.Errorf("%d project and %d flavor lists, want 1 each", p, fl)
	}
}

// At a start (Prewarm), a whole list's first page is asked beside the
// version document with the preferred microversion: kept when the cloud
// has it (the list does not ask it again), asked again with the cloud's
// own when it has not.
func TestPrewarmAsksTheFirstPageBesideTheVersionDocument(t *testing.T) {
	firstPages := func(f *fakeCloud) []fakeReq {
		var out []fakeReq
		for _, r := range f.requests("GET", "/servers/detail") {
			if strings.Contains(r.Query, "limit=100") && strings.Contains(r.Query, "sort_dir=asc") && !strings.Contains(r.Query, "marker") {
				out = append(out, r)
			}
		}
		return out
	}
	for _, tc := range []struct {
		maxMV string
		want  []string // the first page's microversions, in order
	}{
		{"2.88", []string{"2.88"}},
		{"2.96", []string{"2.88"}},
		{"2.60", []string{"2.88", "2.60"}},
	} {
		f := newFakeCloud(t, tc.maxMV)
		hc, _ := httpclient.New(httpclient.Options{})
		c, err := NewLazy(f.auth(), hc)
		if err != nil {
			t.Fatal(err)
		}
		c.Prewarm(10 * time.Second)
		pages := 0
		ss, err := c.ServersPaged(ctxT(t), time.Time{}, func([]Server) { pages++ })
		if err != nil || len(ss) != 20 || pages == 0 {
			t.Fatalf("max %s: %d servers in %d pages, %v", tc.maxMV, len(ss), pages, err)
		}
		var mvs []string
		for _, r := range firstPages(f) {
			mvs = append(mvs, r.MV)
		}
		if !slices.Equal(mvs, tc.want) {
			t.Errorf("max %s: first page asked with %v, want %v", tc.maxMV, mvs, tc.want)
		}
		if c.Microversion() != min(tc.maxMV, PreferredMicroversion) {
			t.Errorf("max %s: microversion %s", tc.maxMV, c.Microversion())
		}
	}
}

// TestUnusedPrefetchIsDropped: a first page asked at the start that no
// list takes (another pane on screen) gives its buffer back once stale,
// instead of being kept for the life of the client.
func TestUnusedPrefetchIsDropped(t *testing.T) {
	defer func(d time.Duration) { prefetchFresh = d }(prefetchFresh)
	prefetchFresh = 100 * time.Millisecond
	f := newFakeCloud(t, "2.88")
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	c.Prewarm(10 * time.Second)
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	c.pfMu.Lock()
	kept := c.pf != nil
	c.pfMu.Unlock()
	if !kept {
		t.Fatal("no first page kept after connecting")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.pfMu.Lock()
		pf := c.pf
		c.pfMu.Unlock()
		if pf == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an unused first page was still kept 5 s after it was stale")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// At a start (Prewarm), the project names (which the first rows wait for)
// are asked beside the first page, not once it came: the page's answer
// here waits for the names' request.
func TestPrewarmAsksNamesBesideTheFirstPage(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	seen := make(chan bool, 4)
	f.on("GET /compute/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" && r.URL.Query().Get("limit") == "100" {
			asked := false
			for end := time.Now().Add(2 * time.Second); !asked && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
				asked = len(f.requests("GET", "/projects")) > 0
			}
			seen <- asked
		}
		writeJSON(w, 200, readSample(f.t, "nova-servers-detail-all-tenants-mv2.88.json"))
	})
	hc, _ := httpclient.New(httpclient.Options{})
	c, err := NewLazy(f.auth(), hc)
	if err != nil {
		t.Fatal(err)
	}
	c.Prewarm(10 * time.Second)
	ss, err := c.ServersPaged(ctxT(t), time.Time{}, func([]Server) {})
	if err != nil || len(ss) != 20 {
		t.Fatalf("%d servers, %v", len(ss), err)
	}
	if !<-seen {
		t.Error("the project names were not asked before the first page came")
	}
	for _, s := range ss {
		if s.ProjectName == "" {
			t.Fatalf("server %s without its project's name", s.Name)
		}
	}
	if n := len(f.requests("GET", "/projects")); n != 1 {
		t.Errorf("%d project lists, want 1", n)
	}
}
