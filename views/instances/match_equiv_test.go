package instances

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/views/filter"
)

// The entry's matcher, which reads a lower-case ID or image ID from the
// server instead of its filter text, agrees with filter.Query.Match on
// separately lower-cased fields for IDs of every case, non-ASCII and
// invalid UTF-8, and the ID column sorts on the lower-cased ID (review of
// rss1k3).
func TestIDFieldsMatchLikeLowerCasedFields(t *testing.T) {
	ids := []string{"", "3f2a9c10-aaaa-4bbb-8ccc-0123456789ab", "3F2A9C10-DDDD-4EEE-8FFF-0123456789AB", "MiXeD-id", "é-id", "É-ID", "\xff-bad", "a\xffB",
		"İstanbul", "ǅ-title", "k-kelvin-\u212a", "web-1", "compute01"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, id := range ids {
		for _, img := range ids {
			s := openstack.Server{ID: id, Name: "web-1", ImageID: img, Host: "compute01", Status: "ACTIVE", PowerState: 1}
			e := newEntry(s, t0, nil)
			ref := map[string]string{}
			fs := e.fieldSet()
			for i, name := range fieldNames {
				ref[name] = fs[i]
			}
			ref["id"], ref["image"] = strings.ToLower(id), strings.ToLower(img)
			if e.SortKey(colID) != strings.ToLower(id) {
				t.Errorf("sort key %q for %q", e.SortKey(colID), id)
			}
			var qs []string
			for _, v := range []string{strings.ToLower(id), strings.ToLower(img), id, img} {
				for k := 0; k < 6 && len(v) > 0; k++ {
					a := rng.IntN(len(v))
					b := a + rng.IntN(len(v)-a) + 1
					sub := v[a:b]
					qs = append(qs, sub, "id:"+sub, "image:"+sub, "id="+v, "image="+v, "!"+sub, sub+"*", "*"+sub+"*", "id:*"+sub+"*", "web "+sub)
				}
			}
			qs = append(qs, "id=", "image=", "id:", "!id:x", "*", "?")
			for _, q := range qs {
				fq := filter.Parse(q)
				if got, want := compile(fq).matchEntry(e), fq.Match(ref); got != want {
					t.Errorf("id %q img %q: %q matcher %v, reference %v", id, img, q, got, want)
				}
			}
		}
	}
}
