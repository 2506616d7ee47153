package instances

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/internal/cadence"
	"github.com/stackpit/stackpit/views/pane"
)

// sharedSource answers like fakeSource, but with a list another session
// asked for at `asOf` (as `stackpit serve`'s shared reads report it).
type sharedSource struct {
	*fakeSource
	asOf time.Time
}

func (s sharedSource) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	cadence.Answered(ctx, s.asOf)
	return s.fakeSource.Servers(ctx, since)
}

// A list shared with another session is as old as that session's request,
// and the pane says so: its data is never older than the age it shows.
func TestSharedListShowsItsRealAge(t *testing.T) {
	p, now := newPane(t, sharedSource{&fakeSource{servers: fixture()}, t0.Add(-8 * time.Second)})
	drive(p, p.Init())
	if got := p.Status().Updated; !got.Equal(t0.Add(-8 * time.Second)) {
		t.Fatalf("updated %v, want the shared answer's time %v", got, t0.Add(-8*time.Second))
	}
	*now = t0.Add(30 * time.Second)
	want := "updated " + pane.FreshAge(38*time.Second, p.ctx.Refresh) + " ago"
	if h := p.header(200, p.ctx.Theme); !strings.Contains(h, want) {
		t.Fatalf("header %q, want %q (the shared list's age)", h, want)
	}
	// Its own answer: as of when it came.
	p2, _ := newPane(t, &fakeSource{servers: fixture()})
	drive(p2, p2.Init())
	if got := p2.Status().Updated; !got.Equal(t0) {
		t.Fatalf("own list: updated %v, want %v", got, t0)
	}
}
