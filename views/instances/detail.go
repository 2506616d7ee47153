package instances

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// detail is the instance detail view. Each section loads through its own
// command and shows its own error, so a missing console log does not hide
// the action history.
type detail struct {
	id string

	server        *openstack.Server
	serverErr     error
	serverLoading bool
	// imageName and userName: looked up with the server ("" unknown).
	imageName, userName string

	actions        []openstack.InstanceAction
	actionsErr     error
	actionsLoading bool

	console        string
	consoleErr     error
	consoleLoading bool

	volumes        []openstack.VolumeAttachment
	volumesErr     error
	volumesLoading bool

	migrations        []openstack.Migration
	migrationsErr     error
	migrationsLoading bool

	scroll   int
	height   int
	loadedAt time.Time
	// actSel is the selected action-history entry (in history order,
	// newest first); picked once the operator moved it, before that the
	// newest failed action (with a message) is selected.
	actSel    int
	actPicked bool
}

// history is the action history newest first.
func (d *detail) history() []openstack.InstanceAction {
	acts := append([]openstack.InstanceAction(nil), d.actions...)
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].StartTime.After(acts[j].StartTime) })
	return acts
}

// selectedAction is the action whose request `r` follows.
func (d *detail) selectedAction() (openstack.InstanceAction, int, bool) {
	acts := d.history()
	if len(acts) == 0 {
		return openstack.InstanceAction{}, -1, false
	}
	i := 0
	if d.actPicked {
		i = min(max(d.actSel, 0), len(acts)-1)
	} else {
		for j, a := range acts {
			if a.Message != "" {
				i = j
				break
			}
		}
	}
	return acts[i], i, true
}

// requestKey handles the detail's own keys (group instance_detail): they
// come before the pane's, so `r` there is the request pivot, not a reboot.
func (d *detail) requestKey(p *Pane, k string) (tea.Cmd, bool) {
	switch {
	case p.is(k, "instance_detail.request"):
		a, _, ok := d.selectedAction()
		if !ok || a.RequestID == "" {
			return pane.Toast(themes.Warn, "no action with a request ID in the history"), true
		}
		return pane.Pivot("logs", "req:"+a.RequestID), true
	case p.is(k, "instance_detail.next_action"), p.is(k, "instance_detail.prev_action"):
		_, i, ok := d.selectedAction()
		if !ok {
			return nil, true
		}
		if p.is(k, "instance_detail.next_action") {
			i++
		} else {
			i--
		}
		d.actSel, d.actPicked = min(max(i, 0), len(d.actions)-1), true
		return nil, true
	}
	return nil, false
}

func (d *detail) busy() bool {
	return d.serverLoading || d.actionsLoading || d.consoleLoading || d.volumesLoading || d.migrationsLoading
}

type section int

const (
	secServer section = iota
	secActions
	secConsole
	secVolumes
	secMigrations
)

type detailMsg struct {
	id         string
	section    section
	server     openstack.Server
	actions    []openstack.InstanceAction
	console    string
	volumes    []openstack.VolumeAttachment
	migrations []openstack.Migration
	err        error
	// imageName, userName come with the server (NameSource).
	imageName, userName string
}

// NameSource resolves the IDs the detail shows to names (optional: a
// Source without it shows IDs only). "" means unknown.
type NameSource interface {
	ImageName(ctx context.Context, id string) (string, error)
	UserName(ctx context.Context, id string) (string, error)
}

func (d *detail) loadAll(p *Pane) []tea.Cmd {
	if p.src == nil {
		return nil
	}
	src, id := p.src, d.id
	d.loadedAt = p.ctx.Now()
	d.serverLoading, d.actionsLoading, d.consoleLoading, d.volumesLoading, d.migrationsLoading = true, true, true, true, true
	run := func(sec section, f func(ctx context.Context, m *detailMsg) error) tea.Cmd {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), detailTimeout)
			defer cancel()
			m := detailMsg{id: id, section: sec}
			m.err = f(ctx, &m)
			return m
		}
	}
	return []tea.Cmd{
		run(secServer, func(ctx context.Context, m *detailMsg) (err error) {
			m.server, err = src.Server(ctx, id)
			if ns, ok := src.(NameSource); ok && err == nil {
				// Names are extras: a failed lookup shows the ID alone.
				if !m.server.VolumeBacked {
					m.imageName, _ = ns.ImageName(ctx, m.server.ImageID)
				}
				m.userName, _ = ns.UserName(ctx, m.server.UserID)
			}
			return err
		}),
		run(secActions, func(ctx context.Context, m *detailMsg) (err error) {
			m.actions, err = src.InstanceActions(ctx, id)
			return err
		}),
		run(secConsole, func(ctx context.Context, m *detailMsg) (err error) {
			m.console, err = src.ConsoleLog(ctx, id, consoleTailLines)
			return err
		}),
		run(secVolumes, func(ctx context.Context, m *detailMsg) (err error) {
			m.volumes, err = src.ServerVolumes(ctx, id)
			return err
		}),
		run(secMigrations, func(ctx context.Context, m *detailMsg) (err error) {
			m.migrations, err = src.ServerMigrations(ctx, id)
			return err
		}),
	}
}

