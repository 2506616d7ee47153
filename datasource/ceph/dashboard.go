package ceph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

// AcceptV1 is the versioned media type every dashboard request must carry
// (without it the dashboard answers 415 "Unable to find version in request
// header").
const AcceptV1 = "application/vnd.ceph.api.v1.0+json"

// ErrAuthFailed is returned (wrapped) once the dashboard refused the
// configured credentials. The client then never tries them again: ten
// failed logins disable the dashboard user.
var ErrAuthFailed = errors.New("ceph dashboard refused the credentials")

// APIError is a non-2xx dashboard answer, carrying the server's own text.
type APIError struct {
	Method, Path string
	Status       int
	Detail       string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("ceph dashboard: %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Dashboard is a client of the mgr dashboard REST API.
type Dashboard struct {
	base     string
	hc       *http.Client
	user     string
	password string

	mu       sync.Mutex
	token    string
	expires  time.Time
	authErr  error // sticky: wrong credentials are never retried
	fixedJWT bool  // token given by the caller; never re-authenticate
	now      func() time.Time

	// WholeEvery is the safety net of the per-refresh summary read
	// (summary.go): the whole snapshot is read again at least this often
	// (default 5 minutes), and whenever the summary shows a change.
	WholeEvery time.Duration
	cache      wholeCache
}

// DashboardOptions configure NewDashboard.
type DashboardOptions struct {
	URL      string // https://mgr:8443 (a path prefix is kept)
	Username string
	Password string
	// Token, when set, is used as the JWT and no login is attempted.
	Token string
}

// NewDashboard returns a client. hc comes from the caller (it carries TLS
// settings and the read-only guard); it must not inject its own
// Authorization header.
func NewDashboard(hc *http.Client, o DashboardOptions) (*Dashboard, error) {
	if o.URL == "" {
		return nil, errors.New("ceph dashboard: no URL configured")
	}
	if hc == nil {
		return nil, errors.New("ceph dashboard: no HTTP client")
	}
	if o.Token == "" && o.Username == "" {
		return nil, errors.New("ceph dashboard: no username configured (the dashboard needs a user, e.g. a read-only role)")
	}
	d := &Dashboard{base: strings.TrimRight(o.URL, "/"), hc: hc, user: o.Username, password: o.Password, now: time.Now}
	if o.Token != "" {
		d.token, d.fixedJWT = o.Token, true
	}
	return d, nil
}

// Kind implements Source.
func (d *Dashboard) Kind() string { return "dashboard" }

// URL is the base URL.
func (d *Dashboard) URL() string { return d.base }

// login obtains a JWT. Called with d.mu held.
func (d *Dashboard) login(ctx context.Context) error {
	if d.authErr != nil {
		return d.authErr
	}
	body, _ := json.Marshal(map[string]string{"username": d.user, "password": d.password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/api/auth", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", AcceptV1)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.hc.Do(req)
	if err != nil {
		return d.unreachable(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		// Remember: every retry with a wrong password counts toward the
		// lockout (10 failures disable the user).
		d.authErr = fmt.Errorf("%w (user %q, HTTP %d: %s); not retrying: 10 failed logins disable the user — fix the password and restart",
			ErrAuthFailed, d.user, resp.StatusCode, errorDetail(data))
		return d.authErr
	case resp.StatusCode/100 != 2:
		return &APIError{Method: "POST", Path: "/api/auth", Status: resp.StatusCode, Detail: errorDetail(data)}
	}
	var ar struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &ar); err != nil || ar.Token == "" {
		return fmt.Errorf("ceph dashboard: POST /api/auth: no token in the answer: %s", errorDetail(data))
	}
	d.token = ar.Token
	d.expires = jwtExpiry(ar.Token)
	return nil
}

func (d *Dashboard) unreachable(err error) error {
	return &unreachableError{msg: fmt.Sprintf("ceph dashboard at %s unreachable: %s (is the mgr dashboard module enabled and this the active mgr?)", redact.URL(d.base), httpclient.Reason(err)), err: err}
}

// unreachableError says in plain words why a request got no answer, without
// net/url's `Post "http://...": dial tcp ...` chain; errors.Is/As still see
// the transport error.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) Unwrap() error { return e.err }

// jwtExpiry reads the exp claim of a JWT (zero when absent or unreadable).
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var c struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(int64(c.Exp), 0)
}

// currentToken returns a valid token, logging in when there is none, it
// expires within 30 s, or the server refused stale (the token a request
// just used). Parallel requests that all saw a 401 for the same token cause
// one login, not one each.
func (d *Dashboard) currentToken(ctx context.Context, stale string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fixedJWT {
		return d.token, nil
	}
	expired := stale != "" && d.token == stale
	if expired || d.token == "" || (!d.expires.IsZero() && d.now().Add(30*time.Second).After(d.expires)) {
		d.token = ""
		if err := d.login(ctx); err != nil {
			return "", err
		}
	}
	return d.token, nil
}

// do sends one API request; on 401 with a token it logs in again once and
// retries (expired or revoked JWT).
func (d *Dashboard) do(ctx context.Context, method, path string, in, out any) error {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return err
		}
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := d.currentToken(ctx, stale)
		if err != nil {
			return err
		}
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, d.base+path, body)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", AcceptV1)
		req.Header.Set("Authorization", "Bearer "+tok)
		if method != http.MethodGet {
			d.changed() // a change through this client: the next snapshot is whole
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := d.hc.Do(req)
		if err != nil {
			if errors.Is(err, httpclient.ErrReadOnly) {
				return fmt.Errorf("ceph dashboard: %w", err)
			}
			if ctx.Err() != nil {
				return fmt.Errorf("ceph dashboard: %s %s: %w", method, path, ctx.Err())
			}
			return d.unreachable(err)
		}
		data, rerr := io.ReadAll(resp.Body) // the transport cuts it at the limit
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && !d.fixedJWT {
			stale = tok
			continue // token expired or revoked: log in again once
		}
		if resp.StatusCode/100 != 2 {
			return &APIError{Method: method, Path: path, Status: resp.StatusCode, Detail: errorDetail(data)}
		}
		if tl := httpclient.Named(rerr, "ceph dashboard"); tl != nil {
			return tl
		}
		if rerr != nil {
			return fmt.Errorf("ceph dashboard: %s %s: reading answer: %w", method, path, rerr)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("ceph dashboard: %s %s: decoding answer: %w", method, path, err)
		}
		return nil
	}
}

