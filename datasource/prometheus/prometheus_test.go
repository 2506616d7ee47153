package prometheus

import (
	"context"
	"encoding/pem"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
)

func client(t *testing.T, url string, o httpclient.Options) *Client {
	t.Helper()
	hc, err := httpclient.New(o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(url, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sampleServer serves recorded Prometheus responses: path -> file (the
// last line of a .txt file is "HTTP <code>").
func sampleServer(t *testing.T, routes map[string]string, seen func(*http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen(r)
		}
		_ = r.ParseForm()
		f, ok := routes[r.URL.Path+"?"+r.Form.Get("query")]
		if !ok {
			f, ok = routes[r.URL.Path]
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "prometheus", f))
		if err != nil {
			t.Error(err)
			return
		}
		code := 200
		body := string(b)
		if strings.HasSuffix(f, ".txt") {
			i := strings.LastIndex(strings.TrimSpace(body), "\nHTTP ")
			if i >= 0 {
				_, _ = fmtSscan(strings.TrimSpace(body[i+6:]), &code)
				body = body[:i]
			}
		} else if strings.Contains(f, "error") {
			code = 400
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSamplesDecode(t *testing.T) {
	var hdr http.Header
	srv := sampleServer(t, map[string]string{
		"/api/v1/query?up":                 "prom_query_up.json",
		"/api/v1/query?ceph_health_status": "prom_query_stat_ceph_health.json",
		"/api/v1/query?bad(":               "prom_error_bad_query.txt",
		"/api/v1/query_range":              "prom_range_cpu_busy_6h.json",
		"/api/v1/labels":                   "prom_labels.json",
		"/api/v1/label/instance/values":    "prom_label_instance_values.json",
		"/api/v1/series":                   "prom_series_nova_agent_state.json",
		"/api/v1/metadata":                 "prom_metadata_one.json",
		"/api/v1/status/buildinfo":         "prom_buildinfo.json",
	}, func(r *http.Request) { hdr = r.Header.Clone() })
	c := client(t, srv.URL, httpclient.Options{ReadOnly: true, Headers: map[string]string{"X-Scope-OrgID": "tenant-a"}, Bearer: "s3cret"})
	ctx := context.Background()

	r, err := c.Query(ctx, "up", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != "vector" || len(r.Series) != 16 {
		t.Fatalf("up: %s %d series", r.Type, len(r.Series))
	}
	if hdr.Get("X-Scope-Orgid") != "tenant-a" || hdr.Get("Authorization") != "Bearer s3cret" {
		t.Fatalf("headers not sent through the caller's client: %v", hdr)
	}
	r, err = c.Query(ctx, "ceph_health_status", time.Time{})
	if err != nil || r.Series[0].Last() != 1 || r.Series[0].Labels["job"] != "ceph" {
		t.Fatalf("ceph health: %+v %v", r, err)
	}
	_, err = c.Query(ctx, "bad(", time.Time{})
	if err == nil || !IsBadData(err) || !strings.Contains(err.Error(), "unclosed left parenthesis") {
		t.Fatalf("bad query error %v", err)
	}
	rr, err := c.QueryRange(ctx, "cpu", time.Now().Add(-6*time.Hour), time.Now(), 2*time.Minute)
	if err != nil || rr.Type != "matrix" || len(rr.Series) != 9 || len(rr.Series[0].Points) < 100 {
		t.Fatalf("range: %+v %v", rr, err)
	}
	if v := rr.Series[0].Points[0].V; math.Abs(v-0.7715520833328919) > 1e-12 {
		t.Fatalf("first point %v", v)
	}
	names, err := c.LabelNames(ctx, nil, time.Time{}, time.Time{})
	if err != nil || len(names) < 10 || names[0] != "__name__" {
		t.Fatalf("labels %v %v", names, err)
	}
	vals, err := c.LabelValues(ctx, "instance", nil, time.Time{}, time.Time{})
	if err != nil || len(vals) == 0 {
		t.Fatalf("values %v %v", vals, err)
	}
	ser, err := c.Series(ctx, []string{"openstack_nova_agent_state"}, time.Time{}, time.Time{})
	if err != nil || len(ser) != 12 || ser[0]["service"] != "nova-compute" {
		t.Fatalf("series %v %v", ser, err)
	}
	md, err := c.Metadata(ctx, "node_cpu_seconds_total")
	if err != nil || md["node_cpu_seconds_total"][0].Type != "counter" {
		t.Fatalf("metadata %v %v", md, err)
	}
	bi, err := c.Buildinfo(ctx)
	if err != nil || bi.Version != "2.42.0+ds" {
		t.Fatalf("buildinfo %v %v", bi, err)
	}
}

func TestTooManyPointsSample(t *testing.T) {
	srv := sampleServer(t, map[string]string{"/api/v1/query_range": "prom_error_range_too_many_points.json"}, nil)
	c := client(t, srv.URL, httpclient.Options{})
	_, err := c.QueryRange(context.Background(), "up", time.Now().Add(-24*time.Hour), time.Now(), time.Second)
	if err == nil || !IsBadData(err) || !strings.Contains(err.Error(), "11,000 points") {
		t.Fatalf("err %v", err)
	}
}

func TestUnreachableAndProxyErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
	}))
	defer srv.Close()
	c := client(t, srv.URL, httpclient.Options{})
	_, err := c.Query(context.Background(), "up", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("502: %v", err)
	}
	srv.Close()
	_, err = c.Query(context.Background(), "up", time.Time{})
	if err == nil || IsBadData(err) || !strings.HasPrefix(err.Error(), "unreachable:") {
		t.Fatalf("closed: %v", err)
	}
	// The message names the server and the reason in plain words, not
	// net/url's `Post "http://...": dial tcp ...` chain.
	if want := "unreachable: prometheus at " + srv.URL + ": connection refused"; !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "Post \"") {
		t.Fatalf("closed: %q, want prefix %q", err, want)
	}
	if _, err := New(srv.URL, nil); err == nil {
		t.Fatal("nil client accepted")
	}
}

func TestHangingServerTimesOutWithPlainWords(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // accept, never answer
		}
	}()
	c := client(t, "http://"+l.Addr().String(), httpclient.Options{Timeout: 200 * time.Millisecond})
	_, err = c.Query(context.Background(), "up", time.Time{})
	if err == nil || IsBadData(err) || !strings.Contains(err.Error(), "prometheus at http://"+l.Addr().String()+": no answer in time") {
		t.Fatalf("hang: %v", err)
	}
}

