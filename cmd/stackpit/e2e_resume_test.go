package main

// End-to-end durable operations (issue 13): an evacuation of compute04 cut
// off by SIGHUP (a dropped SSH link) leaves a journal marked interrupted;
// the next start with the same state dir lists it, resumes it re-planned
// from the demo's current state, and every instance ends verified.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/audit"
	"github.com/stackpit/stackpit/ops"
)

// binaryPID is the pid of the stackpit process in the tmux pane (the
// child of the pane's shell).
func (tm *tmux) binaryPID() int {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-S", tm.sock, "list-panes", "-t", tm.session, "-F", "#{pane_pid}").Output()
	if err != nil {
		tm.t.Fatalf("list-panes: %v", err)
	}
	sh := strings.TrimSpace(string(out))
	b, err := os.ReadFile(filepath.Join("/proc", sh, "task", sh, "children"))
	if err != nil {
		tm.t.Fatalf("children of %s: %v", sh, err)
	}
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		if exe, _ := os.Readlink(filepath.Join("/proc", f, "exe")); strings.HasSuffix(exe, "/stackpit") {
			return pid
		}
	}
	tm.t.Fatalf("no stackpit process under pane shell %s (children %q)", sh, b)
	return 0
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func TestE2EEvacuateSIGHUPThenResume(t *testing.T) {
	requireTmux(t)
	dc, cfg := startDemoConfig(t, 80, time.Second)
	env := e2eEnv(t)
	store := ops.NewStore(filepath.Join(envValue(env, "XDG_STATE_HOME"), "stackpit", "ops"))
	tm := startTmux(t, 120, 45, env, "--config", cfg, "--cloud", "demo")
	tm.waitFor("stackpit", "80/80 servers")
	tm.keys(":")
	tm.literal("hosts")
	tm.keys("Enter")
	tm.waitLong(60*time.Second, "1 DOWN")
	var onHost int
	dc.Story.Lock(func() {
		for _, in := range dc.Story.Instances {
			if !in.Deleted && in.Host == "compute04" {
				onHost++
			}
		}
	})
	if onHost < 6 {
		t.Fatalf("only %d instances on compute04: too few to cut an evacuation off half-way", onHost)
	}
	tm.keys("g", "E")
	tm.waitFor("Confirm: evacuate-host compute04", "Type \"compute04\"")
	tm.literal("compute04")
	tm.keys("Enter")
	tm.waitLong(30*time.Second, "EVACUATE compute04")
	// q mid-evacuation asks first; esc keeps working.
	tm.keys("q")
	tm.waitFor("Quit? An operation is running", "evacuate-host compute04", "r  quit now and resume later")
	tm.keys("Escape")
	tm.waitGone("Quit? An operation is running")
	// Once the first instance is verified, the SSH link "drops".
	tm.waitLong(90*time.Second, "EVACUATE compute04", "  ✓ ")
	if err := syscall.Kill(tm.binaryPID(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("EXITED 129")
	list, err := store.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("journals after SIGHUP: %v %+v", err, list)
	}
	first := list[0]
	ok, _, left := first.Counts()
	if first.Status != ops.StatusInterrupted || first.Op != "evacuate-host" || first.Target != "compute04" || ok == 0 || left == 0 {
		t.Fatalf("journal after SIGHUP: status %q, %d verified, %d left (want interrupted half-way):\n%s", first.Status, ok, left, first.Summary)
	}
	if _, held := ops.Holder(store.Dir(), "demo", "compute04"); held {
		t.Fatal("compute04 still locked after the process exited")
	}
	// The audit log says so too (not a bare "started").
	es, err := audit.Open(filepath.Join(envValue(env, "XDG_STATE_HOME"), "stackpit", "audit.jsonl")).Tail(10)
	if err != nil || len(es) == 0 || es[len(es)-1].Action != "evacuate-host" || es[len(es)-1].Outcome != "interrupted" {
		t.Fatalf("audit after SIGHUP: %v %+v", err, es)
	}

	// The next start, same state dir: the interrupted evacuation is listed.
	tm2 := startTmux(t, 120, 45, env, "--config", cfg, "--cloud", "demo")
	s := tm2.waitFor("Interrupted operations", "INTERRUPTED", "evacuate-host compute04")
	if !strings.Contains(s, strconv.Itoa(ok)+"/"+strconv.Itoa(len(first.Instances))+" verified") {
		t.Fatalf("list does not show the journal's progress (%d/%d):\n%s", ok, len(first.Instances), s)
	}
	tm2.keys("Enter")
	s = tm2.waitLong(60*time.Second, "Confirm: evacuate-host compute04", "RESUMES the evacuate-host", "Type \"compute04\"")
	if !strings.Contains(s, "verified or watched") {
		t.Fatalf("resume pre-checks:\n%s", s)
	}
	tm2.literal("compute04")
	tm2.keys("Enter")
	s = tm2.waitLong(150*time.Second, "EVACUATE compute04", "finished")
	if !strings.Contains(s, " 0 failed") || !strings.Contains(s, " "+strconv.Itoa(len(first.Instances))+" ok") {
		t.Fatalf("resumed evacuation did not verify every instance:\n%s", s)
	}
	// Every instance of the plan ended verified, on another host, settled.
	e, err := store.Read(first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed, other := e.Counts(); e.Status != ops.StatusOK || e.Resumes != 1 || ok != len(first.Instances) || failed+other != 0 {
		t.Fatalf("journal after resume: %s, %d resumes, %d ok %d failed %d other", e.Status, e.Resumes, ok, failed, other)
	}
	dc.Story.Lock(func() {
		for _, in := range e.Instances {
			for _, d := range dc.Story.Instances {
				if d.ID == in.ID && (d.Host == "compute04" || d.Host != in.Target) {
					t.Errorf("%s: demo says host %s, journal verified it on %s", in.Name, d.Host, in.Target)
				}
			}
		}
	})
	// Nothing was evacuated twice: one server action (the evacuate) per
	// instance across both runs.
	evacs := map[string]int{}
	for _, m := range dc.Mutations() {
		if m.Method == "POST" && strings.HasSuffix(m.Path, "/action") {
			evacs[m.Path]++
		}
	}
	for path, n := range evacs {
		if n > 1 {
			t.Errorf("%s evacuated %d times", path, n)
		}
	}
	if len(evacs) != len(first.Instances) {
		t.Errorf("%d evacuate requests for %d instances", len(evacs), len(first.Instances))
	}
	tm2.keys("Escape")
	tm2.waitGone("EVACUATE compute04") // (an ESC glued to q would read as alt+q)
	tm2.keys("q")
	tm2.waitFor("EXITED 0")
}
