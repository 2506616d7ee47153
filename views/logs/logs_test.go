package logs

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testCtx() pane.Context {
	return pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return t0.Add(5 * time.Minute) }}
}

func newTest(o Options) *Model {
	o.NoAutoStart = true
	o.Location = time.UTC
	m := New(testCtx(), nil, o)
	m.SetQuery(`{host=~".+"}`)
	m.fstat = loki.FollowStatus{Mode: loki.ModeTail, Note: "tail"}
	return m
}

var (
	computeLabels = loki.NewLabels(map[string]string{"host": "compute04", "container": "nova_compute", "detected_level": "info"})
	condLabels    = loki.NewLabels(map[string]string{"host": "control01", "container": "nova_conductor", "detected_level": "error"})
	apiLabels     = loki.NewLabels(map[string]string{"host": "control02", "container": "nova_api", "detected_level": "info"})
)

const (
	req  = "req-6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"
	inst = "0b6f7c3a-9d2e-4f1a-8b7c-6d5e4f3a2b1c"
)

// sampleEntries builds n realistic oslo.log lines, one every 250 ms.
func sampleEntries(n int) []loki.Entry {
	var out []loki.Entry
	for i := 0; i < n; i++ {
		ts := t0.Add(time.Duration(i) * 250 * time.Millisecond)
		stamp := ts.Format("2006-01-02 15:04:05.000")
		var e loki.Entry
		switch i % 5 {
		case 0:
			e = loki.Entry{Stream: apiLabels, Line: fmt.Sprintf(`%s 21 INFO nova.api.openstack.requestlog [%s admin admin - - -] 10.0.0.5 "POST /v2.1/servers/%s/action" status: 202 len: 0 microversion: 2.79 time: 0.151`, stamp, req, inst)}
		case 1:
			e = loki.Entry{Stream: computeLabels, Line: fmt.Sprintf(`%s 7 INFO nova.compute.manager [%s admin admin - - -] [instance: %s] Rebooting instance`, stamp, req, inst)}
		case 2:
			e = loki.Entry{Stream: condLabels, Line: fmt.Sprintf(`%s 11 ERROR nova.conductor.manager [-] Lost connection to nova-compute on compute04 (10.0.1.24): MessagingTimeout line %d`, stamp, i)}
		case 3:
			e = loki.Entry{Stream: condLabels, Line: fmt.Sprintf(`%s 9 WARNING nova.servicegroup.drivers.db [-] Seems service nova-compute on host compute04 is down. Elapsed time is %d`, stamp, i)}
		default:
			e = loki.Entry{Stream: computeLabels, Line: fmt.Sprintf(`%s 7 DEBUG oslo_service.periodic_task [-] Running periodic task ComputeManager._poll_rebooting_instances %d`, stamp, i)}
		}
		e.TS = ts.UnixNano()
		out = append(out, e)
	}
	return out
}

func key(m *Model, k string) tea.Cmd {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab}
	case "esc":
		msg = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		msg = tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		msg = tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+s":
		msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	default:
		r := []rune(k)
		msg = tea.KeyPressMsg{Code: r[0], Text: k}
	}
	if got := msg.String(); got != k {
		panic(fmt.Sprintf("key %q prints as %q", k, got))
	}
	_, cmd := m.Update(msg)
	return cmd
}

func typeText(m *Model, s string) {
	for _, r := range s {
		key(m, string(r))
	}
}

func golden(t *testing.T, name string, m *Model) {
	t.Helper()
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		got := m.View(sz[0], sz[1])
		// Every row fits the width; nothing raw escapes.
		for i, row := range strings.Split(got, "\n") {
			if w := ansi.StringWidth(row); w > sz[0] {
				t.Fatalf("%s %dx%d row %d is %d wide", name, sz[0], sz[1], i, w)
			}
		}
		if n := strings.Count(got, "\n") + 1; n > sz[1] {
			t.Fatalf("%s: %d rows > %d", name, n, sz[1])
		}
		if strings.Contains(got, "\x1b]") || strings.Contains(got, "\a") || strings.Contains(got, "\x1b[2J") {
			t.Fatalf("%s: raw escape reached the screen", name)
		}
		path := filepath.Join("..", "..", "testdata", "golden", "logs", fmt.Sprintf("%s_%dx%d.golden", name, sz[0], sz[1]))
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if string(want) != got {
			t.Errorf("%s differs from %s:\n%s", name, path, got)
		}
	}
}

