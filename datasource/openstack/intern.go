package openstack

// Memory at scale (issue 15): 50,000 servers share a few dozen hosts,
// projects, users, statuses, flavors and images, and most share their
// metadata. Keeping one copy of each instead of one per server took the
// cockpit's heap at 50k down by about a fifth.

import (
	"encoding/json"
	"strings"
	"sync"

	internpkg "github.com/stackpit/stackpit/internal/intern"
)

// intern returns the canonical copy of s (weak: dropped when unused).
var intern = internpkg.String

// pageIntern interns one page's fields (issue 15: unique.Make was a
// quarter of decoding a 50k list). A value seen before on the page is a
// map lookup; a new one is interned once. A field whose values are mostly
// new on the page (user IDs, when every server has its own) is copied,
// not interned: each new value cost unique.Make a map entry, a weak
// handle and a cleanup, to share nothing.
type pageIntern struct {
	f [internFields]struct {
		m             map[string]string
		calls, misses int
	}
}

// The fields a pageIntern keeps apart.
const (
	fProject = iota
	fUser
	fStatus
	fTask
	fVMState
	fHost
	fHypervisor
	fZone
	fFlavorID
	fFlavorName
	fKeyName
	fImage
	fNetwork
	fSecGroup
	internFields
)

// get returns v (which may be a view of the page) interned, or copied when
// field f's values do not repeat. in may be nil: intern.
func (in *pageIntern) get(f int, v string) string {
	if v == "" {
		return ""
	}
	if in == nil {
		return intern(v)
	}
	c := &in.f[f]
	c.calls++
	if s, ok := c.m[v]; ok {
		return s
	}
	c.misses++
	if c.misses > 32 && c.misses*2 > c.calls {
		return strings.Clone(v)
	}
	s := intern(v)
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[s] = s
	return s
}

// metaCache shares the decoded metadata maps of servers whose metadata is
// byte for byte the same. Maps from it are shared: read only, like every
// Server a list returns.
var metaCache struct {
	sync.Mutex
	m map[string]map[string]string
}

// metaCacheMax bounds the cache: past it, metadata is decoded per server.
const metaCacheMax = 4096

// decodeMetadata decodes a server's "metadata" object; nil when empty.
func decodeMetadata(raw json.RawMessage) map[string]string {
	if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
		return nil
	}
	metaCache.Lock()
	cached, ok := metaCache.m[string(raw)]
	metaCache.Unlock()
	if ok {
		return cached
	}
	// Its own variable: the one Unmarshal is given moves to the heap, an
	// allocation per server even when the cache has the map.
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return nil
	}
	shared := make(map[string]string, len(m))
	for k, v := range m {
		shared[intern(k)] = intern(v)
	}
	metaCache.Lock()
	if metaCache.m == nil {
		metaCache.m = map[string]map[string]string{}
	}
	if len(metaCache.m) < metaCacheMax {
		metaCache.m[string(raw)] = shared
	}
	metaCache.Unlock()
	return shared
}
