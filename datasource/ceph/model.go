// Package ceph reads a Ceph cluster's state (health checks with their detail
// lines, OSDs by host, PG states, pools, monitors, recent crashes, recovery
// progress) and changes the few things an OpenStack operator needs during an
// incident (noout, OSD out/in).
//
// Three sources fill the same Cluster model:
//   - Dashboard: the mgr dashboard REST API (JWT auth, versioned Accept
//     header). Full detail, and the only HTTP source that can act.
//   - Metrics: the mgr prometheus module's /metrics text. No check messages,
//     no crash list; used when the dashboard module is not enabled.
//   - Command: a configured command such as `ssh mon1 ceph` run with
//     `... -f json` arguments, for clusters with neither HTTP API.
//
// The package knows nothing of the terminal; it takes its *http.Client (with
// the read-only guard) or its command runner from the caller.
package ceph

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Source reads a cluster snapshot.
type Source interface {
	Snapshot(ctx context.Context) (*Cluster, error)
	// Kind names the source for the status line: "dashboard", "prometheus", "command".
	Kind() string
}

// Actor changes cluster state. Every method verifies its effect with a
// read-back and returns an error when the cluster did not change.
type Actor interface {
	// SetNoout sets (on) or unsets the cluster-wide noout flag.
	SetNoout(ctx context.Context, on bool) error
	// SetOSDNoout sets or unsets noout on one OSD.
	SetOSDNoout(ctx context.Context, id int, on bool) error
	// MarkOSD marks an OSD in (in=true) or out.
	MarkOSD(ctx context.Context, id int, in bool) error
}

// Health statuses as Ceph prints them.
const (
	HealthOK   = "HEALTH_OK"
	HealthWarn = "HEALTH_WARN"
	HealthErr  = "HEALTH_ERR"
)

// Cluster is one snapshot of a cluster.
type Cluster struct {
	FSID   string
	Status string // HEALTH_OK, HEALTH_WARN, HEALTH_ERR ("" when unknown)
	Checks []Check
	Flags  []string // cluster-wide OSD map flags (noout, sortbitwise, ...)

	OSDs  []OSD
	Pools []Pool
	Mons  []Mon
	// MgrActive and MgrStandbys name the manager daemons.
	MgrActive   string
	MgrStandbys []string

	// PGStates counts PGs per state string ("active+clean": 118).
	PGStates map[string]int
	Objects  ObjectStats
	Usage    Usage

	Crashes  []Crash
	Progress []Progress
	// RecoveryBytesPerSec is the cluster's current recovery throughput.
	RecoveryBytesPerSec float64

	// Source is the source kind that produced the snapshot; Notes say what
	// it could not provide or why a fallback was used.
	Source  string
	Notes   []string
	Fetched time.Time
	// LaidOver: a summary laid over the whole snapshot of this time (the
	// dashboard's per-refresh read, summary.go): OSD usage, PG counts,
	// pools and monitors' addresses are as of then. Zero: all of it is as
	// of Fetched.
	LaidOver time.Time
}

// Check is one health check, like a `ceph health detail` entry.
type Check struct {
	Type     string // OSD_DOWN
	Severity string // HEALTH_WARN, HEALTH_ERR
	Summary  string
	Count    int
	Detail   []string
	Muted    bool
}

// OSD is one object storage daemon.
type OSD struct {
	ID          int
	Name        string // osd.3
	Host        string // CRUSH host bucket (or metadata hostname)
	Up, In      bool
	DeviceClass string
	Weight      float64 // reweight (0 when out)
	CrushWeight float64
	BytesTotal  int64
	BytesUsed   int64
	PGs         int
	// State is the OSD map state list ("exists", "up", "full", ...).
	State []string
	// Noout is the per-OSD noout flag.
	Noout bool
}

// Utilisation is the used fraction of the OSD's capacity (0 when unknown).
func (o OSD) Utilisation() float64 {
	if o.BytesTotal <= 0 {
		return 0
	}
	return float64(o.BytesUsed) / float64(o.BytesTotal)
}

// Pool is one pool with its df statistics.
type Pool struct {
	ID          int
	Name        string
	Type        string // replicated, erasure
	Size        int
	MinSize     int // 0 when unknown (prometheus)
	PGNum       int
	Stored      int64
	Used        int64 // raw bytes used
	MaxAvail    int64
	PercentUsed float64 // fraction 0..1
	Objects     int64
	Apps        []string
	PGStates    map[string]int
}

// NoRedundancy reports a replicated pool that keeps a single copy.
func (p Pool) NoRedundancy() bool { return p.Size == 1 && p.Type != "erasure" }

// Mon is one monitor.
type Mon struct {
	Name     string
	Rank     int
	Addr     string
	Host     string
	InQuorum bool
}

// ObjectStats are the PG map's object counters.
type ObjectStats struct {
	Objects, Copies, Degraded, Misplaced, Unfound int64
}

// Usage is the cluster's raw capacity.
type Usage struct {
	TotalBytes, UsedBytes, AvailBytes int64
}

// Crash is one recent daemon crash.
type Crash struct {
	Daemon string // osd.1
	Host   string
	Time   time.Time
	// Line is the raw detail line the crash was read from.
	Line string
}

// Progress is one mgr progress event (recovery, rebalancing).
type Progress struct {
	Message  string
	Fraction float64 // 0..1
	Started  time.Time
}

// Check returns the check of a type, if present.
func (c *Cluster) Check(typ string) (Check, bool) {
	for _, ch := range c.Checks {
		if ch.Type == typ {
			return ch, true
		}
	}
	return Check{}, false
}

