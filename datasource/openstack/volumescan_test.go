package openstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeVolumesReference decodes a page the way encoding/json does it
// (what VolumesSince did before the scanner).
func decodeVolumesReference(body []byte) ([]Volume, []serverLink, error) {
	var p volumePage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, nil, err
	}
	vs := make([]Volume, len(p.Volumes))
	for i := range p.Volumes {
		vs[i] = p.Volumes[i].toVolume()
	}
	return vs, p.Links, nil
}

// checkVolumeScan: when the scanner reads body, it reads what
// encoding/json reads, and encoding/json takes the page. scanned says
// whether it read it.
func checkVolumeScan(t *testing.T, name string, body []byte) (scanned bool) {
	t.Helper()
	want, wantLinks, err := decodeVolumesReference(body)
	got, links, ok := scanVolumePage(body, 0)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%s: the scanner read a page encoding/json refuses (%v):\n%s", name, err, body)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: volume %d:\n got %+v\nwant %+v", name, i, got[i], want[i])
			}
		}
		t.Fatalf("%s: %d volumes, encoding/json %d:\n%s", name, len(got), len(want), body)
	}
	if !reflect.DeepEqual(links, wantLinks) {
		t.Fatalf("%s: links %#v, encoding/json %#v", name, links, wantLinks)
	}
	return true
}

// cinderDetailPage is a page shaped as Cinder's API reference shows
// GET /volumes/detail at 3.69 (every key it writes, nulls where a new
// volume has them, nested links and metadata), indented, with an
// attached volume and a migrating one; the values are made up.
const cinderDetailPage = `{
    "volumes": [
        {
            "attachments": [],
            "availability_zone": "nova",
            "bootable": "false",
            "consistencygroup_id": null,
            "created_at": "2026-11-28T06:25:15.288987",
            "description": null,
            "encrypted": false,
            "id": "0b7e3a4c-3f2e-4d5a-9c1b-6a7e8f9d0c1b",
            "links": [
                {
                    "href": "http://127.0.0.1:8776/v3/5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b/volumes/0b7e3a4c-3f2e-4d5a-9c1b-6a7e8f9d0c1b",
                    "rel": "self"
                },
                {
                    "href": "http://127.0.0.1:8776/5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b/volumes/0b7e3a4c-3f2e-4d5a-9c1b-6a7e8f9d0c1b",
                    "rel": "bookmark"
                }
            ],
            "metadata": {},
            "migration_status": null,
            "multiattach": false,
            "name": null,
            "os-vol-host-attr:host": null,
            "os-vol-mig-status-attr:migstat": null,
            "os-vol-mig-status-attr:name_id": null,
            "os-vol-tenant-attr:tenant_id": "5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b",
            "replication_status": null,
            "size": 10,
            "snapshot_id": null,
            "source_volid": null,
            "status": "creating",
            "updated_at": null,
            "user_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "volume_type": "__DEFAULT__",
            "volume_type_id": "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
            "provider_id": null,
            "group_id": null,
            "service_uuid": null,
            "shared_targets": null,
            "cluster_name": null,
            "consumes_quota": true
        },
        {
            "attachments": [
                {
                    "server_id": "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f",
                    "attachment_id": "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a",
                    "attached_at": "2026-11-28T06:30:01.000000",
                    "host_name": "compute-0-3",
                    "volume_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "device": "/dev/vdb",
                    "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
                }
            ],
            "availability_zone": "nova",
            "bootable": "true",
            "created_at": "2026-11-28T06:29:15.000000",
            "description": "boot disk of db-1",
            "encrypted": true,
            "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "links": [{"href": "http://127.0.0.1:8776/v3/p/volumes/1c2d", "rel": "self"}],
            "metadata": {"readonly": "False", "attached_mode": "rw"},
            "volume_image_metadata": {"image_id": "i-1", "min_ram": "0", "checksum": "abc", "size": "41126400"},
            "migration_status": "migrating",
            "multiattach": false,
            "name": "db-1-root",
            "os-vol-host-attr:host": "control01@rbd-1#rbd",
            "os-vol-mig-status-attr:migstat": "migrating",
            "os-vol-mig-status-attr:name_id": null,
            "os-vol-tenant-attr:tenant_id": "5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b",
            "replication_status": "disabled",
            "size": 40,
            "snapshot_id": null,
            "source_volid": null,
            "status": "in-use",
            "updated_at": "2026-11-28T07:00:00.123456",
            "user_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "volume_type": "rbd-ssd",
            "group_id": null,
            "provider_id": null,
            "service_uuid": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
            "shared_targets": true,
            "cluster_name": null,
            "consumes_quota": true
        }
    ],
    "volumes_links": [
        {
            "href": "http://127.0.0.1:8776/v3/p/volumes/detail?all_tenants=1&limit=2&marker=1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "rel": "next"
        }
    ]
}
`

