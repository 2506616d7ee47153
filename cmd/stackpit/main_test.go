package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/config"
)

func TestConfigCheckNamesFileAndLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte("theme: dark\nclouds:\n  prod:\n    prometheus: {url: \"not a url\", password: hunter2}\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"config", "check", "--config", p}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), p+":4:") || strings.Contains(errb.String(), "hunter2") {
		t.Fatalf("want file:line and no secret, got %q", errb.String())
	}
}

func TestConfigCheckKeyConflicts(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte("keys:\n  table.up: [j]\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"config", "check", "--config", p}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `key "j" bound to both`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestConfigCheckOK(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte("theme: light\nclouds:\n  prod:\n    prometheus: http://127.0.0.1:9090\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"config", "check", "--config", p}, &out, &errb); code != 0 || !strings.Contains(out.String(), "ok (1 clouds)") {
		t.Fatalf("exit %d out %q err %q", code, out.String(), errb.String())
	}
}

func TestSnapshotAgainstTheDemo(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var out, errb bytes.Buffer
	// Before the incident: the demo's standing warnings only.
	if code := run([]string{"snapshot", "--demo", "--demo-fail-after=-1s", "--demo-scale", "30"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "HostFilesystemFilling") || strings.Contains(out.String(), "CRIT") {
		t.Fatalf("before:\n%s", out.String())
	}
	// The demo's stuck volume and the image delete that hangs are listed.
	for _, want := range []string{"detaching", "pending_delete", "ubuntu-22.04-old"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("snapshot lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	// After compute04 lost power: critical, and the host is named.
	if code := run([]string{"snapshot", "--demo", "--demo-fail-after=1s", "--demo-scale", "30", "--format", "json"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), `"status": "CRIT"`) || !strings.Contains(out.String(), `"host": "compute04"`) {
		t.Fatalf("after:\n%s", out.String())
	}
}

func TestOneBadDockerAddressIsOneHostsError(t *testing.T) {
	e := &Env{CloudName: "x", Cloud: &config.Cloud{Docker: &config.Docker{Hosts: map[string]string{
		"compute01": "ftp://x", "compute02": "unix:///nonexistent/docker.sock"}}}}
	s, err := newDockerSource(e)
	if err != nil {
		t.Fatalf("one bad address failed the whole pane: %v", err)
	}
	if _, err := s.List(context.Background(), "compute01"); err == nil || !strings.Contains(err.Error(), "unsupported address") {
		t.Fatalf("compute01: %v", err)
	}
	if _, err := s.List(context.Background(), "compute02"); err == nil || strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("compute02 should fail on its own socket: %v", err)
	}
}

// No cloud anywhere: UNKNOWN (3), saying how to configure one — never
// "OK" having checked nothing.
func TestSnapshotWithoutACloudIsUnknown(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, v := range []string{"OS_CLOUD", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD"} {
		t.Setenv(v, "")
	}
	var out, errb bytes.Buffer
	code := run([]string{"snapshot"}, &out, &errb)
	first, _, _ := strings.Cut(out.String(), "\n")
	if code != 3 || !strings.HasPrefix(first, "UNKNOWN: ") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"OS_CLOUD", "clouds.yaml", "config.yaml", "not checked (not configured): alerts, ceph, controlplane, openstack"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not mention %q:\n%s", want, out.String())
		}
	}
}
