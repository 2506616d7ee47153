package httpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
)

// ErrReplyLost is wrapped by every error of a mutating request that was
// sent whole but whose answer never came (connection reset or closed,
// timeout while waiting, a gateway's 502/504): the server may or may not
// have done it. Callers must not call that a failure: they read back what
// happened. A request that never left (dial refused, DNS, TLS, read-only
// guard, cancelled before writing) is not ErrReplyLost: it did not happen.
var ErrReplyLost = errors.New("request sent, reply lost: outcome unknown")

// ReplyLostError is a lost reply to a mutating request.
type ReplyLostError struct {
	Method string
	Status int   // 502 or 504 from a gateway; 0 when the connection failed
	Err    error // the transport error (nil for a gateway status)
}

func (e *ReplyLostError) Error() string {
	why := ""
	switch {
	case e.Status != 0:
		why = fmt.Sprintf("a gateway answered HTTP %d %s in the server's place", e.Status, http.StatusText(e.Status))
	case e.Err != nil:
		why = Reason(e.Err)
	}
	return "request sent, reply lost (outcome unknown): " + why
}

// Unwrap matches ErrReplyLost and the transport error.
func (e *ReplyLostError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrReplyLost}
	}
	return []error{ErrReplyLost, e.Err}
}

// replyLost sends a mutating request through base and classifies its
// failure: written whole and then no answer is ErrReplyLost.
func replyLost(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	resp, err := base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		// A keep-alive connection the server had already closed as idle:
		// it read nothing of ours.
		if wrote.Load() && !strings.Contains(err.Error(), "server closed idle connection") {
			return nil, &ReplyLostError{Method: req.Method, Err: err}
		}
		return nil, err
	}
	// A proxy (HAProxy in front of every Kolla API) that forwarded the
	// request and lost the server's answer. 503 is not here: a proxy
	// answers it when no server would take the request at all.
	if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64*1024))
		resp.Body.Close()
		return nil, &ReplyLostError{Method: req.Method, Status: resp.StatusCode}
	}
	return resp, nil
}
