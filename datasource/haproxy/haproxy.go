// Package haproxy reads HAProxy's statistics (the stats page's CSV over
// HTTP, or `show stat` on the runtime API socket) and, through the runtime
// API only, puts a backend server in drain or maintenance and back to
// ready.
//
// The runtime API is a line protocol on a unix or TCP socket, not HTTP, so
// datasource/httpclient's guard never sees it: the read-only rule is
// enforced here instead. A read-only client sends nothing but a single
// `show ...` command; anything else fails with httpclient.ErrReadOnly before
// a byte is written. The stats page's own admin form (a POST) stays behind
// the HTTP guard and is never used.
package haproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// maxBody bounds a stats answer (a few thousand servers are a few MB).
const maxBody = 16 << 20

// Config says where one HAProxy is.
type Config struct {
	// StatsURL is the stats page, e.g. http://controller1:1984/ (";csv" is
	// appended). Optional when Runtime is set.
	StatsURL string
	// HTTP reads StatsURL; it must come from datasource/httpclient.
	HTTP *http.Client
	// Runtime is the runtime API: unix:///run/haproxy/admin.sock or
	// tcp://127.0.0.1:9999. Needed for actions; stats come from it when
	// StatsURL is empty.
	Runtime  string
	ReadOnly bool
	Timeout  time.Duration // per request; 0 means 10s
	// Dial replaces the dialer for the runtime API (ssh to the host, tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client talks to one HAProxy.
type Client struct {
	stats    string
	hc       *http.Client
	network  string // unix | tcp
	addr     string
	runtime  string
	readOnly bool
	timeout  time.Duration
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New checks the configuration; it does not connect.
func New(c Config) (*Client, error) {
	cl := &Client{readOnly: c.ReadOnly, timeout: c.Timeout, hc: c.HTTP, dial: c.Dial, runtime: c.Runtime}
	if cl.timeout <= 0 {
		cl.timeout = 10 * time.Second
	}
	if cl.dial == nil {
		var d net.Dialer
		cl.dial = d.DialContext
	}
	if c.StatsURL == "" && c.Runtime == "" {
		return nil, errors.New("haproxy: neither a stats URL nor a runtime API address configured")
	}
	if c.StatsURL != "" {
		u, err := url.Parse(c.StatsURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("haproxy: bad stats URL %q (want http(s)://host:port/path)", c.StatsURL)
		}
		if c.HTTP == nil {
			return nil, errors.New("haproxy: a stats URL needs an HTTP client")
		}
		s := u.String()
		if !strings.HasSuffix(s, ";csv") {
			s += ";csv"
		}
		cl.stats = s
	}
	if c.Runtime != "" {
		u, err := url.Parse(c.Runtime)
		switch {
		case err != nil:
			return nil, fmt.Errorf("haproxy: bad runtime API address %q", c.Runtime)
		case u.Scheme == "unix" && u.Path != "":
			cl.network, cl.addr = "unix", u.Path
		case u.Scheme == "tcp" && u.Host != "":
			cl.network, cl.addr = "tcp", u.Host
		default:
			return nil, fmt.Errorf("haproxy: bad runtime API address %q (want unix:///path/to/admin.sock or tcp://host:port)", c.Runtime)
		}
	}
	return cl, nil
}

// Error is a failure talking to HAProxy.
type Error struct {
	Where       string // the stats URL or runtime address
	Msg         string
	Unreachable bool
}

func (e *Error) Error() string {
	if e.Unreachable {
		return "haproxy at " + e.Where + " unreachable: " + e.Msg
	}
	return "haproxy at " + e.Where + ": " + e.Msg
}

// Stats reads every frontend, backend and server.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var rows []Row
	var err error
	if c.stats != "" {
		rows, err = c.httpStats(ctx)
	} else {
		var out string
		if out, err = c.Command(ctx, "show stat"); err == nil {
			rows, err = ParseCSV(strings.NewReader(out))
			if err != nil {
				err = &Error{Where: c.runtime, Msg: err.Error()}
			}
		}
	}
	if err != nil {
		return Stats{}, err
	}
	return Group(rows), nil
}

func (c *Client) httpStats(ctx context.Context) ([]Row, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.stats, nil)
	if err != nil {
		return nil, fmt.Errorf("haproxy: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &Error{Where: c.stats, Msg: httpclient.Reason(err), Unreachable: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &Error{Where: c.stats, Msg: "reading the answer: " + httpclient.Reason(err), Unreachable: true}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Where: c.stats, Msg: fmt.Sprintf("HTTP %d (is this the stats page? %s)", resp.StatusCode, firstLine(body))}
	}
	if len(body) > maxBody {
		return nil, &Error{Where: c.stats, Msg: "stats answer too large"}
	}
	rows, err := ParseCSV(strings.NewReader(string(body)))
	if err != nil {
		return nil, &Error{Where: c.stats, Msg: err.Error()}
	}
	return rows, nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// ReadOnlyCommand reports whether a runtime API command only reads: one
// `show ...` command, nothing chained after it (the CLI runs each part of
// "a; b" in turn) and no master-CLI "@" routing.
func ReadOnlyCommand(cmd string) bool {
	return strings.HasPrefix(cmd, "show ") && singleCommand(cmd)
}

func singleCommand(cmd string) bool {
	return !strings.ContainsAny(cmd, ";\n\r\x00")
}

// Command sends one runtime API command and returns HAProxy's answer. A
// read-only client refuses every command but `show ...` before connecting.
func (c *Client) Command(ctx context.Context, cmd string) (string, error) {
	if c.readOnly && !ReadOnlyCommand(cmd) {
		return "", fmt.Errorf("%w: haproxy runtime command %q", httpclient.ErrReadOnly, cmd)
	}
	if !singleCommand(cmd) {
		return "", fmt.Errorf("haproxy: one runtime command at a time, got %q", cmd)
	}
	if c.network == "" {
		return "", errors.New("haproxy: no runtime API address configured (runtime: unix:///path/admin.sock or tcp://host:port)")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := c.dial(ctx, c.network, c.addr)
	if err != nil {
		return "", &Error{Where: c.runtime, Msg: httpclient.Reason(err), Unreachable: true}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	// Without "prompt", HAProxy answers one command and closes.
	if _, err := io.WriteString(conn, cmd+"\n"); err != nil {
		return "", &Error{Where: c.runtime, Msg: "sending: " + httpclient.Reason(err), Unreachable: true}
	}
	out, err := io.ReadAll(io.LimitReader(conn, maxBody+1))
	if err != nil {
		return "", &Error{Where: c.runtime, Msg: "reading the answer: " + httpclient.Reason(err), Unreachable: true}
	}
	if len(out) > maxBody {
		return "", &Error{Where: c.runtime, Msg: "answer too large"}
	}
	return string(out), nil
}

// ServerState is what an operator may set a server to.
type ServerState string

const (
	Ready ServerState = "ready" // back in rotation
	Drain ServerState = "drain" // no new sessions, existing ones finish
	Maint ServerState = "maint" // out of rotation, checks stopped
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._:@-]+$`)

// SetServerState puts backend/server in drain, maint or back to ready
// (`set server B/S state ...`). HAProxy answers nothing on success and a
// sentence ("No such server.") otherwise; that sentence is the error.
func (c *Client) SetServerState(ctx context.Context, backend, server string, st ServerState) error {
	switch st {
	case Ready, Drain, Maint:
	default:
		return fmt.Errorf("haproxy: unknown server state %q (ready, drain, maint)", st)
	}
	if !nameRE.MatchString(backend) || !nameRE.MatchString(server) {
		return fmt.Errorf("haproxy: bad backend/server name %q/%q", backend, server)
	}
	cmd := fmt.Sprintf("set server %s/%s state %s", backend, server, st)
	out, err := c.Command(ctx, cmd)
	if err != nil {
		return err
	}
	if msg := strings.TrimSpace(out); msg != "" {
		return &Error{Where: c.runtime, Msg: cmd + ": " + msg}
	}
	return nil
}