func (d *detail) set(m detailMsg) {
	switch m.section {
	case secServer:
		d.serverLoading, d.serverErr = false, m.err
		if m.err == nil {
			s := m.server
			d.server = &s
			d.imageName, d.userName = m.imageName, m.userName
		}
	case secActions:
		d.actionsLoading, d.actionsErr = false, m.err
		if m.err == nil {
			d.actions = m.actions
		}
	case secConsole:
		d.consoleLoading, d.consoleErr = false, m.err
		if m.err == nil {
			d.console = m.console
		}
	case secVolumes:
		d.volumesLoading, d.volumesErr = false, m.err
		if m.err == nil {
			d.volumes = m.volumes
		}
	case secMigrations:
		d.migrationsLoading, d.migrationsErr = false, m.err
		if m.err == nil {
			d.migrations = m.migrations
		}
	}
}

func (d *detail) key(p *Pane, k string) tea.Cmd {
	switch {
	case p.is(k, "table.down"):
		d.scroll++
	case p.is(k, "table.up"):
		d.scroll--
	case p.is(k, "table.page_down"):
		d.scroll += max(d.height-1, 1)
	case p.is(k, "table.page_up"):
		d.scroll -= max(d.height-1, 1)
	case p.is(k, "table.top"):
		d.scroll = 0
	case p.is(k, "table.bottom"):
		d.scroll = 1 << 30
	}
	if d.scroll < 0 {
		d.scroll = 0
	}
	return nil
}

// line is one detail line: untrusted text plus a role.
type line struct {
	text string
	role themes.Role
}

