package ceph

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The whole dashboard snapshot is O(cluster): at 2,000 OSDs /api/osd alone
// is over a megabyte, and with /api/host and the per-OSD flags 1.5 MB a
// refresh (issue 15). Most refreshes change nothing but counters, so a
// refresh reads the summary (/api/health/minimal: health checks with their
// detail, PG states, object and usage counters, each OSD's up/in, the
// quorum; /api/osd/flags; /api/summary's progress) and lays it over the
// last whole snapshot. The whole snapshot is read again when the summary's
// signature (health status, the checks present, the flags, each OSD's
// up/in) differs from the one it was read with, when the OSD count
// changed, after a change made through this client, whenever the caller
// asks (WithWhole: the Ceph pane on screen), and at least every
// WholeEvery as a safety net for what only it shows (OSD usage and PG
// counts, pools, monitors' addresses).
//
// The minimal still lists every OSD's up/in (81 kB a refresh at 2,000
// OSDs: 1.7 MB a minute). A dashboard that has /api/health/snapshot (newer
// than Pacific: `ceph status` in brief, the OSD counts instead of the
// list) gives the summary from it instead: the whole snapshot is read
// again when the up or in count moves, besides the rest of the signature;
// the object counters are the whole read's then (up to WholeEvery old
// while the Ceph pane is hidden). Counts cannot tell an OSD going down
// while another comes up in the same refresh, so the snapshot is asked
// only while the whole read had every OSD up and in (then any change
// moves a count); otherwise the minimal. A dashboard without it (404) is
// asked the minimal until the next whole read.

// WithWhole asks Snapshot for the whole snapshot, not the summary over an
// older one: a pane on screen shows OSD usage, pools and PG counts, which
// only the whole snapshot brings, so none of them may be older than its
// refresh. The pane asks this only while on screen; off screen the
// summary keeps what the cockpit's other panes need current.
func WithWhole(ctx context.Context) context.Context {
	return context.WithValue(ctx, wholeKey{}, true)
}

type wholeKey struct{}

// WantsWhole reports whether ctx asks for the whole snapshot (WithWhole).
func WantsWhole(ctx context.Context) bool { v, _ := ctx.Value(wholeKey{}).(bool); return v }

// defaultWholeEvery is WholeEvery's default. What only the whole read
// brings (OSD usage, pools, PG counts per OSD, monitors' addresses) only
// the Ceph pane shows, and it reads the whole snapshot every refresh while
// on screen and at once when it comes on screen; off screen the summary
// follows what the other panes and the host model use, and this net
// catches what a summary does not show (OSD usage, pools). Once a minute,
// it was 1.5 MB a minute at 2,000 OSDs (issue 15).
const defaultWholeEvery = 5 * time.Minute

// wholeCache is the last whole snapshot and what its summary said.
type wholeCache struct {
	mu     sync.Mutex
	noSnap bool // /api/health/snapshot answered 404 since the last whole read
	c      *Cluster
	at     time.Time
	sig    string
	gen    uint64 // changes made through this client
	cgen   uint64 // gen when c was read
	reads  struct{ whole, summary int }
}

// changed marks the cached snapshot stale: a change went through this
// client.
func (d *Dashboard) changed() {
	d.cache.mu.Lock()
	d.cache.gen++
	d.cache.mu.Unlock()
}

// Reads reports how many whole and summary-only snapshots this client
// made (tests, benchmarks).
func (d *Dashboard) Reads() (whole, summary int) {
	d.cache.mu.Lock()
	defer d.cache.mu.Unlock()
	return d.cache.reads.whole, d.cache.reads.summary
}

// Snapshot implements Source: the summary laid over the last whole
// snapshot, or the whole snapshot when the summary shows a change or the
// safety net is due. Each answer's Fetched is when it was read; OSD usage,
// pools and monitors' addresses may be up to WholeEvery older.
func (d *Dashboard) Snapshot(ctx context.Context) (*Cluster, error) {
	// Log in once up front so parallel requests do not each try.
	if _, err := d.currentToken(ctx, ""); err != nil {
		return nil, err
	}
	every := d.WholeEvery
	if every <= 0 {
		every = defaultWholeEvery
	}
	d.cache.mu.Lock()
	last, at, sig, fresh := d.cache.c, d.cache.at, d.cache.sig, d.cache.cgen == d.cache.gen
	gen := d.cache.gen
	d.cache.mu.Unlock()
	if last != nil && fresh && !WantsWhole(ctx) && d.now().Sub(at) < every {
		c, err := d.summary(ctx, last)
		if err != nil {
			return nil, err
		}
		if c != nil && signature(c) == sig {
			d.cache.mu.Lock()
			d.cache.reads.summary++
			d.cache.mu.Unlock()
			return c, nil
		}
	}
	c, err := d.whole(ctx)
	if err != nil {
		return nil, err
	}
	d.cache.mu.Lock()
	d.cache.reads.whole++
	d.cache.c, d.cache.at, d.cache.sig, d.cache.cgen = nil, time.Time{}, "", gen
	// A 404 may have been a proxy's during a manager's move, or the
	// dashboard was upgraded since: the next summary asks the snapshot
	// again (one request per whole read on a dashboard without it).
	d.cache.noSnap = false
	if len(c.Notes) == 0 { // only a complete snapshot is worth laying summaries over
		d.cache.c, d.cache.at, d.cache.sig = c, d.now(), signature(c)
	}
	d.cache.mu.Unlock()
	return c, nil
}

