//go:build integration

package openstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/ops"
)

// uploadImage creates a small raw image through the CLI (Glance's file
// store in the test env) and deletes it at the end (unprotecting first).
func uploadImage(t *testing.T, name string, protected bool) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "disk.raw")
	if err := os.WriteFile(f, make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"image", "create", "--file", f, "--disk-format", "raw", "--container-format", "bare", "--private"}
	if protected {
		args = append(args, "--protected")
	}
	out := oscShow(t, append(args, name)...)
	id := str(out["id"])
	if id == "" {
		t.Fatalf("image create printed no id: %v", out)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = runOSC(ctx, "image", "set", "--unprotected", id)
		_, _ = runOSC(ctx, "image", "delete", id)
	})
	return id
}

func oscShow(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var m map[string]any
	out := oscRaw(t, append(args, "-f", "json")...)
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("openstack %v: %v: %s", args, err, out)
	}
	return m
}

// Glance in the test env: the list matches the CLI's (IDs and statuses),
// deactivate/reactivate run through ops and read back, a protected image
// is refused before any request, and a delete through ops removes it.
func TestIntegrationImagesMatchCLIAndActions(t *testing.T) {
	requireCloud(t)
	c := cloudClient(t, false)
	suffix := fmt.Sprint(time.Now().UnixNano())
	plain := uploadImage(t, "stackpit-it-"+suffix, false)
	prot := uploadImage(t, "stackpit-it-prot-"+suffix, true)

	ims, err := c.Images(itCtx(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ds := map[string]openstack.Image{}
	for _, im := range ims {
		ds[im.ID] = im
	}
	// The CLI lists what a plain GET /v2/images shows (no community or
	// hidden images); every one of them must be in ours, same status.
	cli := byKey(t, osc(t, "image", "list", "--long"), "ID")
	if len(cli) == 0 {
		t.Fatal("the CLI lists no images")
	}
	for id, r := range cli {
		im, ok := ds[id]
		if !ok {
			t.Errorf("image %s (%s) listed by the CLI, not by the datasource", id, str(r["Name"]))
			continue
		}
		eq(t, id+" status", im.Status, str(r["Status"]))
		eq(t, id+" name", im.Name, str(r["Name"]))
		eq(t, id+" disk format", im.DiskFormat, str(r["Disk Format"]))
	}
	p := ds[plain]
	if p.Status != "active" || p.Size != 64<<10 || p.Visibility != "private" || p.OwnerName == "" || p.Updated.IsZero() {
		t.Errorf("uploaded image as listed: %+v", p)
	}
	if !ds[prot].Protected {
		t.Errorf("protected image not marked: %+v", ds[prot])
	}

	ctx := itCtx(t, 3*time.Minute)
	for _, step := range []struct{ verb, want string }{{ops.ImageDeactivate, "deactivated"}, {ops.ImageReactivate, "active"}} {
		if _, err := ops.ChangeImage(ctx, c, step.verb, plain, nil); err != nil {
			t.Fatalf("%s: %v", step.verb, err)
		}
		done, ev, err := ops.ReadBackImage(ctx, c, step.verb, plain, time.Second, 30*time.Second)
		if !done || err != nil {
			t.Fatalf("%s read-back: %v %q %v", step.verb, done, ev, err)
		}
		if s := str(oscShow(t, "image", "show", plain)["status"]); s != step.want {
			t.Errorf("after %s the CLI shows %s, want %s", step.verb, s, step.want)
		}
	}

	// Protected: refused by ops before the delete is sent; still there.
	if _, err := ops.ChangeImage(ctx, c, ops.ImageDelete, prot, nil); !errors.Is(err, ops.ErrImageRefused) {
		t.Fatalf("protected delete: %v", err)
	}
	if err := c.DeleteImage(ctx, ds[prot]); !errors.Is(err, openstack.ErrProtected) {
		t.Fatalf("client delete of a protected image: %v", err)
	}
	if s := str(oscShow(t, "image", "show", prot)["status"]); s != "active" {
		t.Errorf("protected image is %s after the refused deletes", s)
	}

	if _, err := ops.ChangeImage(ctx, c, ops.ImageDelete, plain, nil); err != nil {
		t.Fatal(err)
	}
	if done, ev, err := ops.ReadBackImage(ctx, c, ops.ImageDelete, plain, time.Second, 30*time.Second); !done || err != nil {
		t.Fatalf("delete read-back: %v %q %v", done, ev, err)
	}
	if _, err := c.Image(ctx, plain); !errors.Is(err, openstack.ErrNotFound) {
		t.Errorf("deleted image still reads: %v", err)
	}
	// A read-only client changes nothing.
	ro := cloudClient(t, true)
	if _, err := ops.ChangeImage(ctx, ro, ops.ImageDeactivate, prot, nil); err == nil {
		t.Error("read-only deactivate succeeded")
	}
	if s := str(oscShow(t, "image", "show", prot)["status"]); s != "active" {
		t.Errorf("read-only client changed the image: %s", s)
	}
}
