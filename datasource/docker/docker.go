// Package docker is a small client of the Docker Engine API for Kolla hosts:
// list and inspect containers, restart/stop/start them, and read their logs
// (the multiplexed stream decoded). A host is reached over a local unix
// socket, TCP, or SSH with the user's own `ssh` running
// `docker system dial-stdio` — what the docker CLI does for ssh:// hosts, so
// ~/.ssh/config, the agent and ProxyJump all apply.
//
// We use our own client rather than github.com/moby/moby/client: we need a
// dozen endpoints, and the official client drags in a large dependency tree.
package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/internal/intern"
	"github.com/stackpit/stackpit/redact"
)

// MaxAPIVersion is the newest API version this client speaks. Older daemons
// are talked to at their own version (negotiated from /version).
const MaxAPIVersion = "1.43"

// Container is one container as the containers pane shows it. Its
// creation and last exit times are not kept: nothing read them (48 bytes
// a container, and 24 of the inspect kept between lists; issue 15).
type Container struct {
	Host         string
	ID           string
	Name         string // without the leading "/"
	Image        string
	State        string // running, exited, restarting, paused, created, dead
	Status       string // "Up 3 hours (healthy)"
	Health       string // healthy, unhealthy, starting, "" (no healthcheck)
	StartedAt    time.Time
	ExitCode     int
	RestartCount int // -1: not known (no inspect of this container answered)
	Pid          int
}

// Inspected reports whether the inspect-only fields (start time, exit
// code, restart count, pid) are known: a list whose inspect of a
// container failed has them zero, and a restart count or exit code of 0
// shown then would be a guess. The zero Container (an error's) claims to
// be inspected: check the error first, or mark it with RestartCount -1.
func (c Container) Inspected() bool { return c.RestartCount >= 0 }

// Uptime is how long a running container has been up.
func (c Container) Uptime(now time.Time) time.Duration {
	if c.State != "running" || c.StartedAt.IsZero() {
		return 0
	}
	return now.Sub(c.StartedAt)
}

// Client talks to one host's Docker engine.
type Client struct {
	Host string // host name (compute03)
	Addr string // address as configured (unix:///..., ssh://..., tcp://..., http://...)

	hc      *http.Client
	base    string // http://docker (dialled specially) or http://host:port
	mu      sync.Mutex
	version string
	seen    map[string]*seen // by container ID: the last inspect (list.go)
	ev      evState          // the last list and the events after it (events.go)
	now     func() time.Time
}

// Options make a client. NewHTTP builds the guarded http.Client (the caller
// passes its read-only setting through it).
type Options struct {
	Host, Addr string
	NewHTTP    func(httpclient.Options) (*http.Client, error)
	ReadOnly   bool
	// SSHCommand overrides the ssh program (tests).
	SSHCommand []string
	// MaxResponse caps each answer (bytes; 0: httpclient.DefaultMaxResponse).
	// Log streams are not cut.
	MaxResponse int64
	// Now is the client's clock (default time.Now; tests).
	Now func() time.Time
}

