package main

// `stackpit serve` end to end: the real binary serving SSH on 127.0.0.1,
// the real OpenSSH client in tmux, the demo cloud in this process counting
// every request it receives.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/keymap"
)

type served struct {
	t        *testing.T
	port     int
	dir      string
	state    string
	keyOp    string
	keyAud   string
	keyOther string
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func sshKey(t *testing.T, path string) string {
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	b, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// startServe runs `stackpit serve` against the config's demo cloud.
func startServe(t *testing.T, cfg string) *served {
	t.Helper()
	requireTmux(t)
	for _, b := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("STACKPIT_REQUIRE_TMUX") == "1" {
				t.Fatalf("%s not installed (make test installs openssh-client)", b)
			}
			t.Skipf("%s not installed", b)
		}
	}
	bin := buildBinary(t)
	s := &served{t: t, port: freePort(t), dir: t.TempDir()}
	s.state = filepath.Join(s.dir, "state")
	s.keyOp, s.keyAud, s.keyOther = filepath.Join(s.dir, "op"), filepath.Join(s.dir, "aud"), filepath.Join(s.dir, "other")
	users := fmt.Sprintf("users:\n  - name: alice\n    role: operator\n    keys: [%q]\n  - name: bob\n    role: auditor\n    keys: [%q]\n",
		sshKey(t, s.keyOp), sshKey(t, s.keyAud))
	sshKey(t, s.keyOther)
	up := filepath.Join(s.dir, "users.yaml")
	if err := os.WriteFile(up, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg, "--cloud", "demo", "--users", up, "--listen", "127.0.0.1:"+strconv.Itoa(s.port))
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+s.state, "XDG_CONFIG_HOME="+filepath.Join(s.dir, "config"))
	logf, _ := os.Create(filepath.Join(s.dir, "serve.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); logf.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(s.dir, "serve.log"))
			t.Fatalf("serve never listened:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func (s *served) sshArgs(key string) []string {
	return []string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "LogLevel=ERROR", "-i", key, "-p", strconv.Itoa(s.port)}
}

// session opens the cockpit over ssh -t in tmux.
func (s *served) session(key, user string) *tmux {
	s.t.Helper()
	tm := &tmux{t: s.t, session: "serve-" + user, sock: filepath.Join(s.t.TempDir(), "tmux.sock")}
	cmdline := "ssh -t " + strings.Join(s.sshArgs(key), " ") + " " + user + "@127.0.0.1; echo EXITED $?; sleep 30"
	if out, err := exec.Command("tmux", "-S", tm.sock, "new-session", "-d", "-s", tm.session, "-x", "140", "-y", "45",
		"env", "TERM=xterm-256color", "sh", "-c", cmdline).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux: %v\n%s", err, out)
	}
	s.t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run() })
	return tm
}

// An auditor pressing every action key of every pane sends no mutating
// request: the role is the server's, the badge says so.
func TestE2EServeAuditorChangesNothing(t *testing.T) {
	dc, cfg := startDemoConfig(t, 30, -1)
	s := startServe(t, cfg)
	tm := s.session(s.keyAud, "bob")
	tm.waitFor("READ-ONLY: auditor", "ssh bob", "30/30 servers")
	var mut []string
	seen := map[string]bool{}
	km := keymap.Defaults()
	for _, g := range km.Groups() {
		for _, b := range km.Group(g) {
			for _, k := range b.Keys {
				if b.Mutates && !seen[k] {
					seen[k] = true
					mut = append(mut, k)
				}
			}
		}
	}
	if len(mut) < 10 {
		t.Fatalf("only %d action keys", len(mut))
	}
	pressed := 0
	for p := 1; p <= 9; p++ {
		for _, k := range mut {
			tm.keys(strconv.Itoa(p))
			tm.keys(tmuxKey(k))
			tm.literal("y")
			tm.keys("Enter", "Escape", "Escape")
			pressed++
		}
	}
	tm.waitFor("READ-ONLY: auditor")
	time.Sleep(2 * time.Second)
	if m := dc.Mutations(); len(m) > 0 {
		t.Fatalf("an auditor's session sent %d mutating requests (%d keys pressed): %+v", len(m), pressed, m)
	}
	t.Logf("%d action key presses over 9 panes, 0 mutating requests", pressed)
}

