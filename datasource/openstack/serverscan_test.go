package openstack

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// decodeReference decodes a page the way encoding/json does it.
func decodeReference(t *testing.T, body []byte) ([]Server, []serverLink) {
	t.Helper()
	var p serverPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("reference decode: %v", err)
	}
	var ss []Server
	for i := range p.Servers {
		ss = append(ss, p.Servers[i].toServer())
	}
	var ls []serverLink
	for _, l := range p.Links {
		ls = append(ls, serverLink{Rel: l.Rel, Href: l.Href})
	}
	return ss, ls
}

const scanServers = `{"servers": [
 {"id": "a1", "name": "web-1", "status": "ACTIVE", "tenant_id": "p1", "user_id": "u1",
  "metadata": {"role": "web", "é-key": "v\u00e9"}, "hostId": "h", "image": {"id": "img-1", "links": [{"rel": "bookmark", "href": "x"}]},
  "flavor": {"vcpus": 2, "ram": 4096, "disk": 20, "ephemeral": 0, "swap": 0, "original_name": "m1.medium", "extra_specs": {}},
  "created": "2026-01-02T03:04:05Z", "updated": "2026-01-03T03:04:05Z",
  "addresses": {"net-b": [{"version": 4, "addr": "10.0.0.2", "OS-EXT-IPS:type": "fixed"}], "net-a": [{"addr": "10.1.0.2"}, {"addr": "fd00::2", "version": 6}]},
  "links": [{"rel": "self", "href": "http://x/servers/a1"}], "OS-DCF:diskConfig": "MANUAL",
  "OS-EXT-AZ:availability_zone": "nova", "key_name": null, "OS-SRV-USG:launched_at": "2026-01-02T03:04:08.000000",
  "OS-SRV-USG:terminated_at": null, "OS-EXT-SRV-ATTR:host": "cmp1", "OS-EXT-SRV-ATTR:hypervisor_hostname": "cmp1.example",
  "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
  "os-extended-volumes:volumes_attached": [{"id": "v1", "delete_on_termination": false}, {"id": "v2"}],
  "locked": false, "progress": 0, "tags": [], "description": null, "accessIPv4": "", "config_drive": "",
  "security_groups": [{"name": "default"}, {"name": "default"}, {"name": "ssh"}]},
 {"id": "b2", "name": "caf\u00e9 \"quoted\" \\ tab\t", "status": "ERROR", "tenant_id": "p2", "user_id": "u1",
  "metadata": {}, "image": "", "flavor": {"id": "f1", "links": []},
  "created": "2026-01-02T03:04:05Z", "updated": "2026-01-04T03:04:05Z", "addresses": {},
  "OS-EXT-STS:vm_state": "error", "OS-EXT-STS:power_state": 0, "OS-EXT-STS:task_state": "deleting",
  "fault": {"message": "No valid host", "code": 500, "created": "2026-01-04T03:04:05Z", "details": "trace\nback"},
  "locked": true, "key_name": "ops", "security_groups": null},
 {"id": "c3", "name": "日本語-vm", "status": "DELETED", "tenant_id": "p1", "metadata": null, "image": null,
  "flavor": null, "addresses": null, "os-extended-volumes:volumes_attached": [], "fault": null,
  "OS-EXT-STS:power_state": null, "nested": {"a": [1, -2.5e3, true, false, null, {"b": "c"}]}},
 {"id": "d4", "name": "second-fault", "status": "ERROR", "fault": {"message": "other", "code": 400}}
], "servers_links": [{"rel": "next", "href": "http://x/v2.1/servers/detail?marker=d4&limit=4"}]}`

