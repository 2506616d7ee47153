package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostsConfig writes a config for cloud "prod" listing n Docker and n BMC
// hosts, as a 1,000-host cloud's (and the demo's) config does.
func hostsConfig(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("clouds:\n  prod:\n    docker:\n      hosts:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "        compute%04d: http://127.0.0.1:%d\n", i, 20000+i)
	}
	b.WriteString("    bmc:\n      protocol: redfish\n      username: admin\n      password: x\n      hosts:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "        compute%04d: http://127.0.0.1:%d\n", i, 30000+i)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The session is built under the first load's lighter collector (issue
// 15, start to first rows): at 1,000 hosts its config and panes allocate
// several MB on a heap of a few, and under gcPercent collections ran
// before the first page was asked for.
func TestSessionIsBuiltWithoutACollection(t *testing.T) {
	cfg := hostsConfig(t, 1000)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	cockpitCollector(t, false)
	runtime.GC() // a small live heap: the build alone passes gcPercent's goal
	before := gcCycles()
	s, restoreGC, err := newRelaxedSession(&flags{configPath: cfg, cloud: "prod"})
	after := gcCycles()
	if err != nil {
		t.Fatal(err)
	}
	restoreGC()
	s.close()
	if after != before {
		t.Fatalf("%d collections while the session was built, want none", after-before)
	}
}

// BenchmarkSessionStart1000Hosts is the start's work before the first
// page can be asked for: the config read and every pane built, at 1,000
// Docker and BMC hosts.
func BenchmarkSessionStart1000Hosts(b *testing.B) {
	cfg := hostsConfig(b, 1000)
	b.Setenv("XDG_STATE_HOME", b.TempDir())
	b.ReportAllocs()
	for b.Loop() {
		s, err := newSession(&flags{configPath: cfg, cloud: "prod"})
		if err != nil {
			b.Fatal(err)
		}
		s.close()
	}
}
