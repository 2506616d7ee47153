package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/memcached"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/serve"
	"github.com/stackpit/stackpit/views/pane"
)

// countingServers is a server source that counts its loads; a paged load
// hands out its first page, then waits for release before the second.
type countingServers struct {
	serversSource // the rest: unused
	loads         atomic.Int32
	release       chan struct{}
}

func (c *countingServers) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	c.loads.Add(1)
	p1 := []openstack.Server{{ID: "a", Name: "a"}}
	p2 := []openstack.Server{{ID: "b", Name: "b"}}
	onPage(p1)
	select {
	case <-c.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	onPage(p2)
	return append(append([]openstack.Server(nil), p1...), p2...), nil
}

func (c *countingServers) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	c.loads.Add(1)
	return []openstack.Server{{ID: "a"}, {ID: "b"}}, nil
}

// Twenty sessions asking for the same list while one load runs decode it
// once, and each still gets the pages so far (a joining session sees its
// first rows before the load ends); the list stays everyone's for the fresh
// window, and a different since or a stale list is a load of its own.
func TestServedSessionsDecodeASharedListOnce(t *testing.T) {
	fake := &countingServers{release: make(chan struct{})}
	reads := newDecodedReads(9*time.Second, 0)
	now := time.Unix(1000, 0)
	var clock sync.Mutex
	reads.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	src := sharedServers{fake, reads}

	const sessions = 20
	var wg sync.WaitGroup
	lists := make([][]openstack.Server, sessions)
	pages := make([]atomic.Int32, sessions)
	for i := 0; i < sessions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := src.ServersPaged(context.Background(), time.Time{}, func(p []openstack.Server) { pages[i].Add(int32(len(p))) })
			if err != nil {
				t.Error(err)
			}
			lists[i] = out
		}()
	}
	// Every session is in (one loading, nineteen joined) and has its
	// first rows while the load still runs.
	for deadline := time.Now().Add(10 * time.Second); ; {
		reads.mu.Lock()
		joined := reads.joins
		reads.mu.Unlock()
		first := 0
		for i := range pages {
			if pages[i].Load() > 0 {
				first++
			}
		}
		if joined == sessions-1 && first == sessions {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions joined (want %d), %d have first rows (want %d)", joined, sessions-1, first, sessions)
		}
		time.Sleep(time.Millisecond)
	}
	close(fake.release)
	wg.Wait()
	if n := fake.loads.Load(); n != 1 {
		t.Fatalf("%d sessions made %d loads, want 1", sessions, n)
	}
	for i := range lists {
		if len(lists[i]) != 2 || &lists[i][0] != &lists[0][0] {
			t.Fatalf("session %d got its own list %v, want the shared one", i, lists[i])
		}
	}
	// Fresh: the same list, no load (unpaged too).
	if out, _ := src.Servers(context.Background(), time.Time{}); len(out) != 2 || &out[0] != &lists[0][0] || fake.loads.Load() != 1 {
		t.Fatalf("a fresh list was loaded again (%d loads)", fake.loads.Load())
	}
	// Another since: its own load.
	if _, err := src.Servers(context.Background(), time.Unix(900, 0)); err != nil || fake.loads.Load() != 2 {
		t.Fatalf("changes-since list: %v, %d loads, want 2", err, fake.loads.Load())
	}
	// Stale: loaded again.
	clock.Lock()
	now = now.Add(10 * time.Second)
	clock.Unlock()
	if _, err := src.Servers(context.Background(), time.Time{}); err != nil || fake.loads.Load() != 3 {
		t.Fatalf("stale list: %v, %d loads, want 3", err, fake.loads.Load())
	}
}

