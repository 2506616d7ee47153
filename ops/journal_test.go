package ops

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

func testStore(t *testing.T, dir string, pid int, user string) *Store {
	s := NewStore(dir)
	s.PID, s.User = pid, user
	return s
}

func TestJournalRecordsEveryStepAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, os.Getpid(), "alice")
	ss := []openstack.Server{srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "web-2", "ACTIVE", "compute04")}
	n := newNova(ss...)
	meta := Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04", Details: map[string]string{"host": "compute04"}}
	sum, err := s.Run(context.Background(), meta, "", nil, func(ctx context.Context, emit func(Event)) Summary {
		return Evacuate(ctx, n, &fakeServices{}, fast, HostPlan{Host: "compute04", Servers: ss}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %+v", err, list)
	}
	e := list[0]
	if e.Status != StatusOK || e.Op != "evacuate-host" || e.Target != "compute04" || e.User != "alice" || e.Summary != sum.Text() {
		t.Fatalf("entry %+v", e)
	}
	if ok, failed, other := e.Counts(); ok != 2 || failed != 0 || other != 0 || e.Resumable() {
		t.Fatalf("counts %d %d %d", ok, failed, other)
	}
	// Step by step: plan, then running and ok for each instance, then end.
	b, _ := os.ReadFile(e.Path)
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		k := r.Kind
		if r.Inst != nil {
			k += ":" + r.Inst.State.String()
		}
		kinds = append(kinds, k)
	}
	if got := strings.Join(kinds, " "); got != "start plan step:running step:running step:ok step:ok end" &&
		got != "start plan step:running step:running step:ok step:running step:ok end" {
		// (two at a time: both start before either ends)
		t.Errorf("records: %s", got)
	}
	if st, err := os.Stat(e.Path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v %v", st.Mode(), err)
	}
	if _, held := Holder(dir, "", "compute04"); held {
		t.Error("lock still held after the end")
	}
}

// A crash mid-write leaves a torn last line and no end record: the journal
// still reads, as interrupted, with every step before the tear.
func TestJournalCrashSafety(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, os.Getpid(), "alice")
	j, _, err := s.Begin(context.Background(), Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	j.Emit(Event{Kind: EvStart, Instances: []Instance{{ID: "a", Name: "web-1"}, {ID: "b", Name: "web-2"}}})
	j.Emit(Event{Kind: EvInstance, Inst: Instance{ID: "a", Name: "web-1", State: Running}})
	j.Emit(Event{Kind: EvInstance, Inst: Instance{ID: "a", Name: "web-1", State: Running, Status: "REBUILD"}}) // same state: not journaled
	j.Emit(Event{Kind: EvInstance, Inst: Instance{ID: "a", Name: "web-1", State: OK, Target: "compute02"}})
	// The process dies: no end record, lock file left with its content,
	// and half a line written.
	j.f.WriteString(`{"time":"2026-12-06T12:00:00Z","kind":"step","inst":{"id":"b","na`)
	j.f.Close()
	j.lock.f.Close() // the kernel drops the flock with the process
	e, err := s.Read(j.ID())
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != StatusInterrupted || !e.Resumable() {
		t.Fatalf("status %q", e.Status)
	}
	if len(e.Instances) != 2 || e.Instances[0].State != OK || e.Instances[0].Target != "compute02" || e.Instances[1].State != Pending {
		t.Fatalf("instances %+v", e.Instances)
	}
	b, _ := os.ReadFile(e.Path)
	if n := strings.Count(string(b), `"kind":"step"`); n != 3 { // running, ok, torn
		t.Fatalf("%d step records:\n%s", n, b)
	}
	// Resuming appends to the same journal; the verified instance stays
	// verified when the new plan lists it again.
	j2, _, err := s.Begin(context.Background(), Meta{Op: "evacuate-host", Pane: "compute", Target: "compute04"}, j.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j2.Note, "took over the stale lock on compute04") {
		t.Errorf("takeover not said: %q", j2.Note)
	}
	j2.Emit(Event{Kind: EvStart, Instances: []Instance{{ID: "a", Name: "web-1", State: Pending}, {ID: "b", Name: "web-2"}}})
	j2.Emit(Event{Kind: EvInstance, Inst: Instance{ID: "b", Name: "web-2", State: OK, Target: "compute03"}})
	if err := j2.End(Summary{Verb: "evacuate", Host: "compute04", Instances: []Instance{{ID: "a", State: OK}, {ID: "b", State: OK}}}); err != nil {
		t.Fatal(err)
	}
	e, _ = s.Read(j.ID())
	if ok, _, _ := e.Counts(); e.Status != StatusOK || e.Resumes != 1 || ok != 2 {
		t.Fatalf("after resume: %+v", e)
	}
}

// An end record written on interrupt (quit to resume later, SIGHUP) reads
// as interrupted; Interrupt waits for it.
func TestInterruptWritesEndRecord(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, os.Getpid(), "alice")
	ss := []openstack.Server{srv("a", "web-1", "ACTIVE", "compute04"), srv("b", "web-2", "ACTIVE", "compute04")}
	n := newNova(ss...)
	n.block = make(chan struct{})
	var ev events
	errc := make(chan error)
	go func() {
		_, err := s.Run(context.Background(), Meta{Op: "evacuate-host", Target: "compute04"}, "", ev.emit,
			func(ctx context.Context, emit func(Event)) Summary {
				return Evacuate(ctx, n, &fakeServices{}, fast, HostPlan{Host: "compute04", Servers: ss}, emit)
			})
		errc <- err
	}()
	for len(ev.kinds(EvInstance)) < 2 {
		time.Sleep(time.Millisecond)
	}
	if s.Running() != 1 {
		t.Fatalf("running %d", s.Running())
	}
	if left := s.Interrupt(5 * time.Second); left != 0 {
		t.Fatalf("%d not flushed", left)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].Status != StatusInterrupted || !list[0].Resumable() {
		t.Fatalf("%+v", list)
	}
}

