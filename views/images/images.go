// Package images is the Glance images pane: every image of every
// visibility, stuck ones first (an upload, import or delete that stopped
// moving), with where its data lives, who owns it and how many servers
// were booted from it. Pivots: the image's logs (its request IDs), the
// servers using it, its Ceph pool. Changes (deactivate, reactivate,
// delete) go through ops and the shell's confirmation and audit.
package images

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/ui/table"
	"github.com/stackpit/stackpit/views/filter"
	"github.com/stackpit/stackpit/views/pane"
)

// Source lists images; *openstack.Client satisfies it.
type Source interface {
	Images(ctx context.Context) ([]openstack.Image, error)
}

// Usage counts servers per image ID from a server list some other pane
// already loaded (no request of its own); ok is false before any list.
type Usage interface {
	ImageUse() (counts map[string]int, ok bool)
}

// StuckAfter is how long an image may sit in a transitional status
// before it counts as stuck (a real upload or delete of a few GiB takes
// minutes).
var StuckAfter = 30 * time.Minute

// transitional statuses: nothing should stay in them.
var transitional = map[string]bool{"queued": true, "saving": true, "uploading": true, "importing": true,
	"pending_delete": true, "deleting": true, "killed": true}

// CephPool is the pool the `o` pivot opens (Kolla's default for Glance).
var CephPool = "images"

const loadTimeout = 60 * time.Second

// Pane is the images pane.
type Pane struct {
	ctx   pane.Context
	src   Source
	act   ops.ImageChanger // nil: no actions
	use   Usage
	tbl   *table.Model
	pool  string
	stuck time.Duration

	images  []openstack.Image
	err     error
	loading bool
	at      time.Time
	lastTry time.Time

	all        []*entry // sorted: stuck first
	byID       map[string]*entry
	filterText string
	query      filter.Query
	useKey     string // the usage counts the rows were built with
	counts     map[string]int
	useKnown   bool
}

type entry struct {
	im      openstack.Image
	stuck   bool
	servers int // -1 unknown
	fields  map[string]string
}

// New makes the pane. act changes images (nil: the pane only reads); use
// counts servers per image (nil: SERVERS shows "?").
func New(ctx pane.Context, src Source, act ops.ImageChanger, use Usage) *Pane {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Refresh <= 0 {
		ctx.Refresh = 10 * time.Second
	}
	return &Pane{ctx: ctx, src: src, act: act, use: use, tbl: table.New(columns...), pool: CephPool, stuck: StuckAfter}
}

var columns = []table.Column{
	{Title: "STATUS", Width: 16},
	{Title: "NAME", Min: 12},
	{Title: "SIZE", Width: 8, Right: true},
	{Title: "FORMAT", Width: 6, HideBelow: 80},
	{Title: "STORE", Width: 8, HideBelow: 90},
	{Title: "OWNER", Min: 8, HideBelow: 70},
	{Title: "VIS", Width: 9, HideBelow: 100},
	{Title: "PROT", Width: 4, HideBelow: 100},
	{Title: "SERVERS", Width: 7, Right: true},
	{Title: "AGE IN STATUS", Width: 13, Right: true},
}

func (p *Pane) ID() string          { return "images" }
func (p *Pane) Title() string       { return "Images" }
func (p *Pane) KeyGroups() []string { return []string{"images", "table"} }
func (p *Pane) Capturing() bool     { return false }
func (p *Pane) Init() tea.Cmd       { return p.load() }
func (p *Pane) Refresh() tea.Cmd    { return p.load() }

// Status reports the list's age and error.
func (p *Pane) Status() pane.Status {
	return pane.Status{Updated: p.at, Loading: p.loading, Err: p.err}
}

// SetFilter: status: name: id: format: store: owner: vis: prot: stuck:, or free text.
func (p *Pane) SetFilter(text string) {
	p.filterText = strings.TrimSpace(text)
	p.query = filter.Parse(p.filterText)
	p.apply()
}

