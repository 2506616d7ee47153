package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

const volProject = "969f005d8095493bbf1872183a3e35b5"

// cinderVolumeJSON is one volume as Cinder's GET /volumes/detail writes it
// for an admin (API reference, Zed).
func cinderVolumeJSON(id, status, server string) map[string]any {
	v := map[string]any{
		"id": id, "name": "vol-" + id[:4], "status": status, "size": 10, "volume_type": "rbd",
		"os-vol-host-attr:host": "control01@rbd-1#rbd", "os-vol-tenant-attr:tenant_id": "p1",
		"os-vol-mig-status-attr:migstat": nil, "os-vol-mig-status-attr:name_id": nil,
		"migration_status": nil, "bootable": "false", "multiattach": false, "encrypted": false,
		"availability_zone": "nova", "created_at": "2026-12-06T10:00:00.000000",
		"updated_at": "2026-12-06T11:00:00.000000", "metadata": map[string]any{}, "user_id": "u1",
		"links": []any{}, "attachments": []any{},
	}
	if server != "" {
		v["attachments"] = []any{map[string]any{"id": id, "attachment_id": "att-" + id, "volume_id": id,
			"server_id": server, "host_name": "compute04", "device": "/dev/vdb", "attached_at": "2026-12-06T10:01:00.000000"}}
	}
	return v
}

// cinderFake adds Cinder's version document, a paged volume list and the
// action endpoints to the fake cloud; maxMV is Cinder's maximum.
type cinderFake struct {
	mu      sync.Mutex
	vols    []map[string]any
	actions []string // "POST id {json}" / "DELETE attachments/id"
	mvSeen  []string
	queries []string
}

func (f *fakeCloud) withCinder(t *testing.T, maxMV string, vols []map[string]any) *cinderFake {
	cf := &cinderFake{vols: vols}
	f.on("GET /volume/v3/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"versions": []any{map[string]any{"id": "v3.0", "status": "CURRENT",
			"version": maxMV, "min_version": "3.0"}}})
	})
	f.on("GET /volume/v3/"+volProject+"/volumes/detail", func(w http.ResponseWriter, r *http.Request) {
		cf.mu.Lock()
		defer cf.mu.Unlock()
		cf.mvSeen = append(cf.mvSeen, r.Header.Get("OpenStack-API-Version"))
		cf.queries = append(cf.queries, r.URL.RawQuery)
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		if r.URL.Query().Get("all_tenants") != "1" {
			t.Errorf("volume list without all_tenants: %s", r.URL.RawQuery)
		}
		limit := 0
		fmt.Sscan(r.URL.Query().Get("limit"), &limit)
		start := 0
		if m := r.URL.Query().Get("marker"); m != "" {
			for i, v := range cf.vols {
				if v["id"] == m {
					start = i + 1
				}
			}
		}
		end := min(len(cf.vols), start+limit)
		body := map[string]any{"volumes": cf.vols[start:end]}
		if end < len(cf.vols) {
			body["volumes_links"] = []any{map[string]any{"rel": "next",
				"href": "http://x/v3/p/volumes/detail?all_tenants=1&limit=2&marker=" + cf.vols[end-1]["id"].(string)}}
		}
		writeJSON(w, 200, body)
	})
	for _, v := range vols {
		id := v["id"].(string)
		f.on("GET /volume/v3/"+volProject+"/volumes/"+id, func(w http.ResponseWriter, r *http.Request) {
			cf.mu.Lock()
			defer cf.mu.Unlock()
			for _, v := range cf.vols {
				if v["id"] == id {
					writeJSON(w, 200, map[string]any{"volume": v})
				}
			}
		})
		f.on("POST /volume/v3/"+volProject+"/volumes/"+id+"/action", func(w http.ResponseWriter, r *http.Request) {
			var body map[string]map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			b, _ := json.Marshal(body)
			cf.mu.Lock()
			cf.actions = append(cf.actions, "POST "+id+" "+string(b))
			if rs, ok := body["os-reset_status"]; ok {
				for _, v := range cf.vols {
					if v["id"] == id {
						v["status"] = rs["status"]
					}
				}
			}
			cf.mu.Unlock()
			w.WriteHeader(202)
		})
		f.on("DELETE /volume/v3/"+volProject+"/attachments/att-"+id, func(w http.ResponseWriter, r *http.Request) {
			cf.mu.Lock()
			cf.actions = append(cf.actions, "DELETE attachments/att-"+id+" "+r.Header.Get("OpenStack-API-Version"))
			cf.mu.Unlock()
			writeJSON(w, 200, map[string]any{})
		})
	}
	return cf
}