func TestGoldenFollow(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(60)...)
	if !strings.Contains(m.View(120, 40), "● FOLLOW") {
		t.Fatal("no follow marker")
	}
	golden(t, "follow", m)
}

func TestGoldenSearchHighlight(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(60)...)
	m.SetFilter("Compute04")
	if m.matches != 48 {
		t.Fatalf("matches %d", m.matches)
	}
	v := m.View(120, 40)
	if !strings.Contains(v, `filter Compute04: 48 of 60 lines`) || !strings.Contains(v, "\x1b[7mcompute04") {
		t.Fatalf("no highlighted match:\n%q", v)
	}
	// Only matching lines: the 12 lines of the sample that do not mention
	// compute04 are hidden.
	for _, l := range strings.Split(ansi.Strip(v), "\n") {
		if strings.Contains(l, ":") && !strings.Contains(strings.ToLower(l), "compute04") && !strings.Contains(l, "{host") {
			t.Fatalf("a line without the term is shown: %q", l)
		}
	}
	golden(t, "search", m)
}

func TestGoldenPausedMarker(t *testing.T) {
	m := newTest(Options{})
	es := sampleEntries(80)
	m.AppendEntries(es[:60]...)
	for i := 0; i < 5; i++ {
		key(m, "k")
	}
	if m.Following() {
		t.Fatal("scrolling back did not pause")
	}
	m.AppendEntries(es[60:]...)
	if !strings.Contains(m.View(120, 40), "⏸ PAUSED +20 new") || !strings.Contains(m.Status().Note, "paused") {
		t.Fatalf("no paused marker:\n%s", m.View(120, 40))
	}
	golden(t, "paused", m)
	key(m, "G")
	if !m.Following() || m.cursor != m.buf.last() {
		t.Fatal("G did not resume following")
	}
	key(m, "f")
	key(m, "f")
	if !m.Following() {
		t.Fatal("f twice should follow again")
	}
}

func TestGoldenDropMarker(t *testing.T) {
	m := newTest(Options{})
	es := sampleEntries(40)
	var items []loki.Item
	for _, e := range es[:30] {
		items = append(items, loki.Item{Entry: e})
	}
	items = append(items, loki.Item{Marker: &loki.Marker{Kind: loki.MarkDrop, Count: 312, TS: es[29].TS,
		Text: "Loki dropped 312+ lines from the tail; switching to polling and re-reading them"}})
	for _, e := range es[30:] {
		items = append(items, loki.Item{Entry: e})
	}
	m.ApplyBatch(loki.Batch{Items: items, FollowStatus: loki.FollowStatus{Mode: loki.ModePolling, Note: "polling: tail dropped 312+ lines", Updated: t0}})
	v := m.View(120, 40)
	if !strings.Contains(v, "⚠ DROPPED Loki dropped 312+ lines") || !strings.Contains(v, "POLLING") || m.Status().Note != "polling: tail dropped 312+ lines" {
		t.Fatalf("drop marker missing:\n%s", v)
	}
	golden(t, "drop", m)
}

// A paused reader whose buffer is full loses its oldest lines: the header
// says how many (the default buffer holds 20,000, not 100,000, issue 15),
// and still does at a width too narrow for the fill; a new query starts
// with none dropped.
func TestGoldenDroppedLines(t *testing.T) {
	m := newTest(Options{BufferLines: 50})
	es := sampleEntries(80)
	m.AppendEntries(es[:40]...)
	for i := 0; i < 5; i++ {
		key(m, "k")
	}
	m.AppendEntries(es[40:]...)
	if v := ansi.Strip(m.View(120, 40)); !strings.Contains(v, "50/50 lines, 30 dropped") {
		t.Fatalf("no dropped count:\n%s", v)
	}
	golden(t, "dropped", m)
	header := strings.Split(ansi.Strip(m.View(40, 10)), "\n")[0]
	if !strings.Contains(header, "30 dropped") {
		t.Fatalf("the narrow header lost the dropped count: %q", header)
	}
	m.SetQuery(`{host="compute04"}`)
	m.AppendEntries(es[:10]...)
	if v := ansi.Strip(m.View(120, 40)); strings.Contains(v, "dropped") || !strings.Contains(v, "10/50 lines") {
		t.Fatalf("a new query still says lines were dropped:\n%s", v)
	}
}

