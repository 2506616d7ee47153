package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The evacuate/drain pre-check of one host asks Nova for that host's
// servers (its host filter), never for the whole cloud's list.
func TestHostPrecheckQueriesByHost(t *testing.T) {
	env, dc := icaEnv(t)
	c, err := openstackClient(env)
	if err != nil {
		t.Fatal(err)
	}
	ops := hostOps(c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Connected first: the start's own requests (openstack.Client.Prewarm:
	// Keystone, the version document, a whole list's first page) are not
	// the pre-check's.
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(dc.Requests())
	ss, err := ops.ServersOnHost(ctx, "compute03")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("no servers on compute03 in the demo")
	}
	lists := 0
	for _, r := range dc.Requests()[before:] {
		if !strings.HasSuffix(r.Path, "/servers/detail") {
			continue
		}
		lists++
		q, _ := url.ParseQuery(r.Query)
		if q.Get("host") != "compute03" {
			t.Errorf("pre-check listed servers without the host filter: %s?%s", r.Path, r.Query)
		}
	}
	if lists == 0 {
		t.Fatal("no /servers/detail request seen")
	}
}
