package logs

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/loki"
)

// Columns: time, host, container, level, request ID, then the message
// without the oslo head the columns already show; narrower screens give up
// columns so that message text stays visible.
func TestColumnsLeaveRoomForTheMessage(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(60)...)
	wide := ansi.Strip(m.View(120, 40))
	if !strings.Contains(wide, "compute04 nova_compute   INF "+req+" ") {
		t.Errorf("120 columns: no request ID column:\n%s", wide)
	}
	if strings.Contains(wide, "2026-11-22") || strings.Contains(wide, " 11 ERROR ") {
		t.Errorf("120 columns: the oslo head repeats the time and level columns:\n%s", wide)
	}
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		v := ansi.Strip(m.View(sz[0], sz[1]))
		if !strings.Contains(v, "ERR") || !strings.Contains(v, "Lost connect") || !strings.Contains(v, "Seems service") {
			t.Errorf("%dx%d: no message text:\n%s", sz[0], sz[1], v)
		}
	}
	// The toggles still take columns away.
	key(m, "t")
	key(m, "L")
	if v := ansi.Strip(m.View(60, 15)); strings.Contains(v, "12:00") || strings.Contains(v, "compute04 nova") {
		t.Errorf("time/labels hidden yet shown:\n%s", v)
	}
}

var idRE = regexp.MustCompile(`(?:req-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Wrapping breaks between words: a request ID or UUID is never split
// across rows.
func TestWrapNeverSplitsIDs(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(10)...)
	m.wrap = true
	for _, w := range []int{120, 80, 60, 47, 45} {
		v := ansi.Strip(m.View(w, 60))
		whole := len(idRE.FindAllString(v, -1))
		if whole < 8 {
			t.Errorf("width %d: %d whole IDs:\n%s", w, whole, v)
		}
		// Every row ending in a piece of an ID would be a split.
		for _, row := range strings.Split(v, "\n") {
			row = strings.TrimRight(row, " ")
			if regexp.MustCompile(`(req-|[0-9a-f]{8}-)[0-9a-f-]*$`).MatchString(row) && !idRE.MatchString(row[max(len(row)-40, 0):]) {
				t.Errorf("width %d: ID split at row end: %q", w, row)
			}
		}
	}
}

// "/" takes the field terms of every other pane plus free text; the footer
// says it finds, and n/N bring the match row into view.
func TestFindByFieldTerms(t *testing.T) {
	m := newTest(Options{})
	m.AppendEntries(sampleEntries(60)...)
	for q, want := range map[string]int{
		"host:compute04":                     24,
		"container:nova_conductor level:err": 12,
		"level:warn":                         12,
		"req:" + req[:12]:                    24,
		"host:control02 POST":                12,
		"host:compute04 !periodic":           12,
		"container:nope":                     0,
	} {
		m.SetFilter(q)
		if m.matches != want {
			t.Errorf("%q: %d matches, want %d", q, m.matches, want)
		}
	}
	// One line far up the buffer, from another host.
	es := sampleEntries(200)
	es[20].Stream = loki.NewLabels(map[string]string{"host": "compute09", "container": "nova_compute"})
	es[20].Line = "2026-11-22 12:00:05.000 7 INFO nova.compute.manager [-] the one to find"
	m = newTest(Options{})
	m.AppendEntries(es...)
	m.View(120, 40)
	m.SetFilter("host:compute09")
	v := ansi.Strip(m.View(120, 40))
	// "/" filters: the one matching line is on screen, nothing else is.
	if m.matches != 1 || !strings.Contains(v, "filter host:compute09: 1 of 200 lines") || !strings.Contains(v, "the one to find") ||
		strings.Contains(v, "compute04") {
		t.Fatalf("filter: matches %d:\n%s", m.matches, v)
	}
	// o shows every line again with the match highlighted in context:
	// it is far up the buffer, off screen until N brings it into view.
	key(m, "&")
	v = ansi.Strip(m.View(120, 40))
	if !strings.Contains(v, "showing all lines): 1 matching lines highlighted") || strings.Contains(v, "the one to find") {
		t.Fatalf("show all:\n%s", v)
	}
	key(m, "N")
	v = ansi.Strip(m.View(120, 40))
	if !strings.Contains(v, "the one to find") || m.cursor != 20 {
		t.Fatalf("N: cursor %d, match not on screen:\n%s", m.cursor, v)
	}
	// From above it, n comes back down to it.
	m.cursor, m.bottom = 0, 30
	key(m, "n")
	if v := ansi.Strip(m.View(80, 24)); !strings.Contains(v, "the one to find") {
		t.Fatalf("n: match not on screen:\n%s", v)
	}
	m.wrap = true
	m.cursor, m.bottom = 190, 199
	key(m, "N")
	if v := ansi.Strip(m.View(60, 15)); !strings.Contains(v, "the one to") {
		t.Fatalf("wrap N: match not on screen:\n%s", v)
	}
	_ = fmt.Sprint
	_ = time.Second
}