func TestGoldenEscapeLadenLine(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(10)...)
	evil := loki.NewLabels(map[string]string{"host": "compute01\x1b[31m", "container": "nova_api"})
	m.AppendEntries(loki.Entry{TS: t0.Add(time.Minute).UnixNano(), Stream: evil,
		Line: "INFO \u202eoverride \x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil"})
	v := m.View(120, 40)
	if !strings.Contains(v, `\e]52;c;ZWNobyBoaQ==\a\e[2Jevil`) || !strings.Contains(v, `compute01\e[31m`) || !strings.Contains(v, `\u202e`) {
		t.Fatalf("escape not rendered inert:\n%q", v)
	}
	golden(t, "escape", m)
	m.wrap = true
	golden(t, "escape_wrap", m)
}

// A pane configured without buffer_lines keeps DefaultBufferLines lines,
// the newest, and its header says the bound ("20000/20000 lines"): the
// operator sees that older lines were let go.
func TestDefaultBufferKeepsDefaultBufferLines(t *testing.T) {
	m := newTest(Options{})
	es := sampleEntries(1000)
	for j := range DefaultBufferLines + 5 {
		m.appendEntry(es[j%len(es)])
	}
	if m.Lines() != DefaultBufferLines || m.buf.first() != 5 || m.buf.last() != DefaultBufferLines+4 {
		t.Fatalf("lines %d first %d last %d, want %d from 5", m.Lines(), m.buf.first(), m.buf.last(), DefaultBufferLines)
	}
	if want := fmt.Sprintf("%d/%d lines", DefaultBufferLines, DefaultBufferLines); !strings.Contains(m.View(200, 20), want) {
		t.Fatalf("header does not say %q", want)
	}
}

func TestRingBufferIsBounded(t *testing.T) {
	m := newTest(Options{BufferLines: 100})
	m.SetFilter("ERROR")
	m.AppendEntries(sampleEntries(1000)...)
	if m.Lines() != 100 || m.buf.first() != 900 || m.buf.last() != 999 {
		t.Fatalf("lines %d first %d last %d", m.Lines(), m.buf.first(), m.buf.last())
	}
	if m.matches != 20 {
		t.Fatalf("match count %d after eviction, want 20", m.matches)
	}
	l, _ := m.buf.at(902)
	if !strings.Contains(l.text, "Lost connection") || l.lv != lvError {
		t.Fatalf("oldest kept line %+v", l)
	}
}

// The buffer's room never passes BufferLines (append's own growth gave
// 112,896 lines' room for 100,000), and a line is 56 bytes: the full
// default buffer is most of the pane's heap (issue 15).
func TestRingRoomIsBufferLines(t *testing.T) {
	for _, n := range []int{100_000, 10_000, 5_000} {
		r := newRing(n)
		for i := range n + 10 {
			r.append(line{ts: int64(i)}, n)
		}
		if cap(r.buf) != n || r.n != n {
			t.Errorf("BufferLines %d: room for %d lines, %d held", n, cap(r.buf), r.n)
		}
	}
	if s := unsafe.Sizeof(line{}); s != 56 {
		t.Errorf("a buffered line is %d bytes, want 56", s)
	}
}

func TestLevelsAreMarkedByText(t *testing.T) {
	m := newTest(Options{})
	for i, l := range []string{"x 1 ERROR y", "x 1 WARNING y", "x 1 TRACE y", "x 1 DEBUG y", "plain"} {
		m.AppendEntries(loki.Entry{TS: int64(i + 1), Stream: computeLabels, Line: l})
	}
	v := m.View(120, 10)
	for _, tag := range []string{"ERR", "WRN", "TRC", "DBG", "INF"} { // "plain" takes the label's level
		if !strings.Contains(v, " "+tag+" ") {
			t.Errorf("no %s tag:\n%s", tag, v)
		}
	}
	key(m, "t")
	key(m, "L")
	if strings.Contains(m.View(120, 10), "compute04/nova_compute") || strings.Contains(m.View(120, 10), "00:00:00.000") {
		t.Fatal("labels/timestamps still shown after toggling off")
	}
}

