// Command stackpit is a terminal cockpit for OpenStack operators.
//
//	stackpit [--cloud NAME] [--region R] [--readonly]   the cockpit
//	stackpit --demo [--demo-scale N]                    against the built-in demo cloud
//	stackpit config check [--config FILE]               validate configuration
//	stackpit demo serve --config-out FILE              only the demo cloud, in its own process
//	stackpit snapshot [--format text|markdown|json]     incident report; exit 0 ok, 1 warn, 2 crit, 3 unknown
//	stackpit logs [flags] QUERY                         only the logs pane, full-screen (tmux split)
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/redact"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui"
	"github.com/stackpit/stackpit/views/pane"
)

// flags are the command-line options shared by the cockpit and subcommands.
type flags struct {
	demo          bool
	demoScale     int
	demoHosts     int
	demoFailAfter time.Duration
	readOnly      bool
	cloud, region string
	configPath    string
	noColor       bool
	theme         string
	// only keeps one pane (`stackpit logs`); query pivots it at start.
	only, query string
	// clock replaces time.Now for the panes and their sources (tests).
	clock func() time.Time
}

func parseFlags(fs *flag.FlagSet, args []string) (*flags, error) {
	f := &flags{}
	fs.BoolVar(&f.demo, "demo", false, "run against the built-in simulated cloud")
	fs.IntVar(&f.demoScale, "demo-scale", 300, "number of instances in the demo cloud")
	fs.IntVar(&f.demoHosts, "demo-hosts", 6, "number of compute hosts in the demo cloud")
	fs.DurationVar(&f.demoFailAfter, "demo-fail-after", 45*time.Second, "when the demo's compute04 loses power (<0: never)")
	fs.BoolVar(&f.readOnly, "readonly", false, "read-only session: nothing can be changed")
	fs.StringVar(&f.cloud, "cloud", "", "cloud name from clouds.yaml (default $OS_CLOUD)")
	fs.StringVar(&f.region, "region", "", "region (default from clouds.yaml or $OS_REGION_NAME)")
	fs.StringVar(&f.configPath, "config", "", "stackpit config file (default "+config.DefaultPath()+")")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours (also: NO_COLOR)")
	fs.StringVar(&f.theme, "theme", "", "theme: "+fmt.Sprint(themes.BuiltinNames()))
	return f, fs.Parse(args)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) >= 2 && args[0] == "config" && args[1] == "check" {
		return configCheck(args[2:], stdout, stderr)
	}
	if len(args) >= 2 && args[0] == "demo" && args[1] == "serve" {
		return demoServe(args[2:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "logs" {
		return logsMode(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "serve" {
		startProfiler() // the multi-session benchmark profiles the server
		return serveCmd(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "snapshot" {
		return snapshotCmd(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "version" {
		fmt.Fprintln(stdout, "stackpit", version)
		return 0
	}
	fs := flag.NewFlagSet("stackpit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	startTrace()
	setMemoryLimit(f.demo)
	startProfiler()
	s, restoreGC, err := newRelaxedSession(f)
	if err != nil {
		fmt.Fprintln(stderr, "stackpit:", redact.Error(err))
		return 1
	}
	defer s.close()
	return runProgram(s, restoreGC, stderr)
}

// newRelaxedSession builds the session with the first load's lighter
// collector already on (issue 15, start to first rows): at 1,000 hosts
// the config's 2,000 host entries and the panes' per-host set-up allocate
// 4-6 MB on a heap that starts at a few, and under gcPercent three or four
// collections ran before the first page was asked for (execution traces
// of the real binary). restoreGC puts the collector back (runProgram
// calls it after the first load).
func newRelaxedSession(f *flags) (s *session, restoreGC func(), err error) {
	restoreGC = relaxGCForFirstLoad()
	s, err = newSession(f)
	if err != nil {
		restoreGC()
		return nil, nil, err
	}
	return s, restoreGC, nil
}

func runProgram(s *session, restoreGC func(), stderr io.Writer) int {
	// Signals are ours, not Bubble Tea's: SIGHUP (a dropped SSH link) and
	// SIGTERM must interrupt running operations and flush their journals
	// before the process goes, so the next start can resume them.
	// The pane on screen starts its first load now, beside setting up the
	// terminal (issue 15: start to first rows).
	huge := hugePagesForFirstLoad()           // after: the room's objects start no collection of their own
	time.AfterFunc(firstLoadGCMax, huge.done) // a load that never ends
	s.model.OnFirstLoad(func() { time.AfterFunc(gcBackAfter, func() { restoreGC(); huge.done() }) })
	s.model.StartActive()
	// The colour profile lipgloss detected at start: Bubble Tea's own
	// detection would run `tmux info` a second time inside tmux, a fork
	// and exec before the first frame.
	p := tea.NewProgram(s.model, tea.WithoutSignalHandler(), tea.WithColorProfile(lipgloss.Writer.Profile))
	s.model.SetSend(p.Send)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigc)
	type signalled struct {
		sig     syscall.Signal
		running int // operations it interrupted
	}
	got := make(chan signalled, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case sig := <-sigc:
			n := s.ops.Running()
			s.ops.Interrupt(flushWait)
			s.model.WaitActions(flushWait)
			got <- signalled{sig.(syscall.Signal), n}
			p.Kill()
		case <-stop:
		}
	}()
	_, err := p.Run()
	// Whatever ended the program, an operation still running is cut off
	// here: wait for its interrupted record.
	left := s.ops.Interrupt(flushWait)
	s.model.WaitActions(flushWait)
	select {
	case g := <-got:
		if g.running > 0 {
			fmt.Fprintf(stderr, "stackpit: %v: %d running operations interrupted; their journals are in %s (:ops resumes them)\n",
				g.sig, g.running, s.ops.Dir())
		}
		return 128 + int(g.sig)
	default:
	}
	if left > 0 {
		fmt.Fprintf(stderr, "stackpit: %d operations did not record their interruption in time (journals in %s)\n", left, s.ops.Dir())
	}
	if err != nil {
		fmt.Fprintln(stderr, "stackpit:", redact.Error(err))
		return 1
	}
	return 0
}

// flushWait bounds how long quitting waits for interrupted operations to
// write their journals' end records.
const flushWait = 10 * time.Second

var version = "dev"

// session is one running cockpit: config, theme, keys, audit, panes.
type session struct {
	f     *flags
	file  *config.File
	demo  *demo.Cloud
	model *ui.Model
	ops   *ops.Store // journals and locks of running operations
	// keyWarnings: key overrides that break the key grammar (shown at start)
	keyWarnings []error
	// served: a `stackpit serve` session; the demo cloud and the ops store
	// belong to the server, not to this session.
	served *servedAs
}

func (s *session) close() {
	if s.demo != nil && s.served == nil {
		s.demo.Close()
	}
}

func loadConfig(path string) (*config.File, error) {
	explicit := path != ""
	if !explicit {
		path = config.DefaultPath()
	}
	return config.Load(path, explicit)
}

func newSession(f *flags) (*session, error) {
	file, err := loadConfig(f.configPath)
	if err != nil {
		return nil, err
	}
	s := &session{f: f, file: file}
	if f.demo {
		s.demo, err = demo.Start(demo.StartOptions{Story: demo.Options{Instances: f.demoScale, Computes: f.demoHosts, FailAfter: f.demoFailAfter}})
		if err != nil {
			return nil, err
		}
	}
	s.ops = ops.NewStore(filepath.Join(config.StateDir(), "ops"))
	if err := s.start(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// start builds the shell for s (its file, demo and ops store set).
func (s *session) start() error {
	f, file := s.f, s.file
	keys, errs, warns := applyKeys(file)
	if len(errs) > 0 { // refused at load, not discovered by pressing the key
		return errors.Join(errs...)
	}
	s.keyWarnings = warns
	th, err := pickTheme(f, file)
	if err != nil {
		return err
	}
	cloud := f.cloud
	if f.demo {
		cloud = "demo"
	} else if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	auditPath := file.AuditFile
	if auditPath == "" {
		auditPath = filepath.Join(config.StateDir(), "audit.jsonl")
	}
	log := audit.Open(auditPath)
	if s.served != nil {
		log.SetSSH(s.served.who.User.Name, s.served.who.Fingerprint)
	}
	base := pane.Context{Theme: th, Keys: keys, Now: time.Now}
	if f.clock != nil {
		base.Now = f.clock
	}
	if s.served != nil && !f.demo && !s.served.who.User.MayUse(cloud) {
		return fmt.Errorf("%s may not use cloud %q", s.served.who.User.Name, cloud)
	}
	opts, err := s.build(cloud, base, log)
	if err != nil {
		return err
	}
	if !f.demo {
		opts.Clouds = cloudNames(file)
		opts.SwitchCloud = func(name string) (ui.Options, error) { return s.build(name, base, log) }
		if s.served != nil {
			u := s.served.who.User
			var mine []string
			for _, c := range opts.Clouds {
				if u.MayUse(c) {
					mine = append(mine, c)
				}
			}
			opts.Clouds = mine
			opts.SwitchCloud = func(name string) (ui.Options, error) {
				if !u.MayUse(name) { // checked here, not only in the picker
					return ui.Options{}, fmt.Errorf("%s may not use cloud %q", u.Name, name)
				}
				return s.build(name, base, log)
			}
		}
	}
	if f.theme == "" && file.Theme == "" {
		noColor := f.noColor || (s.served == nil && os.Getenv("NO_COLOR") != "") // served: the session's env decided f.noColor
		opts.AutoTheme = func(dark bool) *themes.Theme {
			name := "dark"
			if !dark {
				name = "light"
			}
			spec, _ := themes.Builtin(name)
			return themes.Build(spec, noColor)
		}
	}
	if s.served != nil {
		opts.Header.Person = s.served.who.User.Name
		opts.Header.Role = s.served.who.User.Role
	}
	s.model = ui.New(opts)
	return nil
}

// build assembles the shell options for one cloud: config, auth, panes.
func (s *session) build(cloud string, base pane.Context, log *audit.Log) (ui.Options, error) {
	var cc *config.Cloud
	if s.demo != nil {
		cc = s.demo.Config()
		cc.ReadOnly = cc.ReadOnly || s.file.ReadOnly
	} else {
		cc = s.file.Cloud(cloud)
	}
	readOnly := s.f.readOnly || cc.ReadOnly
	env := &Env{CloudName: cloud, Cloud: cc, ReadOnly: readOnly, Audit: log, Demo: s.demo, Ops: s.ops}
	if s.served != nil {
		env.Share = s.served.share.http
		env.Clients = s.served.share.clients
		env.Role = s.served.who.User.Role
	}
	env.Auth, env.AuthErr = config.ResolveAuth(cloud, s.f.region, cc)
	ctx := base
	ctx.Hosts = hostmodel.New() // one per cloud: a switch starts from nothing known
	ctx.ReadOnly = readOnly
	ctx.Refresh = cc.Refresh.D()
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	env.Ctx = ctx
	hdr := ui.Header{Cloud: cloud}
	if env.Auth != nil {
		if hdr.Cloud == "" {
			hdr.Cloud = env.Auth.Cloud
		}
		hdr.Region = env.Auth.Region()
		hdr.User = env.Auth.User()
		if sc := env.Auth.Options.Scope; sc != nil {
			hdr.Project = sc.ProjectName
		}
		if hdr.Project == "" {
			hdr.Project = env.Auth.Options.TenantName
		}
	}
	log.SetIdentity(hdr.Cloud, hdr.User, hdr.Project)
	s.ops.Cloud = hdr.Cloud
	var entries []ui.Entry
	for _, spec := range sortedPaneSpecs() {
		if s.f.only != "" && spec.ID != s.f.only {
			continue
		}
		p, err := spec.Build(env)
		if err != nil {
			p = ui.NewPlaceholder(spec.ID, spec.Title, err, ctx.Theme)
		}
		entries = append(entries, ui.Entry{ID: spec.ID, Title: spec.Title, Aliases: spec.Aliases, Pane: p})
	}
	if len(entries) == 0 {
		return ui.Options{}, errors.New("no panes registered")
	}
	o := ui.Options{Panes: entries, Ctx: ctx, Header: hdr, Audit: log, Single: s.f.only != "", Ops: s.ops, OnRefresh: retryAuthHook(env), ShowClock: s.file.Clock}
	if s.f.query != "" {
		o.Pivot = &pane.PivotMsg{Pane: entries[0].ID, Query: s.f.query}
	}
	for _, w := range s.keyWarnings {
		o.Notices = append(o.Notices, redact.Error(w).Error())
	}
	return o, nil
}

func cloudNames(f *config.File) []string {
	var out []string
	for n := range f.Clouds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// pickTheme: --theme, then config, then dark; NO_COLOR or --no-color keep
// only attributes.
func pickTheme(f *flags, file *config.File) (*themes.Theme, error) {
	noColor := f.noColor || os.Getenv("NO_COLOR") != ""
	name := f.theme
	if name == "" {
		name = file.Theme
	}
	if name == "" {
		name = "dark"
	}
	spec, err := themes.Load(themeDir(), name)
	if err != nil {
		return nil, err
	}
	return themes.Build(spec, noColor), nil
}

// configCheck validates the config file, keys and theme, printing errors
// with file and line. Exit 0 when fine, 1 otherwise.
func configCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (default "+config.DefaultPath()+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	file, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintln(stderr, redact.Error(err))
		return 1
	}
	bad := false
	for _, e := range file.Check() {
		fmt.Fprintln(stderr, redact.Error(e))
		bad = true
	}
	_, errs, warns := applyKeys(file)
	for _, e := range errs {
		fmt.Fprintln(stderr, redact.Error(e))
		bad = true
	}
	for _, w := range warns {
		fmt.Fprintln(stderr, redact.Error(w))
	}
	if file.Theme != "" {
		if _, err := themes.Load(themeDir(), file.Theme); err != nil {
			fmt.Fprintf(stderr, "%s: theme: %v\n", file.Path, err)
			bad = true
		}
	}
	if bad {
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d clouds)\n", file.Path, len(file.Clouds))
	return 0
}

// applyKeys is the default keymap with the config's keys applied, and
// every keymap problem as a file:line error (the action's line under keys:):
// refusals in errs, grammar breaks (the override works) in warns.
func applyKeys(file *config.File) (keys *keymap.Map, errs, warns []error) {
	keys = keymap.Defaults()
	for _, p := range keys.Apply(file.Keys) {
		line, ok := file.KeyLines[p.Action]
		if !ok {
			line = file.KeysLine
		}
		if p.Warning {
			warns = append(warns, &config.Error{File: file.Path, Line: line, Msg: "keys: warning: " + p.Msg})
			continue
		}
		errs = append(errs, &config.Error{File: file.Path, Line: line, Msg: "keys: " + p.Msg})
	}
	return keys, errs, warns
}

// themeDir holds user theme files (NAME.yaml).
func themeDir() string { return filepath.Join(config.Dir(), "themes") }

// logsMode runs only the logs pane, full-screen, on a LogQL query (or a
// pivot term such as host:compute04): for a tmux split during an incident.
//
//	stackpit logs [flags] '{container="nova_compute"} |= "ERROR"'
func logsMode(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stackpit logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	f.only, f.query = "logs", strings.Join(fs.Args(), " ")
	s, restoreGC, err := newRelaxedSession(f)
	if err != nil {
		fmt.Fprintln(stderr, "stackpit:", redact.Error(err))
		return 1
	}
	defer s.close()
	return runProgram(s, restoreGC, stderr)
}
