package demo

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/config"
)

// The Prometheus HTTP API (v1) over the story's series: query, query_range,
// series, labels, label values, metadata and build info, answering errors
// exactly as Prometheus 2.42 does (400 bad_data with its error text).
func init() {
	Register(Service{Name: "prometheus", Order: 50,
		Handler: func(c *Cloud) http.Handler { return http.HandlerFunc(c.prometheus) },
		Configure: func(c *Cloud, cfg *config.Cloud) {
			cfg.Prometheus = &config.Endpoint{URL: c.URLs["prometheus"]}
		}})
}

// promMaxPoints is Prometheus' per-series resolution limit.
const promMaxPoints = 11000

func promOK(w http.ResponseWriter, data any) {
	WriteJSON(w, http.StatusOK, map[string]any{"status": "success", "data": data})
}

func promFail(w http.ResponseWriter, code int, typ, msg string) {
	WriteJSON(w, code, map[string]any{"status": "error", "errorType": typ, "error": msg})
}

func (c *Cloud) promWorld() (*PromWorld, time.Time) {
	var w *PromWorld
	var now time.Time
	c.Story.Lock(func() {
		w = PromSnapshot(c.Story)
		now = c.Story.Now()
	})
	return w, now
}

func parsePromTime(s string, def time.Time) (time.Time, bool) {
	if s == "" {
		return def, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func parsePromStep(s string) (time.Duration, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), true
	}
	d, err := parsePromDuration(s)
	return d, err == nil
}

func promValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func promTS(t time.Time) float64 { return math.Round(float64(t.UnixMilli())) / 1000 }

func (c *Cloud) prometheus(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/-/ready" || r.URL.Path == "/-/healthy" {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Prometheus Server is Ready.\n"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		promFail(w, http.StatusMethodNotAllowed, "bad_data", "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		promFail(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	world, now := c.promWorld()
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/api/v1/query":
		c.promQuery(w, r, world, now)
	case path == "/api/v1/query_range":
		c.promQueryRange(w, r, world, now)
	case path == "/api/v1/series":
		ms := r.Form["match[]"]
		if len(ms) == 0 {
			promFail(w, http.StatusBadRequest, "bad_data", "no match[] parameter provided")
			return
		}
		sels, err := promSelectors(ms)
		if err != nil {
			promFail(w, http.StatusBadRequest, "bad_data", err.Error())
			return
		}
		out := []map[string]string{}
		seen := map[string]bool{}
		for _, s := range world.All(now) {
			for _, sel := range sels {
				if sel.match(s.Labels) && !seen[promKey(s.Labels)] {
					seen[promKey(s.Labels)] = true
					out = append(out, s.Labels)
				}
			}
		}
		promOK(w, out)
	case path == "/api/v1/labels":
		set := map[string]bool{}
		for _, s := range c.promMatching(w, r, world, now) {
			for k := range s.Labels {
				set[k] = true
			}
		}
		promOK(w, promSortedKeys(set))
	case strings.HasPrefix(path, "/api/v1/label/") && strings.HasSuffix(path, "/values"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/label/"), "/values")
		set := map[string]bool{}
		for _, s := range c.promMatching(w, r, world, now) {
			if v, ok := s.Labels[name]; ok && v != "" {
				set[v] = true
			}
		}
		promOK(w, promSortedKeys(set))
	case path == "/api/v1/metadata":
		out := map[string][]map[string]string{}
		metric := r.Form.Get("metric")
		for name, md := range PromMetadata {
			if metric == "" || metric == name {
				out[name] = []map[string]string{{"type": md[0], "help": md[1], "unit": md[2]}}
			}
		}
		promOK(w, out)
	case path == "/api/v1/status/buildinfo":
		promOK(w, map[string]string{"version": "2.42.0+stackpit-demo", "revision": "demo", "branch": "demo",
			"buildUser": "stackpit", "buildDate": "20261122-00:00:00", "goVersion": "go1.26"})
	default:
		WriteJSON(w, http.StatusNotFound, map[string]any{"status": "error", "errorType": "not_found", "error": "404 page not found"})
	}
}

// promMatching: every series at now, or only those matching match[].
func (c *Cloud) promMatching(w http.ResponseWriter, r *http.Request, world *PromWorld, now time.Time) []PromSample {
	all := world.All(now)
	ms := r.Form["match[]"]
	if len(ms) == 0 {
		return all
	}
	sels, err := promSelectors(ms)
	if err != nil {
		return nil
	}
	var out []PromSample
	for _, s := range all {
		for _, sel := range sels {
			if sel.match(s.Labels) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func promSelectors(ms []string) ([]*pSel, error) {
	var out []*pSel
	for _, m := range ms {
		n, err := parseProm(m)
		if err != nil {
			return nil, &promErr{"invalid parameter \"match[]\": " + err.Error()}
		}
		sel, ok := n.(*pSel)
		if !ok {
			return nil, &promErr{"invalid parameter \"match[]\": 1:1: parse error: expected vector selector"}
		}
		out = append(out, sel)
	}
	return out, nil
}

func promSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *Cloud) promParse(w http.ResponseWriter, r *http.Request) (pnode, bool) {
	q := r.Form.Get("query")
	if strings.TrimSpace(q) == "" {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"query\": 1:1: parse error: no expression found in input")
		return nil, false
	}
	n, err := parseProm(q)
	if err != nil {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"query\": "+err.Error())
		return nil, false
	}
	return n, true
}

func (c *Cloud) promQuery(w http.ResponseWriter, r *http.Request, world *PromWorld, now time.Time) {
	t, ok := parsePromTime(r.Form.Get("time"), now)
	if !ok {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"time\": cannot parse \""+r.Form.Get("time")+"\" to a valid timestamp")
		return
	}
	n, ok := c.promParse(w, r)
	if !ok {
		return
	}
	ev := newPromEvaluator(world, n)
	if sel, isSel := n.(*pSel); isSel && sel.rng > 0 {
		promOK(w, map[string]any{"resultType": "matrix", "result": promRangeSelect(ev, sel, t)})
		return
	}
	v, err := ev.eval(n, t)
	if err != nil {
		promFail(w, http.StatusUnprocessableEntity, "execution", err.Error())
		return
	}
	ts := promTS(t)
	if v.scalar {
		promOK(w, map[string]any{"resultType": "scalar", "result": []any{ts, promValue(v.s)}})
		return
	}
	res := make([]map[string]any, 0, len(v.v))
	for _, s := range v.v {
		res = append(res, map[string]any{"metric": s.Labels, "value": []any{ts, promValue(s.Value)}})
	}
	promOK(w, map[string]any{"resultType": "vector", "result": res})
}

