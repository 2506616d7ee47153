package ui

// Output bandwidth over a slow SSH link: the real Bubble Tea program renders
// the shell with a 50,000-row table into a byte counter. Reported, per
// benchmark run: bytes of the first frame, bytes written while idle
// (extrapolated to a minute), and bytes written when one visible row changes.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

type countingWriter struct {
	n   atomic.Int64
	mu  sync.Mutex
	log []byte
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.log = append(c.log, p...)
	c.mu.Unlock()
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// tablePane is a pane over a big table; setRowMsg changes one row.
type tablePane struct {
	mu  sync.Mutex
	tbl *table.Model
	th  *themes.Theme
	upd time.Time
}

type setRowMsg struct{ i int }

func newTablePane(n int, th *themes.Theme, now time.Time) *tablePane {
	t := table.New(table.Column{Title: "NAME", Min: 20}, table.Column{Title: "STATUS", Width: 10}, table.Column{Title: "HOST", Width: 10})
	rows := make([]table.Row, n)
	for i := range rows {
		rows[i] = table.Row{Key: fmt.Sprint(i), Cells: []table.Cell{table.C(fmt.Sprintf("vm-%05d", i)), table.C("ACTIVE"), table.C(fmt.Sprintf("compute%02d", i%6+1))}}
	}
	t.SetRows(rows)
	return &tablePane{tbl: t, th: th, upd: now}
}

func (p *tablePane) ID() string          { return "big" }
func (p *tablePane) Title() string       { return "Big" }
func (p *tablePane) KeyGroups() []string { return []string{"table"} }
func (p *tablePane) Init() tea.Cmd       { return nil }
func (p *tablePane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	if m, ok := msg.(setRowMsg); ok {
		rows := p.tbl.Rows()
		r := rows[m.i]
		r.Cells = []table.Cell{r.Cells[0], table.C("ERROR"), r.Cells[2]}
		rows[m.i] = r
		p.tbl.SetRows(rows)
	}
	return p, nil
}
func (p *tablePane) View(w, h int) string { return p.tbl.View(w, h, p.th) }
func (p *tablePane) SetFilter(string)     {}
func (p *tablePane) Status() pane.Status  { return pane.Status{Updated: p.upd} }
func (p *tablePane) Capturing() bool      { return false }

func BenchmarkOutputBytes(b *testing.B) {
	for i := 0; i < b.N; i++ {
		first, idlePerMin, rowUpdate := measureOutput(b, 50000)
		b.ReportMetric(float64(first), "bytes/first-frame")
		b.ReportMetric(float64(idlePerMin), "bytes/idle-minute")
		b.ReportMetric(float64(rowUpdate), "bytes/one-row-update")
	}
}

var idleBytes string

func measureOutput(tb testing.TB, rows int) (first, idlePerMin, rowUpdate int64) {
	// A fixed clock inside one minute, so the header does not change.
	now := time.Date(2026, 11, 22, 12, 0, 5, 0, time.UTC)
	th := themes.Default(false)
	p := newTablePane(rows, th, now)
	m := New(Options{Panes: []Entry{{ID: "big", Title: "Big", Pane: p}},
		Ctx:    pane.Context{Theme: th, Keys: keymap.Defaults(), Now: func() time.Time { return now }},
		Header: Header{Cloud: "bench", Region: "r1", User: "u"}, Clock: func() time.Time { return now }})
	out := &countingWriter{}
	prog := tea.NewProgram(m, tea.WithOutput(out), tea.WithInput(nil), tea.WithWindowSize(120, 40),
		tea.WithColorProfile(colorprofile.ANSI256), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = prog.Run(); close(done) }()
	// settle waits until nothing has been written for 300 ms.
	settle := func() int64 {
		last, quiet := out.n.Load(), 0
		for quiet < 6 {
			time.Sleep(50 * time.Millisecond)
			if n := out.n.Load(); n == last {
				quiet++
			} else {
				last, quiet = n, 0
			}
		}
		return last
	}
	time.Sleep(500 * time.Millisecond)
	first = settle()
	start := out.n.Load()
	const idle = 3 * time.Second // three clock ticks, nothing changes
	time.Sleep(idle)
	idlePerMin = (out.n.Load() - start) * int64(time.Minute/idle)
	out.mu.Lock()
	idleBytes = string(out.log[start:])
	out.mu.Unlock()
	before := settle()
	prog.Send(setRowMsg{i: 3}) // a visible row changes
	rowUpdate = settle() - before
	prog.Quit()
	<-done
	return first, idlePerMin, rowUpdate
}

func TestQuietOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of wall time")
	}
	first, idle, row := measureOutput(t, 50000)
	t.Logf("first frame %d B, idle %d B/min, one-row update %d B; idle wrote %q", first, idle, row, idleBytes)
	if idle != 0 {
		t.Errorf("idle screen wrote %d bytes/min; want 0", idle)
	}
	if row == 0 || row > first/4 {
		t.Errorf("one-row update wrote %d bytes (first frame %d): want a small fraction", row, first)
	}
}
