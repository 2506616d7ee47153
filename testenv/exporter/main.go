// Command exporter serves the demo story's monitoring series to a real
// Prometheus for stackpit's integration tests, and writes an OpenMetrics
// backfill of the same series (plus ALERTS / ALERTS_FOR_STATE for the rules
// in testenv/prometheus/rules.yml) so history and live data join.
//
//	exporter -backfill FILE -end UNIX -hours 6 -step 30s -down-since UNIX
//	exporter -listen 127.0.0.1:19101 -down-since UNIX
//
// Targets: /metrics/node/<host>, /metrics/openstack, /metrics/ceph,
// /metrics/haproxy/<controlNN>. A powered-off host's node target answers
// 503, so Prometheus records up=0 for it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/demo"
)

func main() {
	backfill := flag.String("backfill", "", "write an OpenMetrics backfill to this file and exit")
	end := flag.Int64("end", 0, "backfill end (unix seconds; default now)")
	hours := flag.Float64("hours", 6, "backfill length in hours")
	step := flag.Duration("step", 30*time.Second, "backfill sample interval")
	listen := flag.String("listen", "", "serve live metrics on this address")
	downHost := flag.String("down-host", "compute04", "host that lost power")
	downSince := flag.Int64("down-since", 0, "when it lost power (unix seconds; 0: never)")
	flag.Parse()

	story := demo.NewStory(demo.Options{FailAfter: -1})
	story.Lock(func() {
		if h := story.Host(*downHost); h != nil && *downSince > 0 {
			h.Powered = false
			h.DownSince = time.Unix(*downSince, 0)
		}
	})
	var world *demo.PromWorld
	story.Lock(func() { world = demo.PromSnapshot(story) })

	switch {
	case *backfill != "":
		e := time.Now()
		if *end > 0 {
			e = time.Unix(*end, 0)
		}
		if err := writeBackfill(*backfill, world, e.Add(-time.Duration(*hours*float64(time.Hour))), e, *step); err != nil {
			log.Fatal(err)
		}
	case *listen != "":
		log.Printf("exporter listening on %s", *listen)
		srv := &http.Server{Addr: *listen, Handler: handler(world), ReadHeaderTimeout: 10 * time.Second}
		log.Fatal(srv.ListenAndServe())
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// target says which series a scrape path serves.
func target(path string) (job, instance string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 || parts[0] != "metrics" {
		return "", "", false
	}
	switch parts[1] {
	case "node":
		if len(parts) == 3 {
			return "node", parts[2] + ":9100", true
		}
	case "haproxy":
		if len(parts) == 3 {
			return "haproxy", parts[2] + ":9101", true
		}
	case "openstack":
		return "openstack", "control01:9198", true
	case "ceph":
		return "ceph", "control01:9283", true
	}
	return "", "", false
}

func handler(world *demo.PromWorld) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		job, inst, ok := target(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		now := time.Now()
		for _, u := range world.Up(now) {
			if u.Labels["job"] == job && u.Labels["instance"] == inst && u.Value == 0 {
				http.Error(w, "host is powered off", http.StatusServiceUnavailable)
				return
			}
		}
		byName := map[string][]demo.PromSample{}
		for _, s := range world.Raw(now) {
			if s.Labels["job"] == job && s.Labels["instance"] == inst {
				byName[s.Labels["__name__"]] = append(byName[s.Labels["__name__"]], s)
			}
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		bw := bufio.NewWriter(w)
		for _, name := range sortedNames(byName) {
			if md, ok := demo.PromMetadata[strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count")]; ok {
				typ := md[0]
				if typ == "histogram" && !strings.HasSuffix(name, "_bucket") {
					typ = "untyped"
				}
				if typ == "histogram" {
					typ = "untyped" // buckets without _sum: keep the exposition valid
				}
				fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, md[1], name, typ)
			}
			for _, s := range byName[name] {
				// job and instance come from the scrape config.
				fmt.Fprintf(bw, "%s%s %s\n", name, labelString(s.Labels, "__name__", "job", "instance"), fmtFloat(s.Value))
			}
		}
		_ = bw.Flush()
	})
}

