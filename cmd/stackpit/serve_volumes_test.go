package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/views/volumes"
)

// cinderDeltas is a volume source that asks an HTTP server (through the
// serve share) for each list, naming its since in the URL on Cinder's
// grain as the client does; a whole list waits for release.
type cinderDeltas struct {
	volumes.Source // the rest: unused
	hc             *http.Client
	url            string
	release        chan struct{}
	wholes         *atomic.Int32
}

func (c cinderDeltas) VolumesSince(ctx context.Context, since time.Time) (openstack.VolumeList, error) {
	if since.IsZero() {
		c.wholes.Add(1)
		select {
		case <-c.release:
		case <-ctx.Done():
			return openstack.VolumeList{}, ctx.Err()
		}
		return openstack.VolumeList{Volumes: []openstack.Volume{{ID: "a"}, {ID: "b"}}, Full: true}, nil
	}
	q := "gte:" + since.UTC().Truncate(openstack.SinceGrain).Format("2006-01-02T15:04:05")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/volumes/detail?updated_at="+q, nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return openstack.VolumeList{}, err
	}
	resp.Body.Close()
	return openstack.VolumeList{Volumes: []openstack.Volume{{ID: "a"}}, AsOf: since}, nil
}

func newCinderDeltas(t *testing.T, share *serverShare, hits *atomic.Int64) cinderDeltas {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{Share: share.http})
	if err != nil {
		t.Fatal(err)
	}
	return cinderDeltas{hc: hc, url: srv.URL, release: make(chan struct{}), wholes: &atomic.Int32{}}
}

// Twenty sessions refreshing at their own moments of one interval, each
// with its own since over two grains (each session's since is its own
// last list's time), make one request to Cinder: a delta from an earlier
// since answers a later one. The HTTP share alone made one per grain.
func TestServedVolumeDeltasOneRequestPerInterval(t *testing.T) {
	const every = 10 * time.Second
	share := newServerShare(every)
	now := time.Unix(1_000_000, 0) // the start of an interval
	var clock sync.Mutex
	tick := func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	set := func(t time.Time) { clock.Lock(); now = t; clock.Unlock() }
	share.http.Now = tick
	reads := newDecodedReadsOf[openstack.VolumeList](share.clients.fresh, share.clients.slot)
	reads.now = tick
	var hits atomic.Int64
	src := sharedVolumes{newCinderDeltas(t, share, &hits), reads, nil}

	base := time.Unix(999_960, 0) // on the grain
	start := now
	var first openstack.VolumeList
	for i := 0; i < 20; i++ {
		at := start.Add(time.Duration(i) * 400 * time.Millisecond)
		set(at)
		since := base.Add(time.Duration(i) * 900 * time.Millisecond) // 0 to 17.1 s: two grains
		ctx, age := cadence.WithAge(context.Background())
		l, err := src.VolumesSince(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = l
		} else if !l.AsOf.Equal(first.AsOf) || &l.Volumes[0] != &first.Volumes[0] {
			t.Fatalf("session %d got a list of its own (as of %v, %d loads, %d joins), want the first session's (as of %v)", i, l.AsOf, reads.loads, reads.joins, first.AsOf)
		} else if age.Oldest().IsZero() {
			t.Fatalf("session %d was not told the list is another session's", i)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("20 sessions made %d requests to Cinder in one interval, want 1", n)
	}
	// The next interval asks again.
	set(start.Add(every))
	if _, err := src.VolumesSince(context.Background(), base.Add(every)); err != nil || hits.Load() != 2 {
		t.Fatalf("next interval: %v, %d requests, want 2", err, hits.Load())
	}
}

// A whole volume list slower than a session waits (50 pages at 50,000
// volumes on a busy server) goes on: the session that gave up joins it
// again at its next refresh, and one load serves everyone.
func TestServedWholeVolumeListOutlivesASessionsTimeout(t *testing.T) {
	share := newServerShare(10 * time.Second)
	var hits atomic.Int64
	c := newCinderDeltas(t, share, &hits)
	src := sharedVolumes{c, newDecodedReadsOf[openstack.VolumeList](share.clients.fresh, share.clients.slot), nil}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := src.VolumesSince(ctx, time.Time{}); err == nil {
		t.Fatal("the list came before the load ended")
	}
	done := make(chan openstack.VolumeList, 1)
	go func() {
		l, err := src.VolumesSince(context.Background(), time.Time{}) // the next refresh
		if err != nil {
			t.Error(err)
		}
		done <- l
	}()
	time.Sleep(20 * time.Millisecond)
	close(c.release)
	if l := <-done; len(l.Volumes) != 2 || !l.Full || c.wholes.Load() != 1 {
		t.Fatalf("got %v after %d loads, want 2 volumes from 1 whole list", l, c.wholes.Load())
	}
}

// slowIDs is a summary list that counts its reads and waits for release.
type slowIDs struct {
	volumes.Source
	reads   atomic.Int32
	release chan struct{}
}

func (s *slowIDs) VolumeIDs(ctx context.Context) ([]string, error) {
	s.reads.Add(1)
	<-s.release
	return []string{"a", "b"}, nil
}

// Twenty sessions checking presence at the start of the interval (the
// panes ask at the same wall-clock moments) read the summary list once,
// however many pages it is: a session asking while it loads joins it.
func TestServedPresenceOneListForAllSessions(t *testing.T) {
	src := &slowIDs{release: make(chan struct{})}
	sv := sharedVolumes{src, nil, newSharedRead[[]string](9*time.Second, 10*time.Second)}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ids, err := sv.VolumeIDs(context.Background()); err != nil || len(ids) != 2 {
				t.Errorf("presence: %v, %v", ids, err)
			}
		}()
	}
	for src.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the others join
	close(src.release)
	wg.Wait()
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("20 sessions made %d summary lists, want 1", n)
	}
}