// errorDetail extracts the dashboard's {"detail": ...} text, or a short
// prefix of the body.
func errorDetail(data []byte) string {
	var e struct {
		Detail any    `json:"detail"`
		Status string `json:"status"`
	}
	if json.Unmarshal(data, &e) == nil && e.Detail != nil {
		switch v := e.Detail.(type) {
		case string:
			return v
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return httpclient.ErrorBody(data, 200)
}

// ---- wire types (only the fields used) ----

type latest struct {
	Latest float64 `json:"latest"`
}

type wireCheck struct {
	Severity string `json:"severity"`
	Summary  struct {
		Message string `json:"message"`
		Count   int    `json:"count"`
	} `json:"summary"`
	Detail []struct {
		Message string `json:"message"`
	} `json:"detail"`
	Muted bool   `json:"muted"`
	Type  string `json:"type"`
}

// wireChecks accepts both the dashboard's list and the CLI's map form.
type wireChecks []wireCheck

func (w *wireChecks) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var m map[string]wireCheck
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sortStrings(keys)
		for _, k := range keys {
			c := m[k]
			c.Type = k
			*w = append(*w, c)
		}
		return nil
	}
	var l []wireCheck
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*w = l
	return nil
}

type wireHealth struct {
	Status string     `json:"status"`
	Checks wireChecks `json:"checks"`
}

func (h wireHealth) checks() []Check {
	out := make([]Check, 0, len(h.Checks))
	for _, c := range h.Checks {
		ch := Check{Type: c.Type, Severity: c.Severity, Summary: c.Summary.Message, Count: c.Summary.Count, Muted: c.Muted}
		for _, d := range c.Detail {
			ch.Detail = append(ch.Detail, d.Message)
		}
		out = append(out, ch)
	}
	sortChecks(out)
	return out
}

type wireObjectStats struct {
	NumObjects int64 `json:"num_objects"`
	Copies     int64 `json:"num_object_copies"`
	Degraded   int64 `json:"num_objects_degraded"`
	Misplaced  int64 `json:"num_objects_misplaced"`
	Unfound    int64 `json:"num_objects_unfound"`
}

