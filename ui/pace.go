package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/hostmodel"
)

// The runtime draws the screen (View) after every message. At 1,000 hosts
// the panes' answers and their observations come by the hundred a second
// (a container list, a BMC power read per host, each answer followed by
// its observation), and each drew the whole screen: tabs, strip, the
// pane's rows (issue 15: 44 draws in 100 ms, the UI goroutine busy for a
// quarter of a second while a key waited). A background message within a
// frame of the last draw is drawn with the next frame instead: the frame
// tick draws what all of them changed at once. A key, a resize and every
// other message draw at once, as before.
const frameEvery = 16 * time.Millisecond

// frameMsg draws what background messages changed since the last draw.
type frameMsg struct{}

// pace is the drawing's state.
type pace struct {
	wall    func() time.Time // time.Now (New); tests set it
	drawn   time.Time        // the last View that drew
	last    tea.View
	skip    bool // the next View returns last: a frame tick is pending
	pending bool // a frameMsg is on its way
	draws   int  // tests: Views that drew
}

// background: a message that only brings data (a pane's answer, an
// observation), drawn with the next frame.
func background(msg tea.Msg) bool {
	switch msg.(type) {
	case envelope, hostmodel.Observation:
		return true
	}
	return false
}

// paced decides whether the View after msg draws, and asks for a frame
// tick when it does not.
func (m *Model) paced(msg tea.Msg, cmd tea.Cmd) tea.Cmd {
	p := &m.pace
	if _, ok := msg.(frameMsg); ok {
		p.pending, p.skip = false, false
		return cmd
	}
	since := p.wall().Sub(p.drawn)
	if !background(msg) || p.drawn.IsZero() || since >= frameEvery {
		p.skip = false
		return cmd
	}
	p.skip = true
	if !p.pending {
		p.pending = true
		cmd = tea.Batch(cmd, tea.Tick(frameEvery-since, func(time.Time) tea.Msg { return frameMsg{} }))
	}
	return cmd
}
