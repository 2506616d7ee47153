package volumes

import (
	"fmt"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// bigVolumes: n volumes over 5 projects and 3 backends, a third attached,
// one in 200 stuck detaching.
func bigVolumes(n int) *fakeSource {
	f := &fakeSource{names: map[string]string{}}
	projects := []string{"p-web", "p-db", "p-ci", "p-analytics", "p-admin"}
	for i := range n {
		v := openstack.Volume{ID: fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i*7919), Name: fmt.Sprintf("vol-%06d", i),
			Status: "available", Size: 10 + i%500, Type: "rbd", Host: fmt.Sprintf("control%02d@rbd-1#rbd", 1+i%3),
			ProjectID: projects[i%5], Updated: t0.Add(-time.Duration(i) * time.Minute)}
		if i%3 == 0 {
			srv := fmt.Sprintf("srv-%06d", i)
			f.names[srv] = fmt.Sprintf("vm-%06d", i)
			v.Status, v.Attachments = "in-use", []openstack.VolumeAttach{{ID: "att-" + v.ID, ServerID: srv}}
		}
		if i%200 == 0 {
			v.Status = "detaching"
		}
		f.vols = append(f.vols, v)
	}
	return f
}

func loadedBig(b *testing.B, n int) *Pane {
	p := newPane(bigVolumes(n), Options{})
	drive(p, p.Init())
	if p.tbl.Len() != n {
		b.Fatalf("loaded %d", p.tbl.Len())
	}
	return p
}

// BenchmarkRender10k: one frame of the volumes pane with 10,000 volumes
// (budget: the frame budget of BENCHMARKS.md, 2 ms).
func BenchmarkRender10k(b *testing.B) {
	p := loadedBig(b, 10000)
	p.tbl.SetCursor(5000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = p.View(120, 40)
	}
}

// BenchmarkFilterKeystroke10k: one filter keystroke and the frame after it
// (budget 16 ms).
func BenchmarkFilterKeystroke10k(b *testing.B) {
	p := loadedBig(b, 10000)
	qs := []string{"h", "ho", "hos", "host", "host:", "host:c", "host:control02", "status:det", "vm-00"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.SetFilter(qs[i%len(qs)])
		_ = p.View(120, 40)
	}
}

// BenchmarkLoad10k: a refresh landing (rows rebuilt, stuck sorted first).
func BenchmarkLoad10k(b *testing.B) {
	p := loadedBig(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.rebuild()
	}
}
