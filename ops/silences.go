package ops

// Alertmanager silences: create and expire, and the read-backs of a lost
// reply (the silence list says whether the silence exists or expired).

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
)

// SilenceReader lists silences. *alertmanager.Client implements it.
type SilenceReader interface {
	Silences(ctx context.Context, filter alertmanager.Matchers) (alertmanager.SilencesResult, error)
}

// SilenceWriter creates and expires silences. *alertmanager.Client
// implements it.
type SilenceWriter interface {
	CreateSilence(ctx context.Context, s alertmanager.NewSilence) (id, instance string, err error)
	ExpireSilence(ctx context.Context, id string) (instance string, err error)
}

// CreateSilence creates s and returns the result line.
func CreateSilence(ctx context.Context, w SilenceWriter, s alertmanager.NewSilence, step func(Step)) (string, error) {
	step = stepTo(step)
	step(Step{Done: 0, Total: 1, Line: "creating silence " + s.Matchers.String()})
	id, inst, err := w.CreateSilence(ctx, s)
	if err != nil {
		return "", err
	}
	step(Step{Done: 1, Total: 1, Line: "created " + id})
	return fmt.Sprintf("silence %s created on %s, until %s", id, inst, s.EndsAt.Format("2006-01-02 15:04")), nil
}

// ExpireSilence expires silence id and returns the result line.
func ExpireSilence(ctx context.Context, w SilenceWriter, id string, step func(Step)) (string, error) {
	step = stepTo(step)
	step(Step{Done: 0, Total: 1, Line: "expiring silence " + id})
	inst, err := w.ExpireSilence(ctx, id)
	if err != nil {
		return "", err
	}
	step(Step{Done: 1, Total: 1, Line: "silence " + id + " expired"})
	return "silence " + id + " expired on " + inst, nil
}

// SilenceCheck reads back a silence creation whose reply was lost. Call
// Before just before creating it (it remembers the silences that exist, so
// a later one with the same matchers, author, comment and end is ours),
// ReadBack after the lost reply.
type SilenceCheck struct {
	Reader  SilenceReader
	Silence alertmanager.NewSilence
	// Poll and Within: how often and how long ReadBack looks (defaults 1s
	// and 10s: Alertmanager gossips a new silence to its peers).
	Poll, Within time.Duration

	mu   sync.Mutex
	seen map[string]bool
	sent time.Time
}

// Before remembers the silences that exist already. A failed read is not
// an error: ReadBack then goes by time.
func (c *SilenceCheck) Before(ctx context.Context) {
	var seen map[string]bool
	if res, err := c.Reader.Silences(ctx, nil); err == nil {
		seen = make(map[string]bool, len(res.Silences))
		for _, s := range res.Silences {
			seen[s.ID] = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.sent = seen, time.Now()
}

// ReadBack looks for the silence in Alertmanager's list.
func (c *SilenceCheck) ReadBack(ctx context.Context) (done bool, evidence string, err error) {
	c.mu.Lock()
	seen, sent := c.seen, c.sent
	c.mu.Unlock()
	if sent.IsZero() {
		sent = time.Now()
	}
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(c.Within, 10*time.Second))
	defer cancel()
	want := matcherKey(c.Silence.Matchers)
	for read := false; ; read = true {
		res, err := c.Reader.Silences(ctx, nil)
		if err != nil {
			if read && ctx.Err() != nil {
				break
			}
			return false, "", err
		}
		for _, s := range res.Silences {
			if matcherKey(s.Matchers) != want || s.CreatedBy != c.Silence.CreatedBy || s.Comment != c.Silence.Comment ||
				!sameSecond(s.EndsAt, c.Silence.EndsAt) {
				continue
			}
			if seen != nil && seen[s.ID] || seen == nil && !s.UpdatedAt.IsZero() && s.UpdatedAt.Before(sent.Add(-reconcileSlack)) {
				continue // there before our request
			}
			return true, fmt.Sprintf("silence %s exists (%s, until %s)", s.ID, orDash(s.Status.State), s.EndsAt.UTC().Format("2006-01-02 15:04Z")), nil
		}
		if ctrSleep(ctx, ctrDuration(c.Poll, time.Second)) != nil {
			break
		}
	}
	return false, "no new silence " + c.Silence.Matchers.String() + " in Alertmanager's list", nil
}

// ReadBackSilenceExpired says whether silence id has expired, after a lost
// reply to its expiry, waiting up to within (default 10s).
func ReadBackSilenceExpired(ctx context.Context, r SilenceReader, id string, poll, within time.Duration) (done bool, evidence string, err error) {
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(within, 10*time.Second))
	defer cancel()
	state := ""
	for read := false; ; read = true {
		res, err := r.Silences(ctx, nil)
		if err != nil {
			if read && ctx.Err() != nil {
				break
			}
			return false, "", err
		}
		found := false
		for _, s := range res.Silences {
			if s.ID == id {
				found, state = true, s.Status.State
			}
		}
		if !found {
			return false, "", fmt.Errorf("silence %s is not in Alertmanager's list", id)
		}
		if state == "expired" {
			return true, "silence " + id + " is expired", nil
		}
		if ctrSleep(ctx, ctrDuration(poll, time.Second)) != nil {
			break
		}
	}
	return false, "silence " + id + " is " + orDash(state), nil
}

// matcherKey is a matcher list in a stable order (Alertmanager may answer
// them in another order than they were sent).
func matcherKey(ms alertmanager.Matchers) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func sameSecond(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Second && d < time.Second
}
