package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// cinderDo is do with Cinder's microversion header.
func (e *novaEnv) cinderDo(method, path, mv string, body any) (int, string) {
	e.t.Helper()
	code, _, raw := e.doVolume(method, path, mv, body)
	return code, raw
}

func (e *novaEnv) doVolume(method, path, mv string, body any) (int, any, string) {
	e.t.Helper()
	sc := &gophercloud.ServiceClient{ProviderClient: e.pc, Endpoint: e.c.URLs["cinder"] + "/", Type: "volume", Microversion: mv}
	resp, err := sc.Request(context.Background(), method, e.c.URLs["cinder"]+path,
		&gophercloud.RequestOpts{JSONBody: body, KeepResponseBody: true, OkCodes: []int{200, 202, 204, 400, 404}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, nil, b.String()
}

func demoVolumes(t *testing.T, e *novaEnv) []volumes.Volume {
	t.Helper()
	bc, err := openstack.NewBlockStorageV3(e.pc, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	var all []volumes.Volume
	pages := 0
	err = volumes.List(bc, volumes.ListOpts{AllTenants: true, Limit: 50}).EachPage(context.Background(), func(_ context.Context, p pagination.Page) (bool, error) {
		vs, err := volumes.ExtractVolumes(p)
		pages++
		all = append(all, vs...)
		return true, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 2 {
		t.Fatalf("%d volumes in %d pages: paging untested", len(all), pages)
	}
	return all
}

func TestCinderVolumesStoryAllProjectsPaged(t *testing.T) {
	e := startCloud(t, Options{Instances: 300, FailAfter: -1})
	all := demoVolumes(t, e)
	if len(all) < 150 || len(all) > 600 {
		t.Fatalf("%d volumes, want a few hundred", len(all))
	}
	seen := map[string]bool{}
	by := map[string][]volumes.Volume{}
	projects := map[string]bool{}
	for _, v := range all {
		if seen[v.ID] {
			t.Fatalf("volume %s listed twice across pages", v.ID)
		}
		seen[v.ID] = true
		by[v.Status] = append(by[v.Status], v)
		projects[v.TenantID] = true
		if !strings.HasSuffix(v.Host, "@rbd-1#rbd") {
			t.Fatalf("host %q", v.Host)
		}
	}
	if len(projects) < 3 || len(by["in-use"]) < 50 || len(by["available"]) < 50 {
		t.Fatalf("projects %d, in-use %d, available %d", len(projects), len(by["in-use"]), len(by["available"]))
	}
	if len(by["detaching"]) != 1 || len(by["error_deleting"]) != 1 {
		t.Fatalf("stuck: detaching %d, error_deleting %d", len(by["detaching"]), len(by["error_deleting"]))
	}
	d := by["detaching"][0]
	if len(d.Attachments) != 1 || d.Attachments[0].HostName != "compute04" {
		t.Fatalf("stuck detach: %+v", d.Attachments)
	}
	if age := e.c.Story.Now().Sub(d.UpdatedAt); age < 2*time.Hour-time.Minute {
		t.Fatalf("detaching for %s, want 2h", age)
	}
	// Nova reports the same attachment for the server.
	var body struct {
		VolumeAttachments []struct {
			VolumeID string `json:"volumeId"`
		} `json:"volumeAttachments"`
	}
	e.do("GET", "nova", "/v2.1/servers/"+d.Attachments[0].ServerID+"/os-volume_attachments", "2.1", nil, &body)
	found := false
	for _, a := range body.VolumeAttachments {
		found = found || a.VolumeID == d.ID
	}
	if !found {
		t.Fatalf("nova does not list volume %s on server %s: %+v", d.ID, d.Attachments[0].ServerID, body)
	}
}

func TestCinderVolumeAdminActions(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	var proj string
	e.c.Story.Lock(func() { proj = e.c.Story.Projects[0].ID })
	all := demoVolumes(t, e)
	var stuck, errDel volumes.Volume
	for _, v := range all {
		switch v.Status {
		case "detaching":
			stuck = v
		case "error_deleting":
			errDel = v
		}
	}
	base := "/v3/" + proj + "/volumes/"
	// Force delete of an attached volume: Cinder's 400.
	if code, raw := e.cinderDo("POST", base+stuck.ID+"/action", "3.70", map[string]any{"os-force_delete": map[string]any{}}); code != 400 || !strings.Contains(raw, "attached") {
		t.Fatalf("force delete attached: %d %s", code, raw)
	}
	// The attachments API exists from 3.27.
	att := stuck.Attachments[0].AttachmentID
	if code, _ := e.cinderDo("DELETE", "/v3/"+proj+"/attachments/"+att, "3.0", nil); code != 404 {
		t.Fatalf("attachments at 3.0: %d", code)
	}
	if code, raw := e.cinderDo("DELETE", "/v3/"+proj+"/attachments/"+att, "3.27", nil); code != 200 {
		t.Fatalf("delete attachment: %d %s", code, raw)
	}
	if code, raw := e.cinderDo("GET", base+stuck.ID, "3.70", nil); code != 200 || !strings.Contains(raw, `"status":"available"`) || !strings.Contains(raw, `"attachments":[]`) {
		t.Fatalf("after detach: %d %s", code, raw)
	}
	// Reset status, then force delete through deleting to gone.
	if code, raw := e.cinderDo("POST", base+errDel.ID+"/action", "3.70", map[string]any{"os-reset_status": map[string]any{"status": "error"}}); code != 202 {
		t.Fatalf("reset: %d %s", code, raw)
	}
	if _, raw := e.cinderDo("GET", base+errDel.ID, "3.70", nil); !strings.Contains(raw, `"status":"error"`) {
		t.Fatalf("after reset: %s", raw)
	}
	if code, raw := e.cinderDo("POST", base+errDel.ID+"/action", "3.70", map[string]any{"os-force_delete": map[string]any{}}); code != 202 {
		t.Fatalf("force delete: %d %s", code, raw)
	}
	if _, raw := e.cinderDo("GET", base+errDel.ID, "3.70", nil); !strings.Contains(raw, `"status":"deleting"`) {
		t.Fatalf("after force delete: %s", raw)
	}
	e.clock.Add(3 * time.Second)
	if code, _ := e.cinderDo("GET", base+errDel.ID, "3.70", nil); code != 404 {
		t.Fatalf("deleted volume still read: %d", code)
	}
	// Migrate: migrating, then on the new host.
	v := stuck
	dest := "control02@rbd-1#rbd"
	if v.Host == dest {
		dest = "control03@rbd-1#rbd"
	}
	if code, raw := e.cinderDo("POST", base+v.ID+"/action", "3.70", map[string]any{"os-migrate_volume": map[string]any{"host": dest, "force_host_copy": false}}); code != 202 {
		t.Fatalf("migrate: %d %s", code, raw)
	}
	if _, raw := e.cinderDo("GET", base+v.ID, "3.70", nil); !strings.Contains(raw, `"migration_status":"migrating"`) {
		t.Fatalf("migrating: %s", raw)
	}
	e.clock.Add(6 * time.Second)
	if _, raw := e.cinderDo("GET", base+v.ID, "3.70", nil); !strings.Contains(raw, `"os-vol-host-attr:host":"`+dest+`"`) {
		t.Fatalf("after migration: %s", raw)
	}
}

func TestCinderVolumesUpdatedAtFilter(t *testing.T) {
	e := startCloud(t, Options{Instances: 60, FailAfter: -1})
	var proj string
	e.c.Story.Lock(func() { proj = e.c.Story.Projects[0].ID })
	since := e.c.Story.Now().UTC().Format("2006-01-02T15:04:05")
	path := "/v3/" + proj + "/volumes/detail?all_tenants=1&updated_at=gte:" + since
	if code, raw := e.cinderDo("GET", path, "3.60", nil); code != 200 || raw != `{"volumes":[]}`+"\n" {
		t.Fatalf("nothing changed yet: %d %s", code, raw)
	}
	all := demoVolumes(t, e)
	var v volumes.Volume
	for _, x := range all {
		if x.Status == "available" {
			v = x
			break
		}
	}
	e.clock.Add(time.Second)
	if code, raw := e.cinderDo("POST", "/v3/"+proj+"/volumes/"+v.ID+"/action", "3.70", map[string]any{"os-reset_status": map[string]any{"status": "error"}}); code != 202 {
		t.Fatalf("%d %s", code, raw)
	}
	if _, raw := e.cinderDo("GET", path, "3.60", nil); strings.Count(raw, `"id":`) != 1 || !strings.Contains(raw, v.ID) {
		t.Fatalf("the reset volume alone: %s", raw)
	}
	if code, _ := e.cinderDo("GET", "/v3/"+proj+"/volumes/detail?updated_at=bad:x", "3.60", nil); code != 400 {
		t.Fatalf("bad filter: %d", code)
	}
}