// healthFull is /api/health/full or /api/health/minimal (the fields
// both have, plus the minimal's OSD up/in list and quorum).
type healthFull struct {
	Health wireHealth `json:"health"`
	OSDMap struct {
		FSID     string   `json:"fsid"`
		FlagsSet []string `json:"flags_set"`
		// OSDs: the minimal's up/in per OSD, in OSD id order, without ids.
		OSDs []struct {
			Up    int      `json:"up"`
			In    int      `json:"in"`
			State []string `json:"state"`
		} `json:"osds"`
	} `json:"osd_map"`
	MonStatus struct {
		Quorum []int `json:"quorum"`
	} `json:"mon_status"`
	PGInfo struct {
		ObjectStats wireObjectStats `json:"object_stats"`
		Statuses    map[string]int  `json:"statuses"`
	} `json:"pg_info"`
	MgrMap struct {
		ActiveName string          `json:"active_name"`
		Standbys   json.RawMessage `json:"standbys"`
	} `json:"mgr_map"`
	DF struct {
		Stats struct {
			TotalBytes int64 `json:"total_bytes"`
			AvailBytes int64 `json:"total_avail_bytes"`
			UsedRaw    int64 `json:"total_used_raw_bytes"`
		} `json:"stats"`
	} `json:"df"`
	ClientPerf struct {
		Recovering float64 `json:"recovering_bytes_per_sec"`
	} `json:"client_perf"`
}

type wireOSD struct {
	ID     int      `json:"id"`
	OSD    *int     `json:"osd"`
	Up     int      `json:"up"`
	In     int      `json:"in"`
	Weight float64  `json:"weight"`
	State  []string `json:"state"`
	Tree   struct {
		DeviceClass string  `json:"device_class"`
		CrushWeight float64 `json:"crush_weight"`
		Status      string  `json:"status"`
		Name        string  `json:"name"`
	} `json:"tree"`
	Host struct {
		Name string `json:"name"`
	} `json:"host"`
	Stats struct {
		NumPG     int   `json:"numpg"`
		Bytes     int64 `json:"stat_bytes"`
		BytesUsed int64 `json:"stat_bytes_used"`
	} `json:"stats"`
}

type wirePool struct {
	Pool     int             `json:"pool"`
	Name     string          `json:"pool_name"`
	Type     json.RawMessage `json:"type"`
	Size     int             `json:"size"`
	MinSize  int             `json:"min_size"`
	PGNum    int             `json:"pg_num"`
	Apps     json.RawMessage `json:"application_metadata"`
	PGStatus map[string]int  `json:"pg_status"`
	Stats    struct {
		Stored      latest `json:"stored"`
		BytesUsed   latest `json:"bytes_used"`
		MaxAvail    latest `json:"max_avail"`
		PercentUsed latest `json:"percent_used"`
		Objects     latest `json:"objects"`
	} `json:"stats"`
}

type wireMon struct {
	Rank       int    `json:"rank"`
	Name       string `json:"name"`
	PublicAddr string `json:"public_addr"`
	Addr       string `json:"addr"`
}

type monitorResp struct {
	MonStatus struct {
		Monmap struct {
			FSID string    `json:"fsid"`
			Mons []wireMon `json:"mons"`
		} `json:"monmap"`
		Quorum []int `json:"quorum"`
	} `json:"mon_status"`
	InQuorum  []wireMon `json:"in_quorum"`
	OutQuorum []wireMon `json:"out_quorum"`
}

