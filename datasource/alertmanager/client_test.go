package alertmanager

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// fixture returns a recorded response body; .txt error fixtures end with a
// blank line and "HTTP <code>", which fixtureStatus splits off.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "alertmanager", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureStatus(t testing.TB, name string) (int, []byte) {
	b := string(fixture(t, name))
	i := strings.LastIndex(b, "HTTP ")
	if i < 0 {
		t.Fatalf("%s: no HTTP status line", name)
	}
	var code int
	for _, c := range strings.TrimSpace(b[i+5:]) {
		code = code*10 + int(c-'0')
	}
	return code, []byte(strings.TrimSpace(b[:i]))
}

type fakeAM struct {
	mu     sync.Mutex
	routes map[string]func(w http.ResponseWriter, r *http.Request)
	reqs   []string
}

func (f *fakeAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	h := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

func serveBody(code int, body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	}
}

func newClient(t *testing.T, readOnly bool, urls ...string) *Client {
	t.Helper()
	var ins []Instance
	for i, u := range urls {
		hc, err := httpclient.New(httpclient.Options{ReadOnly: readOnly, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, Instance{Name: []string{"am1", "am2", "am3"}[i], URL: u, HTTP: hc})
	}
	c, err := New(ins...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAlertsHAPairDeduplicatedByFingerprint(t *testing.T) {
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/alerts": serveBody(200, fixture(t, "am_alerts.json"))}}
	a2 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/alerts": serveBody(200, fixture(t, "am_alerts_with_silence.json"))}}
	s1, s2 := httptest.NewServer(a1), httptest.NewServer(a2)
	defer s1.Close()
	defer s2.Close()
	c := newClient(t, false, s1.URL, s2.URL)
	res, err := c.Alerts(context.Background(), AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Alerts) != 7 {
		t.Fatalf("got %d alerts, want 7 unique fingerprints", len(res.Alerts))
	}
	var node *Alert
	for i := range res.Alerts {
		a := &res.Alerts[i]
		if len(a.Instances) != 2 {
			t.Errorf("%s reported by %v, want both", a.Fingerprint, a.Instances)
		}
		if a.Name() == "NodeDown" {
			node = a
		}
	}
	if node == nil || node.Status.State != "suppressed" || len(node.Status.SilencedBy) != 1 ||
		node.Status.SilencedBy[0] != "2db83140-c218-415e-9ceb-7e35d342f838" {
		t.Fatalf("NodeDown after merge: %+v", node)
	}
	if node.Host() != "compute03" || node.Severity() != "critical" || node.Receivers[0].Name != "oncall-critical" {
		t.Fatalf("fields: host %q sev %q recv %+v", node.Host(), node.Severity(), node.Receivers)
	}
	if res.Sources.OK() != 2 || res.Sources.Summary() != "2/2 alertmanagers" {
		t.Fatalf("sources %+v", res.Sources)
	}
}

func TestAlertsOneInstanceDownStillAnswers(t *testing.T) {
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/alerts": serveBody(200, fixture(t, "am_alerts.json"))}}
	s1 := httptest.NewServer(a1)
	defer s1.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c := newClient(t, false, deadURL, s1.URL)
	res, err := c.Alerts(context.Background(), AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Alerts) != 7 || res.Sources.OK() != 1 || res.Sources.Err() == nil ||
		!strings.Contains(res.Sources.Err().Error(), "am1 unreachable") {
		t.Fatalf("alerts %d sources %+v err %v", len(res.Alerts), res.Sources, res.Sources.Err())
	}
	for _, a := range res.Alerts {
		if len(a.Instances) != 1 || a.Instances[0] != "am2" {
			t.Fatalf("instances %v", a.Instances)
		}
	}
	// All down: an error.
	c = newClient(t, false, deadURL)
	if _, err := c.Alerts(context.Background(), AlertFilter{}); err == nil {
		t.Fatal("no error with every instance down")
	}
}

func TestAlertFilterQuery(t *testing.T) {
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/alerts": serveBody(200, fixture(t, "am_alerts_inhibited_only.json"))}}
	s1 := httptest.NewServer(a1)
	defer s1.Close()
	c := newClient(t, true, s1.URL)
	ms, _ := ParseMatchers(`alertname=~"Neutron.*"`)
	res, err := c.Alerts(context.Background(), AlertFilter{Matchers: ms, Active: Bool(false), Silenced: Bool(false), Inhibited: Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Alerts) != 1 || !res.Alerts[0].Inhibited() || res.Alerts[0].Status.InhibitedBy[0] != "27558d14181a4776" {
		t.Fatalf("%+v", res.Alerts)
	}
	q := a1.reqs[0]
	for _, want := range []string{"active=false", "silenced=false", "inhibited=true", "filter=alertname%3D~%22Neutron.%2A%22"} {
		if !strings.Contains(q, want) {
			t.Errorf("query %q lacks %q", q, want)
		}
	}
}

func TestGroupsMerged(t *testing.T) {
	h := serveBody(200, fixture(t, "am_alert_groups.json"))
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){"GET /api/v2/alerts/groups": h}}
	a2 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){"GET /api/v2/alerts/groups": h}}
	s1, s2 := httptest.NewServer(a1), httptest.NewServer(a2)
	defer s1.Close()
	defer s2.Close()
	res, err := newClient(t, false, s1.URL, s2.URL).Groups(context.Background(), AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 6 {
		t.Fatalf("%d groups", len(res.Groups))
	}
	g := res.Groups[0]
	if g.Labels["alertname"] != "CephOSDDown" || g.Receiver.Name != "oncall-critical" || len(g.Alerts) != 2 || len(g.Alerts[0].Instances) != 2 {
		t.Fatalf("first group %+v", g)
	}
}

func TestSilencesListGetStates(t *testing.T) {
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/silences": serveBody(200, fixture(t, "am_silences_with_active.json")),
		"GET /api/v2/silence/2db83140-c218-415e-9ceb-7e35d342f838": serveBody(200, fixture(t, "am_silence_get_active.json")),
	}}
	a2 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v2/silences": serveBody(200, fixture(t, "am_silences_after_expire.json")),
	}}
	s1, s2 := httptest.NewServer(a1), httptest.NewServer(a2)
	defer s1.Close()
	defer s2.Close()
	c := newClient(t, true, s1.URL, s2.URL)
	res, err := c.Silences(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Silences) != 2 {
		t.Fatalf("%d silences, want 2 unique IDs", len(res.Silences))
	}
	// am2's copy of 2db8... was updated later (expired): it wins.
	s := res.Silences[0]
	if s.ID != "2db83140-c218-415e-9ceb-7e35d342f838" || s.Status.State != "expired" || len(s.Instances) != 2 {
		t.Fatalf("merged silence %+v", s)
	}
	if got := s.Matchers.String(); got != `alertname="NodeDown" instance="compute03:9100"` {
		t.Fatalf("matchers %q", got)
	}
	// amtool prints the same matcher text.
	if !strings.Contains(string(fixture(t, "amtool_silence_query.txt")), s.Matchers.String()) {
		t.Fatal("matcher format differs from amtool's")
	}
	one, err := c.Silence(context.Background(), "2db83140-c218-415e-9ceb-7e35d342f838")
	if err != nil || one.Status.State != "active" || one.CreatedBy != "stackpit-lab (operator alice)" {
		t.Fatalf("get: %+v %v", one, err)
	}
	_, err = c.Silence(context.Background(), "00000000-0000-4000-8000-000000000000")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 404 || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown silence: %v", err)
	}
}

