// Package snapshot builds the non-interactive incident report of
// `stackpit snapshot`: down compute hosts, dead agents, firing alerts, Ceph
// health and the top problems, as text, markdown or JSON, with an exit code
// that follows the monitoring-plugin convention for cron, Nagios/Icinga and
// scripts: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (nothing could be
// checked, or no cloud is configured: never "OK" having looked at nothing).
// Every backend is read
// concurrently with its own timeout; one that cannot be reached is itself a
// finding, never a hang.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/hostmodel"
	"github.com/stackpit/stackpit/redact"
)

// Level is a finding's severity; the report's exit code is its worst level.
type Level int

const (
	OK Level = iota
	Warn
	Crit
	// Unknown: the snapshot could not tell (no cloud configured, no
	// backend answered). Exit code 3.
	Unknown
)

func (l Level) String() string {
	switch l {
	case Warn:
		return "WARN"
	case Crit:
		return "CRIT"
	case Unknown:
		return "UNKNOWN"
	}
	return "OK"
}

// pluginWord is the monitoring-plugin status word of the summary line.
func (l Level) pluginWord() string {
	switch l {
	case Warn:
		return "WARNING"
	case Crit:
		return "CRITICAL"
	case Unknown:
		return "UNKNOWN"
	}
	return "OK"
}

// rank orders levels for the report's status: a critical finding wins over
// "unknown" (what was read is bad for sure), unknown over a warning.
func (l Level) rank() int {
	switch l {
	case Warn:
		return 1
	case Unknown:
		return 2
	case Crit:
		return 3
	}
	return 0
}

// MarshalText makes levels read as words in JSON.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Finding is one problem.
type Finding struct {
	Level Level  `json:"level"`
	Area  string `json:"area"` // compute, agents, volumes, alerts, ceph, backend
	Host  string `json:"host,omitempty"`
	What  string `json:"what"`
}

// Report is the whole snapshot.
type Report struct {
	Cloud    string    `json:"cloud"`
	Region   string    `json:"region,omitempty"`
	Time     time.Time `json:"time"`
	Status   Level     `json:"status"`
	Findings []Finding `json:"findings"`
	// Counts of what was checked, so "no problems" is believable (-1:
	// configured but could not be read).
	Checked map[string]int `json:"checked"`
	// NotChecked are the backends the cloud has no settings for.
	NotChecked []string `json:"not_checked,omitempty"`
	// Hint says how to configure what is missing (with UNKNOWN).
	Hint string `json:"hint,omitempty"`
	// Incident is the host model's one line, as the cockpit's strip says
	// it ("1 host DOWN (compute04) · 2 CRIT · HEALTH_WARN"); "" when calm.
	Incident string `json:"incident,omitempty"`
}

// Sources are the readers; nil ones are skipped (not configured).
type Sources struct {
	ComputeServices func(context.Context) ([]openstack.ComputeService, error)
	NetworkAgents   func(context.Context) ([]openstack.NetworkAgent, error)
	VolumeServices  func(context.Context) ([]openstack.VolumeService, error)
	Alerts          func(context.Context) ([]alertmanager.Alert, error)
	Ceph            func(context.Context) (*ceph.Cluster, error)
	// ControlPlane: RabbitMQ, HAProxy, memcached (controlplane.go).
	ControlPlane ControlPlane
	// Stuck are the stuck-resource readers (stuck.go), one per area.
	Stuck []StuckSource
	// NotConfigured names backends the cloud has no settings for
	// ("openstack", "alerts", "ceph"): listed as not checked. Without
	// "openstack" there is no cloud to report on: UNKNOWN.
	NotConfigured []string
	// ConfigHint says how to configure what is missing (clouds.yaml,
	// OS_CLOUD, the config file's path); shown with an UNKNOWN status.
	ConfigHint string
}

