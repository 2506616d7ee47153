// Package containers is the Kolla containers pane: every container of every
// host (or one host), unhealthy and exited first, with restart/stop/start
// and `docker logs -f`. Each host loads on its own, so an unreachable host
// shows as one error row and never holds up the others.
package containers

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the pane needs from the Docker hosts.
type Source interface {
	Hosts() []string
	List(ctx context.Context, host string) ([]docker.Container, error)
	Inspect(ctx context.Context, host, name string) (docker.Container, error)
	Restart(ctx context.Context, host, name string) error
	Stop(ctx context.Context, host, name string) error
	Start(ctx context.Context, host, name string) error
	Logs(ctx context.Context, host, name string, o docker.LogOptions, fn func(docker.LogLine) bool) error
}

// SetServices gives the restart post-check the OpenStack service lists
// (nova_compute restarted -> wait for nova-compute up). Without it a
// restart ends when the container runs.
func (p *Pane) SetServices(r ops.ServiceReader) { p.services = r }

// containerOp is the ops operation behind an action on c.
func (p *Pane) containerOp(verb string, c docker.Container) *ops.ContainerOp {
	return &ops.ContainerOp{Deps: ops.ContainerDeps{Docker: p.src, Services: p.services}, Verb: verb, Host: c.Host, Name: c.Name}
}

// runOp adapts an ops container operation to an Action's Run.
func runOp(op *ops.ContainerOp) func(ctx context.Context, report func(pane.Progress)) (string, error) {
	return func(ctx context.Context, report func(pane.Progress)) (string, error) {
		res := op.Run(ctx, func(s ops.ContainerStep) {
			if report != nil {
				report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
			}
		})
		return res.Text, res.Err
	}
}

// HostDiscoverer is implemented by sources that can learn hosts from the
// cloud itself (service hosts) besides the configured ones.
type HostDiscoverer interface {
	DiscoverHosts(ctx context.Context) ([]string, error)
}

type hostsMsg struct {
	hosts []string
	err   error
}

type hostState struct {
	cs      []docker.Container
	err     error
	updated time.Time
	loading bool
	asked   time.Time // when its list was last asked for
	// rows: this host's rows as rebuild last made them, while its list,
	// the filter and the conflicts (rowsGen) stay (nil: to make).
	rows    *hostRows
	rowsGen int
}

// hostRows are one host's rows: its error row (unreachable) and its
// containers' rows by rank, each by name.
type hostRows struct {
	errRow *table.Row
	byRank [6][]table.Row
	n      int
}

// Each Docker host is its own daemon: reading every host each refresh
// costs one request per host per cycle (issue 15: 1,000 hosts at a 3 s
// refresh were 333 requests a second, and as many answers redrawn into the
// host model). Up to fastHosts hosts are all read every refresh; beyond,
// the selected host and hosts with a problem still are, and the others
// once per slowEvery, each in its own cycle of slowEvery on the wall clock
// (slowCycle: the same for every session of `stackpit serve`, so their
// reads of a host fall in one refresh interval and share one request;
// each session's own oldest-first picks were 1.8x one session's Docker
// requests at 20 sessions).
const (
	fastHosts = 40
	slowEvery = time.Minute
)