func (d *detail) lines(p *Pane) []line {
	now := p.ctx.Now()
	var out []line
	add := func(role themes.Role, format string, a ...any) {
		out = append(out, line{fmt.Sprintf(format, a...), role})
	}
	section := func(title string, loading bool, err error) bool {
		t := "── " + title
		if loading {
			t += " (loading…)"
		}
		out = append(out, line{t, themes.Header})
		if err != nil {
			add(themes.Crit, "  ✗ %s", err.Error())
		}
		return err == nil
	}

	s, have := openstack.Server{}, false
	if d.server != nil {
		s, have = *d.server, true
	} else if e, ok := p.byID[d.id]; ok {
		s, have = *e.s, true
	}
	add(themes.Title, "%s  %s", orDash(s.Name), d.id)
	section("Summary", d.serverLoading, d.serverErr)
	if have {
		fault := faultOf(s, now, p.downHosts)
		role := themes.Normal
		if fault != "" {
			role = themes.Warn
		}
		add(role, "  status %s · task %s · power %s · vm %s", orDash(s.Status), orDash(s.TaskState),
			openstack.PowerStateName(s.PowerState), orDash(s.VMState))
		if fault != "" {
			add(themes.Crit, "  fault: %s", fault)
		}
		if s.Fault != "" {
			f := "  nova fault"
			if s.FaultCode != 0 {
				f += fmt.Sprintf(" %d", s.FaultCode)
			}
			if !s.FaultAt.IsZero() {
				f += " at " + stamp(s.FaultAt) + ago(now, s.FaultAt)
			}
			add(themes.Crit, "%s: %s", f, s.Fault)
		}
		add(themes.Normal, "  host %s · hypervisor %s · zone %s", orDash(s.Host), orDash(s.Hypervisor), orDash(s.Zone))
		add(themes.Normal, "  project %s · user %s", named(s.ProjectName, s.ProjectID), named(d.userName, s.UserID))
		boot := "image " + named(d.imageName, s.ImageID)
		if s.VolumeBacked {
			boot = "volume-backed"
		}
		flavor := s.FlavorID
		if s.FlavorName == s.FlavorID {
			flavor = "" // an old microversion names it by ID only
		}
		add(themes.Normal, "  flavor %s · %s", named(s.FlavorName, flavor), boot)
		add(themes.Normal, "  key %s · locked %v · security groups %s", orDash(s.KeyName), s.Locked, orDash(strings.Join(s.SecurityGroups, ", ")))
		add(themes.Normal, "  networks %s · IPs %s", orDash(strings.Join(s.Networks, ", ")), orDash(strings.Join(s.IPs, ", ")))
		add(themes.Normal, "  created %s%s · updated %s%s", stamp(s.Created), ago(now, s.Created),
			stamp(s.Updated), ago(now, s.Updated))
	}

	section("Metadata", d.serverLoading && !have, nil)
	if len(s.Metadata) == 0 {
		add(themes.Muted, "  (none)")
	} else {
		keys := make([]string, 0, len(s.Metadata))
		for k := range s.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add(themes.Normal, "  %s=%s", k, s.Metadata[k])
		}
	}

	section("Volumes", d.volumesLoading, d.volumesErr)
	switch {
	case len(d.volumes) > 0:
		for _, v := range d.volumes {
			del := ""
			if v.DeleteOnTermination {
				del = " · delete on termination"
			}
			add(themes.Normal, "  %-10s %s%s", orDash(v.Device), v.VolumeID, del)
		}
	case len(s.VolumeIDs) > 0:
		// Attachment details unavailable (yet): the IDs from the server.
		for _, v := range s.VolumeIDs {
			add(themes.Normal, "  %s", v)
		}
	case !d.volumesLoading:
		add(themes.Muted, "  (none attached)")
	}

	if section("Migrations", d.migrationsLoading, d.migrationsErr) {
		if len(d.migrations) == 0 && !d.migrationsLoading {
			add(themes.Muted, "  (none)")
		}
		for i, m := range d.migrations {
			if i == 5 {
				add(themes.Muted, "  … %d older", len(d.migrations)-5)
				break
			}
			role := themes.Normal
			switch strings.ToLower(m.Status) {
			case "error", "failed":
				role = themes.Crit
			case "running", "migrating", "preparing", "queued", "accepted", "pre-migrating", "post-migrating":
				role = themes.Warn
			}
			add(role, "  %s  %-14s %-10s %s → %s", stamp(m.CreatedAt), m.Type, m.Status, orDash(m.SourceCompute), orDash(m.DestCompute))
		}
	}

	if section("Action history", d.actionsLoading, d.actionsErr) {
		if len(d.actions) == 0 && !d.actionsLoading {
			add(themes.Muted, "  (none)")
		}
		_, sel, _ := d.selectedAction()
		for i, a := range d.history() {
			role := themes.Normal
			if a.Message != "" {
				role = themes.Warn
			}
			msg := ""
			if a.Message != "" {
				msg = " · " + a.Message
			}
			mark := " "
			if i == sel {
				mark = "▸" // the request r follows
			}
			add(role, "%s %s  %-16s %s  user %s%s", mark, stamp(a.StartTime), a.Action, a.RequestID, orDash(a.UserID), msg)
		}
	}

	if section(fmt.Sprintf("Console log (last %d lines)", consoleTailLines), d.consoleLoading, d.consoleErr) {
		text := strings.TrimRight(d.console, "\n")
		if text == "" && !d.consoleLoading {
			add(themes.Muted, "  (empty)")
		} else if text != "" {
			ls := strings.Split(text, "\n")
			if len(ls) > consoleTailLines {
				ls = ls[len(ls)-consoleTailLines:]
			}
			for _, l := range ls {
				out = append(out, line{"  " + strings.TrimRight(l, "\r"), themes.Normal})
			}
		}
	}
	return out
}

func (d *detail) view(p *Pane, width, height int, th *themes.Theme) string {
	ls := d.lines(p)
	d.height = height
	k := p.ctx.KeyText
	hint := th.Render(themes.Muted, safe.Fit("esc/"+k("instances.back")+" back · j/k scroll · "+k("table.copy")+" copy ID · "+
		k("instances.host")+" host · "+k("instance_detail.request")+" request logs ("+k("instance_detail.prev_action")+"/"+
		k("instance_detail.next_action")+" action) · "+k("instances.reboot")+"/"+k("instances.reboot_hard")+" reboot · "+
		k("instances.live_migrate")+"/"+k("instances.migrate")+" migrate · "+k("instances.evacuate")+" evacuate", width))
	body := height - 1
	if body < 1 {
		return hint
	}
	if d.scroll > len(ls)-body {
		d.scroll = max(len(ls)-body, 0)
	}
	end := min(d.scroll+body, len(ls))
	rendered := make([]string, 0, body+1)
	for _, l := range ls[d.scroll:end] {
		rendered = append(rendered, th.Render(l.role, safe.Fit(l.text, width)))
	}
	rendered = append(rendered, hint)
	return strings.Join(rendered, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// named shows a name with its ID ("web (4f2c…)"), the ID alone when the
// name is unknown, or the name alone when there is no ID.
func named(name, id string) string {
	switch {
	case name == "" || name == id:
		return orDash(id)
	case id == "":
		return name
	}
	return name + " (" + id + ")"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " (" + pane.Age(now.Sub(t)) + " ago)"
}

// keysText is an action's keys for a hint ("r"), "?" without a keymap.
func (p *Pane) keysText(action string) string {
	if p.ctx.Keys == nil {
		return "?"
	}
	return p.ctx.Keys.KeysText(action)
}
