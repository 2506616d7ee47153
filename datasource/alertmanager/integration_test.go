//go:build integration

package alertmanager_test

// Against a real Alertmanager (testenv/alertmanager.sh start). With
// STACKPIT_TEST_PROMETHEUS_URL also set (testenv/prometheus.sh), the alerts
// are the backfilled story's, fired by a real Prometheus; otherwise the test
// posts its own alerts through POST /api/v2/alerts. Silences are created and
// expired through the panes' action layer, as the cockpit does.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/alerts"
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/silences"
)

func amURL(t *testing.T) string {
	u := os.Getenv("STACKPIT_TEST_ALERTMANAGER_URL")
	if u == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_ALERTMANAGER_URL unset (run testenv/alertmanager.sh start and source testenv/run/alertmanager.env)")
		}
		t.Skip("STACKPIT_TEST_ALERTMANAGER_URL unset")
	}
	return u
}

func client(t *testing.T, url string, readOnly bool) *alertmanager.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := alertmanager.New(alertmanager.Instance{URL: url, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// postAlerts pushes alerts the way Prometheus does (test setup only).
func postAlerts(t *testing.T, url string, host string) {
	t.Helper()
	now := time.Now().UTC()
	body := []map[string]any{
		{"labels": map[string]string{"alertname": "HostDown", "severity": "critical", "host": host, "instance": host + ":9100", "job": "node"},
			"annotations": map[string]string{"summary": "Host " + host + " is down", "runbook_url": "https://runbooks.example.org/openstack/HostDown"},
			"startsAt":    now.Add(-10 * time.Minute).Format(time.RFC3339), "endsAt": now.Add(time.Hour).Format(time.RFC3339)},
		{"labels": map[string]string{"alertname": "NeutronAgentDown", "severity": "warning", "host": host, "service": "neutron-openvswitch-agent"},
			"annotations": map[string]string{"summary": "neutron-openvswitch-agent on " + host + " is down"},
			"startsAt":    now.Add(-9 * time.Minute).Format(time.RFC3339), "endsAt": now.Add(time.Hour).Format(time.RFC3339)},
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(url+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("posting test alerts: HTTP %d", resp.StatusCode)
	}
}

func find(as []alertmanager.Alert, name, host string) (alertmanager.Alert, bool) {
	for _, a := range as {
		if a.Name() == name && a.Labels["host"] == host {
			return a, true
		}
	}
	return alertmanager.Alert{}, false
}

// waitAlert polls until HostDown on host is listed.
func waitAlert(t *testing.T, c *alertmanager.Client, host string, within time.Duration) alertmanager.Alert {
	t.Helper()
	deadline := time.Now().Add(within)
	var last []alertmanager.Alert
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := c.Alerts(ctx, alertmanager.AlertFilter{})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		last = res.Alerts
		if a, ok := find(res.Alerts, "HostDown", host); ok {
			return a
		}
		if time.Now().After(deadline) {
			var names []string
			for _, a := range last {
				names = append(names, a.Name()+"@"+a.Labels["host"])
			}
			t.Fatalf("HostDown on %s not in Alertmanager after %s; have %v", host, within, names)
		}
		time.Sleep(time.Second)
	}
}

func paneCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: time.Now, Refresh: time.Hour}
}

func key(p pane.Pane, k string) tea.Cmd {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	default:
		msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
	}
	_, cmd := p.Update(msg)
	return cmd
}

