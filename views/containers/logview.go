package containers

import (
	"context"
	"strconv"
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
// Docker ends the stream when the container stops: the view then watches
// the container and, once it runs again, follows the new run below a
// separator, keeping what the old run printed (the lines that explain why
// it stopped are the ones the operator came for).
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
	started    time.Time // the followed run's start (zero: unknown)
	since      time.Time // newest line seen: a reconnect asks from there
	seen       time.Time // a reconnect's stream repeats lines up to here
	waiting    string    // why the view waits for the container ("exited (1)")
	retry      time.Duration
}

// logCheckMsg is the container's state after the stream ended.
type logCheckMsg struct {
	id  int64
	c   docker.Container
	err error
}

type logBatchMsg struct {
	id    int64
	lines []docker.LogLine
	err   error
	done  bool
}

var logSeq atomic.Int64

const logBuffer = 5000

// logRetry is the first wait before looking at a container whose stream
// ended; it doubles up to logRetryMax while the container stays stopped.
var logRetry, logRetryMax = 2 * time.Second, 30 * time.Second

func newLogView(src Source, c docker.Container, ctx pane.Context) *logView {
	return &logView{id: logSeq.Add(1), src: src, host: c.Host, name: c.Name, ctx: ctx, max: logBuffer, follow: true,
		started: c.StartedAt, retry: logRetry}
}

// start runs the stream in a goroutine that batches lines every 100 ms.
func (l *logView) start() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.ch = make(chan logBatchMsg, 16)
	id, ch, src, host, name := l.id, l.ch, l.src, l.host, l.name
	o := docker.LogOptions{Tail: 500, Follow: true}
	if !l.since.IsZero() { // a reconnect: only what came after the last line
		o = docker.LogOptions{Since: l.since, Follow: true}
		l.seen = l.since
	}
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
		err := src.Logs(ctx, host, name, o, func(ln docker.LogLine) bool {
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
		if m.err != nil {
			return nil
		}
		return l.check()
	}
	for _, ln := range m.lines {
		// Docker's since is inclusive: drop what a reconnect sends again.
		if !l.seen.IsZero() && !ln.Time.IsZero() && !ln.Time.After(l.seen) {
			continue
		}
		l.lines = append(l.lines, ln)
		if ln.Time.After(l.since) {
			l.since = ln.Time
		}
	}
	if over := len(l.lines) - l.max; over > 0 {
		l.lines = append(l.lines[:0:0], l.lines[over:]...)
		l.top = max(l.top-over, 0)
	}
	return l.wait()
}

// check looks at the container a while after its stream ended.
func (l *logView) check() tea.Cmd {
	id, src, host, name := l.id, l.src, l.host, l.name
	return tea.Tick(l.retry, func(time.Time) tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := src.Inspect(ctx, host, name)
		return logCheckMsg{id: id, c: c, err: err}
	})
}

// onCheck reconnects to a container that runs again (restarted, or
// started after a stop) and keeps watching one that does not. A container
// still in the same run whose stream ended is left ended: f reconnects.
func (l *logView) onCheck(m logCheckMsg) tea.Cmd {
	c := m.c
	switch {
	case m.err != nil:
		l.waiting = "cannot inspect: " + m.err.Error()
	case c.State == "running" && l.waiting == "" && l.started.IsZero():
		// Opened from a list whose inspect of it failed: no start time to
		// compare with, so not "started again"; this one is the baseline,
		// and the ended stream stays ended (f reconnects).
		l.started = c.StartedAt
		return nil
	case c.State == "running" && (l.waiting != "" || c.StartedAt.After(l.started)):
		when := c.StartedAt
		if when.IsZero() {
			when = l.ctx.Now()
		}
		sep := docker.LogLine{Stream: "separator", Time: when,
			Text: "── " + l.name + " started again at " + when.Local().Format("15:04:05") + " (pid " + itoa(c.Pid) + ") ──"}
		l.lines = append(l.lines, sep)
		l.started, l.waiting, l.ended, l.err, l.retry = c.StartedAt, "", false, nil, logRetry
		return l.start()
	case c.State == "running":
		return nil
	default:
		l.waiting = c.State
		if c.State == "exited" {
			l.waiting += " (" + itoa(c.ExitCode) + ")"
		}
	}
	l.retry = min(2*l.retry, logRetryMax)
	return l.check()
}

func itoa(n int) string { return strconv.Itoa(n) }

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
	case (km.Is(s, "logs.follow") || km.Is(s, "logs.pause")) && l.ended && l.err == nil && l.waiting == "":
		// The stream ended with the container still in the same run:
		// follow it again from the last line.
		l.follow, l.ended = true, false
		return l.start()
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
		state = th.Render(themes.Warn, "‖ paused ("+l.ctx.KeyText("logs.follow")+" resumes)")
	}
	if l.ended {
		state = th.Render(themes.Muted, "■ stream ended ("+l.ctx.Keys.KeysText("logs.follow")+" reconnects)")
		switch {
		case l.err != nil:
			state = th.Render(themes.Crit, "✗ "+safe.Text(l.err.Error()))
		case l.waiting != "":
			state = th.Render(themes.Warn, "■ container "+safe.Text(l.waiting)+": reconnects when it runs again")
		}
	}
	km := l.ctx.Keys
	head := th.Render(themes.Title, "docker logs "+safe.Text(l.host)+"/"+safe.Text(l.name)) + "  " + state +
		th.Render(themes.Muted, "  esc back · "+km.KeysText("logs.follow")+" follow · "+km.KeysText("logs.wrap")+" wrap · "+km.KeysText("logs.timestamps")+" time")
	var rows []string
	for _, ln := range l.lines {
		if ln.Stream == "separator" {
			rows = append(rows, th.Render(themes.Info, safe.Fit(ln.Text, w)))
			continue
		}
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
