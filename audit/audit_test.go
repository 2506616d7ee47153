package audit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRecordAndTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "audit.jsonl")
	l := Open(p)
	l.Cloud, l.CloudUser = "demo", "admin"
	for _, o := range []string{"started", "ok", "refused"} {
		if err := l.Record(Entry{Action: "evacuate", Target: "compute03", Outcome: o}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := l.Tail(2)
	if err != nil || len(es) != 2 || es[1].Outcome != "refused" || es[0].Cloud != "demo" || es[0].OSUser == "" || es[0].Time.IsZero() {
		t.Fatalf("tail = %+v, %v", es, err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

func TestUnwritableLogFails(t *testing.T) {
	l := Open("/proc/nonexistent/audit.jsonl")
	if err := l.Record(Entry{Action: "x"}); err == nil {
		t.Fatal("write to impossible path succeeded")
	}
}

// Every record says who did it locally and in OpenStack, in which project,
// why, where to, and how it ended.
func TestRecordCarriesWhoWhyAndWhere(t *testing.T) {
	l := Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	l.SetIdentity("prod", "alice", "ops")
	e := Entry{Action: "live-migrate", Target: "vm1", Reason: "kernel update", Destinations: []string{"compute05"}, Outcome: OutcomeUnknown}
	if err := l.Record(e); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(Entry{Action: "live-migrate", Target: "vm1", Outcome: OutcomeReconciled, Result: "instance action live-migration at 12:00:01"}); err != nil {
		t.Fatal(err)
	}
	es, _ := l.Tail(5)
	if len(es) != 2 || es[0].OSUser == "" || es[0].CloudUser != "alice" || es[0].Project != "ops" || es[0].Cloud != "prod" ||
		es[0].Reason != "kernel update" || len(es[0].Destinations) != 1 || es[0].Destinations[0] != "compute05" || es[0].Outcome != "unknown" {
		t.Fatalf("%+v", es)
	}
	if !Reconciled(es[1].Outcome) || Reconciled(es[0].Outcome) {
		t.Fatalf("reconciled: %q %q", es[0].Outcome, es[1].Outcome)
	}
}
