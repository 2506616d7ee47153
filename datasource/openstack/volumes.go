package openstack

// Cinder volumes (issue 18): the all-projects list with backend host,
// attachments and migration status, and the admin actions operators use on
// stuck volumes. The volume microversion is negotiated from Cinder's own
// version document on first use (VolumeMaxMicroversion at most), on a
// service client of its own so os-services keeps its plain answer.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"golang.org/x/sync/singleflight"
)

// VolumeMaxMicroversion caps the Cinder microversion asked for (Zed's
// maximum; every field read here exists from 3.0, attachments from 3.27).
const VolumeMaxMicroversion = "3.70"

// Volume is a Cinder volume.
type Volume struct {
	ID, Name        string
	Status          string // available, in-use, attaching, detaching, error_deleting, ...
	Size            int    // GiB
	Type            string // volume_type (name)
	Host            string // os-vol-host-attr:host: host@backend#pool (admin only)
	ProjectID       string
	MigrationStatus string // os-vol-mig-status-attr:migstat (admin only)
	// Updated is updated_at: the last change of the volume's row, the
	// closest the API has to "in this status since". (created_at, an
	// attachment's attached_at, bootable and multiattach are not kept:
	// nothing reads them; at 62,549 volumes the times were ~3 MB, the
	// flags 8 bytes a volume with their padding; issue 15.)
	Updated     time.Time
	Attachments []VolumeAttach
}

// VolumeAttach is one attachment of a volume.
type VolumeAttach struct {
	ID       string // attachment_id
	ServerID string
	HostName string // the compute host, when Cinder knows it
	Device   string
}

// BackendHost is the host part of Host ("control01" of "control01@rbd-1#rbd").
func (v Volume) BackendHost() string {
	h, _, _ := strings.Cut(v.Host, "@")
	h, _, _ = strings.Cut(h, "#")
	return h
}

// ServiceHost is the cinder-volume service's host ("control01@rbd-1" of
// "control01@rbd-1#rbd"), as os-services names it.
func (v Volume) ServiceHost() string {
	h, _, _ := strings.Cut(v.Host, "#")
	return h
}

// Pool is the backend pool ("rbd" of "control01@rbd-1#rbd"; "" when none).
func (v Volume) Pool() string {
	_, p, _ := strings.Cut(v.Host, "#")
	return p
}

type cinderVolume struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Status      string             `json:"status"`
	Size        int                `json:"size"`
	VolumeType  string             `json:"volume_type"`
	Host        string             `json:"os-vol-host-attr:host"`
	TenantID    string             `json:"os-vol-tenant-attr:tenant_id"`
	MigStatus   string             `json:"migration_status"`
	MigStatus2  string             `json:"os-vol-mig-status-attr:migstat"`
	UpdatedAt   string             `json:"updated_at"`
	Attachments []cinderAttachment `json:"attachments"`
}

type cinderAttachment struct {
	AttachmentID string `json:"attachment_id"`
	ServerID     string `json:"server_id"`
	HostName     string `json:"host_name"`
	Device       string `json:"device"`
}

// toVolume converts a decoded volume. The values every volume repeats
// (status, type, backend host, project, device) share one copy (50,000
// volumes name a handful of each); the volume's own strings (ID, name,
// attachment and server IDs) are one allocation (issue 15: four, each
// rounded up to its size class); times parse with Cinder's own layout
// first.
func (v *cinderVolume) toVolume() Volume {
	n := len(v.ID) + len(v.Name)
	for _, a := range v.Attachments {
		n += len(a.AttachmentID) + len(a.ServerID)
	}
	var b strings.Builder
	b.Grow(n)
	for _, a := range v.Attachments {
		b.WriteString(a.AttachmentID)
		b.WriteString(a.ServerID)
	}
	b.WriteString(v.ID)
	b.WriteString(v.Name)
	own := b.String()
	next := func(l int) string {
		s := own[:l]
		own = own[l:]
		return s
	}
	out := Volume{Status: intern(v.Status), Size: v.Size, Type: intern(v.VolumeType), Host: intern(v.Host),
		ProjectID: intern(v.TenantID), MigrationStatus: intern(v.MigStatus),
		Updated: parseCinderTime(v.UpdatedAt)}
	if out.MigrationStatus == "" {
		out.MigrationStatus = intern(v.MigStatus2)
	}
	if len(v.Attachments) > 0 {
		out.Attachments = make([]VolumeAttach, len(v.Attachments))
		for i, a := range v.Attachments {
			out.Attachments[i] = VolumeAttach{ID: next(len(a.AttachmentID)), ServerID: next(len(a.ServerID)),
				HostName: intern(a.HostName), Device: intern(a.Device)}
		}
	}
	out.ID = next(len(v.ID))
	out.Name = next(len(v.Name))
	return out
}