// oneVolumePage is a page of one volume with extra text in its object.
func oneVolumePage(extra string) string {
	return `{"volumes": [{"id": "v1", "name": "n1", "status": "available", "size": 1` + extra + `}]}`
}

// Odd pages the scanner reads, as encoding/json reads them.
var volumeScanPages = map[string]string{
	"cinder's shape": cinderDetailPage,
	"empty object":   `{}`,
	"null document":  `null`,
	"no volumes":     `{"volumes": []}`,
	"null volumes":   `{"volumes": null, "volumes_links": null}`,
	"no links":       `{"volumes": [{"id": "a"}]}`,
	"empty links":    `{"volumes": [{"id": "a"}], "volumes_links": []}`,
	"links first":    ` {"volumes_links": [{"rel": "next", "href": "h", "x": 1}, null, {}], "volumes": [{"id": "a"}]} `,
	"a null volume":  `{"volumes": [null, {"id": "b"}, {}]}`,
	"nulls": `{"volumes": [{"id": null, "name": null, "status": null, "size": null, "volume_type": null,
		"os-vol-host-attr:host": null, "os-vol-tenant-attr:tenant_id": null, "migration_status": null,
		"os-vol-mig-status-attr:migstat": null, "updated_at": null, "attachments": null}]}`,
	"null attachments": `{"volumes": [{"id": "a", "attachments": [null, {"server_id": null, "device": "/dev/vdc"}]}]}`,
	"missing fields":   `{"volumes": [{"id": "a"}, {"status": "error"}, {"size": 3}]}`,
	"migstat alone":    oneVolumePage(`, "migration_status": null, "os-vol-mig-status-attr:migstat": "starting"`),
	"migration first":  oneVolumePage(`, "migration_status": "success", "os-vol-mig-status-attr:migstat": "starting"`),
	"extra nested": oneVolumePage(`, "metadata": {"a": {"b": [1, 2.5, -3e-2, 0, -0, 1E+9, true, false, null, "s", {}, []]}},
		"volume_image_metadata": {"x": "\u00e9\n\"q\""}, "links": [[[]]], "n": -12.5e3, "t": true, "f": false, "z": null`),
	"escapes": oneVolumePage(`, "name": "tab\there \"quoted\" back\\slash \/ \u0041\u00e9\ud83d\ude00",
		"volume_type": "caf\u00e9", "os-vol-host-attr:host": "h\u0040b#p"`),
	"unicode":           oneVolumePage(`, "name": "日本語-ボリューム", "os-vol-host-attr:host": "contrôle@rbd#p", "status": "ünknown"`),
	"invalid utf-8":     oneVolumePage(", \"name\": \"a\xff\xfeb\", \"x\": \"\xc3\""),
	"lone surrogate":    oneVolumePage(`, "name": "a\ud800b"`),
	"escaped key":       oneVolumePage(`, "n\u0061me": "escaped", "st\u0061tus": "in-use", "\u00e9": 1`),
	"non-ASCII key":     oneVolumePage(`, "名前": "x", "ñame": "y"`),
	"duplicate scalars": oneVolumePage(`, "name": "first", "name": "second", "size": 7, "size": null, "status": "a", "status": null`),
	"size forms":        `{"volumes": [{"size": -0}, {"size": 0}, {"size": -5}, {"size": 9223372036854775807}]}`,
	"attachments": oneVolumePage(`, "attachments": [{"id": "x", "attachment_id": "a1", "server_id": "s1", "host_name": "c1", "device": "/dev/vdb",
		"attached_at": "2026-01-01T00:00:00.000000", "volume_id": "v1"}, {"attachment_id": "a2", "attachment_id": "a3", "server_id": "s2"}, {}]`),
	"empty attachments": oneVolumePage(`, "attachments": []`),
	"times": `{"volumes": [{"updated_at": "2026-12-06T10:00:00"}, {"updated_at": "2026-12-06T10:00:00Z"},
		{"updated_at": "2026-12-06T10:00:00.5+02:00"}, {"updated_at": "yesterday"}, {"updated_at": ""}]}`,
	"blanks":         "\t\r\n {\r\n\"volumes\"\t:\n[ { \"id\" : \"a\" , \"size\" : 2 } , { } ] , \"volumes_links\" : [ ] } \n",
	"other top keys": `{"count": 3, "volumes": [{"id": "a"}], "volumes_links": [], "extra": {"volumes": [1]}}`,
}