// Clients are shared between the sessions of one role, never across
// roles: an auditor's client, even when an operator's session built its
// own first, carries the read-only guard and sends no change.
func TestServedClientsNeverCrossRoles(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer srv.Close()
	cc := &config.Cloud{Prometheus: &config.Endpoint{URL: srv.URL}}
	clients := newServedClients(9*time.Second, 10*time.Second)
	env := func(role string) *Env {
		return &Env{CloudName: "prod", Cloud: cc, ReadOnly: role != serve.RoleOperator, Role: role,
			Clients: clients, Ctx: pane.Context{Now: time.Now, Refresh: 10 * time.Second}}
	}
	op, aud1, aud2 := env(serve.RoleOperator), env(serve.RoleAuditor), env(serve.RoleAuditor)
	pOp, err := promClient(op)
	if err != nil {
		t.Fatal(err)
	}
	pAud1, _ := promClient(aud1)
	pAud2, _ := promClient(aud2)
	if pOp == pAud1 {
		t.Fatal("an auditor's session got the operator's Prometheus client")
	}
	if pAud1 != pAud2 {
		t.Fatal("two auditors' sessions built two Prometheus clients, want one")
	}
	hOp, _ := op.HTTP(cc.Prometheus, false)
	hAud1, _ := aud1.HTTP(cc.Prometheus, false)
	hAud2, _ := aud2.HTTP(cc.Prometheus, false)
	if hOp == hAud1 || hAud1 != hAud2 {
		t.Fatalf("HTTP clients: operator==auditor %v, auditor==auditor %v; want false, true", hOp == hAud1, hAud1 == hAud2)
	}
	del := func(c *http.Client) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/admin/tsdb/delete_series", strings.NewReader("match[]=up"))
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := del(hAud2); err == nil {
		t.Fatal("an auditor's shared client sent a change")
	}
	if err := del(hOp); err != nil {
		t.Fatalf("the operator's client: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "POST /api/v1/admin/tsdb/delete_series" {
		t.Fatalf("the server saw %q, want only the operator's change", got)
	}
}

// Served sessions are wired to the server's clients: two auditors share
// one OpenStack client and one decoded server list, an operator has his
// own, and the auditors' client refuses a change before the wire.
func TestServedSessionsShareClientsPerRole(t *testing.T) {
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 20, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	file := &config.File{Clouds: map[string]*config.Cloud{}}
	share := newServerShare(shareEvery(file))
	f := &flags{demo: true}
	ops := filepath.Join(t.TempDir(), "ops")
	aud := &serve.User{Name: "bob", Role: serve.RoleAuditor}
	op := &serve.User{Name: "alice", Role: serve.RoleOperator}
	for _, u := range []*serve.User{aud, aud, op} {
		if _, err := newServedSession(f, file, dc, share, ops, serve.Session{User: u}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(role, k string) string { return servedKey("demo", role, role != serve.RoleOperator, k) }
	cAud, _ := share.clients.peek(key(serve.RoleAuditor, "openstack")).(*openstack.Client)
	cOp, _ := share.clients.peek(key(serve.RoleOperator, "openstack")).(*openstack.Client)
	if cAud == nil || cOp == nil || cAud == cOp {
		t.Fatalf("openstack clients: auditor %p, operator %p: want one each", cAud, cOp)
	}
	if _, ok := share.clients.peek(key(serve.RoleAuditor, "servers-decoded")).(sharedServers); !ok {
		t.Fatal("the auditors' instances panes have no shared server list")
	}
	if _, ok := share.clients.peek(key(serve.RoleAuditor, "docker-clients")).(*docker.Pool); !ok {
		t.Fatal("the auditors' containers panes have no shared Docker clients (each session inspected again)")
	}
	if _, ok := share.clients.peek(key(serve.RoleAuditor, "volumes-decoded")).(sharedVolumes); !ok {
		t.Fatal("the auditors' volumes panes have no shared volume list")
	}
	if share.clients.peek(key(serve.RoleAuditor, "ceph-dashboard")) == nil {
		t.Fatal("the auditors' Ceph panes have no shared dashboard client (one login for all)")
	}
	if _, ok := share.clients.peek(key(serve.RoleAuditor, "galera")).(sharedGalera); !ok {
		t.Fatal("the auditors' control-plane panes have no shared Galera read")
	}
	share.clients.mu.Lock()
	n := 0
	for k := range share.clients.m {
		if strings.HasSuffix(k, "\x00openstack") {
			n++
		}
	}
	share.clients.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d openstack clients for two roles, want 2", n)
	}
	before := len(dc.Requests())
	if err := cAud.Reboot(context.Background(), "whatever", false); err == nil {
		t.Fatal("the auditors' shared client rebooted a server")
	}
	for _, r := range dc.Requests()[before:] {
		if r.Mutating {
			t.Fatalf("the auditors' client sent %s %s", r.Method, r.Path)
		}
	}
}

// novaDeltas is a server source that asks an HTTP server (through the
// serve share) for each list, naming its since in the URL as Nova's
// changes-since does.
type novaDeltas struct {
	serversSource // the rest: unused
	hc            *http.Client
	url           string
}

func (n novaDeltas) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/servers/detail?changes-since="+since.UTC().Format(time.RFC3339), nil)
	resp, err := n.hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return []openstack.Server{{ID: "a"}}, nil
}

// Twenty sessions refreshing at their own moments, each with its own
// since (its own newest updated_at), make one request to Nova per refresh
// interval: since is rounded to the grain, a list from an earlier since
// answers a later one, and a list is everyone's to the end of the interval
// it was asked in. A session given another's list learns its real time.
func TestServedDeltasOneRequestPerInterval(t *testing.T) {
	var hits atomic.Int64
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		asked = append(asked, r.URL.Query().Get("changes-since"))
		mu.Unlock()
	}))
	defer srv.Close()
	const every = 10 * time.Second
	share := newServerShare(every)
	now := time.Unix(1_000_000, 0) // the start of an interval
	var clock sync.Mutex
	tick := func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	set := func(t time.Time) { clock.Lock(); now = t; clock.Unlock() }
	share.http.Now = tick
	reads := newDecodedReads(share.clients.fresh, share.clients.slot)
	reads.now = tick
	hc, err := httpclient.New(httpclient.Options{Share: share.http})
	if err != nil {
		t.Fatal(err)
	}
	src := sharedServers{novaDeltas{hc: hc, url: srv.URL}, reads}

	base := time.Unix(999_900, 0) // on the grain
	const sessions = 20
	start := now
	var firstAsked time.Time
	for round := 0; round < 3; round++ {
		before := hits.Load()
		for i := 0; i < sessions; i++ {
			// Session i asks i*500 ms into the interval, with a since of
			// its own. Rounds 0 and 2: later sessions have earlier sinces,
			// all in one grain (the grain makes them one question); round
			// 1: later sessions have later sinces, over two grains (the
			// first list holds every change the later ones ask for).
			at := start.Add(time.Duration(round)*every + time.Duration(i)*500*time.Millisecond)
			set(at)
			since := base.Add(time.Duration(round)*every + 9900*time.Millisecond - time.Duration(i)*500*time.Millisecond)
			if round == 1 {
				since = base.Add(every + 300*time.Millisecond + time.Duration(i)*700*time.Millisecond)
			}
			ctx, age := cadence.WithAge(context.Background())
			if _, err := src.Servers(ctx, since); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				firstAsked = at
				if !age.Oldest().IsZero() {
					t.Fatalf("round %d: the asking session was told its own list is another's (%v)", round, age.Oldest())
				}
			} else if got := age.Oldest(); !got.Equal(firstAsked) {
				t.Fatalf("round %d session %d: the shared list's time is %v, want %v (when session 0 asked)", round, i, got, firstAsked)
			}
		}
		if n := hits.Load() - before; n != 1 {
			mu.Lock()
			t.Fatalf("round %d: %d sessions made %d requests to Nova, want 1: %q", round, sessions, n, asked)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range asked {
		if ts, err := time.Parse(time.RFC3339, s); err != nil || ts.Unix()%10 != 0 {
			t.Fatalf("changes-since %q is not on the 10 s grain", s)
		}
	}
}

