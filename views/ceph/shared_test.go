package ceph

import (
	"context"
	"testing"
	"time"

	ds "github.com/stackpit/stackpit/datasource/ceph"
	"github.com/stackpit/stackpit/internal/cadence"
)

// sharedSource answers as another session's answer asked for at asOf.
type sharedSource struct {
	*staticSource
	asOf time.Time
}

func (s sharedSource) Snapshot(ctx context.Context) (*ds.Cluster, error) {
	cadence.Answered(ctx, s.asOf)
	return s.staticSource.Snapshot(ctx)
}

// A shared snapshot's age is the one the pane shows, never its arrival.
func TestSharedSnapshotShowsItsRealAge(t *testing.T) {
	asOf := time.Now().Add(-8 * time.Second)
	p := New(paneCtx(), sharedSource{&staticSource{c: fixtureCluster(t, "01_health_ok")}, asOf}, nil)
	run(p, p.Init())
	if got := p.Status().Updated; !got.Equal(asOf) {
		t.Fatalf("updated %v, want the shared snapshot's %v", got, asOf)
	}
}