func sortedNames[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func labelString(l map[string]string, skip ...string) string {
	keys := make([]string, 0, len(l))
next:
	for k := range l {
		for _, s := range skip {
			if k == s {
				continue next
			}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(l[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// --- backfill ---

type rule struct {
	name, expr string
	for_       time.Duration
	labels     map[string]string // templates: $host(instance) or $labels.hostname
}

// The rules of testenv/prometheus/rules.yml (CephOSDDown's join is computed
// by hand: the demo evaluator has no group_left).
var rules = []rule{
	{"HostDown", `up{job="node"} == 0`, time.Minute, map[string]string{"severity": "critical", "host": "$instance"}},
	{"NovaComputeDown", `openstack_nova_agent_state{adminState="enabled",service="nova-compute"} == 0`, 2 * time.Minute, map[string]string{"severity": "critical", "host": "$hostname"}},
	{"NeutronAgentDown", `openstack_neutron_agent_state{adminState="up",service="neutron-openvswitch-agent"} == 0`, 2 * time.Minute, map[string]string{"severity": "warning", "host": "$hostname"}},
	{"CephOSDDown", "", time.Minute, map[string]string{"severity": "critical", "host": "$hostname"}},
	{"HighAPIErrorRate", `sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx"}[5m])) / sum by (proxy) (rate(haproxy_backend_http_responses_total[5m])) > 0.05`, 2 * time.Minute, map[string]string{"severity": "warning"}},
}

var portRE = regexp.MustCompile(`:[0-9]+$`)

func alertSamples(world *demo.PromWorld, r rule, t time.Time) ([]map[string]string, error) {
	var ss []demo.PromSample
	if r.name == "CephOSDDown" {
		raw := world.Raw(t)
		host := map[string]string{}
		for _, s := range raw {
			if s.Labels["__name__"] == "ceph_osd_metadata" {
				host[s.Labels["ceph_daemon"]] = s.Labels["hostname"]
			}
		}
		for _, s := range raw {
			if s.Labels["__name__"] == "ceph_osd_up" && s.Value == 0 {
				l := map[string]string{"ceph_daemon": s.Labels["ceph_daemon"], "hostname": host[s.Labels["ceph_daemon"]],
					"instance": s.Labels["instance"], "job": s.Labels["job"]}
				ss = append(ss, demo.PromSample{Labels: l})
			}
		}
	} else {
		var err error
		if ss, err = world.Query(r.expr, t); err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
	}
	out := make([]map[string]string, 0, len(ss))
	for _, s := range ss {
		l := map[string]string{}
		for k, v := range s.Labels {
			if k != "__name__" {
				l[k] = v
			}
		}
		for k, v := range r.labels {
			switch v {
			case "$instance":
				v = portRE.ReplaceAllString(s.Labels["instance"], "")
			case "$hostname":
				v = s.Labels["hostname"]
			}
			l[k] = v
		}
		l["alertname"] = r.name
		out = append(out, l)
	}
	return out, nil
}

type point struct {
	t int64 // ms
	v float64
}

func writeBackfill(path string, world *demo.PromWorld, start, end time.Time, step time.Duration) error {
	// family name -> series key -> labels + points; a family must be
	// contiguous in an OpenMetrics file.
	type ser struct {
		labels map[string]string
		pts    []point
	}
	fam := map[string]map[string]*ser{}
	add := func(name string, l map[string]string, t time.Time, v float64) {
		m := fam[name]
		if m == nil {
			m = map[string]*ser{}
			fam[name] = m
		}
		k := labelString(l, "__name__")
		s := m[k]
		if s == nil {
			s = &ser{labels: l}
			m[k] = s
		}
		s.pts = append(s.pts, point{t.UnixMilli(), v})
	}
	activeAt := map[string]time.Time{}
	for t := start.Truncate(step); !t.After(end); t = t.Add(step) {
		for _, s := range world.All(t) {
			add(s.Labels["__name__"], s.Labels, t, s.Value)
		}
		seen := map[string]bool{}
		for _, r := range rules {
			as, err := alertSamples(world, r, t)
			if err != nil {
				return err
			}
			for _, l := range as {
				k := labelString(l)
				seen[k] = true
				at, ok := activeAt[k]
				if !ok {
					at = t
					activeAt[k] = t
				}
				state := "pending"
				if t.Sub(at) >= r.for_ {
					state = "firing"
				}
				al := map[string]string{"alertstate": state}
				for kk, vv := range l {
					al[kk] = vv
				}
				add("ALERTS", al, t, 1)
				add("ALERTS_FOR_STATE", l, t, float64(at.Unix()))
			}
		}
		for k := range activeAt {
			if !seen[k] {
				delete(activeAt, k)
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n := 0
	for _, name := range sortedNames(fam) {
		m := fam[name]
		for _, k := range sortedNames(m) {
			s := m[k]
			ls := labelString(s.labels, "__name__")
			for _, p := range s.pts {
				fmt.Fprintf(bw, "%s%s %s %s\n", name, ls, fmtFloat(p.v), strconv.FormatFloat(float64(p.t)/1000, 'f', -1, 64))
				n++
			}
		}
	}
	fmt.Fprintln(bw, "# EOF")
	if err := bw.Flush(); err != nil {
		return err
	}
	log.Printf("backfill: %d samples in %d families, %s .. %s", n, len(fam), start.Format(time.RFC3339), end.Format(time.RFC3339))
	return f.Close()
}