// parseCinderTime parses Cinder's "2026-12-06T10:00:00.000000" (UTC, no
// zone) without trying other layouts first (each failed try allocates an
// error: three per volume at 50,000 volumes); anything else goes to
// parseTime.
func parseCinderTime(s string) time.Time {
	if len(s) >= 19 && s[10] == 'T' && !strings.ContainsAny(s[19:], "Z+-") {
		if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
			return t
		}
	}
	return parseTime(s)
}

// volumeState is the negotiated Cinder client and the server name cache
// the volumes list uses (guarded by mu).
type volumeState struct {
	mu      sync.Mutex
	sc      *gophercloud.ServiceClient
	mv      mver
	names   map[string]string // server ID -> name
	namesAt time.Time
	// namesGen: the client's server index generation names were made
	// from (namesFromLists); 0 when from a brief list.
	namesGen int
	absent   map[string]bool // IDs the last name list did not have
	// naming: one name list in flight; callers that would list too share
	// it (the sessions of `stackpit serve` share this client; each started
	// its own 50-page list when the names went stale: 219 requests a
	// minute at 50k).
	naming singleflight.Group
}

// volumeStates keeps each Client's Cinder state beside it (one per client,
// for the session's life: a few per session, one per :cloud switch).
var volumeStates sync.Map // *Client -> *volumeState

func (c *Client) vols() *volumeState {
	v, _ := volumeStates.LoadOrStore(c, &volumeState{})
	return v.(*volumeState)
}

// volumeClient connects, and negotiates the Cinder microversion once.
func (c *Client) volumeClient(ctx context.Context) (*gophercloud.ServiceClient, mver, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, mver{}, err
	}
	if c.volume == nil {
		return nil, mver{}, fmt.Errorf("cinder: %w", ErrNoService)
	}
	st := c.vols()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sc != nil {
		return st.sc, st.mv, nil
	}
	// Cinder answers /v3/ with {"versions":[...]} (some proxies with
	// {"version":{...}}).
	type vdoc struct {
		ID, Version string
		MinVersion  string `json:"min_version"`
	}
	var doc struct {
		Versions []vdoc `json:"versions"`
		Version  *vdoc  `json:"version"`
	}
	base := &gophercloud.ServiceClient{ProviderClient: c.provider, Endpoint: c.volume.Endpoint, Type: "volume"}
	if _, err := c.getJSON(ctx, base, "cinder", cinderVersionURL(c.volume.Endpoint), &doc); err != nil {
		return nil, mver{}, fmt.Errorf("reading Cinder's version document: %w", err)
	}
	var have mver
	all := doc.Versions
	if doc.Version != nil {
		all = append(all, *doc.Version)
	}
	for _, d := range all {
		if !strings.HasPrefix(d.ID, "v3") {
			continue
		}
		if v, err := parseMV(d.Version); err == nil && have.less(v) {
			have = v
		}
	}
	want, _ := parseMV(VolumeMaxMicroversion)
	if have.zero() {
		have = mver{3, 0}
	}
	if want.less(have) {
		have = want
	}
	base.Microversion = have.String()
	st.sc, st.mv = base, have
	return st.sc, st.mv, nil
}

// cinderVersionURL maps ".../v3/<project>/" to ".../v3/".
func cinderVersionURL(endpoint string) string {
	if i := strings.Index(endpoint, "/v3"); i >= 0 {
		return endpoint[:i] + "/v3/"
	}
	return endpoint
}

// VolumeMicroversion is the negotiated Cinder microversion ("3.70").
func (c *Client) VolumeMicroversion(ctx context.Context) (string, error) {
	_, mv, err := c.volumeClient(ctx)
	if err != nil {
		return "", err
	}
	return mv.String(), nil
}

// Volumes lists every volume of every project (all_tenants, limit/marker
// paging), with attachments, backend host and migration status.
func (c *Client) Volumes(ctx context.Context) ([]Volume, error) {
	l, err := c.VolumesSince(ctx, time.Time{})
	return l.Volumes, err
}