// The lean reader gives what encoding/json gives, escapes, nulls, unicode,
// nested unknown fields and reused per-server state included.
func TestScanServerPageMatchesJSON(t *testing.T) {
	want, wantLinks := decodeReference(t, []byte(scanServers))
	got, links, ok := scanServerPage([]byte(scanServers), 0)
	if !ok {
		t.Fatal("scan gave up on a valid page")
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("server %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("got %d servers, want %d", len(got), len(want))
	}
	if !reflect.DeepEqual(links, wantLinks) {
		t.Fatalf("links %+v, want %+v", links, wantLinks)
	}
	if got[1].Fault != "No valid host" || got[3].Fault != "other" || got[3].FaultCode != 400 || got[0].ImageID != "img-1" {
		t.Fatalf("fields lost: %+v", got)
	}
}

// Whatever the reader does not expect, it leaves to encoding/json (which
// may then report the page as malformed).
func TestScanServerPageGivesUp(t *testing.T) {
	for _, body := range []string{
		`{"servers": [{"id": "a", "OS-EXT-STS:power_state": "1"}]}`,
		`{"servers": [{"id": 5}]}`,
		`{"servers": [{"id": "a", "OS-EXT-STS:power_state": 1.5}]}`,
		`{"servers": [{"id": "a"}]`,
		`{"servers": [{"id": "a"}]} trailing`,
		`{"servers": [{"id": "a" "name": "b"}]}`,
		`{"servers": [{"id": "a", "image": {"id": 7}}]}`,
		`{"servers": [{"id": "a", "locked": "yes"}]}`,
		// What encoding/json refuses: numbers outside JSON's grammar, an
		// escape JSON has not, nesting past its 10,000 levels.
		`{"servers": [{"id": "a", "OS-EXT-STS:power_state": 01}]}`,
		`{"servers": [{"id": "a", "progress": 1.}]}`,
		`{"servers": [{"id": "a", "progress": -}]}`,
		`{"servers": [{"id": "a", "description": "\q"}]}`,
		`{"servers": [{"id": "a", "tags": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]}`,
		`[]`,
	} {
		if _, _, ok := scanServerPage([]byte(body), 0); ok {
			t.Errorf("scan accepted %s", body)
		}
	}
	// A page the reader refuses still decodes through encoding/json.
	j := &pageJob{done: make(chan struct{})}
	j.decode([]byte(`{"servers": [{"id": "a", "name": "x", "flavor": {"id": "f", "vcpus": 1.0e0}}]}`), make(chan struct{}, 1))
	if j.err == nil {
		t.Fatal("a float vcpus decoded without error")
	}
	j = &pageJob{done: make(chan struct{})}
	j.decode([]byte(`{"servers": [{"id": "a", "name": "x\u00e9", "extra": {"k": [1,2]}}]}`), make(chan struct{}, 1))
	if j.err != nil || len(j.servers) != 1 || j.servers[0].Name != "xé" {
		t.Fatalf("servers %+v err %v", j.servers, j.err)
	}
}

// Strings the pane keeps are copies, not views of the (2 MB) page.
func TestScanServerPageCopiesKeptStrings(t *testing.T) {
	body := []byte(scanServers)
	got, _, ok := scanServerPage(body, 0)
	if !ok {
		t.Fatal("scan gave up")
	}
	want := got[0]
	want.IPs = append([]string(nil), want.IPs...)
	want.VolumeIDs = append([]string(nil), want.VolumeIDs...)
	for i := range body {
		body[i] = 'X'
	}
	if got[0].ID != "a1" || got[0].Name != "web-1" || got[0].Host != "cmp1" || got[0].Status != "ACTIVE" ||
		!reflect.DeepEqual(got[0].IPs, want.IPs) || !reflect.DeepEqual(got[0].VolumeIDs, want.VolumeIDs) ||
		got[1].Fault != "No valid host" || !strings.HasPrefix(got[0].Networks[0], "net-") {
		t.Fatalf("a string still points into the page: %+v", got[0])
	}
}

// parseTime reads every form OpenStack emits, with or without a zone.
func TestParseTimeForms(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range []string{"2026-01-02T03:04:05Z", "2026-01-02T05:04:05+02:00", "2026-01-01T23:04:05-04:00",
		"2026-01-02T03:04:05.000000", "2026-01-02 03:04:05.000000", "2026-01-02T03:04:05", "2026-01-02 03:04:05", "2026-01-02T03:04:05.000Z"} {
		if got := parseTime(s); !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v", s, got)
		}
	}
	if got := parseTime("yesterday"); !got.IsZero() {
		t.Errorf("parseTime(yesterday) = %v", got)
	}
}

