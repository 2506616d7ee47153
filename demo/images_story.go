package demo

import (
	"fmt"
	"strings"
	"time"
)

// The seed's image-delete story: 47 minutes before the demo starts an admin
// deleted ubuntu-22.04-old. The request reached glance-api on control02,
// which began removing the image's RBD snapshot and data in the `images`
// pool, and it has been waiting ever since: osd.3 (compute02) and osd.10
// (compute06), which hold the PGs involved, report slow ops. Glance shows
// the image pending_delete, glance-api's log on control02 carries the
// DELETE and its request ID, the request's later lines show the wait on
// rbd, and Ceph reports HEALTH_WARN SLOW_OPS on those two OSDs. The IDs
// are derived from names (no draw from the story's random source, so the
// rest of the seed is unchanged).

// ImageDelete is the stuck delete.
type ImageDelete struct {
	ImageID, Name string
	RequestID     string
	UserID        string
	ProjectID     string
	Host          string // the controller whose glance-api took the request
	Pool          string
	OSDs          []int
	SlowOps       int
	At            time.Time
}

// StuckDeleteAge is how long before the story's start the delete began.
var StuckDeleteAge = 47 * time.Minute

// OSDNames renders the OSDs as Ceph does in health messages: osd.3,osd.10.
func (d *ImageDelete) OSDNames() string {
	var out []string
	for _, o := range d.OSDs {
		out = append(out, fmt.Sprintf("osd.%d", o))
	}
	return strings.Join(out, ",")
}

// addStoryImages adds Glance's own images: the stuck delete, a protected
// golden image and a deactivated one. Call from NewStory (no lock held).
func (s *Story) addStoryImages() {
	admin := ""
	if len(s.Projects) > 0 {
		admin = s.Projects[0].ID
	}
	web := admin
	for _, p := range s.Projects {
		if p.Name == "web" {
			web = p.ID
		}
	}
	old := &Image{ID: stableUUID("image", "ubuntu-22.04-old"), Name: "ubuntu-22.04-old", Status: "pending_delete",
		SizeMB: 2252, DiskFormat: "raw", Visibility: "public", OwnerID: admin, Extra: true, Updated: s.Start.Add(-StuckDeleteAge)}
	s.Images = append(s.Images, old,
		&Image{ID: stableUUID("image", "win2019-golden"), Name: "win2019-golden", SizeMB: 18432, DiskFormat: "raw",
			Visibility: "private", OwnerID: admin, Protected: true, Extra: true, Updated: s.Start.AddDate(0, -3, 0)},
		&Image{ID: stableUUID("image", "centos-7"), Name: "centos-7", Status: "deactivated", SizeMB: 900, DiskFormat: "qcow2",
			Visibility: "shared", OwnerID: web, Extra: true, Updated: s.Start.Add(-26 * time.Hour)})
	s.StuckDelete = &ImageDelete{ImageID: old.ID, Name: old.Name,
		RequestID: "req-" + stableUUID("request", "image-delete", old.ID),
		UserID:    strings.ReplaceAll(stableUUID("user", "admin"), "-", ""), ProjectID: admin,
		Host: "control02", Pool: "images", OSDs: []int{3, 10}, SlowOps: 14, At: old.Updated}
}

// bootImages are the images new servers boot from.
func (s *Story) bootImages() []*Image {
	var out []*Image
	for _, im := range s.Images {
		if !im.Extra {
			out = append(out, im)
		}
	}
	return out
}

// imageDeleteLines are glance-api's lines of the stuck delete, on its one
// controller: the DELETE, the start of the RBD removal, then every 30 s
// the wait on the slow OSDs. Every line carries the request ID and the
// image ID (the logs pane's l and r pivots find them).
func imageDeleteLines(d *ImageDelete, from, to int64, add func(ts int64, host, ct, lv, text string)) {
	if d == nil {
		return
	}
	t0 := d.At.UnixNano()
	ctx := reqCtx(d.RequestID, d.UserID, d.ProjectID)
	add(t0, d.Host, "glance_api", "info", oslo(t0, 31, "info", "glance.api.v2.images", ctx,
		fmt.Sprintf(`10.0.0.5,10.0.0.10 "DELETE /v2/images/%s HTTP/1.1": deleting image %s (%s) from store rbd`, d.ImageID, d.ImageID, d.Name)))
	add(t0+42e6, d.Host, "glance_api", "info", oslo(t0+42e6, 31, "info", "glance_store._drivers.rbd", ctx,
		fmt.Sprintf("rbd: unprotecting and removing snapshot %s/%s@snap", d.Pool, d.ImageID)))
	const every = int64(30 * time.Second)
	first := t0 + every
	start := first
	if from > start {
		start = first + (from-first)/every*every
	}
	for t := start; t < to; t += every {
		ts := t + 211e6
		add(ts, d.Host, "glance_api", "warn", oslo(ts, 31, "warn", "glance_store._drivers.rbd", ctx,
			fmt.Sprintf("rbd: waiting on pool %s: %d slow ops on %s, oldest blocked for %d sec (removing image %s)",
				d.Pool, d.SlowOps, strings.ReplaceAll(d.OSDNames(), ",", ", "), (ts-t0)/1e9, d.ImageID)))
	}
}

// slowOpsCheck is Ceph's SLOW_OPS health check for the stuck delete, as
// `ceph health detail` words it (the detail list is empty in Pacific).
func slowOpsCheck(d *ImageDelete, now time.Time) map[string]any {
	blocked := int64(now.Sub(d.At) / time.Second)
	msg := fmt.Sprintf("%d slow ops, oldest one blocked for %d sec, daemons [%s] have slow ops.", d.SlowOps, blocked, d.OSDNames())
	return cephCheck("HEALTH_WARN", "SLOW_OPS", msg, d.SlowOps, nil)
}
