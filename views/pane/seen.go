package pane

import "time"

// Seen tells a pane whether it is on screen. The shell draws only the
// active pane, and at least once a second (its clock tick), so a pane
// drawn within the last few seconds is the one on screen. Panes whose
// whole-cloud reads slow down while hidden use it (issue 15: at 1,000
// hosts each whole list was hundreds of kB a cycle, read for panes nobody
// looked at).
type Seen struct{ at time.Time }

// seenWindow is three clock ticks: a frame skipped under load does not
// count as leaving the screen.
const seenWindow = 3 * time.Second

// Drawn records a draw at now. It reports whether the pane has just come
// on screen (it was not drawn within the window before).
func (s *Seen) Drawn(now time.Time) (shown bool) {
	shown = !s.On(now)
	s.at = now
	return shown
}

// On reports whether the pane was drawn within the window before now.
func (s *Seen) On(now time.Time) bool { return !s.at.IsZero() && now.Sub(s.at) < seenWindow }
