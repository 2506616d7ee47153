package ceph

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

// Metrics reads the mgr prometheus module's /metrics text (:9283/metrics).
// It has health status, per-check series, OSD up/in/usage and pool stats but
// no check messages, no detail lines, no crash list and no pool min_size.
type Metrics struct {
	url string
	hc  *http.Client
}

// NewMetrics returns a metrics source for url (".../metrics").
func NewMetrics(hc *http.Client, url string) (*Metrics, error) {
	if url == "" {
		return nil, errors.New("ceph metrics: no URL configured")
	}
	if hc == nil {
		return nil, errors.New("ceph metrics: no HTTP client")
	}
	return &Metrics{url: url, hc: hc}, nil
}

// Kind implements Source.
func (m *Metrics) Kind() string { return "prometheus" }

// Snapshot implements Source.
func (m *Metrics) Snapshot(ctx context.Context) (*Cluster, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := m.hc.Do(req)
	if err != nil {
		return nil, &unreachableError{msg: fmt.Sprintf("ceph prometheus module at %s unreachable: %s (is `ceph mgr module enable prometheus` on?)", redact.URL(m.url), httpclient.Reason(err)), err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("ceph prometheus module: GET %s: HTTP %d: %s", redact.URL(m.url), resp.StatusCode, httpclient.ErrorBody(b, 300))
	}
	body := &errReader{r: resp.Body}
	samples, err := ParseMetrics(body)
	// The scanner hands on the cut last line before its error: look at
	// the body's own error first.
	if tl := httpclient.Named(body.err, "ceph prometheus module"); tl != nil {
		return nil, tl
	}
	if err != nil {
		return nil, fmt.Errorf("ceph prometheus module: %w", err)
	}
	c := ClusterFromMetrics(samples)
	c.Fetched = time.Now()
	return c, nil
}

// errReader remembers the first read error.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// Sample is one metric sample.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// ParseMetrics parses Prometheus text exposition format (untyped view:
// comments are skipped, histograms appear as their _bucket/_sum/_count
// series).
func ParseMetrics(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseSampleLine(line)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", ln, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parseSampleLine(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, errors.New("no value")
	}
	s.Name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		j := 1
		for {
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			if j >= len(rest) {
				return s, errors.New("unterminated labels")
			}
			if rest[j] == '}' {
				j++
				break
			}
			eq := strings.IndexByte(rest[j:], '=')
			if eq < 0 {
				return s, errors.New("label without =")
			}
			name := strings.TrimSpace(rest[j : j+eq])
			j += eq + 1
			if j >= len(rest) || rest[j] != '"' {
				return s, errors.New("label value not quoted")
			}
			j++
			var b strings.Builder
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' && j+1 < len(rest) {
					j++
					switch rest[j] {
					case 'n':
						b.WriteByte('\n')
					default:
						b.WriteByte(rest[j])
					}
					continue
				}
				b.WriteByte(rest[j])
			}
			if j >= len(rest) {
				return s, errors.New("unterminated label value")
			}
			j++ // closing quote
			s.Labels[name] = b.String()
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			if j < len(rest) && rest[j] == ',' {
				j++
			}
		}
		rest = rest[j:]
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return s, errors.New("no value")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("bad value %q", f[0])
	}
	s.Value = v
	return s, nil
}