// promRangeSelect answers `metric[5m]` at t with the raw samples (15 s apart).
func promRangeSelect(ev *promEvaluator, sel *pSel, t time.Time) []map[string]any {
	type ser struct {
		l  map[string]string
		vs [][]any
	}
	m := map[string]*ser{}
	var order []string
	start := t.Add(-sel.rng).Truncate(15 * time.Second)
	for ts := start; !ts.After(t); ts = ts.Add(15 * time.Second) {
		if ts.Before(t.Add(-sel.rng)) {
			continue
		}
		for _, s := range promSelectSamples(ev.w.All(ts), sel) {
			k := promKey(s.Labels)
			if m[k] == nil {
				m[k] = &ser{l: s.Labels}
				order = append(order, k)
			}
			m[k].vs = append(m[k].vs, []any{promTS(ts), promValue(s.Value)})
		}
	}
	out := []map[string]any{}
	for _, k := range order {
		out = append(out, map[string]any{"metric": m[k].l, "values": m[k].vs})
	}
	return out
}

func (c *Cloud) promQueryRange(w http.ResponseWriter, r *http.Request, world *PromWorld, now time.Time) {
	start, ok := parsePromTime(r.Form.Get("start"), time.Time{})
	if !ok || start.IsZero() {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"start\": cannot parse \""+r.Form.Get("start")+"\" to a valid timestamp")
		return
	}
	end, ok := parsePromTime(r.Form.Get("end"), time.Time{})
	if !ok || end.IsZero() {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"end\": cannot parse \""+r.Form.Get("end")+"\" to a valid timestamp")
		return
	}
	if end.Before(start) {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time")
		return
	}
	step, ok := parsePromStep(r.Form.Get("step"))
	if !ok {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"step\": cannot parse \""+r.Form.Get("step")+"\" to a valid duration")
		return
	}
	if step <= 0 {
		promFail(w, http.StatusBadRequest, "bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer")
		return
	}
	if end.Sub(start)/step > promMaxPoints {
		promFail(w, http.StatusBadRequest, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	n, ok := c.promParse(w, r)
	if !ok {
		return
	}
	if sel, isSel := n.(*pSel); isSel && sel.rng > 0 {
		promFail(w, http.StatusBadRequest, "bad_data", "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")
		return
	}
	ev := newPromEvaluator(world, n)
	type ser struct {
		l  map[string]string
		vs [][]any
	}
	m := map[string]*ser{}
	var order []string
	for ts := start; !ts.After(end); ts = ts.Add(step) {
		if ts.After(now) {
			break
		}
		v, err := ev.eval(n, ts)
		if err != nil {
			promFail(w, http.StatusUnprocessableEntity, "execution", err.Error())
			return
		}
		if v.scalar {
			v = pval{v: []PromSample{{Labels: map[string]string{}, Value: v.s}}}
		}
		for _, s := range v.v {
			if math.IsNaN(s.Value) {
				continue
			}
			k := promKey(s.Labels)
			if m[k] == nil {
				m[k] = &ser{l: s.Labels}
				order = append(order, k)
			}
			m[k].vs = append(m[k].vs, []any{promTS(ts), promValue(s.Value)})
		}
		if len(ev.cache) > 64 {
			ev.cache = map[int64][]PromSample{}
		}
	}
	res := make([]map[string]any, 0, len(order))
	for _, k := range order {
		res = append(res, map[string]any{"metric": m[k].l, "values": m[k].vs})
	}
	promOK(w, map[string]any{"resultType": "matrix", "result": res})
}
