package demo

// Simulated Glance v2: GET /v2/images (limit/marker paging with Glance's
// relative next links) and /v2/images/{id}, deactivate/reactivate
// (POST /v2/images/{id}/actions/...) and DELETE, refused as Glance refuses
// them (a protected image: 403; a status that does not allow it: 400).

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Service{Name: "glance", CatalogType: "image", CatalogPath: "", Order: 14,
		Handler: func(c *Cloud) http.Handler { return &glance{c: c} }})
}

type glance struct{ c *Cloud }

func glanceError(w http.ResponseWriter, code int, title, msg string) {
	WriteJSON(w, code, map[string]any{"code": code, "title": title, "message": msg})
}

// imageJSON is one image as Glance shows it. Call inside the story's lock.
func (g *glance) imageJSON(s *Story, i int, im *Image) map[string]any {
	size := int64(400+150*i) << 20
	if im.SizeMB > 0 {
		size = im.SizeMB << 20
	}
	created := s.Start.AddDate(0, -6, i)
	updated := created
	if !im.Updated.IsZero() {
		updated = im.Updated
		if updated.Before(created) {
			created = updated.Add(-24 * time.Hour)
		}
	}
	status, vis, format, owner := im.Status, im.Visibility, im.DiskFormat, im.OwnerID
	if status == "" {
		status = "active"
	}
	if vis == "" {
		vis = "public"
	}
	if format == "" {
		format = "qcow2"
	}
	if owner == "" {
		owner = s.Projects[0].ID
	}
	return map[string]any{"id": im.ID, "name": im.Name, "status": status,
		"visibility": vis, "disk_format": format, "container_format": "bare", "size": size,
		"virtual_size": size * 5, "min_disk": 0, "min_ram": 0, "owner": owner, "protected": im.Protected,
		"os_hidden": false, "tags": []string{}, "checksum": stableUUID("md5", im.ID)[0:8] + stableUUID("md5", im.Name)[0:8],
		"os_hash_algo": "sha512", "os_hash_value": strings.Repeat(strings.ReplaceAll(stableUUID("sha", im.ID), "-", ""), 4),
		"stores":     "rbd",
		"created_at": created.UTC().Format(novaTimeZ), "updated_at": updated.UTC().Format(novaTimeZ), "self": "/v2/images/" + im.ID,
		"file": "/v2/images/" + im.ID + "/file", "schema": "/v2/schemas/image"}
}

func (g *glance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Openstack-Request-Id", newRequestID())
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "" || path == "/versions" {
		WriteJSON(w, http.StatusMultipleChoices, map[string]any{"versions": []any{map[string]any{"id": "v2.16",
			"status": "CURRENT", "links": []map[string]string{{"rel": "self", "href": g.c.URLs["glance"] + "/v2/"}}}}})
		return
	}
	if !g.c.Authorized(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/v2/images/") && strings.Count(path, "/") == 5:
		parts := strings.Split(path, "/") // "", v2, images, id, actions, verb
		if parts[4] == "actions" {
			g.action(w, parts[3], parts[5])
			return
		}
	case r.Method == http.MethodDelete && strings.HasPrefix(path, "/v2/images/") && strings.Count(path, "/") == 3:
		g.delete(w, strings.TrimPrefix(path, "/v2/images/"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		glanceError(w, 405, "Method Not Allowed", "The method specified is not allowed for this resource.")
		return
	}
	var images []map[string]any
	s := g.c.Story
	s.Lock(func() {
		for i, im := range s.Images {
			if im.Status == "deleted" {
				continue
			}
			images = append(images, g.imageJSON(s, i, im))
		}
	})
	switch {
	case path == "/v2/images":
		q := r.URL.Query()
		if name := q.Get("name"); name != "" {
			var f []map[string]any
			for _, im := range images {
				if im["name"] == name {
					f = append(f, im)
				}
			}
			images = f
		}
		// Glance pages in ID order by default here (sort_key=id keeps
		// the marker simple); the client sorts for display.
		sort.SliceStable(images, func(i, j int) bool { return images[i]["id"].(string) < images[j]["id"].(string) })
		if m := q.Get("marker"); m != "" {
			k := sort.Search(len(images), func(i int) bool { return images[i]["id"].(string) > m })
			images = images[k:]
		}
		limit := 25 // Glance's limit_param_default
		if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
			limit = min(l, 1000)
		}
		body := map[string]any{"first": "/v2/images", "schema": "/v2/schemas/images"}
		if len(images) > limit {
			images = images[:limit]
			next := url1(q, images[limit-1]["id"].(string))
			body["next"] = "/v2/images?" + next
		}
		if images == nil {
			images = []map[string]any{}
		}
		body["images"] = images
		WriteJSON(w, 200, body)
	case strings.HasPrefix(path, "/v2/images/") && strings.Count(path, "/") == 3:
		id := strings.TrimPrefix(path, "/v2/images/")
		for _, im := range images {
			if im["id"] == id {
				WriteJSON(w, 200, im)
				return
			}
		}
		glanceError(w, 404, "Not Found", "No image found with ID "+id)
	default:
		glanceError(w, 404, "Not Found", "The resource could not be found.")
	}
}

// url1 is the next page's query: the same parameters with the new marker.
func url1(q map[string][]string, marker string) string {
	var parts []string
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "marker" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	parts = append(parts, "marker="+marker)
	return strings.Join(parts, "&")
}

func (g *glance) find(id string) *Image {
	for _, im := range g.c.Story.Images {
		if im.ID == id && im.Status != "deleted" {
			return im
		}
	}
	return nil
}

func (g *glance) action(w http.ResponseWriter, id, verb string) {
	s := g.c.Story
	code, msg := 204, ""
	s.Lock(func() {
		im := g.find(id)
		if im == nil {
			code, msg = 404, "No image found with ID "+id
			return
		}
		st := im.Status
		if st == "" {
			st = "active"
		}
		switch verb {
		case "deactivate":
			if st != "active" && st != "deactivated" {
				code, msg = 400, "Not allowed to deactivate image in status '"+st+"'"
				return
			}
			im.Status = "deactivated"
		case "reactivate":
			if st != "active" && st != "deactivated" {
				code, msg = 400, "Not allowed to reactivate image in status '"+st+"'"
				return
			}
			im.Status = "active"
		default:
			code, msg = 404, "The resource could not be found."
			return
		}
		im.Updated = s.Now()
	})
	if code != 204 {
		glanceError(w, code, http.StatusText(code), msg)
		return
	}
	w.WriteHeader(204)
}

func (g *glance) delete(w http.ResponseWriter, id string) {
	s := g.c.Story
	code, msg := 204, ""
	s.Lock(func() {
		im := g.find(id)
		switch {
		case im == nil:
			code, msg = 404, "No image found with ID "+id
		case im.Protected:
			code, msg = 403, "Image "+id+" is protected and cannot be deleted."
		default:
			im.Status, im.Updated = "deleted", s.Now()
		}
	})
	if code != 204 {
		glanceError(w, code, http.StatusText(code), msg)
		return
	}
	w.WriteHeader(204)
}
