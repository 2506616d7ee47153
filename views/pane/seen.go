package pane

import "time"

// Seen tells a pane whether it is on screen. The shell draws only the
// active pane, and at least once a second (its clock tick), so a pane
// drawn within the last few seconds is the one on screen. Panes whose
// whole-cloud reads slow down while hidden use it (issue 15: at 1,000
// hosts each whole list was hundreds of kB a cycle, read for panes nobody
// looked at).
type Seen struct {
	at time.Time
	// stale: rows Defer did not make (the pane was hidden); Fresh makes
	// them before anything reads them.
	stale bool
}

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

// Defer makes a pane's rows now (rebuild) when it is on screen and
// reports true; a hidden pane's are only marked stale, and Fresh makes
// them when it is drawn or they are read (issue 15: at 1,000 hosts hidden
// panes remade thousands of rows on every answer and clock tick). The
// pane's observations for the host model do not wait for this.
func (s *Seen) Defer(now time.Time, rebuild func()) bool {
	if s.On(now) {
		rebuild()
		return true
	}
	s.stale = true
	return false
}

// Hide records that another pane took the screen: the pane is off screen
// now, not when the window runs out (issue 15: at 1,000 hosts a pane left
// a moment ago remade its 1,000-host rows on every answer for three more
// seconds, while the operator pressed keys on another pane).
func (s *Seen) Hide() { s.at = time.Time{} }

// Hider is implemented by panes that read or draw less while hidden: the
// shell calls Hide when another pane takes the screen.
type Hider interface {
	Hide()
}

// Fresh makes the rows (rebuild) if Defer left them stale.
func (s *Seen) Fresh(rebuild func()) {
	if s.stale {
		rebuild()
	}
}

// Stale reports whether Defer left the rows to be made; MarkStale leaves
// them so; Made records that the pane made them.
func (s *Seen) Stale() bool { return s.stale }
func (s *Seen) MarkStale()  { s.stale = true }
func (s *Seen) Made()       { s.stale = false }