// Collect reads every source concurrently (each bounded by timeout).
func Collect(ctx context.Context, cloud, region string, s Sources, timeout time.Duration, now time.Time) Report {
	r := Report{Cloud: cloud, Region: region, Time: now.UTC(), Checked: map[string]int{}}
	hm := &hostModel{m: hostmodel.New()}
	s = s.observed(hm, now)
	// Nova's services, for the control plane's connection check.
	var svcMu sync.Mutex
	var svcs []openstack.ComputeService
	svcRead := false
	svcDone := make(chan struct{})
	if f := s.ComputeServices; f != nil {
		s.ComputeServices = func(c context.Context) ([]openstack.ComputeService, error) {
			defer close(svcDone)
			ss, err := f(c)
			svcMu.Lock()
			svcs, svcRead = ss, err == nil
			svcMu.Unlock()
			return ss, err
		}
	} else {
		close(svcDone)
	}
	var mu sync.Mutex
	add := func(fs []Finding, area string, n int) {
		mu.Lock()
		defer mu.Unlock()
		r.Findings = append(r.Findings, fs...)
		r.Checked[area] = n // -1: could not be read
	}
	var wg sync.WaitGroup
	run := func(area string, fn func(ctx context.Context) ([]Finding, int, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			fs, n, err := fn(c)
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("no answer within %s", timeout)
			}
			if err != nil {
				fs = append(fs, Finding{Level: Warn, Area: "backend", What: area + ": " + redact.Text(err.Error())})
				n = -1
			}
			add(fs, area, n)
		}()
	}
	if s.ComputeServices != nil {
		run("compute", func(c context.Context) ([]Finding, int, error) {
			ss, err := s.ComputeServices(c)
			return computeFindings(ss), len(ss), err
		})
	}
	if s.NetworkAgents != nil {
		run("agents", func(c context.Context) ([]Finding, int, error) {
			as, err := s.NetworkAgents(c)
			var fs []Finding
			for _, a := range as {
				if !a.Alive {
					fs = append(fs, Finding{Level: Warn, Area: "agents", Host: a.Host, What: fmt.Sprintf("%s (%s) is dead", a.Binary, a.Type)})
				}
			}
			return fs, len(as), err
		})
	}
	if s.VolumeServices != nil {
		run("volumes", func(c context.Context) ([]Finding, int, error) {
			vs, err := s.VolumeServices(c)
			var fs []Finding
			for _, v := range vs {
				if v.State == "down" && v.Status == "enabled" {
					fs = append(fs, Finding{Level: Warn, Area: "volumes", Host: v.Host, What: v.Binary + " is down"})
				}
			}
			return fs, len(vs), err
		})
	}
	if s.Alerts != nil {
		run("alerts", func(c context.Context) ([]Finding, int, error) {
			as, err := s.Alerts(c)
			return alertFindings(as), len(as), err
		})
	}
	if s.Ceph != nil {
		run("ceph", func(c context.Context) ([]Finding, int, error) {
			cl, err := s.Ceph(c)
			if err != nil {
				return nil, 0, err
			}
			return cephFindings(cl), len(cl.OSDs), nil
		})
	}
	if s.ControlPlane.configured() {
		run("controlplane", func(c context.Context) ([]Finding, int, error) {
			return s.ControlPlane.read(c, hm, func() ([]openstack.ComputeService, bool) {
				select { // Nova answers within the same timeout
				case <-svcDone:
				case <-c.Done():
					return nil, false
				}
				svcMu.Lock()
				defer svcMu.Unlock()
				return svcs, svcRead
			}, now)
		})
	}
	for _, st := range s.Stuck {
		run(st.Area, func(c context.Context) ([]Finding, int, error) {
			rs, err := st.Read(c)
			return stuckFindings(st.Area, rs), len(rs), err
		})
	}
	wg.Wait()
	r.Incident = hm.incident()
	r.NotChecked = append(r.NotChecked, s.NotConfigured...)
	sort.Strings(r.NotChecked)
	read := 0
	for _, n := range r.Checked {
		if n >= 0 {
			read++
		}
	}
	switch {
	case len(r.Checked) == 0:
		r.Findings = append(r.Findings, Finding{Level: Unknown, Area: "config", What: "nothing is configured to check"})
		r.Hint = s.ConfigHint
	case slices.Contains(s.NotConfigured, "openstack"):
		r.Findings = append(r.Findings, Finding{Level: Unknown, Area: "config", What: "no OpenStack cloud configured: compute, agents and volumes not checked"})
		r.Hint = s.ConfigHint
	case read == 0:
		r.Findings = append(r.Findings, Finding{Level: Unknown, Area: "backend", What: "no backend could be read: nothing was checked"})
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		if a.Area != b.Area {
			return a.Area < b.Area
		}
		return a.Host < b.Host
	})
	for _, f := range r.Findings {
		if f.Level.rank() > r.Status.rank() {
			r.Status = f.Level
		}
	}
	return r
}

