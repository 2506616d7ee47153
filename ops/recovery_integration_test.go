//go:build integration

package ops_test

// Guided recovery (issue 19) end to end against real servers: the Zed Nova
// of testenv/openstack.sh and one ipmi_sim BMC per compute from
// testenv/ipmi.sh, started with STACKPIT_IPMI_NOVA_CTL so that a power-off
// SIGKILLs that host's nova-compute and a power-on starts it again (unless
// the host's no-boot file exists). The run is ops.Recover under the
// journal, as the compute pane's R runs it.
//
//	STACKPIT_IPMI_NOVA_CTL=$PWD/testenv/openstack.sh testenv/ipmi.sh start
//	testenv/openstack.sh start
//	. testenv/run/ipmi.env; . testenv/run/openstack.env
//	go test -tags integration -run IntegrationGuidedRecovery -v ./ops/
//
// (testenv/integration.sh openstack does all of this.)

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
)

func recoveryEnv(t *testing.T) (cloud, ipmiDir, runDir string) {
	t.Helper()
	missing := ""
	switch {
	case os.Getenv("STACKPIT_TEST_OPENSTACK") == "":
		missing = "STACKPIT_TEST_OPENSTACK (testenv/openstack.sh start; . testenv/run/openstack.env)"
	case os.Getenv("STACKPIT_TEST_IPMI_HOSTS") == "":
		missing = "STACKPIT_TEST_IPMI_HOSTS (testenv/ipmi.sh start; . testenv/run/ipmi.env)"
	}
	if missing == "" {
		ipmiDir, runDir = os.Getenv("STACKPIT_TEST_IPMI_DIR"), os.Getenv("STACKPIT_TEST_OPENSTACK_RUN")
		for _, h := range []string{"compute01", "compute02"} {
			if _, err := os.Stat(filepath.Join(ipmiDir, h, "on-power-off")); err != nil {
				missing = "the BMCs' nova-compute power hooks (start testenv/ipmi.sh with STACKPIT_IPMI_NOVA_CTL=testenv/openstack.sh)"
			}
		}
	}
	if missing != "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("not set up: " + missing)
		}
		t.Skip("not set up: " + missing)
	}
	cloud = os.Getenv("STACKPIT_TEST_OPENSTACK_CLOUD")
	if cloud == "" {
		cloud = "stackpit-testenv"
	}
	return cloud, ipmiDir, runDir
}

