package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/alertmanager"
)

// nginxBadGateway is nginx's page when the API behind it is down.
const nginxBadGateway = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"

// hostileProxy answers every API with nginx's 502 page, except a Keystone
// that issues tokens (when keystoneOK) so Nova's own path is reached too.
func hostileProxy(t *testing.T, keystoneOK bool) *httptest.Server {
	return hostilePage(t, keystoneOK, http.StatusBadGateway, nginxBadGateway)
}

// hostilePage answers every API with page and status.
func hostilePage(t *testing.T, keystoneOK bool, status int, page string) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if keystoneOK && r.URL.Path == "/v3/auth/tokens" {
			eps := []map[string]string{{"id": "n", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": srv.URL + "/compute/v2.1"}}
			w.Header().Set("X-Subject-Token", "tok")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
				"methods": []string{"password"}, "expires_at": time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"),
				"user":    map[string]any{"id": "u", "name": "u", "domain": map[string]string{"id": "default", "name": "Default"}},
				"project": map[string]any{"id": "p", "name": "p", "domain": map[string]string{"id": "default", "name": "Default"}},
				"catalog": []map[string]any{{"id": "nova", "type": "compute", "name": "nova", "endpoints": eps}},
			}})
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Server", "nginx/1.22.1")
		w.WriteHeader(status)
		w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Issue 14: an HTML error page is summarised as its status and <title> in
// every client's errors, never shown raw.
func TestHTMLErrorPagesAreSummarised(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := map[string]error{}
	for _, keystoneOK := range []bool{false, true} {
		srv := hostileProxy(t, keystoneOK)
		u := srv.URL
		cc := &config.Cloud{
			Prometheus:    &config.Endpoint{URL: u},
			Alertmanagers: []config.Endpoint{{URL: u}},
			Loki:          &config.Loki{Endpoint: config.Endpoint{URL: u}},
			Ceph:          &config.Ceph{Endpoint: config.Endpoint{URL: u, Username: "u", Password: "p"}},
			Docker:        &config.Docker{Hosts: map[string]string{"c1": "tcp://" + strings.TrimPrefix(u, "http://")}},
			OpenStack:     &config.OpenStackAuth{AuthURL: u + "/v3", Username: "u", Password: "p", ProjectName: "p", DomainName: "Default"},
		}
		e := &Env{CloudName: "prod", Cloud: cc, ReadOnly: true}
		e.Auth, e.AuthErr = config.ResolveAuth("prod", "", cc)
		os, err := openstackClient(e)
		if err != nil {
			t.Fatal(err)
		}
		if keystoneOK {
			_, errs["nova"] = os.ComputeServices(ctx)
			if errs["nova"] == nil {
				errs["nova"] = os.Connect(ctx)
			}
			continue
		}
		errs["keystone"] = os.Connect(ctx)
		pc, err := promClient(e)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["prometheus"] = pc.Query(ctx, "up", time.Now())
		lc, err := lokiClient(e)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["loki"] = lc.Query(ctx, `{job="x"}`, time.Now(), 10)
		am, err := alertmanagerClient(e)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["alertmanager"] = am.Alerts(ctx, alertmanager.AlertFilter{})
		cs, _, err := cephSource(e)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["ceph dashboard"] = cs.Snapshot(ctx)
		e2 := &Env{CloudName: "prod", Cloud: &config.Cloud{Ceph: &config.Ceph{MetricsURL: u + "/metrics"}}, ReadOnly: true}
		cm, _, err := cephSource(e2)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["ceph metrics"] = cm.Snapshot(ctx)
		ds, err := newDockerSource(e)
		if err != nil {
			t.Fatal(err)
		}
		_, errs["docker"] = ds.List(ctx, "c1")
	}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error from a 502", name)
			continue
		}
		s := err.Error()
		t.Logf("%s: %s", name, s)
		if !strings.Contains(s, "502") || !strings.Contains(s, `HTML page "502 Bad Gateway"`) {
			t.Errorf("%s: want the status and the page title, got %q", name, s)
		}
		if strings.ContainsAny(s, "<>") || strings.Contains(s, "nginx/1.22.1") || strings.Contains(s, "padding") {
			t.Errorf("%s: raw HTML in the error: %q", name, s)
		}
	}
}

// A login portal that answers 200 with its page: no client quotes the
// markup (JSON decoders' error texts carry the bytes they choked on).
func TestHTMLPortalPagesAreNotQuoted(t *testing.T) {
	const portal = "<!DOCTYPE html><html><head><title>Corporate SSO</title><script>window.location='/login'</script></head><body><form>password</form></body></html>"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := hostilePage(t, false, 200, portal)
	u := srv.URL
	cc := &config.Cloud{
		Prometheus:    &config.Endpoint{URL: u},
		Alertmanagers: []config.Endpoint{{URL: u}},
		Loki:          &config.Loki{Endpoint: config.Endpoint{URL: u}},
		Ceph:          &config.Ceph{Endpoint: config.Endpoint{URL: u, Username: "u", Password: "p"}},
		Docker:        &config.Docker{Hosts: map[string]string{"c1": "tcp://" + strings.TrimPrefix(u, "http://")}},
	}
	e := &Env{CloudName: "prod", Cloud: cc, ReadOnly: true}
	errs := map[string]error{}
	pc, _ := promClient(e)
	_, errs["prometheus"] = pc.Query(ctx, "up", time.Now())
	lc, _ := lokiClient(e)
	_, errs["loki"] = lc.Query(ctx, `{job="x"}`, time.Now(), 10)
	am, _ := alertmanagerClient(e)
	_, errs["alertmanager"] = am.Alerts(ctx, alertmanager.AlertFilter{})
	cs, _, _ := cephSource(e)
	_, errs["ceph dashboard"] = cs.Snapshot(ctx)
	ds, _ := newDockerSource(e)
	_, errs["docker"] = ds.List(ctx, "c1")
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: a portal page accepted as an answer", name)
			continue
		}
		s := err.Error()
		t.Logf("%s: %s", name, s)
		for _, markup := range []string{"<!DOCTYPE", "<html", "<title", "<script", "window.location", "<form"} {
			if strings.Contains(s, markup) {
				t.Errorf("%s: raw HTML in the error: %q", name, s)
			}
		}
	}
}