// HasFlag reports whether a cluster-wide flag is set.
func (c *Cluster) HasFlag(f string) bool {
	for _, x := range c.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// OSD returns an OSD by id.
func (c *Cluster) OSD(id int) (OSD, bool) {
	for _, o := range c.OSDs {
		if o.ID == id {
			return o, true
		}
	}
	return OSD{}, false
}

// Hosts lists the hosts that carry OSDs, sorted.
func (c *Cluster) Hosts() []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range c.OSDs {
		if !seen[o.Host] {
			seen[o.Host] = true
			out = append(out, o.Host)
		}
	}
	sort.Strings(out)
	return out
}

// NumPGs is the total PG count.
func (c *Cluster) NumPGs() int {
	n := 0
	for _, v := range c.PGStates {
		n += v
	}
	return n
}

// PGSummary groups PG states into the buckets an operator scans first.
type PGSummary struct {
	Total, ActiveClean                                   int
	Degraded, Undersized, Stale, Recovering, Backfilling int
	Peering, Down, Inactive, Incomplete, Inconsistent    int
	Remapped, Misplaced, Unknown, Other                  int
}

// SummarizePGs buckets PG state counts. A PG counts in every bucket whose
// word it carries ("active+undersized+degraded" is both undersized and
// degraded), so buckets do not sum to Total.
func SummarizePGs(states map[string]int) PGSummary {
	var s PGSummary
	for st, n := range states {
		s.Total += n
		parts := map[string]bool{}
		for _, p := range strings.Split(st, "+") {
			parts[p] = true
		}
		if st == "active+clean" {
			s.ActiveClean += n
			continue
		}
		matched := false
		add := func(cond bool, f *int) {
			if cond {
				*f += n
				matched = true
			}
		}
		add(parts["degraded"], &s.Degraded)
		add(parts["undersized"], &s.Undersized)
		add(parts["stale"], &s.Stale)
		add(parts["recovering"] || parts["recovery_wait"], &s.Recovering)
		add(parts["backfilling"] || parts["backfill_wait"], &s.Backfilling)
		add(parts["peering"], &s.Peering)
		add(parts["down"], &s.Down)
		add(!parts["active"] && !parts["unknown"], &s.Inactive)
		add(parts["incomplete"], &s.Incomplete)
		add(parts["inconsistent"], &s.Inconsistent)
		add(parts["remapped"], &s.Remapped)
		add(parts["unknown"], &s.Unknown)
		if !matched {
			s.Other += n
		}
	}
	return s
}

var crashLine = regexp.MustCompile(`^(\S+) crashed on host (\S+) at (\S+)`)

// ParseCrashes reads the RECENT_CRASH detail lines ("osd.1 crashed on host
// compute02 at 2026-11-22T10:34:15.140833Z"). Pacific's dashboard has no crash
// endpoint, so this is where crashes come from. Lines that do not match
// (e.g. "and 3 more") are kept with only Line set.
func ParseCrashes(checks []Check) []Crash {
	var out []Crash
	for _, ch := range checks {
		if ch.Type != "RECENT_CRASH" && ch.Type != "RECENT_MGR_MODULE_CRASH" {
			continue
		}
		for _, l := range ch.Detail {
			c := Crash{Line: l}
			if m := crashLine.FindStringSubmatch(l); m != nil {
				c.Daemon, c.Host = m[1], m[2]
				if t, err := time.Parse(time.RFC3339Nano, m[3]); err == nil {
					c.Time = t
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// SeverityRank orders severities: ERR 2, WARN 1, anything else 0.
func SeverityRank(s string) int {
	switch s {
	case HealthErr:
		return 2
	case HealthWarn:
		return 1
	}
	return 0
}

// sortChecks puts errors first, then warnings, keeping the server's order
// within a severity.
func sortChecks(cs []Check) {
	sort.SliceStable(cs, func(i, j int) bool { return SeverityRank(cs[i].Severity) > SeverityRank(cs[j].Severity) })
}

func sortOSDs(os []OSD) {
	sort.SliceStable(os, func(i, j int) bool {
		if os[i].Host != os[j].Host {
			return os[i].Host < os[j].Host
		}
		return os[i].ID < os[j].ID
	})
}

// osdName formats an OSD id the Ceph way.
func osdName(id int) string { return "osd." + itoa(id) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Fallback reads from Primary and, when that fails, from Secondary, saying
// why in the snapshot's notes (e.g. the dashboard module is not enabled, so
// the prometheus module's metrics are shown instead).
type Fallback struct {
	Primary, Secondary Source
}

// Kind implements Source.
func (f Fallback) Kind() string { return f.Primary.Kind() }

// Snapshot implements Source.
func (f Fallback) Snapshot(ctx context.Context) (*Cluster, error) {
	c, err := f.Primary.Snapshot(ctx)
	// A primary backing off (it slowed down; the read was not sent) is
	// not down: reading the secondary instead would add load where the
	// pacer means less (issue 15: at 1,000 hosts the prometheus module's
	// 630 kB /metrics was read each refresh the dashboard was spared).
	// The pane keeps its data and says why.
	if err == nil || f.Secondary == nil || ctx.Err() != nil || errors.Is(err, httpclient.ErrBackoff) {
		return c, err
	}
	c2, err2 := f.Secondary.Snapshot(ctx)
	if err2 != nil {
		return nil, fmt.Errorf("%w; fallback %s: %v", err, f.Secondary.Kind(), err2)
	}
	c2.Notes = append([]string{f.Primary.Kind() + " unavailable, showing " + f.Secondary.Kind() + ": " + err.Error()}, c2.Notes...)
	return c2, nil
}
