// Package rabbitmq reads a RabbitMQ cluster through its management HTTP API
// (/api/overview, /api/nodes, /api/queues, /api/connections,
// /api/health/checks/...): the cluster's nodes, queue depths and consumers,
// and the AMQP connections of the OpenStack services. It only reads: every
// request is a GET, sent through the caller's *http.Client (built by
// datasource/httpclient, so the read-only guard, TLS and basic auth are in
// its transport).
//
// On top of the raw model, owner.go says which OpenStack service should be
// consuming a queue (from oslo.messaging's queue names) and which service
// and host a connection belongs to, so "cinder-scheduler: 120 ready, 0
// consumers" and "nova-compute on compute04 has no connection" can be
// computed.
//
// The management user needs the "monitoring" tag (or administrator): with
// less, /api/connections and /api/queues only list the user's own objects
// and every other service would look disconnected.
package rabbitmq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// maxBody bounds one response: a cloud with 50k queues answers /api/queues
// (with columns) in about 15 MB.
const maxBody = 64 << 20

// Client reads one RabbitMQ management API (any node of a cluster answers
// for the whole cluster).
type Client struct {
	url string
	hc  *http.Client

	// WholeEvery is the safety net of the per-refresh summary (summary.go):
	// the whole queue and connection lists are read at least this often
	// (default a minute), and whenever the overview's counts move.
	WholeEvery time.Duration
	cache      wholeCache
}

// New returns a client for the management API at baseURL, e.g.
// http://controller1:15672 (a path prefix is kept). hc must come from
// datasource/httpclient (with the management user's basic auth).
func New(baseURL string, hc *http.Client) (*Client, error) {
	if hc == nil {
		return nil, errors.New("rabbitmq: no HTTP client given")
	}
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(baseURL), "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("rabbitmq: bad management URL %q (want http(s)://host:15672)", baseURL)
	}
	return &Client{url: u.String(), hc: hc}, nil
}

// URL is the configured management API address.
func (c *Client) URL() string { return c.url }

// Error is a management API failure: no answer at all (Unreachable), or an
// HTTP error with the server's own reason.
type Error struct {
	URL         string
	Path        string
	Code        int    // 0 when no HTTP answer came back
	Msg         string // the server's reason, or why there was no answer
	Unreachable bool
}

func (e *Error) Error() string {
	if e.Unreachable {
		return fmt.Sprintf("rabbitmq management API at %s unreachable: %s", e.URL, e.Msg)
	}
	return fmt.Sprintf("rabbitmq management API at %s: %s: HTTP %d: %s", e.URL, e.Path, e.Code, e.Msg)
}

// IsUnreachable reports whether err means the management API did not
// answer (the node, or its rabbit app, is down).
func IsUnreachable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unreachable
}

// get sends GET path?q and decodes the JSON answer into out. A 503 from a
// health check still has a JSON body worth decoding: okCodes lists the
// extra codes whose body is decoded rather than turned into an error.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any, okCodes ...int) (int, error) {
	u := c.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("rabbitmq: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, httpclient.ErrReadOnly) {
			return 0, err
		}
		return 0, &Error{URL: c.url, Path: path, Msg: httpclient.Reason(err), Unreachable: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, &Error{URL: c.url, Path: path, Msg: "reading the answer: " + httpclient.Reason(err), Unreachable: true}
	}
	if len(body) > maxBody {
		return resp.StatusCode, &Error{URL: c.url, Path: path, Code: resp.StatusCode, Msg: fmt.Sprintf("answer larger than %d MB", maxBody>>20)}
	}
	ok := resp.StatusCode/100 == 2
	for _, code := range okCodes {
		ok = ok || resp.StatusCode == code
	}
	if !ok {
		return resp.StatusCode, &Error{URL: c.url, Path: path, Code: resp.StatusCode, Msg: errorMessage(body)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp.StatusCode, &Error{URL: c.url, Path: path, Code: resp.StatusCode, Msg: "not a management API answer: " + err.Error()}
	}
	return resp.StatusCode, nil
}

