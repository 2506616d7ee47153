package main

// End-to-end: the real binary, started with --demo in a detached 120x40 tmux
// session, driven by keys like a person, read back with capture-pane.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type tmux struct {
	t       *testing.T
	session string
	sock    string
}

func requireTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("STACKPIT_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux not installed (make test installs it)")
		}
		t.Skip("tmux not installed")
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds the real binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stackpit-e2e")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "stackpit")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func startTmux(t *testing.T, w, h int, env []string, args ...string) *tmux {
	t.Helper()
	requireTmux(t)
	bin := buildBinary(t)
	tm := &tmux{t: t, session: "stackpit-e2e", sock: filepath.Join(t.TempDir(), "tmux.sock")}
	cmdline := strings.Join(append([]string{bin}, args...), " ")
	full := append([]string{"-S", tm.sock, "new-session", "-d", "-s", tm.session, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)}, "env")
	full = append(full, env...)
	full = append(full, "TERM=xterm-256color", "sh", "-c", cmdline+"; echo EXITED $?; sleep 30")
	if out, err := exec.Command("tmux", full...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run() })
	return tm
}

func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	args := append([]string{"-S", tm.sock, "send-keys", "-t", tm.session}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys %v: %v %s", keys, err, out)
	}
}

// literal types text as-is (no key-name interpretation).
func (tm *tmux) literal(s string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-S", tm.sock, "send-keys", "-t", tm.session, "-l", s).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys -l: %v %s", err, out)
	}
}

func (tm *tmux) screen() string {
	out, err := exec.Command("tmux", "-S", tm.sock, "capture-pane", "-p", "-t", tm.session).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("capture-pane: %v %s", err, out)
	}
	return string(out)
}

// waitFor polls the screen until every want string is on it. The deadline
// only bounds a failing test; it asserts nothing about speed.
func (tm *tmux) waitFor(wants ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = tm.screen()
		ok := true
		for _, w := range wants {
			if !strings.Contains(s, w) {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("screen never showed %q:\n%s", wants, s)
	return s
}

func (tm *tmux) waitGone(unwanted string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = tm.screen()
		if !strings.Contains(s, unwanted) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("screen still shows %q:\n%s", unwanted, s)
	return s
}

func e2eEnv(t *testing.T) []string {
	d := t.TempDir()
	return []string{"XDG_CONFIG_HOME=" + d + "/config", "XDG_STATE_HOME=" + d + "/state", "NO_COLOR="}
}

func TestE2EDemoLikeAPerson(t *testing.T) {
	tm := startTmux(t, 120, 40, e2eEnv(t), "--demo", "--demo-fail-after=-1s")
	s := tm.waitFor("stackpit", "cloud demo", "Instances", "Compute")
	if strings.Contains(s, "READ-ONLY") {
		t.Fatal("badge shown in a writable session")
	}
	// The instances pane fills with the demo's servers.
	tm.waitFor("300/300 servers", "ACTIVE")
	// Filter with "/".
	tm.keys("/")
	tm.literal("status:ERROR")
	tm.keys("Enter")
	s = tm.waitFor("filter: status:ERROR")
	if strings.Contains(s, " ACTIVE ") {
		t.Fatalf("filter left ACTIVE rows:\n%s", s)
	}
	tm.keys("Escape") // clear filter
	tm.waitGone("filter: status:ERROR")
	// Switch panes with the command line and with tab.
	tm.keys(":")
	tm.literal("hv")
	tm.keys("Enter")
	tm.waitFor("compute04", "compute01")
	tm.keys(":")
	tm.literal("agents")
	tm.keys("Enter")
	tm.waitFor("nova-compute")
	// Help overlay from the keymap.
	tm.keys("?")
	tm.waitFor("Keys", "global", "redraw screen", "pivots: h host · i instances")
	tm.keys("Escape")
	tm.waitGone("redraw screen")
	// The escape-laden server name renders as visible escapes.
	tm.keys(":")
	tm.literal("vm evil")
	tm.keys("Enter")
	s = tm.waitFor("1/300 servers", `\e]52;c;ZWNo`)
	if strings.Contains(s, "\x1b") {
		t.Fatal("raw ESC reached the screen")
	}
	tm.keys("Enter") // the detail view shows the whole name, still inert
	tm.waitFor(`\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`)
	tm.keys("Escape")
	tm.waitGone("── Summary") // (an ESC glued to the next key would read as alt+key)
	// Quit.
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

func TestE2EReadOnlyBadgeAndRefusal(t *testing.T) {
	env := e2eEnv(t)
	tm := startTmux(t, 120, 40, env, "--demo", "--readonly", "--demo-fail-after=-1s")
	tm.waitFor("READ-ONLY", "300/300 servers")
	tm.keys("R") // instances: reboot — must be refused
	tm.waitFor("read-only session")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

func TestE2ESmallTmuxPane(t *testing.T) {
	tm := startTmux(t, 60, 15, e2eEnv(t), "--demo", "--demo-fail-after=-1s")
	s := tm.waitFor("stackpit", "ACTIVE")
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if len([]rune(l)) > 60 {
			t.Fatalf("line %d wider than the pane: %q", i, l)
		}
	}
	tm.keys("C-l")
	tm.waitFor("stackpit")
	tm.keys("C-c")
	tm.waitFor("EXITED 0")
}

func TestE2ELogsPaneMode(t *testing.T) {
	tm := startTmux(t, 100, 20, e2eEnv(t), "logs", "--demo", "--demo-fail-after=-1s", "container:nova_compute")
	s := tm.waitFor(`{container="nova_compute"}`, "nova_compute", "FOLLOW")
	if strings.Contains(s, "Instances") || strings.Contains(s, "Containers") {
		t.Fatalf("pane tabs shown in single-pane mode:\n%s", s)
	}
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

// The incident strip and the tab markers follow the demo's incident in the
// real binary: before compute04 loses power the strip names no DOWN host;
// after, it says "1 host DOWN (compute04)" on every pane and Compute's tab
// is marked CRIT; control03's exited l3 agent container (Neutron still
// says the agent is up) is counted as a conflict. Failures stay on the
// bottom line and :messages lists them.
func TestE2EStripAndMarkersFollowTheIncident(t *testing.T) {
	tm := startTmux(t, 160, 30, e2eEnv(t), "--demo", "--demo-fail-after=3s")
	s := tm.waitFor("Compute", "conflict between sources")
	if strings.Contains(s, "host DOWN") {
		t.Fatalf("a host DOWN before the incident:\n%s", s)
	}
	s = tm.waitFor("1 host DOWN (compute04)", "Compute✗")
	tm.keys("3") // agents: the strip is on every pane
	s = tm.waitFor("nova-compute", "neutron-l3-agent up (neutron")
	if !strings.Contains(s, "1 host DOWN (compute04)") {
		t.Fatalf("strip missing on the agents pane:\n%s", s)
	}
	tm.keys(":")
	tm.literal("nosuchpane")
	tm.keys("Enter")
	tm.waitFor(`unknown command "nosuchpane"`, "esc dismisses")
	time.Sleep(6 * time.Second) // longer than an info toast lives
	tm.waitFor(`unknown command "nosuchpane"`)
	tm.keys("Escape")
	tm.waitGone("esc dismisses")
	tm.keys(":")
	tm.literal("messages")
	tm.keys("Enter")
	tm.waitFor("Messages", `unknown command "nosuchpane"`)
	tm.keys("q")
	tm.keys("q")
	tm.waitFor("EXITED 0")
}
