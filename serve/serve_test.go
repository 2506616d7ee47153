package serve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
)

func newKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

// hello is a tiny cockpit: it prints who it is for and quits on q.
type hello struct {
	who  Session
	sent func(tea.Msg)
}

func (h *hello) Init() tea.Cmd { return nil }
func (h *hello) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		return h, tea.Quit
	}
	return h, nil
}
func (h *hello) View() tea.View {
	return tea.NewView(fmt.Sprintf("cockpit for %s (%s) readonly=%v", h.who.User.Name, h.who.User.Role, h.who.User.ReadOnly()))
}

type helloCockpit struct {
	h      *hello
	closed *sync.WaitGroup
}

func (c helloCockpit) Model() tea.Model        { return c.h }
func (c helloCockpit) SetSend(f func(tea.Msg)) { c.h.sent = f }
func (c helloCockpit) Close()                  { c.closed.Done() }

type fixture struct {
	srv            *Server
	addr           string
	op, aud, other gossh.Signer
	log            *syncBuf
	closed         sync.WaitGroup
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func start(t *testing.T, limits string) *fixture {
	t.Helper()
	f := &fixture{log: &syncBuf{}}
	var opPub, audPub string
	f.op, opPub = newKey(t)
	f.aud, audPub = newKey(t)
	f.other, _ = newKey(t)
	dir := t.TempDir()
	users, err := ParseUsers(filepath.Join(dir, "users.yaml"), []byte(fmt.Sprintf(`users:
  - name: alice
    role: operator
    keys: [%q]
  - name: bob
    role: auditor
    keys: [%q]
%s`, opPub, audPub, limits)))
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Options{Listen: "127.0.0.1:0", HostKey: filepath.Join(dir, "state", "host_key"), Users: users, Log: f.log,
		NewCockpit: func(s Session) (Cockpit, error) {
			f.closed.Add(1)
			return helloCockpit{h: &hello{who: s}, closed: &f.closed}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if f.addr, err = f.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.srv.Close() })
	return f
}

func dial(addr string, key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "whoever", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
}

// shell opens a session with a terminal and returns its output so far
// once want appears.
func shell(t *testing.T, c *gossh.Client, want string) (*gossh.Session, io.WriteCloser, func() string) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm", 24, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, _ := s.StdinPipe()
	var out syncBuf
	s.Stdout, s.Stderr = &out, &out
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s, in, out.String
}