// VolumeList is one volume list: everything (Full) or the volumes updated
// since a time. AsOf is Cinder's clock when the list began, minus
// DefaultOverlap: the since for the next delta.
type VolumeList struct {
	Volumes []Volume
	Full    bool
	AsOf    time.Time
}

// VolumesSince lists the volumes updated at or after since (Cinder's time
// filter updated_at=gte:, microversion 3.60), so a refresh reads what
// changed, not the whole cloud. A zero since, or a Cinder older than 3.60,
// lists everything (Full). Deleted volumes never show in a delta: the
// caller lists everything now and then.
func (c *Client) VolumesSince(ctx context.Context, since time.Time) (VolumeList, error) {
	sc, mv, err := c.volumeClient(ctx)
	if err != nil {
		return VolumeList{}, err
	}
	limit := c.PageSize
	if limit <= 0 {
		limit = 1000
	}
	out := VolumeList{Full: since.IsZero() || mv.less(mver{3, 60})}
	dec := volumeDecoder{limit: limit}
	marker := ""
	start := time.Now()
	for {
		q := url.Values{}
		q.Set("all_tenants", "1")
		q.Set("limit", fmt.Sprint(limit))
		if !out.Full {
			// Rounded down to SinceGrain: a few seconds more of changes,
			// and the sessions of `stackpit serve` ask the same URL
			// (each session's own since made every delta unique).
			q.Set("updated_at", "gte:"+since.UTC().Truncate(SinceGrain).Format("2006-01-02T15:04:05"))
		}
		if marker != "" {
			q.Set("marker", marker)
		}
		u := sc.ServiceURL("volumes", "detail") + "?" + q.Encode()
		h, err := c.getJSON(ctx, sc, "cinder", u, &dec)
		if err != nil {
			return VolumeList{}, err
		}
		if marker == "" {
			out.AsOf = serverClock(h, start).Add(-DefaultOverlap)
		}
		vols := dec.pages[len(dec.pages)-1]
		next := false
		for _, l := range dec.links {
			next = next || l.Rel == "next"
		}
		if !next || len(vols) == 0 {
			out.Volumes = dec.list()
			return out, nil
		}
		last := vols[len(vols)-1].ID
		if last == marker {
			return VolumeList{}, &MalformedError{Service: "cinder", URL: u, Snippet: "volumes_links next without progress",
				Err: fmt.Errorf("pagination did not advance past marker %q", marker)}
		}
		marker = last
	}
}

// volumePage is one page of GET /volumes/detail.
type volumePage struct {
	Volumes []cinderVolume `json:"volumes"`
	Links   []serverLink   `json:"volumes_links"`
}

// volumeDecoder gathers a list's pages (getJSON's out: a pageDecoder).
// Each page is read by scanVolumePage, or, when it gives up, decoded by
// encoding/json into the same page buffer (a page of 1,000 decoded
// volumes is ~300 KB, grown by append: once per list, not once per page).
type volumeDecoder struct {
	limit int // the pages' limit (0: unknown)
	buf   volumePage
	pages [][]Volume
	n     int
	links []serverLink // the last page's
}

// decodePage reads one page's body (which is recycled after: nothing
// read may be a view of it).
func (d *volumeDecoder) decodePage(body []byte) error {
	if vs, links, ok := scanVolumePage(body, d.limit); ok {
		d.pages = append(d.pages, vs)
		d.n += len(vs)
		d.links = links
		return nil
	}
	p := d.reuse()
	if err := json.Unmarshal(body, p); err != nil {
		return err
	}
	d.add(p)
	return nil
}

// reuse is the page buffer, emptied. encoding/json does not zero the
// elements it decodes into, so they are cleared here.
func (d *volumeDecoder) reuse() *volumePage {
	clear(d.buf.Volumes[:cap(d.buf.Volumes)])
	d.buf.Volumes, d.buf.Links = d.buf.Volumes[:0], nil
	return &d.buf
}

// page decodes one page from r as getJSON does (a benchmark's entry) and
// returns its volumes.
func (d *volumeDecoder) page(r io.Reader) ([]Volume, error) {
	var read atomic.Int64
	if _, err := decodeBody(r, -1, d, &read); err != nil {
		return nil, err
	}
	return d.pages[len(d.pages)-1], nil
}

