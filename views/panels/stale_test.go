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

// Under SharedWindow (stackpit serve) a live range ends on a step boundary
// and assumes a standard width, so sessions of different sizes at
// different seconds send one identical query.
func TestSharedWindowAlignsRanges(t *testing.T) {
	at := func(sec int) time.Time { return captureTime.Truncate(time.Hour).Add(time.Duration(sec) * time.Second) }
	win := func(now time.Time) (time.Time, time.Time) {
		ctx := testCtx(now)
		p := New(ctx, nil, Options{SharedWindow: true})
		s, e, live := p.window()
		if !live {
			t.Fatal("not live")
		}
		return s, e
	}
	s1, e1 := win(at(61))
	s2, e2 := win(at(64))
	if !s1.Equal(s2) || !e1.Equal(e2) {
		t.Fatalf("two sessions 3 s apart: %v-%v vs %v-%v", s1, e1, s2, e2)
	}
	p := New(testCtx(at(61)), nil, Options{})
	if _, e, _ := p.window(); !e.Equal(at(61)) {
		t.Fatalf("a local cockpit's range must end now: %v", e)
	}
}
