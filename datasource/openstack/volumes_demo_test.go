package openstack_test

import (
	"context"
	"testing"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/ops"
)

// The client against the demo's Cinder: every project's volumes over
// pages, the stuck ones, names for the attached servers, and reset status
// through ops with its read-back.
func TestVolumesAgainstTheDemo(t *testing.T) {
	c, _ := startDemo(t, demo.Options{Instances: 120, FailAfter: -1})
	oc := demoClient(t, c, false)
	oc.PageSize = 25
	ctx := context.Background()
	if mv, err := oc.VolumeMicroversion(ctx); err != nil || mv != openstack.VolumeMaxMicroversion {
		t.Fatalf("volume microversion %q %v", mv, err)
	}
	vs, err := oc.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 60 {
		t.Fatalf("%d volumes", len(vs))
	}
	var stuck openstack.Volume
	var ids []string
	for _, v := range vs {
		if v.Status == "detaching" {
			stuck = v
		}
		for _, a := range v.Attachments {
			ids = append(ids, a.ServerID)
		}
	}
	if stuck.ID == "" || len(stuck.Attachments) != 1 || stuck.BackendHost() == "" {
		t.Fatalf("stuck volume %+v", stuck)
	}
	names, err := oc.ServerNames(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	// Every attached server is named (the map is the shared cache: it
	// names the servers without volumes too).
	for id := range uniq(ids) {
		if names[id] == "" {
			t.Fatalf("server %s unnamed (%d names for %d servers)", id, len(names), len(uniq(ids)))
		}
	}
	res, err := ops.ChangeVolume(ctx, oc, ops.VolumeChange{Verb: ops.VolumeResetStatus, Volume: stuck, Status: "in-use"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := oc.Volume(ctx, stuck.ID); v.Status != "in-use" || len(v.Attachments) != 1 {
		t.Fatalf("after reset (%s): %+v", res, v)
	}
}

func uniq(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}
