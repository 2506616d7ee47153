package logs

import (
	"context"
	"errors"
	"net/http"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/loki"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// checkedMsg is Loki's verdict on a query typed in the prompt.
type checkedMsg struct {
	gen      int
	q        string
	backfill int
	err      error
}

// tryQuery switches to a query typed in the prompt. While lines of another
// query are on screen it first asks Loki whether it accepts q (a one-line,
// one-second read): a query Loki rejects (400) leaves the current lines and
// live tail alone and reopens the prompt on the bad query with Loki's own
// error, instead of clearing the screen for nothing.
func (m *Model) tryQuery(q string, backfill int) tea.Cmd {
	if q == "" || q == m.query || m.src == nil || m.buf.n == 0 {
		return m.setQuery(q, backfill)
	}
	src, gen, now := m.src, m.gen, m.ctx.Now()
	if now.IsZero() {
		now = time.Now()
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := src.QueryAll(ctx, loki.RangeQuery{Query: q, Start: now.Add(-time.Second), End: now, Direction: loki.Backward, Limit: 1}, 1,
			func([]loki.Entry) bool { return false })
		return checkedMsg{gen: gen, q: q, backfill: backfill, err: err}
	}
}

func (m *Model) checked(msg checkedMsg) tea.Cmd {
	if msg.gen != m.gen { // another query started meanwhile
		return nil
	}
	var le *loki.Error
	if errors.As(msg.err, &le) && le.Status == http.StatusBadRequest {
		m.prompt = newPrompt(msg.q, m.history)
		return pane.Toast(themes.Crit, "LogQL rejected (still showing the previous query): "+safe.Text(le.Body))
	}
	// Accepted, or Loki did not answer: run it (a failure shows as usual).
	return m.setQuery(msg.q, msg.backfill)
}
