package logs

import (
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// While a failed query is retried, its error stays on screen and in the
// status (a hung Loki takes the whole timeout to fail again: the pane read
// a bare "loading…" for most of every retry cycle).
func TestRetryKeepsTheErrorOnScreen(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Second})
	c, _ := loki.New(loki.Options{URL: "http://127.0.0.1:1", HTTP: hc})
	m := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}, c, Options{})
	runUntil(t, m, m.SetQuery(`{host="compute01"}`), func() bool { return m.Status().Err != nil })
	_, cmd := m.Update(pane.TickMsg(m.updated.Add(11 * time.Second)))
	if cmd == nil || !m.Status().Loading {
		t.Fatal("no retry after the refresh interval")
	}
	st := m.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "loki at http://127.0.0.1:1 unreachable") {
		t.Fatalf("status during the retry: %+v", st)
	}
	if v := m.View(120, 6); !strings.Contains(v, "✗ loki at http://127.0.0.1:1 unreachable: connection refused") {
		t.Fatalf("the error left the screen during the retry:\n%s", v)
	}
	// A different query starts clean.
	m.SetQuery(`{host="compute02"}`)
	if m.Status().Err != nil {
		t.Fatalf("a new query kept the old query's error: %v", m.Status().Err)
	}
}
