// Package memcached reads a memcached server's `stats` over TCP: whether it
// answers, its connections, evictions and get hit ratio. It is read-only by
// construction: `stats` is the only command it can send.
package memcached

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Client reads one memcached.
type Client struct {
	addr    string
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a client for host:port (Kolla: each controller's
// internal address, port 11211). timeout bounds one read; 0 means 5s.
func New(addr string, timeout time.Duration) (*Client, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("memcached: bad address %q (want host:port): %v", addr, err)
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var d net.Dialer
	return &Client{addr: addr, timeout: timeout, dial: d.DialContext}, nil
}

// Addr is the configured address.
func (c *Client) Addr() string { return c.addr }

// Stats is what one `stats` answered. Raw keeps every STAT line.
type Stats struct {
	Version         string
	PID             int64
	Uptime          time.Duration
	CurrConnections int64
	MaxConnections  int64
	Rejected        int64 // rejected_connections: maxconns reached
	CurrItems       int64
	Bytes           int64
	LimitBytes      int64
	Evictions       int64
	GetHits         int64
	GetMisses       int64
	Raw             map[string]string
}

// HitRatio is get_hits / (get_hits + get_misses); ok is false before the
// first get.
func (s Stats) HitRatio() (ratio float64, ok bool) {
	n := s.GetHits + s.GetMisses
	if n == 0 {
		return 0, false
	}
	return float64(s.GetHits) / float64(n), true
}

// Error says why memcached could not be read.
type Error struct {
	Addr        string
	Msg         string
	Unreachable bool
}

func (e *Error) Error() string {
	if e.Unreachable {
		return "memcached at " + e.Addr + " unreachable: " + e.Msg
	}
	return "memcached at " + e.Addr + ": " + e.Msg
}

// Stats sends `stats` and reads the STAT lines up to END.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := c.dial(ctx, "tcp", c.addr)
	if err != nil {
		return Stats{}, &Error{Addr: c.addr, Msg: httpclient.Reason(err), Unreachable: true}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := io.WriteString(conn, "stats\r\n"); err != nil {
		return Stats{}, &Error{Addr: c.addr, Msg: "sending: " + httpclient.Reason(err), Unreachable: true}
	}
	s, err := Parse(io.LimitReader(conn, 1<<20))
	if err != nil {
		var ne net.Error
		return Stats{}, &Error{Addr: c.addr, Msg: err.Error(), Unreachable: errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)}
	}
	return s, nil
}

// Parse reads a `stats` answer: "STAT name value" lines ending in END.
func Parse(r io.Reader) (Stats, error) {
	s := Stats{Raw: map[string]string{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "END" {
			s.fill()
			return s, nil
		}
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "CLIENT_ERROR") || strings.HasPrefix(line, "SERVER_ERROR") {
			return Stats{}, fmt.Errorf("server said %q", line)
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || f[0] != "STAT" {
			return Stats{}, fmt.Errorf("not a memcached stats line: %q", trunc(line))
		}
		s.Raw[f[1]] = f[2]
	}
	if err := sc.Err(); err != nil {
		return Stats{}, fmt.Errorf("reading stats: %w", err)
	}
	return Stats{}, fmt.Errorf("stats answer ended before END: %w", io.ErrUnexpectedEOF)
}

func (s *Stats) fill() {
	n := func(k string) int64 {
		v, _ := strconv.ParseInt(s.Raw[k], 10, 64)
		return v
	}
	s.Version = s.Raw["version"]
	s.PID = n("pid")
	s.Uptime = time.Duration(n("uptime")) * time.Second
	s.CurrConnections = n("curr_connections")
	s.MaxConnections = n("max_connections")
	s.Rejected = n("rejected_connections")
	s.CurrItems = n("curr_items")
	s.Bytes = n("bytes")
	s.LimitBytes = n("limit_maxbytes")
	s.Evictions = n("evictions")
	s.GetHits = n("get_hits")
	s.GetMisses = n("get_misses")
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
