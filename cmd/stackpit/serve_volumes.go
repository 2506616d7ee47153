package main

import (
	"context"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/volumes"
)

// sharedVolumes is the Cinder side of sharedServers: one decoded volume
// list for every session of a cloud and role, by the same rules (since
// rounded down to sinceGrain; a delta from an earlier since asked in this
// interval answers a later one; a whole list outlives the session that
// asked and that session's timeout; an action through the share makes
// older lists nobody's). Without it each session's since was its own, so
// its deltas were URLs of their own, and a whole list of 50 pages that
// outran one session's 30 s timeout started again from nothing.
//
// The presence check (every volume's ID: the summary list, 50 pages at
// 50,000 volumes) is one read for the sessions asking in an interval; the
// panes ask at the same wall-clock moments (views/volumes), so once per
// presence interval for all.
type sharedVolumes struct {
	volumes.Source
	reads *decodedReads[openstack.VolumeList]
	ids   *sharedRead[[]string]
}

func (s sharedVolumes) VolumesSince(ctx context.Context, since time.Time) (openstack.VolumeList, error) {
	since = grained(since)
	return s.reads.do(ctx, since, nil, func(ctx context.Context, _ func(openstack.VolumeList)) (openstack.VolumeList, error) {
		return s.Source.VolumesSince(ctx, since)
	})
}

func (s sharedVolumes) VolumeIDs(ctx context.Context) ([]string, error) {
	return s.ids.do(ctx, s.Source.VolumeIDs)
}