// countingMemcached is a memcached that counts the stats reads it answers.
type countingMemcached struct {
	reads atomic.Int32
	fail  atomic.Bool
}

func (c *countingMemcached) Addr() string { return "10.0.0.1:11211" }
func (c *countingMemcached) Stats(ctx context.Context) (memcached.Stats, error) {
	c.reads.Add(1)
	if c.fail.Load() {
		return memcached.Stats{}, errors.New("connection refused")
	}
	return memcached.Stats{}, nil
}

// Backends that are not HTTP (memcached, Galera) are read once per
// refresh interval for all twenty sessions, each asking at its own moment;
// a failed read is not kept, and a session given another's read learns
// its time.
func TestServedNonHTTPReadsOncePerInterval(t *testing.T) {
	mc := &countingMemcached{}
	now := time.Unix(1_000_000, 0)
	r := newSharedRead[memcached.Stats](9*time.Second, 10*time.Second)
	r.now = func() time.Time { return now }
	src := sharedMemcached{mc, r}
	start := now
	for round := 0; round < 3; round++ {
		for i := 0; i < 20; i++ {
			now = start.Add(time.Duration(round)*10*time.Second + time.Duration(i)*490*time.Millisecond)
			ctx, age := cadence.WithAge(context.Background())
			if _, err := src.Stats(ctx); err != nil {
				t.Fatal(err)
			}
			if want := start.Add(time.Duration(round) * 10 * time.Second); i > 0 && !age.Oldest().Equal(want) {
				t.Fatalf("round %d session %d: shared read as of %v, want %v", round, i, age.Oldest(), want)
			}
		}
		if n := mc.reads.Load(); n != int32(round+1) {
			t.Fatalf("after %d intervals of 20 sessions, %d reads: want one per interval", round+1, n)
		}
	}
	mc.fail.Store(true)
	now = now.Add(10 * time.Second)
	src.Stats(context.Background())
	mc.fail.Store(false)
	if _, err := src.Stats(context.Background()); err != nil || mc.reads.Load() != 5 {
		t.Fatalf("a failed read was kept: %v, %d reads", err, mc.reads.Load())
	}
}

