package controlplane

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/galera"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// The Galera section: one row per node, worst first; above the table the
// cluster's own problems (size below the expected count, a split) and each
// node's longest running statement.

type galeraMsg struct {
	cl galera.Cluster
	at time.Time
}

func galeraTable() *table.Model {
	return table.New(
		table.Column{Title: "NODE", Width: 14},
		table.Column{Title: "STATE", Width: 16},
		table.Column{Title: "SIZE", Width: 4, Right: true},
		table.Column{Title: "READY", Width: 5},
		table.Column{Title: "FC%", Width: 5, Right: true, HideBelow: 70},
		table.Column{Title: "RECVQ", Width: 6, Right: true, HideBelow: 80},
		table.Column{Title: "SENDQ", Width: 6, Right: true, HideBelow: 90},
		table.Column{Title: "CONNS", Width: 9, Right: true, HideBelow: 60},
		table.Column{Title: "PROBLEMS", Min: 10},
	)
}

func loadGalera(src GaleraSource) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		return galeraMsg{cl: src.Read(ctx), at: age.At(time.Now())}
	}
}

// galeraLoaded keeps the read and publishes it to the host model. The
// section fails as a whole only when no node answered.
func (p *Pane) galeraLoaded(m galeraMsg) tea.Cmd {
	pt := p.parts[pGalera]
	pt.loading = false
	pt.err = nil
	allFailed := len(m.cl.Nodes) > 0
	for _, n := range m.cl.Nodes {
		allFailed = allFailed && n.Err != nil
	}
	if allFailed {
		pt.err = m.cl.Nodes[0].Err
	}
	p.galera, pt.updated, pt.loaded = m.cl, m.at, true
	p.rebuildSoon(p.makeGalera)
	o := hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Galera, At: m.at, Facts: hostmodel.FromGalera(m.cl)}
	if allFailed {
		o = hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Galera, Err: pt.err}
	}
	return p.ctx.Observe(o)
}

func galeraRole(s galera.Severity) themes.Role {
	switch s {
	case galera.Crit:
		return themes.Crit
	case galera.Warn:
		return themes.Warn
	}
	return themes.OK
}

func (p *Pane) galeraRows() []table.Row {
	var bySev [3][]table.Row // worst first
	for _, n := range p.galera.Nodes {
		ps := n.Problems()
		var texts []string
		for _, pr := range ps {
			// the STATE column shows the state already
			texts = append(texts, strings.TrimPrefix(pr.Text, n.LocalState+", "))
		}
		probs := strings.Join(texts, "; ")
		if probs == "" {
			probs = "ok"
		}
		var ge *galera.Error
		if errors.As(n.Err, &ge) {
			probs = ge.Msg // the row names the node already
		}
		if !p.match(n.Host+" "+n.Address+" "+n.LocalState+" "+probs, n.Host) {
			continue
		}
		sev := galera.Worst(ps)
		r := table.Row{Key: "galera:" + n.Host, Role: galeraRole(sev)}
		if n.Err != nil {
			r.Cells = []table.Cell{table.C(safe.Text(n.Host)), table.C("✗ unreadable"), table.C("-"), table.C("-"),
				table.C("-"), table.C("-"), table.C("-"), table.C("-"), table.C(safe.Text(probs))}
		} else {
			state := n.LocalState
			if n.LocalState != "Synced" {
				state = "✗ " + state
			}
			ready := "ON"
			if !n.Ready {
				ready = "✗ OFF"
			}
			size := fmt.Sprint(n.ClusterSize)
			if n.ClusterSize < p.galera.Expected {
				size = fmt.Sprintf("%d/%d", n.ClusterSize, p.galera.Expected)
			}
			r.Cells = []table.Cell{table.C(safe.Text(n.Host)), table.C(safe.Text(state)), table.C(size), table.C(ready),
				table.C(fmt.Sprintf("%.0f", n.FlowControlPaused*100)), table.C(fmt.Sprintf("%.1f", n.RecvQueueAvg)),
				table.C(fmt.Sprintf("%.1f", n.SendQueueAvg)), table.C(used(n.Connections, n.MaxConnections)), table.C(safe.Text(probs))}
		}
		bySev[galera.Crit-sev] = append(bySev[galera.Crit-sev], r)
	}
	return append(append(bySev[0], bySev[1]...), bySev[2]...)
}

// galeraPre: the cluster line, its problems, and each node's longest
// statement (untrusted text, through safe.Text).
func (p *Pane) galeraPre() []string {
	if !p.parts[pGalera].loaded {
		return nil
	}
	var out []string
	name, version := "", ""
	read := 0
	for _, n := range p.galera.Nodes {
		if n.Err != nil {
			continue
		}
		read++
		if name == "" {
			name, version = n.ClusterName, n.Version
		}
	}
	line := fmt.Sprintf("  cluster %s  %d of %d nodes answer, expected size %d", name, read, len(p.galera.Nodes), p.galera.Expected)
	if version != "" {
		line += "  MariaDB " + version
	}
	out = append(out, safe.Text(line))
	for _, pr := range p.galera.Problems() {
		mark := "⚠ "
		if pr.Severity == galera.Crit {
			mark = "✗ "
		}
		out = append(out, "  "+mark+safe.Text(pr.Text))
	}
	for _, n := range p.galera.Nodes {
		q, ok := n.Longest()
		if !ok {
			continue
		}
		info := strings.Join(strings.Fields(q.Info), " ")
		out = append(out, "  longest on "+safe.Text(n.Host)+": "+pane.Age(q.Time)+" "+safe.Text(q.User+" "+q.Command+" "+info))
	}
	return out
}

func (p *Pane) galeraPartLine(pt *part) (themes.Role, string) {
	synced, worst := 0, galera.Worst(p.galera.Problems())
	var bad []string
	for _, n := range p.galera.Nodes {
		if n.Err == nil && n.LocalState == "Synced" {
			synced++
		}
		ps := n.Problems()
		worst = max(worst, galera.Worst(ps))
		if n.Err != nil {
			bad = append(bad, n.Host+" unreadable")
		} else if n.LocalState != "Synced" {
			bad = append(bad, n.Host+" "+n.LocalState)
		}
	}
	for _, pr := range p.galera.Problems() {
		if pr.Severity == galera.Crit {
			bad = append(bad, pr.Text)
		}
	}
	age := pane.FreshAge(p.now().Sub(pt.updated), p.refreshEvery())
	s := fmt.Sprintf("%d/%d nodes Synced", synced, len(p.galera.Nodes))
	if len(bad) > 0 {
		s += ": " + strings.Join(bad, ", ")
	}
	switch worst {
	case galera.Crit:
		return themes.Crit, fmt.Sprintf("✗ %s: %s (%s ago)", pt.name, safe.Text(s), age)
	case galera.Warn:
		return themes.Warn, fmt.Sprintf("⚠ %s: %s (%s ago)", pt.name, safe.Text(s), age)
	}
	return themes.OK, fmt.Sprintf("✓ %s: %s (%s ago)", pt.name, safe.Text(s), age)
}
