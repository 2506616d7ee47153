package openstack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
)

// fakeClock drives the demo story's time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func startDemo(t *testing.T, o demo.Options) (*demo.Cloud, *fakeClock) {
	t.Helper()
	// The story clock starts at real time: Nova's Date header (real clock)
	// and updated_at (story clock) must agree, as on a real cloud.
	clk := &fakeClock{t: time.Now()}
	o.Now = clk.Now
	c, err := demo.Start(demo.StartOptions{Story: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, clk
}

func demoClient(t *testing.T, c *demo.Cloud, readOnly bool) *openstack.Client {
	t.Helper()
	cfg := c.Config()
	auth, err := config.ResolveAuth("demo", "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	oc, err := openstack.New(ctx, auth, hc)
	if err != nil {
		t.Fatalf("New against the demo: %v", err)
	}
	return oc
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDemoServersMatchStory(t *testing.T) {
	c, _ := startDemo(t, demo.Options{Instances: 2300, FailAfter: -1})
	oc := demoClient(t, c, true)
	if oc.Microversion() != openstack.PreferredMicroversion {
		t.Errorf("negotiated %s against the demo", oc.Microversion())
	}
	ss, err := oc.Servers(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ name, host, project, flavor, status string }
	exp := map[string]want{}
	c.Story.Lock(func() {
		for _, in := range c.Story.Instances {
			if in.Deleted {
				continue
			}
			exp[in.ID] = want{in.Name, in.Host, c.Story.Project(in.ProjectID).Name, c.Story.Flavor(in.FlavorID).Name, in.Status}
		}
	})
	if len(ss) != len(exp) {
		t.Fatalf("got %d servers, story has %d (pagination at 1000?)", len(ss), len(exp))
	}
	for _, s := range ss {
		w, ok := exp[s.ID]
		got := want{s.Name, s.Host, s.ProjectName, s.FlavorName, s.Status}
		if !ok || got != w {
			t.Errorf("server %s: got %+v want %+v", s.ID, got, w)
			break
		}
	}
	if len(c.Mutations()) != 0 {
		t.Errorf("reads sent mutations: %+v", c.Mutations())
	}
}

func TestDemoReadsComputeHosts(t *testing.T) {
	c, clk := startDemo(t, demo.Options{})
	oc := demoClient(t, c, true)
	ctx := tctx(t)
	svcs, err := oc.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	computes := 0
	for _, s := range svcs {
		if s.Binary == "nova-compute" {
			computes++
			if s.State != "up" || s.ID == "" {
				t.Errorf("at start %+v", s)
			}
		}
	}
	if computes != 6 {
		t.Errorf("%d nova-compute services", computes)
	}
	// VM counts come from the server list the client has read (no
	// with_servers): unknown before it, right after it.
	hv, err := oc.Hypervisors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hv) != 6 || hv[0].RunningVMs != -1 {
		t.Fatalf("before any server list: %d hypervisors, %d VMs on the first (want -1: unknown)", len(hv), hv[0].RunningVMs)
	}
	if _, err := oc.Servers(ctx); err != nil {
		t.Fatal(err)
	}
	hv, err = oc.Hypervisors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hv) != 6 {
		t.Fatalf("%d hypervisors", len(hv))
	}
	perHost := map[string]int{}
	c.Story.Lock(func() {
		for _, in := range c.Story.Instances {
			if !in.Deleted {
				perHost[in.Host]++
			}
		}
	})
	for _, h := range hv {
		if h.UsageFrom != "placement" || h.RunningVMs != perHost[h.Hostname] || h.VCPUsUsed == 0 || h.VCPUs == 0 || h.MemUsed == 0 {
			t.Errorf("hypervisor %s: %d VMs (story %d), usage from %q, vcpu %d/%d", h.Hostname, h.RunningVMs, perHost[h.Hostname], h.UsageFrom, h.VCPUsUsed, h.VCPUs)
		}
	}
	deadAgents := func() map[string]bool {
		ag, err := oc.NetworkAgents(ctx)
		if err != nil || len(ag) == 0 {
			t.Fatalf("agents: %d, %v", len(ag), err)
		}
		out := map[string]bool{}
		for _, a := range ag {
			if !a.Alive {
				out[a.Host] = true
			}
		}
		return out
	}
	if d := deadAgents(); len(d) != 0 {
		t.Errorf("dead agents at start: %v", d)
	}
	vs, err := oc.VolumeServices(ctx)
	if err != nil || len(vs) == 0 {
		t.Fatalf("cinder services: %d, %v", len(vs), err)
	}

	// compute04 loses power 45 s in; after the heartbeat timeout it is down.
	clk.Add(46 * time.Second)
	if _, err := oc.ComputeServices(ctx); err != nil { // the story moves on requests
		t.Fatal(err)
	}
	clk.Add(demo.HeartbeatTimeout + 5*time.Second)
	svcs, err = oc.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs {
		if s.Binary == "nova-compute" && (s.Host == "compute04") != (s.State == "down") {
			t.Errorf("after the failure: %s %s", s.Host, s.State)
		}
	}
	if d := deadAgents(); len(d) != 1 || !d["compute04"] {
		t.Errorf("dead agents after the failure: %v", d)
	}
}

// TestDemoEvacuateFlow runs the recovery procedure through the datasource:
// evacuating an up host is refused with Nova's text; disable + force-down,
// evacuate each instance, the cache sees them move; force-up is refused
// until nova-compute restarts.
func TestDemoEvacuateFlow(t *testing.T) {
	c, clk := startDemo(t, demo.Options{FailAfter: -1})
	oc := demoClient(t, c, false)
	ctx := tctx(t)
	cache := openstack.NewServerCache(oc)
	all, err := cache.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var on03 []string
	for _, s := range all {
		if s.Host == "compute03" && s.Status == "ACTIVE" {
			on03 = append(on03, s.ID)
		}
	}
	onHost, err := oc.ServersOnHost(ctx, "compute03")
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, s := range onHost {
		if s.Host != "compute03" {
			t.Errorf("ServersOnHost(compute03) returned %s on %s", s.Name, s.Host)
		}
		if s.Status == "ACTIVE" {
			active++
		}
	}
	if active != len(on03) {
		t.Errorf("ServersOnHost: %d active, full list says %d", active, len(on03))
	}
	if len(on03) == 0 {
		t.Fatal("no instances on compute03")
	}
	err = oc.Evacuate(ctx, on03[0], "")
	if !errors.Is(err, openstack.ErrBadRequest) || !strings.Contains(err.Error(), "still in use") {
		t.Fatalf("evacuating from an up host: %v", err)
	}
	if err := oc.DisableService(ctx, "compute03", "fenced for test"); err != nil {
		t.Fatal(err)
	}
	if err := oc.ForceDown(ctx, "compute03", true); err != nil {
		t.Fatal(err)
	}
	for _, id := range on03 {
		if err := oc.Evacuate(ctx, id, ""); err != nil {
			t.Fatalf("evacuate %s: %v", id, err)
		}
	}
	for i := 0; i < 20; i++ { // the story advances step by step on requests
		clk.Add(time.Second)
		if _, err := oc.ComputeServices(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := cache.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := cache.Stats()
	if st.Full || st.Changed < len(on03) {
		t.Errorf("refresh after evacuation: %+v (want incremental with >= %d changes)", st, len(on03))
	}
	moved := map[string]bool{}
	for _, id := range on03 {
		moved[id] = true
	}
	for _, s := range after {
		if moved[s.ID] && (s.Host == "compute03" || s.Host == "") {
			t.Errorf("%s still on %q (%s/%s)", s.Name, s.Host, s.Status, s.TaskState)
		}
	}
	ms, err := oc.Migrations(ctx, "compute03")
	if err != nil {
		t.Fatal(err)
	}
	evac := 0
	for _, m := range ms {
		if m.Type == "evacuation" {
			evac++
		}
	}
	if evac != len(on03) {
		t.Errorf("%d evacuation migrations, want %d", evac, len(on03))
	}
	svcs, err := oc.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs {
		if s.Host == "compute03" && s.Binary == "nova-compute" {
			if !s.ForcedDown || s.Status != "disabled" || s.DisabledReason != "fenced for test" {
				t.Errorf("compute03 service %+v", s)
			}
		}
	}
	// The real trap: force-up refused while `done` evacuation records remain.
	err = oc.ForceDown(ctx, "compute03", false)
	if !errors.Is(err, openstack.ErrBadRequest) || !strings.Contains(err.Error(), "Unable to force up host compute03 as `done` evacuation migration records remain") {
		t.Errorf("force up after evacuation: %v", err)
	}
}

func TestDemoReadOnlySendsNoMutation(t *testing.T) {
	c, _ := startDemo(t, demo.Options{FailAfter: -1})
	oc := demoClient(t, c, true)
	ctx := tctx(t)
	ss, err := oc.Servers(ctx)
	if err != nil || len(ss) == 0 {
		t.Fatal(err)
	}
	for _, err := range []error{
		oc.Reboot(ctx, ss[0].ID, true),
		oc.Stop(ctx, ss[0].ID),
		oc.Evacuate(ctx, ss[0].ID, ""),
		oc.DisableService(ctx, ss[0].Host, "x"),
		oc.ForceDown(ctx, ss[0].Host, true),
	} {
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("want ErrReadOnly, got %v", err)
		}
	}
	if m := c.Mutations(); len(m) != 0 {
		t.Errorf("read-only session reached the server with %+v", m)
	}
}

// The demo's Glance and Keystone answer the detail's name lookups.
func TestDemoNamesImageAndUser(t *testing.T) {
	c, _ := startDemo(t, demo.Options{Instances: 20, FailAfter: -1})
	oc := demoClient(t, c, true)
	ss, err := oc.Servers(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var s openstack.Server
	for _, x := range ss {
		if x.ImageID != "" && x.UserID != "" && len(x.Networks) > 0 {
			s = x
			break
		}
	}
	if s.ID == "" {
		t.Fatal("no server with an image, a user and a network")
	}
	var want string
	c.Story.Lock(func() {
		for _, im := range c.Story.Images {
			if im.ID == s.ImageID {
				want = im.Name
			}
		}
	})
	if n, err := oc.ImageName(tctx(t), s.ImageID); err != nil || n == "" || n != want {
		t.Errorf("image %s: %q %v, want %q", s.ImageID, n, err, want)
	}
	if n, err := oc.UserName(tctx(t), s.UserID); err != nil || n == "" || n == s.UserID {
		t.Errorf("user %s: %q %v", s.UserID, n, err)
	}
	if len(s.SecurityGroups) == 0 {
		t.Errorf("no security groups on %s", s.ID)
	}
}

// TestDemoAgentProblemsAreTheDeadAgents: the per-cycle problem read finds
// exactly the agents the whole list calls dead or down, in a small
// fraction of the whole list's bytes (issue 15: the whole list with every
// agent's configurations was 740 kB a read at 1,000 hosts).
func TestDemoAgentProblemsAreTheDeadAgents(t *testing.T) {
	c, clk := startDemo(t, demo.Options{})
	oc := demoClient(t, c, true)
	ctx := tctx(t)
	probs, err := oc.NetworkAgentProblems(ctx)
	if err != nil || len(probs) != 0 {
		t.Fatalf("problems on a healthy cloud: %+v, %v", probs, err)
	}
	clk.Add(46 * time.Second)
	if _, err := oc.ComputeServices(ctx); err != nil { // the story moves on requests
		t.Fatal(err)
	}
	clk.Add(demo.HeartbeatTimeout + 5*time.Second)
	before := c.BytesWritten()["neutron"]
	all, err := oc.NetworkAgents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	whole := c.BytesWritten()["neutron"] - before
	want := map[string]bool{}
	for _, a := range all {
		if !a.Alive || !a.AdminUp {
			want[a.ID] = true
		}
		if a.ID == "" || a.Host == "" || a.Binary == "" || a.HeartbeatAt.IsZero() {
			t.Errorf("a field the pane uses is missing: %+v", a)
		}
	}
	before = c.BytesWritten()["neutron"]
	probs, err = oc.NetworkAgentProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	small := c.BytesWritten()["neutron"] - before
	got := map[string]bool{}
	for _, a := range probs {
		got[a.ID] = true
		if a.Host != "compute04" {
			t.Errorf("problem agent on %s: %+v", a.Host, a)
		}
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems %v, the whole list's dead or down agents %v", got, want)
	}
	if small*10 > whole {
		t.Errorf("problem reads %d bytes, the whole list %d: want under a tenth", small, whole)
	}
	for _, r := range c.Requests() {
		if r.Service == "neutron" && strings.HasSuffix(r.Path, "/agents") && (!strings.Contains(r.Query, "fields=") || strings.Contains(r.Query, "fields=configurations")) {
			t.Errorf("agents read without fields=: %s?%s", r.Path, r.Query)
		}
	}
}
