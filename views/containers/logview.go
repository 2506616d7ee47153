package containers

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// logView follows `docker logs -f` of one container, for clouds without
// Loki. Lines arrive in batches from a goroutine; the buffer is bounded.
type logView struct {
	id         int64
	src        Source
	host, name string
	ctx        pane.Context
	lines      []docker.LogLine
	max        int
	follow     bool
	wrap       bool
	top        int // first visible line when not following
	lastH      int
	noTime     bool
	err        error
	ended      bool
	cancel     context.CancelFunc
	ch         chan logBatchMsg
}

type logBatchMsg struct {
	id    int64
	lines []docker.LogLine
	err   error
	done  bool
}

var logSeq atomic.Int64

const logBuffer = 5000

func newLogView(src Source, host, name string, ctx pane.Context) *logView {
	return &logView{id: logSeq.Add(1), src: src, host: host, name: name, ctx: ctx, max: logBuffer, follow: true}
}

// start runs the stream in a goroutine that batches lines every 100 ms.
func (l *logView) start() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.ch = make(chan logBatchMsg, 16)
	id, ch, src, host, name := l.id, l.ch, l.src, l.host, l.name
	go func() {
		defer close(ch)
		var pending []docker.LogLine
		last := time.Now()
		flush := func() {
			if len(pending) > 0 {
				select {
				case ch <- logBatchMsg{id: id, lines: pending}:
				case <-ctx.Done():
				}
				pending = nil
			}
			last = time.Now()
		}
		err := src.Logs(ctx, host, name, docker.LogOptions{Tail: 500, Follow: true}, func(ln docker.LogLine) bool {
			pending = append(pending, ln)
			if len(pending) >= 500 || time.Since(last) > 100*time.Millisecond {
				flush()
			}
			return ctx.Err() == nil
		})
		flush()
		if ctx.Err() == nil {
			ch <- logBatchMsg{id: id, err: err, done: true}
		}
	}()
	return l.wait()
}

func (l *logView) wait() tea.Cmd {
	ch := l.ch
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

func (l *logView) close() {
	if l.cancel != nil {
		l.cancel()
	}
}

func (l *logView) add(m logBatchMsg) tea.Cmd {
	if m.done {
		l.ended, l.err = true, m.err
		return nil
	}
	l.lines = append(l.lines, m.lines...)
	if over := len(l.lines) - l.max; over > 0 {
		l.lines = append(l.lines[:0:0], l.lines[over:]...)
		l.top = max(l.top-over, 0)
	}
	return l.wait()
}

func (l *logView) key(s string, km *keymap.Map) tea.Cmd {
	switch {
	case km.Is(s, "table.up"):
		l.pause()
		l.top = max(l.top-1, 0)
	case km.Is(s, "table.down"):
		l.top++
	case km.Is(s, "table.page_up"):
		l.pause()
		l.top = max(l.top-20, 0)
	case km.Is(s, "table.page_down"):
		l.top += 20
	case km.Is(s, "table.top"):
		l.pause()
		l.top = 0
	// The Loki pane's own bindings, so both log views answer the same keys.
	case km.Is(s, "table.bottom"), (km.Is(s, "logs.follow") || km.Is(s, "logs.pause")) && !l.follow:
		l.follow = true
	case km.Is(s, "logs.follow"), km.Is(s, "logs.pause"):
		l.pause()
	case km.Is(s, "logs.wrap"):
		l.wrap = !l.wrap
	case km.Is(s, "logs.timestamps"):
		l.noTime = !l.noTime
	}
	return nil
}

// pause freezes the view where it is (scrolling back pauses following).
func (l *logView) pause() {
	if l.follow {
		l.follow = false
		l.top = max(len(l.lines)-l.lastH, 0)
	}
}

func (l *logView) view(w, h int) string {
	th := l.ctx.Theme
	l.lastH = max(h-1, 1)
	state := th.Render(themes.OK, "● following")
	if !l.follow {
		state = th.Render(themes.Warn, "‖ paused (f resumes)")
	}
	if l.ended {
		state = th.Render(themes.Muted, "■ stream ended")
		if l.err != nil {
			state = th.Render(themes.Crit, "✗ "+safe.Text(l.err.Error()))
		}
	}
	km := l.ctx.Keys
	head := th.Render(themes.Title, "docker logs "+safe.Text(l.host)+"/"+safe.Text(l.name)) + "  " + state +
		th.Render(themes.Muted, "  esc back · "+km.KeysText("logs.follow")+" follow · "+km.KeysText("logs.wrap")+" wrap · "+km.KeysText("logs.timestamps")+" time")
	var rows []string
	for _, ln := range l.lines {
		text := safe.Text(ln.Text)
		if !ln.Time.IsZero() && !l.noTime {
			text = th.Render(themes.Muted, ln.Time.Local().Format("15:04:05")) + " " + text
		}
		if ln.Stream == "stderr" {
			text = th.Render(themes.Warn, "E ") + text
		}
		text = colourLevel(th, text)
		if l.wrap {
			rows = append(rows, strings.Split(safe.Hardwrap(text, w, true), "\n")...)
		} else {
			rows = append(rows, text)
		}
	}
	body := l.lastH
	start := max(len(rows)-body, 0)
	if !l.follow {
		l.top = min(l.top, max(len(rows)-body, 0))
		start = l.top
	}
	end := min(start+body, len(rows))
	out := []string{head}
	out = append(out, rows[start:end]...)
	return strings.Join(out, "\n")
}

func colourLevel(th *themes.Theme, s string) string {
	switch {
	case strings.Contains(s, " ERROR ") || strings.Contains(s, " CRITICAL "):
		return th.Render(themes.Crit, s)
	case strings.Contains(s, " WARNING "):
		return th.Render(themes.Warn, s)
	}
	return s
}
