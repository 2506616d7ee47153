package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/views/compute"
	"github.com/stackpit/stackpit/views/pane"
)

// The read-only proof covers the BMC (issue 19): in a read-only session
// over the demo, whose BMCs are Redfish services recording every request,
// fence and guided recovery of compute04 (down, its power lost) are
// refused by the shell; run past the shell, their actions fail on the
// guard; no BMC received anything but power reads (and it did get reads).
func TestReadOnlyFenceAndRecoveryReachNoBMC(t *testing.T) {
	s := demoSession(t, true)
	st := s.demo.Story
	st.Lock(func() {
		h := st.Host("compute04")
		h.Powered, h.PowerFailed, h.DownSince = false, true, st.Now().Add(-10*time.Minute)
	})
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	d.run(s.model.Init())
	var cp *compute.Pane
	for i, e := range s.model.Entries() {
		if e.ID == "compute" {
			s.model.Activate(i)
			cp = e.Pane.(*compute.Pane)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d.pump(100 * time.Millisecond)
		row := ""
		for _, l := range strings.Split(ansi.Strip(s.model.Render()), "\n") {
			if strings.HasPrefix(l, "compute04 ") {
				row = l
			}
		}
		if strings.Contains(row, "DOWN") && strings.Contains(row, " off ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compute04 never showed down and powered off:\n%s", ansi.Strip(s.model.Render()))
		}
	}
	cp.SetFilter("host=compute04")
	keys := s.model.Keys()
	var fenceKey, recoverKey string
	for _, b := range keys.Group("compute") {
		switch b.Action {
		case "compute.fence":
			fenceKey = b.Keys[0]
		case "compute.recover":
			recoverKey = b.Keys[0]
		}
	}
	if fenceKey == "" || recoverKey == "" {
		t.Fatal("no fence or recover binding")
	}

	// Level one: the shell refuses before the pane sees the key.
	for _, k := range []string{fenceKey, recoverKey} {
		d.key(keyMsg(k))
		d.pump(300 * time.Millisecond)
		for _, k := range []string{"c", "o", "m", "p", "u", "t", "e", "0", "4", "enter", "esc", "esc"} {
			d.key(keyMsg(k))
		}
		d.pump(100 * time.Millisecond)
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("level one: mutating requests reached the demo: %+v", m)
	}

	// Level two: straight into the pane, every action it asks for run.
	ran := map[string]bool{}
	for _, k := range []string{fenceKey, recoverKey} {
		for _, a := range paneActions(cp, k) {
			ran[a.Name] = true
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			_, err := a.Run(ctx, func(pane.Progress) {})
			cancel()
			if err == nil || (!errors.Is(err, httpclient.ErrReadOnly) && !strings.Contains(err.Error(), httpclient.ErrReadOnly.Error())) {
				t.Errorf("%s %s in a read-only session: %v, want the guard's refusal", a.Name, a.Target, err)
			}
		}
	}
	if !ran["fence-host"] || !ran["recover-host"] {
		t.Fatalf("actions run past the shell: %v (want fence-host and recover-host)", ran)
	}
	if m := s.demo.Mutations(); len(m) > 0 {
		t.Fatalf("level two: mutating requests reached the demo: %+v", m)
	}
	reads := 0
	for _, r := range s.demo.Requests() {
		if !strings.HasPrefix(r.Service, "bmc-") {
			continue
		}
		if r.Method != http.MethodGet {
			t.Errorf("BMC %s got %s %s in a read-only session", r.Service, r.Method, r.Path)
		}
		reads++
	}
	if reads == 0 {
		t.Fatal("no BMC read at all: the test proves nothing")
	}
}

// paneActions presses key in p and follows its commands, feeding their
// messages (pre-check results) back to the pane, until it asks the shell
// to run actions.
func paneActions(p pane.Pane, key string) []pane.Action {
	var out []pane.Action
	_, cmd := p.Update(keyMsg(key))
	cmds := []tea.Cmd{cmd}
	for n := 0; len(cmds) > 0 && n < 50; n++ {
		c := cmds[0]
		cmds = cmds[1:]
		if c == nil {
			continue
		}
		switch m := runWithTimeout(c, 10*time.Second).(type) {
		case nil, pane.ToastMsg:
		case pane.RunActionMsg:
			out = append(out, m.Action)
		case tea.BatchMsg:
			cmds = append(cmds, m...)
		default:
			_, next := p.Update(m)
			cmds = append(cmds, next)
		}
	}
	return out
}