// A page is sized by the limit it was asked with (no count of the page),
// and a page far shorter than its limit keeps no room for the rest.
func TestScanServerPageSizesByLimit(t *testing.T) {
	want, _ := decodeReference(t, []byte(scanServers))
	// Blanks at the end: a page long enough for room for 300 servers.
	body := scanServers + strings.Repeat(" ", 20000)
	for _, c := range []struct{ limit, wantCap int }{{4, 4}, {1000, 4}, {0, 4}, {2, 4}} {
		got, _, ok := scanServerPage([]byte(body), c.limit)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d: ok %v, servers differ from encoding/json's", c.limit, ok)
		}
		if cap(got) != c.wantCap {
			t.Errorf("limit %d: a 4-server page kept room for %d", c.limit, cap(got))
		}
	}
	// A page Nova cut short (its max_limit below the limit asked) but more
	// than half full keeps no room either: entries point into it.
	one := `{"id": "a1", "name": "web-1", "status": "ACTIVE"}`
	page := `{"servers": [` + strings.TrimSuffix(strings.Repeat(one+",", 100), ",") + `]}`
	if got, _, ok := scanServerPage([]byte(page), 180); !ok || len(got) != 100 || cap(got) != 100 {
		t.Errorf("100 servers asked with limit 180: ok %v, %d kept with room for %d", ok, len(got), cap(got))
	}
	for u, want := range map[string]int{
		"http://nova/v2.1/servers/detail?all_tenants=1&limit=1000&marker=x": 1000,
		"http://nova/v2.1/servers/detail?limit=100":                         100,
		"http://nova/v2.1/servers/detail":                                   0,
		"http://nova/v2.1/servers/detail?limit=-3":                          0,
		"http://nova/v2.1/servers/detail?limit=many":                        0,
		"%zz": 0,
	} {
		if got := urlLimit(u); got != want {
			t.Errorf("urlLimit(%q) = %d, want %d", u, got, want)
		}
	}
}

// parseTime's zoneless fast path reads what time.Parse with the old forms
// reads, and gives way on anything time.Parse would refuse.
func TestParseNaiveIsTimeParse(t *testing.T) {
	ref := func(s string) time.Time {
		forms := timeForms
		if !hasZone(s) {
			forms = forms[1:]
		}
		for _, f := range forms {
			if t, err := time.Parse(f, s); err == nil {
				return t.UTC()
			}
		}
		return time.Time{}
	}
	fast := 0
	for _, s := range []string{
		"2026-01-02T03:04:08.000000", "2026-01-02 03:04:08.123456", "2026-01-02T03:04:08", "2026-01-02 03:04:08",
		"2026-01-02T03:04:08.1", "2026-01-02T03:04:08.123456789", "2026-01-02T03:04:08.1234567891234",
		"2024-02-29T23:59:59.999999", "2025-02-29T10:00:00", "2026-04-31T10:00:00", "2026-12-31T23:59:59",
		"2026-13-01T00:00:00", "2026-00-01T00:00:00", "2026-01-00T00:00:00", "2026-01-02T24:00:00",
		"2026-01-02T03:60:00", "2026-01-02T03:04:60", "2026-01-02T03:04:08.", "2026-01-02T03:04:08,5",
		"2026-01-02T03:04:08.12a", "2026-01-02T03:04:08x", "2026-01-02X03:04:08", "2026-1-02T03:04:08",
		"20260102T030408", "2026-01-02", "0000-01-01T00:00:00", "9999-12-31T23:59:59.5", "-026-01-02T03:04:08",
	} {
		want := ref(s)
		if got := parseTime(s); !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseTime(%q) = %v, time.Parse gives %v", s, got, want)
		}
		if _, ok := parseNaive(s); ok {
			fast++
		}
	}
	if fast < 10 {
		t.Errorf("the fast path read %d of the forms Nova sends", fast)
	}
}

// A server's Networks, IPs, VolumeIDs and SecurityGroups share one array:
// each is capped at its own length, so appending to one (a caller's copy)
// never writes over the next.
func TestScanServerListsDoNotShareRoom(t *testing.T) {
	got, _, ok := scanServerPage([]byte(scanServers), 0)
	if !ok {
		t.Fatal("scan gave up")
	}
	s := got[0]
	ips, vols, groups := slices.Clone(s.IPs), slices.Clone(s.VolumeIDs), slices.Clone(s.SecurityGroups)
	_ = append(s.Networks, "x")
	_ = append(s.IPs, "x")
	_ = append(s.VolumeIDs, "x")
	if !slices.Equal(s.IPs, ips) || !slices.Equal(s.VolumeIDs, vols) || !slices.Equal(s.SecurityGroups, groups) {
		t.Fatalf("an append to one list changed the next: %q %q %q", s.IPs, s.VolumeIDs, s.SecurityGroups)
	}
	if len(ips) != 3 || len(vols) != 2 || len(groups) != 2 {
		t.Fatalf("lists %q %q %q", ips, vols, groups)
	}
}

