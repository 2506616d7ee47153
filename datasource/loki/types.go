// Package loki is stackpit's Grafana Loki client: query_range (paged, both
// directions, within Loki's per-query limits), labels, label values, series,
// and a live follower that tails over the websocket API and falls back to
// polling query_range whenever the tail would lose lines.
//
// The wire format is decoded with the small types in this file; Loki's own
// v3 module is never imported. The package knows nothing of the terminal.
package loki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxEntriesPerQuery is Loki's default max_entries_limit_per_query: a
// query_range with a larger limit is refused with 400.
const MaxEntriesPerQuery = 5000

// Labels is one stream's label set, shared by all its entries.
type Labels struct {
	Map map[string]string
	// Key is the canonical {a="b", c="d"} form (sorted), used for
	// de-duplication and as a stable stream identity.
	Key string
}

// NewLabels builds a label set with its canonical key.
func NewLabels(m map[string]string) *Labels {
	if m == nil {
		m = map[string]string{}
	}
	return &Labels{Map: m, Key: canonical(m)}
}

// Get returns a label value ("" if absent).
func (l *Labels) Get(name string) string {
	if l == nil {
		return ""
	}
	return l.Map[name]
}

func canonical(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strconv.Quote(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// Entry is one log line.
type Entry struct {
	TS     int64 // Unix nanoseconds
	Line   string
	Stream *Labels
	// Metadata is structured metadata (the third element of a value), nil
	// when absent. Parsed holds labels extracted by parser stages when the
	// server categorizes labels.
	Metadata map[string]string
	Parsed   map[string]string
}

// Time is the entry's timestamp.
func (e Entry) Time() time.Time { return time.Unix(0, e.TS) }

// Key identifies an entry for de-duplication: (stream, ts, line).
type Key struct {
	Stream string
	TS     int64
	Line   string
}

// Key returns the entry's de-duplication key.
func (e Entry) Key() Key {
	var s string
	if e.Stream != nil {
		s = e.Stream.Key
	}
	return Key{Stream: s, TS: e.TS, Line: e.Line}
}

// followKey is the follower's de-duplication key. It leaves out the label
// set on purpose: Loki folds derived labels (detected_level, structured
// metadata) into query_range streams but not into tail streams, so the same
// line arrives under two label sets. Two different streams writing the same
// line at the same nanosecond are treated as one.
func (e Entry) followKey() Key { return Key{TS: e.TS, Line: e.Line} }

// Sample is one point of a metric query result.
type Sample struct {
	T time.Time
	V string
}

// Series is one metric query result series.
type Series struct {
	Metric  map[string]string
	Samples []Sample
}

// Result is a query or query_range answer.
type Result struct {
	// Type is "streams", "matrix", "vector" or "scalar".
	Type    string
	Entries []Entry // streams results, merged in the requested direction
	Series  []Series
}

// --- wire types ---

type apiResponse struct {
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  string          `json:"error"`
}

type wireData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

type wireStream struct {
	Stream map[string]string `json:"stream"`
	Values []wireValue       `json:"values"`
}

// wireValue is ["<ns>", "<line>"] or ["<ns>", "<line>", {metadata}].
type wireValue struct {
	TS       int64
	Line     string
	Metadata map[string]string
	Parsed   map[string]string
}

func (v *wireValue) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("loki: value with %d elements (want 2 or 3)", len(parts))
	}
	ts, err := parseNanos(parts[0])
	if err != nil {
		return err
	}
	v.TS = ts
	if err := json.Unmarshal(parts[1], &v.Line); err != nil {
		return fmt.Errorf("loki: bad line: %w", err)
	}
	if len(parts) == 3 && !bytes.Equal(bytes.TrimSpace(parts[2]), []byte("null")) {
		// Either categorized {"structuredMetadata":{..},"parsed":{..}} or a
		// flat map of structured metadata.
		var cat struct {
			SM     map[string]string `json:"structuredMetadata"`
			Parsed map[string]string `json:"parsed"`
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(parts[2], &raw); err != nil {
			return fmt.Errorf("loki: bad metadata: %w", err)
		}
		_, hasSM := raw["structuredMetadata"]
		_, hasP := raw["parsed"]
		if hasSM || hasP {
			if err := json.Unmarshal(parts[2], &cat); err != nil {
				return fmt.Errorf("loki: bad metadata: %w", err)
			}
			v.Metadata, v.Parsed = cat.SM, cat.Parsed
		} else {
			m := map[string]string{}
			if err := json.Unmarshal(parts[2], &m); err != nil {
				return fmt.Errorf("loki: bad metadata: %w", err)
			}
			v.Metadata = m
		}
	}
	return nil
}

// parseNanos accepts a JSON string or number of nanoseconds, or an RFC3339
// string.
func parseNanos(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixNano(), nil
	}
	return 0, fmt.Errorf("loki: bad timestamp %q", s)
}