func TestVolumesListAllProjectsPagedWithNegotiatedMicroversion(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	var vols []map[string]any
	for i := range 5 {
		vols = append(vols, cinderVolumeJSON(fmt.Sprintf("%04d-vol", i), "available", ""))
	}
	vols[2] = cinderVolumeJSON("0002-vol", "detaching", "srv-1")
	vols[2]["migration_status"] = "migrating"
	cf := f.withCinder(t, "3.71", vols)
	c := f.client(t, false)
	c.PageSize = 2
	got, err := c.Volumes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d volumes over the pages, want 5", len(got))
	}
	v := got[2]
	if v.Status != "detaching" || v.Host != "control01@rbd-1#rbd" || v.BackendHost() != "control01" ||
		v.ServiceHost() != "control01@rbd-1" || v.Pool() != "rbd" || v.MigrationStatus != "migrating" {
		t.Errorf("volume fields: %+v", v)
	}
	if len(v.Attachments) != 1 || v.Attachments[0].ServerID != "srv-1" || v.Attachments[0].ID != "att-0002-vol" {
		t.Errorf("attachments: %+v", v.Attachments)
	}
	if want := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC); !v.Updated.Equal(want) {
		t.Errorf("updated %v", v.Updated)
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if len(cf.mvSeen) != 3 {
		t.Fatalf("%d page requests, want 3", len(cf.mvSeen))
	}
	// The cloud offers 3.71: the client caps at VolumeMaxMicroversion.
	if cf.mvSeen[0] != "volume "+VolumeMaxMicroversion {
		t.Errorf("OpenStack-API-Version %q", cf.mvSeen[0])
	}
}

