// Package httpclient builds the HTTP clients every datasource uses: TLS from
// config, auth headers, timeouts, the read-only guard and a size limit on
// every response body (limit.go). Because every backend request goes
// through Guard, a read-only session cannot send a mutating request
// whatever the UI does.
package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// cancelOnClose ends a request's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// ErrReadOnly is returned (wrapped) for any request the guard refuses.
var ErrReadOnly = errors.New("refused: read-only session")

// Guard is an http.RoundTripper that, when ReadOnly is set, refuses every
// request except GET, HEAD, OPTIONS and the allowlisted read-only POSTs.
// It also bounds each request by Timeout (headers and body) and marks a
// mutating request whose reply was lost (ErrReplyLost).
type Guard struct {
	Base     http.RoundTripper
	ReadOnly bool
	Timeout  time.Duration // whole request, body included; 0: none
}

func (g *Guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.ReadOnly && !ReadOnlyRequest(req) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s %s", ErrReadOnly, req.Method, req.URL.Path)
	}
	base := g.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if g.Timeout <= 0 {
		return send(base, req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), g.Timeout)
	resp, err := send(base, req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// send marks lost replies to mutating requests: "outcome unknown", not
// "failed".
func send(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	if ReadOnlyAllowed(req.Method, req.URL.Path) {
		return base.RoundTrip(req)
	}
	return replyLost(base, req)
}

// readOnlyPOSTs are path suffixes of POSTs that read but do not change state.
var readOnlyPOSTs = []string{
	"/v3/auth/tokens",         // Keystone: issue a token
	"/api/v1/query",           // Prometheus instant query
	"/api/v1/query_range",     // Prometheus range query
	"/api/v1/series",          // Prometheus series
	"/api/v1/labels",          // Prometheus label names
	"/api/v1/query_exemplars", // Prometheus exemplars
	"/loki/api/v1/query",
	"/loki/api/v1/query_range",
	"/loki/api/v1/series",
	"/api/auth", // Ceph dashboard: obtain a JWT
}

// readOnlyActions are Nova server actions that only read: a POST to
// /servers/{id}/action whose body holds exactly one of these keys.
var readOnlyActions = map[string]bool{"os-getConsoleOutput": true}

// ReadOnlyRequest is ReadOnlyAllowed plus a look at the body of a Nova
// server action, so the console log (a POST, like reboot) still works in a
// read-only session. The body is read (bounded) and put back.
func ReadOnlyRequest(req *http.Request) bool {
	if ReadOnlyAllowed(req.Method, req.URL.Path) {
		return true
	}
	if req.Method != http.MethodPost || !strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), "/action") ||
		!strings.Contains(req.URL.Path, "/servers/") || req.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64*1024+1))
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || len(body) > 64*1024 {
		return false
	}
	return ReadOnlyAction(body)
}

// ReadOnlyAction reports whether a server-action body only reads.
func ReadOnlyAction(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) != 1 {
		return false
	}
	for k := range m {
		return readOnlyActions[k]
	}
	return false
}

// ReadOnlyAllowed reports whether a request with this method and path may be
// sent by a read-only session.
func ReadOnlyAllowed(method, path string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	case http.MethodPost:
		p := strings.TrimSuffix(path, "/")
		for _, s := range readOnlyPOSTs {
			if strings.HasSuffix(p, s) {
				return true
			}
		}
	}
	return false
}
