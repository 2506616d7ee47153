package serve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
)

// Session is who is on the other end of one SSH session.
type Session struct {
	User        *User
	Fingerprint string // SHA256 of the key they logged in with
	Remote      string
	Env         []string // the session's environment (TERM, COLORTERM, NO_COLOR)
}

// Cockpit is one session's running program, built by the caller (the
// command wires panes, clients and the audit log; this package only
// serves them).
type Cockpit interface {
	Model() tea.Model
	// SetSend gives the model the program's Send once it exists.
	SetSend(func(tea.Msg))
	// Close releases the session's resources (not shared ones).
	Close()
}

// Options configure the server.
type Options struct {
	Listen  string // host:port; default 127.0.0.1:2222
	HostKey string // path of the host key, generated (0600) on first start
	Users   *Users
	// NewCockpit builds the cockpit for one session.
	NewCockpit func(Session) (Cockpit, error)
	Log        io.Writer // connection log (auth refusals, sessions)
	Now        func() time.Time
}

// Server is a running `stackpit serve`.
type Server struct {
	o       Options
	srv     *ssh.Server
	ln      net.Listener
	serving chan struct{} // closed when Serve has returned

	mu       sync.Mutex
	sessions map[string]int // per user
	total    int
	fails    map[string][]time.Time // failed auth per remote IP
}

// DefaultListen is loopback: exposing the cockpit is a decision to write
// down in the config, not a default.
const DefaultListen = "127.0.0.1:2222"

// Failed-auth rate limit: after failMax failures from one address within
// failWindow, that address is refused until the window has passed.
const (
	failMax    = 6
	failWindow = time.Minute
)

type ctxKey string

const (
	userKey ctxKey = "stackpit-user"
	fpKey   ctxKey = "stackpit-fingerprint"
)

// New prepares the server (host key, listener options). Start listens.
func New(o Options) (*Server, error) {
	if o.Users == nil || len(o.Users.List) == 0 {
		return nil, errors.New("serve: no users")
	}
	if o.NewCockpit == nil {
		return nil, errors.New("serve: no cockpit builder")
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HostKey == "" {
		return nil, errors.New("serve: no host key path")
	}
	if err := os.MkdirAll(filepath.Dir(o.HostKey), 0o700); err != nil {
		return nil, fmt.Errorf("serve: host key dir: %w", err)
	}
	s := &Server{o: o, sessions: map[string]int{}, fails: map[string][]time.Time{}}
	srv, err := wish.NewServer(
		wish.WithAddress(o.Listen),
		wish.WithHostKeyPath(o.HostKey),
		wish.WithPublicKeyAuth(s.auth),
		wish.WithIdleTimeout(0),
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(s.program), // innermost: runs last
			s.gate, // outermost: runs first
		),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if err := os.Chmod(o.HostKey, 0o600); err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	// No port, agent or X11 forwarding: no forwarding handlers are set
	// (the library refuses what has no handler), and only "session"
	// channels exist.
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler}
	srv.RequestHandlers = map[string]ssh.RequestHandler{}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	srv.ConnCallback = s.admit
	s.srv = srv
	return s, nil
}

// Start listens; it returns the bound address (useful with port 0).
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		return "", fmt.Errorf("serve: %w", err)
	}
	s.ln, s.serving = ln, make(chan struct{})
	go func() { _ = s.srv.Serve(ln); close(s.serving) }()
	return ln.Addr().String(), nil
}

// Close stops listening and ends every session. The listener is closed
// and Serve waited for first: the SSH library's Shutdown races with a
// Serve that has not started tracking its listener yet.
func (s *Server) Close() error {
	if s.ln != nil {
		_ = s.ln.Close()
		<-s.serving
	}
	return s.srv.Close()
}

// Sessions returns the open sessions per user and in total.
func (s *Server) Sessions() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.sessions))
	for k, v := range s.sessions {
		out[k] = v
	}
	return out, s.total
}

func host(addr net.Addr) string {
	if addr == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return h
}

// admit drops connections from an address that is over its failed-auth
// budget before any key exchange.
func (s *Server) admit(_ ssh.Context, c net.Conn) net.Conn {
	if s.limited(host(c.RemoteAddr())) {
		fmt.Fprintf(s.o.Log, "%s refused: too many failed logins from %s\n", s.o.Now().Format(time.RFC3339), host(c.RemoteAddr()))
		_ = c.Close()
	}
	return c
}