// errorMessage is the reason in a management API error body
// ({"error":"not_authorised","reason":"Login failed"}), or its text.
func errorMessage(body []byte) string {
	var e struct {
		Error  string `json:"error"`
		Reason string `json:"reason"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Reason != "") {
		if e.Reason == "" || e.Reason == e.Error {
			return e.Error
		}
		return e.Error + ": " + e.Reason
	}
	t := strings.TrimSpace(string(body))
	if len(t) > 300 {
		t = t[:300] + "…"
	}
	return t
}

// Overview is /api/overview: the cluster's name and versions.
func (c *Client) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	_, err := c.get(ctx, "/api/overview", nil, &o)
	return o, err
}

// Nodes is /api/nodes: every cluster member, running or not.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var raw []rawNode
	if _, err := c.get(ctx, "/api/nodes", nil, &raw); err != nil {
		return nil, err
	}
	out := make([]Node, len(raw))
	for i, r := range raw {
		out[i] = r.node()
	}
	return out, nil
}

// queueColumns keeps /api/queues small: without it every queue carries its
// consumer details, garbage collection stats and backing queue state.
var queueColumns = strings.Join([]string{
	"name", "vhost", "type", "state", "node", "durable", "auto_delete",
	"messages", "messages_ready", "messages_unacknowledged", "consumers",
	"idle_since",
	"message_stats.publish_details.rate",
	"message_stats.deliver_get_details.rate",
	"message_stats.ack_details.rate",
}, ",")

// Queues is /api/queues, deepest first (then by vhost and name).
func (c *Client) Queues(ctx context.Context) ([]Queue, error) {
	var raw []rawQueue
	if _, err := c.get(ctx, "/api/queues", url.Values{"columns": {queueColumns}}, &raw); err != nil {
		return nil, err
	}
	out := make([]Queue, len(raw))
	for i, r := range raw {
		out[i] = r.queue()
	}
	SortByDepth(out)
	return out, nil
}

var connColumns = strings.Join([]string{
	"name", "user", "vhost", "node", "state", "channels", "peer_host", "peer_port",
	"connected_at", "client_properties.connection_name", "client_properties.product",
}, ",")

// Connections is /api/connections, with the service and pid each
// oslo.messaging connection names itself with.
func (c *Client) Connections(ctx context.Context) ([]Connection, error) {
	var raw []rawConnection
	if _, err := c.get(ctx, "/api/connections", url.Values{"columns": {connColumns}}, &raw); err != nil {
		return nil, err
	}
	out := make([]Connection, len(raw))
	for i, r := range raw {
		out[i] = r.connection()
	}
	return out, nil
}

// Health checks this client knows (paths under /api/health/checks/).
const (
	CheckAlarms      = "alarms"       // any memory/disk alarm in the cluster
	CheckLocalAlarms = "local-alarms" // alarms on the node answering
	CheckQuorum      = "node-is-quorum-critical"
	CheckVhosts      = "virtual-hosts"
)

// Health runs one health check. A failing check is not an error: it comes
// back as OK=false with the server's reason (the API answers 503 with a
// JSON body).
func (c *Client) Health(ctx context.Context, check string) (Check, error) {
	var raw struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
		Alarms []struct {
			Node     string `json:"node"`
			Resource string `json:"resource"`
		} `json:"alarms"`
	}
	if strings.ContainsAny(check, "/?#") {
		return Check{}, fmt.Errorf("rabbitmq: bad health check name %q", check)
	}
	if _, err := c.get(ctx, "/api/health/checks/"+check, nil, &raw, http.StatusServiceUnavailable); err != nil {
		return Check{}, err
	}
	out := Check{Name: check, OK: raw.Status == "ok", Reason: raw.Reason}
	for _, a := range raw.Alarms {
		out.Alarms = append(out.Alarms, Alarm{Node: a.Node, Resource: a.Resource})
	}
	return out, nil
}

// Whole reads everything the control-plane view needs, concurrently: the
// whole queue and connection lists too. Each part that failed leaves its
// error in Errs (keyed by part name: overview, nodes, queues, connections,
// alarms); Err is the first of them when nothing could be read at all.
func (c *Client) Whole(ctx context.Context) Snapshot {
	var s Snapshot
	var mu sync.Mutex
	var wg sync.WaitGroup
	fail := func(part string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if s.Errs == nil {
			s.Errs = map[string]error{}
		}
		s.Errs[part] = err
	}
	run := func(part string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				fail(part, err)
			}
		}()
	}
	run("overview", func() (err error) { s.Overview, err = c.Overview(ctx); return })
	run("nodes", func() (err error) { s.Nodes, err = c.Nodes(ctx); return })
	run("queues", func() (err error) { s.Queues, err = c.Queues(ctx); return })
	run("connections", func() (err error) { s.Connections, err = c.Connections(ctx); return })
	run("alarms", func() (err error) { s.Alarms, err = c.Health(ctx, CheckAlarms); return })
	wg.Wait()
	if len(s.Errs) == 5 {
		s.Err = s.Errs["overview"]
	}
	return s
}
