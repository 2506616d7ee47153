package ops

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
)

type fakeAM struct {
	mu       sync.Mutex
	silences []alertmanager.Silence
	// lost: the request lands but the reply is lost.
	lost  bool
	calls []string
}

func (f *fakeAM) Silences(context.Context, alertmanager.Matchers) (alertmanager.SilencesResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return alertmanager.SilencesResult{Silences: append([]alertmanager.Silence(nil), f.silences...)}, nil
}

var errLost = errors.New("reply lost")

func (f *fakeAM) CreateSilence(_ context.Context, s alertmanager.NewSilence) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "create "+s.Matchers.String())
	id := "new-1"
	// Alertmanager answers the matchers in its own order.
	ms := append(alertmanager.Matchers(nil), s.Matchers...)
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	f.silences = append(f.silences, alertmanager.Silence{ID: id, Matchers: ms, EndsAt: s.EndsAt.Add(300 * time.Millisecond),
		CreatedBy: s.CreatedBy, Comment: s.Comment, UpdatedAt: time.Now(), Status: alertmanager.SilenceStatus{State: "active"}})
	if f.lost {
		return "", "", errLost
	}
	return id, "am1", nil
}

func (f *fakeAM) ExpireSilence(_ context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "expire "+id)
	for i := range f.silences {
		if f.silences[i].ID == id {
			f.silences[i].Status.State = "expired"
		}
	}
	if f.lost {
		return "", errLost
	}
	return "am1", nil
}

func newSilence() alertmanager.NewSilence {
	return alertmanager.NewSilence{
		Matchers: alertmanager.Matchers{{Name: "alertname", Value: "HostDown", IsEqual: true}, {Name: "host", Value: "compute04", IsEqual: true}},
		EndsAt:   time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC), CreatedBy: "alice", Comment: "fenced, evacuating"}
}

func TestCreateAndExpireSilence(t *testing.T) {
	f := &fakeAM{}
	var steps []Step
	res, err := CreateSilence(context.Background(), f, newSilence(), func(s Step) { steps = append(steps, s) })
	if err != nil || res != "silence new-1 created on am1, until 2026-12-06 16:00" || len(steps) != 2 {
		t.Fatalf("%q %v %+v", res, err, steps)
	}
	res, err = ExpireSilence(context.Background(), f, "new-1", nil)
	if err != nil || res != "silence new-1 expired on am1" || strings.Join(f.calls, ";") != `create alertname="HostDown" host="compute04";expire new-1` {
		t.Fatalf("%q %v %v", res, err, f.calls)
	}
}

// A creation whose reply was lost is found in the list (matchers in any
// order); a same-looking silence that was there before is not ours.
func TestSilenceCreateReadBack(t *testing.T) {
	s := newSilence()
	old := alertmanager.Silence{ID: "old", Matchers: s.Matchers, EndsAt: s.EndsAt, CreatedBy: s.CreatedBy, Comment: s.Comment,
		Status: alertmanager.SilenceStatus{State: "active"}}
	f := &fakeAM{silences: []alertmanager.Silence{old}}
	chk := &SilenceCheck{Reader: f, Silence: s, Poll: time.Millisecond, Within: 30 * time.Millisecond}
	chk.Before(context.Background())
	done, ev, err := chk.ReadBack(context.Background())
	if done || err != nil || !strings.Contains(ev, "no new silence") {
		t.Fatalf("before the request: %v %q %v", done, ev, err)
	}
	f.lost = true
	if _, err := CreateSilence(context.Background(), f, s, nil); !errors.Is(err, errLost) {
		t.Fatal(err)
	}
	done, ev, err = chk.ReadBack(context.Background())
	if !done || err != nil || ev != "silence new-1 exists (active, until 2026-12-06 16:00Z)" {
		t.Fatalf("after: %v %q %v", done, ev, err)
	}
}

func TestSilenceExpireReadBack(t *testing.T) {
	f := &fakeAM{silences: []alertmanager.Silence{{ID: "s1", Status: alertmanager.SilenceStatus{State: "active"}}}}
	ctx := context.Background()
	if done, ev, err := ReadBackSilenceExpired(ctx, f, "s1", time.Millisecond, 20*time.Millisecond); done || err != nil || ev != "silence s1 is active" {
		t.Fatalf("active: %v %q %v", done, ev, err)
	}
	f.lost = true
	_, _ = ExpireSilence(ctx, f, "s1", nil)
	if done, ev, err := ReadBackSilenceExpired(ctx, f, "s1", time.Millisecond, time.Second); !done || err != nil || ev != "silence s1 is expired" {
		t.Fatalf("expired: %v %q %v", done, ev, err)
	}
	if _, _, err := ReadBackSilenceExpired(ctx, f, "gone", time.Millisecond, time.Second); err == nil {
		t.Fatal("an unknown silence read back without error")
	}
}