// Pane is the containers pane.
type Pane struct {
	ctx      pane.Context
	src      Source
	services ops.ServiceReader // nil: no restart post-check
	hosts    []string
	state    map[string]*hostState
	sel      int // 0 = all hosts, i = hosts[i-1]
	problems bool
	query    filter.Query
	tbl      *table.Model
	logs     *logView
	lastLoad time.Time
	// flight bounds the host reads running at once (hostsInFlight).
	flight  chan struct{}
	touched bool // the user moved the cursor: keep it on its row
	// discoverErr: the cloud's host list could not be read.
	discoverErr error
	// conflictsKey: the host model's conflicts the rows were built with.
	conflictsKey string
	// dirty: a host's list (or a conflict) came in since the rows were
	// built; they are built again when next drawn or used (sync). Each
	// host's answer rebuilt every row (issue 15: 40 hosts, 40 rebuilds a
	// cycle on the UI goroutine, with the pane not even on screen).
	dirty    bool
	rebuilds int // tests: how often the rows were built
	// rowsGen moves when every host's rows must be made again (filter,
	// problems only, conflicts); a host's answer remakes only its own
	// (issue 15: each of 1,000 hosts' answers remade 30,000 rows, 50-75 ms
	// a frame while the pane was on screen).
	rowsGen      int
	hostRowsMade int      // tests: hosts whose rows were made
	byName       []string // hosts sorted by name (nil: to sort)
	// status: what Status last computed for the selection statusSel,
	// until a host's state or the discovery changes (statusOK false). The
	// shell asks every pane's Status twice a frame (tab mark, status
	// line): a pass over every host each time (issue 15: 1,000 hosts,
	// hidden or not).
	status       pane.Status
	statusSel    int
	statusOK     bool
	statusPasses int // tests: how often Status went over the hosts
}

// sync builds the rows again if something came in since the last build.
func (p *Pane) sync() {
	if p.dirty {
		p.rebuild()
	}
}

// LoadKey lets the shell drop an older list that lands after a newer one.
func (m loadedMsg) LoadKey() string { return "containers/" + m.host }

type loadedMsg struct {
	host string
	cs   []docker.Container
	err  error
	at   time.Time
}

// New makes the pane.
func New(ctx pane.Context, src Source) *Pane {
	p := &Pane{ctx: ctx, src: src, hosts: src.Hosts(), state: map[string]*hostState{}, flight: make(chan struct{}, hostsInFlight)}
	for _, h := range p.hosts {
		p.state[h] = &hostState{}
	}
	p.tbl = table.New(
		table.Column{Title: "HOST", Width: 10},
		table.Column{Title: "CONTAINER", Min: 12},
		table.Column{Title: "GROUP", Width: 11, HideBelow: 90},
		table.Column{Title: "TAG", Width: 20, HideBelow: 110},
		table.Column{Title: "STATE", Width: 10},
		table.Column{Title: "HEALTH", Width: 11},
		table.Column{Title: "UP", Width: 5, Right: true},
		table.Column{Title: "RESTARTS", Width: 8, Right: true, HideBelow: 70},
	)
	return p
}

func (p *Pane) ID() string    { return "containers" }
func (p *Pane) Title() string { return "Containers" }
func (p *Pane) KeyGroups() []string {
	if p.logs != nil { // the log view answers the Loki pane's keys
		return []string{"logs", "table"}
	}
	return []string{"containers", "table"}
}
func (p *Pane) Capturing() bool { return false }

func (p *Pane) Init() tea.Cmd { return tea.Batch(p.loadAll(), p.discover()) }

// discover asks the source for the cloud's hosts (in a Cmd: it is I/O).
func (p *Pane) discover() tea.Cmd {
	d, ok := p.src.(HostDiscoverer)
	if !ok {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		hs, err := d.DiscoverHosts(ctx)
		return hostsMsg{hosts: hs, err: err}
	}
}

// Refresh reloads every host now (the user asked).
func (p *Pane) Refresh() tea.Cmd { return p.loadAll() }

// loadAll reads every host now.
func (p *Pane) loadAll() tea.Cmd { return p.loadHosts(p.hosts, 0) }

// loadHosts reads hosts; every > 0: reads on the slow cadence, which a
// shared answer (serve) of up to that age may answer.
func (p *Pane) loadHosts(hosts []string, every time.Duration) tea.Cmd {
	now := p.ctx.Now()
	p.lastLoad = now
	var cmds []tea.Cmd
	for _, h := range hosts {
		st := p.state[h]
		if st.loading {
			continue // never overlap requests to a slow host
		}
		st.loading, st.asked = true, now
		p.statusOK = false
		cmds = append(cmds, p.load(h, every))
	}
	return tea.Batch(cmds...)
}