func (s *Server) limited(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	kept := s.fails[ip][:0]
	for _, t := range s.fails[ip] {
		if now.Sub(t) < failWindow {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(s.fails, ip)
		return false
	}
	s.fails[ip] = kept
	return len(kept) >= failMax
}

// auth accepts a key the users file names and nothing else (no password,
// no keyboard-interactive: those handlers are never set).
func (s *Server) auth(ctx ssh.Context, key ssh.PublicKey) bool {
	ip := host(ctx.RemoteAddr())
	if s.limited(ip) {
		return false
	}
	u := s.o.Users.Find(key)
	if u == nil {
		s.mu.Lock()
		s.fails[ip] = append(s.fails[ip], s.o.Now())
		s.mu.Unlock()
		fmt.Fprintf(s.o.Log, "%s refused key %s for %q from %s: not in %s\n", s.o.Now().Format(time.RFC3339),
			Fingerprint(key), ctx.User(), ip, s.o.Users.Path)
		return false
	}
	ctx.SetValue(userKey, u)
	ctx.SetValue(fpKey, Fingerprint(key))
	return true
}

type cockpitKey struct{}

// gate runs before the cockpit: no commands, a terminal, session caps.
func (s *Server) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		u, _ := sess.Context().Value(userKey).(*User)
		if u == nil { // cannot happen: auth sets it
			wish.Fatalln(sess, "stackpit: not authenticated")
			return
		}
		if len(sess.Command()) > 0 || sess.Subsystem() != "" {
			wish.Fatalln(sess, "stackpit serve runs the cockpit only: no commands, no subsystems (ssh -t without a command)")
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			wish.Fatalln(sess, "stackpit serve needs a terminal: ssh -t")
			return
		}
		if msg := s.take(u); msg != "" {
			wish.Fatalln(sess, "stackpit: "+msg)
			return
		}
		defer s.release(u)
		fp, _ := sess.Context().Value(fpKey).(string)
		fmt.Fprintf(s.o.Log, "%s session start %s (%s, key %s) from %s\n", s.o.Now().Format(time.RFC3339), u.Name, u.Role, fp, host(sess.RemoteAddr()))
		defer func() {
			fmt.Fprintf(s.o.Log, "%s session end %s from %s\n", s.o.Now().Format(time.RFC3339), u.Name, host(sess.RemoteAddr()))
		}()
		next(sess)
		if c, ok := sess.Context().Value(cockpitKey{}).(Cockpit); ok {
			c.Close()
		}
	}
}

func (s *Server) take(u *User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lim := s.o.Users.Limits
	if s.sessions[u.Name] >= lim.SessionsPerUser {
		return fmt.Sprintf("%s already has %d sessions open (limit %d)", u.Name, s.sessions[u.Name], lim.SessionsPerUser)
	}
	if s.total >= lim.SessionsTotal {
		return fmt.Sprintf("the server has %d sessions open (limit %d)", s.total, lim.SessionsTotal)
	}
	s.sessions[u.Name]++
	s.total++
	return ""
}

func (s *Server) release(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[u.Name]--
	if s.sessions[u.Name] <= 0 {
		delete(s.sessions, u.Name)
	}
	s.total--
}

// program builds the session's cockpit and its Bubble Tea program. The
// idle timer counts key presses, not output: a cockpit on a moving cloud
// writes all the time, a person who left does not type.
func (s *Server) program(sess ssh.Session) *tea.Program {
	u, _ := sess.Context().Value(userKey).(*User)
	fp, _ := sess.Context().Value(fpKey).(string)
	c, err := s.o.NewCockpit(Session{User: u, Fingerprint: fp, Remote: host(sess.RemoteAddr()), Env: sess.Environ()})
	if err != nil {
		wish.Errorln(sess, "stackpit: "+err.Error())
		return nil
	}
	sess.Context().SetValue(cockpitKey{}, c)
	var mu sync.Mutex
	last := s.o.Now()
	opts := append(bubbletea.MakeOptions(sess), tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		switch msg.(type) {
		case tea.SuspendMsg: // no job control over SSH
			return tea.ResumeMsg{}
		case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg:
			mu.Lock()
			last = s.o.Now()
			mu.Unlock()
		}
		return msg
	}), tea.WithoutSignalHandler())
	p := tea.NewProgram(c.Model(), opts...)
	c.SetSend(p.Send)
	if idle := s.o.Users.Limits.Idle; idle > 0 {
		go func() {
			t := time.NewTicker(min(idle/4, 30*time.Second))
			defer t.Stop()
			for {
				select {
				case <-sess.Context().Done():
					return
				case <-t.C:
					mu.Lock()
					quiet := s.o.Now().Sub(last)
					mu.Unlock()
					if quiet >= idle {
						fmt.Fprintf(s.o.Log, "%s session idle %s: closed after %s without a key\n", s.o.Now().Format(time.RFC3339), u.Name, idle)
						p.Quit()
						return
					}
				}
			}
		}()
	}
	return p
}
