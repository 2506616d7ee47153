package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/loki"
)

// The password an operator wrote into every URL of the config.
const secretPW = "S3cretPW"

// secretConfig points every backend at 127.0.0.1:1 (nothing listens), with
// the password in the URL's userinfo and in a token query parameter.
func secretConfig(extra string) string {
	return `clouds:
  prod:
    prometheus: {url: "http://prom:` + secretPW + `@127.0.0.1:1/"}
    alertmanagers:
      - url: "http://am:` + secretPW + `@127.0.0.1:1/?token=` + secretPW + `"
    loki: {url: "http://loki:` + secretPW + `@127.0.0.1:1/"}
    ceph: {url: "http://ceph:` + secretPW + `@127.0.0.1:1/", username: u, password: p}
    docker:
      hosts: {c1: "tcp://d:` + secretPW + `@127.0.0.1:1", c2: "ftp://d:` + secretPW + `@127.0.0.1:1"}
    openstack: {auth_url: "http://ks:` + secretPW + `@127.0.0.1:1/v3", username: u, password: ` + secretPW + `, project_name: p, domain_name: Default}
` + extra
}

// Issue 14: a password in a URL is never printed, on any output path.
func TestNoOutputPrintsAPasswordFromAURL(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(secretConfig("")), 0o600); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	check := func(name, s string) {
		t.Helper()
		outputs[name] = s
		if strings.Contains(s, secretPW) {
			t.Errorf("%s prints the password:\n%s", name, s)
		}
	}

	// config check: a per-backend problem quoting the docker address ...
	var out, errb bytes.Buffer
	run([]string{"config", "check", "--config", p}, &out, &errb)
	check("config check", out.String()+errb.String())
	if !strings.Contains(errb.String(), "ftp://d:***@127.0.0.1:1") {
		t.Errorf("config check should name the address, redacted: %q", errb.String())
	}
	// ... and a load error quoting a bad url.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("clouds:\n  prod:\n    prometheus: {url: \"gopher://prom:"+secretPW+"@h/\"}\n"), 0o600)
	out.Reset()
	errb.Reset()
	if code := run([]string{"config", "check", "--config", bad}, &out, &errb); code != 1 {
		t.Fatalf("bad url accepted: %q", errb.String())
	}
	check("config check (bad url)", errb.String())

	// Each pane's backend error, as the pane shows it.
	file, err := config.Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{CloudName: "prod", Cloud: file.Cloud("prod"), ReadOnly: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var paneErrs []error
	if pc, err := promClient(e); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		_, err := pc.Query(ctx, "up", time.Now())
		paneErrs = append(paneErrs, err)
	}
	if lc, err := lokiClient(e); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		_, err := lc.Query(ctx, `{job="x"}`, time.Now(), 10)
		paneErrs = append(paneErrs, err)
		_, err = lc.QueryRange(ctx, loki.RangeQuery{Query: `{job="x"}`, Start: time.Now().Add(-time.Hour), End: time.Now()})
		paneErrs = append(paneErrs, err)
	}
	if am, err := alertmanagerClient(e); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		_, err := am.Alerts(ctx, alertmanager.AlertFilter{})
		paneErrs = append(paneErrs, err)
	}
	if cs, _, err := cephSource(e); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		_, err := cs.Snapshot(ctx)
		paneErrs = append(paneErrs, err)
	}
	if ds, err := newDockerSource(e); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		for _, h := range []string{"c1", "c2"} {
			_, err := ds.List(ctx, h)
			paneErrs = append(paneErrs, err)
		}
	}
	// An auth_url that does not even parse (url.Parse quotes it whole).
	bad2 := &Env{CloudName: "prod", Cloud: &config.Cloud{OpenStack: &config.OpenStackAuth{AuthURL: "http://ks:" + secretPW + "@%zz/v3", Username: "u", Password: secretPW}}, ReadOnly: true}
	bad2.Auth, bad2.AuthErr = config.ResolveAuth("prod", "", bad2.Cloud)
	if oc, err := openstackClient(bad2); err != nil {
		paneErrs = append(paneErrs, err)
	} else {
		paneErrs = append(paneErrs, oc.Connect(ctx))
	}
	for i, err := range paneErrs {
		if err == nil {
			t.Errorf("backend %d answered from 127.0.0.1:1?", i)
			continue
		}
		check("pane error", err.Error())
	}

	// The snapshot, in every format.
	for _, f := range []string{"text", "markdown", "json"} {
		out.Reset()
		errb.Reset()
		run([]string{"snapshot", "--config", p, "--cloud", "prod", "--timeout", "5s", "--format", f}, &out, &errb)
		check("snapshot "+f, out.String()+errb.String())
		if !strings.Contains(out.String(), "backend") {
			t.Errorf("snapshot %s shows no backend error to check:\n%s", f, out.String())
		}
	}

	// The audit file: an action that failed with one of those errors.
	log := audit.Open(filepath.Join(dir, "audit.jsonl"))
	for _, err := range paneErrs {
		if err == nil {
			continue
		}
		log.Record(audit.Entry{Action: "silence", Target: "http://am:" + secretPW + "@127.0.0.1:1/", Outcome: "failed",
			Error: err.Error() + " (posting to http://am:" + secretPW + "@127.0.0.1:1/api/v2/silences)", Details: map[string]string{"url": "http://am:" + secretPW + "@h/?password=" + secretPW}})
	}
	b, err := os.ReadFile(log.Path())
	if err != nil {
		t.Fatal(err)
	}
	check("audit file", string(b))
	if !strings.Contains(string(b), "am:***@") {
		t.Errorf("audit file should keep the redacted URL:\n%s", b)
	}
	if testing.Verbose() {
		for k, v := range outputs {
			t.Logf("%s:\n%s", k, v)
		}
	}
}
