package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/views/pane"
)

// longRun starts a long action (an evacuation at 4/55) through the dialog
// and runs its command in a goroutine, as the runtime would.
func longRun(t *testing.T, e *env) (ranCh chan tea.Msg, stopped *bool) {
	t.Helper()
	started := make(chan struct{})
	stopped = new(bool)
	e.one.action = &pane.Action{Name: "evacuate-host", Target: "compute04", Mutates: true, Confirm: "compute04", Long: true,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			close(started)
			for {
				if ops.Stopping(ctx) {
					*stopped = true
					return "", fmt.Errorf("evacuated 4/55 (stopped after the steps in flight)")
				}
				select {
				case <-ctx.Done():
					return "", fmt.Errorf("%w: evacuated 4/55", context.Cause(ctx))
				case <-time.After(time.Millisecond):
				}
			}
		}}
	e.press("R")
	e.typeText("compute04")
	_, cmd := e.m.Update(key("enter"))
	ranCh = make(chan tea.Msg, 1)
	go func() { ranCh <- cmd() }()
	<-started
	e.m.Update(pane.ActionProgressMsg{Name: "evacuate-host", Target: "compute04", Progress: pane.Progress{Done: 4, Total: 55}})
	return ranCh, stopped
}

func TestQuitWhileAnOperationRunsAsks(t *testing.T) {
	e := newEnv(t, false)
	ran, _ := longRun(t, e)
	e.m.Update(key("q"))
	if e.m.mode != modeQuit || e.m.quitting {
		t.Fatalf("q quit at once (mode %d)", e.m.mode)
	}
	out := ansi.Strip(e.m.Render())
	for _, want := range []string{"Quit? An operation is running", "evacuate-host compute04 (4/55 done)",
		"w  wait until it has finished", "s  stop after the steps in flight", "r  quit now and resume later"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dialog lacks %q:\n%s", want, out)
		}
	}
	golden(t, "quit_dialog_80x24", e.m.Render())
	// esc: keep working; the operation runs on.
	e.m.Update(key("esc"))
	if e.m.mode != modeNormal || e.m.quitting || len(e.m.runs) != 1 {
		t.Fatal("esc did not keep working")
	}
	// ctrl+c asks too.
	e.m.Update(key("ctrl+c"))
	if e.m.mode != modeQuit {
		t.Fatal("ctrl+c did not ask")
	}
	// r: interrupt, then quit once it has returned (and is audited).
	e.m.Update(key("r"))
	if e.m.quitting {
		t.Fatal("quit before the operation returned")
	}
	msg := <-ran
	_, cmd := e.m.Update(msg)
	if !e.m.quitting {
		t.Fatal("did not quit after the interrupted operation returned")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatalf("not quit: %T", cmd())
	}
	// The interrupted record was written by the action's own command
	// (on SIGHUP the program is gone before its message arrives).
	es, _ := e.log.Tail(10)
	if len(es) != 2 || es[0].Outcome != "started" || es[1].Outcome != "interrupted" {
		t.Fatalf("audit %+v", es)
	}
}

// A short action (a reboot) in flight does not open the quit dialog: q
// quits, and the action's own command audits it interrupted.
func TestQuitWithAShortActionInFlightQuitsAndAudits(t *testing.T) {
	e := newEnv(t, false)
	started := make(chan struct{})
	e.one.action = &pane.Action{Name: "reboot", Target: "vm1", Mutates: true, ConfirmYes: true,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			close(started)
			<-ctx.Done()
			return "", fmt.Errorf("POST /servers/vm1/action: %w", ctx.Err()) // what an HTTP client returns
		}}
	e.press("R")
	_, cmd := e.m.Update(key("y"))
	ran := make(chan tea.Msg, 1)
	go func() { ran <- cmd() }()
	<-started
	e.m.Update(key("q"))
	if e.m.mode == modeQuit || !e.m.quitting {
		t.Fatalf("q with a reboot in flight asked (mode %d) or did not quit", e.m.mode)
	}
	e.m.Update(<-ran)
	es, _ := e.log.Tail(10)
	if len(es) != 2 || es[0].Outcome != "started" || es[1].Outcome != "interrupted" || es[1].Action != "reboot" {
		t.Fatalf("audit %+v", es)
	}
}

func TestQuitStopAfterStepsInFlight(t *testing.T) {
	e := newEnv(t, false)
	ran, stopped := longRun(t, e)
	e.press("q", "s")
	msg := <-ran
	if !*stopped {
		t.Fatal("the operation was not asked to stop after the steps in flight")
	}
	e.m.Update(msg)
	if !e.m.quitting {
		t.Fatal("did not quit after it stopped")
	}
}

func TestQuitWaitKeepsItRunning(t *testing.T) {
	e := newEnv(t, false)
	ran, stopped := longRun(t, e)
	e.press("q", "w")
	select {
	case <-ran:
		t.Fatal("wait stopped the operation")
	case <-time.After(50 * time.Millisecond):
	}
	if e.m.quitting || *stopped {
		t.Fatal("wait quit or stopped")
	}
	if !strings.Contains(ansi.Strip(e.m.Render()), "waiting for the running operation to finish") {
		t.Fatalf("no word of the pending quit:\n%s", ansi.Strip(e.m.Render()))
	}
	e.m.runs[1].cancel(nil) // it finishes
	e.m.Update(<-ran)
	if !e.m.quitting {
		t.Fatal("did not quit when it finished")
	}
}

