// Package prometheus reads a Prometheus-compatible HTTP API (Prometheus,
// Thanos, Mimir, VictoriaMetrics) through client_golang's v1 API: instant
// and range queries, series, label names and values, metadata, build info.
//
// The caller gives the *http.Client (built by datasource/httpclient, so the
// read-only guard, TLS, basic/bearer auth and custom headers such as
// X-Scope-OrgID are already in its transport). Errors carry Prometheus' own
// error type and text ("bad_data: invalid parameter \"query\": ...").
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

// MaxPoints is Prometheus' limit of points per series in a range query
// (more is refused with 400 bad_data).
const MaxPoints = 11000

// Client is a Prometheus API client.
type Client struct {
	url string
	api v1.API
	// Align rounds evaluation times down to a multiple of itself (zero:
	// as given). `stackpit serve` sets it to the refresh interval: the
	// sessions' queries then carry the same time and are sent once for
	// all of them (issue 20), where each session's own "now" made every
	// query unique.
	Align time.Duration
}

// New returns a client for the API at baseURL (e.g. http://prom:9090, or a
// Mimir/Thanos prefix such as https://mimir/prometheus). hc must come from
// datasource/httpclient; nil is refused so no bare client is ever built here.
func New(baseURL string, hc *http.Client) (*Client, error) {
	if hc == nil {
		return nil, errors.New("prometheus: no HTTP client given")
	}
	if strings.TrimSpace(baseURL) == "" {
		return nil, errors.New("prometheus: no URL configured")
	}
	c, err := api.NewClient(api.Config{Address: strings.TrimSuffix(baseURL, "/"), Client: hc})
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	return &Client{url: baseURL, api: v1.NewAPI(c)}, nil
}

// URL is the configured base URL.
func (c *Client) URL() string { return c.url }

// Error is an error answered by the server (or the transport), with
// Prometheus' own error type ("bad_data", "execution", "timeout", ...).
type Error struct {
	Type   string
	Msg    string
	Detail string // raw body for non-API errors (a proxy's 502 page)
}

func (e *Error) Error() string {
	s := e.Type + ": " + e.Msg
	if e.Detail != "" && !strings.Contains(e.Msg, e.Detail) {
		s += " (" + httpclient.ErrorBody([]byte(e.Detail), 300) + ")"
	}
	return s
}

// IsBadData reports whether err is Prometheus refusing the query itself
// (parse error, too many points...), as opposed to an outage.
func IsBadData(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == string(v1.ErrBadData)
}

// wrap turns the API's errors into *Error. A request that got no answer
// names the server and says why in plain words ("unreachable: prometheus at
// http://prom:9090: connection refused (...)"), not net/url's
// `Post "http://prom:9090/api/v1/query": dial tcp ...` chain.
func (c *Client) wrap(err error) error {
	if err == nil {
		return nil
	}
	if tl := httpclient.Named(err, "prometheus"); tl != nil {
		return tl
	}
	var ae *v1.Error
	if errors.As(err, &ae) {
		return &Error{Type: string(ae.Type), Msg: ae.Msg, Detail: ae.Detail}
	}
	where := "prometheus at " + redact.URL(c.url) + ": "
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Type: "timeout", Msg: where + httpclient.Reason(err)}
	}
	return &Error{Type: "unreachable", Msg: where + httpclient.Reason(err)}
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// Series is one labelled series: one point for an instant vector, many
// for a range query.
type Series struct {
	Labels map[string]string
	Points []Point
}

// Last returns the newest value (NaN when empty).
func (s Series) Last() float64 {
	if len(s.Points) == 0 {
		return math.NaN()
	}
	return s.Points[len(s.Points)-1].V
}

// Name is the series' label set as Prometheus prints it:
// metric{a="b", c="d"}.
func (s Series) Name() string { return LabelString(s.Labels) }

// LabelString prints labels as metric{a="b"}.
func LabelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(l["__name__"])
	if len(keys) == 0 && b.Len() > 0 {
		return b.String()
	}
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%q", k, l[k])
	}
	b.WriteByte('}')
	return b.String()
}

// Result is a query result.
type Result struct {
	Type     string // vector, matrix, scalar, string
	Series   []Series
	Warnings []string
	Query    string
	Time     time.Time // evaluation time (instant) or range end
	Step     time.Duration
}

// Query runs an instant query at t (zero: now on the server).
func (c *Client) Query(ctx context.Context, q string, t time.Time) (*Result, error) {
	if c.Align > 0 && !t.IsZero() {
		t = t.Truncate(c.Align)
	}
	v, warn, _, err := c.api.Query(ctx, q, t)
	if err != nil {
		return nil, c.wrap(err)
	}
	r := convert(v)
	r.Warnings, r.Query, r.Time = warn, q, t
	return r, nil
}