// summary reads the per-refresh summary and lays it over last; nil (and no
// error) when it cannot be laid over (the OSD count changed, a part failed:
// the caller reads the whole snapshot).
func (d *Dashboard) summary(ctx context.Context, last *Cluster) (*Cluster, error) {
	d.cache.mu.Lock()
	noSnap := d.cache.noSnap
	d.cache.mu.Unlock()
	// The snapshot's counts cannot tell an OSD coming up while another
	// goes down (a rolling restart) from nothing: they are enough only
	// while every OSD was up and in at the whole read, when any change
	// moves a count. Otherwise the minimal says which OSD is which.
	if !noSnap && allUpIn(last.OSDs) {
		c, err := d.briefSummary(ctx, last)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || ae.Path != "/api/health/snapshot" {
			return c, err
		}
		d.cache.mu.Lock()
		d.cache.noSnap = true
		d.cache.mu.Unlock()
	}
	var hm healthFull
	flags, sum, hErr, fe, se := d.healthFlagsSummary(ctx, "/api/health/minimal", &hm)
	if hErr != nil {
		return nil, hErr
	}
	if fe != nil || se != nil || len(hm.OSDMap.OSDs) != len(last.OSDs) {
		return nil, nil
	}
	c := *last
	c.Fetched, c.Notes, c.LaidOver = time.Now(), nil, last.Fetched
	c.takeHealth(&hm)
	c.Crashes = ParseCrashes(c.Checks)
	c.Flags = flags
	c.Progress = sum.progress()
	// The minimal lists up/in in OSD id order, without ids.
	c.OSDs = append([]OSD(nil), last.OSDs...)
	byID := make([]int, len(c.OSDs))
	for i := range c.OSDs {
		byID[i] = i
	}
	sort.Slice(byID, func(a, b int) bool { return c.OSDs[byID[a]].ID < c.OSDs[byID[b]].ID })
	for i, w := range hm.OSDMap.OSDs {
		o := &c.OSDs[byID[i]]
		o.Up, o.In = w.Up == 1, w.In == 1
		if w.State != nil {
			o.State = w.State
		}
	}
	if len(hm.MonStatus.Quorum) > 0 {
		q := map[int]bool{}
		for _, r := range hm.MonStatus.Quorum {
			q[r] = true
		}
		c.Mons = append([]Mon(nil), last.Mons...)
		for i := range c.Mons {
			c.Mons[i].InQuorum = q[c.Mons[i].Rank]
		}
	}
	return &c, nil
}

// allUpIn reports whether every OSD is up and in.
func allUpIn(osds []OSD) bool {
	up, in := UpIn(osds)
	return up == len(osds) && in == len(osds)
}

// UpIn counts the OSDs up and the OSDs in.
func UpIn(osds []OSD) (up, in int) {
	for _, o := range osds {
		if o.Up {
			up++
		}
		if o.In {
			in++
		}
	}
	return up, in
}

// healthFlagsSummary asks a summary's three reads at once: the health
// answer at path (into health), the OSD flags and /api/summary.
func (d *Dashboard) healthFlagsSummary(ctx context.Context, path string, health any) (flags []string, sum summaryResp, hErr, fe, se error) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); hErr = d.do(ctx, http.MethodGet, path, nil, health) }()
	go func() { defer wg.Done(); fe = d.do(ctx, http.MethodGet, "/api/osd/flags", nil, &flags) }()
	go func() { defer wg.Done(); se = d.do(ctx, http.MethodGet, "/api/summary", nil, &sum) }()
	wg.Wait()
	return flags, sum, hErr, fe, se
}

// takeHealth sets what a health answer (full or minimal) says: status,
// checks, PG states, object counts, and the usage and managers when it
// has them (a summary keeps the whole snapshot's otherwise).
func (c *Cluster) takeHealth(h *healthFull) {
	c.Status = h.Health.Status
	c.Checks = h.Health.checks()
	c.PGStates = h.PGInfo.Statuses
	os := h.PGInfo.ObjectStats
	c.Objects = ObjectStats{Objects: os.NumObjects, Copies: os.Copies, Degraded: os.Degraded, Misplaced: os.Misplaced, Unfound: os.Unfound}
	if h.DF.Stats.TotalBytes > 0 {
		c.Usage = Usage{TotalBytes: h.DF.Stats.TotalBytes, AvailBytes: h.DF.Stats.AvailBytes, UsedBytes: h.DF.Stats.UsedRaw}
	}
	c.RecoveryBytesPerSec = h.ClientPerf.Recovering
	if h.MgrMap.ActiveName != "" {
		c.MgrActive = h.MgrMap.ActiveName
		c.MgrStandbys = standbyNames(h.MgrMap.Standbys)
	}
}