// Twenty sessions' container panes list a Docker host once (the same
// interval), each through its own fleet; a restart through the share
// forgets that host's list, so the read-back after it is new.
func TestServedDockerListsOncePerInterval(t *testing.T) {
	var lists, restarts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/version":
			_, _ = w.Write([]byte(`{"ApiVersion":"1.41"}`))
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			lists.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"Id":"abc","Names":["/nova_compute"],"State":"running","Status":"Up 2 hours","Image":"nova"}]`))
		case strings.HasSuffix(r.URL.Path, "/restart"):
			restarts.Add(1)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	reads := &hostReads{fresh: time.Minute, slot: time.Minute, m: map[string]*sharedRead[[]docker.Container]{}}
	var wg sync.WaitGroup
	srcs := make([]sharedDocker, 20)
	for i := range srcs {
		srcs[i] = sharedDocker{docker.NewFleet(docker.FleetOptions{Hosts: map[string]string{"compute01": srv.URL}}), reads}
	}
	for _, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := s.List(context.Background(), "compute01")
			if err != nil || len(cs) != 1 {
				t.Errorf("list: %v %v", cs, err)
			}
		}()
	}
	wg.Wait()
	if n := lists.Load(); n != 1 {
		t.Fatalf("20 sessions listed the host %d times, want 1", n)
	}
	if err := srcs[3].Restart(context.Background(), "compute01", "nova_compute"); err != nil || restarts.Load() != 1 {
		t.Fatalf("restart: %v (%d sent)", err, restarts.Load())
	}
	srcs[7].List(context.Background(), "compute01")
	if n := lists.Load(); n != 2 {
		t.Fatalf("the list after a restart came from before it (%d lists)", n)
	}
}

// An action sent through the share (a reboot, say) makes the decoded
// lists from before it nobody's: the acting session's read-back, and
// everyone else's next read, is a new list.
func TestServedListAfterAnActionIsNew(t *testing.T) {
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			lists.Add(1)
		}
	}))
	defer srv.Close()
	share := newServerShare(10 * time.Second)
	hc, err := httpclient.New(httpclient.Options{Share: share.http})
	if err != nil {
		t.Fatal(err)
	}
	reads := newDecodedReads(share.clients.fresh, share.clients.slot)
	reads.changes = share.http.Changes
	src := sharedServers{novaDeltas{hc: hc, url: srv.URL}, reads}
	since := time.Now().Add(-time.Minute)
	src.Servers(context.Background(), since)
	src.Servers(context.Background(), since)
	if lists.Load() != 1 {
		t.Fatalf("%d lists for two sessions, want 1", lists.Load())
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/servers/x/action", strings.NewReader(`{"reboot":{"type":"SOFT"}}`))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	src.Servers(context.Background(), since)
	if lists.Load() != 2 {
		t.Fatalf("the list after an action was the one from before it (%d lists)", lists.Load())
	}
}

// The session whose refresh started a shared load may leave (its SSH
// session closed) while others wait for that load: theirs still ends.
func TestServedLoadOutlivesTheSessionThatStartedIt(t *testing.T) {
	fake := &countingServers{release: make(chan struct{})}
	reads := newDecodedReads(9*time.Second, 10*time.Second)
	src := sharedServers{fake, reads}
	ctxA, cancelA := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	go func() {
		_, err := src.ServersPaged(ctxA, time.Time{}, func([]openstack.Server) {})
		errA <- err
	}()
	for fake.loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	gotB := make(chan []openstack.Server, 1)
	go func() {
		out, err := src.ServersPaged(context.Background(), time.Time{}, func([]openstack.Server) {})
		if err != nil {
			t.Error(err)
		}
		gotB <- out
	}()
	for {
		reads.mu.Lock()
		j := reads.joins
		reads.mu.Unlock()
		if j == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancelA()
	if err := <-errA; err == nil {
		t.Fatal("the session that left got a list")
	}
	close(fake.release)
	if out := <-gotB; len(out) != 2 || fake.loads.Load() != 1 {
		t.Fatalf("the staying session got %v after %d loads, want the 2 servers of 1 load", out, fake.loads.Load())
	}
}

// A whole list slower than a session waits goes on: the session that gave
// up joins it again at its next refresh, and one load serves everyone (it
// was started again from nothing, and never ended, at 20 sessions on
// 50,000 servers).
func TestServedWholeListOutlivesASessionsTimeout(t *testing.T) {
	fake := &countingServers{release: make(chan struct{})}
	src := sharedServers{fake, newDecodedReads(9*time.Second, 10*time.Second)}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := src.ServersPaged(ctx, time.Time{}, func([]openstack.Server) {}); err == nil {
		t.Fatal("the list came before the load ended")
	}
	done := make(chan []openstack.Server, 1)
	go func() {
		out, err := src.Servers(context.Background(), time.Time{}) // the next refresh
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	time.Sleep(20 * time.Millisecond)
	close(fake.release)
	if out := <-done; len(out) != 2 || fake.loads.Load() != 1 {
		t.Fatalf("got %v after %d loads, want 2 servers from 1 load", out, fake.loads.Load())
	}
}

// A shared non-HTTP read runs apart from the session that asked: that
// session closing mid-read does not fail the session that joined it.
func TestServedSharedReadOutlivesTheSessionThatAsked(t *testing.T) {
	r := newSharedRead[int](time.Minute, time.Minute)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	load := func(ctx context.Context) (int, error) {
		once.Do(func() { close(started) })
		select {
		case <-release:
			return 42, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	first, closeFirst := context.WithCancel(context.Background())
	go r.do(first, load)
	<-started
	joined := make(chan error, 1)
	go func() {
		v, err := r.do(context.Background(), load)
		if err == nil && v != 42 {
			err = fmt.Errorf("value %d", v)
		}
		joined <- err
	}()
	time.Sleep(50 * time.Millisecond) // the second session joins the read in flight
	closeFirst()
	time.Sleep(20 * time.Millisecond) // a read on the closed session's context would end now
	close(release)
	if err := <-joined; err != nil {
		t.Fatalf("the joined session got %v: the asker closing failed it", err)
	}
	if r.loads != 1 {
		t.Fatalf("%d loads: the second session did not join the first's read", r.loads)
	}
}

// A read that declares a slower cadence (cadence.With: a containers pane's
// host read on its once-a-minute turn) takes another session's answer up
// to 9/10 of that period old, as httpclient.Share does: a busy session
// that reads its turn an interval late shares the turn's read.
func TestServedSharedReadHonoursADeclaredCadence(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	r := newSharedRead[int](9*time.Second, 10*time.Second)
	r.now = func() time.Time { return now }
	loads := 0
	load := func(context.Context) (int, error) { loads++; return loads, nil }
	slow := cadence.With(context.Background(), time.Minute)
	if _, err := r.do(slow, load); err != nil {
		t.Fatal(err)
	}
	now = now.Add(12 * time.Second) // the next interval, and older than fresh
	if v, _ := r.do(slow, load); v != 1 || loads != 1 {
		t.Fatalf("a once-a-minute read 12 s later made a new read (%d reads)", loads)
	}
	if v, _ := r.do(context.Background(), load); v != 2 || loads != 2 {
		t.Fatalf("a read on the refresh's cadence was given a 12 s old answer (%d reads)", loads)
	}
}
