package ui

// Stale responses: one mechanism for every pane (gh-dash style). Every
// command a pane returns is wrapped so that its message comes back in an
// envelope naming the pane slot, the slot's generation when the command was
// issued, and the issue order. The shell then drops what no longer belongs:
//   - the cloud switched or the pane was replaced (the slot's generation
//     moved on): a late answer from the old cloud never reaches the new one;
//   - a newer load of the same kind already landed (pane.LoadKeyed): an
//     older snapshot never overwrites a newer one.
// A fresh envelope goes to the one pane instance it was made for, not to
// every pane.

import (
	"github.com/stackpit/stackpit/hostmodel"
	"reflect"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/views/pane"
)

// envelope is a pane's message on its way back to that pane.
type envelope struct {
	slot int    // index in Options.Panes
	gen  uint64 // the slot's generation when the command was issued
	seq  uint64 // issue order (session-wide)
	msg  tea.Msg
}

// landedKey names one kind of load of one pane instance.
type landedKey struct {
	gen uint64
	key string
}

var (
	teaPkg  = reflect.TypeOf(tea.BatchMsg(nil)).PkgPath()
	cmdType = reflect.TypeOf(tea.Cmd(nil))
)

// newGen returns a generation never used before in this session.
func (m *Model) newGen() uint64 {
	m.genSeq++
	return m.genSeq
}

// resetGens gives every slot a fresh generation (start, cloud switch):
// whatever the previous panes still have in flight is dropped on arrival.
func (m *Model) resetGens() {
	m.gens = make([]uint64, len(m.o.Panes))
	for i := range m.gens {
		m.gens[i] = m.newGen()
	}
	m.landed = map[landedKey]uint64{}
}

// setPane stores what a pane's Update returned; a different instance is a
// replaced pane, whose predecessor's answers no longer belong.
func (m *Model) setPane(i int, p pane.Pane) {
	if m.o.Panes[i].Pane != p {
		m.gens[i] = m.newGen()
	}
	m.o.Panes[i].Pane = p
}

// wrap makes cmd, issued by the pane in slot i, answer in an envelope.
func (m *Model) wrap(i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil || i < 0 || i >= len(m.gens) {
		return cmd
	}
	m.issued++
	return wrapCmd(i, m.gens[i], m.issued, cmd)
}

func wrapCmd(slot int, gen, seq uint64, cmd tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, 0, len(msg))
			for _, c := range msg {
				if c != nil {
					out = append(out, wrapCmd(slot, gen, seq, c))
				}
			}
			return out
		}
		// tea.Sequence's message is unexported: rebuild it with each
		// command wrapped, keeping its type so the runtime keeps the order.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType && v.Type().PkgPath() == teaPkg {
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				if c, _ := v.Index(i).Interface().(tea.Cmd); c != nil {
					out.Index(i).Set(reflect.ValueOf(wrapCmd(slot, gen, seq, c)))
				}
			}
			return out.Interface()
		}
		return envelope{slot: slot, gen: gen, seq: seq, msg: msg}
	}
}

// deliver opens an envelope: stale ones are dropped, messages for the shell
// or the runtime go there, and the rest to the pane that asked.
func (m *Model) deliver(e envelope) tea.Cmd {
	if e.slot < 0 || e.slot >= len(m.gens) || m.gens[e.slot] != e.gen {
		return nil // cloud switched or pane replaced
	}
	if k, ok := e.msg.(pane.LoadKeyed); ok {
		lk := landedKey{gen: e.gen, key: k.LoadKey()}
		if e.seq < m.landed[lk] {
			return nil // a newer load of the same kind landed first
		}
		m.landed[lk] = e.seq
	}
	switch e.msg.(type) {
	case pane.PivotMsg, pane.RunActionMsg, pane.ToastMsg, pane.CopyMsg, pane.ActionProgressMsg,
		hostmodel.Observation: // the shell applies it to the host model, then tells every pane
		_, cmd := m.update(e.msg)
		return cmd
	}
	if t := reflect.TypeOf(e.msg); t.PkgPath() == teaPkg {
		// The runtime's own messages (clipboard, quit...): hand them on.
		msg := e.msg
		return func() tea.Msg { return msg }
	}
	p, cmd := m.o.Panes[e.slot].Pane.Update(e.msg)
	m.setPane(e.slot, p)
	if m.firstRelease != nil && e.slot == m.firstSlot && !p.Status().Loading {
		m.releaseFirst() // the active pane's first load is in
	}
	return m.wrap(e.slot, cmd)
}
