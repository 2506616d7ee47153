package galera

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// The only statements this package sends. The guard below compares each
// statement with this list before the driver sees it, so a typo or a later
// change cannot send anything else: no SET, no write, no prepared statement
// (COM_STMT_PREPARE would carry any text).
const (
	qWsrep   = "SHOW GLOBAL STATUS LIKE 'wsrep_%'"
	qThreads = "SHOW GLOBAL STATUS LIKE 'Threads_connected'"
	qVars    = "SHOW GLOBAL VARIABLES WHERE Variable_name IN " +
		"('max_connections', 'wsrep_on', 'wsrep_cluster_address', 'wsrep_cluster_name', 'wsrep_node_name', 'version')"
	// Longest running statements first; our own session and Galera's
	// applier threads ("system user") left out. INFO is cut server-side.
	qProcesslist = "SELECT ID, USER, HOST, COALESCE(DB, ''), COMMAND, TIME, COALESCE(STATE, ''), LEFT(COALESCE(INFO, ''), 300) " +
		"FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump') " +
		"AND USER <> 'system user' AND ID <> CONNECTION_ID() ORDER BY TIME DESC LIMIT 5"
)

var allowed = map[string]bool{qWsrep: true, qThreads: true, qVars: true, qProcesslist: true}

// Allowed says whether the guard lets stmt through: only the exact SHOW and
// SELECT statements above.
func Allowed(stmt string) bool { return allowed[stmt] }

// refuse is the guard's error; it wraps httpclient.ErrReadOnly so the
// read-only checks treat SQL like every other backend.
func refuse(what string) error {
	return fmt.Errorf("%w: galera: %s", httpclient.ErrReadOnly, what)
}

// guardConnector hands out guarded connections of the real driver.
type guardConnector struct{ inner driver.Connector }

func (g guardConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := g.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &guardConn{inner: c}, nil
}

// Driver is a driver that opens nothing: the only way in is Connect.
func (g guardConnector) Driver() driver.Driver { return noDriver{} }

type noDriver struct{}

func (noDriver) Open(string) (driver.Conn, error) { return nil, refuse("open by DSN") }

// guardConn lets through read-only transactions and the allowlisted
// statements, and nothing else. It implements no ExecerContext: database/sql
// then falls back to Prepare, which is refused.
type guardConn struct{ inner driver.Conn }

var (
	_ driver.QueryerContext     = (*guardConn)(nil)
	_ driver.ConnBeginTx        = (*guardConn)(nil)
	_ driver.Pinger             = (*guardConn)(nil)
	_ driver.SessionResetter    = (*guardConn)(nil)
	_ driver.Validator          = (*guardConn)(nil)
	_ driver.ConnPrepareContext = (*guardConn)(nil)
)

func (c *guardConn) Prepare(query string) (driver.Stmt, error) {
	return nil, refuse(fmt.Sprintf("prepared statement %q", short(query)))
}

func (c *guardConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return c.Prepare(query)
}

func (c *guardConn) Close() error { return c.inner.Close() }

// Begin (no options) would be a read-write transaction.
func (c *guardConn) Begin() (driver.Tx, error) { return nil, refuse("read-write transaction") }

func (c *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if !opts.ReadOnly {
		return nil, refuse("read-write transaction")
	}
	b, ok := c.inner.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("galera: driver cannot begin a read-only transaction")
	}
	return b.BeginTx(ctx, opts)
}

func (c *guardConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !Allowed(query) || len(args) > 0 {
		return nil, refuse(fmt.Sprintf("statement %q is not on the allowlist", short(query)))
	}
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, errors.New("galera: driver cannot query")
	}
	return q.QueryContext(ctx, query, nil)
}

func (c *guardConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *guardConn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *guardConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
