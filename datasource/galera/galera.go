// Package galera reads a MariaDB Galera cluster's health from each node over
// a monitoring account (github.com/go-sql-driver/mysql): wsrep status
// (cluster size, local state, ready, cluster state UUID, flow control,
// queues), connections against max_connections and the longest running
// statements. It is read-only by construction: every session is a READ ONLY
// transaction and a guard in front of the driver lets through only the few
// SHOW/SELECT statements in guard.go (anything else is refused before it
// reaches the wire).
package galera

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Node is one cluster member.
type Node struct {
	Host    string // the host it runs on (host model, pivots); default: the address's host
	Address string // host:port
}

// Config says where the nodes are and how to log in.
type Config struct {
	Nodes    []Node
	User     string
	Password string
	// Expected is the cluster size there should be (default len(Nodes)).
	Expected int
	// Timeout bounds one node's whole read (default 5s).
	Timeout time.Duration
}

// Client reads every node of one cluster.
type Client struct {
	cfg   Config
	nodes []nodeClient
}

type nodeClient struct {
	Node
	db *sql.DB
}

// New checks the config and prepares one connection pool per node (nothing
// is dialled yet).
func New(cfg Config) (*Client, error) {
	if len(cfg.Nodes) == 0 {
		return nil, errors.New("galera: no nodes configured")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Expected <= 0 {
		cfg.Expected = len(cfg.Nodes)
	}
	c := &Client{cfg: cfg}
	quiet := log.New(io.Discard, "", 0) // the driver's own log would write over the screen
	for _, n := range cfg.Nodes {
		h, _, err := net.SplitHostPort(n.Address)
		if err != nil {
			return nil, fmt.Errorf("galera: bad address %q (want host:port): %v", n.Address, err)
		}
		if n.Host == "" {
			n.Host = h
		}
		mc := mysql.NewConfig()
		mc.User, mc.Passwd = cfg.User, cfg.Password
		mc.Net, mc.Addr = "tcp", n.Address
		// The context bounds the read; the socket timeouts are a backstop.
		mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = cfg.Timeout, cfg.Timeout+time.Second, cfg.Timeout+time.Second
		mc.Logger = quiet
		conn, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, fmt.Errorf("galera: %s: %v", n.Address, err)
		}
		db := sql.OpenDB(guardConnector{inner: conn})
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxIdleTime(time.Minute)
		c.nodes = append(c.nodes, nodeClient{Node: n, db: db})
	}
	return c, nil
}

// Nodes are the configured nodes.
func (c *Client) Nodes() []Node {
	out := make([]Node, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.Node
	}
	return out
}

// Close closes every node's connections.
func (c *Client) Close() error {
	for _, n := range c.nodes {
		n.db.Close()
	}
	return nil
}

// Query is one running statement.
type Query struct {
	ID      int64
	User    string
	Host    string
	DB      string
	Command string
	Time    time.Duration
	State   string
	Info    string // the statement, cut at 300 bytes; untrusted: render through ui/safe
}

// NodeStatus is what one node said, or why it could not be read.
type NodeStatus struct {
	Node
	Err error

	ClusterSize   int
	LocalState    string // wsrep_local_state_comment: Synced, Donor/Desynced, Joining...
	Ready         bool   // wsrep_ready
	Connected     bool   // wsrep_connected
	ClusterStatus string // wsrep_cluster_status: Primary, non-Primary, Disconnected
	StateUUID     string // wsrep_cluster_state_uuid
	// FlowControlPaused is the fraction of time replication was paused by
	// flow control since the last FLUSH STATUS (wsrep_flow_control_paused).
	FlowControlPaused float64
	RecvQueueAvg      float64
	SendQueueAvg      float64
	Connections       int64 // Threads_connected
	MaxConnections    int64
	Version           string
	ClusterName       string
	NodeName          string
	Queries           []Query
	// Status keeps every wsrep_ variable as read.
	Status map[string]string
	Took   time.Duration
}

// Cluster is one read of every node.
type Cluster struct {
	Nodes    []NodeStatus
	Expected int
}

// ErrKind sorts read failures.
type ErrKind int

const (
	Other       ErrKind = iota
	Unreachable         // refused, no route, DNS
	Timeout             // no answer in time
	Auth                // the server refused the login
	NotGalera           // a MariaDB/MySQL without wsrep
	Refused             // the read-only guard refused a statement (a bug)
)

// Error says why one node could not be read.
type Error struct {
	Node, Addr string
	Kind       ErrKind
	Msg        string
	Err        error
}

