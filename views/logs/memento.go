package logs

import tea "charm.land/bubbletea/v2"

// Save and Restore let the shell's breadcrumb bring back the query a pivot
// replaced (follow a request ID, then esc returns to the host's logs).
func (m *Model) Save() any { return m.query }

// Restore re-runs a saved query.
func (m *Model) Restore(state any) tea.Cmd {
	q, _ := state.(string)
	if q == "" || q == m.query {
		return nil
	}
	return m.setQuery(q, m.o.Backfill)
}