// Pivot opens the pane on a query ("id:<uuid>", "status:pending_delete").
func (p *Pane) Pivot(query string) tea.Cmd {
	p.SetFilter(query)
	return p.load()
}

// Table is the list the shell keeps in the breadcrumb (pane.Tabled).
func (p *Pane) Table() *table.Model { return p.tbl }

type loadedMsg struct {
	images []openstack.Image
	err    error
	counts map[string]int // servers per image, counted beside the list
	known  bool
	asOf   time.Time // non-zero: a shared answer's time (serve)
}

// LoadKey lets the shell drop an older list that lands after a newer one.
func (loadedMsg) LoadKey() string { return "images" }

func (p *Pane) load() tea.Cmd {
	if p.src == nil || p.loading {
		return nil
	}
	p.loading, p.lastTry = true, p.ctx.Now()
	src, use := p.src, p.use
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		ctx, age := cadence.WithAge(ctx)
		ims, err := src.Images(ctx)
		m := loadedMsg{images: ims, err: err, asOf: age.Oldest()}
		// Counting walks every server (50,000): here, not on the UI
		// goroutine.
		if use != nil {
			m.counts, m.known = use.ImageUse()
		}
		return m
	}
}

// Update handles messages.
func (p *Pane) Update(msg tea.Msg) (pane.Pane, tea.Cmd) {
	switch m := msg.(type) {
	case loadedMsg:
		p.loading, p.err = false, m.err
		if p.use != nil {
			p.counts, p.useKnown = m.counts, m.known
		}
		if m.err == nil {
			p.images, p.at = m.images, cadence.AsOf(p.ctx.Now(), m.asOf)
			p.rebuild()
			return p, p.observe(nil)
		} else if usageKey(p.counts, p.useKnown) != p.useKey && len(p.images) > 0 {
			p.rebuild() // Glance failed, the server counts still move
		}
		return p, p.observe(m.err)
	case pane.TickMsg:
		if !p.useKnown && p.use != nil && len(p.images) > 0 {
			// Waiting for the instances list: look each second (later
			// counts come with each refresh, counted off the UI
			// goroutine; this is one count, when the list arrives).
			if p.readUsage(); p.useKnown {
				p.rebuild()
			}
		}
		if !p.loading && p.ctx.Now().Sub(p.lastTry) >= p.ctx.Refresh {
			return p, p.load()
		}
	case pane.ActionDoneMsg:
		if strings.HasPrefix(m.Name, "image-") {
			return p, p.load()
		}
	case tea.KeyPressMsg:
		return p, p.key(m.String())
	}
	return p, nil
}

// observe publishes the stuck images to the host model (the incident
// strip counts them), or Glance's failure.
func (p *Pane) observe(err error) tea.Cmd {
	if errors.Is(err, openstack.ErrNoService) {
		return nil // not in this cloud: nothing to count
	}
	var rs []hostmodel.StuckResource
	if err == nil {
		for _, e := range p.all {
			if e.stuck {
				rs = append(rs, stuckImage(e.im))
			}
		}
	}
	return p.ctx.Observe(hostmodel.Observation{Pane: p.ID(), Source: hostmodel.Glance, Scope: "images",
		At: p.ctx.Now(), Facts: hostmodel.StuckFacts(rs), Err: err})
}

func stuckImage(im openstack.Image) hostmodel.StuckResource {
	return hostmodel.StuckResource{Kind: "image", ID: im.ID, Name: im.Name, Status: im.Status, Since: im.Updated}
}

// StuckImages are the images stuck at now (IsStuck), as stuck resources:
// the snapshot's count.
func StuckImages(ims []openstack.Image, now time.Time) []hostmodel.StuckResource {
	var rs []hostmodel.StuckResource
	for _, im := range ims {
		if IsStuck(im, now, StuckAfter) {
			rs = append(rs, stuckImage(im))
		}
	}
	return rs
}

func (p *Pane) is(k, action string) bool { return p.ctx.Keys != nil && p.ctx.Keys.Is(k, action) }