// signature is what makes a summary worth a whole read when it changes:
// the health status, the checks present with their severity, the count of
// those whose detail the cockpit reads off screen (countedChecks), the
// flags and each OSD's up/in. Counters (objects, bytes, PG states) move on
// every refresh of a busy cluster and are laid over as they come.
func signature(c *Cluster) string {
	var b strings.Builder
	b.WriteString(c.Status)
	b.WriteByte('|')
	checks := make([]string, 0, len(c.Checks))
	for _, ch := range c.Checks {
		s := ch.Type + "=" + ch.Severity
		if countedChecks[ch.Type] {
			s += "#" + strconv.Itoa(ch.Count)
		}
		checks = append(checks, s)
	}
	sort.Strings(checks)
	b.WriteString(strings.Join(checks, ","))
	b.WriteByte('|')
	flags := append([]string(nil), c.Flags...)
	sort.Strings(flags)
	b.WriteString(strings.Join(flags, ","))
	b.WriteByte('|')
	ids := make([]int, len(c.OSDs))
	up := map[int]OSD{}
	for i, o := range c.OSDs {
		ids[i] = o.ID
		up[o.ID] = o
	}
	sort.Ints(ids)
	for _, id := range ids {
		o := up[id]
		b.WriteString(strconv.Itoa(id))
		if o.Up {
			b.WriteByte('u')
		}
		if o.In {
			b.WriteByte('i')
		}
		b.WriteByte(',')
	}
	return b.String()
}

// countedChecks are the checks whose detail is used off the Ceph pane
// (the crashes, the OSDs down): the snapshot's checks have no detail and
// carry the whole read's, so a new crash (the count moves, the check
// stays) must bring a whole read, not the old crash list under the new
// count.
var countedChecks = map[string]bool{"RECENT_CRASH": true, "RECENT_MGR_MODULE_CRASH": true, "OSD_DOWN": true}

// healthSnapshot is /api/health/snapshot (the fields used).
type healthSnapshot struct {
	Health wireHealth `json:"health"`
	MonMap struct {
		Quorum []int `json:"quorum"`
	} `json:"monmap"`
	OSDMap struct {
		In      int `json:"in"`
		Up      int `json:"up"`
		NumOSDs int `json:"num_osds"`
	} `json:"osdmap"`
	PGMap struct {
		States []struct {
			Name  string `json:"state_name"`
			Count int    `json:"count"`
		} `json:"pgs_by_state"`
		BytesUsed  int64   `json:"bytes_used"`
		BytesTotal int64   `json:"bytes_total"`
		Recovering float64 `json:"recovering_bytes_per_sec"`
	} `json:"pgmap"`
}

// briefSummary is summary from /api/health/snapshot: nil (and no error)
// when the OSD counts differ from last's (the caller reads the whole
// snapshot), an APIError 404 when the dashboard has no such endpoint.
func (d *Dashboard) briefSummary(ctx context.Context, last *Cluster) (*Cluster, error) {
	var hs healthSnapshot
	flags, sum, hErr, fe, se := d.healthFlagsSummary(ctx, "/api/health/snapshot", &hs)
	if hErr != nil {
		return nil, hErr
	}
	up, in := UpIn(last.OSDs)
	if fe != nil || se != nil || hs.OSDMap.NumOSDs != len(last.OSDs) || hs.OSDMap.Up != up || hs.OSDMap.In != in {
		return nil, nil
	}
	c := *last
	c.Fetched, c.Notes, c.LaidOver = time.Now(), nil, last.Fetched
	c.Status = hs.Health.Status
	// The brief checks have no detail: a check the whole read saw keeps
	// its lines (the crashes are read from them).
	detail := map[string][]string{}
	for _, ch := range last.Checks {
		detail[ch.Type] = ch.Detail
	}
	c.Checks = hs.Health.checks()
	for i := range c.Checks {
		c.Checks[i].Detail = detail[c.Checks[i].Type]
	}
	c.Crashes = ParseCrashes(c.Checks)
	c.Flags = flags
	c.Progress = sum.progress()
	c.PGStates = make(map[string]int, len(hs.PGMap.States))
	for _, st := range hs.PGMap.States {
		c.PGStates[st.Name] = st.Count
	}
	if hs.PGMap.BytesTotal > 0 {
		c.Usage = Usage{TotalBytes: hs.PGMap.BytesTotal, AvailBytes: hs.PGMap.BytesTotal - hs.PGMap.BytesUsed, UsedBytes: hs.PGMap.BytesUsed}
	}
	c.RecoveryBytesPerSec = hs.PGMap.Recovering
	if len(hs.MonMap.Quorum) > 0 {
		q := map[int]bool{}
		for _, r := range hs.MonMap.Quorum {
			q[r] = true
		}
		c.Mons = append([]Mon(nil), last.Mons...)
		for i := range c.Mons {
			c.Mons[i].InQuorum = q[c.Mons[i].Rank]
		}
	}
	return &c, nil
}
