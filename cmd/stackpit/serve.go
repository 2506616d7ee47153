package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/redact"
	"github.com/stackpit/stackpit/serve"
)

// servedAs marks a session run by `stackpit serve` for one person.
type servedAs struct {
	who   serve.Session
	share *serverShare // one for the server: reads are answered and decoded once
}

// servedCockpit adapts a session to serve.Cockpit.
type servedCockpit struct{ s *session }

func (c servedCockpit) Model() tea.Model           { return c.s.model }
func (c servedCockpit) SetSend(send func(tea.Msg)) { c.s.model.SetSend(send) }

// Close: the SSH session ended. Operations it started go on in the
// server (their journals show them to every session in :ops) and write
// their own final audit records.
func (c servedCockpit) Close() {
	c.s.model.Detach()
	c.s.close()
}

// serveCmd is `stackpit serve`: the cockpit over SSH for the people in a
// users file. The server holds the cloud credentials (its config and
// clouds.yaml); a session's role comes from the users file alone.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stackpit serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", serve.DefaultListen, "address to listen on (loopback unless you decide otherwise)")
	usersPath := fs.String("users", filepath.Join(config.Dir(), "users.yaml"), "users file: names, SSH keys, roles, clouds")
	hostKey := fs.String("host-key", filepath.Join(config.StateDir(), "ssh_host_ed25519"), "host key (generated with mode 0600 when missing)")
	f, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	// The server is a cockpit per session: the same collector setting
	// (RSS closer to the live heap; at 50k the heap is mostly each
	// session's rows).
	setMemoryLimit(f.demo)
	if f.readOnly {
		fmt.Fprintln(stderr, "stackpit serve: --readonly is per user here: give the user role auditor in the users file")
		return 2
	}
	users, err := serve.LoadUsers(*usersPath)
	if err != nil {
		fmt.Fprintln(stderr, "stackpit serve:", err)
		return 1
	}
	file, err := loadConfig(f.configPath)
	if err != nil {
		fmt.Fprintln(stderr, "stackpit serve:", redact.Error(err))
		return 1
	}
	if _, errs, _ := applyKeys(file); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, "stackpit serve:", e)
		}
		return 1
	}
	var cloud *demo.Cloud
	if f.demo {
		cloud, err = demo.Start(demo.StartOptions{Story: demo.Options{Instances: f.demoScale, Computes: f.demoHosts, FailAfter: f.demoFailAfter}})
		if err != nil {
			fmt.Fprintln(stderr, "stackpit serve:", err)
			return 1
		}
		defer cloud.Close()
	}
	opsDir := filepath.Join(config.StateDir(), "ops")
	// Sessions refresh every 10 s (a cloud's refresh: setting); an answer
	// younger than 9 s, or asked in the same 10 s of the clock, is
	// everyone's, so one session's own next refresh still asks the server,
	// and twenty sessions ask about as often as one.
	share := newServerShare(shareEvery(file))
	srv, err := serve.New(serve.Options{
		Listen: *listen, HostKey: *hostKey, Users: users, Log: stderr,
		NewCockpit: func(who serve.Session) (serve.Cockpit, error) {
			s, err := newServedSession(f, file, cloud, share, opsDir, who)
			if err != nil {
				return nil, err
			}
			return servedCockpit{s}, nil
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "stackpit serve:", err)
		return 1
	}
	addr, err := srv.Start()
	if err != nil {
		fmt.Fprintln(stderr, "stackpit serve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "stackpit serve: listening on %s (%d users from %s; host key %s)\n", addr, len(users.List), users.Path, *hostKey)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	<-sigc
	_ = srv.Close()
	return 0
}

// newServedSession builds one person's cockpit from the server's flags,
// config, demo cloud and share.
func newServedSession(f *flags, file *config.File, cloud *demo.Cloud, share *serverShare, opsDir string, who serve.Session) (*session, error) {
	sf := *f
	sf.readOnly = who.User.ReadOnly() // the server decides, from the users file
	sf.noColor = f.noColor || envSet(who.Env, "NO_COLOR")
	if !f.demo && sf.cloud == "" {
		sf.cloud = firstCloud(file, who.User)
	}
	s := &session{f: &sf, file: file, demo: cloud, served: &servedAs{who: who, share: share}}
	// One store per session, one journal dir for all: locks are flocks,
	// so two sessions cannot run one target at once, and each journal
	// names the person who started it.
	s.ops = ops.NewStore(opsDir)
	s.ops.User = who.User.Name
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// shareEvery is the shortest refresh interval of the config's clouds (10 s
// by default).
func shareEvery(file *config.File) time.Duration {
	every := 10 * time.Second
	for _, c := range file.Clouds {
		if r := c.Refresh.D(); r > 0 && r < every {
			every = r
		}
	}
	return every
}

func envSet(env []string, name string) bool {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
			return true
		}
	}
	return false
}

// firstCloud is the cloud a served session opens: $OS_CLOUD of the server
// when the user may see it, else the first of theirs by name.
func firstCloud(file *config.File, u *serve.User) string {
	if c := os.Getenv("OS_CLOUD"); c != "" && u.MayUse(c) {
		return c
	}
	for _, c := range cloudNames(file) {
		if u.MayUse(c) {
			return c
		}
	}
	return ""
}