func TestCreateSilenceSendsV2BodyToFirstReachable(t *testing.T) {
	var got []byte
	a2 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){
		"POST /api/v2/silences": func(w http.ResponseWriter, r *http.Request) {
			got, _ = io.ReadAll(r.Body)
			serveBody(200, fixture(t, "am_silence_create_response.json"))(w, r)
		}}}
	s2 := httptest.NewServer(a2)
	defer s2.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c := newClient(t, false, deadURL, s2.URL)
	ms, err := ParseMatchers(`alertname="NodeDown", instance="compute03:9100"`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 9, 57, 40, 633e6, time.UTC)
	id, inst, err := c.CreateSilence(context.Background(), NewSilence{Matchers: ms, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		CreatedBy: "stackpit-lab (operator alice)", Comment: "compute03 is down, hardware ticket INC-4711; silenced from the cockpit"})
	if err != nil {
		t.Fatal(err)
	}
	if id != "2db83140-c218-415e-9ceb-7e35d342f838" || inst != "am2" {
		t.Fatalf("id %q inst %q", id, inst)
	}
	want := strings.Join(strings.Fields(string(fixture(t, "am_silence_create_request.json"))), "")
	if g := strings.Join(strings.Fields(string(got)), ""); g != want {
		t.Fatalf("body\n got %s\nwant %s", g, want)
	}
}

