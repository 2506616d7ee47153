package ceph

import (
	"errors"
	"fmt"
	"strings"

	ds "github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/pane"
)

// View implements pane.Pane: a summary header, the section tabs, then the
// current section, in exactly width x height cells or less.
func (p *Pane) View(width, height int) string {
	if width < 1 || height < 1 {
		return ""
	}
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	if p.seen.Drawn(p.now()) && !p.lastWhole && !p.lastTry.IsZero() {
		p.wantWhole = true // on screen after reads for a hidden pane: a whole one next tick
	}
	var lines []string
	line := func(role themes.Role, s string) {
		lines = append(lines, th.Render(role, safe.Fit(s, width)))
	}
	if p.cl == nil {
		switch {
		case p.err != nil:
			line(themes.Crit, "✗ Ceph: cannot read the cluster status")
			for _, l := range wrap(p.err.Error(), width) {
				line(themes.Normal, l)
			}
			if errors.Is(p.err, ds.ErrAuthFailed) {
				line(themes.Warn, "login not retried (10 failures disable the user): fix the credentials and restart")
			} else {
				line(themes.Muted, fmt.Sprintf("retrying every %s; ctrl+r retries now", p.refreshEvery()))
			}
		case p.src == nil:
			line(themes.Muted, "Ceph: no source configured")
		default:
			line(themes.Muted, "Loading Ceph status…")
		}
		return strings.Join(clip(lines, height), "\n")
	}
	lines = append(lines, p.summary(th, width)...)
	if p.err != nil {
		line(themes.Crit, fmt.Sprintf("✗ refresh failed (showing data from %s ago): %s", pane.Age(p.now().Sub(p.updated)), p.err))
	}
	lines = append(lines, p.tabs(th, width))
	body := height - len(lines)
	if body < 1 {
		return strings.Join(clip(lines, height), "\n")
	}
	var pre []string
	switch p.section {
	case SecPGs:
		pre = p.pgSummary(th, width)
	case SecMons:
		pre = p.monSummary(th, width)
	}
	if len(pre) > body-2 {
		pre = pre[:max(body-2, 0)]
	}
	lines = append(lines, pre...)
	body -= len(pre)
	if body > 0 {
		if p.section == SecHealth {
			// The health list reads like `ceph health detail`: no column
			// header, every line for content.
			v := p.health.View(width, body+1, th)
			if i := strings.IndexByte(v, '\n'); i >= 0 {
				lines = append(lines, v[i+1:])
			}
		} else {
			lines = append(lines, p.current().View(width, body, th))
		}
	}
	return strings.Join(clip(strings.Split(strings.Join(lines, "\n"), "\n"), height), "\n")
}

func clip(lines []string, h int) []string {
	if len(lines) > h {
		return lines[:h]
	}
	return lines
}