// sizedIndex keeps every entry, and keeps a map that has room already.
func TestSizedIndex(t *testing.T) {
	m := map[string]serverRef{"a": {"h1", "i1", ""}, "b": {"h2", "", ""}}
	got := sizedIndex(m, 1000)
	if !maps.Equal(got, m) {
		t.Fatalf("sizedIndex lost entries: %v", got)
	}
	got["c"] = serverRef{}
	if _, ok := m["c"]; ok {
		t.Fatal("sizedIndex(m, more) is m")
	}
	if got := sizedIndex(m, 1); len(got) != 2 {
		t.Fatalf("sizedIndex(m, fewer) = %v", got)
	}
}

// The word-at-a-time string loops stop exactly at the first byte they
// stop at: every byte value at every place of a word and in the tail too
// short for one, alone and followed by each byte a borrow could flag
// wrongly (a stop's borrow flags bytes above it, never below).
func TestStringStopsAtTheFirstStop(t *testing.T) {
	stops := func(c byte) (text, plain bool) {
		text = c == '"' || c == '\\' || c < 0x20
		return text, text || c >= 0x80
	}
	for c := range 256 {
		for _, next := range []int{-1, 0x00, 0x1f, 0x20, 0x21, '"', '#', '\\', ']', 0x7f, 0x80, 0xff} {
			for at := range 20 {
				b := []byte(strings.Repeat("a", 20))
				b[at] = byte(c)
				if next >= 0 && at+1 < len(b) {
					b[at+1] = byte(next)
				}
				for _, r := range []struct {
					name  string
					stop  func([]byte, int) int
					plain bool
				}{{"textStop", textStop, false}, {"plainStop", plainStop, true}} {
					want := len(b)
					for k := len(b) - 1; k >= 0; k-- {
						if text, plain := stops(b[k]); text || r.plain && plain {
							want = k
						}
					}
					if got := r.stop(b, 0); got != want {
						t.Fatalf("%s(%q) = %d, want %d", r.name, b, got, want)
					}
				}
			}
		}
	}
}

// The page-level cases where the scanner read a page otherwise than
// encoding/json (review of volscan): a second "servers" list (appended:
// servers twice), a list then null, a case variant of a page key, and a
// link's "REL" (the next link lost, and every page after it). It gives up
// on each, or reads what encoding/json reads.
func TestScanServerPageMatchesJSONAtPageLevel(t *testing.T) {
	for _, body := range []string{
		`{"servers": [{"id": "a", "name": "x"}], "servers": [{"id": "b"}]}`,
		`{"servers": [{"id": "a"}], "servers": null}`,
		`{"Servers": [{"id": "a"}]}`,
		`{"servers": [{"id": "a"}], "servers_links": [{"REL": "next", "href": "h"}]}`,
		`{"servers": [{"id": "a"}], "servers_links": [], "servers_links": [{"rel": "next", "href": "h"}]}`,
	} {
		got, links, ok := scanServerPage([]byte(body), 0)
		if !ok {
			continue
		}
		var p struct {
			Servers []novaServer `json:"servers"`
			Links   []serverLink `json:"servers_links"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Errorf("%s: read a page encoding/json refuses", body)
			continue
		}
		if len(got) != len(p.Servers) || len(links) != len(p.Links) || len(links) > 0 && links[0] != p.Links[0] {
			t.Errorf("%s: scanned %d servers, links %+v; encoding/json %d, %+v", body, len(got), links, len(p.Servers), p.Links)
		}
	}
}

// TestScannerPrefixesAndOneByteChanges: no prefix of a page is taken
// (each cut to its length and capacity: a read past its end panics), and a
// page with any one byte changed is either refused or read as
// encoding/json reads it (a review's test of the word-mask string ends).
func TestScannerPrefixesAndOneByteChanges(t *testing.T) {
	body := []byte(scanServers)
	for n := 0; n < len(body); n++ {
		if _, _, ok := scanServerPage(body[:n:n], 0); ok {
			t.Fatalf("accepted a prefix of %d bytes", n)
		}
	}
	for i := range body {
		for _, c := range []byte{'"', '\\', 0, 0x1f, 0x80, 'n', 'u', 'l', ' ', '{', '}', ']', ','} {
			b := append([]byte(nil), body...)
			b[i] = c
			got, _, ok := scanServerPage(b, 0)
			if !ok {
				continue
			}
			var p serverPage
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("accepted what encoding/json refuses at %d=%q: %v", i, c, err)
			}
			var want []Server
			for k := range p.Servers {
				want = append(want, p.Servers[k].toServer())
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("differs from encoding/json at %d=%q", i, c)
			}
		}
	}
}
