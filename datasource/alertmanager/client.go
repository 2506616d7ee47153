// Package alertmanager is a small client of the Alertmanager v2 HTTP API:
// alerts, alert groups, silences (list, get, create, expire) and status,
// over one Alertmanager or several (an HA pair) at once.
//
// Why our own client and not the generated go-openapi one
// (github.com/prometheus/alertmanager/api/v2/client): that package pulls in
// go-openapi runtime/strfmt/validate/swag, mongo's bson and the whole
// Alertmanager module with its own Prometheus and gRPC versions, for the
// half-dozen endpoints we call. Its error types also hide the server's text
// behind generic "unknown error" values for the 400 and 500 bodies that
// Alertmanager 0.25 sends as bare JSON strings. The wire format is small and
// stable, so this package decodes it directly, surfaces every error body
// verbatim, and takes its *http.Client from the caller (with the read-only
// guard in its transport), like every other datasource here.
//
// With several Alertmanagers, reads go to all of them concurrently; alerts
// are de-duplicated by fingerprint and silences by ID, and each item says
// which instance(s) reported it. Writes go to the first instance that
// answers (a clustered pair gossips the silence to its peer); an HTTP error
// from that instance is the answer, only a transport failure moves on to
// the next one.
package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Instance is one Alertmanager.
type Instance struct {
	Name string // short display name; defaults to the URL's host:port
	URL  string // base URL, e.g. http://am1:9093 (a path prefix is kept)
	HTTP *http.Client
}

// Client queries a set of Alertmanagers.
type Client struct {
	ams []Instance

	// SharedTTL > 0 shares unfiltered Alerts and Silences answers between
	// callers within it (shared.go); Clock measures it (default time.Now).
	SharedTTL      time.Duration
	Clock          func() time.Time
	sharedAlerts   sharedCall[AlertsResult]
	sharedSilences sharedCall[SilencesResult]
}

// New makes a client over one or more Alertmanagers. Every instance needs
// an *http.Client (built by the caller through datasource/httpclient).
func New(ams ...Instance) (*Client, error) {
	if len(ams) == 0 {
		return nil, errors.New("alertmanager: no instances configured")
	}
	c := &Client{}
	seen := map[string]bool{}
	for i, a := range ams {
		u, err := url.Parse(strings.TrimSuffix(a.URL, "/"))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("alertmanager: bad url %q (want http(s)://host:port)", redact.URL(a.URL))
		}
		if a.HTTP == nil {
			return nil, fmt.Errorf("alertmanager: instance %q has no http client", redact.URL(a.URL))
		}
		a.URL = u.String()
		if a.Name == "" {
			a.Name = u.Host
		}
		if seen[a.Name] {
			a.Name = fmt.Sprintf("%s#%d", a.Name, i+1)
		}
		seen[a.Name] = true
		c.ams = append(c.ams, a)
	}
	return c, nil
}

// Instances returns the configured instances' names, in order.
func (c *Client) Instances() []string {
	out := make([]string, len(c.ams))
	for i, a := range c.ams {
		out[i] = a.Name
	}
	return out
}

// APIError is an HTTP error from an Alertmanager with the server's own text.
type APIError struct {
	Instance string
	Method   string
	Path     string
	Code     int
	Message  string // the body's text: JSON {"message"}, a JSON string, or plain text
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("alertmanager %s: %s %s: HTTP %d: %s", e.Instance, e.Method, e.Path, e.Code, msg)
}

// NotFound reports whether the error says the object does not exist (404,
// or 0.25's 500 "silence not found").
func (e *APIError) NotFound() bool {
	return e.Code == http.StatusNotFound || (e.Code == 500 && strings.Contains(e.Message, "not found"))
}

// errorMessage extracts the server's text from an error body: the v2 API
// sends {"code":612,"message":"..."} for validation errors (422), a bare
// JSON string for 400/500, and sometimes nothing at all (404).
func errorMessage(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return ""
	}
	var s string
	if b[0] == '"' && json.Unmarshal(b, &s) == nil {
		return strings.TrimSpace(s)
	}
	var obj struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if b[0] == '{' && json.Unmarshal(b, &obj) == nil && (obj.Message != "" || obj.Error != "") {
		if obj.Message != "" {
			return obj.Message
		}
		return obj.Error
	}
	return httpclient.ErrorBody(b, 300)
}

