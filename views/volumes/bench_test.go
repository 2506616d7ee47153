package volumes

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/pane"
)

// bigVolumes: n volumes over 5 projects and 3 backends, a third attached,
// one in 200 stuck detaching.
func bigVolumes(n int) *fakeSource {
	// The list at its exact size: PaneHeap50kRefreshed counts it freed,
	// and append's spare capacity moved with a Volume's size (176 bytes:
	// 50,408 volumes, 168: 62,122, 1.5 MiB more to take off).
	f := &fakeSource{names: map[string]string{}, vols: make([]openstack.Volume, 0, n)}
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

// BenchmarkLoad10k: a whole list landing in which every volume changed
// (every row rebuilt, stuck sorted first).
func BenchmarkLoad10k(b *testing.B) {
	f := bigVolumes(10000)
	p := newPane(f, Options{})
	drive(p, p.Init())
	var lists [2][]openstack.Volume
	for i, v := range f.vols {
		lists[0] = append(lists[0], v)
		v.Size = 10 + i%7
		lists[1] = append(lists[1], v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Update(loadedMsg{list: openstack.VolumeList{Volumes: lists[(i+1)%2], Full: true, AsOf: t0}, names: p.names, projects: p.projects})
	}
}

// BenchmarkDeltaRefresh50k: a steady refresh landing at 50,000 volumes
// with 10 changed volumes (issue 15: it runs on the UI goroutine every
// refresh period). Each op changes the same 10 volumes' status back and
// forth, and brings a fresh (equal) names map as the source does.
func BenchmarkDeltaRefresh50k(b *testing.B) {
	f := bigVolumes(50000)
	p := newPane(f, Options{})
	drive(p, p.Init())
	if p.tbl.Len() != 50000 {
		b.Fatalf("loaded %d", p.tbl.Len())
	}
	var deltas [2][]openstack.Volume
	for i := range 10 {
		v := f.vols[1+i*4999]
		deltas[0] = append(deltas[0], v)
		v.Status, v.Updated = "extending", v.Updated.Add(time.Second)
		deltas[1] = append(deltas[1], v)
	}
	names := [2]map[string]string{maps.Clone(p.names), maps.Clone(p.names)}
	projects := p.projects
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		d := deltas[(i+1)%2]
		p.Update(loadedMsg{list: openstack.VolumeList{Volumes: append([]openstack.Volume(nil), d...), AsOf: t0}, names: names[i%2], projects: projects})
	}
	b.StopTimer()
	if p.tbl.Len() != 50000 {
		b.Fatalf("%d rows after the deltas", p.tbl.Len())
	}
}

// BenchmarkPaneHeap50k: the heap the pane keeps for 50,000 volumes (the
// source's own list, made before, is not counted).
//
//	go test -run '^$' -bench PaneHeap50k -benchtime 1x ./views/volumes/
func BenchmarkPaneHeap50k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		f := bigVolumes(50000)
		p := paneHeap(b, "pane-heap-MiB", func() *Pane {
			p := newPane(f, Options{})
			drive(p, p.Init())
			return p
		})
		runtime.KeepAlive(f)
		runtime.KeepAlive(p)
		b.StartTimer()
	}
}

// BenchmarkPaneHeap50kShared: the heap one more pane keeps when it is
// given the same 50,000-volume list as another (`stackpit serve`: the
// sessions of a cloud share one decoded list): what each added session's
// volumes pane costs.
//
//	go test -run '^$' -bench PaneHeap50kShared -benchtime 1x ./views/volumes/
func BenchmarkPaneHeap50kShared(b *testing.B) {
	for range b.N {
		b.StopTimer()
		f := bigVolumes(50000)
		l, _ := f.VolumesSince(context.Background(), time.Time{})
		first := newPane(f, Options{})
		first.Update(loadedMsg{list: l, names: f.names})
		p := paneHeap(b, "added-pane-heap-MiB", func() *Pane {
			p := newPane(f, Options{})
			p.Update(loadedMsg{list: l, names: f.names})
			return p
		})
		runtime.KeepAlive(p)
		runtime.KeepAlive(first)
		runtime.KeepAlive(l)
		b.StartTimer()
	}
}

// paneHeap reports (as metric) the heap a pane built by build keeps,
// drawn once, with all 50,000 volumes loaded; the timer runs for build.
func paneHeap(b *testing.B, metric string, build func() *Pane) *Pane {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.StartTimer()
	p := build()
	_ = p.View(160, 50)
	b.StopTimer()
	if p.tbl.Len() != 50000 {
		b.Fatalf("loaded %d", p.tbl.Len())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), metric)
	return p
}

