package containers

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// The shell asks every pane's Status twice a frame: the pane goes over
// its hosts again only when a host's state, the selection or the
// discovery changed, and what it says follows each of them.
func TestStatusPassesOnlyWhenHostsChange(t *testing.T) {
	src := &fakeSrc{down: map[string]bool{}}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return now }}, src)
	drainAll(p, p.Init())
	n := p.statusPasses
	for range 20 {
		p.Status()
	}
	if p.statusPasses-n > 1 {
		t.Fatalf("20 frames with nothing new went over the hosts %d times", p.statusPasses-n)
	}
	if st := p.Status(); st.Err == nil || strings.Contains(st.Err.Error(), "compute01") {
		t.Fatalf("before: %v", st.Err)
	}
	cmd := p.Refresh()
	if !p.Status().Loading {
		t.Fatal("a refresh under way is not shown as loading")
	}
	src.down["compute01"] = true
	drainAll(p, cmd)
	if st := p.Status(); st.Loading || st.Err == nil || !strings.Contains(st.Err.Error(), "2 host(s) unreachable: compute01, compute04") {
		t.Fatalf("compute01 down: %+v", st)
	}
	p.sel = 3 // control01 only
	if st := p.Status(); st.Err != nil {
		t.Fatalf("control01 selected, the others' errors shown: %v", st.Err)
	}
	drainAll(p, func() tea.Msg { return hostsMsg{err: errors.New("no service list")} })
	if st := p.Status(); !strings.Contains(st.Note, "no service list") {
		t.Fatalf("discovery failure not said: %+v", st)
	}
}