// do sends one request to one instance and decodes a 2xx JSON body into out
// (when out is non-nil).
func (c *Client) do(ctx context.Context, a Instance, method, path string, q url.Values, body, out any) error {
	u := a.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, httpclient.ErrReadOnly) {
			return fmt.Errorf("alertmanager %s: %w", a.Name, httpclient.ErrReadOnly)
		}
		return &TransportError{Instance: a.Name, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return &APIError{Instance: a.Name, Method: method, Path: path, Code: resp.StatusCode, Message: errorMessage(data)}
	}
	// Decode from the body as it comes; the client's transport cuts it at
	// the configured limit with a *httpclient.TooLargeError (once a silent
	// 64 MiB cut here showed as "unexpected end of JSON input").
	if out != nil {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	switch {
	case err == nil, err == io.EOF: // an empty body is no answer, not an error
		return nil
	case httpclient.Named(err, "alertmanager "+a.Name) != nil:
		return httpclient.Named(err, "alertmanager "+a.Name)
	case isJSONError(err):
		return fmt.Errorf("alertmanager %s: %s %s: decoding response: %v", a.Name, method, path, err)
	}
	return &TransportError{Instance: a.Name, Err: err}
}

func isJSONError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || err == io.ErrUnexpectedEOF
}

// TransportError is a failure to reach an instance (refused, timeout, TLS).
type TransportError struct {
	Instance string
	Err      error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("alertmanager %s unreachable: %s", e.Instance, httpclient.Reason(e.Err))
}
func (e *TransportError) Unwrap() error { return e.Err }

// Source is one instance's part in a multi-instance read.
type Source struct {
	Instance string
	Err      error
	Took     time.Duration
}

// Sources summarises a read over several instances.
type Sources []Source

// OK counts the instances that answered.
func (s Sources) OK() int {
	n := 0
	for _, x := range s {
		if x.Err == nil {
			n++
		}
	}
	return n
}

// Err joins the failed instances' errors (nil when all answered).
func (s Sources) Err() error {
	var errs []error
	for _, x := range s {
		if x.Err != nil {
			errs = append(errs, x.Err)
		}
	}
	return join(errs)
}

// joinedErr is errors.Join on one line: a status line shows "\n" as an
// escape, so two instances' errors are separated by "; ".
type joinedErr []error

func (j joinedErr) Error() string {
	parts := make([]string, len(j))
	for i, e := range j {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}
func (j joinedErr) Unwrap() []error { return j }

func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return joinedErr(errs)
}

// Summary is a short status text: "2/2 alertmanagers".
func (s Sources) Summary() string {
	return fmt.Sprintf("%d/%d alertmanagers", s.OK(), len(s))
}

// Notes are the status-line notes of an HA answer: "1/2 alertmanagers" and,
// unless the whole request failed (failed != nil: that error is shown
// instead), the failed instances' errors.
func (s Sources) Notes(failed error) []string {
	if len(s) == 0 {
		return nil
	}
	notes := []string{s.Summary()}
	if e := s.Err(); e != nil && failed == nil {
		notes = append(notes, e.Error())
	}
	return notes
}

// fanout runs fn against every instance concurrently. It fails only when
// every instance failed.
func fanout[T any](ctx context.Context, c *Client, fn func(ctx context.Context, a Instance) (T, error)) ([]T, []bool, Sources, error) {
	res := make([]T, len(c.ams))
	ok := make([]bool, len(c.ams))
	src := make(Sources, len(c.ams))
	var wg sync.WaitGroup
	for i, a := range c.ams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			v, err := fn(ctx, a)
			src[i] = Source{Instance: a.Name, Err: err, Took: time.Since(t0)}
			if err == nil {
				res[i], ok[i] = v, true
			}
		}()
	}
	wg.Wait()
	if src.OK() == 0 {
		return nil, nil, src, src.Err()
	}
	return res, ok, src, nil
}