func TestVolumeMicroversionFollowsAnOlderCinder(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	cf := f.withCinder(t, "3.20", []map[string]any{cinderVolumeJSON("0001-vol", "in-use", "srv")})
	c := f.client(t, false)
	if mv, err := c.VolumeMicroversion(context.Background()); err != nil || mv != "3.20" {
		t.Fatalf("mv %q %v", mv, err)
	}
	// Below 3.27 there is no attachments API: detach goes through os-force_detach.
	if err := c.DeleteVolumeAttachment(context.Background(), "0001-vol", "att-0001-vol"); err != nil {
		t.Fatal(err)
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if len(cf.actions) != 1 || !strings.Contains(cf.actions[0], `"os-force_detach":{"attachment_id":"att-0001-vol"`) {
		t.Fatalf("actions %q", cf.actions)
	}
}

func TestVolumeActionsSendCinderBodies(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	cf := f.withCinder(t, "3.70", []map[string]any{cinderVolumeJSON("0001-vol", "attaching", "srv")})
	c := f.client(t, false)
	ctx := context.Background()
	for _, err := range []error{
		c.ResetVolumeStatus(ctx, "0001-vol", "available", "detached", ""),
		c.ForceDeleteVolume(ctx, "0001-vol"),
		c.DeleteVolumeAttachment(ctx, "0001-vol", "att-0001-vol"),
		c.RetypeVolume(ctx, "0001-vol", "ssd"),
		c.MigrateVolume(ctx, "0001-vol", "control02@rbd-1#rbd"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		`POST 0001-vol {"os-reset_status":{"attach_status":"detached","status":"available"}}`,
		`POST 0001-vol {"os-force_delete":{}}`,
		`DELETE attachments/att-0001-vol volume 3.70`,
		`POST 0001-vol {"os-retype":{"migration_policy":"on-demand","new_type":"ssd"}}`,
		`POST 0001-vol {"os-migrate_volume":{"force_host_copy":false,"host":"control02@rbd-1#rbd","lock_volume":false}}`,
	}
	cf.mu.Lock()
	got := append([]string(nil), cf.actions...)
	cf.mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	v, err := c.Volume(ctx, "0001-vol")
	if err != nil || v.Status != "available" {
		t.Fatalf("read-back %+v %v", v, err)
	}
}

func TestVolumeActionsRefusedReadOnly(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	cf := f.withCinder(t, "3.70", []map[string]any{cinderVolumeJSON("0001-vol", "attaching", "srv")})
	c := f.client(t, true)
	ctx := context.Background()
	if _, err := c.Volumes(ctx); err != nil {
		t.Fatalf("read-only session must still list: %v", err)
	}
	for _, err := range []error{
		c.ResetVolumeStatus(ctx, "0001-vol", "available", "", ""),
		c.ForceDeleteVolume(ctx, "0001-vol"),
		c.DeleteVolumeAttachment(ctx, "0001-vol", "att-0001-vol"),
		c.RetypeVolume(ctx, "0001-vol", "ssd"),
		c.MigrateVolume(ctx, "0001-vol", "h@b#p"),
	} {
		if !errors.Is(err, httpclient.ErrReadOnly) {
			t.Errorf("got %v, want ErrReadOnly", err)
		}
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if len(cf.actions) != 0 {
		t.Fatalf("read-only session sent %q", cf.actions)
	}
}

func TestServerNamesListsOnceForUnknownIDs(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	lists := 0
	var mu sync.Mutex
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lists++
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"servers": []any{map[string]any{"id": "s1", "name": "web-1"}, map[string]any{"id": "s2", "name": "db-1"}}})
	})
	c := f.client(t, false)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c.Clock = func() time.Time { return now }
	ctx := context.Background()
	got, err := c.ServerNames(ctx, []string{"s1", "s2"})
	if err != nil || got["s1"] != "web-1" || got["s2"] != "db-1" {
		t.Fatalf("%v %v", got, err)
	}
	// An ID Nova does not know: no new list within ServerNamesEvery.
	if got, _ := c.ServerNames(ctx, []string{"s1", "gone"}); got["s1"] != "web-1" || got["gone"] != "" {
		t.Fatalf("%v", got)
	}
	now = now.Add(ServerNamesEvery)
	_, _ = c.ServerNames(ctx, []string{"gone"}) // new to the list: listed again
	_, _ = c.ServerNames(ctx, []string{"s2"})   // known: no list
	now = now.Add(ServerNamesEvery)
	_, _ = c.ServerNames(ctx, []string{"gone"}) // absent from the last list: not yet
	mu.Lock()
	n := lists
	mu.Unlock()
	if n != 2 {
		t.Fatalf("%d server lists, want 2 (first use, then the new ID after a minute)", n)
	}
	now = now.Add(ServerNamesAbsentEvery)
	_, _ = c.ServerNames(ctx, []string{"gone"})
	mu.Lock()
	defer mu.Unlock()
	if lists != 3 {
		t.Fatalf("%d server lists, want 3 (the absent ID after ServerNamesAbsentEvery)", lists)
	}
}

func TestVolumesSinceAsksForWhatChanged(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	cf := f.withCinder(t, "3.70", []map[string]any{cinderVolumeJSON("0001-vol", "in-use", "srv")})
	c := f.client(t, false)
	ctx := context.Background()
	first, err := c.VolumesSince(ctx, time.Time{})
	if err != nil || !first.Full || len(first.Volumes) != 1 {
		t.Fatalf("%+v %v", first, err)
	}
	if d := time.Since(first.AsOf); d < DefaultOverlap || d > DefaultOverlap+5*time.Second {
		t.Fatalf("AsOf %v: want Cinder's clock minus the overlap", first.AsOf)
	}
	delta, err := c.VolumesSince(ctx, first.AsOf)
	if err != nil || delta.Full {
		t.Fatalf("%+v %v", delta, err)
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if strings.Contains(cf.queries[0], "updated_at") || !strings.Contains(cf.queries[1], "updated_at="+url.QueryEscape("gte:"+first.AsOf.UTC().Truncate(SinceGrain).Format("2006-01-02T15:04:05"))) {
		t.Fatalf("queries %q", cf.queries)
	}
}

func TestVolumesSinceListsEverythingBefore360(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	cf := f.withCinder(t, "3.59", []map[string]any{cinderVolumeJSON("0001-vol", "in-use", "srv")})
	c := f.client(t, false)
	l, err := c.VolumesSince(context.Background(), time.Now())
	if err != nil || !l.Full {
		t.Fatalf("a Cinder without time filters: %+v %v", l, err)
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if strings.Contains(cf.queries[0], "updated_at") {
		t.Fatalf("query %q", cf.queries[0])
	}
}

// Callers that find the names stale while a name list is in flight (the
// sessions of `stackpit serve` share the client) wait for that list
// instead of each listing every server again.
func TestServerNamesOneListInFlight(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	var lists atomic.Int32
	release := make(chan struct{})
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		lists.Add(1)
		<-release
		writeJSON(w, 200, map[string]any{"servers": []any{map[string]any{"id": "s1", "name": "web-1"}}})
	})
	c := f.client(t, false)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]map[string]string, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.ServerNames(ctx, []string{"s1", "new"})
		}()
	}
	for lists.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the others ask meanwhile
	close(release)
	wg.Wait()
	if n := lists.Load(); n != 1 {
		t.Fatalf("10 callers made %d server lists, want 1", n)
	}
	for i, m := range got {
		if m["s1"] != "web-1" {
			t.Fatalf("caller %d got %v", i, m)
		}
	}
}

