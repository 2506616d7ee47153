package images

import (
	"context"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

// sharedSource answers as another session's answer asked for at asOf.
type sharedSource struct {
	*fakeSource
	asOf time.Time
}

func (s sharedSource) Images(ctx context.Context) ([]openstack.Image, error) {
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.Images(ctx)
}

// A shared list's age is the one the pane shows, never its arrival.
func TestSharedListShowsItsRealAge(t *testing.T) {
	asOf := t0.Add(-6 * time.Second)
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: func() time.Time { return t0 }},
		sharedSource{fixture(), asOf}, &fakeActor{}, nil)
	drive(p, p.Init())
	if !p.at.Equal(asOf) {
		t.Fatalf("at %v, want the shared list's %v", p.at, asOf)
	}
}
