package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/hostmodel"
)

// Attention: the shell owns the host model (panes publish Observations,
// the shell applies them here on the UI goroutine), the incident strip
// under the tabs (strip.go) and the tab markers (markers.go) are read
// from it.

// ensureHosts gives a session without a host model (tests) an empty one.
// Panes built with a nil model simply show no conflicts.
func (m *Model) ensureHosts() {
	if m.o.Ctx.Hosts == nil {
		m.o.Ctx.Hosts = hostmodel.New()
	}
}

// hosts is the session's host model (never nil once New ran).
func (m *Model) hosts() *hostmodel.Model { return m.o.Ctx.Hosts }

// observe applies what a pane loaded, then tells every pane so the ones
// that show conflicts rebuild their rows.
func (m *Model) observe(o hostmodel.Observation) tea.Cmd {
	if o.For != nil && o.For != m.hosts() {
		return nil // from a pane of the cloud before a :cloud switch
	}
	m.hosts().Apply(o)
	return m.broadcast(o)
}