func (d *volumeDecoder) add(p *volumePage) {
	vs := make([]Volume, len(p.Volumes))
	for i := range p.Volumes {
		vs[i] = p.Volumes[i].toVolume()
	}
	d.pages = append(d.pages, vs)
	d.n += len(vs)
	d.links = p.Links
}

// list is every page's volumes in one slice of the exact size (not one
// grown by append across 50 pages).
func (d *volumeDecoder) list() []Volume {
	if len(d.pages) == 1 {
		return d.pages[0]
	}
	out := make([]Volume, 0, d.n)
	for _, p := range d.pages {
		out = append(out, p...)
	}
	return out
}

// Volume reads one volume (the read-back after an action).
func (c *Client) Volume(ctx context.Context, id string) (Volume, error) {
	sc, _, err := c.volumeClient(ctx)
	if err != nil {
		return Volume{}, err
	}
	var body struct {
		Volume cinderVolume `json:"volume"`
	}
	if _, err := c.getJSON(ctx, sc, "cinder", sc.ServiceURL("volumes", url.PathEscape(id)), &body); err != nil {
		return Volume{}, err
	}
	return body.Volume.toVolume(), nil
}

// ServerNamesEvery is how often the server name list may be re-read to
// name servers the cache does not know yet.
var ServerNamesEvery = time.Minute

// ServerNamesAbsentEvery is how often an ID the last list did not have
// (a stale attachment of a deleted server) may cause another list.
var ServerNamesAbsentEvery = 15 * time.Minute

// serverNamesTimeout bounds the shared name list (it outlives a caller
// that gave up; a 50k cloud's list is ~50 pages).
const serverNamesTimeout = 2 * time.Minute

// ServerNames names the given server IDs from a cache of Nova's brief
// server list (/servers: ID and name only). The list is re-read when an ID
// is new to it, at most every ServerNamesEvery (an ID the last list did
// not have: every ServerNamesAbsentEvery); IDs Nova does not list stay
// unnamed (absent from the map). The map may name other servers too, and
// is shared: read only.
func (c *Client) ServerNames(ctx context.Context, ids []string) (map[string]string, error) {
	st := c.vols()
	if names, ok := c.namesFromLists(st, ids); ok {
		return names, nil
	}
	now := c.now()
	st.mu.Lock()
	missing, known := st.unnamed(ids)
	age := now.Sub(st.namesAt)
	relist := st.names == nil || (missing && age >= ServerNamesEvery) || (known && age >= ServerNamesAbsentEvery)
	st.mu.Unlock()
	if relist {
		ch := st.naming.DoChan("names", func() (any, error) {
			// Not the first caller's cancellation: the list is every
			// waiter's (serve: one session leaving must not fail another's).
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serverNamesTimeout)
			defer cancel()
			names, err := c.serverNameList(lctx)
			if err == nil {
				st.mu.Lock()
				st.names, st.namesAt, st.absent, st.namesGen = names, now, map[string]bool{}, 0
				st.mu.Unlock()
			}
			return nil, err
		})
		select {
		case r := <-ch:
			if r.Err != nil {
				return nil, r.Err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		st.mu.Lock()
		for _, id := range ids {
			if _, ok := st.names[id]; !ok && st.absent != nil {
				st.absent[id] = true
			}
		}
		st.mu.Unlock()
	}
	// The cache itself: a new map at each list, never changed after, so
	// callers share it read-only (a copy for 50,000 attached servers on
	// every refresh was most of the volumes refresh's own work).
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.names, nil
}

// namesFromLists names servers from the server lists the instances pane
// keeps up to date (the client's index of server lists), with no request:
// the brief list was 50 more pages of Nova's at 50k, read at every start
// alongside every pane's first load, and a minute after a new server was
// attached (issue 15). The map is made again when the lists moved since
// and an asked ID is new to it; an ID the lists did not have then (a
// stale attachment, or a server the instances pane's next refresh brings)
// at most every ServerNamesEvery: the map is made without a request.
// False, for the brief list: no whole list has been read, or none brought
// the lists up to date within ServerNamesEvery while an ID is unnamed
// (no instances pane loads: a session of serve that had it left).
func (c *Client) namesFromLists(st *volumeState, ids []string) (map[string]string, bool) {
	b := &c.budget
	b.hostMu.Lock()
	seen, gen, at := b.hostSeen, b.hostGen, b.hostAt
	b.hostMu.Unlock()
	if !seen {
		return nil, false
	}
	now := c.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	missing, known := st.unnamed(ids)
	missing = missing || st.names == nil
	if !missing && !known {
		return st.names, true
	}
	if now.Sub(at) >= ServerNamesEvery {
		return nil, false // the lists are not kept up to date
	}
	if st.names == nil || (st.namesGen != gen && (missing || (known && now.Sub(st.namesAt) >= ServerNamesEvery))) {
		b.hostMu.Lock()
		names := make(map[string]string, len(b.hostOf))
		for id, r := range b.hostOf {
			names[id] = r.name
		}
		gen = b.hostGen
		b.hostMu.Unlock()
		st.names, st.namesGen, st.namesAt, st.absent = names, gen, now, map[string]bool{}
		for _, id := range ids {
			if _, ok := names[id]; !ok {
				st.absent[id] = true
			}
		}
	}
	return st.names, true
}

// unnamed: some of ids are new to the names (missing), or were not in the
// list the names were made from (known absent). Under st.mu.
func (st *volumeState) unnamed(ids []string) (missing, known bool) {
	for _, id := range ids {
		if _, ok := st.names[id]; !ok {
			if st.absent[id] {
				known = true
			} else {
				missing = true
			}
		}
	}
	return missing, known
}

func (c *Client) serverNameList(ctx context.Context) (map[string]string, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	var pairs []string // id, name, id, name...
	size := 0
	err := c.briefList(ctx, c.compute, "nova", c.compute.ServiceURL("servers"), "servers", func(id, name string) {
		pairs = append(pairs, id, name)
		size += len(id) + len(name)
	})
	if err != nil {
		return nil, err
	}
	return packNames(pairs, size), nil
}

// packNames maps ids to names (pairs: id, name, ...) whose strings are
// all views of one string of size bytes: one string each was 64 bytes an
// entry of allocations for ~45 of text (~1 MB of the cache at 50,000
// servers; issue 15). The cache is replaced whole, never trimmed.
func packNames(pairs []string, size int) map[string]string {
	var b strings.Builder
	b.Grow(size)
	for _, s := range pairs {
		b.WriteString(s)
	}
	all, at := b.String(), 0
	cut := func(n int) string {
		at += n
		return all[at-n : at]
	}
	out := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		id := cut(len(pairs[i]))
		out[id] = cut(len(pairs[i+1]))
	}
	return out
}