// New makes a client for one host; nothing is dialled until first use.
func New(o Options) (*Client, error) {
	if o.NewHTTP == nil {
		o.NewHTTP = httpclient.New
	}
	u, err := url.Parse(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("docker host %s: bad address %q: %w", o.Host, redact.URL(o.Addr), redact.Error(err))
	}
	// One idle connection: a client is one host's daemon, read about once
	// a minute; the idle ones left by reads at once (a slow link's
	// inspects, serve's sessions, the selected host beside a refresh) were
	// two goroutines each (or an ssh process), ~15,000 goroutines for the
	// collector to scan at 1,000 hosts (issue 15).
	// Small buffers: that connection's 8 KiB of buffers were ~8 MB at
	// 1,000 hosts (a request is a few hundred bytes; a big answer is read
	// past the buffer).
	// OneConn: net/http keeps a read and a write goroutine on every idle
	// connection, ~2,300 at 1,000 hosts (issue 15); ours keeps none, and
	// reports a redialled connection as a new one (events.go's identity).
	ho := httpclient.Options{ReadOnly: o.ReadOnly, Timeout: -1, MaxResponse: o.MaxResponse, MaxIdlePerHost: 1, BufferSize: connBuffer,
		OneConn: true}
	c := &Client{Host: o.Host, Addr: o.Addr, base: "http://docker", seen: map[string]*seen{}, now: time.Now}
	if o.Now != nil {
		c.now = o.Now
	}
	switch u.Scheme {
	case "unix":
		path := u.Path
		d := &net.Dialer{Timeout: 5 * time.Second}
		ho.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { return d.DialContext(ctx, "unix", path) }
	case "ssh":
		args := sshArgs(u, o.SSHCommand)
		ho.Dial = func(_, _ string) (net.Conn, error) { return dialSSH(args) }
		// An idle ssh connection is an ssh process (several MB each): kept
		// across a refresh's inspects and the selected host's reads, not
		// from one minute's read of a host to the next (1,000 processes
		// at 1,000 hosts). Those hosts list each read: their events window
		// needs the list's own connection.
		ho.IdleTimeout = sshIdle
	case "tcp", "http":
		c.base = "http://" + u.Host
	case "https":
		c.base = "https://" + u.Host
	default:
		return nil, fmt.Errorf("docker host %s: unsupported address %q (want unix://, ssh://, tcp:// or http(s)://)", o.Host, redact.URL(o.Addr))
	}
	hc, err := o.NewHTTP(ho)
	if err != nil {
		return nil, err
	}
	c.hc = hc
	return c, nil
}

// connBuffer sizes a connection's read and write buffers.
const connBuffer = 1 << 10

// sshIdle is how long an idle ssh connection (a process) is kept.
const sshIdle = 15 * time.Second

func sshArgs(u *url.URL, override []string) []string {
	args := append([]string(nil), override...)
	if len(args) == 0 {
		args = []string{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"}
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	target := u.Hostname()
	if u.User != nil && u.User.Username() != "" {
		target = u.User.Username() + "@" + target
	}
	return append(args, "--", target, "docker", "system", "dial-stdio")
}

// APIError is an error answer from the engine, with its own message.
type APIError struct {
	Status  int
	Message string
	Host    string
	engine  bool // the engine's own answer (its Server header), not a proxy's
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: docker: %s (HTTP %d)", e.Host, e.Message, e.Status)
}

// IsNotFound reports a 404 (no such container).
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// Version negotiates and returns the API version used with this host.
func (c *Client) Version(ctx context.Context) (string, error) {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v != "" {
		return v, nil
	}
	var out struct {
		APIVersion string `json:"ApiVersion"`
	}
	if err := c.do(ctx, http.MethodGet, "/version", nil, &out); err != nil {
		return "", err
	}
	v = MaxAPIVersion
	if out.APIVersion != "" && versionLess(out.APIVersion, MaxAPIVersion) {
		v = out.APIVersion
	}
	c.mu.Lock()
	c.version = v
	c.mu.Unlock()
	return v, nil
}

func versionLess(a, b string) bool {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	if len(pa) != 2 || len(pb) != 2 {
		return a < b
	}
	ma, _ := strconv.Atoi(pa[0])
	mb, _ := strconv.Atoi(pb[0])
	na, _ := strconv.Atoi(pa[1])
	nb, _ := strconv.Atoi(pb[1])
	if ma != mb {
		return ma < mb
	}
	return na < nb
}

// versioned prefixes path with the negotiated version.
func (c *Client) versioned(ctx context.Context, path string) (string, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return "", err
	}
	return "/v" + v + path, nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, out any) error {
	_, err := c.doResp(ctx, method, path, q, out)
	return err
}

// doResp is do, returning the answer (its body read and closed).
func (c *Client) doResp(ctx context.Context, method, path string, q url.Values, out any) (*http.Response, error) {
	resp, err := c.request(ctx, method, path, q)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if tl := httpclient.Named(err, "docker on "+c.Host); tl != nil {
			return nil, tl
		}
		return nil, fmt.Errorf("%s: docker: malformed answer to %s: %w", c.Host, path, err)
	}
	// The decoder stops at the value's end: the engine's newline after it,
	// unread, would make the transport close the connection instead of
	// keeping it (a new dial, or ssh, for every read; and the events window
	// is trusted only over the list's own connection, events.go).
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return resp, nil
}