// Two "processes" (two stores with their own pids) never run on the same
// target at once; a lock left by a dead pid is taken over, saying so.
func TestLockContentionAndStalePid(t *testing.T) {
	dir := t.TempDir()
	bob := testStore(t, dir, os.Getpid(), "bob")
	carol := testStore(t, dir, os.Getpid()+1, "carol")
	jb, _, err := bob.Begin(context.Background(), Meta{Op: "evacuate-host", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = carol.Begin(context.Background(), Meta{Op: "drain-host", Target: "compute04"}, "")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "evacuate-host is running it: bob (pid") {
		t.Fatalf("second process got %v", err)
	}
	// Another target is free.
	jc, _, err := carol.Begin(context.Background(), Meta{Op: "drain-host", Target: "compute05"}, "")
	if err != nil {
		t.Fatal(err)
	}
	jc.EndWith(StatusOK, "")
	if li, ok := Holder(dir, "", "compute04"); !ok || li.User != "bob" {
		t.Fatalf("holder %+v %v", li, ok)
	}
	if e, _ := bob.Read(jb.ID()); e.Status != StatusRunning || e.Resumable() {
		t.Fatalf("a running journal reads %q", e.Status)
	}
	jb.EndWith(StatusOK, "")
	// A clean release leaves no owner behind: no takeover message.
	j, _, err := carol.Begin(context.Background(), Meta{Op: "drain-host", Target: "compute04"}, "")
	if err != nil || j.Note != "" {
		t.Fatalf("%v %q", err, j.Note)
	}
	j.EndWith(StatusOK, "")

	// A process that died holding the lock: its pid is gone.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(LockInfo{User: "dave", PID: dead.Process.Pid, Machine: carol.Machine, Op: "evacuate-host", Target: "compute06", ID: "x", Since: time.Now()})
	os.MkdirAll(filepath.Join(dir, "locks"), 0o700)
	if err := os.WriteFile(lockPath(dir, "", "compute06"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	j, _, err = carol.Begin(context.Background(), Meta{Op: "evacuate-host", Target: "compute06"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.Note, "took over the stale lock on compute06 of evacuate-host dave (pid") || !strings.Contains(j.Note, "no longer running") {
		t.Fatalf("note %q", j.Note)
	}
	j.EndWith(StatusOK, "")
}

// A lock held by a real other process (a child holding flock) is refused.
func TestLockHeldByAnotherProcess(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "locks"), 0o700)
	path := lockPath(dir, "", "compute04")
	b, _ := json.Marshal(LockInfo{User: "erin", PID: 4242, Op: "evacuate-host", Target: "compute04", Since: time.Now()})
	os.WriteFile(path, b, 0o600)
	child := exec.Command("flock", "-x", path, "sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	for start := time.Now(); ; {
		if _, held := Holder(dir, "", "compute04"); held {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("child never took the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s := testStore(t, dir, os.Getpid(), "frank")
	if _, _, err := s.Begin(context.Background(), Meta{Op: "evacuate-host", Target: "compute04"}, ""); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "erin (pid 4242") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkJournalStep is the cost of one journaled step (write + fsync).
func BenchmarkJournalStep(b *testing.B) {
	s := NewStore(b.TempDir())
	j, _, err := s.Begin(context.Background(), Meta{Op: "evacuate-host", Target: "compute04"}, "")
	if err != nil {
		b.Fatal(err)
	}
	defer j.EndWith(StatusOK, "")
	in := Instance{ID: "8d1f0c2e-6a7b-4c1d-9e2f-0a1b2c3d4e5f", Name: "web-1", Host: "compute04", Status: "ACTIVE"}
	for i := 0; b.Loop(); i++ {
		in.State = State(1 + i%2)
		j.Emit(Event{Kind: EvInstance, Inst: in})
	}
}

func TestPruneDropsOldFinishedJournalsOnly(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, os.Getpid(), "alice")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	write := func(id string, age time.Duration, outcome string) {
		t.Helper()
		at := now.Add(-age)
		recs := []Record{{Time: at, Kind: "start", Meta: &Meta{ID: id, Op: "drain-host", Pane: "compute", Target: id}}}
		if outcome != "" {
			recs = append(recs, Record{Time: at, Kind: "end", Outcome: outcome})
		}
		var b []byte
		for _, r := range recs {
			l, _ := json.Marshal(r)
			b = append(append(b, l...), '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, id+".jsonl"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("old-ok", 40*24*time.Hour, StatusOK)
	write("old-failed", 31*24*time.Hour, StatusFailed)
	write("old-interrupted", 90*24*time.Hour, "")
	write("old-stopped", 90*24*time.Hour, StatusStopped)
	write("new-ok", 2*24*time.Hour, StatusOK)
	n, err := s.Prune(30 * 24 * time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	list, _ := s.List()
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	sort.Strings(ids)
	if got := strings.Join(ids, " "); got != "new-ok old-interrupted old-stopped" {
		t.Fatalf("kept %s", got)
	}
}
