package docker_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
)

func demoCloud(t *testing.T, now func() time.Time) *demo.Cloud {
	t.Helper()
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 10, FailAfter: -1, Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func client(t *testing.T, c *demo.Cloud, host string, ro bool) *docker.Client {
	t.Helper()
	cl, err := docker.New(docker.Options{Host: host, Addr: c.Config().Docker.Hosts[host], ReadOnly: ro})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestListInspectRestartAgainstDemo(t *testing.T) {
	c := demoCloud(t, nil)
	cl := client(t, c, "compute02", false)
	ctx := context.Background()
	v, err := cl.Version(ctx)
	if err != nil || v != "1.41" {
		t.Fatalf("negotiated %q, %v", v, err)
	}
	cs, err := cl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var nc docker.Container
	for _, ct := range cs {
		if ct.Name == "nova_compute" {
			nc = ct
		}
	}
	if nc.Health != "unhealthy" || nc.RestartCount != 2 || nc.Pid == 0 || nc.StartedAt.IsZero() {
		t.Fatalf("nova_compute %+v", nc)
	}
	if err := cl.Restart(ctx, "nova_compute", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	after, err := cl.Inspect(ctx, "nova_compute")
	if err != nil {
		t.Fatal(err)
	}
	if after.Pid == nc.Pid || !after.StartedAt.After(nc.StartedAt) || after.Health != "starting" {
		t.Fatalf("restart did not change the container: before %+v after %+v", nc, after)
	}
	err = cl.Restart(ctx, "no_such_container", time.Second)
	if !docker.IsNotFound(err) || !strings.Contains(err.Error(), "No such container: no_such_container") {
		t.Fatalf("unknown container: %v", err)
	}
}

func TestLogsDemuxedFromDemo(t *testing.T) {
	c := demoCloud(t, nil)
	cl := client(t, c, "control01", false)
	var lines []docker.LogLine
	err := cl.Logs(context.Background(), "nova_api", docker.LogOptions{Tail: 5}, func(l docker.LogLine) bool {
		lines = append(lines, l)
		return true
	})
	if err != nil || len(lines) == 0 || lines[0].Time.IsZero() || !strings.Contains(lines[0].Text, "nova-api") {
		t.Fatalf("logs %+v %v", lines, err)
	}
}

func TestDemuxRealCapture(t *testing.T) {
	bin, err := os.ReadFile("../../testdata/docker/docker_container_logs_nova_compute.multiplexed.bin")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../../testdata/docker/docker_container_logs_nova_compute.txt")
	var got bytes.Buffer
	if err := docker.Demux(bytes.NewReader(bin), func(l docker.LogLine) bool {
		got.WriteString(l.Stream + " " + l.Time.UTC().Format("2006-01-02T15:04:05.000000000Z") + " " + l.Text + "\n")
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got.String()) != strings.TrimSpace(string(want)) {
		t.Fatalf("demux differs:\n%s\n---\n%s", got.String(), want)
	}
	if err := docker.Demux(bytes.NewReader(bin[:len(bin)-3]), func(docker.LogLine) bool { return true }); err == nil {
		t.Fatal("truncated stream not reported")
	}
}

func TestReadOnlyRefusedBeforeTheEngine(t *testing.T) {
	c := demoCloud(t, nil)
	cl := client(t, c, "compute02", true)
	if _, err := cl.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := cl.Restart(context.Background(), "nova_compute", time.Second)
	if !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
	if m := c.Mutations(); len(m) != 0 {
		t.Fatalf("mutation reached the engine: %+v", m)
	}
}

func TestUnreachableHostIsClear(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 10, FailAfter: time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now = now.Add(2 * time.Second) // compute04 loses power
	cl := client(t, c, "compute04", false)
	_, err = cl.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "compute04: docker unreachable") {
		t.Fatalf("got %v", err)
	}
	// Other hosts are unaffected.
	if _, err := client(t, c, "compute01", false).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A missing socket says so.
	bad, _ := docker.New(docker.Options{Host: "x", Addr: "unix:///nonexistent/docker.sock"})
	if _, err := bad.List(context.Background()); err == nil || !strings.Contains(err.Error(), "x: docker unreachable at unix:///nonexistent/docker.sock: no socket at /nonexistent/docker.sock") || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("missing socket: %v", err)
	}
}

func TestVersionNegotiatedDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/version":
			w.Write([]byte(`{"ApiVersion":"1.40"}`))
		case "/v1.40/containers/json":
			w.Write([]byte(`[]`))
		default:
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"client version is too new"}`))
		}
	}))
	defer srv.Close()
	cl, _ := docker.New(docker.Options{Host: "h", Addr: srv.URL})
	if _, err := cl.List(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSSHAddressUsesDialStdio(t *testing.T) {
	// A fake ssh that records its arguments and fails like ssh does.
	dir := t.TempDir()
	script := dir + "/ssh"
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" > "+dir+"/args\necho 'ssh: connect to host compute09 port 22: Connection refused' >&2\nexit 255\n"), 0o755)
	cl, err := docker.New(docker.Options{Host: "compute09", Addr: "ssh://ops@compute09:2222", SSHCommand: []string{script}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "docker unreachable at ssh://ops@compute09:2222: ssh: connect to host compute09 port 22: Connection refused") {
		t.Fatalf("got %v", err)
	}
	args, _ := os.ReadFile(dir + "/args")
	if strings.TrimSpace(string(args)) != "-p 2222 -- ops@compute09 docker system dial-stdio" {
		t.Fatalf("ssh args %q", args)
	}
}

// The engine restarts the container and the connection drops before its
// 204: the error says the outcome is unknown, not that the host is
// unreachable.
func TestLostRestartReplyIsUnknown(t *testing.T) {
	c := demoCloud(t, nil)
	cl := client(t, c, "compute02", false)
	ctx := context.Background()
	before, err := cl.Inspect(ctx, "nova_compute")
	if err != nil {
		t.Fatal(err)
	}
	c.DropReplies(func(r demo.Request) bool { return strings.HasSuffix(r.Path, "/restart") })
	err = cl.Restart(ctx, "nova_compute", time.Second)
	if !errors.Is(err, httpclient.ErrReplyLost) || strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "compute02: docker at") {
		t.Fatalf("err %v", err)
	}
	c.DropReplies(nil)
	after, err := cl.Inspect(ctx, "nova_compute")
	if err != nil || after.Pid == before.Pid {
		t.Fatalf("the demo did not restart it: %+v %v", after, err)
	}
}

// An idle ssh connection is an ssh process: kept across a refresh's
// inspects, not for a minute per host (1,000 processes at 1,000 hosts);
// other transports keep Go's idle timeout.
func TestSSHConnectionsIdleBriefly(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ssh  bool
	}{{"ssh://ops@compute09", true}, {"tcp://127.0.0.1:2375", false}, {"unix:///run/docker.sock", false}} {
		var got httpclient.Options
		_, err := docker.New(docker.Options{Host: "compute09", Addr: tc.addr, NewHTTP: func(o httpclient.Options) (*http.Client, error) {
			got = o
			return httpclient.New(o)
		}})
		if err != nil {
			t.Fatal(err)
		}
		if tc.ssh != (got.IdleTimeout > 0 && got.IdleTimeout <= 30*time.Second) || !tc.ssh && got.IdleTimeout != 0 {
			t.Errorf("%s: idle timeout %v", tc.addr, got.IdleTimeout)
		}
	}
}