func TestPivotQueries(t *testing.T) {
	m := newTest(Options{HostLabel: "hostname", ContainerLabel: "container_name"})
	for in, want := range map[string]string{
		"host:compute04":                           `{hostname="compute04"}`,
		"container:nova_compute":                   `{container_name="nova_compute"}`,
		"host:compute04 container:x":               `{hostname="compute04", container_name="x"}`,
		"req:" + req:                               `{hostname=~".+"} |= "` + req + `"`,
		"req:6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e": `{hostname=~".+"} |= "` + req + `"`,
		"instance:" + inst:                         `{hostname=~".+"} |= "` + inst + `"`,
		"id:" + inst:                               `{hostname=~".+"} |= "` + inst + `"`,
		`{job="x"} |= "y"`:                         `{job="x"} |= "y"`,
		`Lost "connection"`:                        `{hostname=~".+"} |= "Lost" |= "\"connection\""`,
	} {
		m.Pivot(in)
		if m.Query() != want {
			t.Errorf("pivot %q -> %q, want %q", in, m.Query(), want)
		}
	}
	if _, n := m.pivotQuery("req:" + req); n < loki.MaxEntriesPerQuery {
		t.Errorf("request pivot backfills only %d lines", n)
	}
}

func TestLinePivots(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(5)...) // last line: DEBUG without IDs
	key(m, "k")                          // line 3: WARNING without IDs
	key(m, "k")
	key(m, "k") // line 1: nova_compute with req and instance
	if msg := key(m, "r")(); msg != (pane.PivotMsg{Pane: "logs", Query: "req:" + req}) {
		t.Fatalf("r -> %+v", msg)
	}
	if msg := key(m, "i")(); msg != (pane.PivotMsg{Pane: "instances", Query: "id:" + inst}) {
		t.Fatalf("i -> %+v", msg)
	}
	if msg := key(m, "l")(); msg != (pane.PivotMsg{Pane: "logs", Query: "host:compute04"}) {
		t.Fatalf("l -> %+v", msg)
	}
	if msg := key(m, "o")(); msg != (pane.PivotMsg{Pane: "logs", Query: "container:nova_compute"}) {
		t.Fatalf("o -> %+v", msg)
	}
	if msg := key(m, "h")(); msg != (pane.PivotMsg{Pane: "compute", Query: "host:compute04"}) {
		t.Fatalf("h -> %+v", msg)
	}
	if msg := key(m, "c")(); msg != (pane.PivotMsg{Pane: "containers", Query: "host:compute04 name:nova_compute"}) {
		t.Fatalf("c -> %+v", msg)
	}
	key(m, "j") // line 2: no IDs
	if msg, ok := key(m, "r")().(pane.ToastMsg); !ok || !strings.Contains(msg.Text, "no request ID") {
		t.Fatalf("r on a line without IDs: %+v", msg)
	}
	if got := instanceID("req-" + inst + " and " + "11111111-2222-4333-8444-555555555555"); got != "11111111-2222-4333-8444-555555555555" {
		t.Fatalf("instanceID skipped request IDs wrongly: %q", got)
	}
}

