package main

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestDemoVolumeIDsMatchTheDetailList: the summary list the volumes
// pane's presence check reads (every volume's ID, paged) names the same
// volumes as the detail list, on the demo's Cinder.
func TestDemoVolumeIDsMatchTheDetailList(t *testing.T) {
	env, _ := icaEnv(t)
	c, err := openstackClient(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The client authenticates in the background as it is built (Prewarm),
	// reading PageSize for its first page: connected first, the size is
	// this test's alone.
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	c.PageSize = 50 // several pages
	l, err := c.VolumesSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := c.VolumeIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range l.Volumes {
		want = append(want, v.ID)
	}
	slices.Sort(want)
	slices.Sort(ids)
	if len(want) < 60 || !slices.Equal(ids, want) {
		t.Fatalf("%d IDs vs %d volumes in the detail list", len(ids), len(want))
	}
}