func TestErrorBodiesSurfaceServerText(t *testing.T) {
	cases := []struct {
		fixture, method, path, want string
	}{
		{"am_silence_create_error_no_matchers.txt", "POST", "/api/v2/silences", "HTTP 422: matchers in body should have at least 1 items"},
		{"am_silence_create_error_end_in_past.txt", "POST", "/api/v2/silences", "HTTP 400: Failed to create silence: end time can't be in the past"},
		{"am_silence_delete_unknown.txt", "DELETE", "/api/v2/silence/00000000-0000-4000-8000-000000000000", "HTTP 500: silence not found"},
		{"am_silence_delete_not_uuid.txt", "DELETE", "/api/v2/silence/not-a-uuid", `HTTP 422: silenceID in path must be of type uuid: "not-a-uuid"`},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			code, body := fixtureStatus(t, tc.fixture)
			a := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){tc.method + " " + tc.path: serveBody(code, body)}}
			s := httptest.NewServer(a)
			defer s.Close()
			c := newClient(t, false, s.URL)
			var err error
			if tc.method == "POST" {
				_, _, err = c.CreateSilence(context.Background(), NewSilence{EndsAt: time.Now().Add(time.Hour), Comment: "x"})
			} else {
				_, err = c.ExpireSilence(context.Background(), strings.TrimPrefix(tc.path, "/api/v2/silence/"))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "alertmanager am1") {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestExpireTriesNextInstanceOnNotFound(t *testing.T) {
	code, body := fixtureStatus(t, "am_silence_delete_unknown.txt")
	id := "2db83140-c218-415e-9ceb-7e35d342f838"
	a1 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){"DELETE /api/v2/silence/" + id: serveBody(code, body)}}
	a2 := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){"DELETE /api/v2/silence/" + id: serveBody(200, nil)}}
	s1, s2 := httptest.NewServer(a1), httptest.NewServer(a2)
	defer s1.Close()
	defer s2.Close()
	inst, err := newClient(t, false, s1.URL, s2.URL).ExpireSilence(context.Background(), id)
	if err != nil || inst != "am2" {
		t.Fatalf("inst %q err %v", inst, err)
	}
}

func TestReadOnlyClientRefusesWrites(t *testing.T) {
	a := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){}}
	s := httptest.NewServer(a)
	defer s.Close()
	c := newClient(t, true, s.URL)
	ms, _ := ParseMatchers(`host="compute04"`)
	_, _, err := c.CreateSilence(context.Background(), NewSilence{Matchers: ms, EndsAt: time.Now().Add(time.Hour), Comment: "x"})
	if !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("create: %v", err)
	}
	if _, err := c.ExpireSilence(context.Background(), "2db83140-c218-415e-9ceb-7e35d342f838"); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("expire: %v", err)
	}
	if len(a.reqs) != 0 {
		t.Fatalf("read-only client sent %v", a.reqs)
	}
}

func TestStatus(t *testing.T) {
	a := &fakeAM{routes: map[string]func(http.ResponseWriter, *http.Request){"GET /api/v2/status": serveBody(200, fixture(t, "am_status.json"))}}
	s := httptest.NewServer(a)
	defer s.Close()
	st, err := newClient(t, true, s.URL).Status(context.Background())
	if err != nil || len(st) != 1 || st[0].VersionInfo.Version != "0.25.0" || st[0].Cluster.Status != "disabled" ||
		!strings.Contains(st[0].Config.Original, "inhibit_rules") {
		t.Fatalf("%+v %v", st, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(); err == nil {
		t.Fatal("no instances accepted")
	}
	if _, err := New(Instance{URL: "am:9093", HTTP: http.DefaultClient}); err == nil {
		t.Fatal("url without scheme accepted")
	}
	if _, err := New(Instance{URL: "http://am:9093"}); err == nil {
		t.Fatal("missing http client accepted")
	}
}

// Both instances down: one line naming each instance and the reason in
// plain words (no "\n" from errors.Join, no net/url request chain), and the
// transport errors are still reachable with errors.As.
func TestAlertsAllInstancesDownOneLinePlainReason(t *testing.T) {
	var urls []string
	for range 2 {
		dead := httptest.NewServer(http.NotFoundHandler())
		urls = append(urls, dead.URL)
		dead.Close()
	}
	c := newClient(t, false, urls...)
	res, _ := c.Alerts(context.Background(), AlertFilter{})
	if res.Sources.Err() == nil {
		t.Fatalf("no error with both instances down: %+v", res)
	}
	msg := res.Sources.Err().Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "Get \"") {
		t.Errorf("error %q is not one plain line", msg)
	}
	for _, n := range []string{"am1 unreachable: connection refused", "am2 unreachable: connection refused"} {
		if !strings.Contains(msg, n) {
			t.Errorf("error %q lacks %q", msg, n)
		}
	}
	var te *TransportError
	if !errors.As(res.Sources.Err(), &te) {
		t.Errorf("TransportError not reachable through the joined error")
	}
}
