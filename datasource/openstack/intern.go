package openstack

// Memory at scale (issue 15): 50,000 servers share a few dozen hosts,
// projects, users, statuses, flavors and images, and most share their
// metadata. Keeping one copy of each instead of one per server took the
// cockpit's heap at 50k down by about a fifth.

import (
	"encoding/json"
	"sync"
	"unique"
)

// intern returns the canonical copy of s (weak: dropped when unused).
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
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
	m, ok := metaCache.m[string(raw)]
	metaCache.Unlock()
	if ok {
		return m
	}
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
