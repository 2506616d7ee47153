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
