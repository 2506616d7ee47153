//go:build integration

package bmc_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/ops"
)

// Real BMCs: ipmi_sim (Debian's openipmi) per host, started by
// testenv/ipmi.sh, driven through Debian's ipmitool.

func realHosts(t *testing.T) map[string]string {
	s := os.Getenv("STACKPIT_TEST_IPMI_HOSTS")
	if s == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_IPMI_HOSTS unset: run testenv/ipmi.sh start")
		}
		t.Skip("no real BMC simulator (testenv/ipmi.sh)")
	}
	hosts := map[string]string{}
	for _, kv := range strings.Fields(s) {
		h, a, _ := strings.Cut(kv, "=")
		hosts[h] = "ipmi://" + a
	}
	return hosts
}

func realClient(t *testing.T, ro bool) *bmc.Client {
	c, err := bmc.New(bmc.Options{Hosts: realHosts(t), Username: os.Getenv("STACKPIT_TEST_IPMI_USER"),
		Password: os.Getenv("STACKPIT_TEST_IPMI_PASSWORD"), ReadOnly: ro, CipherSuite: 3, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hookFiles reads what the simulator's chassis-control hook recorded.
func hookFiles(t *testing.T, host string) (power, log string) {
	dir := filepath.Join(os.Getenv("STACKPIT_TEST_IPMI_DIR"), host)
	p, err := os.ReadFile(filepath.Join(dir, "power"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := os.ReadFile(filepath.Join(dir, "power.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(p)), string(l)
}

func TestRealIPMIPowerState(t *testing.T) {
	c := realClient(t, false)
	for h := range realHosts(t) {
		s, err := c.PowerState(context.Background(), h)
		power, _ := hookFiles(t, h)
		want := map[string]bmc.State{"1": bmc.On, "0": bmc.Off}[power]
		if err != nil || s != want {
			t.Errorf("%s: %v %v, the hook says power=%s", h, s, err, power)
		}
	}
}

func TestRealIPMIFenceAndPowerOn(t *testing.T) {
	c := realClient(t, false)
	ctx := context.Background()
	o := ops.FenceOptions{Timeout: 30 * time.Second, Poll: 500 * time.Millisecond}
	var steps []string
	res := o.Fence(ctx, c, "compute02", func(s ops.FenceStep) { steps = append(steps, s.Line) })
	if !res.Verified || res.State != bmc.Off || !res.Sent || res.Err != nil {
		t.Fatalf("fence: %+v\nsteps: %q", res, steps)
	}
	power, log := hookFiles(t, "compute02")
	if power != "0" || !strings.Contains(log, "set power 0") {
		t.Fatalf("the simulator's hook: power=%s log=%q", power, log)
	}
	if s, err := c.PowerState(ctx, "compute02"); err != nil || s != bmc.Off {
		t.Fatalf("after fence: %v %v", s, err)
	}
	// compute01 untouched
	if p, _ := hookFiles(t, "compute01"); p != "1" {
		t.Errorf("compute01 power=%s", p)
	}
	res = o.PowerOn(ctx, c, "compute02", nil)
	if !res.Verified || res.State != bmc.On {
		t.Fatalf("power on: %+v", res)
	}
	power, log = hookFiles(t, "compute02")
	if power != "1" || !strings.HasSuffix(strings.TrimSpace(log), "set power 1") {
		t.Fatalf("after power on: power=%s log=%q", power, log)
	}
}

// A read-only client reads the power and sends no power command: the
// simulator's hook records nothing.
func TestRealIPMIReadOnlySendsNoPowerCommand(t *testing.T) {
	c := realClient(t, true)
	ctx := context.Background()
	power0, log0 := hookFiles(t, "compute01")
	if s, err := c.PowerState(ctx, "compute01"); err != nil || s == bmc.Unknown {
		t.Fatalf("read-only read: %v %v", s, err)
	}
	if err := c.PowerOff(ctx, "compute01"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Errorf("power off: %v", err)
	}
	if err := c.PowerOn(ctx, "compute01"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Errorf("power on: %v", err)
	}
	res := ops.Fence(ctx, c, "compute01", nil)
	if res.Verified || !errors.Is(res.Err, httpclient.ErrReadOnly) {
		t.Errorf("fence: %+v", res)
	}
	power1, log1 := hookFiles(t, "compute01")
	if power1 != power0 || log1 != log0 {
		t.Fatalf("the BMC got a power command: power %s -> %s, log %q -> %q", power0, power1, log0, log1)
	}
}

func TestRealIPMIWrongPasswordAndNoBMC(t *testing.T) {
	hosts := realHosts(t)
	c, _ := bmc.New(bmc.Options{Hosts: hosts, Username: os.Getenv("STACKPIT_TEST_IPMI_USER"), Password: "wrong",
		CipherSuite: 3, Retries: -1, Timeout: 15 * time.Second})
	_, err := c.PowerState(context.Background(), "compute01")
	var ue *bmc.UnreachableError
	addr := strings.TrimPrefix(hosts["compute01"], "ipmi://")
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "bmc "+addr+" unreachable: no IPMI session") {
		t.Errorf("wrong password: %v", err)
	}

	// nothing listening: ipmitool gives up within the client's bounds
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	dead := pc.LocalAddr().String()
	pc.Close()
	d, _ := bmc.New(bmc.Options{Hosts: map[string]string{"compute09": "ipmi://" + dead}, Username: "x", Password: "y",
		CipherSuite: 3, Retries: -1, Timeout: 20 * time.Second})
	start := time.Now()
	_, err = d.PowerState(context.Background(), "compute09")
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "bmc "+dead+" unreachable: ") {
		t.Errorf("dead BMC: %v", err)
	}
	t.Logf("dead BMC answered in %s: %v", time.Since(start).Round(time.Millisecond), err)
}

// A host that lost power (the hook's file says 0, no command sent) reads
// Off: the simulator asks the hook on every status read.
func TestRealIPMIPowerLossReadsOff(t *testing.T) {
	c := realClient(t, true)
	f := filepath.Join(os.Getenv("STACKPIT_TEST_IPMI_DIR"), "compute01", "power")
	if err := os.WriteFile(f, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(f, []byte("1\n"), 0o644)
	if s, err := c.PowerState(context.Background(), "compute01"); err != nil || s != bmc.Off {
		t.Fatalf("after power loss: %v %v", s, err)
	}
	if err := os.WriteFile(f, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := c.PowerState(context.Background(), "compute01"); err != nil || s != bmc.On {
		t.Fatalf("power back: %v %v", s, err)
	}
}
