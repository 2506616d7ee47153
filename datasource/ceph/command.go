package ceph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// Runner runs the ceph CLI with args and returns its stdout and stderr.
type Runner func(ctx context.Context, args ...string) (stdout, stderr []byte, err error)

// Command reads (and changes) the cluster through a configured ceph command,
// e.g. ["ssh", "mon1", "ceph"], for clusters with neither the dashboard nor
// the prometheus module. Each call costs ~0.5 s, so reads run in parallel.
type Command struct {
	run      Runner
	readOnly bool
}

// NewCommand runs argv (plus the ceph arguments) as a local process.
func NewCommand(argv []string, readOnly bool) *Command {
	argv = append([]string(nil), argv...)
	return &Command{readOnly: readOnly, run: func(ctx context.Context, args ...string) ([]byte, []byte, error) {
		if len(argv) == 0 {
			return nil, nil, errors.New("ceph command: empty command")
		}
		full := append(append([]string(nil), argv[1:]...), args...)
		cmd := exec.CommandContext(ctx, argv[0], full...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.Bytes(), errb.Bytes(), err
	}}
}

// NewCommandWithRunner uses run instead of a process (tests, ssh clients).
func NewCommandWithRunner(run Runner, readOnly bool) *Command {
	return &Command{run: run, readOnly: readOnly}
}

// Kind implements Source.
func (c *Command) Kind() string { return "command" }

func (c *Command) json(ctx context.Context, out any, args ...string) error {
	args = append(args, "-f", "json")
	stdout, stderr, err := c.run(ctx, args...)
	if err != nil {
		return fmt.Errorf("ceph %s: %w: %s", strings.Join(args, " "), err, firstLine(stderr))
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		return fmt.Errorf("ceph %s: decoding output: %w", strings.Join(args, " "), err)
	}
	return nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

type cliOSDDump struct {
	FSID     string   `json:"fsid"`
	FlagsSet []string `json:"flags_set"`
	OSDs     []struct {
		OSD    int      `json:"osd"`
		Up     int      `json:"up"`
		In     int      `json:"in"`
		Weight float64  `json:"weight"`
		State  []string `json:"state"`
	} `json:"osds"`
	Pools []wirePool `json:"pools"`
}

type cliTree struct {
	Nodes []struct {
		ID          int     `json:"id"`
		Name        string  `json:"name"`
		Type        string  `json:"type"`
		DeviceClass string  `json:"device_class"`
		CrushWeight float64 `json:"crush_weight"`
		Children    []int   `json:"children"`
	} `json:"nodes"`
}

type cliOSDDF struct {
	Nodes []struct {
		ID     int   `json:"id"`
		KB     int64 `json:"kb"`
		KBUsed int64 `json:"kb_used"`
		PGs    int   `json:"pgs"`
	} `json:"nodes"`
}

type cliDF struct {
	Stats struct {
		TotalBytes int64 `json:"total_bytes"`
		AvailBytes int64 `json:"total_avail_bytes"`
		UsedRaw    int64 `json:"total_used_raw_bytes"`
	} `json:"stats"`
	Pools []struct {
		ID    int `json:"id"`
		Stats struct {
			Stored      int64   `json:"stored"`
			Objects     int64   `json:"objects"`
			BytesUsed   int64   `json:"bytes_used"`
			PercentUsed float64 `json:"percent_used"`
			MaxAvail    int64   `json:"max_avail"`
		} `json:"stats"`
	} `json:"pools"`
}

type cliPGStat struct {
	PGSummary struct {
		ByState []struct {
			Name string `json:"name"`
			Num  int    `json:"num"`
		} `json:"num_pg_by_state"`
		Degraded   int64   `json:"degraded_objects"`
		DegTotal   int64   `json:"degraded_total"`
		Misplaced  int64   `json:"misplaced_objects"`
		Unfound    int64   `json:"unfound_objects"`
		Recovering float64 `json:"recovering_bytes_per_sec"`
	} `json:"pg_summary"`
}

type cliMonStat struct {
	NumMons int    `json:"num_mons"`
	Leader  string `json:"leader"`
	Quorum  []struct {
		Rank int    `json:"rank"`
		Name string `json:"name"`
	} `json:"quorum"`
}

type cliProgress struct {
	Events []struct {
		Message   string  `json:"message"`
		Progress  float64 `json:"progress"`
		StartedAt float64 `json:"started_at"`
	} `json:"events"`
}

// Snapshot implements Source with `health detail`, `osd dump`, `osd tree`,
// `osd df`, `df`, `pg stat`, `mon stat` and `progress json`.
func (c *Command) Snapshot(ctx context.Context) (*Cluster, error) {
	var (
		health wireHealth
		dump   cliOSDDump
		tree   cliTree
		osddf  cliOSDDF
		df     cliDF
		pg     cliPGStat
		mon    cliMonStat
		prog   cliProgress
	)
	type job struct {
		args []string
		out  any
		err  error
	}
	jobs := []*job{
		{args: []string{"health", "detail"}, out: &health},
		{args: []string{"osd", "dump"}, out: &dump},
		{args: []string{"osd", "tree"}, out: &tree},
		{args: []string{"osd", "df"}, out: &osddf},
		{args: []string{"df"}, out: &df},
		{args: []string{"pg", "stat"}, out: &pg},
		{args: []string{"mon", "stat"}, out: &mon},
		{args: []string{"progress", "json"}, out: &prog},
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.err = c.json(ctx, j.out, j.args...)
		}()
	}
	wg.Wait()
	if jobs[0].err != nil {
		return nil, jobs[0].err
	}
	cl := &Cluster{Source: "command", Fetched: time.Now(), PGStates: map[string]int{}}
	for _, j := range jobs[1:] {
		if j.err != nil {
			cl.Notes = append(cl.Notes, j.err.Error())
		}
	}
	cl.Status = health.Status
	cl.Checks = health.checks()
	cl.Crashes = ParseCrashes(cl.Checks)
	cl.FSID = dump.FSID
	cl.Flags = dump.FlagsSet
	hostOf := map[int]string{}
	class := map[int]string{}
	crushW := map[int]float64{}
	for _, n := range tree.Nodes {
		if n.Type == "host" {
			for _, ch := range n.Children {
				hostOf[ch] = n.Name
			}
		}
		if n.Type == "osd" {
			class[n.ID], crushW[n.ID] = n.DeviceClass, n.CrushWeight
		}
	}
	type dfn struct {
		kb, used int64
		pgs      int
	}
	usage := map[int]dfn{}
	for _, n := range osddf.Nodes {
		usage[n.ID] = dfn{n.KB, n.KBUsed, n.PGs}
	}
	for _, o := range dump.OSDs {
		u := usage[o.OSD]
		host := hostOf[o.OSD]
		if host == "" {
			host = "(no host)"
		}
		cl.OSDs = append(cl.OSDs, OSD{ID: o.OSD, Name: osdName(o.OSD), Host: host, Up: o.Up == 1, In: o.In == 1,
			DeviceClass: class[o.OSD], Weight: o.Weight, CrushWeight: crushW[o.OSD], BytesTotal: u.kb * 1024,
			BytesUsed: u.used * 1024, PGs: u.pgs, State: o.State, Noout: contains(o.State, "noout")})
	}
	sortOSDs(cl.OSDs)
	stats := map[int]int{}
	for i, p := range df.Pools {
		stats[p.ID] = i
	}
	for _, w := range dump.Pools {
		p := Pool{ID: w.Pool, Name: w.Name, Type: poolType(w.Type), Size: w.Size, MinSize: w.MinSize, PGNum: w.PGNum, Apps: appNames(w.Apps)}
		if i, ok := stats[w.Pool]; ok {
			s := df.Pools[i].Stats
			p.Stored, p.Objects, p.Used, p.PercentUsed, p.MaxAvail = s.Stored, s.Objects, s.BytesUsed, s.PercentUsed, s.MaxAvail
		}
		cl.Pools = append(cl.Pools, p)
	}
	cl.Usage = Usage{TotalBytes: df.Stats.TotalBytes, AvailBytes: df.Stats.AvailBytes, UsedBytes: df.Stats.UsedRaw}
	for _, s := range pg.PGSummary.ByState {
		cl.PGStates[s.Name] = s.Num
	}
	cl.Objects = ObjectStats{Degraded: pg.PGSummary.Degraded, Copies: pg.PGSummary.DegTotal, Misplaced: pg.PGSummary.Misplaced, Unfound: pg.PGSummary.Unfound}
	cl.RecoveryBytesPerSec = pg.PGSummary.Recovering
	inQ := map[string]bool{}
	for _, q := range mon.Quorum {
		inQ[q.Name] = true
		cl.Mons = append(cl.Mons, Mon{Name: q.Name, Rank: q.Rank, InQuorum: true})
	}
	for i := len(mon.Quorum); i < mon.NumMons; i++ {
		cl.Mons = append(cl.Mons, Mon{Name: "(out of quorum)", Rank: -1})
	}
	for _, e := range prog.Events {
		cl.Progress = append(cl.Progress, Progress{Message: e.Message, Fraction: e.Progress,
			Started: time.Unix(int64(e.StartedAt), 0)})
	}
	return cl, nil
}

func (c *Command) mutate(ctx context.Context, args ...string) error {
	if c.readOnly {
		return fmt.Errorf("%w: ceph %s", httpclient.ErrReadOnly, strings.Join(args, " "))
	}
	stdout, stderr, err := c.run(ctx, args...)
	text := string(stdout) + string(stderr)
	if err != nil {
		return fmt.Errorf("ceph %s: %w: %s", strings.Join(args, " "), err, firstLine([]byte(text)))
	}
	// `ceph osd out 99` exits 0 and says so only in text.
	if strings.Contains(text, "does not exist") {
		return fmt.Errorf("ceph %s: %s", strings.Join(args, " "), firstLine([]byte(text)))
	}
	return nil
}

func (c *Command) dump(ctx context.Context) (cliOSDDump, error) {
	var d cliOSDDump
	err := c.json(ctx, &d, "osd", "dump")
	return d, err
}

// SetNoout implements Actor: `ceph osd set|unset noout`, read back with `osd dump`.
func (c *Command) SetNoout(ctx context.Context, on bool) error {
	verb := "unset"
	if on {
		verb = "set"
	}
	if err := c.mutate(ctx, "osd", verb, "noout"); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		d, err := c.dump(ctx)
		if err != nil {
			return false, "", err
		}
		has := contains(d.FlagsSet, "noout")
		return has == on, "noout " + onOff(has), nil
	})
}

// SetOSDNoout implements Actor: `ceph osd add-noout|rm-noout osd.N`.
func (c *Command) SetOSDNoout(ctx context.Context, id int, on bool) error {
	verb := "rm-noout"
	if on {
		verb = "add-noout"
	}
	if err := c.mutate(ctx, "osd", verb, osdName(id)); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		d, err := c.dump(ctx)
		if err != nil {
			return false, "", err
		}
		for _, o := range d.OSDs {
			if o.OSD == id {
				has := contains(o.State, "noout")
				return has == on, osdName(id) + " noout " + onOff(has), nil
			}
		}
		return false, "", fmt.Errorf("%s does not exist", osdName(id))
	})
}

// MarkOSD implements Actor: `ceph osd out|in N`.
func (c *Command) MarkOSD(ctx context.Context, id int, in bool) error {
	if err := c.mutate(ctx, "osd", inOut(in), strconv.Itoa(id)); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		d, err := c.dump(ctx)
		if err != nil {
			return false, "", err
		}
		for _, o := range d.OSDs {
			if o.OSD == id {
				return (o.In == 1) == in, osdName(id) + " " + inOut(o.In == 1), nil
			}
		}
		return false, "", fmt.Errorf("%s does not exist", osdName(id))
	})
}