// TestServerNamesFirstCallerLeaving: the shared name list does not run on
// the first caller's cancellation, so one session leaving mid-list (serve)
// does not fail the others waiting for it.
func TestServerNamesFirstCallerLeaving(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	var lists atomic.Int32
	release := make(chan struct{})
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		lists.Add(1)
		<-release
		writeJSON(w, 200, map[string]any{"servers": []any{map[string]any{"id": "s1", "name": "web-1"}}})
	})
	c := f.client(t, false)
	first, leave := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() { _, err := c.ServerNames(first, []string{"s1"}); firstErr <- err }()
	for lists.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan map[string]string, 1)
	go func() {
		m, err := c.ServerNames(context.Background(), []string{"s1"})
		if err != nil {
			t.Errorf("the waiting caller: %v", err)
		}
		second <- m
	}()
	time.Sleep(50 * time.Millisecond) // the second waits on the list
	leave()
	if err := <-firstErr; err == nil {
		t.Error("the caller that left got no error")
	}
	close(release)
	if m := <-second; m["s1"] != "web-1" {
		t.Fatalf("the waiting caller got %v, want s1's name", m)
	}
}

// The names cache's IDs and names are views of one string, not a string
// each (issue 15), and still each server's own.
func TestServerNamesPacked(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	id := func(i int) string { return fmt.Sprintf("%08d-1111-4222-8333-444455556666", i) }
	name := func(i int) string { return fmt.Sprintf("web-frontend-prod-%03d", i) }
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		var servers []any
		for i := range 50 {
			servers = append(servers, map[string]any{"id": id(i), "name": name(i)})
		}
		writeJSON(w, 200, map[string]any{"servers": servers})
	})
	c := f.client(t, false)
	got, err := c.ServerNames(context.Background(), []string{id(1)})
	if err != nil || len(got) != 50 {
		t.Fatalf("%d names, %v", len(got), err)
	}
	lo, hi, size := ^uintptr(0), uintptr(0), 0
	for i := range 50 {
		if got[id(i)] != name(i) {
			t.Errorf("%s named %q, want %q", id(i), got[id(i)], name(i))
		}
	}
	for k, v := range got {
		for _, s := range []string{k, v} {
			p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			lo, hi, size = min(lo, p), max(hi, p+uintptr(len(s))), size+len(s)
		}
	}
	// A string each would span at least 50 allocations of 48 and 50 of 32.
	if int(hi-lo) != size {
		t.Errorf("the names span %d bytes for %d of text: not one string", hi-lo, size)
	}
}

