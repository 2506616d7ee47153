package demo

// Simulated Glance v2, enough to resolve image names: GET /v2/images and
// /v2/images/{id}.

import (
	"net/http"
	"strings"
)

func init() {
	Register(Service{Name: "glance", CatalogType: "image", CatalogPath: "", Order: 14,
		Handler: func(c *Cloud) http.Handler { return &glance{c: c} }})
}

type glance struct{ c *Cloud }

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
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		WriteJSON(w, 405, map[string]any{"code": 405, "title": "Method Not Allowed",
			"message": "The method specified is not allowed for this resource."})
		return
	}
	var images []map[string]any
	s := g.c.Story
	s.Lock(func() {
		owner := s.Projects[0].ID
		for i, im := range s.Images {
			size := int64(400+150*i) << 20
			created := s.Start.AddDate(0, -6, i).UTC().Format(novaTimeZ)
			images = append(images, map[string]any{"id": im.ID, "name": im.Name, "status": "active",
				"visibility": "public", "disk_format": "qcow2", "container_format": "bare", "size": size,
				"virtual_size": size * 5, "min_disk": 0, "min_ram": 0, "owner": owner, "protected": false,
				"os_hidden": false, "tags": []string{}, "checksum": stableUUID("md5", im.ID)[0:8] + stableUUID("md5", im.Name)[0:8],
				"os_hash_algo": "sha512", "os_hash_value": strings.Repeat(strings.ReplaceAll(stableUUID("sha", im.ID), "-", ""), 4),
				"created_at": created, "updated_at": created, "self": "/v2/images/" + im.ID,
				"file": "/v2/images/" + im.ID + "/file", "schema": "/v2/schemas/image"})
		}
	})
	switch {
	case path == "/v2/images":
		if name := r.URL.Query().Get("name"); name != "" {
			var f []map[string]any
			for _, im := range images {
				if im["name"] == name {
					f = append(f, im)
				}
			}
			images = f
		}
		if images == nil {
			images = []map[string]any{}
		}
		WriteJSON(w, 200, map[string]any{"images": images, "first": "/v2/images", "schema": "/v2/schemas/images"})
	case strings.HasPrefix(path, "/v2/images/") && strings.Count(path, "/") == 3:
		id := strings.TrimPrefix(path, "/v2/images/")
		for _, im := range images {
			if im["id"] == id {
				WriteJSON(w, 200, im)
				return
			}
		}
		WriteJSON(w, 404, map[string]any{"code": 404, "title": "Not Found",
			"message": "No image found with ID " + id})
	default:
		WriteJSON(w, 404, map[string]any{"code": 404, "title": "Not Found", "message": "The resource could not be found."})
	}
}