func (e *Error) Error() string { return "galera node " + e.Node + " (" + e.Addr + "): " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

func (c *Client) classify(n Node, err error) error {
	e := &Error{Node: n.Host, Addr: n.Address, Err: err}
	var me *mysql.MySQLError
	var ne net.Error
	switch {
	case errors.Is(err, httpclient.ErrReadOnly):
		e.Kind, e.Msg = Refused, err.Error()
	case errors.As(err, &me) && (me.Number == 1045 || me.Number == 1044 || me.Number == 1698):
		e.Kind, e.Msg = Auth, fmt.Sprintf("login refused for user %q (check galera username/password and its grants): %s", c.cfg.User, me.Message)
	case errors.As(err, &me):
		e.Msg = fmt.Sprintf("server error %d: %s", me.Number, me.Message)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.Kind, e.Msg = Timeout, fmt.Sprintf("no answer within %s", c.cfg.Timeout)
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF):
		e.Kind, e.Msg = Unreachable, "connection lost (server closed it or is not MySQL/MariaDB)"
	default:
		var op *net.OpError
		if errors.As(err, &op) {
			e.Kind, e.Msg = Unreachable, "unreachable: "+httpclient.Reason(err)
		} else {
			e.Msg = httpclient.Reason(err)
		}
	}
	return e
}

// Read reads every node at once; each node fails on its own.
func (c *Client) Read(ctx context.Context) Cluster {
	out := Cluster{Nodes: make([]NodeStatus, len(c.nodes)), Expected: c.cfg.Expected}
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			defer cancel()
			st, err := readNode(ctx, n.db)
			st.Node, st.Took = n.Node, time.Since(start)
			if err != nil {
				var ge *Error
				if ctx.Err() == context.DeadlineExceeded && !errors.As(err, &ge) {
					err = &Error{Node: n.Host, Addr: n.Address, Kind: Timeout, Msg: fmt.Sprintf("no answer within %s", c.cfg.Timeout), Err: err}
				} else if !errors.As(err, &ge) {
					err = c.classify(n.Node, err)
				} else {
					ge.Node, ge.Addr = n.Host, n.Address
				}
				st.Err = err
			}
			out.Nodes[i] = st
		}()
	}
	wg.Wait()
	return out
}

// readNode runs the allowlisted statements in one read-only transaction.
func readNode(ctx context.Context, db *sql.DB) (NodeStatus, error) {
	var st NodeStatus
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, err
	}
	defer func() { _ = tx.Rollback() }()
	kv := func(q string) (map[string]string, error) {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[string]string{}
		for rows.Next() {
			var k, v sql.NullString
			if err := rows.Scan(&k, &v); err != nil {
				return nil, err
			}
			m[strings.ToLower(k.String)] = v.String
		}
		return m, rows.Err()
	}
	vars, err := kv(qVars)
	if err != nil {
		return st, err
	}
	status, err := kv(qWsrep)
	if err != nil {
		return st, err
	}
	if !strings.EqualFold(vars["wsrep_on"], "ON") || status["wsrep_local_state_comment"] == "" {
		on := vars["wsrep_on"]
		if on == "" {
			on = "unset"
		}
		return st, &Error{Kind: NotGalera, Msg: fmt.Sprintf("not a Galera node (wsrep_on=%s, no wsrep status)", on)}
	}
	threads, err := kv(qThreads)
	if err != nil {
		return st, err
	}
	st.Status = status
	fill(&st, status, vars, threads)
	rows, err := tx.QueryContext(ctx, qProcesslist)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var q Query
		var secs int64
		var db sql.NullString
		if err := rows.Scan(&q.ID, &q.User, &q.Host, &db, &q.Command, &secs, &q.State, &q.Info); err != nil {
			return st, err
		}
		q.DB, q.Time = db.String, time.Duration(secs)*time.Second
		st.Queries = append(st.Queries, q)
	}
	return st, rows.Err()
}