// request sends a request and turns error statuses into APIError.
func (c *Client) request(ctx context.Context, method, path string, q url.Values) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, httpclient.ErrReadOnly) {
			return nil, fmt.Errorf("%s: %w", c.Host, err)
		}
		if errors.Is(err, httpclient.ErrReplyLost) { // sent: not "unreachable"
			return nil, &unreachableError{msg: fmt.Sprintf("%s: docker at %s: %s", c.Host, redact.URL(c.Addr), httpclient.Reason(err)), err: unwrapURL(err)}
		}
		return nil, &unreachableError{msg: fmt.Sprintf("%s: docker unreachable at %s: %s", c.Host, redact.URL(c.Addr), httpclient.Reason(err)), err: unwrapURL(err)}
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
		var m struct {
			Message string `json:"message"`
		}
		msg := httpclient.ErrorBody(b, 300)
		if json.Unmarshal(b, &m) == nil && m.Message != "" {
			msg = m.Message
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return nil, &APIError{Status: resp.StatusCode, Message: msg, Host: c.Host,
			engine: strings.HasPrefix(resp.Header.Get("Server"), "Docker/")}
	}
	c.noteDate(resp.Header)
	return resp, nil
}

// unreachableError names the host and says why in plain words; errors.Is/As
// still see the transport error.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) Unwrap() error { return e.err }

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

type listEntry struct {
	ID     string   `json:"Id"`
	Names  []string `json:"Names"`
	Image  string   `json:"Image"`
	State  string   `json:"State"`
	Status string   `json:"Status"`
	// Labels are not decoded: nothing reads them (a map per container,
	// kept by every list, was ~2.5 MB at 1,000 hosts: issue 15).
}

type inspect struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	State struct {
		Status    string `json:"Status"`
		Pid       int    `json:"Pid"`
		ExitCode  int    `json:"ExitCode"`
		StartedAt string `json:"StartedAt"`
		Health    *struct {
			Status string `json:"Status"`
		} `json:"Health"`
	} `json:"State"`
	RestartCount int `json:"RestartCount"`
	Config       struct {
		Image       string `json:"Image"`
		Tty         bool   `json:"Tty"`
		Healthcheck *struct {
			Test     []string `json:"Test"`
			Interval int64    `json:"Interval"` // nanoseconds
		} `json:"Healthcheck"`
	} `json:"Config"`
}

// serialInspectsFor is how long a list's inspects go one at a time
// before the rest go up to eight at once (a slow link; a var for tests).
var serialInspectsFor = time.Second

// List returns every container (running or not) with restart counts and
// start times from inspect. A refresh asks for the events since the last
// list and lists only after one (events.go); a list inspects only new or
// changed containers (one after the other, over the list's connection),
// the others keep their last inspect (see list.go). The list is shared
// (the next unchanged refresh answers the same one): read only.
func (c *Client) List(ctx context.Context) ([]Container, error) {
	if cs, ok, err := c.unchanged(ctx); ok || err != nil {
		return cs, err
	}
	return c.list(ctx)
}