// due are the hosts a periodic refresh reads (see fastHosts): those read
// every refresh, and those whose slow turn it is.
func (p *Pane) due() (fast, slow []string) {
	if len(p.hosts) <= fastHosts {
		return p.hosts, nil
	}
	now := p.ctx.Now()
	cycles := int64(max(1, int(slowEvery/p.ctx.Refresh)))
	slot := now.UnixNano() / int64(p.ctx.Refresh) // the interval of the wall clock
	for i, h := range p.hosts {
		st := p.state[h]
		switch {
		case p.sel == i+1, st.asked.IsZero(), st.err != nil, hasProblem(st.cs):
			fast = append(fast, h)
		case now.Sub(st.asked) < p.ctx.Refresh:
		default:
			// Not read since the start of its latest turn: its turn now, or
			// a late refresh (a busy session) missed it.
			turn := slot - ((slot-int64(slowCycle(h, int(cycles))))%cycles+cycles)%cycles
			if st.asked.Before(time.Unix(0, turn*int64(p.ctx.Refresh))) {
				slow = append(slow, h)
			}
		}
	}
	return fast, slow
}

// slowCycle is the cycle of slowEvery in which host h is read (a hash of
// its name: every session agrees, whatever its own host list's order).
func slowCycle(h string, cycles int) int {
	f := fnv.New32a()
	f.Write([]byte(h))
	return int(f.Sum32() % uint32(cycles))
}

// hasProblem: a container an operator is watching (not running, or not
// healthy) keeps its host on every refresh.
func hasProblem(cs []docker.Container) bool {
	for _, c := range cs {
		if c.State != "running" || c.Health == "unhealthy" || c.Health == "starting" {
			return true
		}
	}
	return false
}

// hostsInFlight: at most this many hosts are read at once. A first load
// at 1,000 hosts started 1,000 reads (each with its inspects) at once: on
// two cores their goroutines held both processors and the screen's
// goroutine waited behind them, one key press 2.9 s (issue 15). The others
// wait here, parked, and their timeout starts when their turn does. The
// selected host's read does not queue: the operator is looking at it.
const hostsInFlight = 16

func (p *Pane) load(h string, every time.Duration) tea.Cmd {
	src, now, flight := p.src, p.ctx.Now, p.flight
	if p.sel > 0 && p.sel <= len(p.hosts) && p.hosts[p.sel-1] == h {
		flight = nil
	}
	return func() tea.Msg {
		if flight != nil {
			flight <- struct{}{}
			defer func() { <-flight }()
		}
		// A slow turn's read may take another session's answer of this
		// turn (serve): a busy session reading late then shares it.
		ctx, cancel := context.WithTimeout(cadence.With(context.Background(), every), 15*time.Second)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		cs, err := src.List(ctx, h)
		return loadedMsg{host: h, cs: cs, err: err, at: age.At(now())}
	}
}

// SetFilter applies "/" terms: host: name: state: health: group: image:.
func (p *Pane) SetFilter(s string) {
	p.query = filter.Parse(s)
	p.rowsGen++
	p.rebuild()
}

// Pivot opens the pane on a host ("host:compute03") or container
// ("container:nova_compute host:compute03").
func (p *Pane) Pivot(q string) tea.Cmd {
	p.sel = 0
	for _, t := range filter.Parse(q).Terms {
		if t.Field == "host" {
			for i, h := range p.hosts {
				if strings.EqualFold(h, t.Value) {
					p.sel = i + 1
				}
			}
		}
	}
	rest := []string{}
	for _, f := range strings.Fields(q) {
		if !strings.HasPrefix(strings.ToLower(f), "host:") {
			rest = append(rest, strings.Replace(f, "container:", "name:", 1))
		}
	}
	p.query = filter.Parse(strings.Join(rest, " "))
	p.logs = nil
	p.rowsGen++
	p.rebuild()
	return p.loadAll()
}

// Back closes the log view.
func (p *Pane) Back() bool {
	if p.logs != nil {
		p.logs.close()
		p.logs = nil
		return true
	}
	return false
}