func TestStepFor(t *testing.T) {
	cases := []struct {
		rng   time.Duration
		cells int
		want  time.Duration
	}{
		{time.Hour, 60, time.Minute},
		{time.Hour, 100, 36 * time.Second},
		{15 * time.Minute, 200, 15 * time.Second}, // never below the scrape interval
		{24 * time.Hour, 100, 15 * time.Minute},
		{6 * time.Hour, 7, 52 * time.Minute},
	}
	for _, c := range cases {
		if got := StepFor(c.rng, c.cells, 15*time.Second); got != c.want {
			t.Errorf("StepFor(%v, %d) = %v, want %v", c.rng, c.cells, got, c.want)
		}
	}
	if s := StepFor(365*24*time.Hour, 100000, time.Second); (365*24*time.Hour)/s+1 > MaxPoints {
		t.Errorf("step %v exceeds %d points", s, MaxPoints)
	}
}

func startDemo(t *testing.T) (*demo.Cloud, *Client) {
	t.Helper()
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 60, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	return dc, client(t, dc.Config().Prometheus.URL, httpclient.Options{ReadOnly: true})
}

func TestDemoAPI(t *testing.T) {
	dc, c := startDemo(t)
	ctx := context.Background()
	r, err := c.Query(ctx, `sum(up{job="node"})`, time.Time{})
	if err != nil || len(r.Series) != 1 || r.Series[0].Last() != 9 {
		t.Fatalf("hosts up: %+v %v", r, err)
	}
	end := time.Now()
	rr, err := c.QueryRange(ctx, `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`, end.Add(-time.Hour), end, time.Minute)
	if err != nil || len(rr.Series) != 9 || len(rr.Series[0].Points) < 55 {
		t.Fatalf("cpu range: %v", err)
	}
	for _, s := range rr.Series {
		for _, p := range s.Points {
			if p.V < 0 || p.V > 1 {
				t.Fatalf("cpu busy %v out of range for %v", p.V, s.Labels)
			}
		}
	}
	_, err = c.Query(ctx, `sum(rate(foo[5m])`, time.Time{})
	if err == nil || !IsBadData(err) || !strings.Contains(err.Error(), "unclosed left parenthesis") {
		t.Fatalf("bad query: %v", err)
	}
	_, err = c.QueryRange(ctx, "up", end.Add(-24*time.Hour), end, time.Second)
	if err == nil || !strings.Contains(err.Error(), "exceeded maximum resolution of 11,000 points") {
		t.Fatalf("too many points: %v", err)
	}
	names, err := c.LabelValues(ctx, "__name__", nil, time.Time{}, time.Time{})
	if err != nil || !contains(names, "node_load1") || !contains(names, "ceph_osd_up") {
		t.Fatalf("names %v %v", names, err)
	}
	hosts, err := c.LabelValues(ctx, "hostname", []string{"openstack_nova_agent_state"}, time.Time{}, time.Time{})
	if err != nil || len(hosts) != 9 {
		t.Fatalf("hostname values %v %v", hosts, err)
	}
	ser, err := c.Series(ctx, []string{`node_load1{instance="compute03:9100"}`}, time.Time{}, time.Time{})
	if err != nil || len(ser) != 1 {
		t.Fatalf("series %v %v", ser, err)
	}
	ln, err := c.LabelNames(ctx, nil, time.Time{}, time.Time{})
	if err != nil || !contains(ln, "mountpoint") {
		t.Fatalf("label names %v %v", ln, err)
	}
	md, err := c.Metadata(ctx, "")
	if err != nil || md["node_load1"][0].Type != "gauge" {
		t.Fatalf("metadata %v %v", md, err)
	}
	if m := dc.Mutations(); len(m) != 0 {
		t.Fatalf("read-only client sent mutations: %+v", m)
	}
}

