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

// One refresh is one list call per host; a container is inspected again
// only when it is new or changed (here: restarted).
func TestListInspectsOnlyNewOrChangedContainers(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	cl := client(t, c, "compute02", true)
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

	for i := 0; i < 3; i++ {
		clk.add(10 * time.Second)
		mark := len(c.Requests())
		again, err := cl.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, paths := requestsTo(c, "compute02", mark); n != 1 || !strings.HasSuffix(paths[0], "/containers/json") {
			t.Fatalf("refresh %d of an unchanged host: %d requests %v, want the list only", i+2, n, paths)
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
	if n != 2 || !strings.Contains(strings.Join(paths, " "), "/containers/nova_compute/json") && !strings.Contains(strings.Join(paths, " "), "/containers/"+before.ID+"/json") {
		t.Errorf("after a restart: %d requests %v, want the list and one inspect", n, paths)
	}
	if got := byName(after, "nova_compute"); !got.StartedAt.After(before.StartedAt) || got.Pid == before.Pid {
		t.Errorf("restarted nova_compute not re-inspected: %+v (was %+v)", got, before)
	}
}

// Fleets sharing a pool (the sessions of `stackpit serve`) share each
// host's last inspects: a second fleet's list of an unchanged host is the
// list call alone, not an inspect of every container again.
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
	if n, paths := requestsTo(c, "compute02", mark); n != 1 || !strings.HasSuffix(paths[0], "/containers/json") {
		t.Fatalf("the second fleet's list of an unchanged host made %d requests %v, want the list only", n, paths)
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
