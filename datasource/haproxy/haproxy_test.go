package haproxy

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func fixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/stats.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseAndGroup(t *testing.T) {
	rows, err := ParseCSV(strings.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := Group(rows)
	if len(s.Frontends) != 3 || len(s.Backends) != 3 {
		t.Fatalf("frontends %d backends %d", len(s.Frontends), len(s.Backends))
	}
	ks, ok := s.Backend("keystone_internal")
	if !ok || ks.Service != "keystone" || len(ks.Servers) != 3 || ks.Up() != 2 || ks.ServersUp != 2 {
		t.Fatalf("keystone_internal: %+v", ks)
	}
	c3, _ := s.Server("keystone_internal", "controller3")
	if c3.State() != "DOWN" || c3.CheckStatus != "L4CON" || c3.LastCheck != "Connection refused" ||
		c3.CheckDesc != "Layer4 connection problem" || c3.LastChange != 5*time.Second || c3.Downtime != 5*time.Second ||
		c3.CheckDowns != 1 || c3.Serving() {
		t.Errorf("controller3: %+v", c3)
	}
	c1, _ := s.Server("keystone_internal", "controller1")
	if c1.State() != "UP" || c1.CheckCode != "200" || c1.CheckDesc != "Layer7 check passed" || !c1.Active || c1.Backup ||
		c1.Sessions != 2 || !c1.Serving() {
		t.Errorf("controller1: %+v", c1)
	}
	for name, want := range map[string]string{"controller1": "UP", "controller2": "MAINT", "controller3": "DRAIN"} {
		r, _ := s.Server("nova_api", name)
		if r.State() != want || (want != "UP") == r.Serving() {
			t.Errorf("nova_api/%s: state %q serving %v, want %s", name, r.State(), r.Serving(), want)
		}
	}
	nc, _ := s.Server("mariadb", "controller1")
	bk, _ := s.Server("mariadb", "controller2")
	if nc.State() != "no check" || !nc.Serving() || bk.State() != "UP" || !bk.Backup || bk.Active {
		t.Errorf("mariadb: %+v %+v", nc, bk)
	}
	api := s.APIServers()
	if len(api["keystone"]) != 1 || len(api["nova-api"]) != 1 || len(api["mariadb"]) != 1 || len(api) != 3 {
		t.Errorf("API servers: %v", api)
	}
}

func TestStateAndTransition(t *testing.T) {
	for status, want := range map[string][2]string{
		"UP": {"UP", ""}, "UP 1/3": {"UP", "1/3"}, "DOWN 1/2": {"DOWN", "1/2"}, "MAINT (via nova_api/c1)": {"MAINT", ""},
		"DRAIN (agent)": {"DRAIN", ""}, "no check": {"no check", ""}, "OPEN": {"OPEN", ""},
	} {
		r := Row{Status: status}
		if r.State() != want[0] || r.Transition() != want[1] {
			t.Errorf("%q: state %q transition %q, want %v", status, r.State(), r.Transition(), want)
		}
	}
}

func TestAPIService(t *testing.T) {
	for b, want := range map[string]string{
		"keystone_internal": "keystone", "keystone_external": "keystone", "nova_api": "nova-api",
		"nova_api_external": "nova-api", "nova_metadata": "nova-metadata", "nova-novncproxy": "nova-novncproxy",
		"placement_api": "placement-api", "glance_api_external": "glance-api", "neutron_server": "neutron-server",
		"cinder_api": "cinder-api", "heat_api_cfn": "heat-api-cfn", "horizon": "horizon", "stats": "",
		"novaish": "", "rabbitmq_management": "rabbitmq-management",
	} {
		if got := APIService(b); got != want {
			t.Errorf("%s: %q want %q", b, got, want)
		}
	}
}

func TestParseRefusesOtherAnswers(t *testing.T) {
	for _, in := range []string{"", "<html>Not Found</html>\n", "Unknown command.\n", "# a,b\n1,2\n"} {
		if _, err := ParseCSV(strings.NewReader(in)); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

func TestStatsOverHTTP(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		w.Write([]byte(fixture(t)))
	}))
	defer srv.Close()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	c, err := New(Config{StatsURL: srv.URL + "/stats", HTTP: hc, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if path != "/stats;csv" || len(s.Backends) != 3 {
		t.Errorf("path %q backends %d", path, len(s.Backends))
	}
	if err := c.SetServerState(context.Background(), "nova_api", "controller1", Maint); err == nil {
		t.Error("a stats-page-only client cannot act (the runtime API is needed)")
	}
}

// runtime is a fake runtime API on a unix socket: it answers `show stat`
// with the fixture and `set server` like HAProxy, and records every line
// it received.
type runtime struct {
	mu    sync.Mutex
	lines []string
	conns int
}

func (f *runtime) got() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...), f.conns
}