// When compute04 loses power: up 0, node series stop, agents 0, 5xx rises.
func TestDemoHostDown(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	now := start
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 60, FailAfter: 45 * time.Second,
		Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	c := client(t, dc.Config().Prometheus.URL, httpclient.Options{})
	ctx := context.Background()
	q := func(expr string, at time.Time) *Result {
		t.Helper()
		r, err := c.Query(ctx, expr, at)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return r
	}
	ratio := `sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / sum by (proxy) (rate(haproxy_backend_http_responses_total[5m]))`
	before := maxOf(q(ratio, now))
	now = start.Add(50 * time.Second) // the story's clock is lazy: let it see the power loss
	q("up", now)
	now = start.Add(10 * time.Minute)
	if v := q(`up{instance="compute04:9100"}`, now).Series[0].Last(); v != 0 {
		t.Fatalf("up after power loss = %v", v)
	}
	if n := len(q(`node_load1{instance="compute04:9100"}`, now).Series); n != 0 {
		t.Fatalf("compute04 node series still there: %d", n)
	}
	if n := len(q(`node_load1`, now).Series); n != 8 {
		t.Fatalf("node_load1 series %d, want 8", n)
	}
	if v := q(`openstack_nova_agent_state{hostname="compute04"}`, now).Series[0].Last(); v != 0 {
		t.Fatalf("nova agent state %v", v)
	}
	if v := q(`sum(ceph_osd_up)`, now).Series[0].Last(); v != 10 {
		t.Fatalf("osds up %v", v)
	}
	if v := q(`ceph_health_status`, now).Series[0].Last(); v != 1 {
		t.Fatalf("ceph health %v", v)
	}
	after := maxOf(q(ratio, now))
	if !(before < 0.01 && after > 0.05) {
		t.Fatalf("5xx ratio before %v after %v", before, after)
	}
	p95 := `histogram_quantile(0.95, sum by (le, service) (rate(openstack_api_request_duration_seconds_bucket[5m])))`
	if v := maxOf(q(p95, now)); v < 1 {
		t.Fatalf("p95 during incident %v", v)
	}
	// History before the incident is still healthy.
	if v := q(`up{instance="compute04:9100"}`, start.Add(-time.Hour)).Series[0].Last(); v != 1 {
		t.Fatalf("up an hour before %v", v)
	}
}