func TestPromptCompletionAndHistory(t *testing.T) {
	m := newTest(Options{})
	m.Update(labelsMsg{names: []string{"container", "detected_level", "host", "job"}})
	key(m, "e")
	if !m.Capturing() {
		t.Fatal("prompt open but not capturing")
	}
	m.prompt.set("")
	typeText(m, "{ho")
	key(m, "tab")
	if got := m.prompt.value(); got != `{host="` {
		t.Fatalf("name completion %q", got)
	}
	cmd := key(m, "tab") // values not loaded yet: asks for them
	if cmd != nil {
		t.Fatal("no source: no load command expected")
	}
	m.Update(valuesMsg{name: "host", values: []string{"compute01", "compute04", "control01"}})
	typeText(m, "compute0")
	key(m, "tab")
	if got := m.prompt.value(); got != `{host="compute0` || len(m.prompt.sugg) != 2 {
		t.Fatalf("ambiguous completion %q %v", got, m.prompt.sugg)
	}
	if !strings.Contains(m.View(80, 10), "compute01  compute04") {
		t.Fatalf("suggestions not shown:\n%s", m.View(80, 10))
	}
	typeText(m, "4")
	key(m, "tab")
	typeText(m, "}")
	if got := m.prompt.value(); got != `{host="compute04"}` {
		t.Fatalf("value completion %q", got)
	}
	key(m, "enter")
	if m.Capturing() || m.Query() != `{host="compute04"}` {
		t.Fatalf("enter: capturing=%v query %q", m.Capturing(), m.Query())
	}
	key(m, "e")
	m.prompt.set(`{host="x"}`)
	key(m, "enter")
	key(m, "e")
	key(m, "up")
	key(m, "up")
	if got := m.prompt.value(); got != `{host="compute04"}` {
		t.Fatalf("history up twice %q", got)
	}
	key(m, "down")
	key(m, "down")
	key(m, "esc")
	if m.Capturing() || m.Query() != `{host="x"}` {
		t.Fatal("esc did not cancel")
	}
	// Presets complete host/container values; shorthands become LogQL.
	key(m, "e")
	m.prompt.set("host:compute04 container:nova_")
	key(m, "tab") // container values not loaded yet (no source): loading
	m.Update(valuesMsg{name: "container", values: []string{"nova_api", "nova_compute"}})
	if !strings.Contains(m.View(80, 10), "nova_api  nova_compute") {
		t.Fatalf("container presets not listed:\n%s", m.View(80, 10))
	}
	typeText(m, "a")
	key(m, "tab")
	if got := m.prompt.value(); got != "host:compute04 container:nova_api" {
		t.Fatalf("preset completion %q", got)
	}
	m.prompt.set("container:nova_api")
	key(m, "enter")
	if m.Query() != `{container="nova_api"}` {
		t.Fatalf("shorthand -> %q", m.Query())
	}
	// Pasted control characters never enter the query.
	key(m, "e")
	m.prompt.insert("a\x1b[2Jb\x07")
	if strings.ContainsAny(m.prompt.value(), "\x1b\x07") {
		t.Fatalf("control characters in prompt %q", m.prompt.value())
	}
}

func TestSaveIsALocalAction(t *testing.T) {
	dir := t.TempDir()
	m := newTest(Options{SaveDir: dir})
	m.AppendEntries(sampleEntries(3)...)
	m.AppendEntries(loki.Entry{TS: 99, Stream: computeLabels, Line: "evil \x1b]52;c;x\a"})
	msg := key(m, "ctrl+s")()
	ra, ok := msg.(pane.RunActionMsg)
	if !ok || ra.Action.Mutates || ra.Action.Name != "save-logs" {
		t.Fatalf("save -> %+v", msg)
	}
	res, err := ra.Action.Run(context.Background(), func(pane.Progress) {})
	if err != nil || !strings.Contains(res, "saved 4 lines") {
		t.Fatalf("%q %v", res, err)
	}
	b, err := os.ReadFile(ra.Action.Target)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 5 || strings.Contains(string(b), "\x1b") || !strings.Contains(string(b), "Rebooting instance") {
		t.Fatalf("saved file:\n%s", b)
	}
}

// With a "/" filter, j/k/g move between shown lines only, and a new
// matching line arriving while paused is counted.
func TestFilterMovesOverShownLines(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(20)...)
	m.SetFilter("Lost connection")
	key(m, "k")
	key(m, "k")
	if l, _ := m.buf.at(m.cursor); !strings.Contains(l.text, "Lost connection") {
		t.Fatalf("k k landed on a hidden line: %q", l.text)
	}
	key(m, "g")
	if l, _ := m.buf.at(m.cursor); !strings.Contains(l.text, "Lost connection") || m.cursor == m.buf.first() {
		t.Fatalf("g landed on %d %q", m.cursor, l.text)
	}
	before := m.matches
	m.AppendEntries(sampleEntries(20)...)
	if m.matches <= before {
		t.Fatalf("matches %d after more lines, was %d", m.matches, before)
	}
	v := ansi.Strip(m.View(120, 20))
	for _, l := range strings.Split(v, "\n")[1:] {
		if strings.Contains(l, " INF ") || strings.Contains(l, " DBG ") {
			t.Fatalf("hidden line shown: %q\n%s", l, v)
		}
	}
}

