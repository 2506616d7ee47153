package volumes

import (
	"slices"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ui/table"
)

// firstRows is the first list's rows, built and sorted by the load's
// tea.Cmd: at 50,000 volumes building them in Update held the UI
// goroutine 200-550 ms, so keystrokes waited (issue 15).
type firstRows struct {
	rows  []*row // in the pane's order (compareRows)
	byID  map[string]*row
	refs  map[string]int
	share map[sharedKey]*shared
	drawn *drawn // the rows' ages are as of the load's start
	timed []*row
	opts  Options
	// What Update made of them at 62,500 volumes (the 1,000-host demo),
	// allocating 4-6 MB there while the first load's collection ran, so
	// its assists held a key 18 ms (issue 15): the table's rows when no
	// filter hides any, the header's counts, the attached servers' IDs.
	table        []table.Row
	nStuck, nErr int
	ids          []string
}

// prebuild builds the rows of a first list off the UI goroutine, as merge
// would into an empty pane (nil when the list names a volume twice: merge
// then decides).
func prebuild(vols []openstack.Volume, now time.Time, names, projects map[string]string, opts Options) *firstRows {
	b := &Pane{names: names, projects: projects, opts: opts, drawn: &drawn{at: now, names: names}}
	f := &firstRows{rows: make([]*row, 0, len(vols)), byID: make(map[string]*row, len(vols)), opts: opts}
	for i := range vols {
		if f.byID[vols[i].ID] != nil {
			return nil
		}
		r := b.newRow(&vols[i], now)
		f.byID[r.v.ID] = r
		f.rows = append(f.rows, r)
	}
	slices.SortFunc(f.rows, compareRows)
	f.refs, f.drawn, f.timed, f.share = b.refs, b.drawn, b.timed, b.shares
	f.table = make([]table.Row, len(f.rows))
	for i, r := range f.rows {
		f.table[i] = r.tableRow()
	}
	b.rows = f.rows
	b.recount()
	f.nStuck, f.nErr = b.nStuck, b.nErr
	f.ids = b.refIDs()
	return f
}

// takeFirst takes a prebuilt first list into an empty pane; false: merge.
func (p *Pane) takeFirst(m loadedMsg) bool {
	f := m.first
	if f == nil || p.byID != nil || len(p.rows) > 0 || f.opts != p.opts || len(f.rows) != len(m.list.Volumes) ||
		!sameMap(f.drawn.names, m.names) { // defensive: load builds both from one map today
		return false
	}
	p.names, p.projects = m.names, m.projects
	p.byID, p.rows, p.refs, p.shares = f.byID, f.rows, f.refs, f.share
	p.drawn, p.timed = f.drawn, f.timed // the pane is empty: no row has its clock
	listed := p.ctx.Now().UnixNano()    // in Update: after the list was taken
	for _, r := range p.rows {
		r.listed = listed
	}
	p.ids, p.idsStale = f.ids, false
	p.built += len(f.rows)
	p.nStuck, p.nErr = f.nStuck, f.nErr
	if p.allVisible() {
		p.tbl.SetRows(f.table) // apply's rows
	} else {
		p.apply()
	}
	return true
}
