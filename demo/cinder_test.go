package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	vsvc "github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/services"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

func TestCinderServicesAndCatalogProjectID(t *testing.T) {
	e := startCloud(t, Options{Instances: 10, FailAfter: -1})
	bc, err := openstack.NewBlockStorageV3(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	var proj string
	e.c.Story.Lock(func() { proj = e.c.Story.Projects[0].ID })
	if !strings.HasSuffix(strings.TrimSuffix(bc.Endpoint, "/"), "/v3/"+proj) {
		t.Fatalf("cinder endpoint %s lacks the project id", bc.Endpoint)
	}
	pg, err := vsvc.List(bc, nil).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ss, err := vsvc.ExtractServices(pg)
	if err != nil {
		t.Fatal(err)
	}
	bins := map[string]int{}
	for _, s := range ss {
		bins[s.Binary]++
		if s.State != "up" || s.Status != "enabled" {
			t.Fatalf("%+v", s)
		}
		if s.Binary == "cinder-volume" && !strings.HasSuffix(s.Host, "@rbd-1") {
			t.Fatalf("volume host %s", s.Host)
		}
	}
	if bins["cinder-scheduler"] != 3 || bins["cinder-volume"] != 3 || bins["cinder-backup"] != 3 {
		t.Fatalf("binaries %v", bins)
	}
	code, _, raw := e.do("PUT", "cinder", "/v3/"+proj+"/os-services/disable-log-reason", "",
		map[string]string{"host": "control02@rbd-1", "binary": "cinder-volume", "disabled_reason": "ceph maintenance"}, nil)
	if code != 200 || !strings.Contains(raw, "ceph maintenance") {
		t.Fatalf("disable: %d %s", code, raw)
	}
	pg, _ = vsvc.List(bc, vsvc.ListOpts{Host: "control02@rbd-1"}).AllPages(context.Background())
	ss, _ = vsvc.ExtractServices(pg)
	if len(ss) != 1 || ss[0].Status != "disabled" || ss[0].DisabledReason != "ceph maintenance" {
		t.Fatalf("after disable %+v", ss)
	}
}

func TestGlanceImageNames(t *testing.T) {
	e := startCloud(t, Options{Instances: 10, FailAfter: -1})
	ic, err := openstack.NewImageV2(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := images.List(ic, images.ListOpts{}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ims, err := images.ExtractImages(pg)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, im := range ims {
		byName[im.Name] = im.ID
	}
	// The seed's three boot images and the story's three (images_story.go).
	if len(ims) != 6 || byName["ubuntu-24.04"] == "" || byName["ubuntu-22.04-old"] == "" {
		t.Fatalf("images %+v", ims)
	}
	im, err := images.Get(context.Background(), ic, byName["debian-12"]).Extract()
	if err != nil || im.Name != "debian-12" {
		t.Fatalf("get %+v %v", im, err)
	}
}
