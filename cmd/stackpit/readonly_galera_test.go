package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/views/controlplane"
)

// The SQL session is read-only by construction, in a read-write session
// too: the control-plane pane reads the demo's Galera nodes over the MySQL
// wire protocol and only read-only transactions and SHOW/SELECT statements
// reach them (the demo records every statement).
func TestGaleraSessionOnlyReadsEvenReadWrite(t *testing.T) {
	s := demoSession(t, false)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(s.model.Init())
	found := false
	for i, e := range s.model.Entries() {
		if _, ok := e.Pane.(*controlplane.Pane); ok {
			s.model.Activate(i)
			found = true
		}
	}
	if !found {
		t.Fatal("no control-plane pane in the demo session")
	}
	var stmts []string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && len(stmts) < 18; {
		d.pump(200 * time.Millisecond)
		stmts = stmts[:0]
		for _, r := range s.demo.Requests() {
			if strings.HasPrefix(r.Service, "galera-") {
				stmts = append(stmts, r.Path)
				if r.Mutating {
					t.Errorf("mutating statement reached %s: %q", r.Service, r.Path)
				}
			}
		}
	}
	if len(stmts) < 18 { // 3 nodes x (transaction, 4 reads, rollback)
		t.Fatalf("the pane read %d statements from Galera: %q", len(stmts), stmts)
	}
	for _, q := range stmts {
		if q != "START TRANSACTION READ ONLY" && q != "ROLLBACK" && !strings.HasPrefix(q, "SHOW GLOBAL ") && !strings.HasPrefix(q, "SELECT ") {
			t.Errorf("statement %q", q)
		}
	}
}
