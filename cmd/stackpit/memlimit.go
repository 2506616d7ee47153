package main

import (
	"os"
	"runtime/debug"
)

// softMemoryLimit complements a small live heap (issue 15, RSS at 50,000
// servers): the cockpit keeps ~100 MiB live at 50k, and Go's default GC
// lets the heap reach twice the live heap before collecting, so RSS sat
// near 300 MiB. Near this limit the collector runs sooner instead. It is
// soft: a bigger live heap (a bigger cloud) goes past it, with the GC's
// CPU share capped by the runtime, rather than failing.
const softMemoryLimit = 200 << 20

// setMemoryLimit applies softMemoryLimit unless GOMEMLIMIT (Go's own
// setting) is set, or the demo cloud runs in this process (its heap is not
// the cockpit's).
func setMemoryLimit(inProcessDemo bool) {
	if inProcessDemo || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(softMemoryLimit)
}
