package loki

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"time"

	"github.com/golang/snappy"
	"github.com/grafana/loki/pkg/push"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

// Options configure a Client. HTTP clients come from the caller (built by
// datasource/httpclient, so the read-only guard, TLS and timeouts apply);
// this package never builds one.
type Options struct {
	URL string // base URL, e.g. http://loki:3100
	// HTTP is used for queries (with a timeout). Required.
	HTTP *http.Client
	// Stream is used for the websocket tail (no whole-request timeout).
	// Defaults to HTTP.
	Stream *http.Client
	// TenantID is sent as X-Scope-OrgID when set.
	TenantID string
	// Basic or bearer auth, when the caller's client does not add it.
	Username, Password, Bearer string
	// Headers are extra headers on every request.
	Headers map[string]string
}

// Client talks to one Loki.
type Client struct {
	o    Options
	base *url.URL
	hub  *hub
}

// New validates options and returns a client.
func New(o Options) (*Client, error) {
	if o.HTTP == nil {
		return nil, errors.New("loki: no HTTP client given")
	}
	if o.Stream == nil {
		o.Stream = o.HTTP
	}
	u, err := url.Parse(strings.TrimSuffix(o.URL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("loki: bad url %q (want http(s)://host[:port])", redact.URL(o.URL))
	}
	c := &Client{o: o, base: u}
	c.hub = &hub{c: c, m: map[string]*follower{}}
	return c, nil
}

// URL is the base URL.
func (c *Client) URL() string { return c.base.String() }

// Error is an error answer from Loki; Body holds the server's own text.
type Error struct {
	Status int
	Body   string
}

func (e *Error) Error() string {
	b := strings.TrimSpace(e.Body)
	if b == "" {
		b = http.StatusText(e.Status)
	}
	return fmt.Sprintf("loki: %d: %s", e.Status, b)
}

// UnreachableError is a request to Loki that got no answer. Its text names
// the server and says why in plain words (not net/url's `Get "http://...
// ?query=...&start=...":` chain, whose query string pushes the reason off a
// status line); errors.Is/As still see the transport error.
type UnreachableError struct {
	URL string // the base URL, without credentials
	Err error
}

func (e *UnreachableError) Error() string {
	return "loki at " + e.URL + " unreachable: " + httpclient.Reason(e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

func (c *Client) unreachable(err error) error {
	if errors.Is(err, httpclient.ErrReadOnly) {
		return fmt.Errorf("loki: %w", err)
	}
	return &UnreachableError{URL: c.base.Redacted(), Err: err}
}

func (c *Client) header(h http.Header) {
	for k, v := range c.o.Headers {
		h.Set(k, v)
	}
	if c.o.TenantID != "" {
		h.Set("X-Scope-OrgID", c.o.TenantID)
	}
	switch {
	case c.o.Bearer != "":
		h.Set("Authorization", "Bearer "+c.o.Bearer)
	case c.o.Username != "":
		req := http.Request{Header: h}
		req.SetBasicAuth(c.o.Username, c.o.Password)
	}
}

func (c *Client) endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String()
}

func (c *Client) get(ctx context.Context, path string, q url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, q), nil)
	if err != nil {
		return nil, err
	}
	c.header(req.Header)
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		return nil, c.unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, c.readErr(err)
		}
		return nil, &Error{Status: resp.StatusCode, Body: errorText(body)}
	}
	// The body is read into a reused buffer (the transport cuts it at the
	// limit), then decoded: the answer's strings are copies, so the buffer
	// is free again once decoded.
	buf, err := bodies.Read(resp.Body, resp.ContentLength)
	defer bodies.Put(buf)
	var ar apiResponse
	if err == nil {
		err = json.Unmarshal(buf.Bytes(), &ar)
	}
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &se) || errors.As(err, &te) || err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, fmt.Errorf("loki: decoding answer: %w", err)
		}
		return nil, c.readErr(err)
	}
	if ar.Status != "" && ar.Status != "success" {
		return nil, &Error{Status: resp.StatusCode, Body: ar.Error}
	}
	return ar.Data, nil
}

// bodies are the answers' read buffers, reused: a json.Decoder grew a new
// buffer for every answer, doubling it as the body came (1,000-line log
// pages of the logs pane and its follower, several a second: a third of
// the cockpit's allocations in a steady minute at 50,000 instances on
// 1,000 hosts, each collection's share of garbage; issue 15).
// A rare huge answer's buffer is dropped, not kept for the next ones.
var bodies = httpclient.BodyPool{MaxKept: 4 << 20}

func (c *Client) readErr(err error) error {
	if tl := httpclient.Named(err, "loki"); tl != nil {
		return tl
	}
	return fmt.Errorf("loki at %s: reading answer: %s: %w", c.base.Redacted(), httpclient.Reason(err), err)
}

// errorText extracts the server's message from a plain-text or JSON error.
func errorText(body []byte) string {
	var j struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil {
		if j.Error != "" {
			return j.Error
		}
		if j.Message != "" {
			return j.Message
		}
	}
	return httpclient.ErrorBody(body, 500)
}