func (p *Pane) key(k string) tea.Cmd {
	if p.tbl.HandleKey(p.is, k) {
		return nil
	}
	if p.is(k, "global.refresh") {
		return p.load()
	}
	e, ok := p.selected()
	if !ok {
		return nil
	}
	switch {
	case p.is(k, "images.logs"), p.is(k, "table.open"):
		return pane.Pivot("logs", "id:"+e.im.ID)
	case p.is(k, "images.instances"):
		return pane.Pivot("instances", "image:"+e.im.ID)
	case p.is(k, "images.ceph"):
		return pane.Pivot("ceph", "pool:"+p.pool)
	case p.is(k, "table.copy"):
		return pane.Copy(e.im.ID, safe.Line)
	case p.is(k, "images.toggle_active"):
		verb := ops.ImageDeactivate
		if e.im.Status == "deactivated" {
			verb = ops.ImageReactivate
		}
		return p.action(e, verb)
	case p.is(k, "images.delete"):
		return p.action(e, ops.ImageDelete)
	}
	return nil
}

// action hands the shell a change, or says at once why not (a protected
// image is never offered for deletion: no dialog, no request).
func (p *Pane) action(e *entry, verb string) tea.Cmd {
	if p.act == nil {
		return pane.Toast(themes.Warn, "images cannot be changed in this session")
	}
	if verb == ops.ImageDelete && e.im.Protected {
		return pane.Toast(themes.Warn, fmt.Sprintf("%s is protected: Glance refuses to delete it; unset it first (openstack image set --unprotected %s)",
			safe.Text(e.im.Name), e.im.ID))
	}
	if verb == ops.ImageDeactivate && e.im.Status != "active" {
		return pane.Toast(themes.Warn, fmt.Sprintf("%s is %s: only an active image can be deactivated", safe.Text(e.im.Name), e.im.Status))
	}
	return pane.RunAction(Action(p.act, e.im, verb, e.servers))
}

// Action is the shell's description of one image change: checks for the
// dialog, the typed name for a delete, the audit details and the
// read-back of a lost reply.
func Action(c ops.ImageChanger, im openstack.Image, verb string, servers int) pane.Action {
	id := im.ID
	a := pane.Action{Name: verb, Target: im.Name + " (" + id + ")", Mutates: true,
		Checks: ops.ImageChecks(verb, im, servers),
		Details: map[string]string{"image_id": id, "image": im.Name, "status": im.Status,
			"stores": strings.Join(im.Stores, ","), "servers": strconv.Itoa(servers)},
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			return ops.ChangeImage(ctx, c, verb, id, func(s ops.Step) {
				if report != nil {
					report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
				}
			})
		},
		Reconcile: func(ctx context.Context) (bool, string, error) {
			return ops.ReadBackImage(ctx, c, verb, id, 0, 0)
		},
	}
	if verb == ops.ImageDelete {
		a.Confirm = im.Name
		if a.Confirm == "" {
			a.Confirm = id
		}
	} else {
		a.ConfirmYes = true
	}
	return a
}

func (p *Pane) selected() (*entry, bool) {
	r, ok := p.tbl.Selected()
	if !ok {
		return nil, false
	}
	e, ok := p.byID[r.Key]
	return e, ok
}

// readUsage takes the server counts on the UI goroutine: only while
// waiting for the first instances list (at 50,000 servers counting is a
// walk over them all; refreshes count in their command).
func (p *Pane) readUsage() {
	if p.use == nil {
		return
	}
	p.counts, p.useKnown = p.use.ImageUse()
}

