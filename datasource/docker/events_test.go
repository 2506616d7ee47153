package docker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/demo"
)

func stateOf(cs []docker.Container, name string) string {
	for _, ct := range cs {
		if ct.Name == name {
			return ct.State
		}
	}
	return "missing"
}

// eventsClient is a read-only client of one demo host on clk, its first
// list made and settled.
func eventsClient(t *testing.T, c *demo.Cloud, host string, clk *storyClock) *docker.Client {
	t.Helper()
	cl, err := docker.New(docker.Options{Host: host, Addr: c.Config().Docker.Hosts[host], ReadOnly: true, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	settle(t, c, cl, clk)
	return cl
}

func paths(c *demo.Cloud, host string, mark int) string {
	_, p := requestsTo(c, host, mark)
	return strings.Join(p, " ")
}

// A controller's healthchecks (28 containers probed every 30 s: 3 exec
// events a probe) fill the engine's 256-event ring in ~90 s: a container
// that died 100 s before the next read is no longer in its events. The
// read lists instead of trusting the empty window; a minute's window (168
// probe events) is still read as events.
func TestEventsRingWrapLists(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	cl := eventsClient(t, c, "control01", clk)
	ctx := context.Background()

	clk.add(time.Minute)
	mark := len(c.Requests())
	if _, err := cl.List(ctx); err != nil {
		t.Fatal(err)
	}
	if p := paths(c, "control01", mark); strings.Contains(p, "/containers/json") || !strings.Contains(p, "/events") {
		t.Fatalf("a quiet minute on a controller: %s, want its events only", p)
	}

	rw := client(t, c, "control01", false)
	if err := rw.Stop(ctx, "keystone", time.Second); err != nil {
		t.Fatal(err)
	}
	clk.add(100 * time.Second)
	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(cs, "keystone"); got != "exited" {
		t.Fatalf("100 s after keystone stopped (its die pushed out of the ring by probes) the refresh says %s", got)
	}
}

// An engine restart empties its ring: a container that stopped before it
// leaves no event. The restart closed the connection the list was read
// over, so the window read over a new one is not trusted.
func TestEventsAfterEngineRestartLists(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	cl := eventsClient(t, c, "compute01", clk)
	ctx := context.Background()

	rw := client(t, c, "compute01", false)
	if err := rw.Stop(ctx, "nova_ssh", time.Second); err != nil {
		t.Fatal(err)
	}
	c.RestartDockerEngine("compute01")
	clk.add(30 * time.Second)
	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(cs, "nova_ssh"); got != "exited" {
		t.Fatalf("after nova_ssh stopped and the engine restarted the refresh says %s", got)
	}
	// Over the new connection, quiet windows are trusted again.
	clk.add(30 * time.Second)
	mark := len(c.Requests())
	if _, err := cl.List(ctx); err != nil {
		t.Fatal(err)
	}
	if p := paths(c, "compute01", mark); strings.Contains(p, "/containers/json") {
		t.Errorf("the quiet refresh after the relist: %s, want its events only", p)
	}
}

// Our clock stepping back between two reads does not make an empty (or
// skipped) window of the time in between: the refresh lists.
func TestEventsClockBackLists(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	c := demoCloud(t, clk.now)
	// The client's clock is its own; the engine keeps the story's.
	own := &storyClock{t: clk.now()}
	cl, err := docker.New(docker.Options{Host: "compute01", Addr: c.Config().Docker.Hosts["compute01"], ReadOnly: true, Now: own.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cl.List(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Second)
	own.add(time.Second)
	if _, err := cl.List(ctx); err != nil {
		t.Fatal(err)
	}
	rw := client(t, c, "compute01", false)
	if err := rw.Stop(ctx, "nova_ssh", time.Second); err != nil {
		t.Fatal(err)
	}
	clk.add(30 * time.Second)
	own.add(-time.Minute)
	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(cs, "nova_ssh"); got != "exited" {
		t.Fatalf("after our clock stepped back the refresh says nova_ssh %s", got)
	}
}

// fakeEngine is an engine with one container whose /events answers as
// told; it counts lists and events requests.
type fakeEngine struct {
	mu           sync.Mutex
	eventsStatus []int // statuses of the next /events answers (then 200)
	server       string
	lists, evs   int
	untils       []string
	clk          *storyClock // the engine's clock
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Date", f.clk.now().UTC().Format(http.TimeFormat))
	w.Header().Set("Server", f.server)
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/version"):
		fmt.Fprintln(w, `{"ApiVersion":"1.41"}`)
	case strings.HasSuffix(p, "/containers/json"):
		f.lists++
		fmt.Fprintln(w, `[{"Id":"aa","Names":["/cron"],"State":"running","Status":"Up 3 days"}]`)
	case strings.HasSuffix(p, "/containers/aa/json"):
		fmt.Fprintln(w, `{"Id":"aa","Name":"/cron","State":{"Status":"running","StartedAt":"2026-01-01T00:00:00Z"},"Config":{}}`)
	case strings.HasSuffix(p, "/events"):
		f.evs++
		f.untils = append(f.untils, r.URL.Query().Get("until"))
		if len(f.eventsStatus) > 0 {
			st := f.eventsStatus[0]
			f.eventsStatus = f.eventsStatus[1:]
			w.WriteHeader(st)
			fmt.Fprintln(w, `{"message":"no"}`)
		}
	default:
		w.WriteHeader(404)
	}
}

func (f *fakeEngine) counts() (lists, evs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists, f.evs
}

func fakeClient(t *testing.T, f *fakeEngine, clk *storyClock) *docker.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cl, err := docker.New(docker.Options{Host: "h", Addr: srv.URL, ReadOnly: true, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// A refusal of /events (a proxy's transient 403, a 400 for a window the
// engine dislikes) lists this time and asks for events again the next;
// only refusals in a row, or the engine's own 404, turn the events off,
// and those are asked again after RelistEvery.
func TestEventsRefusalsListThisTime(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	f := &fakeEngine{server: "Docker/24.0.7 (linux)", eventsStatus: []int{403}, clk: clk}
	cl := fakeClient(t, f, clk)
	ctx := context.Background()
	refresh := func() (lists, evs int) {
		t.Helper()
		l0, e0 := f.counts()
		clk.add(10 * time.Second)
		if _, err := cl.List(ctx); err != nil {
			t.Fatal(err)
		}
		l, e := f.counts()
		return l - l0, e - e0
	}
	refresh() // the first list
	if l, e := refresh(); l != 1 || e != 1 {
		t.Fatalf("a refused window: %d lists %d events, want both", l, e)
	}
	if l, e := refresh(); l != 0 || e != 1 {
		t.Fatalf("after one refusal: %d lists %d events, want the events only", l, e)
	}

	// The engine's own 404: off (lists without asking) until RelistEvery.
	f.mu.Lock()
	f.eventsStatus = []int{404}
	f.mu.Unlock()
	if l, e := refresh(); l != 1 || e != 1 {
		t.Fatalf("the engine's 404: %d lists %d events, want both", l, e)
	}
	if l, e := refresh(); l != 1 || e != 0 {
		t.Fatalf("after the engine's 404: %d lists %d events, want a list only", l, e)
	}
	clk.add(docker.RelistEvery)
	refresh() // asked again: a list (the probe's base)
	if l, e := refresh(); l != 0 || e != 1 {
		t.Fatalf("RelistEvery after the engine's 404: %d lists %d events, want its events again", l, e)
	}

	// A proxy's 404s (not signed by the engine): off after three in a row.
	f.mu.Lock()
	f.server, f.eventsStatus = "nginx", []int{404, 404, 404}
	f.mu.Unlock()
	for i := 0; i < 3; i++ {
		refresh()
	}
	if l, e := refresh(); l != 1 || e != 0 {
		t.Fatalf("after three refusals: %d lists %d events, want a list only", l, e)
	}
}

// An events window is timed by the engine's clock (here an hour behind
// ours), never ends in its future (where a real engine would hold the
// answer open until then), and starts where the last one ended.
func TestEventsWindowOnEngineClock(t *testing.T) {
	clk := &storyClock{t: time.Now()}
	engine := &storyClock{t: clk.now().Add(-time.Hour).Truncate(time.Second)}
	f := &fakeEngine{server: "Docker/24.0.7 (linux)", clk: engine}
	cl := fakeClient(t, f, clk)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		clk.add(10 * time.Second)
		engine.add(10 * time.Second)
		if _, err := cl.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.untils) != 2 {
		t.Fatalf("%d windows asked, want 2", len(f.untils))
	}
	for _, u := range f.untils {
		var sec, ns int64
		if _, err := fmt.Sscanf(u, "%d.%d", &sec, &ns); err != nil {
			t.Fatalf("until %q: %v", u, err)
		}
		if until := time.Unix(sec, ns); until.After(engine.now()) || until.Before(engine.now().Add(-15*time.Second)) {
			t.Errorf("until %v, the engine's clock %v", until, engine.now())
		}
	}
}