type wireHost struct {
	Hostname string `json:"hostname"`
	Services []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"services"`
}

type summaryResp struct {
	ExecutingTasks []struct {
		Name      string  `json:"name"`
		BeginTime string  `json:"begin_time"`
		Progress  float64 `json:"progress"`
	} `json:"executing_tasks"`
}

type individualFlags struct {
	OSD   int      `json:"osd"`
	Flags []string `json:"flags"`
}

// whole reads the whole snapshot: health/minimal, osd, osd/flags,
// osd/flags/individual, pool?stats=true, monitor, host and summary in
// parallel. Health is required; the rest degrade to notes. (health/full
// adds the whole OSD map, CRUSH map and OSD metadata: 140 kB on a
// three-OSD cluster, for nothing the minimal and the other reads lack.)
func (d *Dashboard) whole(ctx context.Context) (*Cluster, error) {
	var (
		hf      healthFull
		osds    []wireOSD
		flags   []string
		indiv   []individualFlags
		pools   []wirePool
		mon     monitorResp
		hosts   []wireHost
		summary summaryResp
	)
	type job struct {
		path string
		out  any
		err  error
	}
	jobs := []*job{
		{path: "/api/health/minimal", out: &hf},
		{path: "/api/osd", out: &osds},
		{path: "/api/osd/flags", out: &flags},
		{path: "/api/osd/flags/individual", out: &indiv},
		{path: "/api/pool?stats=true", out: &pools},
		{path: "/api/monitor", out: &mon},
		{path: "/api/host", out: &hosts},
		{path: "/api/summary", out: &summary},
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.err = d.do(ctx, http.MethodGet, j.path, nil, j.out)
		}()
	}
	wg.Wait()
	if jobs[0].err != nil {
		return nil, jobs[0].err
	}
	c := &Cluster{Source: "dashboard", Fetched: time.Now()}
	for _, j := range jobs[1:] {
		if j.err != nil {
			if errors.Is(j.err, ErrAuthFailed) {
				return nil, j.err
			}
			c.Notes = append(c.Notes, j.err.Error())
		}
	}
	c.takeHealth(&hf)
	c.FSID = hf.OSDMap.FSID
	c.Flags = hf.OSDMap.FlagsSet
	if jobs[2].err == nil {
		c.Flags = flags
	}

	noout := map[int]bool{}
	for _, f := range indiv {
		for _, x := range f.Flags {
			if x == "noout" {
				noout[f.OSD] = true
			}
		}
	}
	for _, w := range osds {
		id := w.ID
		if w.OSD != nil {
			id = *w.OSD
		}
		o := OSD{ID: id, Name: osdName(id), Host: w.Host.Name, Up: w.Up == 1, In: w.In == 1,
			DeviceClass: w.Tree.DeviceClass, Weight: w.Weight, CrushWeight: w.Tree.CrushWeight,
			BytesTotal: w.Stats.Bytes, BytesUsed: w.Stats.BytesUsed, PGs: w.Stats.NumPG, State: w.State, Noout: noout[id]}
		if o.Host == "" {
			o.Host = "(no host)"
		}
		c.OSDs = append(c.OSDs, o)
	}
	sortOSDs(c.OSDs)
	for _, w := range pools {
		p := Pool{ID: w.Pool, Name: w.Name, Type: poolType(w.Type), Size: w.Size, MinSize: w.MinSize, PGNum: w.PGNum,
			Stored: int64(w.Stats.Stored.Latest), Used: int64(w.Stats.BytesUsed.Latest), MaxAvail: int64(w.Stats.MaxAvail.Latest),
			PercentUsed: w.Stats.PercentUsed.Latest, Objects: int64(w.Stats.Objects.Latest), Apps: appNames(w.Apps), PGStates: w.PGStatus}
		c.Pools = append(c.Pools, p)
	}
	monHost := map[string]string{}
	for _, h := range hosts {
		for _, s := range h.Services {
			if s.Type == "mon" {
				monHost[s.ID] = h.Hostname
			}
		}
	}
	inQ := map[string]bool{}
	for _, m := range mon.InQuorum {
		inQ[m.Name] = true
	}
	quorumRank := map[int]bool{}
	for _, r := range mon.MonStatus.Quorum {
		quorumRank[r] = true
	}
	for _, m := range mon.MonStatus.Monmap.Mons {
		addr := m.PublicAddr
		if addr == "" {
			addr = m.Addr
		}
		c.Mons = append(c.Mons, Mon{Name: m.Name, Rank: m.Rank, Addr: addr, Host: monHost[m.Name],
			InQuorum: inQ[m.Name] || quorumRank[m.Rank]})
	}
	if c.FSID == "" {
		c.FSID = mon.MonStatus.Monmap.FSID
	}
	c.Crashes = ParseCrashes(c.Checks)
	c.Progress = summary.progress()
	return c, nil
}

func (s summaryResp) progress() []Progress {
	var out []Progress
	for _, t := range s.ExecutingTasks {
		p := Progress{Message: strings.TrimPrefix(t.Name, "progress/"), Fraction: t.Progress / 100}
		if ts, err := time.Parse(time.RFC3339Nano, t.BeginTime); err == nil {
			p.Started = ts
		}
		out = append(out, p)
	}
	return out
}

// Health reads /api/health/minimal: the status and checks only, cheaply.
func (d *Dashboard) Health(ctx context.Context) (string, []Check, error) {
	var h struct {
		Health wireHealth `json:"health"`
	}
	if err := d.do(ctx, http.MethodGet, "/api/health/minimal", nil, &h); err != nil {
		return "", nil, err
	}
	return h.Health.Status, h.Health.checks(), nil
}

func standbyNames(raw json.RawMessage) []string {
	var objs []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &objs) == nil {
		var out []string
		for _, o := range objs {
			out = append(out, o.Name)
		}
		return out
	}
	var names []string
	_ = json.Unmarshal(raw, &names)
	return names
}

// poolType reads "type": the dashboard says "replicated", the OSD map 1/3.
func poolType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		switch n {
		case 1:
			return "replicated"
		case 3:
			return "erasure"
		}
		return strconv.Itoa(n)
	}
	return ""
}

// appNames reads application_metadata: a list (dashboard) or a map (CLI).
func appNames(raw json.RawMessage) []string {
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		for k := range m {
			l = append(l, k)
		}
		sortStrings(l)
	}
	return l
}
