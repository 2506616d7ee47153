package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// The stuck delete reads the same in Glance, Loki and Ceph: the image
// pending_delete, glance-api lines on one controller carrying the DELETE's
// request ID and the wait on the same OSDs and pool that Ceph's SLOW_OPS
// names.
func TestImageDeleteStoryIsConsistentAcrossBackends(t *testing.T) {
	e := startCloud(t, Options{Instances: 10, FailAfter: -1})
	d := e.c.Story.StuckDelete
	if d == nil {
		t.Fatal("no stuck delete in the story")
	}
	ic, err := openstack.NewImageV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if _, err := ic.Get(context.Background(), ic.ServiceURL("images", d.ImageID), &raw, nil); err != nil {
		t.Fatal(err)
	}
	if raw["status"] != "pending_delete" || raw["name"] != "ubuntu-22.04-old" {
		t.Fatalf("glance: %v", raw)
	}

	// Loki: the image ID finds the request, on one controller only.
	now := e.clock.Now()
	q := url.Values{"query": {`{host=~".+"} |= "` + d.ImageID + `"`},
		"start": {strconv.FormatInt(now.Add(-time.Hour).UnixNano(), 10)}, "end": {strconv.FormatInt(now.UnixNano(), 10)},
		"limit": {"1000"}}
	resp, err := http.Get(e.c.URLs["loki"] + "/loki/api/v1/query_range?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Stream map[string]string `json:"stream"`
				Values [][]string        `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	lines, waits, deletes := 0, 0, 0
	for _, s := range body.Data.Result {
		if s.Stream["host"] != "control02" || s.Stream["container"] != "glance_api" {
			t.Errorf("line on %s/%s, want control02/glance_api only", s.Stream["host"], s.Stream["container"])
		}
		for _, v := range s.Values {
			lines++
			if !strings.Contains(v[1], d.RequestID) {
				t.Errorf("line without the request ID: %s", v[1])
			}
			if strings.Contains(v[1], `"DELETE /v2/images/`+d.ImageID) {
				deletes++
			}
			if strings.Contains(v[1], "rbd: waiting on pool images") &&
				strings.Contains(v[1], "slow ops on osd.3, osd.10") {
				waits++
			}
		}
	}
	if deletes != 1 || waits < 80 {
		t.Errorf("%d lines: %d DELETE, %d waits on rbd (want 1 and ~94 over 47 minutes)", lines, deletes, waits)
	}

	// Ceph: SLOW_OPS on the same OSDs.
	tok := cephLogin(t, e.c)
	code, health := cephDo(t, e.c, "GET", "/api/health/full", tok, "", true)
	if code != 200 || !strings.Contains(health, "SLOW_OPS") || !strings.Contains(health, "daemons [osd.3,osd.10] have slow ops") ||
		!strings.Contains(health, "oldest one blocked for 2820 sec") {
		t.Errorf("ceph health (%d) lacks the slow ops: %.600s", code, health)
	}
	// The OSDs are not compute04's (the power-loss story keeps its own).
	for _, o := range d.OSDs {
		if o == 6 || o == 7 {
			t.Errorf("osd.%d is on compute04", o)
		}
	}
}

// Glance refuses as Glance does and the changes show in the list.
func TestGlanceActions(t *testing.T) {
	e := startCloud(t, Options{Instances: 10, FailAfter: -1})
	ic, err := openstack.NewImageV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := func(name string) string {
		for _, im := range e.c.Story.Images {
			if im.Name == name {
				return im.ID
			}
		}
		t.Fatalf("no %s", name)
		return ""
	}
	status := func(i string) string {
		var raw map[string]any
		if _, err := ic.Get(ctx, ic.ServiceURL("images", i), &raw, nil); err != nil {
			return err.Error()
		}
		return raw["status"].(string)
	}
	post := func(i, verb string) error {
		_, err := ic.Post(ctx, ic.ServiceURL("images", i, "actions", verb), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
		return err
	}
	del := func(i string) error {
		_, err := ic.Delete(ctx, ic.ServiceURL("images", i), &gophercloud.RequestOpts{OkCodes: []int{204}})
		return err
	}
	golden, centos, debian := id("win2019-golden"), id("centos-7"), id("debian-12")
	if err := del(golden); err == nil || !strings.Contains(err.Error(), "protected") {
		t.Errorf("protected delete: %v", err)
	}
	if err := post(centos, "reactivate"); err != nil || status(centos) != "active" {
		t.Errorf("reactivate: %v %s", err, status(centos))
	}
	if err := post(centos, "deactivate"); err != nil || status(centos) != "deactivated" {
		t.Errorf("deactivate: %v %s", err, status(centos))
	}
	if err := post(id("ubuntu-22.04-old"), "deactivate"); err == nil {
		t.Error("deactivating a pending_delete image was accepted")
	}
	if err := del(debian); err != nil {
		t.Fatal(err)
	}
	if s := status(debian); !strings.Contains(s, "404") {
		t.Errorf("deleted image reads %s, want 404", s)
	}
	if n := len(e.c.Mutations()); n < 4 {
		t.Errorf("%d mutations recorded", n)
	}
}