func TestRolesComeFromTheUsersFile(t *testing.T) {
	f := start(t, "")
	for _, tc := range []struct {
		key  gossh.Signer
		want string
	}{{f.op, "cockpit for alice (operator) readonly=false"}, {f.aud, "cockpit for bob (auditor) readonly=true"}} {
		c, err := dial(f.addr, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		s, in, _ := shell(t, c, tc.want)
		_, _ = in.Write([]byte("q"))
		_ = s.Wait()
		c.Close()
	}
	if !strings.Contains(f.log.String(), "session start alice (operator, key SHA256:") {
		t.Errorf("log: %s", f.log.String())
	}
	f.closed.Wait() // every cockpit was closed when its session ended
}

func TestUnknownKeyIsRefusedAndRateLimited(t *testing.T) {
	f := start(t, "")
	for i := 0; i < failMax; i++ {
		if _, err := dial(f.addr, f.other); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Over the budget: even a known key from that address is turned away
	// until the window passes.
	if c, err := dial(f.addr, f.op); err == nil {
		c.Close()
		t.Fatal("a rate-limited address logged in")
	}
	if !strings.Contains(f.log.String(), "refused key") || !strings.Contains(f.log.String(), "too many failed logins") {
		t.Errorf("log: %s", f.log.String())
	}
}

func TestNoCommandsNoSubsystemsNoForwarding(t *testing.T) {
	f := start(t, "")
	c, err := dial(f.addr, f.op)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := c.NewSession()
	out, err := s.CombinedOutput("cat /etc/passwd")
	if err == nil || !strings.Contains(string(out), "cockpit only") || strings.Contains(string(out), "root:") {
		t.Fatalf("exec: %v %q", err, out)
	}
	s, _ = c.NewSession()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("sftp subsystem accepted")
	}
	if _, err := c.Dial("tcp", "127.0.0.1:22"); err == nil {
		t.Error("local port forwarding (direct-tcpip) accepted")
	}
	if _, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		t.Error("remote port forwarding (tcpip-forward) accepted")
	}
	// Agent forwarding: the SSH library acknowledges the request, but the
	// server never opens the agent channel back, so no key of the user's
	// agent is ever reachable from the server.
	agentCh := c.HandleChannelOpen("auth-agent@openssh.com")
	s, _ = c.NewSession()
	_, _ = s.SendRequest("auth-agent-req@openssh.com", true, nil)
	_ = s.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
	_ = s.Shell()
	select {
	case ch := <-agentCh:
		t.Errorf("the server opened an agent channel: %v", ch.ChannelType())
	case <-time.After(500 * time.Millisecond):
	}
	if ok, _ := s.SendRequest("x11-req", true, gossh.Marshal(struct {
		Single bool
		Proto  string
		Cookie string
		Screen uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok {
		t.Error("X11 forwarding accepted")
	}
	// Without a terminal there is no cockpit either.
	s, _ = c.NewSession()
	var buf syncBuf
	s.Stderr, s.Stdout = &buf, &buf
	_ = s.Shell()
	_ = s.Wait()
	if !strings.Contains(buf.String(), "needs a terminal") {
		t.Errorf("no-pty shell: %q", buf.String())
	}
}

func TestSessionCaps(t *testing.T) {
	f := start(t, "limits:\n  sessions_per_user: 1\n  sessions_total: 2\n")
	a1, err := dial(f.addr, f.op)
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	shell(t, a1, "cockpit for alice")
	a2, err := dial(f.addr, f.op)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	shell(t, a2, "alice already has 1 sessions open (limit 1)")
	b1, _ := dial(f.addr, f.aud)
	defer b1.Close()
	shell(t, b1, "cockpit for bob")
	b2, _ := dial(f.addr, f.aud)
	defer b2.Close()
	shell(t, b2, "limit")
	if per, total := f.srv.Sessions(); total != 2 || per["alice"] != 1 || per["bob"] != 1 {
		t.Errorf("sessions %v %d", per, total)
	}
}

func TestIdleSessionsEnd(t *testing.T) {
	f := start(t, "limits:\n  idle_timeout: 300ms\n")
	c, err := dial(f.addr, f.op)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _, _ := shell(t, c, "cockpit for alice")
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("an idle session stayed open")
	}
	if !strings.Contains(f.log.String(), "session idle alice") {
		t.Errorf("log: %s", f.log.String())
	}
}

func TestHostKeyIsPrivateAndKept(t *testing.T) {
	f := start(t, "")
	path := f.srv.o.HostKey
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v", st.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	_ = f.srv.Close()
	if _, err := New(f.srv.o); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("host key regenerated on restart")
	}
}

func TestUsersFileErrorsNameFileAndLine(t *testing.T) {
	_, pub := newKey(t)
	for _, tc := range []struct{ doc, want string }{
		{"users:\n  - name: a\n    role: admin\n    keys: [\"" + pub + "\"]\n", "users.yaml:2: user \"a\": role \"admin\""},
		{"users:\n  - name: a\n    role: operator\n", "users.yaml:2: user \"a\" has no keys"},
		{"users:\n  - name: a\n    keys: [\"ssh-ed25519 AAAAnotakey\"]\n", "users.yaml:2: user \"a\": key"},
		{"users:\n  - name: a\n    keys: [\"" + pub + "\"]\n  - name: b\n    keys: [\"" + pub + "\"]\n", "users.yaml:4: user \"b\": key SHA256:"},
		{"users:\n  - name: a\n    rol: operator\n", "field rol not found"},
		{"users: []\n", "no users"},
	} {
		_, err := ParseUsers("users.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.doc, err, tc.want)
		}
	}
	u, err := ParseUsers("users.yaml", []byte("users:\n  - name: a\n    keys: [\""+pub+"\"]\n"))
	if err != nil || !u.List[0].ReadOnly() || u.List[0].Role != RoleAuditor {
		t.Fatalf("a user without a role must be an auditor: %v %+v", err, u)
	}
}

var _ = net.Dial
