package demo

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

func demoBMC(t *testing.T, c *Cloud, sessionRO bool, password string) *bmc.Client {
	t.Helper()
	cfg := c.Config().BMC
	if cfg == nil || cfg.Protocol != "redfish" || len(cfg.Hosts) != 9 || !strings.HasPrefix(cfg.Hosts["compute04"], "http://127.0.0.1:") {
		t.Fatalf("demo bmc config: %+v", cfg)
	}
	hc, err := httpclient.New(httpclient.Options{ReadOnly: sessionRO})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bmc.New(bmc.Options{Protocol: cfg.Protocol, Hosts: cfg.Hosts, Username: cfg.Username, Password: password,
		HTTP: hc, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The story's power is what the BMCs report, and their resets change it.
func TestDemoBMCRedfishFollowsTheStory(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	c, err := Start(StartOptions{Story: Options{Instances: 20, FailAfter: 45 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := demoBMC(t, c, false, c.Password)
	ctx := context.Background()
	state := func(h string) bmc.State {
		t.Helper()
		s, err := b.PowerState(ctx, h)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		return s
	}
	if state("compute04") != bmc.On || state("control01") != bmc.On {
		t.Fatal("hosts off before the incident")
	}
	now.Add(int64(50 * time.Second)) // compute04 loses power
	if s := state("compute04"); s != bmc.Off {
		t.Fatalf("compute04 after power loss: %v", s)
	}

	if err := b.PowerOff(ctx, "compute01"); err != nil {
		t.Fatal(err)
	}
	if state("compute01") != bmc.Off {
		t.Fatal("ForceOff did not power compute01 off")
	}
	var ev []Event
	c.Story.Lock(func() {
		ev = c.Story.Events(0)
		if c.Story.Host("compute01").Powered {
			t.Error("story: compute01 still powered")
		}
	})
	if last := ev[len(ev)-1]; last.Kind != "host_down" || last.Host != "compute01" || last.Message != "compute01 powered off through its BMC (ForceOff)" {
		t.Errorf("event %+v", last)
	}
	now.Add(int64(HeartbeatTimeout + time.Second))
	c.Story.Lock(func() {
		if c.Story.ServiceUp(c.Story.Host("compute01")) {
			t.Error("nova-compute on a fenced host still up")
		}
	})
	// compute04's supply died: its BMC takes the power-on, the host
	// stays off (a guided recovery then evacuates it).
	if err := b.PowerOn(ctx, "compute04"); err != nil {
		t.Fatal(err)
	}
	if state("compute04") != bmc.Off {
		t.Fatal("the story's failed host came back on a power-on")
	}
	// A host fenced through its BMC comes back.
	if err := b.PowerOn(ctx, "compute01"); err != nil {
		t.Fatal(err)
	}
	if state("compute01") != bmc.On {
		t.Fatal("On did not power compute01 on")
	}
	c.Story.Lock(func() {
		if h := c.Story.Host("compute01"); !h.Powered || !c.Story.ServiceUp(h) {
			t.Error("story: compute01 not back")
		}
		// Repaired (the story's own power-on), compute04 comes back too.
		c.Story.PowerOn("compute04")
		if !c.Story.Host("compute04").Powered {
			t.Error("story: repaired compute04 not back")
		}
	})
}

func TestDemoBMCReadOnlyAndAuth(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	ro := demoBMC(t, c, true, c.Password)
	if s, err := ro.PowerState(ctx, "compute02"); err != nil || s != bmc.On {
		t.Fatalf("read-only read: %v %v", s, err)
	}
	if err := ro.PowerOff(ctx, "compute02"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only ForceOff: %v", err)
	}
	if m := c.Mutations(); len(m) != 0 {
		t.Fatalf("mutations reached the demo: %+v", m)
	}
	c.Story.Lock(func() {
		if !c.Story.Host("compute02").Powered {
			t.Error("compute02 powered off by a read-only session")
		}
	})
	bad := demoBMC(t, c, false, "wrong")
	if _, err := bad.PowerState(ctx, "compute02"); err == nil || !strings.Contains(err.Error(), "HTTP 401 (check bmc username and password)") {
		t.Errorf("wrong password: %v", err)
	}
	// the reset is recorded as a mutation, so the read-only e2e test sees it
	rw := demoBMC(t, c, false, c.Password)
	if err := rw.PowerOff(ctx, "compute02"); err != nil {
		t.Fatal(err)
	}
	if m := c.Mutations(); len(m) != 1 || m[0].Method != "POST" || !strings.HasSuffix(m[0].Path, "/Actions/ComputerSystem.Reset") {
		t.Fatalf("mutations %+v", m)
	}
}
