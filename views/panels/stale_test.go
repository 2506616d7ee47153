package panels

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/prometheus"
)

// Prometheus dies after a good refresh: every panel keeps its last good
// data under a one-line error naming the server and the reason, the header
// shows how old that data is, and the pane's age stays the good data's.
func TestDeadPrometheusKeepsLastGoodDataWithAge(t *testing.T) {
	srv := sampleServer(t, sampleRoutes())
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prometheus.New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	now := captureTime
	ctx := testCtx(now)
	ctx.Now = func() time.Time { return now }
	p := New(ctx, c, Options{})
	_ = p.View(120, 40)
	run(p, p.Init())
	good := ansi.Strip(p.View(120, 40))
	if !showsValue(good, "8/9") || strings.Contains(good, "✗ ERR") {
		t.Fatalf("first refresh should show data:\n%s", good)
	}

	srv.Close()
	now = now.Add(40 * time.Second)
	run(p, p.refreshAll())
	v := ansi.Strip(p.View(120, 40))
	if !showsValue(v, "8/9") {
		t.Errorf("the last good value is gone after a failed refresh:\n%s", v)
	}
	if !strings.Contains(v, "✗ ERR 40s") {
		t.Errorf("failed panels must show the age of the data they keep:\n%s", v)
	}
	if !strings.Contains(v, "prometheus at "+srv.URL) || !strings.Contains(v, "connection refused") {
		t.Errorf("the error must name the server and the reason:\n%s", v)
	}
	st := p.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "unreachable: prometheus at") {
		t.Errorf("status err %v", st.Err)
	}
	if !st.Updated.Equal(captureTime) {
		t.Errorf("status age from %v, want the last good data's %v", st.Updated, captureTime)
	}
}