func (c *Client) list(ctx context.Context) ([]Container, error) {
	sent := c.now()
	p, err := c.versioned(ctx, "/containers/json")
	if err != nil {
		return nil, err
	}
	var raw []listEntry
	tctx, got := traceConn(ctx)
	listResp, err := c.doResp(tctx, http.MethodGet, p, url.Values{"all": {"1"}}, &raw)
	if err != nil {
		c.forgetList()
		return nil, err
	}
	now := c.now()
	out := make([]Container, len(raw))
	c.mu.Lock()
	last := c.seen
	c.mu.Unlock()
	next := make(map[string]*seen, len(raw))
	// The inspects go one after the other, over the connection the list
	// came on: a connection kept idle is handed to the next request.
	// Eight at once (with one connection kept) dialled nearly one
	// connection per inspect — a TCP or TLS handshake, or an ssh process,
	// per container — ~10,000 at the start at 1,000 hosts, on the cores
	// the screen needs (issue 15); and the connection kept was often not
	// the list's, so the next refresh listed again instead of reading
	// events (events.go). Hosts are read in parallel (the panes' fleets).
	// On a slow link (an engine far away or busy) one at a time would
	// cost a round trip per container (70 containers at 20 ms: 1.5 s, not
	// 0.24): once the inspects have taken serialInspectsFor, the rest go
	// up to eight at once, where a dial costs little beside the wait. A
	// second, so that a loaded machine's loopback engine (tens of ms an
	// inspect under the race detector) stays on one connection: a fan-out
	// leaves an inspect's connection idle, and the next refresh lists
	// again where it would have read events (a CI request budget saw a
	// host at 2.7 requests a cycle).
	var todo []int
	for i, e := range raw {
		name := e.ID
		if len(e.Names) > 0 {
			name = strings.TrimPrefix(e.Names[0], "/")
		}
		// Names, images and states repeat on every host (intern.go).
		out[i] = Container{Host: c.Host, ID: e.ID, Name: intern.String(name), Image: intern.String(e.Image), State: intern.String(e.State), Status: e.Status,
			Health: healthFromStatus(e.Status), RestartCount: -1}
		if s := last[e.ID]; s != nil && !s.changed(e.Status, now) {
			keepInspect(&out[i], &s.in)
			next[e.ID] = s
			continue
		}
		todo = append(todo, i)
	}
	var nextMu sync.Mutex
	// gone: an inspect got no answer (unreachableError: the transport
	// failed or the reply was lost; not an answer, even a bad one, such
	// as a 404 for a container removed since the list or a malformed
	// document): the engine or the link is down, and each further
	// inspect would wait for its own timeout (an ssh host: a process
	// each, 15 s). The rest stay uninspected (Inspected false), and the
	// list incomplete: the next refresh lists and inspects again.
	var gone atomic.Bool
	inspectOne := func(i int) {
		if ctx.Err() != nil || gone.Load() {
			return // the list is incomplete: listed says so below
		}
		in, err := c.inspect(ctx, out[i].ID)
		if err != nil {
			var ue *unreachableError
			if errors.As(err, &ue) {
				gone.Store(true)
			}
			return
		}
		k := keep(in)
		mergeInspect(&out[i], &k)
		nextMu.Lock()
		next[out[i].ID] = newSeen(k, raw[i].Status, now)
		nextMu.Unlock()
	}
	began := time.Now()
	j := 0
	for ; j < len(todo) && time.Since(began) < serialInspectsFor; j++ {
		inspectOne(todo[j])
	}
	if rest := todo[j:]; len(rest) > 0 && ctx.Err() == nil && !gone.Load() {
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for _, i := range rest {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				inspectOne(i)
			}()
		}
		wg.Wait()
	}
	c.mu.Lock()
	c.seen = next // containers gone from the list are forgotten
	c.mu.Unlock()
	var probes []time.Duration
	for _, ct := range out {
		var in *kept
		if s := next[ct.ID]; s != nil {
			in = &s.in
		}
		if iv := probeInterval(ct, in); iv > 0 {
			probes = append(probes, iv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	c.listed(out, sent, len(next) == len(out) && ctx.Err() == nil, c.sameEngine(got(), listResp), probes)
	return out, ctx.Err()
}

func healthFromStatus(s string) string {
	switch {
	case strings.Contains(s, "(unhealthy)"):
		return "unhealthy"
	case strings.Contains(s, "(healthy)"):
		return "healthy"
	case strings.Contains(s, "(health: starting)"):
		return "starting"
	}
	return ""
}

// kept is what a list uses of an inspect, kept until the container
// changes (list.go): not the whole decoded document (its name, image and
// labels are the list's too; 1,000 hosts' worth were ~15 MB, issue 15).
type kept struct {
	restarts, pid, exitCode int
	started                 time.Time
	status, health          string
	hasHealth               bool
	// probe: the healthcheck's interval (0: Docker's default) when it has
	// one that is not "NONE".
	probe    time.Duration
	hasProbe bool
}

func keep(in *inspect) kept {
	k := kept{restarts: in.RestartCount, pid: in.State.Pid, exitCode: in.State.ExitCode,
		started: parseTime(in.State.StartedAt), status: intern.String(in.State.Status)}
	if in.State.Health != nil {
		k.health, k.hasHealth = intern.String(in.State.Health.Status), true
	}
	if hc := in.Config.Healthcheck; hc != nil && (len(hc.Test) == 0 || hc.Test[0] != "NONE") {
		k.probe, k.hasProbe = time.Duration(max(hc.Interval, 0)), true
	}
	return k
}

func mergeInspect(c *Container, in *kept) {
	c.RestartCount = in.restarts
	c.Pid = in.pid
	c.ExitCode = in.exitCode
	c.StartedAt = in.started
	if in.status != "" {
		c.State = in.status
	}
	if in.hasHealth {
		c.Health = in.health
	}
}

// keepInspect fills what only inspect knows from an earlier inspect; state
// and health stay the list's (current) ones.
func keepInspect(c *Container, in *kept) {
	state, health := c.State, c.Health
	mergeInspect(c, in)
	c.State, c.Health = state, health
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}

func (c *Client) inspect(ctx context.Context, name string) (*inspect, error) {
	p, err := c.versioned(ctx, "/containers/"+url.PathEscape(name)+"/json")
	if err != nil {
		return nil, err
	}
	var in inspect
	if err := c.do(ctx, http.MethodGet, p, nil, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// Inspect returns one container.
func (c *Client) Inspect(ctx context.Context, name string) (Container, error) {
	in, err := c.inspect(ctx, name)
	if err != nil {
		return Container{}, err
	}
	ct := Container{Host: c.Host, ID: in.ID, Name: strings.TrimPrefix(in.Name, "/"), Image: in.Config.Image}
	k := keep(in)
	mergeInspect(&ct, &k)
	return ct, nil
}

// Restart restarts a container, giving it timeout to stop (SIGTERM, then
// SIGKILL), like `docker restart -t`.
func (c *Client) Restart(ctx context.Context, name string, timeout time.Duration) error {
	return c.post(ctx, name, "restart", timeout)
}

// Stop stops a container.
func (c *Client) Stop(ctx context.Context, name string, timeout time.Duration) error {
	return c.post(ctx, name, "stop", timeout)
}

// Start starts a container.
func (c *Client) Start(ctx context.Context, name string) error { return c.post(ctx, name, "start", -1) }

func (c *Client) post(ctx context.Context, name, verb string, timeout time.Duration) error {
	p, err := c.versioned(ctx, "/containers/"+url.PathEscape(name)+"/"+verb)
	if err != nil {
		return err
	}
	q := url.Values{}
	if timeout >= 0 {
		q.Set("t", strconv.Itoa(int(timeout/time.Second)))
	}
	err = c.do(ctx, http.MethodPost, p, q, nil)
	c.forgetList() // the next refresh reads what the action did
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotModified { // already started/stopped
		return nil
	}
	return err
}