func TestSearchJumps(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(20)...)
	m.SetFilter("Lost connection")
	key(m, "N")
	if l, _ := m.buf.at(m.cursor); m.Following() || !strings.Contains(l.text, "line 17") {
		t.Fatalf("N -> %q", l.text)
	}
	key(m, "N")
	if l, _ := m.buf.at(m.cursor); !strings.Contains(l.text, "line 12") {
		t.Fatalf("N N -> %q", l.text)
	}
	key(m, "n")
	if l, _ := m.buf.at(m.cursor); !strings.Contains(l.text, "line 17") {
		t.Fatalf("n -> %q", l.text)
	}
}

// runCmd executes a command, expanding batches, and feeds results back
// until want() holds.
func runUntil(t *testing.T, m *Model, cmd tea.Cmd, want func() bool) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	deadline := time.Now().Add(30 * time.Second)
	for len(queue) > 0 && !want() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	if !want() {
		t.Fatal("condition never held")
	}
}

func TestAgainstDemoLoki(t *testing.T) {
	cloud, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	cfg := cloud.Config()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	sc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: -1})
	c, err := loki.New(loki.Options{URL: cfg.Loki.URL, HTTP: hc, Stream: sc})
	if err != nil {
		t.Fatal(err)
	}
	m := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}, c, Options{Location: time.UTC, Backfill: 300})
	defer m.Close()
	runUntil(t, m, m.Init(), func() bool { return m.Lines() >= 300 && m.sub != nil && len(m.labels) > 0 })
	if m.Status().Err != nil || m.Status().Loading {
		t.Fatalf("status %+v", m.Status())
	}
	// Pivot on a line's request ID: every line of the result carries it.
	var reqID string
	for s := m.buf.last(); s >= m.buf.first() && reqID == ""; s-- {
		l, _ := m.buf.at(s)
		if strings.Contains(l.text, "Rebooting instance") {
			reqID = requestID(l.text)
		}
	}
	if reqID == "" {
		t.Skip("no reboot trail in the backfill window")
	}
	runUntil(t, m, m.Pivot("req:"+reqID), func() bool { return m.sub != nil && m.Lines() >= 2 })
	containers := map[string]bool{}
	for s := m.buf.first(); s <= m.buf.last(); s++ {
		l, _ := m.buf.at(s)
		if !strings.Contains(l.text, reqID) {
			t.Fatalf("pivot result without the request ID: %q", l.text)
		}
		containers[l.labels.Get("container")] = true
	}
	if !containers["nova_api"] || !containers["nova_compute"] {
		t.Fatalf("request trail covers %v", containers)
	}
	// Bad LogQL shows Loki's own error text.
	runUntil(t, m, m.SetQuery(`{host="compute01"`), func() bool { return m.Status().Err != nil })
	if !strings.Contains(m.Status().Err.Error(), "parse error") || !strings.Contains(m.View(120, 10), "parse error") {
		t.Fatalf("err %v", m.Status().Err)
	}
	if len(cloud.Mutations()) != 0 {
		t.Fatalf("read-only logs pane sent %+v", cloud.Mutations())
	}
}

