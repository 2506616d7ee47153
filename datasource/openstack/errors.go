package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Sentinel errors. Every error the Client returns for an HTTP status wraps
// one of these (test with errors.Is), and keeps the service's own message
// text in its Error() string.
var (
	ErrUnauthorized = errors.New("unauthorized")           // 401 (after one re-authentication attempt)
	ErrForbidden    = errors.New("forbidden")              // 403: policy refuses (e.g. reader role)
	ErrNotFound     = errors.New("not found")              // 404
	ErrConflict     = errors.New("conflict")               // 409: Nova refuses in the current state
	ErrBadRequest   = errors.New("bad request")            // 400: Nova refuses the request (e.g. force up after evacuation)
	ErrServer       = errors.New("server error")           // 5xx
	ErrUnreachable  = errors.New("unreachable")            // connection refused, DNS, TLS, timeout
	ErrMalformed    = errors.New("malformed response")     // body is not the JSON we expect
	ErrNoService    = errors.New("service not in catalog") // e.g. no Placement endpoint
	// ErrMicroversion is wrapped by *MicroversionError.
	ErrMicroversion = errors.New("microversion not supported")
)

// APIError is an HTTP error answer from an OpenStack service.
type APIError struct {
	Service   string // "nova", "placement", "neutron", "cinder", "keystone"
	Method    string
	URL       string
	Status    int
	Message   string // the service's own text (e.g. Nova's "message"), or the raw body
	RequestID string // x-openstack-request-id, when sent
	Err       error  // underlying error (gophercloud's)
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	out := fmt.Sprintf("%s: %s %s: HTTP %d: %s", e.Service, e.Method, shortPath(e.URL), e.Status, msg)
	if e.RequestID != "" {
		out += " (request " + e.RequestID + ")"
	}
	return out
}

// joined is an error with a one-line message of our own that still
// matches every error in errs with errors.Is/As.
type joined struct {
	msg  string
	errs []error
}

func (j *joined) Error() string   { return j.msg }
func (j *joined) Unwrap() []error { return j.errs }

