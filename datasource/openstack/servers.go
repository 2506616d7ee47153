package openstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// novaServer is the wire form of a server in /servers/detail.
type novaServer struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Status   string          `json:"status"`
	TenantID string          `json:"tenant_id"`
	UserID   string          `json:"user_id"`
	Metadata json.RawMessage `json:"metadata"` // decodeMetadata
	Image    json.RawMessage `json:"image"`    // "" when booted from volume, else {"id":...}
	Flavor   struct {
		ID           string `json:"id"`            // mv < 2.47
		OriginalName string `json:"original_name"` // mv >= 2.47
		VCPUs        int    `json:"vcpus"`
		RAM          int    `json:"ram"`
		Disk         int    `json:"disk"`
	} `json:"flavor"`
	Created    string                `json:"created"`
	Updated    string                `json:"updated"`
	Addresses  map[string][]addrWire `json:"addresses"`
	Zone       string                `json:"OS-EXT-AZ:availability_zone"`
	KeyName    string                `json:"key_name"`
	Host       string                `json:"OS-EXT-SRV-ATTR:host"`
	Hypervisor string                `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	TaskState  string                `json:"OS-EXT-STS:task_state"`
	VMState    string                `json:"OS-EXT-STS:vm_state"`
	PowerState int                   `json:"OS-EXT-STS:power_state"`
	Volumes    []struct {
		ID string `json:"id"`
	} `json:"os-extended-volumes:volumes_attached"`
	Locked         bool       `json:"locked"`
	Fault          *faultWire `json:"fault"`
	SecurityGroups []struct {
		Name string `json:"name"`
	} `json:"security_groups"`

	// Set by scanServerPage, which reads the image's ID as it goes.
	imageID   string
	imageRead bool
	// viewed: set by scanServerPage, whose ID, Name, addresses and volume
	// IDs are views of the page (copied by toServer, into one block per
	// server) and whose network names are interned already.
	viewed bool
}

type addrWire struct {
	Addr string `json:"addr"`
}

type faultWire struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
	Created string `json:"created"`
}

type serverPage struct {
	Servers []novaServer `json:"servers"`
	Links   []struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"servers_links"`
}

func (n *novaServer) toServer() Server { return n.toServerIn(nil) }