// ClusterFromMetrics builds a Cluster from mgr prometheus module samples.
func ClusterFromMetrics(samples []Sample) *Cluster {
	c := &Cluster{Source: "prometheus", PGStates: map[string]int{},
		Notes: []string{"prometheus module metrics: no check messages, detail lines or crash list; pool min_size unknown"}}
	osds := map[int]*OSD{}
	osd := func(lbl map[string]string) *OSD {
		d := lbl["ceph_daemon"]
		id, err := strconv.Atoi(strings.TrimPrefix(d, "osd."))
		if err != nil || !strings.HasPrefix(d, "osd.") {
			return nil
		}
		o := osds[id]
		if o == nil {
			o = &OSD{ID: id, Name: osdName(id), Host: "(no host)"}
			osds[id] = o
		}
		return o
	}
	pools := map[int]*Pool{}
	pool := func(lbl map[string]string) *Pool {
		id, err := strconv.Atoi(lbl["pool_id"])
		if err != nil {
			return nil
		}
		p := pools[id]
		if p == nil {
			p = &Pool{ID: id, PGStates: map[string]int{}}
			pools[id] = p
		}
		return p
	}
	mons := map[string]*Mon{}
	mon := func(lbl map[string]string) *Mon {
		name := strings.TrimPrefix(lbl["ceph_daemon"], "mon.")
		m := mons[name]
		if m == nil {
			m = &Mon{Name: name}
			mons[name] = m
		}
		return m
	}
	pgTotal := map[int]int{}
	pgBuckets := map[int]map[string]int{}
	for _, s := range samples {
		switch s.Name {
		case "ceph_health_status":
			switch int(s.Value) {
			case 0:
				c.Status = HealthOK
			case 1:
				c.Status = HealthWarn
			case 2:
				c.Status = HealthErr
			}
		case "ceph_health_detail":
			if s.Value == 1 {
				c.Checks = append(c.Checks, Check{Type: s.Labels["name"], Severity: s.Labels["severity"]})
			}
		case "ceph_osd_up":
			if o := osd(s.Labels); o != nil {
				o.Up = s.Value == 1
			}
		case "ceph_osd_in":
			if o := osd(s.Labels); o != nil {
				o.In = s.Value == 1
			}
		case "ceph_osd_weight":
			if o := osd(s.Labels); o != nil {
				o.Weight = s.Value
			}
		case "ceph_osd_stat_bytes":
			if o := osd(s.Labels); o != nil {
				o.BytesTotal = int64(s.Value)
			}
		case "ceph_osd_stat_bytes_used":
			if o := osd(s.Labels); o != nil {
				o.BytesUsed = int64(s.Value)
			}
		case "ceph_osd_numpg":
			if o := osd(s.Labels); o != nil {
				o.PGs = int(s.Value)
			}
		case "ceph_osd_metadata":
			if o := osd(s.Labels); o != nil {
				if h := s.Labels["hostname"]; h != "" {
					o.Host = h
				}
				o.DeviceClass = s.Labels["device_class"]
			}
		case "ceph_mon_quorum_status":
			mon(s.Labels).InQuorum = s.Value == 1
		case "ceph_mon_metadata":
			m := mon(s.Labels)
			m.Host = s.Labels["hostname"]
			m.Addr = s.Labels["public_addr"]
			m.Rank, _ = strconv.Atoi(s.Labels["rank"])
		case "ceph_pool_metadata":
			if p := pool(s.Labels); p != nil {
				p.Name = s.Labels["name"]
				p.Type = s.Labels["type"]
				if d := s.Labels["description"]; strings.HasPrefix(d, "replica:") {
					p.Size, _ = strconv.Atoi(strings.TrimPrefix(d, "replica:"))
				}
			}
		case "ceph_pool_stored":
			if p := pool(s.Labels); p != nil {
				p.Stored = int64(s.Value)
			}
		case "ceph_pool_bytes_used":
			if p := pool(s.Labels); p != nil {
				p.Used = int64(s.Value)
			}
		case "ceph_pool_max_avail":
			if p := pool(s.Labels); p != nil {
				p.MaxAvail = int64(s.Value)
			}
		case "ceph_pool_percent_used":
			if p := pool(s.Labels); p != nil {
				p.PercentUsed = s.Value
			}
		case "ceph_pool_objects":
			if p := pool(s.Labels); p != nil {
				p.Objects = int64(s.Value)
			}
		case "ceph_pg_total":
			if id, err := strconv.Atoi(s.Labels["pool_id"]); err == nil {
				pgTotal[id] = int(s.Value)
			}
		case "ceph_cluster_total_bytes":
			c.Usage.TotalBytes = int64(s.Value)
		case "ceph_cluster_total_used_bytes", "ceph_cluster_total_used_raw_bytes":
			c.Usage.UsedBytes = int64(s.Value)
		case "ceph_num_objects_degraded":
			c.Objects.Degraded = int64(s.Value)
		case "ceph_num_objects_misplaced":
			c.Objects.Misplaced = int64(s.Value)
		case "ceph_num_objects_unfound":
			c.Objects.Unfound = int64(s.Value)
		case "ceph_mgr_status":
			if s.Value == 1 {
				c.MgrActive = strings.TrimPrefix(s.Labels["ceph_daemon"], "mgr.")
			} else {
				c.MgrStandbys = append(c.MgrStandbys, strings.TrimPrefix(s.Labels["ceph_daemon"], "mgr."))
			}
		default:
			if f, ok := strings.CutPrefix(s.Name, "ceph_osd_flag_"); ok {
				if s.Value == 1 {
					c.Flags = append(c.Flags, strings.ReplaceAll(f, "nodeep_scrub", "nodeep-scrub"))
				}
				continue
			}
			if st, ok := strings.CutPrefix(s.Name, "ceph_pg_"); ok && st != "total" && s.Value > 0 {
				if id, err := strconv.Atoi(s.Labels["pool_id"]); err == nil {
					if pgBuckets[id] == nil {
						pgBuckets[id] = map[string]int{}
					}
					pgBuckets[id][st] = int(s.Value)
				}
			}
		}
	}
	if c.Usage.TotalBytes > 0 {
		c.Usage.AvailBytes = c.Usage.TotalBytes - c.Usage.UsedBytes
	}
	// The module exports per-state PG counts (a PG counts once per state
	// word), not combined state strings: rebuild approximate combined
	// states: clean PGs are active+clean, the rest keep their words.
	for id, total := range pgTotal {
		b := pgBuckets[id]
		if p := pools[id]; p != nil {
			p.PGNum = total
		}
		clean := min(b["clean"], total)
		if clean > 0 {
			c.PGStates["active+clean"] += clean
		}
		if rest := total - clean; rest > 0 {
			var words []string
			for _, w := range []string{"active", "undersized", "degraded", "stale", "recovering", "recovery_wait",
				"backfilling", "backfill_wait", "peering", "down", "incomplete", "inconsistent", "remapped", "unknown"} {
				if b[w] > 0 && (w != "active" || b[w] > clean) {
					words = append(words, w)
				}
			}
			st := strings.Join(words, "+")
			if st == "" {
				st = "unknown"
			}
			c.PGStates[st] += rest
			if p := pools[id]; p != nil {
				p.PGStates[st] = rest
			}
		}
		if p := pools[id]; p != nil && clean > 0 {
			p.PGStates["active+clean"] = clean
		}
	}
	for _, o := range osds {
		c.OSDs = append(c.OSDs, *o)
	}
	sortOSDs(c.OSDs)
	for _, p := range pools {
		c.Pools = append(c.Pools, *p)
	}
	sort.Slice(c.Pools, func(i, j int) bool { return c.Pools[i].ID < c.Pools[j].ID })
	for _, m := range mons {
		c.Mons = append(c.Mons, *m)
	}
	sort.Slice(c.Mons, func(i, j int) bool { return c.Mons[i].Rank < c.Mons[j].Rank })
	for i := range c.Checks {
		c.Checks[i].Summary = "(no message: prometheus metrics carry only the check name)"
	}
	sort.SliceStable(c.Checks, func(i, j int) bool { return c.Checks[i].Type < c.Checks[j].Type })
	sortChecks(c.Checks)
	sortStrings(c.Flags)
	return c
}

func sortStrings(s []string) { sort.Strings(s) }
