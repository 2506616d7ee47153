package panels

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/views/viewtest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sgr matches the styling sequences the theme itself emits.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// captureTime is when the samples were recorded (their last timestamp).
var captureTime = time.Unix(1795341444, 0).UTC()

func vec(metric string, v float64) string {
	return fmt.Sprintf(`{"status":"success","data":{"resultType":"vector","result":[{"metric":%s,"value":[1795341444,"%g"]}]}}`, metric, v)
}

func vecs(label string, vals map[string]float64) string {
	var parts []string
	for k, v := range vals {
		kb, _ := json.Marshal(k)
		parts = append(parts, fmt.Sprintf(`{"metric":{%q:%s},"value":[1795341444,"%g"]}`, label, kb, v))
	}
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(parts, ",") + `]}}`
}

// sampleRoutes maps the default dashboard's queries to recorded answers of
// a real Prometheus 2.42 (testdata/prometheus) or small inline bodies.
func sampleRoutes() map[string]string {
	return map[string]string{
		`sum(up{job="node"})`:   vec(`{}`, 8),
		`count(up{job="node"})`: vec(`{}`, 9),
		`sum(openstack_nova_agent_state{service="nova-compute",adminState="enabled"})`:   vec(`{}`, 5),
		`count(openstack_nova_agent_state{service="nova-compute",adminState="enabled"})`: vec(`{}`, 6),
		`sum(openstack_neutron_agent_state{adminState="up"})`:                            vec(`{}`, 18),
		`count(openstack_neutron_agent_state{adminState="up"})`:                          vec(`{}`, 18),
		`ceph_health_status`: "@prom_query_stat_ceph_health.json",
		`sum(ceph_osd_up)`:   vec(`{}`, 10),
		`count(ceph_osd_up)`: vec(`{}`, 12),
		`sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / sum by (proxy) (rate(haproxy_backend_http_responses_total[5m]))`: "@prom_range_api_5xx_ratio_3h.json",
		`histogram_quantile(0.95, sum by (le, service) (rate(openstack_api_request_duration_seconds_bucket[5m])))`:                                      "@prom_range_api_p99_3h.json",
		`1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`:                                                                         "@prom_range_cpu_busy_6h.json",
		`node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes`:                                                                                   "@prom_query_bar_mem_used_ratio.json",
		`sum by (hostname) (openstack_nova_running_vms)`: vecs("hostname", map[string]float64{"compute01": 41, "compute02": 38,
			"compute03": 44, "compute04": 52, "compute05": 47, "\x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil": 3}),
		`topk(6, 1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"})`: "@prom_query_bar_fs_used_ratio.json",
		`openstack_nova_agent_state == 0 or openstack_neutron_agent_state == 0`:                                                   "@agents_down.json",
	}
}

// sampleServer answers queries from routes; unknown queries get the
// real bad_data error body.
func sampleServer(t testing.TB, routes map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		q := r.Form.Get("query")
		body, ok := routes[q]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:%d: parse error: unclosed left parenthesis"}`, len(q)+1)
			return
		}
		if strings.HasPrefix(body, "@") {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "prometheus", body[1:]))
			if err != nil {
				t.Error(err)
			}
			body = string(b)
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testCtx(now time.Time) pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }, Refresh: 10 * time.Second}
}

func newTestPane(t testing.TB, routes map[string]string) (*Pane, *prometheus.Client) {
	srv := sampleServer(t, routes)
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prometheus.New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	return New(testCtx(captureTime), c, Options{}), c
}

// run executes a command tree synchronously, feeding messages to the pane.
func run(p *Pane, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			run(p, c)
		}
	case nil:
	default:
		_, next := p.Update(msg)
		run(p, next)
	}
}

func key(p *Pane, k string) {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		msg = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		msg = tea.KeyPressMsg{Code: tea.KeyUp}
	case "ctrl+t":
		msg = tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}
	default:
		r := []rune(k)[0]
		msg = tea.KeyPressMsg{Code: r, Text: k}
	}
	_, cmd := p.Update(msg)
	run(p, cmd)
}

func typeText(p *Pane, s string) {
	for _, r := range s {
		key(p, string(r))
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	viewtest.File(t, viewtest.Golden("panels", name), ansi.Strip(got), *update)
}

func checkSize(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		t.Errorf("view has %d lines, max %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (max %d): %q", i, n, w, l)
		}
	}
	plain := sgr.ReplaceAllString(s, "")
	if strings.ContainsRune(plain, '\x1b') || strings.ContainsRune(plain, '\a') {
		t.Errorf("raw escape/control characters (other than styling) in view: %q", plain)
	}
}

func TestDashboardGolden(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			routes := sampleRoutes()
			p, _ := newTestPane(t, routes)
			_ = p.View(sz[0], sz[1]) // learn the panel widths
			run(p, p.Init())
			v := p.View(sz[0], sz[1])
			checkSize(t, v, sz[0], sz[1])
			golden(t, fmt.Sprintf("dashboard_%dx%d", sz[0], sz[1]), v)
		})
	}
}

// showsValue reports whether view shows text, in plain or big digits.
func showsValue(view, text string) bool {
	if strings.Contains(view, text) {
		return true
	}
	rows, _, ok := bigText(text)
	if !ok {
		return false
	}
	lines := strings.Split(view, "\n")
	for i := 0; i+2 < len(lines); i++ {
		if k := strings.Index(lines[i], rows[0]); k >= 0 && strings.Contains(lines[i+1], rows[1]) && strings.Contains(lines[i+2], rows[2]) {
			return true
		}
	}
	return false
}
