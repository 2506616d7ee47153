package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 14: typos inside backend blocks and a mutating action bound to a
// navigation key are refused at load with file:line, by config check and
// by the cockpit itself (which used to start, and open a reboot dialog on j).
func TestStrictConfigRefusedAtLoad(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typos := write("typos.yaml", "clouds:\n  prod:\n    prometheus:\n      url: http://127.0.0.1:9090\n      pasword: x\n    ceph: {url: \"https://127.0.0.1:8443\", ca_fle: /x}\n")
	keys := write("keys.yaml", "theme: dark\nkeys:\n  table.copy: [Y]\n  instances.reboot: [j]\n  instances.rebot: [x]\n")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{typos, []string{
			typos + `:5: unknown key "pasword" in clouds.prod.prometheus (did you mean "password"?)`,
			typos + `:6: unknown key "ca_fle" in clouds.prod.ceph (did you mean "ca_file"?)`}},
		{keys, []string{
			keys + `:4: keys: instances.reboot changes the cloud and cannot be bound to navigation key "j"`,
			keys + `:5: keys: unknown key action "instances.rebot" (did you mean "instances.reboot"?)`}},
	} {
		var out, errb bytes.Buffer
		if code := run([]string{"config", "check", "--config", tc.path}, &out, &errb); code != 1 {
			t.Errorf("config check %s: exit %d", tc.path, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("config check: missing %q in\n%s", w, errb.String())
			}
		}
		out.Reset()
		errb.Reset()
		if code := run([]string{"--config", tc.path, "--demo"}, &out, &errb); code == 0 {
			t.Errorf("stackpit started with %s", tc.path)
		}
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("start: missing %q in\n%s", w, errb.String())
			}
		}
	}
}
