package demo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The hand-written volume lists say what renderVolume's maps said through
// encoding/json, at each microversion, page by page (the next link's
// marker is the page's last volume), the summary list too.
func TestVolumeListsMatchTheMapRendering(t *testing.T) {
	e := startCloud(t, Options{Instances: 120, FailAfter: -1})
	s := e.c.Story
	var proj string
	s.Lock(func() {
		proj = s.Projects[0].ID
		vs := cinderFor(s).volumes(s)
		vs[0].Name = "a \"quoted\" <name> \\ é\n\u2028"
		vs[1].MigStatus = "migrating"
		vs[2].Host = ""
	})
	for _, mv := range []string{"3.0", "3.48", "3.63", "3.64", "3.69", "3.70"} {
		for _, detail := range []bool{true, false} {
			var got []any
			path := "/v3/" + proj + "/volumes?all_tenants=1&limit=35"
			if detail {
				path = "/v3/" + proj + "/volumes/detail?all_tenants=1&limit=35"
			}
			pages := 0
			for path != "" {
				code, raw := e.cinderDo("GET", path, mv, nil)
				if code != 200 {
					t.Fatalf("%s %s: %d %s", mv, path, code, raw)
				}
				var body struct {
					Volumes []any `json:"volumes"`
					Links   []struct {
						Rel, Href string
					} `json:"volumes_links"`
				}
				if err := json.Unmarshal([]byte(raw), &body); err != nil {
					t.Fatalf("%s: %v\n%s", mv, err, raw)
				}
				pages++
				got = append(got, body.Volumes...)
				path = ""
				if len(body.Links) > 0 {
					last := body.Volumes[len(body.Volumes)-1].(map[string]any)["id"].(string)
					if body.Links[0].Rel != "next" || !strings.Contains(body.Links[0].Href, "marker="+last) {
						t.Fatalf("%s: link %+v after %s", mv, body.Links, last)
					}
					path = strings.TrimPrefix(body.Links[0].Href, e.c.URLs["cinder"])
				}
			}
			var want []any
			s.Lock(func() {
				c := &cinder{c: e.c}
				for _, v := range cinderFor(s).volumes(s) {
					var m any = map[string]any{"id": v.ID, "name": nullable(v.Name)}
					if detail {
						m = c.renderVolume(s, v, parseMV(t, mv))
					}
					b, _ := json.Marshal(m)
					var x any
					_ = json.Unmarshal(b, &x)
					want = append(want, x)
				}
			})
			if pages < 3 || len(got) != len(want) {
				t.Fatalf("%s detail %v: %d volumes in %d pages, want %d", mv, detail, len(got), pages, len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s detail %v: volume %d\ngot  %v\nwant %v", mv, detail, i, got[i], want[i])
				}
			}
		}
	}
}

func parseMV(t *testing.T, s string) microversion {
	t.Helper()
	mv, ok := parseMicroversion(s)
	if !ok {
		t.Fatalf("microversion %q", s)
	}
	return mv
}
