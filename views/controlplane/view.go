package controlplane

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// View implements pane.Pane: one status line per backend (its own error
// and data age), the section tabs, then the current section.
func (p *Pane) View(width, height int) string {
	if width < 1 || height < 1 {
		return ""
	}
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	if p.seen.Drawn(p.now()) && p.parts[pRabbit].configured {
		p.wantWhole = true // on screen again: RabbitMQ's whole lists at the next tick
	}
	p.fresh() // answers that came while hidden
	var lines []string
	line := func(role themes.Role, s string) {
		lines = append(lines, th.Render(role, safe.Fit(s, width)))
	}
	for _, pt := range p.parts {
		role, s := p.partLine(pt)
		line(role, s)
	}
	var tabs []string
	for s := Section(0); s < numSections; s++ {
		name := s.String()
		if s == p.section {
			name = "[" + name + "]"
		}
		tabs = append(tabs, name)
	}
	line(themes.Header, strings.Join(tabs, "  ")+"   ("+p.ctx.KeyText("controlplane.next_section")+"/"+p.ctx.KeyText("controlplane.prev_section")+": section)")
	var pre []string
	switch p.section {
	case SecHAProxy:
		if p.parts[pHAProxy].loaded {
			for _, s := range APISummary(p.hap) {
				pre = append(pre, "  "+s)
			}
		}
		if p.parts[pVIP].loaded {
			for _, v := range p.vips {
				pre = append(pre, "  VIP "+v.Addr+": "+v.Text())
			}
		}
	case SecConns:
		pre = append(pre, p.connSummary()...)
	case SecGalera:
		pre = append(pre, p.galeraPre()...)
	case SecRabbit:
		if p.parts[pRabbit].loaded {
			o := p.rabbit.Overview
			pre = append(pre, fmt.Sprintf("  cluster %s  RabbitMQ %s  %d queues, %d messages, %d consumers, %d connections",
				o.ClusterName, o.RabbitMQVersion, o.ObjectTotals.Queues, o.QueueTotals.Messages, o.ObjectTotals.Consumers, o.ObjectTotals.Connections))
			if !p.rabbit.Alarms.OK && p.rabbit.Alarms.Name != "" {
				pre = append(pre, "  ✗ alarms: "+p.rabbit.Alarms.Reason)
			}
			parts := make([]string, 0, len(p.rabbit.Errs))
			for part := range p.rabbit.Errs {
				parts = append(parts, part)
			}
			sort.Strings(parts)
			for _, part := range parts {
				pre = append(pre, "  ✗ "+part+": "+p.rabbit.Errs[part].Error())
			}
		}
	}
	body := height - len(lines)
	if len(pre) > body/2 {
		pre = pre[:max(body/2, 0)]
	}
	for _, s := range pre {
		role := themes.Muted
		if strings.Contains(s, "✗") {
			role = themes.Crit
		} else if strings.Contains(s, "⚠") {
			role = themes.Warn
		}
		line(role, safe.Text(s))
	}
	body = height - len(lines)
	if body > 0 {
		lines = append(lines, strings.Split(p.current().View(width, body, th), "\n")...)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// partLine is one backend's state: loaded (with age), loading, failed
// (with the age of what is still shown), or not configured.
func (p *Pane) partLine(pt *part) (themes.Role, string) {
	switch {
	case !pt.configured:
		return themes.Muted, pt.name + ": not configured"
	case pt.err != nil && pt.loaded:
		return themes.Crit, fmt.Sprintf("✗ %s: %s (showing data from %s ago)", pt.name, safe.Text(pt.err.Error()), pane.Age(p.now().Sub(pt.updated)))
	case pt.err != nil:
		return themes.Crit, fmt.Sprintf("✗ %s: %s", pt.name, safe.Text(pt.err.Error()))
	case !pt.loaded:
		return themes.Muted, pt.name + ": loading…"
	case pt == p.parts[pGalera]:
		return p.galeraPartLine(pt)
	}
	return themes.OK, fmt.Sprintf("✓ %s: %s (%s ago)", pt.name, p.partSummary(pt), pane.FreshAge(p.now().Sub(pt.updated), p.refreshEvery()))
}

func (p *Pane) partSummary(pt *part) string {
	switch pt {
	case p.parts[pHAProxy]:
		bad := 0
		n := 0
		for _, b := range p.hap.Backends {
			for _, s := range b.Servers {
				n++
				if !s.Serving() {
					bad++
				}
			}
		}
		return fmt.Sprintf("%d backends, %d servers, %d not serving", len(p.hap.Backends), n, bad)
	case p.parts[pVIP]:
		held, unknown := 0, 0
		for _, v := range p.vips {
			if v.OK() {
				held++
			} else if !v.Known {
				unknown++
			}
		}
		s := fmt.Sprintf("%d VIPs, %d held by one host", len(p.vips), held)
		if bad := len(p.vips) - held - unknown; bad > 0 {
			s += fmt.Sprintf(", ✗ %d held by none or by two", bad)
		}
		if unknown > 0 {
			s += fmt.Sprintf(", %d unknown (no keepalived metrics)", unknown)
		}
		return s
	case p.parts[pRabbit]:
		down := 0
		for _, n := range p.rabbit.Nodes {
			if len(n.Problems()) > 0 {
				down++
			}
		}
		return fmt.Sprintf("%d nodes (%d with problems), %d queues without consumer", len(p.rabbit.Nodes), down, len(rabbitQueuesFlagged(p)))
	}
	up := 0
	for _, m := range p.mc {
		if m.Err == nil {
			up++
		}
	}
	return fmt.Sprintf("%d/%d up", up, len(p.mc))
}

// Hide implements pane.Hider: another pane took the screen.
func (p *Pane) Hide() { p.seen.Hide() }