// QueryRange runs a range query. A step that would give more than
// MaxPoints points is sent anyway: the server's refusal is the message.
func (c *Client) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (*Result, error) {
	if step <= 0 {
		return nil, &Error{Type: "bad_data", Msg: "zero or negative query resolution step widths are not accepted. Try a positive integer"}
	}
	if c.Align > 0 {
		aligned := end.Truncate(c.Align)
		start, end = start.Add(aligned.Sub(end)), aligned
	}
	v, warn, _, err := c.api.QueryRange(ctx, q, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return nil, c.wrap(err)
	}
	r := convert(v)
	r.Warnings, r.Query, r.Time, r.Step = warn, q, end, step
	return r, nil
}

// StepFor picks a range query step giving about one point per cell of a
// chart `cells` wide: rounded up to a whole second (or a whole minute above
// 5 min), never below minStep (the scrape interval) and never more than
// MaxPoints points.
func StepFor(rng time.Duration, cells int, minStep time.Duration) time.Duration {
	if cells < 1 {
		cells = 1
	}
	step := rng / time.Duration(cells)
	if step < minStep {
		step = minStep
	}
	if step < time.Second {
		step = time.Second
	}
	round := time.Second
	if step > 5*time.Minute {
		round = time.Minute
	}
	if r := step % round; r != 0 {
		step += round - r
	}
	for rng/step+1 > MaxPoints {
		step += round
	}
	return step
}

func convert(v model.Value) *Result {
	r := &Result{}
	switch x := v.(type) {
	case model.Vector:
		r.Type = "vector"
		r.Series = make([]Series, 0, len(x))
		for _, s := range x {
			r.Series = append(r.Series, Series{Labels: labels(s.Metric),
				Points: []Point{{T: s.Timestamp.Time(), V: float64(s.Value)}}})
		}
	case model.Matrix:
		r.Type = "matrix"
		r.Series = make([]Series, 0, len(x))
		for _, s := range x {
			ps := make([]Point, len(s.Values))
			for i, p := range s.Values {
				ps[i] = Point{T: p.Timestamp.Time(), V: float64(p.Value)}
			}
			r.Series = append(r.Series, Series{Labels: labels(s.Metric), Points: ps})
		}
	case *model.Scalar:
		r.Type = "scalar"
		r.Series = []Series{{Labels: map[string]string{}, Points: []Point{{T: x.Timestamp.Time(), V: float64(x.Value)}}}}
	case *model.String:
		r.Type = "string"
		r.Series = []Series{{Labels: map[string]string{"value": x.Value}, Points: []Point{{T: x.Timestamp.Time()}}}}
	default:
		r.Type = "unknown"
	}
	return r
}

func labels(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// Series lists the label sets of series matching any selector in matches.
func (c *Client) Series(ctx context.Context, matches []string, start, end time.Time) ([]map[string]string, error) {
	ls, _, _, err := c.api.Series(ctx, matches, start, end)
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]map[string]string, len(ls))
	for i, s := range ls {
		m := make(map[string]string, len(s))
		for k, v := range s {
			m[string(k)] = string(v)
		}
		out[i] = m
	}
	return out, nil
}

// LabelNames lists label names (of series matching matches, if any).
func (c *Client) LabelNames(ctx context.Context, matches []string, start, end time.Time) ([]string, error) {
	ns, _, _, err := c.api.LabelNames(ctx, matches, start, end)
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out, nil
}

// LabelValues lists the values of a label; "__name__" lists metric names.
func (c *Client) LabelValues(ctx context.Context, label string, matches []string, start, end time.Time) ([]string, error) {
	vs, _, _, err := c.api.LabelValues(ctx, label, matches, start, end)
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out, nil
}

// Metadata is a metric's type, help and unit.
type Metadata struct {
	Type, Help, Unit string
}

// Metadata returns metric metadata (all metrics when metric is "").
// Backfilled-only metrics have none.
func (c *Client) Metadata(ctx context.Context, metric string) (map[string][]Metadata, error) {
	md, err := c.api.Metadata(ctx, metric, "")
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make(map[string][]Metadata, len(md))
	for k, ms := range md {
		for _, m := range ms {
			out[k] = append(out[k], Metadata{Type: string(m.Type), Help: m.Help, Unit: m.Unit})
		}
	}
	return out, nil
}

// BuildInfo is the server's version.
type BuildInfo struct{ Version, Revision string }

// Buildinfo reports the server's version (Prometheus-compatible engines
// may not implement it: an error there is not fatal for a caller).
func (c *Client) Buildinfo(ctx context.Context) (BuildInfo, error) {
	b, err := c.api.Buildinfo(ctx)
	if err != nil {
		return BuildInfo{}, c.wrap(err)
	}
	return BuildInfo{Version: b.Version, Revision: b.Revision}, nil
}
