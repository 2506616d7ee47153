package bmc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// fakeIpmitool writes a script standing in for ipmitool: it appends its
// argv and the IPMI_PASSWORD it saw to a log, then runs body.
func fakeIpmitool(t *testing.T, body string) (bin, log string) {
	t.Helper()
	dir := t.TempDir()
	bin, log = filepath.Join(dir, "ipmitool"), filepath.Join(dir, "calls.log")
	script := "#!/bin/sh\necho \"argv=$* env=${IPMI_PASSWORD-unset}\" >> " + log + "\n" + body + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func calls(t *testing.T, log string) []string {
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestResolve(t *testing.T) {
	c, err := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Hosts: map[string]string{
		"compute02": "10.1.0.2:6230", "compute03": "https://compute03-bmc.mgmt/", "compute05": "ipmi://[fd00::5]",
		"compute06": "redfish://bmc6.mgmt",
	}})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]Address{
		"compute01": {IPMI, "compute01-ipmi.mgmt:623"},
		"compute02": {IPMI, "10.1.0.2:6230"},
		"compute03": {Redfish, "https://compute03-bmc.mgmt"},
		"compute05": {IPMI, "[fd00::5]:623"},
		"compute06": {Redfish, "https://bmc6.mgmt"},
	} {
		got, err := c.Resolve(host)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", host, got, err, want)
		}
	}
	rf, _ := New(Options{Protocol: Redfish, AddressTemplate: "{host}-bmc.mgmt"})
	if got, _ := rf.Resolve("compute01"); got != (Address{Redfish, "https://compute01-bmc.mgmt"}) {
		t.Errorf("redfish template: %+v", got)
	}
	none, _ := New(Options{})
	if _, err := none.Resolve("compute04"); !errors.Is(err, ErrNoBMC) || !strings.Contains(err.Error(), "compute04") {
		t.Errorf("no BMC: %v", err)
	}
	if _, err := New(Options{AddressTemplate: "bmc.mgmt"}); err == nil {
		t.Error("template without {host} accepted")
	}
	if _, err := New(Options{Protocol: "snmp"}); err == nil {
		t.Error("unknown protocol accepted")
	}
}

func TestIPMIPowerStatePasswordNotInArgv(t *testing.T) {
	bin, log := fakeIpmitool(t, `echo "Chassis Power is on"`)
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Username: "admin", Password: "s3cret", Ipmitool: bin})
	s, err := c.PowerState(context.Background(), "compute04")
	if err != nil || s != On {
		t.Fatalf("state %v, %v", s, err)
	}
	got := calls(t, log)
	if len(got) != 1 {
		t.Fatalf("calls: %q", got)
	}
	want := "argv=-I lanplus -H compute04-ipmi.mgmt -p 623 -U admin -E -N 1 -R 3 chassis power status env=s3cret"
	if got[0] != want {
		t.Errorf("call\n got %s\nwant %s", got[0], want)
	}
	if strings.Contains(strings.SplitN(got[0], " env=", 2)[0], "s3cret") {
		t.Error("password on the command line")
	}
}

func TestIPMIStatesAndCommands(t *testing.T) {
	bin, log := fakeIpmitool(t, `case "$*" in
*status) echo "Chassis Power is off" ;;
*"power off") echo "Chassis Power Control: Down/Off" ;;
*"power on") echo "Chassis Power Control: Up/On" ;;
esac`)
	c, _ := New(Options{Hosts: map[string]string{"compute01": "127.0.0.1:9001"}, Ipmitool: bin, CipherSuite: 3})
	ctx := context.Background()
	if s, err := c.PowerState(ctx, "compute01"); err != nil || s != Off {
		t.Fatalf("state %v %v", s, err)
	}
	if err := c.PowerOff(ctx, "compute01"); err != nil {
		t.Fatal(err)
	}
	if err := c.PowerOn(ctx, "compute01"); err != nil {
		t.Fatal(err)
	}
	got := calls(t, log)
	if len(got) != 3 || !strings.HasSuffix(got[1], "chassis power off env=unset") || !strings.HasSuffix(got[2], "chassis power on env=unset") {
		t.Fatalf("calls %q", got)
	}
	if !strings.HasPrefix(got[0], "argv=-I lanplus -H 127.0.0.1 -p 9001 -C 3 -N 1") {
		t.Errorf("cipher suite: %s", got[0])
	}
	if strings.Contains(got[0], " -U ") || strings.Contains(got[0], " -E ") {
		t.Errorf("no credentials configured, yet: %s", got[0])
	}
}