func TestQuitWithNothingRunningQuits(t *testing.T) {
	e := newEnv(t, false)
	e.m.Update(key("q"))
	if !e.m.quitting {
		t.Fatal("q with nothing running did not quit")
	}
}

// Interrupted operations are listed at start; enter hands the chosen one
// to its pane, which re-plans it.
func TestInterruptedOperationsListedAtStartAndResumed(t *testing.T) {
	dir := t.TempDir()
	store := ops.NewStore(dir)
	j, _, err := store.Begin(context.Background(), ops.Meta{Op: "evacuate-host", Pane: "two", Target: "compute04"}, "")
	if err != nil {
		t.Fatal(err)
	}
	j.Emit(ops.Event{Kind: ops.EvStart, Instances: []ops.Instance{{ID: "a", Name: "web-1"}, {ID: "b", Name: "web-2"}}})
	j.Emit(ops.Event{Kind: ops.EvInstance, Inst: ops.Instance{ID: "a", Name: "web-1", State: ops.OK}})
	if err := j.EndWith(ops.StatusInterrupted, "evacuated 1/2"); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, false)
	e.m.o.Ops = store
	var resumed []pane.ResumeMsg
	e.two.onMsg = func(msg tea.Msg) {
		if r, ok := msg.(pane.ResumeMsg); ok {
			resumed = append(resumed, r)
		}
	}
	e.m.Update(e.m.loadOps(true)()) // what Init starts
	if e.m.mode != modeOps {
		t.Fatal("interrupted operation not listed at start")
	}
	out := ansi.Strip(e.m.Render())
	if !strings.Contains(out, "Interrupted operations") || !strings.Contains(out, "INTERRUPTED  evacuate-host compute04  1/2 verified") {
		t.Fatalf("list:\n%s", out)
	}
	e.press("enter")
	if e.m.mode != modeNormal || e.m.active != 1 || len(resumed) != 1 || resumed[0].Entry.(ops.Entry).ID != j.ID() {
		t.Fatalf("not resumed in its pane: mode %d active %d %+v", e.m.mode, e.m.active, resumed)
	}
	// :ops lists every operation, not only interrupted ones.
	e.press(":")
	e.typeText("ops")
	e.press("enter")
	if e.m.mode != modeOps || !strings.Contains(ansi.Strip(e.m.Render()), "Operations") {
		t.Fatalf(":ops:\n%s", ansi.Strip(e.m.Render()))
	}
	e.press("esc")
	if e.m.mode != modeNormal {
		t.Fatal("esc did not close :ops")
	}
	_ = os.Remove
}

// An operation journaled on another cloud is not resumed on this one.
func TestResumeRefusesAnotherCloudsOperation(t *testing.T) {
	e := newEnv(t, false)
	var resumed int
	e.two.onMsg = func(msg tea.Msg) {
		if _, ok := msg.(pane.ResumeMsg); ok {
			resumed++
		}
	}
	e.m.mode, e.m.opsList = modeOps, []ops.Entry{{Meta: ops.Meta{Op: "evacuate-host", Pane: "two", Target: "compute04", Cloud: "prod"}, Status: ops.StatusInterrupted}}
	if out := ansi.Strip(e.m.Render()); !strings.Contains(out, "prod:compute04") {
		t.Fatalf("list does not say which cloud:\n%s", out)
	}
	e.press("enter")
	if resumed != 0 || !strings.Contains(ansi.Strip(e.m.Render()), "ran on cloud prod: :cloud prod first") {
		t.Fatalf("resumed %d times:\n%s", resumed, ansi.Strip(e.m.Render()))
	}
}

// A served session ends (its SSH link dropped) while an evacuation runs:
// the operation goes on and writes its own final record, since no Update
// will ever see its result; an action that finished in the window before
// Detach is recorded by Detach.
func TestDetachedSessionActionsAuditThemselves(t *testing.T) {
	e := newEnv(t, false)
	release := make(chan struct{})
	started := make(chan struct{})
	e.one.action = &pane.Action{Name: "evacuate-host", Target: "compute04", Mutates: true, Confirm: "compute04", Long: true,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			close(started)
			<-release
			return "55/55 ACTIVE elsewhere", nil
		}}
	e.press("R")
	e.typeText("compute04")
	_, cmd := e.m.Update(key("enter"))
	ran := make(chan tea.Msg, 1)
	go func() { ran <- cmd() }()
	<-started
	e.m.Detach() // the program is gone
	close(release)
	if msg := <-ran; msg != nil {
		t.Fatalf("a detached action returned %T for an Update that will never run", msg)
	}
	es, _ := e.log.Tail(10)
	if len(es) != 2 || es[1].Outcome != "ok" || es[1].Result != "55/55 ACTIVE elsewhere" || !strings.Contains(es[1].Details["session"], "ended") {
		t.Fatalf("audit %+v", es)
	}

	// Finished just before Detach, never seen by Update: Detach records it.
	e2 := newEnv(t, false)
	e2.one.action = &pane.Action{Name: "reboot", Target: "vm1", Mutates: true, ConfirmYes: true,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) { return "", nil }}
	e2.press("R")
	_, cmd = e2.m.Update(key("y"))
	if _, ok := cmd().(actionFinished); !ok {
		t.Fatal("not finished")
	}
	e2.m.Detach()
	es, _ = e2.log.Tail(10)
	if len(es) != 2 || es[1].Outcome != "ok" || es[1].Action != "reboot" {
		t.Fatalf("audit %+v", es)
	}
}