// briefPage is a page of a brief list: Nova's servers or Cinder's volumes.
type briefPage struct {
	Servers      []briefItem  `json:"servers"`
	ServersLinks []serverLink `json:"servers_links"`
	Volumes      []briefItem  `json:"volumes"`
	VolumesLinks []serverLink `json:"volumes_links"`
}

type briefItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// briefList pages through a brief list (Nova's /servers, Cinder's
// /volumes: ID and name only) of every project, calling each for every
// entry. key names the list in the page: "servers" or "volumes" (briefPage
// has those two and their links).
func (c *Client) briefList(ctx context.Context, sc *gophercloud.ServiceClient, service, base, key string, each func(id, name string)) error {
	limit := c.PageSize
	if limit <= 0 {
		limit = 1000
	}
	marker := ""
	for {
		q := url.Values{}
		q.Set("all_tenants", "1")
		q.Set("limit", fmt.Sprint(limit))
		if marker != "" {
			q.Set("marker", marker)
		}
		u := base + "?" + q.Encode()
		// Decoded in one pass: a map of raw values copied each page and
		// scanned it a second time (issue 15: 50 pages of Nova's brief
		// list beside the volumes pane's first load, on the keys' cores).
		var page briefPage
		if _, err := c.getJSON(ctx, sc, service, u, &page); err != nil {
			return err
		}
		var items []briefItem
		var links []serverLink
		switch key {
		case "servers":
			items, links = page.Servers, page.ServersLinks
		case "volumes":
			items, links = page.Volumes, page.VolumesLinks
		default:
			return fmt.Errorf("%s: no brief list of %q", service, key)
		}
		for _, it := range items {
			each(it.ID, it.Name)
		}
		next := false
		for _, l := range links {
			next = next || l.Rel == "next"
		}
		if !next || len(items) == 0 {
			return nil
		}
		last := items[len(items)-1].ID
		if last == marker {
			return &MalformedError{Service: service, URL: u, Snippet: key + "_links next without progress",
				Err: fmt.Errorf("pagination did not advance past marker %q", marker)}
		}
		marker = last
	}
}