// Receiver is a receiver reference.
type Receiver struct {
	Name string `json:"name"`
}

// AlertStatus is an alert's state in Alertmanager.
type AlertStatus struct {
	State       string   `json:"state"` // active, suppressed, unprocessed
	SilencedBy  []string `json:"silencedBy"`
	InhibitedBy []string `json:"inhibitedBy"`
}

// Alert is one alert of GET /api/v2/alerts.
type Alert struct {
	Fingerprint  string            `json:"fingerprint"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
	GeneratorURL string            `json:"generatorURL"`
	Receivers    []Receiver        `json:"receivers"`
	Status       AlertStatus       `json:"status"`
	// Instances are the Alertmanagers that reported this alert (filled by
	// the client, not part of the wire format).
	Instances []string `json:"-"`
}

// Name is the alertname label.
func (a Alert) Name() string { return a.Labels["alertname"] }

// Severity is the severity label (lower-cased).
func (a Alert) Severity() string { return strings.ToLower(a.Labels["severity"]) }

// Host is the host the alert is about: the host, hostname or nodename
// label; failing those, the instance label's host for node_exporter
// targets (job "node" or port 9100). Other exporters' instance is where
// the exporter runs (a Ceph mgr, an OpenStack exporter), not the subject.
func (a Alert) Host() string {
	for _, k := range []string{"host", "hostname", "nodename", "node"} {
		if v := a.Labels[k]; v != "" {
			return v
		}
	}
	v := a.Labels["instance"]
	h, port, ok := strings.Cut(v, ":")
	if v == "" || strings.HasPrefix(v, "[") || (a.Labels["job"] != "node" && port != "9100") {
		return ""
	}
	if !ok {
		return v
	}
	return h
}

// Silenced and Inhibited report the suppression reasons.
func (a Alert) Silenced() bool  { return len(a.Status.SilencedBy) > 0 }
func (a Alert) Inhibited() bool { return len(a.Status.InhibitedBy) > 0 }

// AlertFilter selects alerts. Nil booleans leave the server default (true).
type AlertFilter struct {
	Matchers    Matchers
	Active      *bool
	Silenced    *bool
	Inhibited   *bool
	Unprocessed *bool
	Receiver    string // regex
}

func (f AlertFilter) query() url.Values {
	q := url.Values{}
	for _, m := range f.Matchers {
		q.Add("filter", m.String())
	}
	set := func(k string, b *bool) {
		if b != nil {
			q.Set(k, strconv.FormatBool(*b))
		}
	}
	set("active", f.Active)
	set("silenced", f.Silenced)
	set("inhibited", f.Inhibited)
	set("unprocessed", f.Unprocessed)
	if f.Receiver != "" {
		q.Set("receiver", f.Receiver)
	}
	return q
}

// Bool is a helper for AlertFilter fields.
func Bool(b bool) *bool { return &b }

// AlertsResult is the merged alert list.
type AlertsResult struct {
	Alerts  []Alert
	Sources Sources
}

// Alerts lists alerts from every instance, de-duplicated by fingerprint.
// When instances disagree, the most recently updated copy wins and the
// suppression reasons are merged.
func (c *Client) Alerts(ctx context.Context, f AlertFilter) (AlertsResult, error) {
	if c.SharedTTL > 0 && f.zero() {
		r, err := c.sharedAlerts.get(ctx, c.SharedTTL, c.now, func(ctx context.Context) (AlertsResult, error) { return c.alerts(ctx, f) })
		return r.clone(), err
	}
	return c.alerts(ctx, f)
}

func (c *Client) alerts(ctx context.Context, f AlertFilter) (AlertsResult, error) {
	q := f.query()
	lists, ok, src, err := fanout(ctx, c, func(ctx context.Context, a Instance) ([]Alert, error) {
		var out []Alert
		err := c.do(ctx, a, http.MethodGet, "/api/v2/alerts", q, nil, &out)
		return out, err
	})
	if err != nil {
		return AlertsResult{Sources: src}, err
	}
	return AlertsResult{Alerts: mergeAlerts(c, lists, ok), Sources: src}, nil
}

func mergeAlerts(c *Client, lists [][]Alert, ok []bool) []Alert {
	byFP := map[string]int{}
	var out []Alert
	for i, l := range lists {
		if !ok[i] {
			continue
		}
		name := c.ams[i].Name
		for _, a := range l {
			key := a.Fingerprint
			if key == "" {
				key = labelKey(a.Labels)
			}
			j, seen := byFP[key]
			if !seen {
				a.Instances = []string{name}
				byFP[key] = len(out)
				out = append(out, a)
				continue
			}
			prev := &out[j]
			inst := append(prev.Instances, name)
			sil := union(prev.Status.SilencedBy, a.Status.SilencedBy)
			inh := union(prev.Status.InhibitedBy, a.Status.InhibitedBy)
			if a.UpdatedAt.After(prev.UpdatedAt) {
				*prev = a
			}
			prev.Instances = inst
			prev.Status.SilencedBy, prev.Status.InhibitedBy = sil, inh
			if len(sil)+len(inh) > 0 {
				prev.Status.State = "suppressed"
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].StartsAt.Equal(out[j].StartsAt) {
			return out[i].StartsAt.Before(out[j].StartsAt)
		}
		return out[i].Fingerprint < out[j].Fingerprint
	})
	return out
}

func labelKey(l map[string]string) string {
	names := SortedLabelNames(l)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + "\x00" + l[n] + "\x00")
	}
	return b.String()
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

// AlertGroup is one group of GET /api/v2/alerts/groups.
type AlertGroup struct {
	Labels   map[string]string `json:"labels"`
	Receiver Receiver          `json:"receiver"`
	Alerts   []Alert           `json:"alerts"`
}

// GroupsResult is the merged group list.
type GroupsResult struct {
	Groups  []AlertGroup
	Sources Sources
}

// Groups lists alert groups as routed by Alertmanager, merged across
// instances by receiver and group labels, alerts de-duplicated by
// fingerprint.
func (c *Client) Groups(ctx context.Context, f AlertFilter) (GroupsResult, error) {
	q := f.query()
	lists, ok, src, err := fanout(ctx, c, func(ctx context.Context, a Instance) ([]AlertGroup, error) {
		var out []AlertGroup
		err := c.do(ctx, a, http.MethodGet, "/api/v2/alerts/groups", q, nil, &out)
		return out, err
	})
	if err != nil {
		return GroupsResult{Sources: src}, err
	}
	type acc struct {
		g      AlertGroup
		lists  [][]Alert
		listOK []bool
	}
	idx := map[string]*acc{}
	var order []string
	for i, gl := range lists {
		if !ok[i] {
			continue
		}
		for _, g := range gl {
			key := g.Receiver.Name + "\x01" + labelKey(g.Labels)
			x, seen := idx[key]
			if !seen {
				x = &acc{g: g, lists: make([][]Alert, len(c.ams)), listOK: make([]bool, len(c.ams))}
				idx[key] = x
				order = append(order, key)
			}
			x.lists[i] = append(x.lists[i], g.Alerts...)
			x.listOK[i] = true
		}
	}
	var out []AlertGroup
	for _, k := range order {
		x := idx[k]
		x.g.Alerts = mergeAlerts(c, x.lists, x.listOK)
		out = append(out, x.g)
	}
	return GroupsResult{Groups: out, Sources: src}, nil
}

// SilenceStatus is a silence's state.
type SilenceStatus struct {
	State string `json:"state"` // active, pending, expired
}

// Silence is one silence.
type Silence struct {
	ID        string        `json:"id,omitempty"`
	Matchers  Matchers      `json:"matchers"`
	StartsAt  time.Time     `json:"startsAt"`
	EndsAt    time.Time     `json:"endsAt"`
	UpdatedAt time.Time     `json:"updatedAt,omitzero"`
	CreatedBy string        `json:"createdBy"`
	Comment   string        `json:"comment"`
	Status    SilenceStatus `json:"status,omitzero"`
	// Instances that reported the silence (client-side).
	Instances []string `json:"-"`
}

// SilencesResult is the merged silence list.
type SilencesResult struct {
	Silences []Silence
	Sources  Sources
}

// Silences lists silences (optionally only those whose matchers are given
// by filter), de-duplicated by ID across instances. Order: active, pending,
// expired; within a state by end time.
func (c *Client) Silences(ctx context.Context, filter Matchers) (SilencesResult, error) {
	if c.SharedTTL > 0 && len(filter) == 0 {
		r, err := c.sharedSilences.get(ctx, c.SharedTTL, c.now, func(ctx context.Context) (SilencesResult, error) { return c.silences(ctx, nil) })
		return r.clone(), err
	}
	return c.silences(ctx, filter)
}

func (c *Client) silences(ctx context.Context, filter Matchers) (SilencesResult, error) {
	q := url.Values{}
	for _, m := range filter {
		q.Add("filter", m.String())
	}
	lists, ok, src, err := fanout(ctx, c, func(ctx context.Context, a Instance) ([]Silence, error) {
		var out []Silence
		err := c.do(ctx, a, http.MethodGet, "/api/v2/silences", q, nil, &out)
		return out, err
	})
	if err != nil {
		return SilencesResult{Sources: src}, err
	}
	byID := map[string]int{}
	var out []Silence
	for i, l := range lists {
		if !ok[i] {
			continue
		}
		for _, s := range l {
			if j, seen := byID[s.ID]; seen {
				inst := append(out[j].Instances, c.ams[i].Name)
				if s.UpdatedAt.After(out[j].UpdatedAt) {
					out[j] = s
				}
				out[j].Instances = inst
				continue
			}
			s.Instances = []string{c.ams[i].Name}
			byID[s.ID] = len(out)
			out = append(out, s)
		}
	}
	SortSilences(out)
	return SilencesResult{Silences: out, Sources: src}, nil
}

var stateRank = map[string]int{"active": 0, "pending": 1, "expired": 2}

// SortSilences orders silences active, pending, expired; active and pending
// by soonest end/start, expired by most recent end first.
func SortSilences(s []Silence) {
	sort.SliceStable(s, func(i, j int) bool {
		ri, rj := stateRank[s[i].Status.State], stateRank[s[j].Status.State]
		if ri != rj {
			return ri < rj
		}
		switch s[i].Status.State {
		case "expired":
			if !s[i].EndsAt.Equal(s[j].EndsAt) {
				return s[i].EndsAt.After(s[j].EndsAt)
			}
		case "pending":
			if !s[i].StartsAt.Equal(s[j].StartsAt) {
				return s[i].StartsAt.Before(s[j].StartsAt)
			}
		default:
			if !s[i].EndsAt.Equal(s[j].EndsAt) {
				return s[i].EndsAt.Before(s[j].EndsAt)
			}
		}
		return s[i].ID < s[j].ID
	})
}

// Silence gets one silence by ID from the first instance that has it.
func (c *Client) Silence(ctx context.Context, id string) (Silence, error) {
	var firstErr error
	for _, a := range c.ams {
		var s Silence
		err := c.do(ctx, a, http.MethodGet, "/api/v2/silence/"+url.PathEscape(id), nil, nil, &s)
		if err == nil {
			s.Instances = []string{a.Name}
			return s, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		var ae *APIError
		if errors.As(err, &ae) && !ae.NotFound() {
			return Silence{}, err
		}
	}
	var ae *APIError
	if errors.As(firstErr, &ae) && ae.Code == http.StatusNotFound && ae.Message == "" {
		ae.Message = "silence " + id + " not found"
	}
	return Silence{}, firstErr
}

// NewSilence is what CreateSilence sends.
type NewSilence struct {
	Matchers  Matchers
	StartsAt  time.Time // zero: now
	EndsAt    time.Time
	CreatedBy string
	Comment   string
}

// CreateSilence posts a silence to the first reachable instance and returns
// its ID and the instance that took it. Validation is the server's: its
// error text comes back in an *APIError.
func (c *Client) CreateSilence(ctx context.Context, s NewSilence) (id, instance string, err error) {
	defer c.forgetShared()
	start := s.StartsAt
	if start.IsZero() {
		start = time.Now()
	}
	body := struct {
		Matchers  Matchers `json:"matchers"`
		StartsAt  string   `json:"startsAt"`
		EndsAt    string   `json:"endsAt"`
		CreatedBy string   `json:"createdBy"`
		Comment   string   `json:"comment"`
	}{Matchers: s.Matchers, StartsAt: start.UTC().Format(time.RFC3339Nano), EndsAt: s.EndsAt.UTC().Format(time.RFC3339Nano),
		CreatedBy: s.CreatedBy, Comment: s.Comment}
	if body.Matchers == nil {
		body.Matchers = Matchers{}
	}
	var resp struct {
		SilenceID string `json:"silenceID"`
	}
	inst, err := c.write(ctx, func(a Instance) error {
		return c.do(ctx, a, http.MethodPost, "/api/v2/silences", nil, body, &resp)
	})
	if err != nil {
		return "", inst, err
	}
	if resp.SilenceID == "" {
		return "", inst, fmt.Errorf("alertmanager %s: created a silence but returned no silenceID", inst)
	}
	return resp.SilenceID, inst, nil
}

// ExpireSilence expires a silence (DELETE /api/v2/silence/{id}). With
// unclustered instances a silence lives on one of them only, so a "not
// found" answer moves on to the next instance.
func (c *Client) ExpireSilence(ctx context.Context, id string) (instance string, err error) {
	defer c.forgetShared()
	var notFound error
	for _, a := range c.ams {
		err := c.do(ctx, a, http.MethodDelete, "/api/v2/silence/"+url.PathEscape(id), nil, nil, nil)
		if err == nil {
			return a.Name, nil
		}
		var ae *APIError
		var te *TransportError
		switch {
		case errors.As(err, &ae) && ae.NotFound():
			if notFound == nil {
				notFound = err
			}
			continue
		case errors.As(err, &te):
			if notFound == nil {
				notFound = err
			}
			continue
		}
		return a.Name, err
	}
	return "", notFound
}

// write tries instances in order until one answers (an HTTP error is an
// answer; a transport error is not).
func (c *Client) write(ctx context.Context, fn func(a Instance) error) (string, error) {
	var errs []error
	for _, a := range c.ams {
		err := fn(a)
		var te *TransportError
		if err != nil && errors.As(err, &te) && ctx.Err() == nil {
			errs = append(errs, err)
			continue
		}
		return a.Name, err
	}
	return "", join(errs)
}

// Status is one instance's GET /api/v2/status.
type Status struct {
	Instance string `json:"-"`
	Err      error  `json:"-"`
	Cluster  struct {
		Name   string `json:"name"`
		Status string `json:"status"` // ready, settling, disabled
		Peers  []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"peers"`
	} `json:"cluster"`
	Config struct {
		Original string `json:"original"`
	} `json:"config"`
	Uptime      time.Time `json:"uptime"`
	VersionInfo struct {
		Version   string `json:"version"`
		Revision  string `json:"revision"`
		Branch    string `json:"branch"`
		GoVersion string `json:"goVersion"`
	} `json:"versionInfo"`
}

// Status asks every instance for its status; each entry carries its own
// error. The error is non-nil only when no instance answered.
func (c *Client) Status(ctx context.Context) ([]Status, error) {
	res, ok, src, err := fanout(ctx, c, func(ctx context.Context, a Instance) (Status, error) {
		var s Status
		err := c.do(ctx, a, http.MethodGet, "/api/v2/status", nil, nil, &s)
		return s, err
	})
	out := make([]Status, len(c.ams))
	for i := range c.ams {
		if ok != nil && ok[i] {
			out[i] = res[i]
		}
		out[i].Instance = c.ams[i].Name
		out[i].Err = src[i].Err
	}
	return out, err
}
