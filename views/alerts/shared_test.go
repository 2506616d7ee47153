package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/internal/cadence"
)

// sharedSource answers as another session's answer asked for at asOf.
type sharedSource struct {
	*fakeSource
	asOf time.Time
}

func (s sharedSource) Alerts(ctx context.Context, f alertmanager.AlertFilter) (alertmanager.AlertsResult, error) {
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.Alerts(ctx, f)
}

// A shared answer's age is the one the pane shows, never its arrival.
func TestSharedAnswerShowsItsRealAge(t *testing.T) {
	asOf := testNow.Add(-6 * time.Second)
	p := loaded(t, sharedSource{fixtureSource(t), asOf})
	if got := p.Status().Updated; !got.Equal(asOf) {
		t.Fatalf("updated %v, want the shared answer's %v", got, asOf)
	}
}
