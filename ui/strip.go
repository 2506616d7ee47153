package ui

import (
	"strings"

	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
)

// strip is the one-line incident summary shown on every pane: hosts down,
// firing alerts, Ceph health, dead agents, failing containers, conflicts
// between sources and unreachable backends.
func (m *Model) strip(w int) string {
	s := m.hosts().Summarize()
	type seg struct {
		text string
		role themes.Role
	}
	var segs []seg
	for _, sg := range s.Segments() {
		role := themes.Warn
		if sg.Severity == hostmodel.Crit {
			role = themes.Crit
		}
		segs = append(segs, seg{safe.Text(sg.Text), role})
	}
	var unreach []string
	for i, e := range m.o.Panes {
		if _, u := m.tabMark(i); u {
			unreach = append(unreach, e.ID)
		}
	}
	if len(unreach) > 0 {
		segs = append(segs, seg{"? " + strings.Join(unreach, ", ") + " unreachable", themes.Crit})
	}
	if len(segs) == 0 {
		if !s.Known {
			return fit(m.th.Render(themes.Muted, "… no host data yet"), w)
		}
		return fit(m.th.Render(themes.OK, "✓ no incident")+m.th.Render(themes.Muted, " · hosts, agents, containers and alerts as last loaded"), w)
	}
	lead := markWarn
	for _, sg := range segs {
		if sg.role == themes.Crit {
			lead = markCrit
		}
	}
	parts := make([]string, len(segs))
	for i, sg := range segs {
		parts[i] = m.th.Render(sg.role, sg.text)
	}
	leadRole := themes.Warn
	if lead == markCrit {
		leadRole = themes.Crit
	}
	return fit(m.th.Render(leadRole, lead)+" "+strings.Join(parts, m.th.Render(themes.Muted, " · ")), w)
}
