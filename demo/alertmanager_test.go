package demo

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

type amClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *amClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *amClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func amDemoClient(t *testing.T, c *Cloud, readOnly bool) *alertmanager.Client {
	t.Helper()
	cfg := c.Config()
	if len(cfg.Alertmanagers) != 2 {
		t.Fatalf("demo configures %d alertmanagers, want an HA pair", len(cfg.Alertmanagers))
	}
	var ins []alertmanager.Instance
	for _, ep := range cfg.Alertmanagers {
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

func amByName(as []alertmanager.Alert) map[string][]alertmanager.Alert {
	out := map[string][]alertmanager.Alert{}
	for _, a := range as {
		out[a.Name()] = append(out[a.Name()], a)
	}
	return out
}

func TestAlertmanagerDemoStoryAlertsAndSilences(t *testing.T) {
	clk := &amClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c, err := Start(StartOptions{Story: Options{Instances: 20, Now: clk.Now}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	am := amDemoClient(t, c, false)
	ctx := context.Background()

	res, err := am.Alerts(ctx, alertmanager.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	by := amByName(res.Alerts)
	if len(by["HostDown"]) != 0 || len(by["HostFilesystemFilling"]) != 1 {
		t.Fatalf("before the failure: %v", by)
	}
	if r := by["HostRebootRequired"]; len(r) != 1 || !r[0].Inhibited() || r[0].Status.State != "suppressed" {
		t.Fatalf("maintenance inhibition: %+v", r)
	}
	for _, a := range res.Alerts {
		if len(a.Instances) != 2 {
			t.Fatalf("%s seen by %v, want both HA members", a.Name(), a.Instances)
		}
	}

	// compute04 loses power at 45 s (the story moves when it is read);
	// everything has fired a minute later.
	clk.Add(50 * time.Second)
	if _, err := am.Alerts(ctx, alertmanager.AlertFilter{}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	res, err = am.Alerts(ctx, alertmanager.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	by = amByName(res.Alerts)
	for _, n := range []string{"HostDown", "NovaComputeDown", "NeutronAgentDown", "CephPGDegraded"} {
		if len(by[n]) != 1 {
			t.Fatalf("%s: %d alerts (%v)", n, len(by[n]), by)
		}
	}
	if osd := by["CephOSDDown"]; len(osd) != 2 || osd[0].Host() != "compute04" {
		t.Fatalf("CephOSDDown: %+v", osd)
	}
	hostDown := by["HostDown"][0]
	if n := by["NeutronAgentDown"][0]; !n.Inhibited() || n.Status.InhibitedBy[0] != hostDown.Fingerprint {
		t.Fatalf("NeutronAgentDown should be inhibited by HostDown %s: %+v", hostDown.Fingerprint, n.Status)
	}
	if hostDown.Host() != "compute04" || hostDown.Severity() != "critical" || hostDown.Status.State != "active" {
		t.Fatalf("HostDown %+v", hostDown)
	}

	// Silence compute04's host alerts.
	ms, _ := alertmanager.ParseMatchers(`host="compute04" alertname=~"HostDown|NovaComputeDown"`)
	id, inst, err := am.CreateSilence(ctx, alertmanager.NewSilence{Matchers: ms, StartsAt: clk.Now(), EndsAt: clk.Now().Add(2 * time.Hour),
		CreatedBy: "alice", Comment: "compute04 lost power, INC-1"})
	if err != nil || id == "" || inst == "" {
		t.Fatalf("create: %q %q %v", id, inst, err)
	}
	res, _ = am.Alerts(ctx, alertmanager.AlertFilter{})
	by = amByName(res.Alerts)
	if a := by["HostDown"][0]; a.Status.State != "suppressed" || len(a.Status.SilencedBy) != 1 || a.Status.SilencedBy[0] != id {
		t.Fatalf("HostDown not silenced: %+v", a.Status)
	}
	if a := by["CephOSDDown"][0]; a.Silenced() {
		t.Fatal("silence matched an alert outside its matchers")
	}
	// active=false hides unsuppressed alerts, silenced=false hides silenced ones.
	only, _ := am.Alerts(ctx, alertmanager.AlertFilter{Active: alertmanager.Bool(false), Inhibited: alertmanager.Bool(false)})
	if len(only.Alerts) != 2 {
		t.Fatalf("silenced-only: %d alerts", len(only.Alerts))
	}

	sil, err := am.Silences(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sil.Silences) != 3 || sil.Silences[0].ID != id || sil.Silences[0].Status.State != "active" ||
		sil.Silences[1].Status.State != "pending" || sil.Silences[2].Status.State != "expired" {
		t.Fatalf("silences %+v", sil.Silences)
	}

	if _, err := am.ExpireSilence(ctx, id); err != nil {
		t.Fatal(err)
	}
	res, _ = am.Alerts(ctx, alertmanager.AlertFilter{})
	if a := amByName(res.Alerts)["HostDown"][0]; a.Status.State != "active" {
		t.Fatalf("HostDown still suppressed after expire: %+v", a.Status)
	}
	got, err := am.Silence(ctx, id)
	if err != nil || got.Status.State != "expired" {
		t.Fatalf("expired silence: %+v %v", got, err)
	}

	// Error bodies as Alertmanager 0.25 sends them.
	_, _, err = am.CreateSilence(ctx, alertmanager.NewSilence{StartsAt: clk.Now(), EndsAt: clk.Now().Add(time.Hour), CreatedBy: "a", Comment: "c"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 422: matchers in body should have at least 1 items") {
		t.Fatalf("no matchers: %v", err)
	}
	_, _, err = am.CreateSilence(ctx, alertmanager.NewSilence{Matchers: ms, StartsAt: clk.Now().Add(-2 * time.Hour),
		EndsAt: clk.Now().Add(-time.Hour), CreatedBy: "a", Comment: "c"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: Failed to create silence: end time can't be in the past") {
		t.Fatalf("end in past: %v", err)
	}
	_, err = am.ExpireSilence(ctx, "00000000-0000-4000-8000-000000000000")
	if err == nil || !strings.Contains(err.Error(), "HTTP 500: silence not found") {
		t.Fatalf("unknown id: %v", err)
	}

	// Read-only: refused before anything is sent.
	before := len(c.Mutations())
	ro := amDemoClient(t, c, true)
	if _, _, err := ro.CreateSilence(ctx, alertmanager.NewSilence{Matchers: ms, EndsAt: clk.Now().Add(time.Hour), CreatedBy: "a", Comment: "c"}); err == nil {
		t.Fatal("read-only create went through")
	}
	if after := len(c.Mutations()); after != before {
		t.Fatalf("read-only client sent %d mutating requests", after-before)
	}

	// Power back: the failure alerts resolve.
	c.Story.Lock(func() { c.Story.PowerOn("compute04") })
	res, _ = am.Alerts(ctx, alertmanager.AlertFilter{})
	if by := amByName(res.Alerts); len(by["HostDown"]) != 0 || len(by["CephOSDDown"]) != 0 {
		t.Fatalf("after power on: %v", by)
	}
}

func TestAlertmanagerDemoGroupsAndStatus(t *testing.T) {
	clk := &amClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c, err := Start(StartOptions{Story: Options{Instances: 20, Now: clk.Now}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clk.Add(50 * time.Second)
	am := amDemoClient(t, c, true)
	if _, err := am.Alerts(context.Background(), alertmanager.AlertFilter{}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	g, err := am.Groups(context.Background(), alertmanager.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	recv := map[string]string{}
	for _, x := range g.Groups {
		recv[x.Labels["alertname"]] = x.Receiver.Name
	}
	if recv["HostDown"] != "oncall-critical" || recv["HostFilesystemFilling"] != "default" {
		t.Fatalf("groups %v", recv)
	}
	st, err := am.Status(context.Background())
	if err != nil || len(st) != 2 || st[0].Cluster.Status != "ready" || len(st[0].Cluster.Peers) != 2 {
		t.Fatalf("status %+v %v", st, err)
	}
}