// cause strips net/url's `Get "http://...": ` prefix.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// Unwrap exposes the sentinel for the status and the original error.
func (e *APIError) Unwrap() []error {
	out := []error{}
	switch {
	case e.Status == 401:
		out = append(out, ErrUnauthorized)
	case e.Status == 403:
		out = append(out, ErrForbidden)
	case e.Status == 404:
		out = append(out, ErrNotFound)
	case e.Status == 409:
		out = append(out, ErrConflict)
	case e.Status == 400:
		out = append(out, ErrBadRequest)
	case e.Status >= 500:
		out = append(out, ErrServer)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// MicroversionError says the cloud's Nova lacks a microversion an
// operation needs.
type MicroversionError struct {
	What string // "force-down"
	Need string // "2.11"
	Have string // highest the cloud supports, e.g. "2.1"
}

func (e *MicroversionError) Error() string {
	return fmt.Sprintf("%s needs Nova API microversion >= %s, but this cloud supports at most %s", e.What, e.Need, e.Have)
}

func (e *MicroversionError) Unwrap() error { return ErrMicroversion }

// MalformedError is a response body that is not the JSON we expected.
type MalformedError struct {
	Service, URL string
	Method       string // "" means GET
	Snippet      string // the first bytes of the body (untrusted text), or an HTML page's title
	Err          error
}

func (e *MalformedError) Error() string {
	m := e.Method
	if m == "" {
		m = "GET"
	}
	if strings.HasPrefix(e.Snippet, "HTML page") { // a proxy or portal answered for the API
		return fmt.Sprintf("%s: %s %s: malformed response: %s instead of JSON", e.Service, m, shortPath(e.URL), e.Snippet)
	}
	return fmt.Sprintf("%s: %s %s: malformed response (%v); body starts %q", e.Service, m, shortPath(e.URL), e.Err, e.Snippet)
}

func (e *MalformedError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// siteOf is scheme://host[:port] of u (the server an operator can check),
// or u itself when it does not parse.
func siteOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Scheme + "://" + p.Host
	}
	return u
}

func shortPath(u string) string {
	if p, err := url.Parse(u); err == nil && p.Path != "" {
		s := p.Path
		if p.RawQuery != "" {
			s += "?" + p.RawQuery
		}
		return s
	}
	return u
}

// serviceMessage extracts the human text from an OpenStack error body:
// Nova {"badRequest":{"message":...}}, Neutron {"NeutronError":{"message":..}},
// Placement/Keystone {"errors":[{"detail":...}]} / {"error":{"message":...}}.
func serviceMessage(body []byte) string {
	b := strings.TrimSpace(string(body))
	if b == "" {
		return ""
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if raw, ok := top["errors"]; ok {
			var errs []struct {
				Title, Detail string
			}
			if json.Unmarshal(raw, &errs) == nil && len(errs) > 0 {
				var parts []string
				for _, e := range errs {
					d := e.Detail
					if d == "" {
						d = e.Title
					}
					parts = append(parts, strings.TrimSpace(d))
				}
				return strings.Join(parts, "; ")
			}
		}
		for _, raw := range top {
			var inner struct {
				Message string `json:"message"`
				Detail  string `json:"detail"`
			}
			if json.Unmarshal(raw, &inner) == nil {
				if inner.Message != "" {
					return inner.Message
				}
				if inner.Detail != "" {
					return inner.Detail
				}
			}
		}
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	return httpclient.ErrorBody(body, 300)
}

// wrapErr turns a gophercloud/transport error into one of ours.
func wrapErr(service, method, u string, err error) error {
	if err == nil {
		return nil
	}
	if tl := httpclient.Named(err, service); tl != nil {
		return tl
	}
	if errors.Is(err, httpclient.ErrReadOnly) {
		return &joined{msg: fmt.Sprintf("%s: %v", service, cause(err)), errs: []error{err}}
	}
	var failing *AuthFailingError
	if errors.As(err, &failing) {
		return failing
	}
	if errors.Is(err, httpclient.ErrBackoff) { // not sent: not "unreachable"
		return &joined{msg: fmt.Sprintf("%s at %s %s", service, siteOf(u), httpclient.Reason(err)), errs: []error{err}}
	}
	var reauth gophercloud.ErrUnableToReauthenticate
	var reauthP *gophercloud.ErrUnableToReauthenticate
	switch {
	case errors.As(err, &reauth) && errors.As(reauth.ErrReauth, &failing):
		return failing
	case errors.As(err, &reauthP) && errors.As(reauthP.ErrReauth, &failing):
		return failing
	case errors.As(err, &reauth):
		return reauthErr(service, method, u, reauth.ErrReauth, err)
	case errors.As(err, &reauthP):
		return reauthErr(service, method, u, reauthP.ErrReauth, err)
	}
	if errors.Is(err, httpclient.ErrReplyLost) {
		// Sent, no answer: neither "unreachable" nor a refusal.
		return &joined{msg: fmt.Sprintf("%s at %s: %s (%s %s)", service, siteOf(u), httpclient.Reason(err), method, shortPath(u)), errs: []error{err}}
	}
	if ue, ok := asUnexpected(err); ok {
		return &APIError{Service: service, Method: method, URL: u, Status: ue.Actual,
			Message: serviceMessage(ue.Body), RequestID: requestID(ue.ResponseHeader), Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &joined{msg: fmt.Sprintf("%s at %s: %s (%s %s)", service, siteOf(u), httpclient.Reason(err), method, shortPath(u)), errs: []error{ErrUnreachable, err}}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %s %s: %w", service, method, shortPath(u), err)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return &joined{msg: fmt.Sprintf("%s at %s unreachable: %s (%s %s)", service, siteOf(u), httpclient.Reason(err), method, shortPath(u)), errs: []error{ErrUnreachable, err}}
	}
	return fmt.Errorf("%s: %s %s: %w", service, method, shortPath(u), err)
}

func reauthErr(service, method, u string, reauth, orig error) error {
	msg := "token rejected and re-authentication failed"
	if ue, ok := asUnexpected(reauth); ok {
		if m := serviceMessage(ue.Body); m != "" {
			msg += ": " + m
		}
	} else if reauth != nil {
		msg += ": " + reauth.Error()
	}
	return &APIError{Service: service, Method: method, URL: u, Status: 401, Message: msg, Err: orig}
}

func asUnexpected(err error) (gophercloud.ErrUnexpectedResponseCode, bool) {
	var v gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &v) {
		return v, true
	}
	var p *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	// ErrErrorAfterReauthentication wraps the original in a field.
	var ar gophercloud.ErrErrorAfterReauthentication
	if errors.As(err, &ar) && ar.ErrOriginal != nil {
		return asUnexpected(ar.ErrOriginal)
	}
	var arp *gophercloud.ErrErrorAfterReauthentication
	if errors.As(err, &arp) && arp != nil && arp.ErrOriginal != nil {
		return asUnexpected(arp.ErrOriginal)
	}
	return v, false
}

func requestID(h http.Header) string {
	if h == nil {
		return ""
	}
	if id := h.Get("X-Openstack-Request-Id"); id != "" {
		return id
	}
	return h.Get("X-Compute-Request-Id")
}