func maxOf(r *Result) float64 {
	m := math.Inf(-1)
	for _, s := range r.Series {
		m = math.Max(m, s.Last())
	}
	return m
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func fmtSscan(s string, code *int) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	*code = n
	return 1, nil
}

// Mimir/Thanos style: TLS with a private CA, basic auth and a tenant
// header, all from the caller's client.
func TestTLSBasicAuthTenant(t *testing.T) {
	var user, pass, tenant string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ = r.BasicAuth()
		tenant = r.Header.Get("X-Scope-OrgID")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1795341444,"1"]}}`))
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pemCert(srv.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	c := client(t, srv.URL+"/prometheus", httpclient.Options{ReadOnly: true, CAFile: ca, Username: "ops", Password: "pw",
		Headers: map[string]string{"X-Scope-OrgID": "cloud-a"}})
	r, err := c.Query(context.Background(), "1", time.Time{})
	if err != nil || r.Type != "scalar" || r.Series[0].Last() != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if user != "ops" || pass != "pw" || tenant != "cloud-a" {
		t.Fatalf("auth %q/%q tenant %q", user, pass, tenant)
	}
	// Without the CA the TLS handshake fails, with a clear error.
	c = client(t, srv.URL, httpclient.Options{})
	if _, err := c.Query(context.Background(), "1", time.Time{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted TLS: %v", err)
	}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestAlignGivesSessionsTheSameQuery: with Align, queries asked at
// different moments of one interval carry the same evaluation time (the
// serve share then sends them once); a range keeps its length.
func TestAlignGivesSessionsTheSameQuery(t *testing.T) {
	var times, starts, ends []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		times = append(times, r.Form.Get("time"))
		starts = append(starts, r.Form.Get("start"))
		ends = append(ends, r.Form.Get("end"))
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "query_range") {
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[]}}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer srv.Close()
	c := client(t, srv.URL, httpclient.Options{})
	ctx := context.Background()
	base := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	c.Align = 10 * time.Second
	for _, d := range []time.Duration{time.Second, 7 * time.Second} {
		r, err := c.Query(ctx, "up", base.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Time.Equal(base) {
			t.Fatalf("result time %v, want the aligned %v", r.Time, base)
		}
	}
	if times[0] != times[1] {
		t.Fatalf("aligned queries differ: %q", times)
	}
	if _, err := c.QueryRange(ctx, "up", base.Add(-time.Hour+3*time.Second), base.Add(3*time.Second), time.Minute); err != nil {
		t.Fatal(err)
	}
	if ends[2] != times[0] || starts[2] == "" || starts[2] >= ends[2] {
		t.Fatalf("range end %q start %q, want end %q", ends[2], starts[2], times[0])
	}
	// Without Align the time is the one asked.
	c.Align = 0
	if _, err := c.Query(ctx, "up", base.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if times[3] == times[0] {
		t.Fatalf("unaligned query got the aligned time %q", times[3])
	}
}
