package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkBriefList10Pages: ten pages of 1,000 servers' IDs and names,
// as ServerNames reads Nova's brief list (at 50,000 servers, 50 pages
// beside the volumes pane's first load, on the cores the keys need).
func BenchmarkBriefList10Pages(b *testing.B) {
	f := newFakeCloud(b, "2.88")
	pages := make([][]byte, 10)
	for p := range pages {
		var items []any
		for i := range 1000 {
			items = append(items, map[string]any{"id": fmt.Sprintf("%08d-2222-4333-8444-555555555555", p*1000+i), "name": fmt.Sprintf("vm-%d", p*1000+i),
				"links": []any{map[string]any{"rel": "self", "href": "http://nova/v2.1/servers/x"}}})
		}
		body := map[string]any{"servers": items}
		if p < len(pages)-1 {
			body["servers_links"] = []any{map[string]any{"rel": "next", "href": "http://nova/v2.1/servers?marker=x"}}
		}
		var err error
		if pages[p], err = json.Marshal(body); err != nil {
			b.Fatal(err)
		}
	}
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		p := 0
		if m := r.URL.Query().Get("marker"); m != "" {
			fmt.Sscanf(m, "%d", &p)
			p = p/1000 + 1
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(pages[p])
	})
	c := f.client(b, false)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := c.briefList(ctx, c.compute, "nova", c.compute.ServiceURL("servers"), "servers", func(id, name string) { n++ }); err != nil || n != 10000 {
			b.Fatalf("%d servers, %v", n, err)
		}
	}
}

// Both brief lists page by their own key: Cinder's volumes through
// volumes_links, Nova's servers through servers_links; a list that is not
// a list is malformed, not empty.
func TestBriefListPagesByItsKey(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, 200, map[string]any{"servers": []any{map[string]any{"id": "s1", "name": "web-1"}},
				"servers_links": []any{map[string]any{"rel": "next", "href": "x"}},
				"volumes":       []any{map[string]any{"id": "not-a-server"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"servers": []any{map[string]any{"id": "s2", "name": "db-1"}}})
	})
	c := f.client(t, false)
	ctx := context.Background()
	got := map[string]string{}
	if err := c.briefList(ctx, c.compute, "nova", c.compute.ServiceURL("servers"), "servers", func(id, name string) { got[id] = name }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["s1"] != "web-1" || got["s2"] != "db-1" {
		t.Fatalf("servers: %v", got)
	}
	f.withCinder(t, "3.60", nil)
	f.on("GET /volume/v3/"+volProject+"/volumes", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, 200, map[string]any{"volumes": []any{map[string]any{"id": "v1"}},
				"volumes_links": []any{map[string]any{"rel": "next", "href": "x"}},
				"servers":       []any{map[string]any{"id": "not-a-volume"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"volumes": []any{map[string]any{"id": "v2"}}})
	})
	if ids, err := c.VolumeIDs(ctx); err != nil || len(ids) != 2 || ids[0] != "v1" || ids[1] != "v2" {
		t.Fatalf("volumes: %v %v", ids, err)
	}
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"servers": "oops"})
	})
	err := c.briefList(ctx, c.compute, "nova", c.compute.ServiceURL("servers"), "servers", func(string, string) {})
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("a list that is a string: %v, want malformed", err)
	}
}
