package alerts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/views/pane"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func demoClient(t *testing.T, c *demo.Cloud, readOnly bool) *alertmanager.Client {
	t.Helper()
	var ins []alertmanager.Instance
	for _, ep := range c.Config().Alertmanagers {
		hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, alertmanager.Instance{URL: ep.URL, HTTP: hc})
	}
	am, err := alertmanager.New(ins...)
	if err != nil {
		t.Fatal(err)
	}
	return am
}

// The demo story end to end: compute04 loses power, its alerts fire in the
// pane (NeutronAgentDown inhibited by HostDown), the operator silences
// HostDown from the pane and sees it suppressed; a read-only session's
// action is refused by the transport and nothing reaches the server.
func TestDemoStoryInThePane(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 30, Now: clk.Now}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	am := demoClient(t, c, false)
	ctx := testCtx()
	ctx.Now = clk.Now
	p := New(ctx, am, Options{Author: "alice"})
	p.Update(run(p.Init()))
	clk.Add(50 * time.Second) // compute04 loses power at 45 s
	p.Update(run(p.Refresh()))
	clk.Add(time.Minute)
	p.Update(run(p.Refresh()))
	if err := p.Status().Err; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Status().Note, "2/2 alertmanagers") {
		t.Fatalf("note %q", p.Status().Note)
	}
	p.SetFilter("host=compute04")
	names := map[string]alertmanager.Alert{}
	for _, k := range alertRows(p) {
		a := p.alerts[p.byFP[k]]
		names[a.Name()] = a
	}
	for _, n := range []string{"HostDown", "NovaComputeDown", "NeutronAgentDown", "CephOSDDown"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("%s missing for compute04: %v", n, alertRows(p))
		}
	}
	p.tbl.SelectKey(names["NeutronAgentDown"].Fingerprint)
	if out := ansi.Strip(p.View(120, 40)); !strings.Contains(out, "inhibited by HostDown on compute04") {
		t.Fatalf("inhibition not explained:\n%s", out)
	}

	// Silence HostDown from the pane.
	p.tbl.SelectKey(names["HostDown"].Fingerprint)
	press(p, "S")
	press(p, "tab", "tab", "tab") // matchers -> starts, duration, comment
	typeText(p, "compute04 lost power, INC-7")
	ra, ok := run(press(p, "enter")).(pane.RunActionMsg)
	if !ok {
		t.Fatalf("no action (form error %q)", p.Form().Err())
	}
	// Against the demo's clock, not the wall clock.
	res, err := ra.Action.Run(context.Background(), func(pane.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	_, cmd := p.Update(pane.ActionDoneMsg{Name: ra.Action.Name, Result: res})
	p.Update(run(cmd))
	a := p.alerts[p.byFP[names["HostDown"].Fingerprint]]
	if !a.Silenced() || a.Status.State != "suppressed" {
		t.Fatalf("HostDown after silence: %+v", a.Status)
	}

	// Read-only: the same action is refused by the guard transport.
	before := len(c.Mutations())
	ro := New(ctx, demoClient(t, c, true), Options{Author: "alice"})
	ro.Update(run(ro.Init()))
	ro.SetFilter("alertname=NovaComputeDown")
	press(ro, "j", "S", "tab", "tab", "tab")
	typeText(ro, "x")
	ra, ok = run(press(ro, "enter")).(pane.RunActionMsg)
	if !ok {
		t.Fatal("read-only pane did not produce the action (the shell refuses it; the transport must too)")
	}
	if _, err := ra.Action.Run(context.Background(), func(pane.Progress) {}); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only run: %v", err)
	}
	if n := len(c.Mutations()) - before; n != 0 {
		t.Fatalf("read-only session sent %d mutating requests", n)
	}
}
