package main

// The instances, compute and agents panes wired to the real OpenStack
// client against the demo cloud: full load, pivots between them, and a
// changes-since refresh.

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

func icaEnv(t *testing.T) (*Env, *demo.Cloud) {
	t.Helper()
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	cc := dc.Config()
	env := &Env{CloudName: "demo", Cloud: cc, Demo: dc,
		Ctx: pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: time.Now, Refresh: time.Second}}
	env.Auth, env.AuthErr = config.ResolveAuth("demo", "", cc)
	if env.AuthErr != nil {
		t.Fatal(env.AuthErr)
	}
	return env, dc
}

func icaBuild(t *testing.T, env *Env, id string) pane.Pane {
	t.Helper()
	for _, s := range paneSpecs {
		if s.ID == id {
			p, err := s.Build(env)
			if err != nil {
				t.Fatalf("build %s: %v", id, err)
			}
			return p
		}
	}
	t.Fatalf("pane %s not registered", id)
	return nil
}

// settle runs cmd synchronously, feeding every message back into p, and
// returns the messages meant for the shell.
func settle(p pane.Pane, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, m...)
		case pane.PivotMsg, pane.RunActionMsg, pane.CopyMsg, pane.ToastMsg:
			out = append(out, m)
		default:
			_, next := p.Update(m)
			queue = append(queue, next)
		}
	}
	return out
}

func TestWiredPanesAgainstDemo(t *testing.T) {
	env, dc := icaEnv(t)
	inst := icaBuild(t, env, "instances")
	comp := icaBuild(t, env, "compute")
	ag := icaBuild(t, env, "agents")
	client, err := openstackClient(env)
	if err != nil {
		t.Fatal(err)
	}
	b0 := client.BytesRead()
	settle(inst, inst.Init())
	full := client.BytesRead() - b0
	for _, p := range []pane.Pane{inst, comp, ag} {
		settle(p, p.Init())
		if st := p.Status(); st.Err != nil || st.Updated.IsZero() {
			t.Fatalf("%s: status %+v", p.ID(), st)
		}
	}
	if v := ansi.Strip(inst.View(120, 10)); !strings.Contains(v, "300/300 servers") {
		t.Fatalf("instances:\n%s", v)
	}
	cv := ansi.Strip(comp.View(120, 12))
	for i := 1; i <= 6; i++ {
		if !strings.Contains(cv, "compute0"+string(rune('0'+i))) {
			t.Fatalf("compute lacks compute0%d:\n%s", i, cv)
		}
	}
	if av := ansi.Strip(ag.View(140, 50)); !strings.Contains(av, "neutron-openvswitch-agent") || !strings.Contains(av, "cinder-volume") || !strings.Contains(av, "nova-conductor") {
		t.Fatalf("agents:\n%s", av)
	}

	// compute -> instances pivot on the host under the cursor.
	_, cmd := comp.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	msgs := settle(comp, cmd)
	if len(msgs) != 1 {
		t.Fatalf("enter on compute: %#v", msgs)
	}
	pv := msgs[0].(pane.PivotMsg)
	if pv.Pane != "instances" || !strings.HasPrefix(pv.Query, "host:compute0") {
		t.Fatalf("pivot %+v", pv)
	}
	host := strings.TrimPrefix(pv.Query, "host:")
	settle(inst, inst.(pane.Pivoter).Pivot(pv.Query))
	v := ansi.Strip(inst.View(160, 400))
	lines := strings.Split(v, "\n")[2:]
	if len(lines) == 0 {
		t.Fatal("no instances on host")
	}
	for _, l := range lines {
		if strings.TrimSpace(l) != "" && !strings.Contains(l, host) {
			t.Fatalf("pivoted list shows another host: %q", l)
		}
	}

	// The next steady refresh (a tick; ctrl+r reads the whole list) is a
	// changes-since list: a fraction of the bytes.
	before := len(dc.Requests())
	b1 := client.BytesRead()
	time.Sleep(1100 * time.Millisecond) // the refresh interval (1 s) has passed
	_, tick := inst.Update(pane.TickMsg(time.Now()))
	if tick == nil {
		t.Fatal("no refresh on the tick after the interval")
	}
	settle(inst, tick)
	delta := client.BytesRead() - b1
	t.Logf("full list %d bytes, changes-since refresh %d bytes", full, delta)
	if full <= 0 || delta*20 > full {
		t.Fatalf("refresh read %d bytes, full list %d: not incremental", delta, full)
	}
	var sawSince bool
	for _, r := range dc.Requests()[before:] {
		if strings.Contains(r.Path, "/servers/detail") {
			sawSince = true
		}
	}
	if !sawSince {
		t.Fatal("refresh made no servers request")
	}
	if st := inst.Status(); st.Err != nil {
		t.Fatal(st.Err)
	}
	if v := ansi.Strip(inst.View(120, 3)); !strings.Contains(v, "/300 servers") {
		t.Fatalf("after incremental refresh:\n%s", v)
	}
}