// Pages the scanner must give to encoding/json, which decodes some (keys
// it matches case-insensitively, a list given twice) and refuses others.
var volumeScanGiveUps = map[string]string{
	"ID":                     oneVolumePage(`, "ID": "upper"`),
	"Status":                 oneVolumePage(`, "Status": "error"`),
	"long s":                 oneVolumePage(`, "\u017ftatus": "error"`),
	"long s unescaped":       oneVolumePage(`, "ſize": 3`),
	"long s in a page key":   `{"volumeſ": [{"id": "a"}]}`,
	"upper attachment key":   oneVolumePage(`, "attachments": [{"Server_ID": "s"}]`),
	"upper link key":         `{"volumes": [], "volumes_links": [{"REL": "next", "href": "h"}]}`,
	"upper page key":         `{"Volumes": [{"id": "a"}]}`,
	"volumes twice":          `{"volumes": [{"id": "a", "name": "n"}], "volumes": [{"id": "b"}]}`,
	"links twice":            `{"volumes_links": [{"rel": "next"}], "volumes_links": [{"href": "h"}]}`,
	"attachments twice":      oneVolumePage(`, "attachments": [{"server_id": "s", "device": "d"}], "attachments": [{"server_id": "t"}]`),
	"float size":             oneVolumePage(`, "size": 1.5`),
	"exponent size":          oneVolumePage(`, "size": 1e2`),
	"string size":            oneVolumePage(`, "size": "5"`),
	"huge size":              oneVolumePage(`, "size": 99999999999999999999`),
	"leading zero size":      oneVolumePage(`, "size": 01`),
	"leading zero skipped":   oneVolumePage(`, "x": 01`),
	"bare minus":             oneVolumePage(`, "x": -`),
	"dot number":             oneVolumePage(`, "x": 1.`),
	"exponent without digit": oneVolumePage(`, "x": 1e`),
	"plus number":            oneVolumePage(`, "x": +1`),
	"number name":            oneVolumePage(`, "name": 5`),
	"object status":          oneVolumePage(`, "status": {}`),
	"bad escape":             oneVolumePage(`, "x": "a\qb"`),
	"short unicode escape":   oneVolumePage(`, "x": "a\u12"`),
	"control byte":           oneVolumePage(", \"x\": \"a\tb\""),
	"deep":                   oneVolumePage(`, "x": ` + strings.Repeat("[", 200) + strings.Repeat("]", 200)),
	"deeper than json takes": oneVolumePage(`, "x": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001)),
	"volume not an object":   `{"volumes": [1]}`,
	"volumes an object":      `{"volumes": {}}`,
	"cut":                    `{"volumes": [{"id": "a"`,
	"trailing":               `{"volumes": []} x`,
	"two documents":          `{"volumes": []}{}`,
	"array document":         `[]`,
	"missing comma":          `{"volumes": [{"id": "a" "name": "b"}]}`,
	"trailing comma":         `{"volumes": [{"id": "a",}]}`,
	"nul":                    oneVolumePage(`, "x": nul`),
	"truth":                  oneVolumePage(`, "x": truth`),
}

// The scanner reads what encoding/json reads: Cinder's shape, the
// demo's test pages, and odd pages (nulls, escapes, unicode, duplicate
// keys, empty and missing lists).
func TestScanVolumePageMatchesJSON(t *testing.T) {
	pages := map[string][]byte{"volumePageJSON 30": volumePageJSON(t, 30), "volumePageJSON 0": volumePageJSON(t, 0)}
	for name, body := range volumeScanPages {
		pages[name] = []byte(body)
	}
	for name, body := range pages {
		if !checkVolumeScan(t, name, body) {
			_, _, err := decodeVolumesReference(body)
			t.Errorf("%s: the scanner gave up (encoding/json: %v)", name, err)
		}
	}
}

// What the scanner does not expect, it leaves to encoding/json; through
// the decoder, the page is then what encoding/json makes of it, or
// encoding/json's error.
func TestScanVolumePageGivesUp(t *testing.T) {
	for name, body := range volumeScanGiveUps {
		if _, _, ok := scanVolumePage([]byte(body), 0); ok {
			t.Errorf("%s: the scanner read %s", name, body)
		}
		want, _, wantErr := decodeVolumesReference([]byte(body))
		dec := volumeDecoder{limit: 1000}
		got, err := dec.page(strings.NewReader(body))
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, encoding/json's %v", name, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %+v, encoding/json %+v", name, got, want)
		}
	}
	// Case-variant keys are read as encoding/json reads them.
	got, err := (&volumeDecoder{}).page(strings.NewReader(volumeScanGiveUps["Status"]))
	if err != nil || len(got) != 1 || got[0].Status != "error" {
		t.Fatalf("a page with \"Status\": %+v %v", got, err)
	}
}

// The scanner reads exactly the keys encoding/json decodes into the
// page's wire structs (a field added to one and not to the scanner fails
// here).
func TestVolumeScanKeysAreTheWireStructs(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if tag := rt.Field(i).Tag.Get("json"); tag != "" {
				out = append(out, strings.Split(tag, ",")[0])
			}
		}
		return out
	}
	for _, c := range []struct {
		wire any
		keys []string
	}{{volumePage{}, volumePageKeys}, {cinderVolume{}, volumeKeys}, {cinderAttachment{}, volumeAttachKeys}, {serverLink{}, linkKeys}} {
		if got := tags(c.wire); !reflect.DeepEqual(got, c.keys) {
			t.Errorf("%T decodes %q, the scanner reads %q", c.wire, got, c.keys)
		}
	}
}

// Strings a volume keeps are copies, not views of the page, whose buffer
// is recycled for the next page.
func TestScanVolumePageCopiesKeptStrings(t *testing.T) {
	body := []byte(cinderDetailPage)
	got, links, ok := scanVolumePage(body, 0)
	if !ok || len(got) != 2 || len(got[1].Attachments) != 1 || len(links) != 1 {
		t.Fatalf("scan: ok %v, %+v", ok, got)
	}
	want, wantLinks, err := decodeVolumesReference(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'X'
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(links, wantLinks) {
		t.Fatalf("a string still points into the page:\n%+v\n%+v", got, links)
	}
	v := got[1]
	if v.ID != "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f" || v.Name != "db-1-root" || v.Status != "in-use" || v.Type != "rbd-ssd" ||
		v.Host != "control01@rbd-1#rbd" || v.MigrationStatus != "migrating" || v.Attachments[0].HostName != "compute-0-3" ||
		v.Attachments[0].Device != "/dev/vdb" || links[0].Rel != "next" {
		t.Fatalf("fields lost: %+v %+v", v, links)
	}
}

// A page is sized by its limit; a page far shorter keeps no room.
func TestScanVolumePageSizesByLimit(t *testing.T) {
	body := volumePageJSON(t, 10)
	for _, limit := range []int{0, 10, 1000} {
		got, _, ok := scanVolumePage(body, limit)
		if !ok || len(got) != 10 || cap(got) != 10 {
			t.Errorf("limit %d: ok %v, %d volumes with room for %d", limit, ok, len(got), cap(got))
		}
	}
}

// Through VolumesSince: a page with a case-variant key is read as
// encoding/json reads it, and a malformed one is a MalformedError.
func TestVolumesSinceScannedOrNot(t *testing.T) {
	f := newFakeCloud(t, "2.88")
	vols := []map[string]any{cinderVolumeJSON("0000-vol", "available", ""), cinderVolumeJSON("0001-vol", "in-use", "srv-1")}
	delete(vols[1], "status")
	vols[1]["Status"] = "detaching"
	cf := f.withCinder(t, "3.70", vols)
	c := f.client(t, false)
	c.PageSize = 1
	got, err := c.Volumes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Status != "available" || got[1].Status != "detaching" || len(got[1].Attachments) != 1 {
		t.Fatalf("volumes %+v", got)
	}
	cf.mu.Lock()
	vols[1]["size"] = 1.5
	cf.mu.Unlock()
	var me *MalformedError
	if _, err := c.Volumes(context.Background()); !errors.As(err, &me) || me.Service != "cinder" {
		t.Fatalf("a page with a size of 1.5: %v, want a MalformedError", err)
	}
}

// When the scanner reads a page, it reads what encoding/json reads.
func FuzzScanVolumePage(f *testing.F) {
	for _, body := range volumeScanPages {
		f.Add([]byte(body))
	}
	for _, body := range volumeScanGiveUps {
		f.Add([]byte(body))
	}
	f.Add(volumePageJSON(f, 3))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkVolumeScan(t, "fuzzed page", body)
	})
}

// A page read the way VolumesSince reads it (decodeBody, with the
// decoder as its pageDecoder) goes through the scanner: far fewer
// allocations than encoding/json's decode of the same page (review of
// volscan: removing the hook from decodeBody failed no test). An
// allocation count, not a time.
func TestVolumePagesGoThroughTheScanner(t *testing.T) {
	page := volumePageJSON(t, 1000)
	scanned := testing.AllocsPerRun(3, func() {
		d := volumeDecoder{limit: 1000}
		if vs, err := d.page(bytes.NewReader(page)); err != nil || len(vs) != 1000 {
			t.Fatalf("%d volumes, %v", len(vs), err)
		}
	})
	decoded := testing.AllocsPerRun(3, func() {
		var p volumePage
		if err := json.Unmarshal(page, &p); err != nil {
			t.Fatal(err)
		}
	})
	if scanned*2 > decoded {
		t.Fatalf("%.0f allocations a page read as VolumesSince reads it, %.0f for encoding/json's: not scanned", scanned, decoded)
	}
}
