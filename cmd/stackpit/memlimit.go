package main

import (
	"os"
	"runtime/debug"
)

// gcPercent complements a small live heap (issue 15, RSS at 50,000
// servers): the cockpit keeps ~100 MiB live at 50k, and Go's default
// (GOGC=100) lets the heap reach twice the live heap before collecting, so
// RSS sat at 250-300 MiB. At 60 the heap may grow 60% past the live heap:
// RSS ~205 MiB at 50k, for collections a little more often. A percentage
// rather than a memory limit: a bigger cloud gets a bigger heap, never a
// collector running flat out near a fixed limit (a 200 MiB soft limit,
// tried first, did that during a 50k load).
const gcPercent = 60

// setMemoryLimit applies gcPercent unless GOGC or GOMEMLIMIT (Go's own
// settings) is set, or the demo cloud runs in this process (its heap is
// not the cockpit's).
func setMemoryLimit(inProcessDemo bool) {
	if inProcessDemo || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
}