func ns(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// Direction of a range query.
type Direction string

const (
	Forward  Direction = "forward"
	Backward Direction = "backward"
)

// RangeQuery is one query_range request. Start is inclusive, End exclusive.
type RangeQuery struct {
	Query      string
	Start, End time.Time
	Limit      int // per request; capped at MaxEntriesPerQuery; 0: 1000
	Direction  Direction
	Step       time.Duration // metric queries only
}

// QueryRange runs one query_range request.
func (c *Client) QueryRange(ctx context.Context, rq RangeQuery) (*Result, error) {
	return c.queryRange(ctx, rq, nil)
}

func (c *Client) queryRange(ctx context.Context, rq RangeQuery, lc *labelCache) (*Result, error) {
	if rq.Limit <= 0 {
		rq.Limit = 1000
	}
	if rq.Limit > MaxEntriesPerQuery {
		rq.Limit = MaxEntriesPerQuery
	}
	if rq.Direction == "" {
		rq.Direction = Backward
	}
	q := url.Values{"query": {rq.Query}, "limit": {strconv.Itoa(rq.Limit)}, "direction": {string(rq.Direction)}}
	if !rq.Start.IsZero() {
		q.Set("start", ns(rq.Start))
	}
	if !rq.End.IsZero() {
		q.Set("end", ns(rq.End))
	}
	if rq.Step > 0 {
		q.Set("step", strconv.FormatFloat(rq.Step.Seconds(), 'f', -1, 64))
	}
	data, err := c.get(ctx, "/loki/api/v1/query_range", q)
	if err != nil {
		return nil, err
	}
	return decodeResult(data, rq.Direction == Backward, lc)
}

// Query runs an instant query.
func (c *Client) Query(ctx context.Context, query string, at time.Time, limit int) (*Result, error) {
	q := url.Values{"query": {query}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, MaxEntriesPerQuery)))
	}
	if !at.IsZero() {
		q.Set("time", ns(at))
	}
	data, err := c.get(ctx, "/loki/api/v1/query", q)
	if err != nil {
		return nil, err
	}
	return decodeResult(data, true, nil)
}

// QueryAll pages through [Start, End) in rq.Direction, never asking for more
// than MaxEntriesPerQuery per request, until max entries (0: no limit) or
// the range is exhausted. Entries sharing a page-boundary timestamp are
// de-duplicated by (stream, ts, line). fn gets each page in order; it may
// return false to stop.
func (c *Client) QueryAll(ctx context.Context, rq RangeQuery, max int, fn func([]Entry) bool) error {
	return c.queryAll(ctx, rq, max, nil, fn)
}

func (c *Client) queryAll(ctx context.Context, rq RangeQuery, max int, lc *labelCache, fn func([]Entry) bool) error {
	if lc == nil {
		lc = &labelCache{}
	}
	if rq.Direction == "" {
		rq.Direction = Backward
	}
	if rq.End.IsZero() {
		rq.End = time.Now()
	}
	page := rq.Limit
	if page <= 0 || page > MaxEntriesPerQuery {
		page = MaxEntriesPerQuery
	}
	seen := map[Key]struct{}{} // entries at the current boundary timestamp
	var boundary int64
	got := 0
	for {
		lim := page
		if max > 0 && max-got < lim {
			// ask for a little more than needed: boundary duplicates
			lim = min(page, max-got+len(seen))
		}
		q := rq
		q.Limit = lim
		res, err := c.queryRange(ctx, q, lc)
		if err != nil {
			return err
		}
		if res.Type != "streams" {
			return fmt.Errorf("loki: %s query: the log view needs a log query (no metric functions)", res.Type)
		}
		fresh := res.Entries[:0:0]
		for _, e := range res.Entries {
			k := e.Key()
			if _, dup := seen[k]; dup {
				continue
			}
			fresh = append(fresh, e)
		}
		if max > 0 && got+len(fresh) > max {
			fresh = fresh[:max-got]
		}
		got += len(fresh)
		if len(fresh) > 0 && !fn(fresh) {
			return nil
		}
		if len(res.Entries) < lim || (max > 0 && got >= max) {
			return nil
		}
		last := res.Entries[len(res.Entries)-1].TS
		if last != boundary {
			clear(seen)
			boundary = last
		}
		for i := len(res.Entries) - 1; i >= 0 && res.Entries[i].TS == last; i-- {
			seen[res.Entries[i].Key()] = struct{}{}
		}
		if len(fresh) == 0 {
			// A whole page of one timestamp: step past it rather than loop.
			if rq.Direction == Forward {
				last++
			} else {
				last--
			}
			clear(seen)
		}
		if rq.Direction == Forward {
			rq.Start = time.Unix(0, last)
		} else {
			rq.End = time.Unix(0, last+1) // end is exclusive: keep the boundary
		}
		if !rq.Start.IsZero() && !rq.End.After(rq.Start) {
			return nil
		}
	}
}

