//go:build integration

package docker_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

func realSock(t *testing.T) string {
	s := os.Getenv("STACKPIT_TEST_DOCKER_SOCK")
	if s == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_DOCKER_SOCK unset: run testenv/docker.sh start")
		}
		t.Skip("no real Docker engine (testenv/docker.sh)")
	}
	return s
}

func realClient(t *testing.T, ro bool) *docker.Client {
	c, err := docker.New(docker.Options{Host: "compute03", Addr: "unix://" + realSock(t), ReadOnly: ro})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRealListHealth(t *testing.T) {
	c := realClient(t, false)
	ctx := context.Background()
	v, err := c.Version(ctx)
	if err != nil || v != "1.41" {
		t.Fatalf("negotiated %q (Debian 12's engine speaks 1.41): %v", v, err)
	}
	cs, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]docker.Container{}
	for _, ct := range cs {
		names[ct.Name] = ct
	}
	nc, ok := names["nova_compute"]
	if !ok || nc.State != "running" || nc.Health != "healthy" || nc.Pid == 0 || nc.StartedAt.IsZero() {
		t.Fatalf("nova_compute: %+v (all: %v)", nc, names)
	}
}

func TestRealRestartNewPIDAndStartedAt(t *testing.T) {
	c := realClient(t, false)
	ctx := context.Background()
	before, err := c.Inspect(ctx, "nova_compute")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "nova_compute", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	after, err := c.Inspect(ctx, "nova_compute")
	if err != nil {
		t.Fatal(err)
	}
	if after.Pid == before.Pid || !after.StartedAt.After(before.StartedAt) || after.State != "running" {
		t.Fatalf("before %+v after %+v", before, after)
	}
	// The trap printed its SIGTERM line, and the new start is in the logs
	// (the new run prints it shortly after Docker reports it started: on a
	// loaded machine, a little later than the restart call returns).
	var text strings.Builder
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		text.Reset()
		if err := c.Logs(ctx, "nova_compute", docker.LogOptions{Tail: 50}, func(l docker.LogLine) bool {
			text.WriteString(l.Text + "\n")
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text.String(), "caught SIGTERM, stopping") && strings.Count(text.String(), "starting (pid") >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("logs:\n%s", text.String())
		}
	}
}

func TestRealFollowLogs(t *testing.T) {
	c := realClient(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	err := c.Logs(ctx, "fluentd", docker.LogOptions{Tail: 1, Follow: true}, func(l docker.LogLine) bool {
		n++
		return n < 3 // the tail line plus two live heartbeats
	})
	if err != nil || n != 3 {
		t.Fatalf("follow got %d lines, err %v", n, err)
	}
}

func TestRealErrors(t *testing.T) {
	c := realClient(t, false)
	ctx := context.Background()
	err := c.Restart(ctx, "no_such_container", time.Second)
	if !docker.IsNotFound(err) || !strings.Contains(err.Error(), "No such container") {
		t.Fatalf("unknown container: %v", err)
	}
	// The engine refuses a version above its own, which is why we negotiate.
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", realSock(t))
	}}}
	resp, err := hc.Post("http://docker/v1.99/containers/nova_compute/restart", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Maximum supported API version is 1.41") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestRealStubbornContainerTakesTheTimeout(t *testing.T) {
	c := realClient(t, false)
	before, _ := c.Inspect(context.Background(), "stubborn")
	if err := c.Restart(context.Background(), "stubborn", 1*time.Second); err != nil {
		t.Fatal(err)
	}
	after, _ := c.Inspect(context.Background(), "stubborn")
	if after.Pid == before.Pid || after.State != "running" {
		t.Fatalf("stubborn restart: before %+v after %+v", before, after)
	}
}

func TestRealReadOnlyRefused(t *testing.T) {
	c := realClient(t, true)
	before, err := c.Inspect(context.Background(), "neutron_openvswitch_agent")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Restart(context.Background(), "neutron_openvswitch_agent", time.Second)
	if !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
	after, _ := c.Inspect(context.Background(), "neutron_openvswitch_agent")
	if after.Pid != before.Pid {
		t.Fatal("container restarted in a read-only session")
	}
}

// A real engine's events between two lists (issue 15: a refresh asks for
// the events since the last list, not the list): a container restarted by
// someone else is in the next List, with its new start from an inspect.
func TestRealEventsBetweenLists(t *testing.T) {
	c := realClient(t, true)
	ctx := context.Background()
	find := func(cs []docker.Container) docker.Container {
		for _, ct := range cs {
			if ct.Name == "nova_compute" {
				return ct
			}
		}
		t.Fatalf("no nova_compute in %d containers", len(cs))
		return docker.Container{}
	}
	cs, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := find(cs)
	// Nothing changed: the events answer (an error here is the engine
	// refusing since, until or the filters).
	if again, err := c.List(ctx); err != nil || find(again).Pid != before.Pid {
		t.Fatalf("a second list: %v, %+v", err, again)
	}
	if err := realClient(t, false).Restart(ctx, "nova_compute", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The window ends up to a second behind the engine's clock (its Date
	// header has whole seconds): a refresh a moment later sees the restart.
	time.Sleep(2 * time.Second)
	after, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := find(after); got.Pid == before.Pid || !got.StartedAt.After(before.StartedAt) {
		t.Fatalf("after a restart elsewhere: %+v (was %+v)", got, before)
	}
}