func TestRetriesWhenLokiIsUnreachable(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Second})
	c, _ := loki.New(loki.Options{URL: "http://127.0.0.1:1", HTTP: hc})
	m := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}, c, Options{})
	runUntil(t, m, m.SetQuery(`{host="compute01"}`), func() bool { return m.Status().Err != nil })
	if !strings.Contains(m.View(100, 5), "✗") || m.Status().Loading {
		t.Fatalf("error not shown:\n%s", m.View(100, 5))
	}
	// The header must not claim FOLLOW when nothing is running.
	if h := strings.SplitN(m.View(100, 5), "\n", 2)[0]; strings.Contains(h, "FOLLOW") || !strings.Contains(h, "✗ FAILED: Loki unreachable") {
		t.Fatalf("header of a failed query: %q", h)
	}
	if _, cmd := m.Update(pane.TickMsg(m.updated.Add(time.Second))); cmd != nil {
		t.Fatal("retried before the refresh interval")
	}
	if _, cmd := m.Update(pane.TickMsg(m.updated.Add(11 * time.Second))); cmd == nil || !m.Status().Loading {
		t.Fatal("no retry after the refresh interval")
	}
	// A query Loki rejected is not retried.
	m.loading, m.err = false, &loki.Error{Status: 400, Body: "parse error"}
	if h := strings.SplitN(m.View(100, 5), "\n", 2)[0]; strings.Contains(h, "FOLLOW") || !strings.Contains(h, "✗ FAILED: LogQL rejected") {
		t.Fatalf("header of a rejected query: %q", h)
	}
	// A follower that stopped (Loki rejected it mid-way) says so.
	m.err = nil
	m.ApplyBatch(loki.Batch{FollowStatus: loki.FollowStatus{Mode: loki.ModeStopped, Note: "stopped: too many outstanding requests"}})
	if h := strings.SplitN(m.View(100, 5), "\n", 2)[0]; strings.Contains(h, "FOLLOW") || !strings.Contains(h, "‖ STOPPED") {
		t.Fatalf("header of a stopped follower: %q", h)
	}
	// A follower whose polls fail (Loki went away after the start) retries.
	m.ApplyBatch(loki.Batch{FollowStatus: loki.FollowStatus{Mode: loki.ModePolling, Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}})
	if h := strings.SplitN(m.View(100, 5), "\n", 2)[0]; strings.Contains(h, "FOLLOW") || !strings.Contains(h, "✗ RETRYING: Loki unreachable") {
		t.Fatalf("header of a failing follower: %q", h)
	}
	if _, cmd := m.Update(pane.TickMsg(m.updated.Add(time.Hour))); cmd != nil {
		t.Fatal("retried a rejected query")
	}
}

func BenchmarkLogViewRender100k(b *testing.B) {
	m := newTest(Options{BufferLines: 100000})
	es := sampleEntries(100000)
	m.AppendEntries(es...)
	m.SetFilter("compute04")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View(200, 60)
	}
}

// A "/" filter that matches one line in 100k: a frame walks hidden lines
// by a flag per line, it never re-matches the buffer.
func BenchmarkLogViewRenderSparseFilter100k(b *testing.B) {
	m := newTest(Options{BufferLines: 100000})
	es := sampleEntries(100000)
	es[10].Line = "2026-11-22 12:00:05.000 7 INFO nova.compute.manager [-] needle-in-the-haystack"
	m.AppendEntries(es...)
	m.SetFilter("needle-in-the-haystack")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View(200, 60)
	}
}

func BenchmarkRingAppend(b *testing.B) {
	m := newTest(Options{})
	es := sampleEntries(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.appendEntry(es[i%len(es)])
	}
}

// BenchmarkBufferMemory100k reports the heap a full buffer of 100,000
// realistic lines holds (the default before DefaultBufferLines).
func BenchmarkBufferMemory100k(b *testing.B) { benchBufferMemory(b, 100000) }

// BenchmarkBufferMemoryDefault: the same for a full default buffer (the
// pane's share of RSS once it has run a while).
func BenchmarkBufferMemoryDefault(b *testing.B) { benchBufferMemory(b, 0) }

// benchBufferMemory fills a buffer of n lines (0: the default) and reports
// the heap it keeps.
func benchBufferMemory(b *testing.B, n int) {
	es := sampleEntries(1000)
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := newTest(Options{BufferLines: n})
		for j := 0; j < m.o.BufferLines; j++ {
			e := es[j%len(es)]
			e.Line = strings.Clone(e.Line) // own copy, as decoded lines are
			m.appendEntry(e)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(m)
	}
}

// BenchmarkKeyWhileFollowing is one key press plus the frame it causes,
// with a full buffer and a search active (UI key response).
func BenchmarkKeyWhileFollowing(b *testing.B) {
	m := newTest(Options{BufferLines: 100000})
	m.AppendEntries(sampleEntries(100000)...)
	m.SetFilter("compute04")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key(m, "k")
		_ = m.View(200, 60)
		key(m, "G")
	}
}

// With no save directory the file lands in the working directory, and the
// result names it by its absolute path (a bare file name does not say where
// it went).
func TestSaveNamesTheAbsolutePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(2)...)
	ra, ok := key(m, "ctrl+s")().(pane.RunActionMsg)
	if !ok {
		t.Fatal("no action")
	}
	res, err := ra.Action.Run(context.Background(), func(pane.Progress) {})
	if err != nil || !filepath.IsAbs(ra.Action.Target) || !strings.Contains(res, dir+string(filepath.Separator)+"stackpit-logs-") {
		t.Fatalf("target %q result %q err %v", ra.Action.Target, res, err)
	}
	if _, err := os.Stat(ra.Action.Target); err != nil {
		t.Fatal(err)
	}
}