// Labels lists label names seen in [start, end).
func (c *Client) Labels(ctx context.Context, start, end time.Time) ([]string, error) {
	return c.strings(ctx, "/loki/api/v1/labels", rangeValues(start, end))
}

// LabelValues lists a label's values, optionally within a stream selector.
func (c *Client) LabelValues(ctx context.Context, name string, start, end time.Time, selector string) ([]string, error) {
	q := rangeValues(start, end)
	if selector != "" {
		q.Set("query", selector)
	}
	return c.strings(ctx, "/loki/api/v1/label/"+url.PathEscape(name)+"/values", q)
}

// Series lists the label sets of streams matching any selector.
func (c *Client) Series(ctx context.Context, selectors []string, start, end time.Time) ([]map[string]string, error) {
	q := rangeValues(start, end)
	for _, s := range selectors {
		q.Add("match[]", s)
	}
	data, err := c.get(ctx, "/loki/api/v1/series", q)
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("loki: decoding series: %w", err)
	}
	return out, nil
}

func (c *Client) strings(ctx context.Context, path string, q url.Values) ([]string, error) {
	data, err := c.get(ctx, path, q)
	if err != nil {
		return nil, err
	}
	var out []string
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("loki: decoding %s: %w", path, err)
		}
	}
	return out, nil
}

func rangeValues(start, end time.Time) url.Values {
	q := url.Values{}
	if !start.IsZero() {
		q.Set("start", ns(start))
	}
	if !end.IsZero() {
		q.Set("end", ns(end))
	}
	return q
}

// PushStream is one stream of lines to push (demo and test data only).
type PushStream struct {
	Labels  map[string]string
	Entries []PushEntry
}

// PushEntry is one line to push.
type PushEntry struct {
	Time     time.Time
	Line     string
	Metadata map[string]string
}

// EncodePush builds a protobuf push body (snappy block encoded), the format
// Promtail and Alloy send.
func EncodePush(streams []PushStream) ([]byte, error) {
	req := push.PushRequest{}
	for _, s := range streams {
		ps := push.Stream{Labels: canonicalSelector(s.Labels)}
		for _, e := range s.Entries {
			pe := push.Entry{Timestamp: e.Time, Line: e.Line}
			for k, v := range e.Metadata {
				pe.StructuredMetadata = append(pe.StructuredMetadata, push.LabelAdapter{Name: k, Value: v})
			}
			ps.Entries = append(ps.Entries, pe)
		}
		req.Streams = append(req.Streams, ps)
	}
	raw, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	return snappy.Encode(nil, raw), nil
}

// DecodePush decodes a protobuf push body (snappy block encoded).
func DecodePush(body []byte) ([]PushStream, error) {
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	var req push.PushRequest
	if err := req.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("protobuf: %w", err)
	}
	out := make([]PushStream, 0, len(req.Streams))
	for _, s := range req.Streams {
		m, err := ParseSelectorLabels(s.Labels)
		if err != nil {
			return nil, err
		}
		ps := PushStream{Labels: m}
		for _, e := range s.Entries {
			pe := PushEntry{Time: e.Timestamp, Line: e.Line}
			if len(e.StructuredMetadata) > 0 {
				pe.Metadata = map[string]string{}
				for _, l := range e.StructuredMetadata {
					pe.Metadata[l.Name] = l.Value
				}
			}
			ps.Entries = append(ps.Entries, pe)
		}
		out = append(out, ps)
	}
	return out, nil
}

// canonicalSelector renders labels as {a="b",c="d"} (sorted).
func canonicalSelector(m map[string]string) string {
	return strings.ReplaceAll(canonical(m), ", ", ",")
}

// ParseSelectorLabels parses {a="b", c="d"} (equality matchers only).
func ParseSelectorLabels(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("bad label set %q", s)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	m := map[string]string{}
	for s != "" {
		i := strings.IndexByte(s, '=')
		if i <= 0 {
			return nil, fmt.Errorf("bad label set near %q", s)
		}
		name := strings.TrimSpace(s[:i])
		rest := strings.TrimSpace(s[i+1:])
		v, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, fmt.Errorf("bad label value near %q", rest)
		}
		uq, _ := strconv.Unquote(v)
		m[name] = uq
		s = strings.TrimSpace(rest[len(v):])
		s = strings.TrimSpace(strings.TrimPrefix(s, ","))
	}
	return m, nil
}

// Push sends lines with the protobuf push API. It is a POST the read-only
// guard refuses: only tests and tools use it.
func (c *Client) Push(ctx context.Context, streams []PushStream) error {
	body, err := EncodePush(streams)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/loki/api/v1/push", nil), bytes.NewReader(body))
	if err != nil {
		return err
	}
	c.header(req.Header)
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("loki push: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &Error{Status: resp.StatusCode, Body: errorText(b)}
	}
	return nil
}