// Status aggregates the hosts: oldest data, and the errors that matter.
func (p *Pane) Status() pane.Status {
	if !p.statusOK || p.statusSel != p.sel {
		p.status, p.statusSel, p.statusOK = p.hostsStatus(), p.sel, true
	}
	return p.status
}

func (p *Pane) hostsStatus() pane.Status {
	p.statusPasses++
	var st pane.Status
	var errs []string
	var errUpdated time.Time
	for _, h := range p.visibleHosts() {
		s := p.state[h]
		st.Loading = st.Loading || s.loading
		if s.err != nil {
			// An unreachable host is reported by name below; its frozen
			// last-success time must not make every host look stale.
			errs = append(errs, h)
			if !s.updated.IsZero() && (errUpdated.IsZero() || s.updated.Before(errUpdated)) {
				errUpdated = s.updated
			}
			continue
		}
		if !s.updated.IsZero() && (st.Updated.IsZero() || s.updated.Before(st.Updated)) {
			st.Updated = s.updated
		}
	}
	if st.Updated.IsZero() {
		st.Updated = errUpdated
	}
	if len(errs) > 0 {
		st.Err = fmt.Errorf("%d host(s) unreachable: %s", len(errs), strings.Join(errs, ", "))
	}
	if p.discoverErr != nil {
		st.Note = "host discovery failed: " + p.discoverErr.Error()
	}
	if p.sel == 0 && len(p.hosts) > fastHosts {
		st.Every = slowEvery // the oldest host is read on that cadence (due)
	}
	return st
}

func (p *Pane) visibleHosts() []string {
	if p.sel == 0 {
		return p.hosts
	}
	return []string{p.hosts[p.sel-1]}
}

func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case hostsMsg:
		p.statusOK = false
		if msg.err != nil {
			p.discoverErr = msg.err
			return p, nil
		}
		p.discoverErr = nil
		selected := ""
		if p.sel > 0 {
			selected = p.hosts[p.sel-1]
		}
		var cmds []tea.Cmd
		for _, h := range msg.hosts {
			if _, known := p.state[h]; known {
				continue
			}
			p.hosts = append(p.hosts, h)
			p.state[h] = &hostState{loading: true}
			cmds = append(cmds, p.load(h, 0))
		}
		sort.Strings(p.hosts)
		p.byName = nil
		for i, h := range p.hosts {
			if h == selected {
				p.sel = i + 1
			}
		}
		p.rebuild()
		return p, tea.Batch(cmds...)
	case loadedMsg:
		p.statusOK = false
		st := p.state[msg.host]
		st.loading = false
		st.err = msg.err
		if msg.err == nil {
			st.cs, st.updated = msg.cs, msg.at
		}
		st.rows = nil
		p.dirty = true
		return p, p.ctx.Observe(observation(msg))
	case hostmodel.Observation:
		if k := p.ctx.Hosts.ConflictsKey(); k != p.conflictsKey {
			p.conflictsKey = k
			p.rowsGen++
			p.dirty = true // a conflict with an agent appeared or went
		}
		return p, nil
	case pane.TickMsg:
		if p.ctx.Refresh > 0 && p.ctx.Now().Sub(p.lastLoad) >= p.ctx.Refresh {
			fast, slow := p.due()
			return p, tea.Batch(p.loadHosts(fast, 0), p.loadHosts(slow, slowEvery))
		}
		return p, nil
	case pane.ActionDoneMsg:
		if strings.HasPrefix(msg.Name, "container-") {
			return p, p.loadAll()
		}
		return p, nil
	case logBatchMsg:
		if p.logs != nil && p.logs.id == msg.id {
			return p, p.logs.add(msg)
		}
		return p, nil
	case logCheckMsg:
		if p.logs != nil && p.logs.id == msg.id {
			return p, p.logs.onCheck(msg)
		}
		return p, nil
	case tea.KeyPressMsg:
		p.sync()
		return p, p.key(msg)
	}
	return p, nil
}

