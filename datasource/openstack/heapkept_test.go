package openstack

import "runtime"

// heapKept is the heap that what build returns keeps once built (its
// garbage collected): the retained-bytes benchmarks' measure.
func heapKept(build func() any) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	// Twice: a page buffer given back to bodies (or encoding/json's own
	// pool) is the pool's until its second collection, not what build made.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}
