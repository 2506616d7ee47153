package main

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo/mysqlwire"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/views/controlplane"
	"github.com/stackpit/stackpit/views/pane"
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

// The Galera password (config, not a URL) is never in the errors the pane
// shows: a refused login and an unreachable node.
func TestGaleraErrorsNeverPrintThePassword(t *testing.T) {
	srv := &mysqlwire.Server{Users: map[string]string{"mon": "the-right-one"}, Handler: func(string, string) mysqlwire.Result { return mysqlwire.Result{} }}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	f, err := config.Parse("c.yaml", []byte(`clouds:
  prod:
    galera:
      nodes: [{host: control01, address: "`+srv.Addr()+`"}, {host: control02, address: "127.0.0.1:1"}]
      username: mon
      password: `+secretPW+`
`))
	if err != nil {
		t.Fatal(err)
	}
	src, err := controlPlaneSources(&Env{CloudName: "prod", Cloud: f.Cloud("prod"), ReadOnly: true})
	if err != nil || src.Galera == nil {
		t.Fatalf("%v %+v", err, src)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := src.Galera.Read(ctx)
	p := controlplane.New(pane.Context{Keys: keymap.Defaults()}, controlplane.Sources{Galera: src.Galera})
	msg := p.Init()()
	if b, ok := msg.(tea.BatchMsg); ok {
		msg = b[0]()
	}
	p.Update(msg)
	for i := 0; i < 10 && p.Section() != controlplane.SecGalera; i++ {
		p.Update(keyMsg("s"))
	}
	out := p.View(200, 30)
	for i, n := range cl.Nodes {
		if n.Err == nil {
			t.Fatalf("node %d answered", i)
		}
		if strings.Contains(n.Err.Error(), secretPW) {
			t.Errorf("node %d error prints the password: %v", i, n.Err)
		}
	}
	if !strings.Contains(out, "login refused") || strings.Contains(out, secretPW) {
		t.Errorf("pane:\n%s", out)
	}
}