// usageKey changes when the counts do (a cheap fingerprint).
func usageKey(m map[string]int, ok bool) string {
	if !ok {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, k+"="+strconv.Itoa(v))
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// IsStuck reports whether im sits in a transitional status for longer
// than after.
func IsStuck(im openstack.Image, now time.Time, after time.Duration) bool {
	return transitional[im.Status] && !im.Updated.IsZero() && now.Sub(im.Updated) >= after
}

func (p *Pane) rebuild() {
	now := p.ctx.Now()
	counts, known := p.counts, p.useKnown
	p.useKey = usageKey(counts, known)
	prev := p.byID
	p.all = p.all[:0]
	p.byID = make(map[string]*entry, len(p.images))
	for _, im := range p.images {
		e := &entry{im: im, stuck: IsStuck(im, now, p.stuck), servers: -1}
		if known {
			e.servers = counts[im.ID]
		}
		// A refresh mostly brings the same images: keep their filter
		// fields (10,000 maps per refresh were most of its cost).
		if o, ok := prev[im.ID]; ok && o.stuck == e.stuck && sameImage(&o.im, &im) {
			e.fields = o.fields
		} else {
			e.fields = fields(e)
		}
		p.all = append(p.all, e)
		p.byID[im.ID] = e
	}
	sort.SliceStable(p.all, func(i, j int) bool {
		a, b := p.all[i], p.all[j]
		if a.stuck != b.stuck {
			return a.stuck
		}
		if a.stuck {
			return a.im.Updated.Before(b.im.Updated) // longest stuck first
		}
		return a.im.Name < b.im.Name
	})
	p.apply()
}

func (p *Pane) apply() {
	now := p.ctx.Now()
	rows := make([]table.Row, 0, len(p.all))
	for _, e := range p.all {
		if !p.query.Empty() && !p.query.Match(e.fields) {
			continue
		}
		rows = append(rows, buildRow(e, now))
	}
	p.tbl.SetRows(rows)
}

// sameImage: nothing the filter fields read differs.
func sameImage(a, b *openstack.Image) bool {
	if a.ID != b.ID || a.Name != b.Name || a.Status != b.Status || a.DiskFormat != b.DiskFormat ||
		a.OwnerName != b.OwnerName || a.OwnerID != b.OwnerID || a.Visibility != b.Visibility ||
		a.Protected != b.Protected || len(a.Stores) != len(b.Stores) {
		return false
	}
	for i := range a.Stores {
		if a.Stores[i] != b.Stores[i] {
			return false
		}
	}
	return true
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fields(e *entry) map[string]string {
	im := &e.im
	stuck := "no"
	if e.stuck {
		stuck = "yes"
	}
	return map[string]string{"status": im.Status, "name": im.Name, "id": im.ID, "format": im.DiskFormat,
		"store": strings.Join(im.Stores, ","), "owner": strings.TrimSpace(im.OwnerName + " " + im.OwnerID),
		"vis": im.Visibility, "visibility": im.Visibility, "prot": yesNo(im.Protected), "protected": yesNo(im.Protected),
		"stuck": stuck}
}

// Size renders bytes as GiB/MiB ("-" unknown).
func Size(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprintf("%dK", max(n>>10, 1))
}

func statusCell(e *entry) table.Cell {
	st := e.im.Status
	switch {
	case e.stuck:
		return table.S("✗ "+st, themes.Crit)
	case st == "killed":
		return table.S(st, themes.Crit)
	case st == "active":
		return table.S(st, themes.OK)
	case st == "deactivated":
		return table.S(st, themes.Muted)
	}
	return table.S(st, themes.Warn)
}

func buildRow(e *entry, now time.Time) table.Row {
	im := &e.im
	owner := im.OwnerName
	if owner == "" {
		owner = im.OwnerID
	}
	store := strings.Join(im.Stores, ",")
	if store == "" {
		store = "-"
	}
	servers := table.Cell{Text: "?", Sort: "-1"}
	if e.servers >= 0 {
		servers = table.C(strconv.Itoa(e.servers))
	}
	age, ageSort := "-", ""
	if !im.Updated.IsZero() {
		d := now.Sub(im.Updated)
		age, ageSort = pane.Age(d), strconv.FormatInt(int64(d/time.Second), 10)
	}
	prot := table.C("no")
	if im.Protected {
		prot = table.S("yes", themes.Info)
	}
	r := table.Row{Key: im.ID, Cells: []table.Cell{
		statusCell(e), table.C(im.Name), {Text: Size(im.Size), Sort: strconv.FormatInt(im.Size, 10)},
		table.C(im.DiskFormat), table.C(store), table.C(owner), table.C(im.Visibility), prot, servers,
		{Text: age, Sort: ageSort},
	}}
	if e.stuck {
		r.Role = themes.Crit
	}
	return r
}

// View renders the pane.
func (p *Pane) View(width, height int) string {
	if width < 1 || height < 1 {
		return ""
	}
	th := p.ctx.Theme
	if th == nil {
		th = themes.Default(true)
	}
	now := p.ctx.Now()
	lines := []string{th.Render(themes.Title, safe.Fit(p.header(now), width))}
	if p.err != nil {
		s := "✗ glance failed"
		if errors.Is(p.err, openstack.ErrNoService) {
			lines = append(lines, th.Render(themes.Muted, safe.Fit("· glance: not in this cloud's catalog", width)))
		} else {
			if !p.at.IsZero() {
				s += " (showing data from " + pane.DataAge(now.Sub(p.at)) + " ago)"
			}
			lines = append(lines, th.Render(themes.Crit, safe.Fit(s+": "+p.err.Error(), width)))
		}
	}
	var foot string
	if e, ok := p.selected(); ok {
		role := themes.Info
		if e.stuck {
			role = themes.Crit
		}
		foot = th.Render(role, safe.Fit(detailLine(e, now, p.stuck), width))
	}
	body := height - len(lines)
	if foot != "" {
		body--
	}
	if body > 0 {
		if p.at.IsZero() && p.loading {
			lines = append(lines, th.Render(themes.Muted, safe.Fit("loading images…", width)))
		} else {
			lines = append(lines, p.tbl.View(width, body, th))
		}
	}
	if foot != "" && body > 0 {
		lines = append(lines, foot)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// detailLine spells out the selected image (the table truncates).
func detailLine(e *entry, now time.Time, after time.Duration) string {
	im := &e.im
	parts := []string{im.Name + ": " + im.Status}
	if !im.Updated.IsZero() {
		s := "for " + pane.Age(now.Sub(im.Updated))
		if e.stuck {
			s += " (stuck: over " + pane.Age(after) + ")"
		}
		parts[0] += " " + s
	}
	if e.servers >= 0 {
		parts = append(parts, fmt.Sprintf("%d servers", e.servers))
	}
	if len(im.Locations) > 0 {
		loc := im.Locations[0]
		if len(im.Locations) > 1 {
			loc += fmt.Sprintf(" (+%d)", len(im.Locations)-1)
		}
		parts = append(parts, loc)
	} else if len(im.Stores) > 0 {
		parts = append(parts, "store "+strings.Join(im.Stores, ","))
	}
	if e.stuck {
		parts = append(parts, "l: its requests in the logs")
	}
	parts = append(parts, "id "+im.ID)
	return strings.Join(parts, " · ")
}

func (p *Pane) header(now time.Time) string {
	var b strings.Builder
	stuck := 0
	var first *entry
	for _, e := range p.all {
		if e.stuck {
			stuck++
			if first == nil {
				first = e
			}
		}
	}
	fmt.Fprintf(&b, "%d images", len(p.all))
	if stuck > 0 {
		fmt.Fprintf(&b, " · %d STUCK (%s %s %s)", stuck, safe.Text(first.im.Name), safe.Text(first.im.Status), pane.Age(now.Sub(first.im.Updated)))
	}
	if !p.useKnown && p.use != nil && len(p.all) > 0 {
		b.WriteString(" · servers: waiting for the instances list")
	}
	if p.filterText != "" {
		fmt.Fprintf(&b, " · filter: %s (%d shown)", safe.Text(p.filterText), p.tbl.Len())
	}
	b.WriteString(pane.Freshness(now, p.at, p.lastTry, p.loading, p.ctx.Refresh))
	return b.String()
}
