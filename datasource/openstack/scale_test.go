package openstack

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// A paged list (the pane's first load) asks for a small first page, so the
// first rows come after one short request, then full pages; a plain list
// asks for full pages from the start. Every server comes once, in order
// (one stream: a list read from both ends starts each end so).
func TestPagedListStartsWithASmallPage(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	nova := &pagedNova{n: 2350}
	f.on("GET /compute/v2.1/servers/detail", nova.serve)
	c := f.client(t, false)
	c.oneEnd = true
	var sizes []int
	ss, err := c.ServersPaged(ctxT(t), time.Time{}, func(p []Server) { sizes = append(sizes, len(p)) })
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, ss, 2350)
	nova.mu.Lock()
	limits := append([]int(nil), nova.limits...)
	nova.limits = nil
	nova.mu.Unlock()
	if !reflect.DeepEqual(limits, []int{firstPageLimit, 1000, 1000, 1000}) {
		t.Errorf("paged list asked limits %v, want a first page of %d then 1000s", limits, firstPageLimit)
	}
	if !reflect.DeepEqual(sizes, []int{100, 1000, 1000, 250}) {
		t.Errorf("pages handed out %v", sizes)
	}
	ss, err = c.Servers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, ss, 2350)
	nova.mu.Lock()
	defer nova.mu.Unlock()
	if !reflect.DeepEqual(nova.limits, []int{1000, 1000, 1000}) {
		t.Errorf("plain list asked limits %v, want full pages", nova.limits)
	}
}

// Servers decoded from a page share one copy of the strings many servers
// have in common, and one metadata map per distinct metadata (memory at
// 50,000 servers); empty metadata is nil.
func TestDecodedServersShareRepeatedStrings(t *testing.T) {
	body := []byte(`{"servers": [
	 {"id": "a", "name": "vm-a", "status": "ACTIVE", "tenant_id": "p1", "user_id": "u1", "metadata": {"role": "web"},
	  "flavor": {"original_name": "m1.small"}, "OS-EXT-SRV-ATTR:host": "compute01", "OS-EXT-AZ:availability_zone": "nova"},
	 {"id": "b", "name": "vm-b", "status": "ACTIVE", "tenant_id": "p1", "user_id": "u1", "metadata": {"role": "web"},
	  "flavor": {"original_name": "m1.small"}, "OS-EXT-SRV-ATTR:host": "compute01", "OS-EXT-AZ:availability_zone": "nova"},
	 {"id": "c", "name": "vm-c", "status": "ACTIVE", "metadata": {}}]}`)
	var p serverPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	a, b, c := p.Servers[0].toServer(), p.Servers[1].toServer(), p.Servers[2].toServer()
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	for _, f := range []struct{ name, x, y string }{
		{"status", a.Status, b.Status}, {"project", a.ProjectID, b.ProjectID}, {"user", a.UserID, b.UserID},
		{"host", a.Host, b.Host}, {"flavor", a.FlavorName, b.FlavorName}, {"zone", a.Zone, b.Zone},
	} {
		if f.x != f.y || !same(f.x, f.y) {
			t.Errorf("%s: two copies of %q", f.name, f.x)
		}
	}
	if a.Metadata["role"] != "web" || reflect.ValueOf(a.Metadata).UnsafePointer() != reflect.ValueOf(b.Metadata).UnsafePointer() {
		t.Errorf("equal metadata not shared: %v %v", a.Metadata, b.Metadata)
	}
	if c.Metadata != nil {
		t.Errorf("empty metadata is %#v, want nil", c.Metadata)
	}
}