func TestIPMIReadOnlyRunsNoPowerCommand(t *testing.T) {
	bin, log := fakeIpmitool(t, `echo "Chassis Power is on"`)
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Ipmitool: bin, ReadOnly: true})
	ctx := context.Background()
	for name, fn := range map[string]func(context.Context, string) error{"off": c.PowerOff, "on": c.PowerOn} {
		err := fn(ctx, "compute04")
		if !errors.Is(err, httpclient.ErrReadOnly) || !strings.Contains(err.Error(), "chassis power "+name) {
			t.Errorf("power %s in a read-only session: %v", name, err)
		}
	}
	// below the public methods too: the one function that runs ipmitool
	a, _ := c.Resolve("compute04")
	if _, err := c.ipmitool(ctx, a, "chassis", "power", "cycle"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Errorf("power cycle: %v", err)
	}
	if got := calls(t, log); len(got) != 0 {
		t.Fatalf("ipmitool ran: %q", got)
	}
	if s, err := c.PowerState(ctx, "compute04"); err != nil || s != On {
		t.Fatalf("read-only read: %v %v", s, err)
	}
}

func TestIPMIUnreachableRetriedAndClear(t *testing.T) {
	bin, log := fakeIpmitool(t, `echo "Error: Unable to establish IPMI v2 / RMCP+ session" >&2; exit 1`)
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Ipmitool: bin, Retries: 1})
	_, err := c.PowerState(context.Background(), "compute04")
	want := "bmc compute04-ipmi.mgmt:623 unreachable: no IPMI session: wrong address, port, username or password? (Error: Unable to establish IPMI v2 / RMCP+ session)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Errorf("not an UnreachableError: %T", err)
	}
	// ipmitool retries per packet (-R 2: one retry); the client does not
	// run ipmitool again, which would repeat a power command
	got := calls(t, log)
	if len(got) != 1 || !strings.Contains(got[0], " -N 1 -R 2 chassis power status") {
		t.Errorf("calls %q", got)
	}
}

func TestIPMIAuthFailureAndCommandError(t *testing.T) {
	bin, _ := fakeIpmitool(t, `case "$*" in
*status) echo "Error in open session response message : invalid user name" >&2 ;;
*) echo "Set Chassis Power Control to Down/Off failed: Command not supported in present state" >&2 ;;
esac; exit 1`)
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Ipmitool: bin, Retries: -1})
	_, err := c.PowerState(context.Background(), "compute04")
	if err == nil || !strings.Contains(err.Error(), "unreachable: authentication failed (check bmc username and password)") {
		t.Errorf("auth: %v", err)
	}
	err = c.PowerOff(context.Background(), "compute04")
	var ce *CommandError
	if !errors.As(err, &ce) || err.Error() != "bmc compute04-ipmi.mgmt:623: chassis power off failed: Set Chassis Power Control to Down/Off failed: Command not supported in present state" {
		t.Errorf("command error: %v", err)
	}
}

func TestIPMITimeout(t *testing.T) {
	bin, _ := fakeIpmitool(t, `exec sleep 10`)
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Ipmitool: bin, Timeout: 200 * time.Millisecond, Retries: -1})
	start := time.Now()
	_, err := c.PowerState(context.Background(), "compute04")
	if err == nil || err.Error() != "bmc compute04-ipmi.mgmt:623 unreachable: no answer in 200ms (timed out)" {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestIPMIMissingBinary(t *testing.T) {
	c, _ := New(Options{AddressTemplate: "{host}-ipmi.mgmt", Ipmitool: "/nonexistent/ipmitool", Retries: -1})
	_, err := c.PowerState(context.Background(), "compute04")
	if err == nil || !strings.Contains(err.Error(), "not found (install Debian's ipmitool)") {
		t.Fatalf("got %v", err)
	}
}