// Volume actions: admin-only in Cinder's default policy. Each goes through
// the guarded HTTP client; a refusal comes back as an *APIError with
// Cinder's own message.

func (c *Client) volumeAction(ctx context.Context, id string, body map[string]any) error {
	if id == "" {
		return errors.New("cinder: volume action without a volume ID")
	}
	sc, _, err := c.volumeClient(ctx)
	if err != nil {
		return err
	}
	return c.send(ctx, sc, "cinder", "POST", sc.ServiceURL("volumes", url.PathEscape(id), "action"), body, nil)
}

// ResetVolumeStatus sets a volume's status in Cinder's database only
// (os-reset_status): nothing on the backend changes. attach ("attached" /
// "detached") and migration ("none", "error", ...) are sent when set.
func (c *Client) ResetVolumeStatus(ctx context.Context, id, status, attach, migration string) error {
	args := map[string]any{}
	if status != "" {
		args["status"] = status
	}
	if attach != "" {
		args["attach_status"] = attach
	}
	if migration != "" {
		args["migration_status"] = migration
	}
	if len(args) == 0 {
		return errors.New("cinder: reset status with nothing to set")
	}
	return c.volumeAction(ctx, id, map[string]any{"os-reset_status": args})
}

// ForceDeleteVolume deletes a volume whatever its status (os-force_delete).
func (c *Client) ForceDeleteVolume(ctx context.Context, id string) error {
	return c.volumeAction(ctx, id, map[string]any{"os-force_delete": map[string]any{}})
}

// DeleteVolumeAttachment removes one attachment: DELETE /attachments/{id}
// at microversion >= 3.27, else os-force_detach on the volume.
func (c *Client) DeleteVolumeAttachment(ctx context.Context, volumeID, attachmentID string) error {
	sc, mv, err := c.volumeClient(ctx)
	if err != nil {
		return err
	}
	if attachmentID == "" {
		return errors.New("cinder: detach without an attachment ID")
	}
	if !mv.less(mver{3, 27}) {
		return c.send(ctx, sc, "cinder", "DELETE", sc.ServiceURL("attachments", url.PathEscape(attachmentID)), nil, nil)
	}
	return c.volumeAction(ctx, volumeID, map[string]any{"os-force_detach": map[string]any{"attachment_id": attachmentID, "connector": nil}})
}

// RetypeVolume changes a volume's type, migrating it when the backend must
// change (migration_policy on-demand).
func (c *Client) RetypeVolume(ctx context.Context, id, newType string) error {
	if newType == "" {
		return errors.New("cinder: retype without a type")
	}
	return c.volumeAction(ctx, id, map[string]any{"os-retype": map[string]any{"new_type": newType, "migration_policy": "on-demand"}})
}

// MigrateVolume moves a volume to another backend host ("control02@rbd-1#rbd").
func (c *Client) MigrateVolume(ctx context.Context, id, host string) error {
	if host == "" {
		return errors.New("cinder: migrate without a destination host")
	}
	return c.volumeAction(ctx, id, map[string]any{"os-migrate_volume": map[string]any{"host": host, "force_host_copy": false, "lock_volume": false}})
}

// SinceGrain rounds the since of a delta list down, so that clients
// refreshing at different moments of one interval send the same request.
const SinceGrain = 10 * time.Second

// VolumeIDs lists every volume's ID through the summary list (GET
// /volumes: id, name and links, not the detail): which volumes still
// exist, for a refresh that otherwise reads only what changed (a delta
// never lists a deleted volume).
func (c *Client) VolumeIDs(ctx context.Context) ([]string, error) {
	sc, _, err := c.volumeClient(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	if err := c.briefList(ctx, sc, "cinder", sc.ServiceURL("volumes"), "volumes", func(id, _ string) {
		out = append(out, id)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// ServerIDs lists every server's ID through Nova's brief list (ID and
// name only: a presence check between whole lists), and keeps the names
// it brought for ServerNames.
func (c *Client) ServerIDs(ctx context.Context) ([]string, error) {
	names, err := c.serverNameList(ctx)
	if err != nil {
		return nil, err
	}
	now := c.now()
	st := c.vols()
	st.mu.Lock()
	st.names, st.namesAt, st.namesGen = names, now, 0
	st.mu.Unlock()
	ids := make([]string, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	return ids, nil
}
