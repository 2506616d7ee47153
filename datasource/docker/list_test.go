package docker_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/demo"
)

type storyClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *storyClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *storyClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// requestsTo counts the recorded requests to one host's engine since from.
func requestsTo(c *demo.Cloud, host string, from int) (n int, paths []string) {
	for _, r := range c.Requests()[from:] {
		if r.Service == "docker-"+host {
			n++
			paths = append(paths, r.Method+" "+r.Path)
		}
	}
	return n, paths
}

// listedClient is a read-only client of host on a new demo cloud, its
// first list made and settled on the story's clock (eventsClient).
func listedClient(t *testing.T, host string) (*demo.Cloud, *docker.Client, *storyClock) {
	t.Helper()
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	return c, eventsClient(t, c, host, clk), clk
}

// settle makes the refresh after a first list (which inspected every
// container) and checks it inspects nothing again.
func settle(t *testing.T, c *demo.Cloud, cl *docker.Client, clk *storyClock) {
	t.Helper()
	clk.add(time.Second)
	mark := len(c.Requests())
	if _, err := cl.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Requests()[mark:] {
		if strings.HasPrefix(r.Service, "docker-") && strings.Contains(r.Path, "/containers/") && !strings.HasSuffix(r.Path, "/containers/json") {
			t.Fatalf("the refresh after a first list inspected %s", r.Path)
		}
	}
}

