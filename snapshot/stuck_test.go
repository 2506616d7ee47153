package snapshot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stackpit/stackpit/hostmodel"
)

func TestStuckResourcesAreFindingsAndInTheIncidentLine(t *testing.T) {
	net := []hostmodel.StuckResource{
		{Kind: "port", ID: "p1", Name: "p1", Status: "binding failed", Host: "compute04", Severity: hostmodel.Crit},
		{Kind: "port", ID: "p2", Name: "web", Status: "DOWN, server ACTIVE", Host: "compute02"},
		{Kind: "router", ID: "r1", Name: "ext-router", Status: "active on 2 agents", Host: "control01,control02", Severity: hostmodel.Crit},
	}
	src := Sources{Stuck: []StuckSource{
		{Area: "networks", Read: func(context.Context) ([]hostmodel.StuckResource, error) { return net, nil }},
		{Area: "volumes", Read: func(context.Context) ([]hostmodel.StuckResource, error) { return nil, errors.New("cinder: 503") }},
	}}
	r := Collect(context.Background(), "c", "", src, time.Second, now)
	if r.ExitCode() != 2 || r.Checked["networks"] != 3 || r.Checked["volumes"] != -1 {
		t.Fatalf("exit %d, checked %v", r.ExitCode(), r.Checked)
	}
	want := map[string]bool{
		"CRIT compute04 port p1: binding failed":                              true,
		"CRIT control01,control02 router ext-router (r1): active on 2 agents": true,
		"WARN compute02 port web (p2): DOWN, server ACTIVE":                   true,
		"WARN  volumes: cinder: 503":                                          true,
	}
	for _, f := range r.Findings {
		k := f.Level.String() + " " + f.Host + " " + f.What
		if !want[k] {
			t.Errorf("unexpected finding %q", k)
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("missing findings %v", want)
	}
	if r.Incident != "2 stuck ports · 1 broken HA router" {
		t.Fatalf("incident %q", r.Incident)
	}
	if src.Stuck[0].Read == nil || len(src.Stuck) != 2 {
		t.Fatal("the caller's sources changed")
	}
}