func (p *Pane) selected() (docker.Container, bool) {
	p.sync()
	r, ok := p.tbl.Selected()
	if !ok {
		return docker.Container{}, false
	}
	host, name, _ := strings.Cut(r.Key, "/")
	for _, c := range p.state[host].cs {
		if c.Name == name {
			return c, true
		}
	}
	return docker.Container{}, false
}

// selectedHost is the host of the cursor row, also for a host's error row
// (an unreachable host is exactly the one to look at in agents or logs).
func (p *Pane) selectedHost() (string, bool) {
	p.sync()
	r, ok := p.tbl.Selected()
	if !ok {
		return "", false
	}
	host, _, _ := strings.Cut(r.Key, "/")
	_, known := p.state[host]
	return host, known
}

func (p *Pane) key(k tea.KeyPressMsg) tea.Cmd {
	s := k.String()
	km := p.ctx.Keys
	if p.logs != nil {
		return p.logs.key(s, km)
	}
	if _, ok := km.Lookup(s, "table"); ok {
		p.touched = true
	}
	if p.tbl.HandleKey(km.Is, s) {
		return nil
	}
	switch {
	case km.Is(s, "containers.next_host"):
		p.sel = (p.sel + 1) % (len(p.hosts) + 1)
		p.rebuild()
	case km.Is(s, "containers.prev_host"):
		p.sel = (p.sel + len(p.hosts)) % (len(p.hosts) + 1)
		p.rebuild()
	case km.Is(s, "containers.problems"):
		p.problems = !p.problems
		p.rowsGen++
		p.rebuild()
	case km.Is(s, "table.copy"):
		if c, ok := p.selected(); ok {
			return pane.Copy(c.ID, safe.Line)
		}
	case km.Is(s, "table.open"), km.Is(s, "containers.logs"):
		if c, ok := p.selected(); ok {
			p.logs = newLogView(p.src, c, p.ctx)
			return p.logs.start()
		}
	case km.Is(s, "containers.agents"):
		if h, ok := p.selectedHost(); ok {
			return pane.Pivot("agents", "host:"+h)
		}
	case km.Is(s, "containers.compute"):
		if h, ok := p.selectedHost(); ok {
			return pane.Pivot("compute", "host:"+h)
		}
	case km.Is(s, "containers.loki"):
		if c, ok := p.selected(); ok {
			return pane.Pivot("logs", "host:"+c.Host+" container:"+c.Name)
		}
		if h, ok := p.selectedHost(); ok { // an unreachable host's row: its logs
			return pane.Pivot("logs", "host:"+h)
		}
	case km.Is(s, "containers.restart"):
		if c, ok := p.selected(); ok {
			return pane.RunAction(p.restartAction(c))
		}
	case km.Is(s, "containers.stop"):
		if c, ok := p.selected(); ok {
			return pane.RunAction(p.stopAction(c))
		}
	case km.Is(s, "containers.start"):
		if c, ok := p.selected(); ok {
			return pane.RunAction(p.startAction(c))
		}
	}
	return nil
}

// staleCheck warns in a confirmation when the container's host did not
// answer the last refresh: its state in the dialog is the last known one.
func (p *Pane) staleCheck(c docker.Container) []string {
	st := p.state[c.Host]
	if st == nil || st.err == nil {
		return nil
	}
	when := "never listed"
	if !st.updated.IsZero() {
		when = "state above is " + pane.Age(p.ctx.Now().Sub(st.updated)) + " old"
	}
	return []string{"⚠ " + c.Host + " did not answer the last refresh (" + when + "): the action will likely fail"}
}

// pidText is c's pid for the journal, "?" when no inspect told it.
func pidText(c docker.Container) string {
	if !c.Inspected() {
		return "?"
	}
	return strconv.Itoa(c.Pid)
}