func computeFindings(ss []openstack.ComputeService) []Finding {
	var fs []Finding
	for _, s := range ss {
		if s.Binary != "nova-compute" {
			if s.State == "down" && s.Status == "enabled" {
				fs = append(fs, Finding{Level: Warn, Area: "compute", Host: s.Host, What: s.Binary + " is down"})
			}
			continue
		}
		switch {
		case s.State == "down" && s.Status == "enabled":
			fs = append(fs, Finding{Level: Crit, Area: "compute", Host: s.Host, What: "nova-compute down (service still enabled: the scheduler may place instances there)"})
		case s.State == "down":
			what := "nova-compute down, disabled"
			if s.DisabledReason != "" {
				what += ": " + s.DisabledReason
			}
			if s.ForcedDown {
				what += " (forced down)"
			}
			fs = append(fs, Finding{Level: Warn, Area: "compute", Host: s.Host, What: what})
		case s.Status == "disabled":
			what := "nova-compute disabled"
			if s.DisabledReason != "" {
				what += ": " + s.DisabledReason
			}
			fs = append(fs, Finding{Level: Warn, Area: "compute", Host: s.Host, What: what})
		}
	}
	return fs
}

func alertFindings(as []alertmanager.Alert) []Finding {
	var fs []Finding
	for _, a := range as {
		if a.Silenced() || a.Inhibited() || (a.Status.State != "" && a.Status.State != "active") {
			continue
		}
		lvl := Warn
		switch a.Severity() {
		case "critical", "page", "error":
			lvl = Crit
		case "info", "none":
			continue
		}
		what := a.Name()
		if s := a.Annotations["summary"]; s != "" {
			what += ": " + s
		}
		fs = append(fs, Finding{Level: lvl, Area: "alerts", Host: a.Host(), What: what})
	}
	return fs
}

func cephFindings(c *ceph.Cluster) []Finding {
	var fs []Finding
	lvl := OK
	switch c.Status {
	case ceph.HealthErr:
		lvl = Crit
	case ceph.HealthWarn:
		lvl = Warn
	}
	for _, ch := range c.Checks {
		if ch.Muted {
			continue
		}
		l := Warn
		if ch.Severity == ceph.HealthErr {
			l = Crit
		}
		fs = append(fs, Finding{Level: l, Area: "ceph", What: ch.Type + ": " + ch.Summary})
	}
	if len(fs) == 0 && lvl > OK {
		fs = append(fs, Finding{Level: lvl, Area: "ceph", What: c.Status})
	}
	down := 0
	for _, o := range c.OSDs {
		if !o.Up {
			down++
		}
	}
	if down > 0 && len(c.Checks) == 0 {
		fs = append(fs, Finding{Level: Warn, Area: "ceph", What: fmt.Sprintf("%d OSD(s) down", down)})
	}
	return fs
}

// ExitCode is the monitoring-plugin code: 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN.
func (r Report) ExitCode() int { return int(r.Status) }

// Summary is the status line: "CRITICAL: 2 critical, 5 warning(s)".
func (r Report) Summary() string {
	var c, w int
	var unknown []string
	for _, f := range r.Findings {
		switch f.Level {
		case Crit:
			c++
		case Warn:
			w++
		case Unknown:
			unknown = append(unknown, f.What)
		}
	}
	if r.Status == Unknown {
		return "UNKNOWN: " + strings.Join(unknown, "; ")
	}
	if c+w == 0 {
		return "OK: no problems found"
	}
	s := fmt.Sprintf("%s: %d critical, %d warning(s)", r.Status.pluginWord(), c, w)
	if len(unknown) > 0 {
		s += "; " + strings.Join(unknown, "; ")
	}
	return s
}

func checkedLine(r Report) string {
	var parts []string
	keys := make([]string, 0, len(r.Checked))
	for k := range r.Checked {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := r.Checked[k]; n >= 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		} else {
			parts = append(parts, k+" n/a")
		}
	}
	line := strings.Join(parts, ", ")
	if len(r.NotChecked) > 0 {
		if line != "" {
			line += "; "
		}
		line += "not checked (not configured): " + strings.Join(r.NotChecked, ", ")
	}
	return line
}