func startRuntime(t *testing.T, csv string) (string, *runtime) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "admin.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	f := &runtime{}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			f.mu.Lock()
			f.conns++
			f.lines = append(f.lines, line)
			f.mu.Unlock()
			switch {
			case line == "show stat\n":
				c.Write([]byte(csv))
			case strings.HasPrefix(line, "set server nova_api/controller1 state "):
				c.Write([]byte("\n"))
			case strings.HasPrefix(line, "set server "):
				c.Write([]byte("No such server.\n\n")) // as HAProxy 2.6 answers
			default:
				c.Write([]byte("Unknown command.\n\n"))
			}
			c.Close()
		}
	}()
	return "unix://" + sock, f
}

func TestRuntimeStatsAndActions(t *testing.T) {
	addr, f := startRuntime(t, fixture(t))
	c, err := New(Config{Runtime: addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := c.Stats(ctx)
	if err != nil || len(s.Backends) != 3 {
		t.Fatalf("stats over the socket: %v %d", err, len(s.Backends))
	}
	for _, st := range []ServerState{Drain, Maint, Ready} {
		if err := c.SetServerState(ctx, "nova_api", "controller1", st); err != nil {
			t.Errorf("%s: %v", st, err)
		}
	}
	err = c.SetServerState(ctx, "nova_api", "controller9", Maint)
	if err == nil || !strings.Contains(err.Error(), "No such server.") {
		t.Errorf("HAProxy's refusal must be the error: %v", err)
	}
	lines, _ := f.got()
	want := []string{"show stat\n", "set server nova_api/controller1 state drain\n", "set server nova_api/controller1 state maint\n",
		"set server nova_api/controller1 state ready\n", "set server nova_api/controller9 state maint\n"}
	if strings.Join(lines, "") != strings.Join(want, "") {
		t.Errorf("sent %q\nwant %q", lines, want)
	}
	// never a second command smuggled in a name or a state
	for _, bad := range [][3]string{{"nova_api;shutdown sessions", "c1", "maint"}, {"nova_api", "c1 state ready\nset", "maint"}, {"nova_api", "c1", "up"}} {
		if err := c.SetServerState(ctx, bad[0], bad[1], ServerState(bad[2])); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := c.Command(ctx, "show stat; disable server nova_api/controller1"); err == nil {
		t.Error("chained commands accepted")
	}
	if after, _ := f.got(); len(after) != len(want) {
		t.Errorf("refused commands reached the socket: %q", after[len(want):])
	}
}

func TestReadOnlyRefusesEverythingButShow(t *testing.T) {
	addr, f := startRuntime(t, fixture(t))
	c, err := New(Config{Runtime: addr, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Stats(ctx); err != nil {
		t.Fatalf("show stat is allowed read-only: %v", err)
	}
	for _, st := range []ServerState{Drain, Maint, Ready} {
		if err := c.SetServerState(ctx, "nova_api", "controller1", st); !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("read-only %s: want ErrReadOnly, got %v", st, err)
		}
	}
	for _, cmd := range []string{"set server nova_api/controller1 state maint", "disable server nova_api/controller1",
		"shutdown sessions server nova_api/controller1", "show stat;set server nova_api/controller1 state maint",
		"show stat\nset server nova_api/controller1 state maint", "showstat", "@1 show stat", "help"} {
		if _, err := c.Command(ctx, cmd); !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("read-only %q: want ErrReadOnly, got %v", cmd, err)
		}
	}
	lines, conns := f.got()
	if conns != 1 || len(lines) != 1 || lines[0] != "show stat\n" {
		t.Errorf("only the show stat may reach the socket: %d connections, %q", conns, lines)
	}
}

func TestRuntimeUnreachableAndConfig(t *testing.T) {
	c, _ := New(Config{Runtime: "unix://" + filepath.Join(t.TempDir(), "nope.sock")})
	_, err := c.Stats(context.Background())
	var e *Error
	if !errors.As(err, &e) || !e.Unreachable || !strings.Contains(err.Error(), "nope.sock") {
		t.Errorf("missing socket: %v", err)
	}
	for _, bad := range []Config{{}, {Runtime: "/run/haproxy.sock"}, {Runtime: "tcp://"}, {StatsURL: "http://h:1984"}, {StatsURL: "h:1984", HTTP: http.DefaultClient}} {
		if _, err := New(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if c, err := New(Config{Runtime: "tcp://127.0.0.1:9999"}); err != nil || c.network != "tcp" || c.addr != "127.0.0.1:9999" {
		t.Errorf("tcp runtime: %v", err)
	}
}