// The status age of a live tail is "now" while the tail is connected, even
// if the query is quiet; once the follower polls (or fails) the age is that
// of its last answer.
func TestQuietLiveTailIsNotStale(t *testing.T) {
	m := newTest(Options{})
	m.loading = false
	m.ApplyBatch(loki.Batch{FollowStatus: loki.FollowStatus{Mode: loki.ModeTail, Note: "tail", Updated: t0}})
	if st := m.Status(); !st.Updated.Equal(t0.Add(5*time.Minute)) || st.Err != nil {
		t.Fatalf("connected tail, no lines for 5 min: %+v", st)
	}
	m.ApplyBatch(loki.Batch{FollowStatus: loki.FollowStatus{Mode: loki.ModePolling, Note: "polling: tail failed", Updated: t0}})
	if st := m.Status(); !st.Updated.Equal(t0) {
		t.Fatalf("polling: age must come from the last poll: %+v", st)
	}
	m.ApplyBatch(loki.Batch{FollowStatus: loki.FollowStatus{Mode: loki.ModeTail, Note: "tail", Err: errors.New("connection reset"), Updated: t0}})
	if st := m.Status(); !st.Updated.Equal(t0) || st.Err == nil {
		t.Fatalf("tail with an error: %+v", st)
	}
}

// Wrapped continuation rows are indented: without colour, the start of
// each log line must stay visible.
func TestWrapIndentsContinuationRows(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(3)...)
	key(m, "w")
	rows := strings.Split(ansi.Strip(m.View(60, 15)), "\n")
	starts, conts := 0, 0
	for _, r := range rows[1 : len(rows)-1] {
		switch {
		case strings.HasPrefix(r, "12:"):
			starts++
		case strings.HasPrefix(r, "  ") && strings.TrimSpace(r) != "":
			conts++
		case strings.TrimSpace(r) != "":
			t.Fatalf("wrapped row neither a line start nor indented: %q", r)
		}
	}
	if starts != 3 || conts == 0 {
		t.Fatalf("%d line starts, %d continuation rows:\n%s", starts, conts, strings.Join(rows, "\n"))
	}
}

// No line is lost or reordered while the ring grows (a quarter at a
// time) and wraps, also after a reset part way through growing (review
// of rss1k4).
func TestRingOrderThroughGrowthAndWrap(t *testing.T) {
	for _, max := range []int{1, 2, 3, 4095, 4096, 4097, 5000, 5121, 6403, 20000} {
		for _, resetAt := range []int{-1, 4097, 6000} {
			r := newRing(max)
			var base int64
			for i := 0; i < 3*max+7; i++ {
				if i == resetAt {
					r.reset()
					base = r.total
				}
				r.append(line{ts: r.total}, max)
				if cap(r.buf) > max {
					t.Fatalf("max %d: room %d", max, cap(r.buf))
				}
				held := int(r.total - base)
				if want := min(held, max); r.n != want {
					t.Fatalf("max %d reset %d after %d: %d held, want %d", max, resetAt, i, r.n, want)
				}
				if i%997 != 0 && i < 3*max+6 {
					continue
				}
				for s := r.first(); s <= r.last(); s++ {
					l, ok := r.at(s)
					if !ok || l.ts != s {
						t.Fatalf("max %d reset %d after %d: seq %d gives %v %v", max, resetAt, i, s, l, ok)
					}
				}
			}
		}
	}
}

// reset drops the old query's lines: they were kept reachable in the
// buffer's room until overwritten (review of rss1k4).
func TestRingResetDropsOldLines(t *testing.T) {
	r := newRing(10)
	for i := range 10 {
		r.append(line{ts: int64(i), text: "old query's line"}, 10)
	}
	r.reset()
	r.append(line{text: "new"}, 10)
	for i, l := range r.buf[:cap(r.buf)] {
		if l.text == "old query's line" {
			t.Fatalf("slot %d still holds an old line after reset", i)
		}
	}
}
