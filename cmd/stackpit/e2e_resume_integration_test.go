//go:build integration

package main

// Durable operations against the real loopback Nova of testenv/openstack.sh
// (issue 13): the real binary in tmux evacuates a compute host, is killed
// (SIGKILL: no chance to write anything) mid-run, and the next start lists
// the interrupted evacuation, resumes it re-planned from Nova, and every
// instance ends ACTIVE on another host, checked with the openstack CLI.
// The host is restored afterwards (force up, restarting nova-compute when
// Nova refuses because of `done` evacuation records; enable).
//
//	testenv/openstack.sh install && testenv/openstack.sh start
//	. testenv/run/openstack.env
//	go test -tags integration -run IntegrationResumeEvacuation -v ./cmd/stackpit/

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
)

func itClient(t *testing.T, cloud string) *openstack.Client {
	t.Helper()
	auth, err := config.ResolveAuth(cloud, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := openstack.New(ctx, auth, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itService(t *testing.T, c *openstack.Client, host string) openstack.ComputeService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ss, err := c.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Binary == "nova-compute" && s.Host == host {
			return s
		}
	}
	t.Fatalf("no nova-compute on %s", host)
	return openstack.ComputeService{}
}

// itWait polls f until it returns "" (what is still pending otherwise).
func itWait(t *testing.T, what string, d time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		if last = f(); last == "" {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("%s: still %s after %v", what, last, d)
}

// itRestoreHost forces host up (restarting its nova-compute when Nova
// refuses because of `done` evacuation records) and enables it.
func itRestoreHost(t *testing.T, c *openstack.Client, host string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := itService(t, c, host)
	if s.ForcedDown {
		if err := c.ForceDown(ctx, host, false); err != nil {
			if !strings.Contains(err.Error(), "evacuation migration records") {
				t.Fatalf("force-up %s: %v", host, err)
			}
			ctl := os.Getenv("STACKPIT_TEST_OPENSTACK_CTL")
			if ctl == "" {
				t.Fatal("STACKPIT_TEST_OPENSTACK_CTL not set: cannot restart nova-compute")
			}
			if out, err := exec.Command(ctl, "restart-compute", host).CombinedOutput(); err != nil {
				t.Fatalf("restart-compute %s: %v\n%s", host, err, out)
			}
			itWait(t, "force-up of "+host, 2*time.Minute, func() string {
				if err := c.ForceDown(ctx, host, false); err != nil {
					return err.Error()
				}
				return ""
			})
		}
	}
	if s.Status != "enabled" {
		if err := c.EnableService(ctx, host); err != nil {
			t.Fatalf("enable %s: %v", host, err)
		}
	}
	itWait(t, host+" up and enabled", 2*time.Minute, func() string {
		s := itService(t, c, host)
		if s.State == "up" && s.Status == "enabled" && !s.ForcedDown {
			return ""
		}
		return fmt.Sprintf("%s/%s forced_down=%v", s.Status, s.State, s.ForcedDown)
	})
}

func TestIntegrationResumeEvacuation(t *testing.T) {
	cloud := itRequireCloud(t)
	requireTmux(t)
	c := itClient(t, cloud)
	for _, h := range []string{"compute01", "compute02"} {
		itRestoreHost(t, c, h)
	}
	rows, _ := itCLI(t, "server", "list", "--all-projects", "--long")
	count := map[string]int{}
	for _, r := range rows {
		count[itStr(r["Host"])]++
	}
	src := "compute01"
	if count["compute02"] > count[src] {
		src = "compute02"
	}
	if count[src] == 0 {
		t.Fatal("no servers on either compute")
	}
	t.Cleanup(func() { itRestoreHost(t, c, src) })

	env := append(e2eEnv(t), "OS_CLIENT_CONFIG_FILE="+os.Getenv("OS_CLIENT_CONFIG_FILE"))
	store := ops.NewStore(filepath.Join(envValue(env, "XDG_STATE_HOME"), "stackpit", "ops"))
	tm := startTmux(t, 160, 50, env, "--cloud", cloud)
	tm.waitLong(60*time.Second, "stackpit", "servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitLong(60*time.Second, src)
	tm.keys("/")
	tm.literal("host=" + src)
	tm.keys("Enter")
	tm.waitFor("filter: host=" + src)
	tm.keys("g", "E")
	tm.waitLong(60*time.Second, "Confirm: evacuate-host "+src, "Type \""+src+"\"")
	tm.literal(src)
	tm.keys("Enter")
	// Killed as soon as the run is under way: nothing is written at exit.
	tm.waitLong(60*time.Second, "EVACUATE "+src)
	if err := syscall.Kill(tm.binaryPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("EXITED 137")
	list, err := store.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("journals after the kill: %v %+v", err, list)
	}
	first := list[0]
	if first.Status != ops.StatusInterrupted || !first.Resumable() || first.Target != src {
		t.Fatalf("journal after the kill: %+v", first)
	}
	if ok, _, _ := first.Counts(); ok == len(first.Instances) {
		t.Logf("every instance was verified before the kill landed; the resume only verifies")
	}

	tm2 := startTmux(t, 160, 50, env, "--cloud", cloud)
	tm2.waitLong(60*time.Second, "Interrupted operations", "evacuate-host "+src)
	tm2.keys("Enter")
	tm2.waitLong(60*time.Second, "RESUMES the evacuate-host", "Type \""+src+"\"")
	tm2.literal(src)
	tm2.keys("Enter")
	s := tm2.waitLong(6*time.Minute, "EVACUATE "+src, "finished")
	if !strings.Contains(s, " 0 failed") {
		t.Fatalf("resumed evacuation failed:\n%s", s)
	}
	e, err := store.Read(first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed, other := e.Counts(); e.Status != ops.StatusOK || ok != len(e.Instances) || failed+other != 0 {
		t.Fatalf("journal after resume: %s: %d ok, %d failed, %d other", e.Status, ok, failed, other)
	}
	// The CLI agrees: every instance ACTIVE (or SHUTOFF) elsewhere, settled.
	rows, _ = itCLI(t, "server", "list", "--all-projects", "--long")
	by := map[string]map[string]any{}
	for _, r := range rows {
		by[itStr(r["ID"])] = r
	}
	for _, in := range e.Instances {
		r := by[in.ID]
		if r == nil {
			t.Errorf("%s (%s) gone", in.Name, in.ID)
			continue
		}
		if h, st := itStr(r["Host"]), itStr(r["Status"]); h == src || h != in.Target || (st != "ACTIVE" && st != "SHUTOFF") {
			t.Errorf("%s: CLI says %s on %s, journal verified it on %s", in.Name, st, h, in.Target)
		}
	}
	tm2.keys("Escape")
	tm2.waitGone("EVACUATE " + src)
	tm2.keys("q")
	tm2.waitFor("EXITED 0")
}
