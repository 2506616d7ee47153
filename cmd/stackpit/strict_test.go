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

// Issue 16: an override that breaks the key grammar (an action on a plain
// lowercase letter) is a warning, and the override works; an action on a
// pivot letter is refused like one on a navigation key.
func TestKeyGrammarOverrideWarnsPivotLetterRefused(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	warn := filepath.Join(dir, "warn.yaml")
	if err := os.WriteFile(warn, []byte("keys:\n  instances.reboot: [b]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"config", "check", "--config", warn}, &out, &errb); code != 0 {
		t.Fatalf("config check refused a grammar warning: exit %d\n%s", code, errb.String())
	}
	want := warn + `:2: keys: warning: instances.reboot changes the cloud: bind it to an uppercase letter or a ctrl chord, not "b"`
	if !strings.Contains(errb.String(), want) {
		t.Errorf("missing %q in\n%s", want, errb.String())
	}
	file, err := loadConfig(warn)
	if err != nil {
		t.Fatal(err)
	}
	keys, errs, warns := applyKeys(file)
	if len(errs) != 0 || len(warns) == 0 || !keys.Is("b", "instances.reboot") {
		t.Errorf("errs %v warns %v, b reboots: %v", errs, warns, keys.Is("b", "instances.reboot"))
	}

	refuse := filepath.Join(dir, "refuse.yaml")
	if err := os.WriteFile(refuse, []byte("keys:\n  instances.reboot: [c]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"config", "check", "--config", refuse}, &out, &errb); code != 1 {
		t.Fatalf("config check accepted an action on a pivot letter: exit %d", code)
	}
	if want := refuse + `:2: keys: instances.reboot changes the cloud and cannot be bound to "c", the containers pivot in every pane`; !strings.Contains(errb.String(), want) {
		t.Errorf("missing %q in\n%s", want, errb.String())
	}
}