// BenchmarkDeltaRefreshInPlace50k: a steady refresh whose 10 changed
// volumes keep their place (grown, attached elsewhere): their rows are
// patched, not all 50,000 rebuilt (BenchmarkDeltaRefresh50k's flip
// stuck and move, so that one still rebuilds).
func BenchmarkDeltaRefreshInPlace50k(b *testing.B) {
	f := bigVolumes(50000)
	p := newPane(f, Options{})
	drive(p, p.Init())
	var deltas [2][]openstack.Volume
	for i := range 10 {
		v := f.vols[1+i*4999]
		deltas[0] = append(deltas[0], v)
		v.Size, v.Updated = v.Size+1, v.Updated.Add(time.Second)
		deltas[1] = append(deltas[1], v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		d := deltas[(i+1)%2]
		p.Update(loadedMsg{list: openstack.VolumeList{Volumes: append([]openstack.Volume(nil), d...), AsOf: t0}, names: p.names, projects: p.projects})
	}
}

// BenchmarkSteadyRefresh50k: the UI goroutine's part of a steady refresh
// at 50,000 volumes in which nothing changed: the tick's load (which
// volumes to read one by one) and the empty delta landing, with the
// source's shared names map (issue 15: it went over every row, 77-121 ms
// under load in-process).
func BenchmarkSteadyRefresh50k(b *testing.B) {
	p := loadedBig(b, 50000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = p.load()
		p.Update(loadedMsg{list: openstack.VolumeList{AsOf: t0}, names: p.names, projects: p.projects})
	}
}

// BenchmarkPaneHeap50kRefreshed: the heap a pane of 50,000 volumes keeps,
// lists included, after 20 deltas (2,000 volumes each, 100 of them
// changed: the overlap re-lists the rest) and a whole list: the lists a
// row came in stay while it points into them (issue 15).
//
//	go test -run '^$' -bench PaneHeap50kRefreshed -benchtime 1x ./views/volumes/
func BenchmarkPaneHeap50kRefreshed(b *testing.B) {
	for range b.N {
		b.StopTimer()
		f := bigVolumes(50000)
		names := f.names
		p := paneHeap(b, "refreshed-pane-heap-MiB", func() *Pane {
			vols := f.vols
			f = nil // the pane's lists only
			p := newPane(&fakeSource{}, Options{})
			p.Update(loadedMsg{list: openstack.VolumeList{Volumes: append([]openstack.Volume(nil), vols...), Full: true, AsOf: t0}, names: names})
			for k := range 20 {
				d := make([]openstack.Volume, 0, 2000)
				for j := range 2000 {
					i := (k*1000 + j*23) % len(vols)
					if j%20 == 0 {
						vols[i].Size++
						vols[i].Updated = vols[i].Updated.Add(time.Second)
					}
					d = append(d, vols[i])
				}
				p.Update(loadedMsg{list: openstack.VolumeList{Volumes: d, AsOf: t0}, names: names, projects: p.projects})
			}
			p.Update(loadedMsg{list: openstack.VolumeList{Volumes: append([]openstack.Volume(nil), vols...), Full: true, AsOf: t0}, names: names, projects: p.projects})
			return p
		})
		runtime.KeepAlive(p)
		b.StartTimer()
	}
}

// BenchmarkFirstLoad1000Hosts: what the UI goroutine spends on the first
// list at the 1,000-host demo's 62,500 volumes ("list": the loaded
// message, its rows prebuilt by the load), then on the first refresh's
// start ("tick": the names to ask for, every attached server's).
//
//	go test -run '^$' -bench FirstLoad1000Hosts -benchmem -benchtime 20x ./views/volumes/
func BenchmarkFirstLoad1000Hosts(b *testing.B) {
	f := bigVolumes(62500)
	for _, step := range []string{"list", "tick"} {
		b.Run(step, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				p, now := newPaneClock(f, Options{})
				m := p.load()().(loadedMsg)
				*now = now.Add(time.Minute) // the tick is a refresh's
				if step == "tick" {
					p.Update(m)
				}
				runtime.GC()
				b.StartTimer()
				if step == "list" {
					p.Update(m)
				} else if p.Update(pane.TickMsg{}); !p.loading {
					b.Fatal("the tick started no refresh")
				}
			}
		})
	}
}
