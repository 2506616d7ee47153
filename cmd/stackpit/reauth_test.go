package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// passwordPOSTs counts token requests the demo Keystone received since from.
func passwordPOSTs(s *session, from int) int {
	n := 0
	for _, r := range s.demo.Requests()[from:] {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/auth/tokens") {
			n++
		}
	}
	return n
}

// until pumps messages until the rendered screen satisfies ok (or gives up
// after max) and returns it.
func until(t *testing.T, d *driver, s *session, max time.Duration, ok func(string) bool) string {
	t.Helper()
	var screen string
	for end := time.Now().Add(max); time.Now().Before(end); {
		d.pump(100 * time.Millisecond)
		if screen = ansi.Strip(s.model.Render()); ok(screen) {
			return screen
		}
	}
	return screen
}

// Keystone starts refusing the password mid-session: the status line says
// so with the next try, refreshing panes do not send the password again,
// and ctrl+r tries once at once.
func TestRefusedPasswordReachesTheStatusLine(t *testing.T) {
	// A long first backoff: a slow (loaded) run must not reach the next
	// automatic try before it counts.
	old := openstack.ReauthBackoffBase
	openstack.ReauthBackoffBase = 5 * time.Minute
	t.Cleanup(func() { openstack.ReauthBackoffBase = old })
	s := demoSession(t, true)
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	d.run(s.model.Init())
	until(t, d, s, 60*time.Second, func(sc string) bool { return strings.Contains(sc, "instances updated") })

	s.demo.RefusePasswords(true)
	s.demo.ExpireTokens()
	mark := len(s.demo.Requests())
	d.key(keyMsg("ctrl+r"))
	screen := until(t, d, s, 30*time.Second, func(sc string) bool { return strings.Contains(sc, "auth failing") })
	if !strings.Contains(screen, "auth failing: The request you have made requires authentication, next try in") ||
		!strings.Contains(screen, "(ctrl+r now)") {
		t.Fatalf("status line does not say auth is failing:\n%s", screen)
	}
	t.Logf("status line: %s", lastLines(screen))
	for i := 0; i < len(s.model.Entries()); i++ { // every pane refreshes
		s.model.Activate(i)
		if r, ok := s.model.Entries()[i].Pane.(interface{ Refresh() tea.Cmd }); ok {
			d.run(r.Refresh())
		}
	}
	d.pump(time.Second)
	if n := passwordPOSTs(s, mark); n != 1 {
		t.Errorf("%d password POSTs after every pane refreshed, want 1", n)
	}

	s.demo.RefusePasswords(false)
	s.model.Activate(0)
	d.key(keyMsg("ctrl+r"))
	until(t, d, s, 30*time.Second, func(sc string) bool { return !strings.Contains(sc, "auth failing") })
	if n := passwordPOSTs(s, mark); n != 2 {
		t.Errorf("ctrl+r: %d password POSTs in all, want 2", n)
	}
	if screen := ansi.Strip(s.model.Render()); strings.Contains(screen, "auth failing") {
		t.Errorf("after ctrl+r with the password accepted again:\n%s", screen)
	}
}

func lastLines(screen string) string {
	ls := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	return ls[max(len(ls)-2, 0)]
}

// Building the session starts the authentication (issue 15, start to
// first rows): Keystone has the token request before the program runs,
// and the first load sends no second one.
func TestSessionAuthenticatesWhileBuilt(t *testing.T) {
	s := demoSession(t, false)
	for end := time.Now().Add(20 * time.Second); passwordPOSTs(s, 0) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("no token request before the program ran")
		}
	}
	d := newDriver(t, s.model)
	d.m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	d.run(s.model.Init())
	until(t, d, s, 60*time.Second, func(sc string) bool { return strings.Contains(sc, "instances updated") })
	if n := passwordPOSTs(s, 0); n != 1 {
		t.Errorf("%d token requests by the first load, want 1", n)
	}
}
