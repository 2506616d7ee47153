package snapshot

import (
	"context"
	"fmt"

	"github.com/stackpit/stackpit/hostmodel"
)

// StuckSource reads one area's stuck resources for the snapshot: the
// networks (ports, HA routers), and the volumes and images panes' own
// readers when they add theirs. Each is one finding per resource, and
// reaches the incident line through the host model. The report's checked
// count for the area is how many were found stuck (0: read, none stuck;
// -1: could not be read).
type StuckSource struct {
	Area string // "networks", "volumes", "images": the findings' area
	Read func(context.Context) ([]hostmodel.StuckResource, error)
}

func stuckFindings(area string, rs []hostmodel.StuckResource) []Finding {
	fs := make([]Finding, 0, len(rs))
	for _, r := range rs {
		lvl := Warn
		if r.Severity == hostmodel.Crit {
			lvl = Crit
		}
		what := r.Kind + " " + r.ID
		if r.Name != "" && r.Name != r.ID {
			what = fmt.Sprintf("%s %s (%s)", r.Kind, r.Name, r.ID)
		}
		fs = append(fs, Finding{Level: lvl, Area: area, Host: r.Host, What: what + ": " + r.Status})
	}
	return fs
}
