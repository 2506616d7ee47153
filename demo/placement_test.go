package demo

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/placement/v1/resourceproviders"
)

func TestPlacementProvidersInventoriesUsages(t *testing.T) {
	e := startCloud(t, Options{Instances: 90, FailAfter: -1})
	pc, err := openstack.NewPlacementV1(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	pc.Microversion = "1.14"
	pg, err := resourceproviders.List(pc, nil).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rps, err := resourceproviders.ExtractResourceProviders(pg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rps) != 6 || rps[0].Name != "compute01" || rps[0].RootProviderUUID != rps[0].UUID {
		t.Fatalf("providers %+v", rps)
	}
	// Usages equal the flavors of the instances on each host.
	want := map[string]map[string]int{}
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			f := e.c.Story.Flavor(in.FlavorID)
			if want[in.Host] == nil {
				want[in.Host] = map[string]int{}
			}
			want[in.Host]["VCPU"] += f.VCPUs
			want[in.Host]["MEMORY_MB"] += f.RAMMB
			if !in.VolumeBacked {
				want[in.Host]["DISK_GB"] += f.DiskGB
			}
		}
	})
	for _, rp := range rps {
		u, err := resourceproviders.GetUsages(context.Background(), pc, rp.UUID).Extract()
		if err != nil {
			t.Fatal(err)
		}
		for rc, v := range want[rp.Name] {
			if u.Usages[rc] != v {
				t.Fatalf("%s %s usage %d, want %d", rp.Name, rc, u.Usages[rc], v)
			}
		}
		inv, err := resourceproviders.GetInventories(context.Background(), pc, rp.UUID).Extract()
		if err != nil {
			t.Fatal(err)
		}
		if inv.Inventories["VCPU"].Total != 64 || inv.Inventories["MEMORY_MB"].Reserved != 512 ||
			inv.Inventories["VCPU"].AllocationRatio < 16 {
			t.Fatalf("inventories %+v", inv.Inventories)
		}
		// Capacity with ratios covers the usage (the demo keeps headroom).
		for rc, v := range want[rp.Name] {
			i := inv.Inventories[rc]
			if float64(v) > float64(i.Total-i.Reserved)*float64(i.AllocationRatio) {
				t.Fatalf("%s %s over capacity: %d of %+v", rp.Name, rc, v, i)
			}
		}
	}
	if _, err := resourceproviders.GetUsages(context.Background(), pc, "nope").Extract(); err == nil {
		t.Fatal("unknown provider answered")
	}
	// An evacuation moves the usage.
	var id, src string
	var vcpus int
	e.c.Story.Lock(func() {
		for _, in := range e.c.Story.Instances {
			if in.Host == "compute02" && in.Status == "ACTIVE" {
				id, src, vcpus = in.ID, in.Host, e.c.Story.Flavor(in.FlavorID).VCPUs
				break
			}
		}
		h := e.c.Story.Host(src)
		h.ForcedDown = true
	})
	if code, raw := e.action(id, "2.88", map[string]any{"evacuate": map[string]any{}}); code != 200 {
		t.Fatalf("evacuate %d %s", code, raw)
	}
	e.advance(6 * time.Second)
	u, _ := resourceproviders.GetUsages(context.Background(), pc, rps[1].UUID).Extract()
	if u.Usages["VCPU"] != want["compute02"]["VCPU"]-vcpus {
		t.Fatalf("compute02 VCPU after evacuation %d, want %d", u.Usages["VCPU"], want["compute02"]["VCPU"]-vcpus)
	}
}

// TestDemoScaleCapacity: a 50,000-instance story still fits after losing a
// compute (allocation ratios follow --demo-scale).
func TestDemoScaleCapacity(t *testing.T) {
	s := NewStory(Options{Instances: 50000, FailAfter: -1})
	s.Lock(func() {
		ns := novaFor(s)
		u := ns.usage()
		var in *Instance
		for _, x := range s.Instances {
			if x.Host == "compute04" {
				in = x
				break
			}
		}
		if ns.pickHost(in, "compute04") == "" {
			t.Fatalf("no capacity at scale: ratios %+v usage %+v", ns.capacity(), u["compute01"])
		}
	})
}
