package openstack_test

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
)

// tookRT sums the demo's own time (demo.TookHeader) over server list pages.
type tookRT struct {
	base  http.RoundTripper
	us    atomic.Int64
	pages atomic.Int64 // server list pages asked
}

func (t *tookRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/servers/detail") {
		n, _ := strconv.ParseInt(resp.Header.Get(demo.TookHeader), 10, 64)
		t.us.Add(n)
		t.pages.Add(1)
	}
	return resp, err
}

// BenchmarkServersPaged50k: start to all 50,000 servers listed (and to the
// first page handed out) against the demo's Nova, next to the server's own
// time summed over the pages. With STACKPIT_BENCH_CONFIG set to the config
// `stackpit demo serve --scale 50000 --config-out FILE` wrote, the demo
// runs in its own process (the figure for BENCHMARKS.md); otherwise
// in-process (sharing the CPU):
//
//	go test -run '^$' -bench ServersPaged50k -benchtime 5x ./datasource/openstack/
func BenchmarkServersPaged50k(b *testing.B) {
	var cfg *config.Cloud
	want := 50000
	if path := os.Getenv("STACKPIT_BENCH_CONFIG"); path != "" {
		f, err := config.Load(path, true)
		if err != nil {
			b.Fatal(err)
		}
		cfg = f.Cloud("demo")
		want = 0 // whatever the external demo holds
	} else {
		c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 50000, FailAfter: -1}})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cfg = c.Config()
	}
	auth, err := config.ResolveAuth("demo", "", cfg)
	if err != nil {
		b.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	rt := &tookRT{base: hc.Transport}
	hc.Transport = rt
	ctx := context.Background()
	oc, err := openstack.New(ctx, auth, hc)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := oc.Servers(ctx); err != nil { // warm: names, connections
		b.Fatal(err)
	}
	// Read from both ends at once (the default), and as one stream.
	for _, mode := range []struct {
		name string
		one  bool
	}{{"both-ends", false}, {"one-end", true}} {
		b.Run(mode.name, func(b *testing.B) {
			openstack.SetOneEnd(oc, mode.one)
			serversPaged(b, oc, rt, want)
		})
	}
}

func serversPaged(b *testing.B, oc *openstack.Client, rt *tookRT, want int) {
	ctx := context.Background()
	var first, all, server time.Duration
	rt.pages.Store(0)
	for i := 0; i < b.N; i++ {
		rt.us.Store(0)
		t0 := time.Now()
		var t1 time.Duration
		ss, err := oc.ServersPaged(ctx, time.Time{}, func([]openstack.Server) {
			if t1 == 0 {
				t1 = time.Since(t0)
			}
		})
		if err != nil || (want > 0 && len(ss) != want) {
			b.Fatalf("%d servers, %v", len(ss), err)
		}
		all += time.Since(t0)
		first += t1
		server += time.Duration(rt.us.Load()) * time.Microsecond
	}
	n := float64(b.N)
	b.ReportMetric(first.Seconds()*1000/n, "first-page-ms")
	b.ReportMetric(all.Seconds()*1000/n, "all-ms")
	b.ReportMetric(server.Seconds()*1000/n, "server-ms")
	b.ReportMetric(all.Seconds()/server.Seconds(), "x-server")
	// Pages asked per list: 50 of 1000 and two short first ones at best
	// (more: pages read past where the two ends met).
	b.ReportMetric(float64(rt.pages.Load())/n, "pages")
}
