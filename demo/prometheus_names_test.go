package demo

import (
	"reflect"
	"sort"
	"testing"
	"time"
)

// A query's steps make only the series of the metrics it names, and say
// what they said when every series was made (a host down too: Ceph's
// health is counted from the OSDs whether or not the query reads them).
func TestPromQueriesMakeOnlyTheirMetrics(t *testing.T) {
	clock := newFakeClock()
	s := NewStory(Options{Instances: 60, FailAfter: time.Minute, Now: clock.Now})
	queries := []string{
		`count(ceph_osd_up)`, `sum(ceph_osd_up)`, `ceph_health_status`,
		`count(openstack_neutron_agent_state{adminState="up"})`,
		`sum(openstack_nova_agent_state{service="nova-compute",adminState="enabled"})`,
		`sum(up{job="node"})`, `up{instance="compute04:9100"}`,
		`histogram_quantile(0.95, sum by (le, service) (rate(openstack_api_request_duration_seconds_bucket[5m])))`,
		`sum(rate(node_cpu_seconds_total[5m])) by (instance)`,
		`topk(6, 1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"})`,
		`-node_load1 > 0 or vector(1)`, `{job="node"}`, `{__name__=~"node_load.*"}`,
	}
	for _, at := range []time.Duration{0, 2 * time.Minute} {
		clock.Add(at)
		var w *PromWorld
		s.Lock(func() { s.syncLocked(); w = PromSnapshot(s) })
		for _, q := range queries {
			n, err := parseProm(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			named := newPromEvaluator(w, n)
			every := &promEvaluator{w: w, cache: map[int64][]PromSample{}}
			got, err1 := named.eval(n, clock.Now())
			want, err2 := every.eval(n, clock.Now())
			// Aggregations come in map order: compare as sets.
			for _, v := range []*pval{&got, &want} {
				sort.Slice(v.v, func(i, j int) bool { return promKey(v.v[i].Labels) < promKey(v.v[j].Labels) })
			}
			if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s at +%s: %v %v\ngot  %+v\nwant %+v", q, at, err1, err2, got, want)
			}
			for _, smp := range named.all(clock.Now()) {
				if named.names != nil && !named.names[smp.Labels["__name__"]] {
					t.Fatalf("%s: made a %s series", q, smp.Labels["__name__"])
				}
			}
		}
	}
	// The host down shows in Ceph's health, asked alone.
	var w *PromWorld
	s.Lock(func() { w = PromSnapshot(s) })
	if v, err := w.Query(`ceph_health_status`, clock.Now()); err != nil || len(v) != 1 || v[0].Value != 1 {
		t.Fatalf("ceph health with a host down: %+v %v", v, err)
	}
}

// BenchmarkPromRangeSteps: one range query's steps (an hour at 60 s, 40
// hosts) making every series (as before) or only the query's metrics.
func BenchmarkPromRangeSteps(b *testing.B) {
	clock := newFakeClock()
	s := NewStory(Options{Instances: 1000, Computes: 40, FailAfter: -1, Now: clock.Now})
	var w *PromWorld
	s.Lock(func() { w = PromSnapshot(s) })
	n, err := parseProm(`sum(rate(node_cpu_seconds_total[5m])) by (instance)`)
	if err != nil {
		b.Fatal(err)
	}
	for _, named := range []bool{false, true} {
		b.Run(map[bool]string{false: "every", true: "named"}[named], func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				ev := &promEvaluator{w: w, cache: map[int64][]PromSample{}}
				if named {
					ev = newPromEvaluator(w, n)
				}
				for ts := clock.Now().Add(-time.Hour); !ts.After(clock.Now()); ts = ts.Add(time.Minute) {
					if _, err := ev.eval(n, ts); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
