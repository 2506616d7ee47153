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

// backgroundEvery paces background draws once the active pane's first
// load is in (during it, its rows are drawn as they come, frameEvery). At
// 1,000 hosts the other panes' answers (a container list per host) moved
// the strip's counts on nearly every frame: a key's frame was followed by
// a background frame every 16 ms for as long as they came, so the screen
// settled 50-110 ms after the key (issue 15). Three frames apart, a key's
// frame is the only one near the key; answers are drawn within 50 ms.
const backgroundEvery = 50 * time.Millisecond

// frameMsg draws what background messages changed since the last draw.
type frameMsg struct{}

// pace is the drawing's state.
type pace struct {
	wall    func() time.Time // time.Now (New); tests set it
	drawn   time.Time        // the last View that drew
	last    tea.View
	skip    bool      // the next View returns last: a frame tick is pending
	behind  bool      // a message changed what the last draw shows
	pending bool      // a frameMsg is on its way
	tickFor time.Time // drawn when the pending frameMsg was asked
	draws   int       // tests: Views that drew
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
	since, every := p.wall().Sub(p.drawn), backgroundEvery
	if m.firstRelease != nil {
		every = frameEvery // the active pane's first load: rows as they come
	}
	if _, ok := msg.(frameMsg); ok {
		p.pending = false
		switch {
		case !p.behind:
			p.skip = true // a key's draw since the tick was asked drew them
			return cmd
		case p.drawn.Equal(p.tickFor) || since >= every:
			p.skip = false
			return cmd
		}
		// A key drew since the tick was asked, and answers came after it:
		// they wait a whole interval from that draw, not a frame after it.
	} else if !background(msg) || p.drawn.IsZero() || since >= every {
		p.skip = false
		return cmd
	}
	p.skip, p.behind = true, true
	if !p.pending {
		p.pending, p.tickFor = true, p.drawn
		cmd = tea.Batch(cmd, tea.Tick(every-since, func(time.Time) tea.Msg { return frameMsg{} }))
	}
	return cmd
}
