package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/ceph"
)

type fakeCeph struct {
	mu    sync.Mutex
	cl    ceph.Cluster
	calls []string
	err   error
	// reads before a change shows (a mon slow to publish it).
	lag  int
	next func(*ceph.Cluster)
}

func (f *fakeCeph) Snapshot(context.Context) (*ceph.Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next != nil {
		if f.lag == 0 {
			f.next(&f.cl)
			f.next = nil
		} else {
			f.lag--
		}
	}
	cl := f.cl
	cl.OSDs = append([]ceph.OSD(nil), f.cl.OSDs...)
	return &cl, nil
}

func (f *fakeCeph) SetNoout(_ context.Context, on bool) error {
	f.calls = append(f.calls, fmt.Sprintf("noout %v", on))
	return f.err
}

func (f *fakeCeph) SetOSDNoout(_ context.Context, id int, on bool) error {
	f.calls = append(f.calls, fmt.Sprintf("osd.%d noout %v", id, on))
	return f.err
}

func (f *fakeCeph) MarkOSD(_ context.Context, id int, in bool) error {
	f.calls = append(f.calls, fmt.Sprintf("osd.%d in %v", id, in))
	return f.err
}

func TestChangeCephNamesAndCalls(t *testing.T) {
	cases := []struct {
		c                  CephChange
		name, target, call string
		result             string
	}{
		{CephChange{Kind: CephNoout, On: true}, "ceph-noout-set", "cluster", "noout true", "noout set (verified by read-back)"},
		{CephChange{Kind: CephNoout}, "ceph-noout-unset", "cluster", "noout false", "noout unset (verified by read-back)"},
		{CephChange{Kind: CephOSDNoout, OSD: 3, On: true}, "ceph-osd-noout-set", "osd.3", "osd.3 noout true", "osd.3 noout set (verified by read-back)"},
		{CephChange{Kind: CephMark, OSD: 7}, "ceph-osd-out", "osd.7", "osd.7 in false", "osd.7 marked out (verified by read-back)"},
		{CephChange{Kind: CephMark, OSD: 7, On: true}, "ceph-osd-in", "osd.7", "osd.7 in true", "osd.7 marked in (verified by read-back)"},
	}
	for _, c := range cases {
		f := &fakeCeph{}
		var steps []Step
		res, err := ChangeCeph(context.Background(), f, c.c, func(s Step) { steps = append(steps, s) })
		if c.c.Name() != c.name || c.c.Target() != c.target || err != nil || res != c.result ||
			strings.Join(f.calls, ";") != c.call || len(steps) != 2 {
			t.Errorf("%+v: %s %s %q %v %v %+v", c.c, c.c.Name(), c.c.Target(), res, err, f.calls, steps)
		}
	}
	f := &fakeCeph{err: errors.New("read-back after 8s still shows noout unset")}
	if _, err := ChangeCeph(context.Background(), f, CephChange{Kind: CephNoout, On: true}, nil); err == nil {
		t.Fatal("a failed verification passed")
	}
}

// After a lost reply the cluster is read back: the flag or the OSD state
// says whether the change happened, also when the mon publishes it late.
func TestReadBackCeph(t *testing.T) {
	ctx := context.Background()
	f := &fakeCeph{cl: ceph.Cluster{Flags: []string{"sortbitwise"}, OSDs: []ceph.OSD{{ID: 3, Up: true, In: true}}}}
	f.lag, f.next = 2, func(cl *ceph.Cluster) { cl.Flags = append(cl.Flags, "noout") }
	done, ev, err := ReadBackCeph(ctx, f, CephChange{Kind: CephNoout, On: true}, time.Millisecond, time.Second)
	if !done || err != nil || ev != "cluster flag noout set" {
		t.Fatalf("noout set: %v %q %v", done, ev, err)
	}
	// Not there: not done, with what was seen (never an error).
	done, ev, err = ReadBackCeph(ctx, f, CephChange{Kind: CephMark, OSD: 3}, time.Millisecond, 20*time.Millisecond)
	if done || err != nil || ev != "osd.3 is in" {
		t.Fatalf("mark out: %v %q %v", done, ev, err)
	}
	f.next = func(cl *ceph.Cluster) { cl.OSDs[0].In, cl.OSDs[0].Noout = false, true }
	if done, ev, _ := ReadBackCeph(ctx, f, CephChange{Kind: CephMark, OSD: 3}, time.Millisecond, time.Second); !done || ev != "osd.3 is out" {
		t.Fatalf("mark out after: %v %q", done, ev)
	}
	if done, ev, _ := ReadBackCeph(ctx, f, CephChange{Kind: CephOSDNoout, OSD: 3, On: true}, time.Millisecond, time.Second); !done || ev != "osd.3 noout set" {
		t.Fatalf("osd noout: %v %q", done, ev)
	}
	// An OSD the cluster does not know: the read-back cannot tell.
	if _, _, err := ReadBackCeph(ctx, f, CephChange{Kind: CephMark, OSD: 99}, time.Millisecond, time.Second); err == nil {
		t.Fatal("unknown OSD read back without error")
	}
}