func (p *Pane) restartAction(c docker.Container) pane.Action {
	op := p.containerOp(ops.ContainerRestart, c)
	run := runOp(op)
	return pane.Action{Name: "container-restart", Target: c.Host + "/" + c.Name, Mutates: true, ConfirmYes: true,
		Checks: append([]string{
			fmt.Sprintf("restart %s on %s (now %s, %s)", c.Name, c.Host, c.State, orDash(c.Health)),
			"docker restart -t 10: SIGTERM, then SIGKILL after 10 s",
		}, p.staleCheck(c)...),
		Details: map[string]string{"host": c.Host, "container": c.Name, "pid_before": pidText(c)},
		Run:     run, Reconcile: op.ReadBack}
}

func (p *Pane) stopAction(c docker.Container) pane.Action {
	op := p.containerOp(ops.ContainerStop, c)
	run := runOp(op)
	return pane.Action{Name: "container-stop", Target: c.Host + "/" + c.Name, Mutates: true, Confirm: c.Name,
		Checks:  append([]string{fmt.Sprintf("stop %s on %s: the service stays down until started", c.Name, c.Host)}, p.staleCheck(c)...),
		Details: map[string]string{"host": c.Host, "container": c.Name},
		Run:     run, Reconcile: op.ReadBack}
}