// Once a whole server list has been read (the instances pane's), volumes'
// server names come from it and its changes-since lists, with no brief
// list of Nova's (50 pages at 50k, at every start; issue 15): a server
// created since is named after the next changes, a deleted one not, and
// an ID no list has stays unnamed without a request.
func TestServerNamesFromTheServerLists(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 30)
	brief := briefServers(f)
	c := f.client(t, false)
	ctx := ctxT(t)
	all, asOf, err := c.listServers(ctx, time.Time{})
	if err != nil || len(all) != 30 {
		t.Fatalf("%d servers, %v", len(all), err)
	}
	ids := f.synth.liveIDs()
	names, err := c.ServerNames(ctx, []string{ids[0], ids[29]})
	if err != nil || names[ids[0]] != "vm-"+ids[0][len(ids[0])-6:] || names[ids[29]] == "" {
		t.Fatalf("names %v, %v", names, err)
	}
	f.synth.advance(10 * time.Second)
	f.synth.delete(ids[3])
	newID := f.synth.create("compute02")
	f.synth.advance(10 * time.Second)
	names, _ = c.ServerNames(ctx, []string{newID}) // not in the lists yet
	if _, ok := names[newID]; ok {
		t.Fatalf("%s named before any list had it", newID)
	}
	if _, _, err := c.listServers(ctx, asOf); err != nil {
		t.Fatal(err)
	}
	names, _ = c.ServerNames(ctx, []string{newID, ids[3]})
	if names[newID] != "vm-"+newID[len(newID)-6:] {
		t.Errorf("the server created since is named %q after the changes list", names[newID])
	}
	if _, ok := names[ids[3]]; ok {
		t.Errorf("the deleted server %s is still named", ids[3])
	}
	if names, _ := c.ServerNames(ctx, []string{"no-such-server"}); names["no-such-server"] != "" {
		t.Error("an ID no list has is named")
	}
	if n := brief.Load(); n != 0 {
		t.Errorf("%d brief server lists, want none: the whole list names them", n)
	}
}

// Without a whole server list (no instances pane), names come from the
// brief list.
func TestServerNamesWithoutServerListsAsksTheBriefList(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	brief := briefServers(f, map[string]any{"id": "s1", "name": "web-1"})
	c := f.client(t, false)
	names, err := c.ServerNames(ctxT(t), []string{"s1"})
	if err != nil || names["s1"] != "web-1" || brief.Load() != 1 {
		t.Fatalf("names %v, %v, %d brief lists", names, err, brief.Load())
	}
}

// Names from the server lists stay as fresh as the brief list made them:
// an ID the lists did not have when asked (a server the next refresh
// brings) is named within ServerNamesEvery of a list that has it, a stale
// attachment makes the map again at most that often (no request either
// way), and when no list has brought the lists up to date within
// ServerNamesEvery (the instances pane no longer loads) an unnamed ID
// asks the brief list again.
func TestServerNamesFromListsStayFresh(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	f.synth = newSynthNova(t, 5)
	brief := briefServers(f, map[string]any{"id": "late", "name": "late-1"})
	c := f.client(t, false)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c.Clock = func() time.Time { return now }
	ctx := ctxT(t)
	_, asOf, err := c.listServers(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	st := c.vols()
	gens := func() int { st.mu.Lock(); defer st.mu.Unlock(); return st.namesGen }
	_, _ = c.ServerNames(ctx, []string{"stale"})
	made := gens()
	// The lists move (a server created); the stale ID is asked again and
	// again: the map is not made again within ServerNamesEvery.
	f.synth.advance(10 * time.Second)
	newID := f.synth.create("compute02")
	f.synth.advance(10 * time.Second)
	now = now.Add(10 * time.Second)
	if _, asOf, err = c.listServers(ctx, asOf); err != nil {
		t.Fatal(err)
	}
	names, _ := c.ServerNames(ctx, []string{"stale"})
	if gens() != made {
		t.Error("a stale attachment made the map again within ServerNamesEvery")
	}
	if names[newID] != "" {
		t.Errorf("%s named by a map made before the lists had it", newID)
	}
	// A minute on, with lists kept up to date: the new server is named.
	for range 6 {
		now = now.Add(10 * time.Second)
		if _, asOf, err = c.listServers(ctx, asOf); err != nil {
			t.Fatal(err)
		}
	}
	if names, _ := c.ServerNames(ctx, []string{newID, "stale"}); names[newID] == "" {
		t.Errorf("%s unnamed a minute after the lists had it", newID)
	}
	if n := brief.Load(); n != 0 {
		t.Fatalf("%d brief lists while the lists were kept up to date", n)
	}
	// No list for a minute: an unnamed ID asks Nova's brief list.
	now = now.Add(ServerNamesEvery)
	if names, _ := c.ServerNames(ctx, []string{"late"}); names["late"] != "late-1" || brief.Load() != 1 {
		t.Errorf("lists a minute old: names %v, %d brief lists, want late-1 from one", names, brief.Load())
	}
}

// briefServers serves Nova's brief server list (/servers) with these
// servers, and counts the lists asked.
func briefServers(f *fakeCloud, servers ...any) *atomic.Int32 {
	var n atomic.Int32
	f.on("GET /compute/v2.1/servers", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 200, map[string]any{"servers": append([]any{}, servers...)})
	})
	return &n
}