// An operator can act; the audit record names the SSH user and key.
func TestE2EServeOperatorActsAndIsAudited(t *testing.T) {
	dc, cfg := startDemoConfig(t, 30, -1)
	s := startServe(t, cfg)
	tm := s.session(s.keyOp, "alice")
	tm.waitFor("ssh alice", "30/30 servers")
	if strings.Contains(tm.screen(), "READ-ONLY") {
		t.Fatal("an operator's session is read-only")
	}
	km := keymap.Defaults()
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitFor("compute01")
	disable, _ := km.Get("compute.disable")
	tm.keys(tmuxKey(disable.Keys[0]))
	tm.waitFor("reason:")
	tm.literal("serve e2e")
	tm.keys("Enter")
	deadline := time.Now().Add(30 * time.Second)
	for len(dc.Mutations()) == 0 && time.Now().Before(deadline) {
		if sc := tm.screen(); strings.Contains(sc, "Confirm") || strings.Contains(sc, "[y/N]") {
			tm.literal("y")
			tm.keys("Enter")
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(dc.Mutations()) == 0 {
		t.Fatalf("the operator's disable sent nothing:\n%s", tm.screen())
	}
	var found bool
	for time.Now().Before(deadline) && !found {
		b, _ := os.ReadFile(filepath.Join(s.state, "stackpit", "audit.jsonl"))
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e struct {
				SSHUser string `json:"ssh_user"`
				SSHKey  string `json:"ssh_key"`
				Action  string `json:"action"`
			}
			if json.Unmarshal([]byte(l), &e) == nil && e.Action != "" {
				if e.SSHUser != "alice" || !strings.HasPrefix(e.SSHKey, "SHA256:") {
					t.Fatalf("audit record without the SSH identity: %s", l)
				}
				found = true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !found {
		t.Fatal("no audit record")
	}
}

// Unknown keys and port forwarding are refused by the real OpenSSH client's
// account of it.
func TestE2EServeRefusesUnknownKeysAndForwarding(t *testing.T) {
	_, cfg := startDemoConfig(t, 10, -1)
	s := startServe(t, cfg)
	out, err := exec.Command("ssh", append(s.sshArgs(s.keyOther), "-o", "BatchMode=yes", "eve@127.0.0.1")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Fatalf("unknown key: %v %s", err, out)
	}
	// -W asks the server to open a TCP connection for us (direct-tcpip).
	out, err = exec.Command("ssh", append(s.sshArgs(s.keyOp), "-o", "BatchMode=yes", "-W", "127.0.0.1:22", "alice@127.0.0.1")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "forwarding failed") {
		t.Fatalf("port forwarding: %v %s", err, out)
	}
	out, err = exec.Command("ssh", append(s.sshArgs(s.keyOp), "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-N",
		"-R", "127.0.0.1:0:127.0.0.1:22", "alice@127.0.0.1")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "forwarding failed") {
		t.Fatalf("remote forwarding: %v %s", err, out)
	}
	out, err = exec.Command("ssh", append(s.sshArgs(s.keyOp), "-o", "BatchMode=yes", "alice@127.0.0.1", "id")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cockpit only") {
		t.Fatalf("exec: %v %s", err, out)
	}
}

// tmuxKey turns a keymap key name into what tmux send-keys understands.
func tmuxKey(k string) string {
	switch {
	case strings.HasPrefix(k, "ctrl+"):
		return "C-" + strings.TrimPrefix(k, "ctrl+")
	case k == "enter":
		return "Enter"
	case k == "space":
		return "Space"
	}
	return k
}

// An operator's SSH link is cut mid-evacuation: the evacuation finishes in
// the server, a second person's session sees it in :ops with who ran it,
// and the audit has the whole story (started by alice, ok, session ended).
func TestE2EServeDroppedLinkEvacuationFinishes(t *testing.T) {
	dc, cfg := startDemoConfig(t, 30, time.Second)
	s := startServe(t, cfg)
	km := keymap.Defaults()
	evac, _ := km.Get("compute.evacuate")
	tm := s.session(s.keyOp, "alice")
	tm.waitFor("ssh alice", "30/30 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitLong(60*time.Second, "1 DOWN")
	tm.keys("g", tmuxKey(evac.Keys[0]))
	tm.waitFor("Confirm: evacuate-host compute04")
	tm.literal("compute04")
	tm.keys("Enter")
	tm.waitFor("EVACUATE compute04")
	// The link drops: the ssh client dies with its terminal.
	_ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run()

	onHost := func() (n int) {
		dc.Story.Lock(func() {
			for _, in := range dc.Story.Instances {
				if !in.Deleted && in.Host == "compute04" {
					n++
				}
			}
		})
		return n
	}
	deadline := time.Now().Add(150 * time.Second)
	for onHost() > 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	if n := onHost(); n > 0 {
		t.Fatalf("%d instances still on compute04 after the link dropped", n)
	}
	// Another person sees it, finished, with who ran it.
	tm2 := s.session(s.keyAud, "bob")
	tm2.waitFor("READ-ONLY: auditor", "30/30 servers")
	// While it verifies the list says "run by alice"; reopened until it ends.
	deadline = time.Now().Add(120 * time.Second)
	for {
		tm2.keys(":")
		tm2.literal("ops")
		tm2.keys("Enter")
		sc := tm2.waitFor("evacuate-host", "compute04", "alice")
		if strings.Contains(sc, " OK ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the evacuation never finished:\n%s", sc)
		}
		tm2.keys("Escape")
		time.Sleep(2 * time.Second)
	}
	// The audit: started by alice, then its own final record.
	b, _ := os.ReadFile(filepath.Join(s.state, "stackpit", "audit.jsonl"))
	var outcomes []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			SSHUser string            `json:"ssh_user"`
			Action  string            `json:"action"`
			Outcome string            `json:"outcome"`
			Details map[string]string `json:"details"`
		}
		if json.Unmarshal([]byte(l), &e) == nil && e.Action == "evacuate-host" {
			if e.SSHUser != "alice" {
				t.Errorf("record without alice: %s", l)
			}
			outcomes = append(outcomes, e.Outcome)
		}
	}
	if strings.Join(outcomes, ",") != "started,ok" {
		t.Fatalf("audit outcomes %v:\n%s", outcomes, b)
	}
}
