package instances

import (
	"slices"
	"testing"

	"github.com/stackpit/stackpit/views/pane"
)

// In the detail, r follows the selected action's request ID to its logs
// (the failed action first, ]/[ move), and never reboots: the detail's
// key group comes first, so the shell's read-only gate sees a pivot.
func TestDetailRequestPivotFromActionHistory(t *testing.T) {
	p, _, _ := loaded(t)
	p.SetFilter("id:" + id(5))
	if g := p.KeyGroups(); g[0] != "instances" {
		t.Fatalf("list groups %v", g)
	}
	press(p, "enter")
	if g := p.KeyGroups(); !slices.Equal(g, []string{"instance_detail", "instances", "table"}) {
		t.Fatalf("detail groups %v", g)
	}
	if b, ok := p.ctx.Keys.Lookup("r", p.KeyGroups()...); !ok || b.Mutates {
		t.Fatalf("r in the detail resolves to %+v: the shell would refuse it read-only", b)
	}
	pivot := func() pane.PivotMsg {
		t.Helper()
		msgs := press(p, "r")
		for _, m := range msgs {
			if _, ok := m.(pane.RunActionMsg); ok {
				t.Fatal("r in the detail asked for an action (reboot)")
			}
		}
		if len(msgs) != 1 {
			t.Fatalf("r: %v", msgs)
		}
		pm, ok := msgs[0].(pane.PivotMsg)
		if !ok {
			t.Fatalf("r: %v", msgs)
		}
		return pm
	}
	if got := pivot(); got != (pane.PivotMsg{Pane: "logs", Query: "req:req-2222"}) {
		t.Fatalf("failed action's request: %+v", got)
	}
	press(p, "]")
	if got := pivot(); got.Query != "req:req-1111" {
		t.Fatalf("older action's request: %+v", got)
	}
	press(p, "]", "[")
	if got := pivot(); got.Query != "req:req-2222" {
		t.Fatalf("back to the newer action: %+v", got)
	}
	p.Back()
	// Out of the detail, r is a reboot again.
	for _, m := range press(p, "r") {
		if _, ok := m.(pane.PivotMsg); ok {
			t.Fatal("r pivoted outside the detail")
		}
	}
}
