package agents

import (
	"context"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
)

// sharedSource answers like fakeSource, as another session's answer
// asked for at asOf (`stackpit serve`'s share reports it so).
type sharedSource struct {
	*fakeSource
	asOf time.Time
}

func (s sharedSource) NetworkAgents(ctx context.Context) ([]openstack.NetworkAgent, error) {
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.NetworkAgents(ctx)
}

// A shared answer's age is the one the pane shows, never its arrival.
func TestSharedAnswerShowsItsRealAge(t *testing.T) {
	asOf := t0.Add(-7 * time.Second)
	p, _ := newPane(sharedSource{fixture(), asOf})
	drive(p, p.Init())
	if got := p.Status().Updated; !got.Equal(asOf) {
		t.Fatalf("updated %v, want the shared answer's %v", got, asOf)
	}
}
