package logs

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// Bad LogQL typed in the prompt while lines are on screen: Loki's error
// is shown, the prompt reopens on the bad query to fix it, and the lines and
// query on screen are kept (they were cleared for nothing).
func TestRejectedPromptQueryKeepsTheLines(t *testing.T) {
	cloud, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	hc, _ := httpclient.New(httpclient.Options{ReadOnly: true})
	sc, _ := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: -1})
	c, err := loki.New(loki.Options{URL: cloud.Config().Loki.URL, HTTP: hc, Stream: sc})
	if err != nil {
		t.Fatal(err)
	}
	m := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults()}, c, Options{Location: time.UTC, Backfill: 100, Query: `{host="compute01"}`})
	defer m.Close()
	runUntil(t, m, m.Init(), func() bool { return m.Lines() >= 50 && m.sub != nil })
	before, query := m.Lines(), m.query

	key(m, "e")
	if m.prompt == nil {
		t.Fatal("e did not open the prompt")
	}
	for len(m.prompt.value()) > 0 {
		key(m, "backspace")
	}
	typeText(m, `{host="compute01"|="x"`)
	var toasts []pane.ToastMsg
	queue := []tea.Cmd{key(m, "enter")}
	for len(queue) > 0 {
		cmd := queue[0]
		queue = queue[1:]
		if cmd == nil {
			continue
		}
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case pane.ToastMsg:
			toasts = append(toasts, msg)
		case checkedMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	if len(toasts) != 1 || !strings.Contains(toasts[0].Text, "LogQL rejected") || !strings.Contains(toasts[0].Text, "parse error") {
		t.Fatalf("toasts %+v, want Loki's parse error", toasts)
	}
	if m.query != query || m.Lines() < before || m.sub == nil {
		t.Fatalf("query %q lines %d (had %q, %d): the screen was not kept", m.query, m.Lines(), query, before)
	}
	if m.prompt == nil || m.prompt.value() != `{host="compute01"|="x"` {
		t.Fatal("the prompt should reopen on the rejected query")
	}
}
