package openstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// glanceImages serves n images in pages of the asked limit with Glance's
// relative next links (/v2/images?marker=…), as a real Glance does.
func glanceImages(f *fakeCloud, n int, owner string) {
	f.on("GET /image/v2/images", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("visibility") != "all" {
			writeJSON(w, 400, map[string]any{"message": "want visibility=all"})
			return
		}
		limit := 3
		start := 0
		if m := q.Get("marker"); m != "" {
			fmt.Sscanf(m, "img-%d", &start)
			start++
		}
		var page []map[string]any
		for i := start; i < n && len(page) < limit; i++ {
			im := map[string]any{"id": fmt.Sprintf("img-%d", i), "name": fmt.Sprintf("image-%02d", i), "status": "active",
				"size": 1 << 20, "disk_format": "qcow2", "owner": owner, "visibility": "public", "protected": i == 1,
				"created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-02T10:00:00Z"}
			switch i {
			case 0:
				im["stores"] = "rbd,file"
			case 2:
				im["locations"] = []map[string]any{{"url": "rbd://fsid/images/img-2/snap", "metadata": map[string]any{}}}
			case 3:
				im["size"] = nil
				im["status"] = "queued"
			}
			page = append(page, im)
		}
		body := map[string]any{"images": page, "schema": "/v2/schemas/images", "first": "/v2/images"}
		if start+limit < n {
			body["next"] = fmt.Sprintf("/v2/images?marker=img-%d&limit=%d&visibility=all", start+limit-1, limit)
		}
		writeJSON(w, 200, body)
	})
}

func TestImagesPagesStoresOwners(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	owner := f.sampleServers("2.1")[0]["tenant_id"].(string)
	glanceImages(f, 8, owner)
	c := f.client(t, true)
	ims, err := c.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) != 8 {
		t.Fatalf("%d images, want 8 (three pages)", len(ims))
	}
	if got := len(f.requests("GET", "/image/v2/images")); got != 3 {
		t.Errorf("%d list requests, want 3", got)
	}
	by := map[string]Image{}
	for _, im := range ims {
		by[im.ID] = im
	}
	if s := strings.Join(by["img-0"].Stores, ","); s != "rbd,file" {
		t.Errorf("stores from the stores field: %q", s)
	}
	if s := strings.Join(by["img-2"].Stores, ","); s != "rbd" || len(by["img-2"].Locations) != 1 {
		t.Errorf("stores from locations: %q %v", s, by["img-2"].Locations)
	}
	if by["img-3"].Size != 0 || by["img-3"].Status != "queued" {
		t.Errorf("queued image: %+v", by["img-3"])
	}
	if !by["img-1"].Protected || by["img-0"].Protected {
		t.Error("protected flag lost")
	}
	if want := "proj-" + owner[:6]; by["img-5"].OwnerName != want {
		t.Errorf("owner name %q, want %q", by["img-5"].OwnerName, want)
	}
	if by["img-0"].Updated.IsZero() {
		t.Error("updated_at not parsed")
	}
}

// A next link that loops stops at the page bound instead of forever; a
// repeated image is listed once.
func TestImagesNextLinkLoopIsBounded(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /image/v2/images", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"images": []map[string]any{{"id": "same", "name": "x", "status": "active"}},
			"next": "/v2/images?marker=same"})
	})
	c := f.client(t, true)
	_, err := c.Images(context.Background())
	if err == nil || !strings.Contains(err.Error(), "loops") {
		t.Fatalf("err %v, want the page bound", err)
	}
}

func TestImageActionsAndProtectedRefusedBeforeAnyRequest(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	for _, p := range []string{"POST /image/v2/images/i-1/actions/deactivate", "POST /image/v2/images/i-1/actions/reactivate", "DELETE /image/v2/images/i-1"} {
		f.on(p, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	}
	c := f.client(t, false)
	ctx := context.Background()
	if err := c.DeactivateImage(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.ReactivateImage(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteImage(ctx, Image{ID: "i-1", Name: "old"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/actions/deactivate", "/actions/reactivate"} {
		if len(f.requests("POST", want)) != 1 {
			t.Errorf("no POST %s", want)
		}
	}
	if len(f.requests("DELETE", "/image/v2/images/i-1")) != 1 {
		t.Error("no DELETE")
	}
	err := c.DeleteImage(ctx, Image{ID: "i-2", Name: "golden", Protected: true})
	if !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), "--unprotected") {
		t.Fatalf("protected delete: %v", err)
	}
	if n := len(f.requests("", "/image/v2/images/i-2")); n != 0 {
		t.Errorf("%d requests for a protected image's delete, want none", n)
	}
	// Glance's refusal keeps its own text.
	f.on("POST /image/v2/images/i-3/actions/deactivate", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, map[string]any{"message": "You are not authorized to complete deactivate action."})
	})
	if err := c.DeactivateImage(ctx, "i-3"); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "deactivate action") {
		t.Errorf("refusal: %v", err)
	}
}

func TestImageActionsReadOnlyGuard(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	ctx := context.Background()
	for name, err := range map[string]error{
		"deactivate": c.DeactivateImage(ctx, "i-1"),
		"reactivate": c.ReactivateImage(ctx, "i-1"),
		"delete":     c.DeleteImage(ctx, Image{ID: "i-1"}),
	} {
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("%s in read-only: %v", name, err)
		}
	}
	if n := len(f.requests("", "/image/")); n != 0 {
		t.Errorf("%d requests reached Glance", n)
	}
}

func TestStoreOf(t *testing.T) {
	for in, want := range map[string]string{
		"rbd://f/images/x/snap": "rbd", "file:///var/lib/glance/images/x": "file",
		"swift+https://a/b": "swift", "junk": "",
	} {
		if got := StoreOf(in); got != want {
			t.Errorf("StoreOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// Servers per image come from the server lists the client already read.
func TestImageUseFromServerLists(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	c := f.client(t, true)
	if _, ok := c.ImageUse(); ok {
		t.Fatal("known before any server list")
	}
	ss, err := c.Servers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, s := range ss {
		if s.ImageID != "" {
			want[s.ImageID]++
		}
	}
	got, ok := c.ImageUse()
	if !ok || len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ImageUse %v %v, want %v", got, ok, want)
	}
}
