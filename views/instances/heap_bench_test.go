package instances

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// pagedDemoSource is the wiring's source: full lists page by page.
type pagedDemoSource struct{ *openstack.Client }

func (s pagedDemoSource) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	if since.IsZero() {
		return s.Client.Servers(ctx)
	}
	return s.Client.ServersChangedSince(ctx, since)
}

// BenchmarkPaneHeap50k: the heap the instances pane (and the client's
// caches) keep once 50,000 servers from the demo's Nova are loaded through
// the real client, page by page as the cockpit loads them: the part of the
// cockpit's RSS that grows with the cloud. With STACKPIT_BENCH_CONFIG set
// to a `stackpit demo serve --scale 50000 --config-out FILE` config the
// demo runs in its own process; otherwise in this one (its own heap is
// measured before the pane loads and subtracted).
//
//	go test -run '^$' -bench PaneHeap50k -benchtime 1x ./views/instances/
func BenchmarkPaneHeap50k(b *testing.B) {
	var cfg *config.Cloud
	if path := os.Getenv("STACKPIT_BENCH_CONFIG"); path != "" {
		f, err := config.Load(path, true)
		if err != nil {
			b.Fatal(err)
		}
		cfg = f.Cloud("demo")
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
	ctx := context.Background()
	oc, err := openstack.New(ctx, auth, hc)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := oc.Servers(ctx); err != nil { // the demo's snapshot, names, connections
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: time.Now}, pagedDemoSource{oc})
		var pages int
		for msg := p.Init()(); ; {
			if _, ok := msg.(pagesMsg); ok {
				pages++
			}
			_, next := p.Update(msg)
			if next == nil {
				break
			}
			msg = next()
		}
		_ = p.View(160, 50)
		b.StopTimer()
		if p.err != nil || len(p.byID) == 0 {
			b.Fatalf("loaded %d servers, err %v", len(p.byID), p.err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "pane-heap-MiB")
		b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(pages), "page-batches")
		b.ReportMetric(float64(len(p.byID)), "servers")
		runtime.KeepAlive(p)
		b.StartTimer()
	}
}