// wrap breaks untrusted text into sanitized lines of at most w cells,
// at spaces where it can (at most 6 lines).
func wrap(s string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(safe.Text(s)) {
		for safe.Width(word) > w {
			if line != "" {
				out = append(out, line)
				line = ""
			}
			r := []rune(word)
			out = append(out, string(r[:w]))
			word = string(r[w:])
		}
		switch {
		case line == "":
			line = word
		case safe.Width(line)+1+safe.Width(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	if len(out) > 6 {
		out = append(out[:5], safe.Fit(strings.Join(out[5:], " "), w))
	}
	return out
}

// summary is the always-visible header: status, OSD/PG counts, flags,
// capacity and recovery.
func (p *Pane) summary(th *themes.Theme, width int) []string {
	c := p.cl
	word, role := StatusWord(c.Status)
	up, in := ds.UpIn(c.OSDs)
	s := ds.SummarizePGs(c.PGStates)
	parts := []string{
		fmt.Sprintf("OSDs %d: %d up, %d in", len(c.OSDs), up, in),
		fmt.Sprintf("PGs %d: %d active+clean", s.Total, s.ActiveClean),
	}
	var bad []string
	for _, b := range []struct {
		n    int
		name string
	}{{s.Degraded, "degraded"}, {s.Stale, "stale"}, {s.Inactive, "inactive"}, {s.Recovering, "recovering"}, {s.Backfilling, "backfilling"}} {
		if b.n > 0 {
			bad = append(bad, fmt.Sprintf("%d %s", b.n, b.name))
		}
	}
	if len(bad) > 0 {
		parts[1] += ", " + strings.Join(bad, ", ")
	}
	var flags []string
	for _, f := range c.Flags {
		switch f {
		case "sortbitwise", "recovery_deletes", "purged_snapdirs", "pglog_hardlimit":
		default:
			flags = append(flags, f)
		}
	}
	if len(flags) > 0 {
		// Flags first: short, and the thing an operator must not forget.
		parts = append([]string{"flags " + strings.Join(flags, ",")}, parts...)
	}
	rest := " · " + strings.Join(parts, " · ")
	wordW := safe.Width(word)
	l1 := th.Render(role, safe.Fit(word, width))
	if width > wordW {
		restRole := themes.Normal
		if len(flags) > 0 || len(bad) > 0 {
			restRole = themes.Warn
		}
		l1 += th.Render(restRole, safe.Fit(rest, width-wordW))
	}
	// Line 2: capacity and recovery.
	var l2 []string
	if u := c.Usage; u.TotalBytes > 0 {
		frac := float64(u.UsedBytes) / float64(u.TotalBytes)
		l2 = append(l2, fmt.Sprintf("raw %s of %s", table.Bar(frac, 16), Bytes(u.TotalBytes)))
	}
	if len(c.Progress) > 0 {
		pr := c.Progress[0]
		l2 = append(l2, fmt.Sprintf("recovery %.0f%% (%s)", 100*pr.Fraction, pr.Message))
	} else if c.Objects.Degraded > 0 {
		l2 = append(l2, fmt.Sprintf("%d objects degraded", c.Objects.Degraded))
	}
	l2 = append(l2, fmt.Sprintf("quorum %d/%d", quorum(c), len(c.Mons)))
	l2role := themes.Muted
	if len(c.Progress) > 0 || quorum(c) < len(c.Mons) {
		l2role = themes.Info
	}
	return []string{l1, th.Render(l2role, safe.Fit(strings.Join(l2, " · "), width))}
}

func quorum(c *ds.Cluster) int {
	n := 0
	for _, m := range c.Mons {
		if m.InQuorum {
			n++
		}
	}
	return n
}

func (p *Pane) tabs(th *themes.Theme, width int) string {
	c := p.cl
	counts := []string{fmt.Sprintf("(%d)", len(c.Checks)), fmt.Sprintf("(%d)", len(c.OSDs)), fmt.Sprintf("(%d)", len(c.Pools)),
		fmt.Sprintf("(%d)", c.NumPGs()), fmt.Sprintf("(%d)", len(c.Mons))}
	var b strings.Builder
	used := 0
	for i := Section(0); i < numSections; i++ {
		label := " " + sectionNames[i] + counts[i] + " "
		if width < 60 {
			label = " " + sectionNames[i] + " "
		}
		if i == p.section {
			label = "[" + strings.TrimSpace(label) + "]"
		}
		w := safe.Width(label)
		if used+w > width {
			break
		}
		role := themes.Tab
		if i == p.section {
			role = themes.TabActive
		}
		b.WriteString(th.Render(role, label))
		used += w
	}
	hint := "  " + p.ctx.KeyText("ceph.next_section") + "/" + p.ctx.KeyText("ceph.prev_section") + " section"
	if p.filterText != "" {
		hint = "  filter: " + p.filterText
	}
	if used < width {
		b.WriteString(th.Render(themes.Muted, safe.Fit(hint, width-used)))
	}
	return b.String()
}

func (p *Pane) pgSummary(th *themes.Theme, width int) []string {
	c := p.cl
	s := ds.SummarizePGs(c.PGStates)
	l1 := fmt.Sprintf("active+clean %d/%d (%.0f%%)", s.ActiveClean, s.Total, pct(int64(s.ActiveClean), int64(s.Total)))
	for _, b := range []struct {
		n    int
		name string
	}{{s.Degraded, "degraded"}, {s.Undersized, "undersized"}, {s.Stale, "stale"}, {s.Inactive, "inactive"},
		{s.Down, "down"}, {s.Incomplete, "incomplete"}, {s.Inconsistent, "inconsistent"}, {s.Peering, "peering"},
		{s.Recovering, "recovering"}, {s.Backfilling, "backfilling"}, {s.Remapped, "remapped"}, {s.Unknown, "unknown"}} {
		if b.n > 0 {
			l1 += fmt.Sprintf(" · %s %d", b.name, b.n)
		}
	}
	role := themes.OK
	switch {
	case s.Stale > 0 || s.Inactive > 0 || s.Down > 0:
		role = themes.Crit
	case s.ActiveClean < s.Total:
		role = themes.Warn
	}
	var out []string
	for i, l := range wrap(l1, width) {
		if i < 2 {
			out = append(out, th.Render(role, l))
		}
	}
	if r := recoveryLine(c); r != "" {
		out = append(out, th.Render(themes.Info, safe.Fit(r, width)))
	}
	for _, pr := range c.Progress {
		out = append(out, th.Render(themes.Info, safe.Fit(table.Bar(pr.Fraction, 16)+" "+pr.Message, width)))
	}
	return out
}

func (p *Pane) monSummary(th *themes.Theme, width int) []string {
	c := p.cl
	q := quorum(c)
	var names []string
	for _, m := range c.Mons {
		if m.InQuorum {
			names = append(names, m.Name)
		}
	}
	role := themes.OK
	l1 := fmt.Sprintf("quorum %d/%d: %s", q, len(c.Mons), strings.Join(names, ", "))
	switch {
	case len(c.Mons) > 0 && q*2 <= len(c.Mons):
		role, l1 = themes.Crit, "NO QUORUM ✗ "+l1
	case q < len(c.Mons):
		role = themes.Warn
	}
	mgr := "mgr: active " + c.MgrActive
	if c.MgrActive == "" {
		mgr = "mgr: NO ACTIVE MGR ✗"
	}
	if len(c.MgrStandbys) > 0 {
		mgr += "; standbys " + strings.Join(c.MgrStandbys, ", ")
	} else {
		mgr += "; no standby"
	}
	return []string{th.Render(role, safe.Fit(l1, width)), th.Render(themes.Normal, safe.Fit(mgr, width))}
}

// Hide implements pane.Hider: another pane took the screen.
func (p *Pane) Hide() { p.seen.Hide() }