// One refresh is one request per host: after a list, the engine's events
// since it, and a list again only after one; a container is inspected
// again only when it is new or changed (here: restarted).
func TestListInspectsOnlyNewOrChangedContainers(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	cl, err := docker.New(docker.Options{Host: "compute02", Addr: c.Config().Docker.Hosts["compute02"], ReadOnly: true, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := requestsTo(c, "compute02", 0); n != 2+len(cs) {
		t.Errorf("first refresh: %d requests, want version + list + %d inspects", n, len(cs))
	}
	byName := func(cs []docker.Container, name string) docker.Container {
		for _, ct := range cs {
			if ct.Name == name {
				return ct
			}
		}
		t.Fatalf("no %s", name)
		return docker.Container{}
	}
	before := byName(cs, "nova_compute")
	settle(t, c, cl, clk)

	for i := 0; i < 3; i++ {
		clk.add(10 * time.Second)
		mark := len(c.Requests())
		again, err := cl.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, paths := requestsTo(c, "compute02", mark); n != 1 || !strings.HasSuffix(paths[0], "/events") {
			t.Fatalf("refresh %d of an unchanged host: %d requests %v, want its events only", i+2, n, paths)
		}
		if got := byName(again, "nova_compute"); got.RestartCount != before.RestartCount || !got.StartedAt.Equal(before.StartedAt) || got.Pid != before.Pid {
			t.Fatalf("unchanged nova_compute lost inspect data: %+v", got)
		}
	}

	// A restart from elsewhere (another operator's docker restart): the
	// next refresh inspects that container and only it.
	rw := client(t, c, "compute02", false)
	if err := rw.Restart(ctx, "nova_compute", time.Second); err != nil {
		t.Fatal(err)
	}
	clk.add(10 * time.Second)
	mark := len(c.Requests())
	after, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, paths := requestsTo(c, "compute02", mark)
	if n != 3 || !strings.HasSuffix(paths[0], "/events") || !strings.HasSuffix(paths[1], "/containers/json") ||
		!strings.Contains(strings.Join(paths, " "), "/containers/nova_compute/json") && !strings.Contains(strings.Join(paths, " "), "/containers/"+before.ID+"/json") {
		t.Errorf("after a restart: %d requests %v, want the events, the list and one inspect", n, paths)
	}
	if got := byName(after, "nova_compute"); !got.StartedAt.After(before.StartedAt) || got.Pid == before.Pid {
		t.Errorf("restarted nova_compute not re-inspected: %+v (was %+v)", got, before)
	}
}

// Fleets sharing a pool (the sessions of `stackpit serve`) share each
// host's last inspects: a second fleet's list of an unchanged host is one
// call (its events, or nothing within the same second), not an inspect of
// every container again.
func TestPooledFleetsShareInspects(t *testing.T) {
	c := demoCloud(t, nil)
	hosts := map[string]string{"compute02": c.Config().Docker.Hosts["compute02"]}
	pool := docker.NewPool()
	a := docker.NewFleet(docker.FleetOptions{Hosts: hosts, ReadOnly: true, Pool: pool})
	b := docker.NewFleet(docker.FleetOptions{Hosts: hosts, ReadOnly: true, Pool: pool})
	ctx := context.Background()
	cs, err := a.List(ctx, "compute02")
	if err != nil || len(cs) == 0 {
		t.Fatalf("first list: %d containers, %v", len(cs), err)
	}
	mark := len(c.Requests())
	again, err := b.List(ctx, "compute02")
	if err != nil || len(again) != len(cs) {
		t.Fatalf("second fleet: %d containers, %v", len(again), err)
	}
	if _, paths := requestsTo(c, "compute02", mark); strings.Contains(strings.Join(paths, " "), "/containers/"+cs[0].ID) {
		t.Fatalf("the second fleet's list of an unchanged host made requests %v, want no inspect", paths)
	}
	// A fleet of another read-only setting gets its own client (its own guard).
	rw := docker.NewFleet(docker.FleetOptions{Hosts: hosts, Pool: pool})
	mark = len(c.Requests())
	if _, err := rw.List(ctx, "compute02"); err != nil {
		t.Fatal(err)
	}
	if n, _ := requestsTo(c, "compute02", mark); n < 2 {
		t.Fatalf("a read-write fleet used the read-only fleets' client (%d requests, want a version read and inspects of its own)", n)
	}
}

// A container that dies between two refreshes is in the next one's answer
// (its events say so: the host is listed again), an unchanged host's
// refresh reads its events, a few bytes, not its list, and a host is
// listed again after RelistEvery even when its events are quiet (issue
// 15: container lists were 6.2 MB a minute at 1,000 hosts).
func TestEventsBetweenListsFollowChanges(t *testing.T) {
	c, cl, clk := listedClient(t, "control01")
	ctx := context.Background()
	state := func(cs []docker.Container, name string) string {
		for _, ct := range cs {
			if ct.Name == name {
				return ct.State
			}
		}
		return "missing"
	}
	clk.add(time.Minute)
	b0 := c.BytesWritten()["docker-control01"]
	mark := len(c.Requests())
	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, paths := requestsTo(c, "control01", mark); n != 1 || !strings.HasSuffix(paths[0], "/events") {
		t.Fatalf("a quiet host's refresh: %d requests %v, want its events", n, paths)
	}
	if b := c.BytesWritten()["docker-control01"] - b0; b > 100 {
		t.Errorf("a quiet host's refresh read %d bytes", b)
	}
	if state(cs, "keystone") != "running" {
		t.Fatalf("keystone %s before the stop", state(cs, "keystone"))
	}

	// Another operator stops keystone: the next refresh shows it exited.
	rw := client(t, c, "control01", false)
	if err := rw.Stop(ctx, "keystone", time.Second); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	cs, err = cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := state(cs, "keystone"); got != "exited" {
		t.Fatalf("a refresh after keystone stopped says %s", got)
	}

	// Quiet again: events only, until the last list is RelistEvery old.
	reads := 0
	for i := 0; i < 6; i++ {
		clk.add(time.Minute)
		mark := len(c.Requests())
		if _, err := cl.List(ctx); err != nil {
			t.Fatal(err)
		}
		_, paths := requestsTo(c, "control01", mark)
		for _, p := range paths {
			if strings.HasSuffix(p, "/containers/json") {
				reads++
			}
		}
	}
	if reads != 1 {
		t.Errorf("6 quiet minutes: %d lists, want 1 (RelistEvery %v)", reads, docker.RelistEvery)
	}
}

// An unchanged refresh answers the list the client keeps, not a copy of
// it (a second copy of every host's list was ~4 MB at 1,000 hosts, issue
// 15); the list is clipped, so a caller's append cannot write into it.
func TestUnchangedRefreshSharesTheList(t *testing.T) {
	_, cl, clk := listedClient(t, "compute02")
	ctx := context.Background()
	clk.add(10 * time.Second)
	a, err := cl.List(ctx)
	if err != nil || len(a) == 0 {
		t.Fatalf("%d containers, %v", len(a), err)
	}
	clk.add(10 * time.Second)
	b, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != len(a) || &b[0] != &a[0] {
		t.Fatalf("an unchanged refresh answered a copy of the kept list")
	}
	if cap(b) != len(b) {
		t.Fatalf("the shared list has room to append into (len %d, cap %d)", len(b), cap(b))
	}
}
