package panels

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed dashboards/*.yaml
var shipped embed.FS

// Dashboard is a set of panels loaded from YAML.
type Dashboard struct {
	Name      string            `yaml:"name"`
	Title     string            `yaml:"title"`
	Refresh   string            `yaml:"refresh"` // "30s"
	Range     string            `yaml:"range"`   // "1h"
	Columns   int               `yaml:"columns"` // grid columns (default 12)
	Variables map[string]string `yaml:"variables"`
	Panels    []*Panel          `yaml:"panels"`
	Source    string            `yaml:"-"` // "builtin" or a file path

	refresh time.Duration
	rng     time.Duration
}

// Panel is one panel of a dashboard.
type Panel struct {
	Title      string            `yaml:"title"`
	Type       string            `yaml:"type"` // stat, timeseries (sparkline), bargauge, table
	Query      string            `yaml:"query"`
	Targets    []Target          `yaml:"targets"`
	Total      string            `yaml:"total"` // stat: "N / total"
	Legend     string            `yaml:"legend"`
	Unit       string            `yaml:"unit"`
	Decimals   *int              `yaml:"decimals"`
	Base       string            `yaml:"base"` // level below the first threshold (default ok)
	Thresholds []Threshold       `yaml:"thresholds"`
	Mappings   map[string]string `yaml:"mappings"`
	Columns    []string          `yaml:"columns"` // table: label columns
	Sort       string            `yaml:"sort"`    // desc (default), asc, name
	Max        float64           `yaml:"max"`     // bargauge full scale
	Limit      int               `yaml:"limit"`   // top-N series shown
	Empty      string            `yaml:"empty"`   // text when the query returns nothing
	W          int               `yaml:"w"`
	H          int               `yaml:"h"`

	// Service: the OpenStack binary a stat with a total counts up
	// ("nova-compute"). Its count is checked against what the service's own
	// API says per host (the host model); a disagreement is shown.
	Service string `yaml:"service"`

	legendT *template.Template
}

// Target is one query of a panel.
type Target struct {
	Expr   string `yaml:"expr"`
	Legend string `yaml:"legend"`

	legendT *template.Template
	raw     bool // typed by hand: no templating
}

// Threshold: from Value upward the level is Level (ok, warn, crit).
type Threshold struct {
	Value float64 `yaml:"value"`
	Level string  `yaml:"level"`
}

// Level is a threshold state.
type Level int

const (
	LevelNone Level = iota
	LevelOK
	LevelWarn
	LevelCrit
)

func parseLevel(s string) (Level, bool) {
	switch strings.ToLower(s) {
	case "", "ok", "green":
		return LevelOK, true
	case "warn", "warning", "yellow":
		return LevelWarn, true
	case "crit", "critical", "red":
		return LevelCrit, true
	}
	return LevelNone, false
}

// Ranges the time navigation cycles through.
var Ranges = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

var panelTypes = map[string]string{"stat": "stat", "timeseries": "timeseries", "sparkline": "timeseries",
	"graph": "timeseries", "bargauge": "bargauge", "bar": "bargauge", "table": "table"}

var units = map[string]bool{"": true, "short": true, "percent": true, "ratio": true, "bytes": true, "bytes/s": true, "seconds": true}

var portRE = regexp.MustCompile(`:[0-9]+$`)

var legendFuncs = template.FuncMap{
	// host strips the port of an instance label: "compute03:9100" -> "compute03".
	"host": func(s string) string { return portRE.ReplaceAllString(s, "") },
}

// ParseDashboard parses and checks one dashboard. Errors name the source
// and the panel.
func ParseDashboard(data []byte, source string) (*Dashboard, error) {
	var d Dashboard
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	d.Source = source
	if d.Name == "" {
		d.Name = strings.TrimSuffix(filepath.Base(source), filepath.Ext(source))
	}
	if d.Title == "" {
		d.Title = d.Name
	}
	if d.Columns <= 0 {
		d.Columns = 12
	}
	var err error
	d.refresh = 30 * time.Second
	if d.Refresh != "" {
		if d.refresh, err = time.ParseDuration(d.Refresh); err != nil || d.refresh < time.Second {
			return nil, fmt.Errorf("%s: refresh %q: want a duration such as 30s", source, d.Refresh)
		}
	}
	d.rng = time.Hour
	if d.Range != "" {
		if d.rng, err = parseRange(d.Range); err != nil {
			return nil, fmt.Errorf("%s: range %q: want a duration such as 1h", source, d.Range)
		}
	}
	if len(d.Panels) == 0 {
		return nil, fmt.Errorf("%s: no panels", source)
	}
	for i, p := range d.Panels {
		where := fmt.Sprintf("%s: panel %d (%q)", source, i+1, p.Title)
		t, ok := panelTypes[p.Type]
		if !ok {
			return nil, fmt.Errorf("%s: unknown type %q (want stat, timeseries, bargauge or table)", where, p.Type)
		}
		p.Type = t
		if !units[p.Unit] {
			return nil, fmt.Errorf("%s: unknown unit %q (want percent, ratio, bytes, bytes/s, seconds or short)", where, p.Unit)
		}
		if p.Query != "" {
			p.Targets = append([]Target{{Expr: p.Query, Legend: p.Legend}}, p.Targets...)
		}
		if len(p.Targets) == 0 {
			return nil, fmt.Errorf("%s: no query", where)
		}
		for j := range p.Targets {
			tg := &p.Targets[j]
			if tg.Legend == "" {
				tg.Legend = p.Legend
			}
			if _, err := template.New("q").Option("missingkey=zero").Parse(tg.Expr); err != nil {
				return nil, fmt.Errorf("%s: query template: %w", where, err)
			}
			if tg.Legend != "" {
				if tg.legendT, err = template.New("l").Funcs(legendFuncs).Option("missingkey=zero").Parse(tg.Legend); err != nil {
					return nil, fmt.Errorf("%s: legend template: %w", where, err)
				}
			}
		}
		if _, ok := parseLevel(p.Base); !ok {
			return nil, fmt.Errorf("%s: base level %q (want ok, warn or crit)", where, p.Base)
		}
		for _, th := range p.Thresholds {
			if _, ok := parseLevel(th.Level); !ok || th.Level == "" {
				return nil, fmt.Errorf("%s: threshold level %q (want ok, warn or crit)", where, th.Level)
			}
		}
		sort.SliceStable(p.Thresholds, func(a, b int) bool { return p.Thresholds[a].Value < p.Thresholds[b].Value })
		if p.W <= 0 {
			p.W = d.Columns / 2
		}
		if p.W > d.Columns {
			p.W = d.Columns
		}
		if p.H <= 0 {
			p.H = 5
		}
	}
	return &d, nil
}

func parseRange(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// LoadDashboards returns the shipped dashboards, then the user's from
// dir/*.yaml (a user dashboard with a shipped name replaces it). Broken
// user files are reported, not fatal.
func LoadDashboards(dir string) ([]*Dashboard, []error) {
	var out []*Dashboard
	var errs []error
	ents, _ := shipped.ReadDir("dashboards")
	for _, e := range ents {
		b, err := shipped.ReadFile("dashboards/" + e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d, err := ParseDashboard(b, "builtin:"+e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, d)
	}
	// openstack first: it is the default.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name == "openstack" && out[j].Name != "openstack" })
	if dir == "" {
		return out, errs
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d, err := ParseDashboard(b, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		replaced := false
		for i, o := range out {
			if o.Name == d.Name {
				out[i], replaced = d, true
			}
		}
		if !replaced {
			out = append(out, d)
		}
	}
	return out, errs
}

// Expand fills a query template with variables (host, range, ...).
func Expand(expr string, vars map[string]string) (string, error) {
	t, err := template.New("q").Option("missingkey=zero").Parse(expr)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, vars); err != nil {
		return "", err
	}
	return b.String(), nil
}

// level returns a value's threshold level.
func (p *Panel) level(v float64) Level {
	l, _ := parseLevel(p.Base)
	for _, th := range p.Thresholds {
		if v >= th.Value {
			l, _ = parseLevel(th.Level)
		}
	}
	return l
}

// thresholdLine is the value where trouble starts (first warn/crit step).
func (p *Panel) thresholdLine() (float64, Level, bool) {
	for _, th := range p.Thresholds {
		if l, _ := parseLevel(th.Level); l >= LevelWarn {
			return th.Value, l, true
		}
	}
	return 0, LevelNone, false
}

func (t *Target) legend(labels map[string]string) string {
	if t.legendT == nil {
		return ""
	}
	var b strings.Builder
	if err := t.legendT.Execute(&b, labels); err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "<no value>", ""))
}