func fill(st *NodeStatus, status, vars, threads map[string]string) {
	i := func(s string) int64 { v, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64); return v }
	f := func(s string) float64 { v, _ := strconv.ParseFloat(strings.TrimSpace(s), 64); return v }
	on := func(s string) bool { return strings.EqualFold(s, "ON") || s == "1" }
	st.ClusterSize = int(i(status["wsrep_cluster_size"]))
	st.LocalState = status["wsrep_local_state_comment"]
	st.Ready = on(status["wsrep_ready"])
	st.Connected = on(status["wsrep_connected"])
	st.ClusterStatus = status["wsrep_cluster_status"]
	st.StateUUID = status["wsrep_cluster_state_uuid"]
	st.FlowControlPaused = f(status["wsrep_flow_control_paused"])
	st.RecvQueueAvg = f(status["wsrep_local_recv_queue_avg"])
	st.SendQueueAvg = f(status["wsrep_local_send_queue_avg"])
	st.Connections = i(threads["threads_connected"])
	st.MaxConnections = i(vars["max_connections"])
	st.Version = vars["version"]
	st.ClusterName = vars["wsrep_cluster_name"]
	st.NodeName = vars["wsrep_node_name"]
}

// ---- severity ----

// Severity of a problem.
type Severity int

const (
	OK Severity = iota
	Warn
	Crit
)

// Problem is one thing wrong, in words.
type Problem struct {
	Severity Severity
	Text     string
}

// Thresholds for the warnings (the CRITs are states, not thresholds).
const (
	FlowControlWarn = 0.1 // paused fraction
	RecvQueueWarn   = 10  // average queued write-sets
	ConnectionsWarn = 0.8 // of max_connections
	LongQueryWarn   = 60 * time.Second
)

// Problems of one node: unreadable, not Synced, not ready, not in the
// Primary component are CRIT; flow control, queues, connections near the
// limit and long statements WARN.
func (n NodeStatus) Problems() []Problem {
	var out []Problem
	add := func(s Severity, format string, a ...any) { out = append(out, Problem{s, fmt.Sprintf(format, a...)}) }
	if n.Err != nil {
		add(Crit, "%s", n.Err.Error())
		return out
	}
	if n.LocalState != "Synced" {
		add(Crit, "%s, not Synced", n.LocalState)
	}
	if !n.Ready {
		add(Crit, "wsrep_ready OFF")
	}
	if n.ClusterStatus != "" && n.ClusterStatus != "Primary" {
		add(Crit, "%s component", n.ClusterStatus)
	}
	if n.FlowControlPaused >= FlowControlWarn {
		add(Warn, "flow control paused %.0f%%", n.FlowControlPaused*100)
	}
	if n.RecvQueueAvg >= RecvQueueWarn {
		add(Warn, "recv queue avg %.1f", n.RecvQueueAvg)
	}
	if n.MaxConnections > 0 && float64(n.Connections) >= ConnectionsWarn*float64(n.MaxConnections) {
		add(Warn, "connections %d/%d", n.Connections, n.MaxConnections)
	}
	if q, ok := n.Longest(); ok && q.Time >= LongQueryWarn {
		add(Warn, "query running %s", q.Time)
	}
	return out
}

// Longest is the longest running statement.
func (n NodeStatus) Longest() (Query, bool) {
	var best Query
	for _, q := range n.Queries {
		if q.Time > best.Time || best.ID == 0 {
			best = q
		}
	}
	return best, best.ID != 0
}

// Problems of the whole cluster: no node answers, a node sees fewer members
// than expected, or the nodes disagree on the cluster state UUID (a split).
func (c Cluster) Problems() []Problem {
	var out []Problem
	read := 0
	minSize := 0
	byUUID := map[string][]string{}
	for _, n := range c.Nodes {
		if n.Err != nil {
			continue
		}
		read++
		if minSize == 0 || n.ClusterSize < minSize {
			minSize = n.ClusterSize
		}
		if n.StateUUID != "" {
			byUUID[n.StateUUID] = append(byUUID[n.StateUUID], n.Host)
		}
	}
	if len(c.Nodes) > 0 && read == 0 {
		out = append(out, Problem{Crit, "no node answers"})
	}
	if read > 0 && minSize < c.Expected {
		out = append(out, Problem{Crit, fmt.Sprintf("cluster size %d of %d", minSize, c.Expected)})
	}
	if len(byUUID) > 1 {
		var parts []string
		for u, hosts := range byUUID {
			parts = append(parts, shortUUID(u)+" on "+strings.Join(hosts, ", "))
		}
		sort.Strings(parts)
		out = append(out, Problem{Crit, fmt.Sprintf("split: %d cluster state UUIDs (%s)", len(byUUID), strings.Join(parts, "; "))})
	}
	return out
}

// Worst is the highest severity of ps.
func Worst(ps []Problem) Severity {
	w := OK
	for _, p := range ps {
		w = max(w, p.Severity)
	}
	return w
}

func shortUUID(u string) string {
	if len(u) > 8 {
		return u[:8]
	}
	return u
}