func recoveryNova(t *testing.T, cloud string) *openstack.Client {
	t.Helper()
	auth, err := config.ResolveAuth(cloud, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := openstack.New(ctx, auth, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func recoveryBMC(t *testing.T) *bmc.Client {
	t.Helper()
	hosts := map[string]string{}
	for _, kv := range strings.Fields(os.Getenv("STACKPIT_TEST_IPMI_HOSTS")) {
		h, a, _ := strings.Cut(kv, "=")
		hosts[h] = "ipmi://" + a
	}
	b, err := bmc.New(bmc.Options{Hosts: hosts, Username: os.Getenv("STACKPIT_TEST_IPMI_USER"),
		Password: os.Getenv("STACKPIT_TEST_IPMI_PASSWORD"), CipherSuite: 3, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func novaCompute(t *testing.T, c *openstack.Client, host string) openstack.ComputeService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ss, err := c.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Binary == "nova-compute" && s.Host == host {
			return s
		}
	}
	t.Fatalf("no nova-compute on %s", host)
	return openstack.ComputeService{}
}

// eventually polls f until it returns "" (what is still pending otherwise).
func eventually(t *testing.T, what string, d time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		if last = f(); last == "" {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("%s: still %s after %v", what, last, d)
}

// restoreHost brings host back to a running compute whatever an earlier
// run left: powered on (its hook starts nova-compute), forced-down
// cleared (restarting nova-compute when Nova refuses for `done`
// evacuation records), enabled, and up.
func restoreHost(t *testing.T, c *openstack.Client, b *bmc.Client, ipmiDir, host string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	_ = os.Remove(filepath.Join(ipmiDir, host, "no-boot"))
	if s, err := b.PowerState(ctx, host); err != nil || s != bmc.On {
		if r := ops.PowerOn(ctx, b, host, nil); !r.Verified {
			t.Fatalf("restore %s: %s", host, r.Text)
		}
	}
	s := novaCompute(t, c, host)
	if s.ForcedDown {
		eventually(t, "force-up of "+host, 4*time.Minute, func() string {
			err := c.ForceDown(ctx, host, false)
			if err == nil {
				return ""
			}
			if !ops.ForceUpRefused(err) {
				t.Fatalf("force-up %s: %v", host, err)
			}
			if out, err := exec.Command(os.Getenv("STACKPIT_TEST_OPENSTACK_CTL"), "restart-compute", host).CombinedOutput(); err != nil {
				t.Fatalf("restart-compute %s: %v\n%s", host, err, out)
			}
			return err.Error()
		})
	}
	if s.Status != "enabled" {
		if err := c.EnableService(ctx, host); err != nil {
			t.Fatalf("enable %s: %v", host, err)
		}
	}
	eventually(t, host+" up and enabled", 4*time.Minute, func() string {
		s := novaCompute(t, c, host)
		if s.State == "up" && s.Status == "enabled" && !s.ForcedDown {
			return ""
		}
		return fmt.Sprintf("%s/%s forced_down=%v", s.Status, s.State, s.ForcedDown)
	})
}

// recording collects a run's events (emitted from several goroutines).
type recording struct {
	mu sync.Mutex
	ev []ops.Event
}

func (r *recording) emit(e ops.Event) { r.mu.Lock(); r.ev = append(r.ev, e); r.mu.Unlock() }

func (r *recording) notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.ev {
		if e.Kind == ops.EvNote {
			out = append(out, e.Note)
		}
	}
	return out
}

// firstIndex is the index of the first event ok accepts (-1: none).
func (r *recording) firstIndex(ok func(ops.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.ev {
		if ok(e) {
			return i
		}
	}
	return -1
}

func runRecovery(t *testing.T, store *ops.Store, c *openstack.Client, b *bmc.Client, plan ops.RecoveryPlan) (ops.Summary, *recording) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	rec := &recording{}
	tune := ops.Tuning{Poll: 2 * time.Second, PerInstance: 5 * time.Minute, EvacuateN: 4, DrainN: 2}
	meta := ops.Meta{Op: "recover-host", Pane: "compute", Target: plan.Host, Details: map[string]string{"host": plan.Host}}
	start := time.Now()
	sum, err := store.Run(ctx, meta, "", rec.emit, func(ctx context.Context, emit func(ops.Event)) ops.Summary {
		return ops.Recover(ctx, c, c, b, tune, plan, emit)
	})
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	t.Logf("recovery of %s took %v:\n  %s", plan.Host, time.Since(start).Round(100*time.Millisecond), strings.Join(rec.notes(), "\n  "))
	return sum, rec
}

func powerLog(t *testing.T, ipmiDir, host string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ipmiDir, host, "power.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// powerCommands lists the power commands ("off,on") of a piece of the
// simulator's hook log. A repeat of the same command is one: ipmitool
// retransmits a request whose answer is slow (the hook runs before the
// simulator answers), and the simulator runs the hook again.
func powerCommands(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if _, cmd, ok := strings.Cut(l, " set power "); ok {
			c := map[string]string{"0": "off", "1": "on"}[strings.TrimSpace(cmd)]
			if len(out) == 0 || out[len(out)-1] != c {
				out = append(out, c)
			}
		}
	}
	return strings.Join(out, ",")
}

func computeRunning(runDir, host string) bool {
	_, err := os.Stat(filepath.Join(runDir, "pids", "nova-"+host+".pid"))
	return err == nil
}

// Branch A: the host powers on but never comes up (no-boot): disabled,
// fenced (the BMC reads it off, its nova-compute is dead), forced down,
// powered on, no heartbeat within the wait, fenced again, every instance
// evacuated and ACTIVE (or SHUTOFF as it was) on the other compute.
// Branch B, the same host repaired: powered on, nova-compute back (its
// heartbeat), forced-down cleared (Nova refuses while the evacuation
// records are `done`; the restarted nova-compute completes them), enabled.
func TestIntegrationGuidedRecoveryRealNovaAndIPMI(t *testing.T) {
	cloud, ipmiDir, runDir := recoveryEnv(t)
	c := recoveryNova(t, cloud)
	b := recoveryBMC(t)
	for _, h := range []string{"compute01", "compute02"} {
		restoreHost(t, c, b, ipmiDir, h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	all, err := c.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range all {
		count[s.Host]++
	}
	src, dst := "compute01", "compute02"
	if count[dst] > count[src] {
		src, dst = dst, src
	}
	t.Cleanup(func() { restoreHost(t, c, b, ipmiDir, src) })
	victims, err := c.ServersOnHost(ctx, src)
	if err != nil || len(victims) == 0 {
		t.Fatalf("servers on %s: %d, %v (the test proves nothing without)", src, len(victims), err)
	}
	was := map[string]string{}
	for _, v := range victims {
		was[v.ID] = v.Status
	}
	store := ops.NewStore(t.TempDir())

	// ---- A: the host does not come back.
	if err := os.WriteFile(filepath.Join(ipmiDir, src, "no-boot"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logBefore := len(powerLog(t, ipmiDir, src))
	plan := ops.RecoveryPlan{Host: src, Reason: "stackpit integration test: guided recovery of " + src, Servers: victims,
		Fence: ops.FenceOptions{Timeout: time.Minute, Poll: time.Second}, BootWait: 40 * time.Second, Poll: 3 * time.Second}
	sum, rec := runRecovery(t, store, c, b, plan)
	res, err := sum.Result()
	if err != nil {
		t.Fatalf("branch A: %q %v", res, err)
	}
	if got := powerCommands(powerLog(t, ipmiDir, src)[logBefore:]); got != "off,on,off" {
		t.Errorf("branch A: the BMC got power %s, want off,on,off (fence, try, fence again)", got)
	}
	ns := strings.Join(sum.Steps, "\n")
	for _, want := range []string{"disabled nova-compute on " + src, "fence " + src + ": verified off", "forced nova-compute down",
		"power on " + src + ": verified on", "did not come back"} {
		if !strings.Contains(ns, want) {
			t.Errorf("branch A: no step %q in\n%s", want, ns)
		}
	}
	fenced := rec.firstIndex(func(e ops.Event) bool { return e.Kind == ops.EvNote && strings.Contains(e.Note, "verified off") })
	moved := rec.firstIndex(func(e ops.Event) bool { return e.Kind == ops.EvStart || e.Kind == ops.EvInstance })
	if fenced < 0 || moved < 0 || fenced > moved {
		t.Errorf("branch A: the fence (event %d) must come before the evacuation (event %d)", fenced, moved)
	}
	// The host is really dead: off at its BMC, no nova-compute process.
	if s, err := b.PowerState(ctx, src); err != nil || s != bmc.Off {
		t.Errorf("branch A: %s power %v %v after the recovery, want off", src, s, err)
	}
	if computeRunning(runDir, src) {
		t.Errorf("branch A: nova-compute of %s runs after the fence", src)
	}
	if s := novaCompute(t, c, src); s.Status != "disabled" || !s.ForcedDown {
		t.Errorf("branch A: nova-compute on %s %s forced_down=%v, want disabled and forced down", src, s.Status, s.ForcedDown)
	}
	if ok, failed, skipped := sum.Counts(); ok != len(victims) || failed+skipped != 0 {
		t.Errorf("branch A: %d verified, %d failed, %d skipped of %d", ok, failed, skipped, len(victims))
	}
	for _, v := range victims {
		s, err := c.Server(ctx, v.ID)
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		want := "ACTIVE"
		if was[v.ID] == "SHUTOFF" {
			want = "SHUTOFF"
		}
		if s.Host != dst || s.Status != want || s.TaskState != "" {
			t.Errorf("branch A: %s is %s/%s on %s, want %s on %s", v.Name, s.Status, s.TaskState, s.Host, want, dst)
		}
	}
	list, err := store.List()
	if err != nil || len(list) != 1 || list[0].Status != ops.StatusOK || list[0].Op != "recover-host" {
		t.Fatalf("branch A journal: %v %+v", err, list)
	}

	// ---- B: the host was repaired and comes back.
	if err := os.Remove(filepath.Join(ipmiDir, src, "no-boot")); err != nil {
		t.Fatal(err)
	}
	logBefore = len(powerLog(t, ipmiDir, src))
	left, err := c.ServersOnHost(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	plan = ops.RecoveryPlan{Host: src, Reason: "stackpit integration test: repaired " + src, Servers: left,
		Fence: ops.FenceOptions{Timeout: time.Minute, Poll: time.Second}, BootWait: 5 * time.Minute, Poll: 3 * time.Second,
		ForceUpWait: 3 * time.Minute}
	sum, _ = runRecovery(t, store, c, b, plan)
	if res, err := sum.Result(); err != nil {
		t.Fatalf("branch B: %q %v", res, err)
	}
	if got := powerCommands(powerLog(t, ipmiDir, src)[logBefore:]); got != "off,on" {
		t.Errorf("branch B: the BMC got power %s, want off,on", got)
	}
	ns = strings.Join(sum.Steps, "\n")
	for _, want := range []string{"nova-compute on " + src + " is back", "cleared forced-down on " + src, "host recovered"} {
		if !strings.Contains(ns, want) {
			t.Errorf("branch B: no step %q in\n%s", want, ns)
		}
	}
	if len(sum.Instances) != 0 {
		t.Errorf("branch B: a host that came back was evacuated: %+v", sum.Instances)
	}
	if s, err := b.PowerState(ctx, src); err != nil || s != bmc.On {
		t.Errorf("branch B: %s power %v %v, want on", src, s, err)
	}
	eventually(t, "branch B: "+src+" up, enabled, not forced down", 2*time.Minute, func() string {
		s := novaCompute(t, c, src)
		if s.State == "up" && s.Status == "enabled" && !s.ForcedDown {
			return ""
		}
		return fmt.Sprintf("%s/%s forced_down=%v", s.Status, s.State, s.ForcedDown)
	})
	// The evacuated instances stay where they were rebuilt.
	for _, v := range victims {
		if s, err := c.Server(ctx, v.ID); err != nil || s.Host != dst {
			t.Errorf("branch B: %s on %q (%v), want still on %s", v.Name, s.Host, err, dst)
		}
	}
	if list, err := store.List(); err != nil || len(list) != 2 || list[0].Status != ops.StatusOK {
		t.Errorf("branch B journal: %v %+v", err, list)
	}
}