// decodeStreams turns wire streams into entries, sharing one *Labels per
// stream (interned through labelCache so identical streams across pages and
// frames share memory).
func decodeStreams(ws []wireStream, lc *labelCache) []Entry {
	n := 0
	for _, s := range ws {
		n += len(s.Values)
	}
	out := make([]Entry, 0, n)
	for _, s := range ws {
		l := lc.get(s.Stream)
		for _, v := range s.Values {
			out = append(out, Entry{TS: v.TS, Line: v.Line, Stream: l, Metadata: v.Metadata, Parsed: v.Parsed})
		}
	}
	return out
}

// sortEntries orders entries by time (forward) or newest first (backward);
// ties keep stream order so results are deterministic.
func sortEntries(es []Entry, backward bool) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.TS != b.TS {
			if backward {
				return a.TS > b.TS
			}
			return a.TS < b.TS
		}
		if a.Stream != nil && b.Stream != nil && a.Stream.Key != b.Stream.Key {
			return a.Stream.Key < b.Stream.Key
		}
		return false
	})
}

// labelCache interns label sets by canonical key.
type labelCache struct{ m map[string]*Labels }

func (c *labelCache) get(m map[string]string) *Labels {
	k := canonical(m)
	if c == nil {
		return &Labels{Map: m, Key: k}
	}
	if c.m == nil {
		c.m = map[string]*Labels{}
	}
	if l, ok := c.m[k]; ok {
		return l
	}
	if len(c.m) > 50000 { // pathological label churn: stay bounded
		c.m = map[string]*Labels{}
	}
	l := &Labels{Map: m, Key: k}
	c.m[k] = l
	return l
}

func decodeResult(data json.RawMessage, backward bool, lc *labelCache) (*Result, error) {
	var d wireData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("loki: decoding result: %w", err)
	}
	r := &Result{Type: d.ResultType}
	switch d.ResultType {
	case "streams":
		var ws []wireStream
		if err := json.Unmarshal(d.Result, &ws); err != nil {
			return nil, fmt.Errorf("loki: decoding streams: %w", err)
		}
		r.Entries = decodeStreams(ws, lc)
		sortEntries(r.Entries, backward)
	case "matrix":
		var ms []struct {
			Metric map[string]string    `json:"metric"`
			Values [][2]json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(d.Result, &ms); err != nil {
			return nil, fmt.Errorf("loki: decoding matrix: %w", err)
		}
		for _, m := range ms {
			s := Series{Metric: m.Metric}
			for _, v := range m.Values {
				s.Samples = append(s.Samples, decodeSample(v))
			}
			r.Series = append(r.Series, s)
		}
	case "vector":
		var vs []struct {
			Metric map[string]string  `json:"metric"`
			Value  [2]json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(d.Result, &vs); err != nil {
			return nil, fmt.Errorf("loki: decoding vector: %w", err)
		}
		for _, v := range vs {
			r.Series = append(r.Series, Series{Metric: v.Metric, Samples: []Sample{decodeSample(v.Value)}})
		}
	case "scalar":
		var v [2]json.RawMessage
		if err := json.Unmarshal(d.Result, &v); err == nil {
			r.Series = []Series{{Samples: []Sample{decodeSample(v)}}}
		}
	default:
		return nil, fmt.Errorf("loki: unknown resultType %q", d.ResultType)
	}
	return r, nil
}

func decodeSample(v [2]json.RawMessage) Sample {
	var f float64
	_ = json.Unmarshal(v[0], &f)
	var s string
	_ = json.Unmarshal(v[1], &s)
	sec := int64(f)
	return Sample{T: time.Unix(sec, int64((f-float64(sec))*1e9)), V: s}
}

// tailFrame is one websocket tail message.
type tailFrame struct {
	Streams        []wireStream  `json:"streams"`
	DroppedEntries []wireDropped `json:"dropped_entries"`
}

type wireDropped struct {
	Labels    json.RawMessage `json:"labels"`
	Timestamp json.RawMessage `json:"timestamp"`
}

// Dropped is an entry the server reported it dropped from a tail.
type Dropped struct {
	TS     int64
	Labels string
}

func (d wireDropped) decode() Dropped {
	out := Dropped{}
	if ts, err := parseNanos(d.Timestamp); err == nil {
		out.TS = ts
	}
	var s string
	if json.Unmarshal(d.Labels, &s) == nil {
		out.Labels = s
	} else {
		var m map[string]string
		if json.Unmarshal(d.Labels, &m) == nil {
			out.Labels = canonical(m)
		}
	}
	return out
}