// toServerIn is toServer interning through in (nil: intern).
func (n *novaServer) toServerIn(in *pageIntern) Server {
	// A server's own strings and its four lists are one allocation each
	// (issue 15: ~8 small allocations per server were a fifth of decoding
	// a page, and fresh memory the first load pays page faults for).
	own := ownStrings{copy: n.viewed}
	if own.copy {
		k := len(n.ID) + len(n.Name)
		for _, l := range n.Addresses {
			for _, a := range l {
				k += len(a.Addr)
			}
		}
		for _, v := range n.Volumes {
			k += len(v.ID)
		}
		own.b = make([]byte, 0, k)
	}
	// Fields many servers share are interned (intern.go).
	s := Server{ID: own.keep(n.ID), Name: own.keep(n.Name), ProjectID: in.get(fProject, n.TenantID), UserID: in.get(fUser, n.UserID), Status: in.get(fStatus, n.Status),
		TaskState: in.get(fTask, n.TaskState), PowerState: n.PowerState, VMState: in.get(fVMState, n.VMState), Host: in.get(fHost, n.Host),
		Hypervisor: in.get(fHypervisor, n.Hypervisor), Zone: in.get(fZone, n.Zone), FlavorID: in.get(fFlavorID, n.Flavor.ID), FlavorName: in.get(fFlavorName, n.Flavor.OriginalName),
		Metadata: decodeMetadata(n.Metadata), Created: parseTime(n.Created), Updated: parseTime(n.Updated), Locked: n.Locked, KeyName: in.get(fKeyName, n.KeyName)}
	if n.imageRead {
		s.ImageID = in.get(fImage, n.imageID)
	} else {
		s.ImageID = in.get(fImage, rawImageID(n.Image))
	}
	s.VolumeBacked = s.ImageID == ""
	ips := 0
	for _, l := range n.Addresses {
		ips += len(l)
	}
	var list []string // Networks, IPs, VolumeIDs, SecurityGroups in turn
	if k := len(n.Addresses) + ips + len(n.Volumes) + len(n.SecurityGroups); k > 0 {
		list = make([]string, 0, k)
	}
	// next caps the list's strings from start (nil if none): appending to
	// one never writes over the next.
	next := func(start int) []string {
		if len(list) == start {
			return nil
		}
		return list[start:len(list):len(list)]
	}
	if len(n.Addresses) > 0 {
		for k := range n.Addresses {
			if n.viewed {
				list = append(list, k) // interned as read
			} else {
				list = append(list, in.get(fNetwork, k))
			}
		}
		s.Networks = list[:len(list):len(list)]
		sort.Strings(s.Networks)
		start := len(list)
		for _, k := range s.Networks {
			for _, a := range n.Addresses[k] {
				list = append(list, own.keep(a.Addr))
			}
		}
		s.IPs = next(start)
	}
	start := len(list)
	for _, v := range n.Volumes {
		list = append(list, own.keep(v.ID))
	}
	s.VolumeIDs = next(start)
	if n.Fault != nil {
		s.Fault, s.FaultCode, s.FaultAt = n.Fault.Message, n.Fault.Code, parseTime(n.Fault.Created)
	}
	start = len(list)
	for _, g := range n.SecurityGroups {
		// Nova lists a group once per port: name each once.
		if g.Name != "" && !slices.Contains(list[start:], g.Name) {
			list = append(list, in.get(fSecGroup, g.Name))
		}
	}
	s.SecurityGroups = next(start)
	s.Deleted = strings.EqualFold(n.Status, "DELETED") || n.VMState == "deleted"
	return s
}

// rawImageID is the ID of an "image" value ("" when booted from volume).
func rawImageID(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return "" // before objectImageID: its variable is an allocation
	}
	return objectImageID(raw)
}

func objectImageID(raw json.RawMessage) string {
	var img struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &img) != nil {
		return ""
	}
	return img.ID
}

// ownStrings copies strings into one block (b, sized for them first) when
// copy is set, else keeps them as they are.
type ownStrings struct {
	copy bool
	b    []byte
}

func (o *ownStrings) keep(v string) string {
	if !o.copy || v == "" {
		return v
	}
	start := len(o.b)
	// Never past b's cap when sized right; if not, the strings already
	// kept stay in the old block, unchanged.
	o.b = append(o.b, v...)
	return unsafe.String(&o.b[start], len(v))
}