func (p *Pane) startAction(c docker.Container) pane.Action {
	op := p.containerOp(ops.ContainerStart, c)
	run := runOp(op)
	return pane.Action{Name: "container-start", Target: c.Host + "/" + c.Name, Mutates: true, ConfirmYes: true,
		Checks:  append([]string{fmt.Sprintf("start %s on %s (now %s)", c.Name, c.Host, c.State)}, p.staleCheck(c)...),
		Details: map[string]string{"host": c.Host, "container": c.Name},
		Run:     run, Reconcile: op.ReadBack}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Group is the Kolla service a container belongs to (nova_compute -> nova).
func Group(name string) string {
	g, _, _ := strings.Cut(name, "_")
	switch g {
	case "prometheus", "openvswitch", "ceph", "kolla":
		return g
	}
	return g
}

// observation is what one host's container list says, for the host model.
func observation(m loadedMsg) hostmodel.Observation {
	return hostmodel.Observation{Pane: "containers", Source: hostmodel.Docker, Scope: m.host, At: m.at, Err: m.err,
		Facts: hostmodel.FromContainers(m.host, m.cs)}
}

// conflicts are what other sources say against this container.
func (p *Pane) conflicts(host, name string) []hostmodel.Conflict {
	return p.ctx.Hosts.ConflictsOf(host, hostmodel.Container, name)
}

// rank orders problems first: unhealthy, exited/dead, restarting, starting.
func rank(c docker.Container) int {
	switch {
	case c.Health == "unhealthy":
		return 0
	case c.State == "exited" || c.State == "dead":
		return 1
	case c.State == "restarting":
		return 2
	case c.Health == "starting":
		return 3
	}
	return 4
}

// rebuild lays out the rows: hosts' error rows first, then containers by
// rank (problems first), host and name. Each host's rows are kept until
// its list, the filter or the conflicts change; its containers' cells are
// made when drawn (cRow).
func (p *Pane) rebuild() {
	p.dirty = false
	p.rebuilds++
	inOrder := p.visibleHosts() // the hosts' order: their error rows
	visible := inOrder
	if p.sel == 0 {
		if p.byName == nil {
			p.byName = slices.Sorted(slices.Values(p.hosts))
		}
		visible = p.byName
	}
	n := 0
	for _, h := range visible {
		st := p.state[h]
		if st.rows == nil || st.rowsGen != p.rowsGen {
			st.rows, st.rowsGen = p.hostRows(h, st), p.rowsGen
		}
		n += st.rows.n
	}
	rows := make([]table.Row, 0, n)
	for _, h := range inOrder {
		if r := p.state[h].rows.errRow; r != nil {
			rows = append(rows, *r)
		}
	}
	for rank := range 6 {
		for _, h := range visible {
			rows = append(rows, p.state[h].rows.byRank[rank]...)
		}
	}
	p.tbl.SetRows(rows)
	if !p.touched {
		p.tbl.Top() // problems sort first: show them until the user moves
	}
}

// hostRows makes one host's rows.
func (p *Pane) hostRows(h string, st *hostState) *hostRows {
	p.hostRowsMade++
	hr := &hostRows{}
	stale := st.err != nil
	if stale {
		// Its age is told when drawn: the row is kept until the host's
		// next answer, which for a dead host is a refresh and a timeout on.
		hr.errRow = &table.Row{Key: h + "/", Role: themes.Crit, Src: &errRow{host: h, err: st.err.Error(), updated: st.updated, now: p.ctx.Now}}
		hr.n++
		if len(st.cs) == 0 {
			return hr
		}
	}
	hm, _ := p.ctx.Hosts.Host(h) // its conflicts, looked up per container only when it has some
	for i := range st.cs {
		c := &st.cs[i]
		if p.problems && rank(*c) == 4 && !stale {
			continue
		}
		if !p.query.Empty() && !p.query.Match(map[string]string{"host": h, "name": c.Name, "state": c.State,
			"health": c.Health, "group": Group(c.Name), "image": c.Image, "id": c.ID}) {
			continue
		}
		r := rank(*c)
		if stale {
			r = 5 // after every live row: its host's error row is on top
		}
		hr.byRank[r] = append(hr.byRank[r], p.row(c, r, stale, len(hm.Conflicts) > 0))
		hr.n++
	}
	for _, rs := range hr.byRank {
		slices.SortStableFunc(rs, func(a, b table.Row) int {
			return strings.Compare(a.Src.(*cRow).c.Name, b.Src.(*cRow).c.Name)
		})
	}
	return hr
}

// row is a container's row; its cells are made when drawn.
func (p *Pane) row(c *docker.Container, rank int, stale, disputed bool) table.Row {
	role := themes.Normal
	state, health := c.State, orDash(c.Health)
	switch rank {
	case 0:
		role, health = themes.Crit, "✗ unhealthy"
	case 1:
		role, state = themes.Crit, "✗ exit ?" // no inspect answered: the code is not known
		if c.Inspected() {
			state = fmt.Sprintf("✗ exit %d", c.ExitCode)
		}
	case 2, 3:
		role = themes.Warn
	}
	if c.Health == "healthy" {
		health = "✓ healthy"
	}
	if !stale && disputed && len(p.conflicts(c.Host, c.Name)) > 0 {
		// Another source says otherwise (its agent reports up): say so.
		state += " ⚠"
		if role == themes.Normal {
			role = themes.Warn
		}
	}
	if stale {
		// Never show a dead host's containers as running and healthy.
		role, state, health = themes.Muted, "? "+orDash(c.State), strings.TrimSpace("? "+c.Health)
	}
	return table.Row{Key: c.Host + "/" + c.Name, Role: role, Src: &cRow{c: c, state: state, health: health, stale: stale, now: p.ctx.Now}}
}

// errRow is an unreachable host's row; "data X old" is made when drawn.
type errRow struct {
	host, err string
	updated   time.Time
	now       func() time.Time
}

func (r *errRow) Crit() bool { return true }

func (r *errRow) Cell(i int) table.Cell {
	switch i {
	case 0:
		return table.C(r.host)
	case 1:
		if r.updated.IsZero() {
			return table.C("✗ " + r.err)
		}
		// The rows below are what the host said last, not now.
		return table.C(fmt.Sprintf("✗ unreachable, data %s old: %s", pane.Age(r.now().Sub(r.updated)), r.err))
	case 4:
		return table.C("UNREACH")
	}
	return table.C("")
}

// cRow makes a container row's cells when the table asks (the rows on
// screen, the sort column): UP ages with the clock.
type cRow struct {
	c             *docker.Container
	state, health string
	stale         bool
	now           func() time.Time
}

func (r *cRow) Crit() bool { return false } // the row's Role says it

func (r *cRow) Cell(i int) table.Cell {
	c := r.c
	switch i {
	case 0:
		return table.C(c.Host)
	case 1:
		return table.C(c.Name)
	case 2:
		return table.C(Group(c.Name))
	case 3:
		tag := c.Image
		if i := strings.LastIndex(tag, ":"); i >= 0 && !strings.Contains(tag[i:], "/") {
			tag = tag[i+1:]
		}
		return table.C(tag)
	case 4:
		return table.C(r.state)
	case 5:
		return table.C(r.health)
	case 6:
		d := c.Uptime(r.now())
		up := "-"
		if !c.Inspected() && c.State == "running" {
			// Its start time is not known: not sorted as just started.
			return table.Cell{Text: "?", Sort: "-1"}
		}
		if r.stale {
			up = "?"
		} else if d > 0 {
			up = pane.Age(d)
		}
		return table.Cell{Text: up, Sort: fmt.Sprintf("%020d", int64(d))}
	case 7:
		if !c.Inspected() {
			return table.Cell{Text: "?", Sort: "-1"}
		}
		return table.C(strconv.Itoa(c.RestartCount))
	}
	return table.Cell{}
}

// View renders the host selector line, then the table or the log view.
func (p *Pane) View(w, h int) string {
	p.sync()
	if p.logs != nil {
		return p.logs.view(w, h)
	}
	th := p.ctx.Theme
	hostLabel := "all hosts"
	if p.sel > 0 {
		hostLabel = p.hosts[p.sel-1]
	}
	total, bad, unreach := 0, 0, 0
	for _, hn := range p.visibleHosts() {
		st := p.state[hn]
		if st.err != nil {
			unreach++
			continue // its rows are last known state: counted as unknown
		}
		for _, c := range st.cs {
			total++
			if rank(c) < 4 {
				bad++
			}
		}
	}
	line := th.Render(themes.Title, "host: "+safe.Text(hostLabel)) + th.Render(themes.Muted, " ([ ] to change)") +
		fmt.Sprintf("  %d containers", total)
	if bad > 0 {
		line += "  " + th.Render(themes.Crit, fmt.Sprintf("%d need attention", bad))
	}
	if unreach > 0 {
		line += "  " + th.Render(themes.Crit, fmt.Sprintf("✗ %d unreachable", unreach))
	}
	if p.problems {
		line += th.Render(themes.Warn, "  [problems only]")
	}
	if loading := p.Status(); loading.Loading && loading.Updated.IsZero() {
		line += th.Render(themes.Muted, "  loading…")
	}
	if safe.Width(line) > w {
		line = safe.Truncate(line, w, "…")
	}
	if c, ok := p.selected(); ok && h > 3 && p.state[c.Host].err == nil {
		if cs := p.conflicts(c.Host, c.Name); len(cs) > 0 {
			now := p.ctx.Now()
			o := cs[0].Other(hostmodel.Container, c.Name, hostmodel.Docker)
			why := "⚠ " + c.Host + " " + c.Name + " " + c.State + " but " + hostmodel.Describe(o, pane.DataAge(now.Sub(o.At)))
			return line + "\n" + p.tbl.View(w, h-2, th) + "\n" + th.Render(themes.Warn, safe.Fit(why, w))
		}
	}
	// The cursor on an unreachable host: its whole error (backend, address,
	// reason), which the CONTAINER cell cuts off, on its own line.
	if hn, ok := p.selectedHost(); ok && p.state[hn].err != nil && h > 3 {
		st := p.state[hn]
		why := "✗ " + st.err.Error()
		if !st.updated.IsZero() {
			why += fmt.Sprintf(" · data %s old", pane.Age(p.ctx.Now().Sub(st.updated)))
		}
		return line + "\n" + p.tbl.View(w, h-2, th) + "\n" + th.Render(themes.Crit, safe.Fit(why, w))
	}
	return line + "\n" + p.tbl.View(w, h-1, th)
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { p.sync(); return p.tbl }
