package docker_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
)

// engineCountingDials is an engine with n running containers that counts
// the connections made to it.
func engineCountingDials(tb testing.TB, n int) (*httptest.Server, *atomic.Int64) {
	tb.Helper()
	var dials atomic.Int64
	list := make([]string, n)
	for i := range n {
		list[i] = fmt.Sprintf(`{"Id":"c%d","Names":["/c%d"],"Image":"kolla/c","State":"running","Status":"Up 2 hours (healthy)","Created":1700000000}`, i, i)
	}
	body := "[" + strings.Join(list, ",") + "]"
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", "Docker/24.0.7 (linux)")
		switch {
		case strings.HasSuffix(r.URL.Path, "/version"):
			fmt.Fprint(w, `{"ApiVersion":"1.41"}`)
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			fmt.Fprint(w, body)
		default: // an inspect
			id := strings.TrimSuffix(r.URL.Path[strings.LastIndex(strings.TrimSuffix(r.URL.Path, "/json"), "/")+1:], "/json")
			fmt.Fprintf(w, `{"Id":%q,"Name":"/%s","RestartCount":0,"State":{"Status":"running","Pid":1,"StartedAt":"2026-12-07T00:00:00Z","Health":{"Status":"healthy"}},"Config":{"Image":"kolla/c","Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000}}}`, id, id)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, &dials
}

// A host's first list inspects its containers over the list's own
// connection: a connection per inspect was a dial (a TCP or TLS
// handshake, or an ssh process) for nearly every container, ~10,000 at
// the start at 1,000 hosts, on the cores the screen needs (issue 15).
func TestFirstListDialsOnce(t *testing.T) {
	srv, dials := engineCountingDials(t, 11)
	cs := firstList(t, srv.URL, 11)
	for _, c := range cs {
		if c.Pid != 1 || c.StartedAt.IsZero() {
			t.Fatalf("%s not inspected: %+v", c.Name, c)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections for a first list of 11 containers, want 1", n)
	}
}

// firstList is a new client's list of compute01's engine at addr, which
// must have n containers.
func firstList(t *testing.T, addr string, n int) []docker.Container {
	t.Helper()
	cl, err := docker.New(docker.Options{Host: "compute01", Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cl.List(context.Background())
	if err != nil || len(cs) != n {
		t.Fatalf("list: %d containers, %v", len(cs), err)
	}
	return cs
}

// BenchmarkFirstList11Containers: a host's first list (a compute host's
// 11 containers, each inspected), a new client each time: the
// connections it dials and what it costs the cockpit and the engine
// (both in this process).
func BenchmarkFirstList11Containers(b *testing.B) {
	srv, dials := engineCountingDials(b, 11)
	b.ReportAllocs()
	for b.Loop() {
		cl, err := docker.New(docker.Options{Host: "compute01", Addr: srv.URL})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cl.List(context.Background()); err != nil {
			b.Fatal(err)
		}
		srv.CloseClientConnections() // the kept one: a client per host, not per loop
	}
	b.ReportMetric(float64(dials.Load())/float64(b.N), "dials/op")
}

// The connection kept after a first list is the list's own, the one an
// events window is trusted over (events.go): the next refresh reads the
// engine's events only. With the inspects on connections of their own,
// it was often another, and that refresh listed every container again
// (1,000 lists at 1,000 hosts).
func TestRefreshAfterFirstListReadsEvents(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	cl, err := docker.New(docker.Options{Host: "compute02", Addr: c.Config().Docker.Hosts["compute02"], ReadOnly: true, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 { // the transport kept one connection of several by chance
		if _, err := cl.List(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(10 * time.Second)
		mark := len(c.Requests())
		if _, err := cl.List(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, paths := requestsTo(c, "compute02", mark); n != 1 || !strings.HasSuffix(paths[0], "/events") {
			t.Fatalf("round %d: the refresh after a first list: %d requests %v, want its events only", i, n, paths)
		}
		// A new client: a first list again.
		cl, err = docker.New(docker.Options{Host: "compute02", Addr: c.Config().Docker.Hosts["compute02"], ReadOnly: true, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
	}
}