func typeText(p pane.Pane, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// runAction does what the shell does with a RunActionMsg: run it, then
// broadcast ActionDoneMsg and feed the reload back to the pane.
func runAction(t *testing.T, p pane.Pane, cmd tea.Cmd) string {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command from the pane")
	}
	ra, ok := cmd().(pane.RunActionMsg)
	if !ok {
		t.Fatal("the pane did not ask the shell to run an action")
	}
	if !ra.Action.Mutates {
		t.Fatalf("%s not marked Mutates", ra.Action.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := ra.Action.Run(ctx, func(pane.Progress) {})
	if err != nil {
		t.Fatalf("%s: %v", ra.Action.Name, err)
	}
	_, reload := p.Update(pane.ActionDoneMsg{Name: ra.Action.Name, Target: ra.Action.Target, Result: res})
	if reload != nil {
		p.Update(reload())
	}
	return res
}

func TestIntegrationSilenceLifecycle(t *testing.T) {
	url := amURL(t)
	c := client(t, url, false)
	host, within := "itest01", 20*time.Second
	if os.Getenv("STACKPIT_TEST_PROMETHEUS_URL") != "" {
		host = os.Getenv("STACKPIT_TEST_PROMETHEUS_DOWN_HOST")
		if host == "" {
			host = "compute04"
		}
		within = 150 * time.Second // Prometheus resends firing alerts every minute
		t.Logf("waiting for the backfilled story's HostDown on %s from Prometheus", host)
	} else {
		postAlerts(t, url, host)
	}
	hd := waitAlert(t, c, host, within)
	if hd.Status.State != "active" || hd.Severity() != "critical" || len(hd.Instances) != 1 {
		t.Fatalf("HostDown %+v", hd)
	}
	res, _ := c.Alerts(context.Background(), alertmanager.AlertFilter{})
	if n, ok := find(res.Alerts, "NeutronAgentDown", host); ok {
		if !n.Inhibited() || n.Status.InhibitedBy[0] != hd.Fingerprint {
			t.Errorf("NeutronAgentDown on %s not inhibited by HostDown %s: %+v", host, hd.Fingerprint, n.Status)
		}
	}

	// Silence it from the alerts pane: s (the form opens on the matchers),
	// tab to the comment, type it, enter.
	ap := alerts.New(paneCtx(), c, alerts.Options{Author: "stackpit-itest"})
	ap.Update(ap.Init()())
	if ap.Status().Err != nil {
		t.Fatal(ap.Status().Err)
	}
	ap.SetFilter("alertname=HostDown host=" + host)
	key(ap, "j") // from the group row to the alert
	key(ap, "S")
	if !ap.Capturing() {
		t.Fatal("silence form did not open")
	}
	key(ap, "tab")
	key(ap, "tab")
	key(ap, "tab") // matchers -> starts -> duration -> comment
	typeText(ap, "integration test: "+host+" is down, INC-1")
	out := runAction(t, ap, key(ap, "enter"))
	i := strings.Index(out, "silence ")
	id := strings.Fields(out[i+len("silence "):])[0]
	var silenced alertmanager.Alert
	for _, a := range ap.Alerts() {
		if a.Fingerprint == hd.Fingerprint {
			silenced = a
		}
	}
	if silenced.Status.State != "suppressed" || len(silenced.Status.SilencedBy) != 1 || silenced.Status.SilencedBy[0] != id {
		t.Fatalf("after the silence the pane shows %+v (silence %s)", silenced.Status, id)
	}
	s, err := c.Silence(context.Background(), id)
	if err != nil || s.Status.State != "active" || s.CreatedBy != "stackpit-itest" ||
		!strings.Contains(s.Matchers.String(), `alertname="HostDown"`) || !strings.Contains(s.Matchers.String(), `host="`+host+`"`) {
		t.Fatalf("silence %+v %v", s, err)
	}

	// Read-only client: refused before anything is sent.
	ro := client(t, url, true)
	if _, err := ro.ExpireSilence(context.Background(), id); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only expire: %v", err)
	}
	if _, _, err := ro.CreateSilence(context.Background(), alertmanager.NewSilence{Matchers: s.Matchers,
		EndsAt: time.Now().Add(time.Hour), CreatedBy: "x", Comment: "x"}); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only create: %v", err)
	}

	// Expire it from the silences pane: x (the shell confirms), then the
	// alert fires again.
	sp := silences.New(paneCtx(), c, silences.Options{})
	sp.Update(sp.Init()())
	sp.SetFilter("id=" + id)
	if len(sp.Silences()) == 0 {
		t.Fatal("silences pane loaded nothing")
	}
	runAction(t, sp, key(sp, "X"))
	s, err = c.Silence(context.Background(), id)
	if err != nil || s.Status.State != "expired" {
		t.Fatalf("after expire: %+v %v", s.Status, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := c.Alerts(context.Background(), alertmanager.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if a, ok := find(res.Alerts, "HostDown", host); ok && a.Status.State == "active" && !a.Silenced() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("HostDown still suppressed after the silence expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestIntegrationErrorBodies(t *testing.T) {
	url := amURL(t)
	c := client(t, url, false)
	ctx := context.Background()
	ms, _ := alertmanager.ParseMatchers(`alertname="IntegrationTest"`)
	cases := []struct {
		name string
		do   func() error
		want string
	}{
		{"no matchers", func() error {
			_, _, err := c.CreateSilence(ctx, alertmanager.NewSilence{EndsAt: time.Now().Add(time.Hour), CreatedBy: "t", Comment: "t"})
			return err
		}, "HTTP 422: matchers in body should have at least 1 items"},
		{"end in past", func() error {
			_, _, err := c.CreateSilence(ctx, alertmanager.NewSilence{Matchers: ms, StartsAt: time.Now().Add(-2 * time.Hour),
				EndsAt: time.Now().Add(-time.Hour), CreatedBy: "t", Comment: "t"})
			return err
		}, "HTTP 400: Failed to create silence: end time can't be in the past"},
		{"start after end", func() error {
			_, _, err := c.CreateSilence(ctx, alertmanager.NewSilence{Matchers: ms, StartsAt: time.Now().Add(2 * time.Hour),
				EndsAt: time.Now().Add(time.Hour), CreatedBy: "t", Comment: "t"})
			return err
		}, "HTTP 400: Failed to create silence: start time must be before end time"},
		{"expire unknown", func() error {
			_, err := c.ExpireSilence(ctx, "00000000-0000-4000-8000-000000000000")
			return err
		}, "silence not found"},
		{"expire not a uuid", func() error {
			_, err := c.ExpireSilence(ctx, "not-a-uuid")
			return err
		}, `HTTP 422: silenceID in path must be of type uuid: "not-a-uuid"`},
		{"get unknown", func() error {
			_, err := c.Silence(ctx, "00000000-0000-4000-8000-000000000000")
			return err
		}, "HTTP 404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestIntegrationStatusAndGroups(t *testing.T) {
	url := amURL(t)
	c := client(t, url, true)
	st, err := c.Status(context.Background())
	if err != nil || len(st) != 1 || st[0].VersionInfo.Version == "" || st[0].Cluster.Status != "disabled" {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := c.Groups(context.Background(), alertmanager.AlertFilter{}); err != nil {
		t.Fatal(err)
	}
}
