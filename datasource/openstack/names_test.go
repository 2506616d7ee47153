package openstack

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// Image and user names are looked up once per ID; a 403 on users answers
// "" quietly and is not asked again.
func TestImageAndUserNamesCached(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.on("GET /image/v2/images/img-1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "img-1", "name": "ubuntu-24.04"})
	})
	f.on("GET /image/v2/images/gone", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]any{"code": 404, "message": "No image found"})
	})
	f.on("GET /identity/v3/users/u-1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": "u-1", "name": "alice"}})
	})
	f.on("GET /identity/v3/users/u-2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, map[string]any{"error": map[string]any{"code": 403, "message": "You are not authorized"}})
	})
	c := f.client(t, true)
	ctx := context.Background()
	for range 2 {
		if n, err := c.ImageName(ctx, "img-1"); n != "ubuntu-24.04" || err != nil {
			t.Fatalf("image: %q %v", n, err)
		}
		if n, err := c.ImageName(ctx, "gone"); n != "" || err != nil {
			t.Fatalf("deleted image: %q %v", n, err)
		}
		if n, err := c.UserName(ctx, "u-1"); n != "alice" || err != nil {
			t.Fatalf("user: %q %v", n, err)
		}
		if n, err := c.UserName(ctx, "u-2"); n != "" || err != nil {
			t.Fatalf("denied user: %q %v", n, err)
		}
	}
	if n, _ := c.UserName(ctx, "u-3"); n != "" {
		t.Fatalf("after a 403: %q", n)
	}
	if got := len(f.requests("GET", "/image/v2/images/")); got != 2 {
		t.Errorf("%d image GETs, want 2 (cached)", got)
	}
	if got := len(f.requests("GET", "/identity/v3/users/")); got != 2 {
		t.Errorf("%d user GETs, want 2 (cached, none after the 403)", got)
	}
}

// The server body gives networks (the keys of addresses), security group
// names (once each) and the fault's code and date.
func TestServerNetworksGroupsFault(t *testing.T) {
	var n novaServer
	body := `{"id":"s","addresses":{"private":[{"addr":"10.0.0.5"}],"ext-net":[{"addr":"203.0.113.9"}]},
		"security_groups":[{"name":"default"},{"name":"web"},{"name":"default"}],
		"fault":{"message":"No valid host was found.","code":500,"created":"2026-11-22T12:00:01Z"}}`
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatal(err)
	}
	s := n.toServer()
	if len(s.Networks) != 2 || s.Networks[0] != "ext-net" || s.Networks[1] != "private" {
		t.Errorf("networks %v", s.Networks)
	}
	if len(s.SecurityGroups) != 2 || s.SecurityGroups[0] != "default" || s.SecurityGroups[1] != "web" {
		t.Errorf("groups %v", s.SecurityGroups)
	}
	if s.FaultCode != 500 || s.FaultAt.IsZero() || s.FaultAt.Hour() != 12 {
		t.Errorf("fault %d %v", s.FaultCode, s.FaultAt)
	}
}