// parseTime reads the timestamp forms OpenStack services emit, all UTC.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	// A zoneless time (Nova's launched_at, no longer read, was one): not
	// trying RFC3339 on it first saves a parse error (two allocations).
	forms := timeForms
	if !hasZone(s) {
		if t, ok := parseNaive(s); ok {
			return t
		}
		forms = forms[1:]
	}
	for _, f := range forms {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

var timeForms = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// parseNaive reads Nova's zoneless "2006-01-02T15:04:05[.999999]" (also
// with a blank for the T) as time.Parse reads it, without its layout
// interpreter (5% of decoding a server page when launched_at was read). ok is
// false for anything else, valid or not: time.Parse has the last word.
func parseNaive(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' && s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	if d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	ns := 0
	if rest := s[19:]; rest != "" {
		// A fraction of any length; its first nine digits count.
		if rest[0] != '.' || len(rest) < 2 {
			return time.Time{}, false
		}
		for i, c := range []byte(rest[1:]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			if i < 9 {
				ns = ns*10 + int(c-'0')
			}
		}
		for i := len(rest) - 1; i < 9; i++ {
			ns *= 10
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC), true
}

// hasZone: s ends in Z or a ±hh:mm offset (what RFC 3339 needs).
func hasZone(s string) bool {
	n := len(s)
	return n > 0 && (s[n-1] == 'Z' || s[n-1] == 'z') || n > 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':'
}

// Servers lists every server in every project (all_tenants, paginated with
// limit/marker), with flavor and project names resolved.
func (c *Client) Servers(ctx context.Context) ([]Server, error) {
	out, _, err := c.listServers(ctx, time.Time{})
	return out, err
}

// ServersChangedSince lists the servers (of every project) changed at or
// after since, using Nova's changes-since filter. Deleted servers are
// included with Deleted set (Nova reports them with status DELETED).
func (c *Client) ServersChangedSince(ctx context.Context, since time.Time) ([]Server, error) {
	out, _, err := c.listServers(ctx, since)
	return out, err
}

// listServers pages through /servers/detail. It also returns "asOf": the
// Nova-clock time just before the first page was queried.
func (c *Client) listServers(ctx context.Context, since time.Time) ([]Server, time.Time, error) {
	return c.listServersQ(ctx, since, nil)
}

// ServersOnHost lists the servers of every project whose compute host is
// host, with Nova's host filter (admin only; ignored for others, so the
// list is filtered here too). Cheaper than a full list on a large cloud.
func (c *Client) ServersOnHost(ctx context.Context, host string) ([]Server, error) {
	if host == "" {
		return nil, fmt.Errorf("nova: ServersOnHost needs a host")
	}
	ss, _, err := c.listServersQ(ctx, time.Time{}, url.Values{"host": {host}})
	if err != nil {
		return nil, err
	}
	out := ss[:0]
	for _, s := range ss {
		if s.Host == host && !s.Deleted {
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *Client) listServersQ(ctx context.Context, since time.Time, extra url.Values) ([]Server, time.Time, error) {
	return c.listServersPaged(ctx, since, extra, nil, true)
}

// ServersPaged lists like Servers (since zero) or ServersChangedSince,
// handing each page to onPage as soon as it is decoded (names resolved),
// in order, so a pane can show the first rows while the rest loads
// (onPage may keep a page but not modify it).
func (c *Client) ServersPaged(ctx context.Context, since time.Time, onPage func([]Server)) ([]Server, error) {
	out, _, err := c.listServersPaged(ctx, since, nil, onPage, true)
	return out, err
}

// ServersPagedCount lists like ServersPaged, handing every page to onPage,
// and returns how many servers the pages held instead of the list: a
// caller that keeps its own rows saves the joined copy (issue 15: 24 MB
// copied page by page, a seventh of the cockpit's CPU in a 50k first load,
// in CPU samples of the real binary's start).
func (c *Client) ServersPagedCount(ctx context.Context, since time.Time, onPage func([]Server)) (int, error) {
	n := 0
	_, _, err := c.listServersPaged(ctx, since, nil, func(ss []Server) {
		n += len(ss)
		onPage(ss)
	}, false)
	return n, err
}

// firstPageLimit is the size of the first page of a paged list: small, so
// the first rows reach the screen in one short request (a 1000-server page
// is ~2 MB for the server to build and the client to decode).
const firstPageLimit = 100

// listServersPaged lists, handing pages to onPage (may be nil); join:
// return the whole list (a whole list's pages are indexed either way; a
// delta's are always joined, for noteServers).
func (c *Client) listServersPaged(ctx context.Context, since time.Time, extra url.Values, onPage func([]Server), join bool) ([]Server, time.Time, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, time.Time{}, err
	}
	limit := c.PageSize
	if limit <= 0 {
		limit = 1000
	}
	var sortedURL func(marker, dir string) string
	var names sync.WaitGroup
	if since.IsZero() {
		// Resolve names while the list loads (start-up latency).
		names.Add(1)
		go func() { defer names.Done(); c.primeNames(ctx) }()
	}
	defer names.Wait()
	pageURL := func(marker string) string { return sortedURL(marker, "") }
	sortedURL = func(marker, dir string) string {
		q := url.Values{}
		for k, v := range extra {
			q[k] = v
		}
		if dir != "" {
			q.Set("sort_key", "uuid")
			q.Set("sort_dir", dir)
		}
		n := limit
		if marker == "" && onPage != nil && limit > firstPageLimit {
			// A small first page: the pane shows rows while the rest loads.
			n = firstPageLimit
		}
		return c.listURL(q, n, marker, since)
	}
	// The list is joined, and a whole list's host index built, page by
	// page as the pages are handed, while the next ones are on the wire:
	// joined at the end, the copy of 50,000 servers and their index came
	// after the last page, 200-250 ms between the last page read and the
	// list on screen at 50k (stamps on the real binary, issue 15). The
	// list is sized like the last whole one, or at a first one from its
	// first pages (sizer), not regrown page after page.
	var out []Server
	var index map[string]serverRef
	both := since.IsZero() && len(extra) == 0 && !c.oneEnd
	var guess sizer
	sized := false // like the last whole list
	guessed := 0   // the room the index was made again with (sizer)
	if since.IsZero() && len(extra) == 0 {
		var last int
		index, last = c.fullIndex()
		if join {
			out = make([]Server, 0, last)
		}
		sized = last > 0
	} else {
		join = true
	}
	hand := func(ss []Server) error {
		names.Wait() // names load alongside the first page
		c.resolveNames(ctx, ss)
		if both && !sized {
			// A first whole list: the index too is sized by the guess
			// (grown entry by entry, its rehashes were ~40 ms of the
			// cockpit's CPU in a 50k first load).
			if n := guess.next(ss); n > 0 {
				if join && n > cap(out) {
					out = append(make([]Server, 0, n), out...)
				}
				if len(index) < n {
					guessed = n
				}
				index = sizedIndex(index, n)
			}
		}
		if join {
			out = append(out, ss...)
		}
		if index != nil {
			indexServers(index, ss)
		}
		if onPage != nil && len(ss) > 0 {
			onPage(ss)
		}
		return nil
	}
	var asOf time.Time
	var err error
	if both {
		// A whole list: from both ends at once (bothends.go). The pages
		// are handed one at a time, so the list stays what was handed.
		asOf, err = c.bothEnds(ctx, sortedURL, pageURL, hand)
	} else {
		asOf, err = c.pagedList(ctx, pageURL, nil, hand)
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	switch {
	case index != nil:
		c.setIndex(index, guessed > len(index))
	case len(extra) == 0:
		c.noteServers(out)
	}
	return out, asOf, nil
}

// listURL is the servers/detail page of a list (q: its other parameters,
// changed) of limit servers from marker, changed since since (zero: all).
func (c *Client) listURL(q url.Values, limit int, marker string, since time.Time) string {
	q.Set("all_tenants", "1")
	q.Set("limit", strconv.Itoa(limit))
	if marker != "" {
		q.Set("marker", marker)
	}
	if !since.IsZero() {
		q.Set("changes-since", since.UTC().Format(time.RFC3339))
	}
	return c.compute.ServiceURL("servers", "detail") + "?" + q.Encode()
}

// firstPageURL is the first page a paged whole list asks for (its
// ascending stream's: bothEnds), "" when a list has no small first page.
func (c *Client) firstPageURL() string {
	limit := c.PageSize
	if limit <= 0 {
		limit = 1000
	}
	if limit <= firstPageLimit || c.oneEnd {
		return ""
	}
	return c.listURL(url.Values{"sort_key": {"uuid"}, "sort_dir": {"asc"}}, firstPageLimit, "", time.Time{})
}

// sizer guesses a whole list's length from the first page of each of
// bothEnds' streams: UUIDs are spread evenly, so the share of the ID
// space a first page covers is its share of the list. The two guesses
// must agree (IDs that are not random UUIDs, or pages not in uuid order,
// give none), and the size is a little over them: a short guess costs
// one regrowth of the list, a long one its memory.
//
// The ascending stream's first page is handed first; the descending
// one's comes when it comes: the ascending stream asks for its next pages
// as soon as the first is read, and those may be handed before it
// (review of rss1k4: taking the second page handed as the descending
// one's, the sizer guessed only when the descending page won that race).
// So the first page in descending order within sizerPages is taken.
type sizer struct {
	pages int
	lo    float64 // the ascending first page's guess
	done  bool    // guessed, or gave up
}

// sizerPages bounds how many pages the sizer looks at for the descending
// stream's first page (a guess after most of the list is in is no use).
const sizerPages = 8

// next takes the next page handed and returns the size to reserve (0:
// none yet, or no guess).
func (z *sizer) next(ss []Server) int {
	z.pages++
	if z.pages == 1 {
		if f, ok := idShare(ss, false); ok {
			z.lo = float64(len(ss)) / f
		}
		z.done = z.lo == 0
		return 0
	}
	if z.done || z.pages > sizerPages {
		return 0
	}
	f, ok := idShare(ss, true)
	if !ok {
		return 0 // an ascending page, or not in uuid order
	}
	z.done = true
	hi := float64(len(ss)) / f
	if hi > 1.5*z.lo || z.lo > 1.5*hi {
		return 0
	}
	return int(min(1.2*max(z.lo, hi), 1<<22))
}

// idShare is the share of the ID space a page in uuid order covers from
// its end (desc: from the top), from the IDs' first 32 bits; ok false when
// the page is not in that order or its IDs are not hex.
func idShare(ss []Server, desc bool) (float64, bool) {
	if len(ss) < 2 {
		return 0, false
	}
	var last uint64
	for i := range ss {
		if len(ss[i].ID) < 8 {
			return 0, false
		}
		v, err := strconv.ParseUint(ss[i].ID[:8], 16, 32)
		if err != nil || i > 0 && (v < last) != desc && v != last {
			return 0, false
		}
		last = v
	}
	if desc {
		last = 1<<32 - 1 - last
	}
	return float64(last+1) / (1 << 32), true
}

// DefaultOverlap is how far back ServerCache re-reads changes: servers
// changed while a list was being served, or stamped by a host whose clock
// lags, are not missed (duplicates are merged).
const DefaultOverlap = 30 * time.Second

// serverClock converts the local time start to the server's clock using
// the response Date header (skew estimate; Date has 1 s resolution, so it
// is rounded down).
func serverClock(h http.Header, start time.Time) time.Time {
	recv := time.Now()
	t := start
	if h != nil {
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			t = start.Add(d.Sub(recv))
		}
	}
	return t.Add(-time.Second).UTC()
}

// primeNames loads the flavor and project caches when empty; a caller
// that comes while they load (a first list after Prewarm's) waits for
// that load instead of asking again.
func (c *Client) primeNames(ctx context.Context) {
	ch := c.priming.DoChan("names", func() (any, error) { c.primeNamesNow(ctx); return nil, nil })
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

func (c *Client) primeNamesNow(ctx context.Context) {
	// The negotiated microversion as it is (not AtLeast, which waits for
	// Connect: connect itself starts this, once it has negotiated).
	embedded := !c.mv.less(mver{2, 47})
	c.mu.Lock()
	needF := c.flavors == nil && !embedded
	needP := c.projects == nil
	c.mu.Unlock()
	var wg sync.WaitGroup
	if needF {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.flavorsNow(ctx) }()
	}
	if needP {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.projectsNow(ctx) }()
	}
	wg.Wait()
}

// nameRetry is how often an unknown flavor/project ID may trigger a reload.
const nameRetry = time.Minute

func (c *Client) resolveNames(ctx context.Context, ss []Server) {
	c.mu.Lock()
	missF, missP := false, false
	for i := range ss {
		if ss[i].FlavorName == "" && ss[i].FlavorID != "" {
			if _, ok := c.flavors[ss[i].FlavorID]; !ok {
				missF = true
			}
		}
		if ss[i].ProjectID != "" {
			if _, ok := c.projects[ss[i].ProjectID]; !ok {
				missP = true
			}
		}
	}
	reF := missF && time.Since(c.flavorsAt) > nameRetry
	reP := missP && time.Since(c.projectsAt) > nameRetry
	c.mu.Unlock()
	if reF {
		_, _ = c.Flavors(ctx)
	}
	if reP {
		_, _ = c.Projects(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range ss {
		if ss[i].FlavorName == "" {
			if f, ok := c.flavors[ss[i].FlavorID]; ok {
				ss[i].FlavorName = f.Name
			}
		}
		if n, ok := c.projects[ss[i].ProjectID]; ok {
			ss[i].ProjectName = n
		}
	}
}

// Flavors lists every flavor (public and private) and refreshes the cache.
func (c *Client) Flavors(ctx context.Context) ([]Flavor, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c.flavorsNow(ctx)
}

// flavorsNow is Flavors on a client connected (or connecting, past its
// discovery and microversion: primeNamesNow).
func (c *Client) flavorsNow(ctx context.Context) ([]Flavor, error) {
	var body struct {
		Flavors []struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			VCPUs int    `json:"vcpus"`
			RAM   int    `json:"ram"`
			Disk  int    `json:"disk"`
		} `json:"flavors"`
	}
	u := c.compute.ServiceURL("flavors", "detail") + "?is_public=None"
	_, err := c.getJSON(ctx, c.compute, "nova", u, &body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flavorsAt = time.Now()
	if err != nil {
		return nil, err
	}
	m := make(map[string]Flavor, len(body.Flavors))
	out := make([]Flavor, 0, len(body.Flavors))
	for _, f := range body.Flavors {
		fl := Flavor{ID: f.ID, Name: f.Name, VCPUs: f.VCPUs, RAMMB: f.RAM, DiskGB: f.Disk}
		m[f.ID] = fl
		out = append(out, fl)
	}
	c.flavors = m
	return out, nil
}

// Projects returns project ID -> name from Keystone (/v3/projects) and
// refreshes the cache. Without the right to list all projects (403) it
// falls back to the caller's own projects (/v3/auth/projects) and returns
// the 403; other servers then show their project ID only.
func (c *Client) Projects(ctx context.Context) (map[string]string, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c.projectsNow(ctx)
}

// projectsNow is Projects on a client connected (or connecting: see
// flavorsNow).
func (c *Client) projectsNow(ctx context.Context) (map[string]string, error) {
	type projList struct {
		Projects []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"projects"`
	}
	var body projList
	_, err := c.getJSON(ctx, c.identity, "keystone", c.identity.ServiceURL("projects"), &body)
	m := map[string]string{}
	if err != nil {
		if c.id.ProjectID != "" {
			m[c.id.ProjectID] = c.id.Project
		}
		var own projList
		if _, err2 := c.getJSON(ctx, c.identity, "keystone", c.identity.ServiceURL("auth", "projects"), &own); err2 == nil {
			body = own
		}
	}
	for _, p := range body.Projects {
		m[p.ID] = p.Name
	}
	c.mu.Lock()
	c.projectsAt = time.Now()
	c.projectsErr = err
	c.projects = m
	c.mu.Unlock()
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out, err
}

// ProjectsError is the last error listing projects (nil when names are
// available), so a pane can say why project names are missing.
func (c *Client) ProjectsError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.projectsErr
}

// Server fetches one server (GET /servers/{id}). Non-admins get 404 for
// other projects' servers even when they can list them.
func (c *Client) Server(ctx context.Context, id string) (Server, error) {
	if err := c.Connect(ctx); err != nil {
		return Server{}, err
	}
	var body struct {
		Server novaServer `json:"server"`
	}
	if _, err := c.getJSON(ctx, c.compute, "nova", c.compute.ServiceURL("servers", url.PathEscape(id)), &body); err != nil {
		return Server{}, err
	}
	ss := []Server{body.Server.toServer()}
	c.resolveNames(ctx, ss)
	return ss[0], nil
}

// ServerCache keeps the server list of a cloud up to date at O(changes)
// cost: the first Refresh lists everything, later ones only ask Nova for
// servers changed since the previous refresh (changes-since) and merge
// them in, dropping deleted servers. It re-lists fully every FullEvery.
type ServerCache struct {
	c *Client
	// FullEvery forces a full list after this long (default 15 minutes;
	// < 0 never).
	FullEvery time.Duration
	// Overlap widens each changes-since window backwards (default
	// DefaultOverlap) against clock skew between Nova's hosts.
	Overlap time.Duration

	mu       sync.Mutex
	list     []Server
	byID     map[string]int
	since    time.Time
	lastFull time.Time
	stats    RefreshStats
}

// RefreshStats describes the last Refresh.
type RefreshStats struct {
	Full    bool          // a full list (first, forced, or periodic)
	Changed int           // servers received
	Deleted int           // of which deleted
	Bytes   int64         // response bytes read
	Took    time.Duration // wall time
	At      time.Time     // when it finished
}

// NewServerCache returns an empty cache over c.
func NewServerCache(c *Client) *ServerCache {
	return &ServerCache{c: c, FullEvery: 15 * time.Minute}
}

// Invalidate makes the next Refresh a full list (e.g. after an action, or
// on the user's explicit full refresh).
func (s *ServerCache) Invalidate() {
	s.mu.Lock()
	s.since = time.Time{}
	s.mu.Unlock()
}

// Stats describes the last successful Refresh.
func (s *ServerCache) Stats() RefreshStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Servers returns the cached list without any request (shared; do not
// modify).
func (s *ServerCache) Servers() []Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list
}

// Refresh brings the cache up to date and returns the merged list. The
// slice is shared and never modified afterwards (copy on write): callers may
// keep it but must not change it. On error the cache is unchanged and the
// caller keeps its last good data.
func (s *ServerCache) Refresh(ctx context.Context) ([]Server, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := time.Now()
	b0 := s.c.BytesRead()
	full := s.since.IsZero() || s.byID == nil || (s.FullEvery > 0 && time.Since(s.lastFull) > s.FullEvery)
	since := s.since
	if full {
		since = time.Time{}
	}
	got, asOf, err := s.c.listServers(ctx, since)
	if err != nil {
		return nil, err
	}
	st := RefreshStats{Full: full, Changed: len(got)}
	if full {
		list := make([]Server, 0, len(got))
		byID := make(map[string]int, len(got))
		for _, sv := range got {
			if sv.Deleted {
				continue
			}
			byID[sv.ID] = len(list)
			list = append(list, sv)
		}
		s.list, s.byID = list, byID
		s.lastFull = time.Now()
	} else if len(got) > 0 {
		// Copy on write: slices returned earlier stay untouched.
		list := append(make([]Server, 0, len(s.list)+len(got)), s.list...)
		removed := false
		for _, sv := range got {
			i, ok := s.byID[sv.ID]
			switch {
			case sv.Deleted:
				st.Deleted++
				if ok {
					list[i].Deleted = true
					removed = true
				}
			case ok:
				list[i] = sv
			default:
				s.byID[sv.ID] = len(list)
				list = append(list, sv)
			}
		}
		if removed {
			kept := list[:0]
			for _, sv := range list {
				if !sv.Deleted {
					kept = append(kept, sv)
				}
			}
			list = kept
			clear(s.byID)
			for i, sv := range list {
				s.byID[sv.ID] = i
			}
		}
		s.list = list
	}
	// Next changes-since: Nova's clock (Date header) when this list began,
	// minus Overlap: updated_at is written by services on other hosts whose
	// clocks may lag; servers seen twice are merged idempotently.
	ov := s.Overlap
	if ov <= 0 {
		ov = DefaultOverlap
	}
	s.since = asOf.Add(-ov)
	st.Bytes = s.c.BytesRead() - b0
	st.Took = time.Since(t0)
	st.At = time.Now()
	s.stats = st
	return s.list, nil
}
