package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// gcPercent complements a small live heap (issue 15, RSS at 50,000
// servers): the cockpit keeps ~100 MiB live at 50k (~150 on 1,000 hosts),
// and Go's default (GOGC=100) lets the heap reach twice the live heap
// before collecting, so RSS sat at 250-300 MiB. At 60 the heap may grow
// 60% past the live heap. 40 was measured too (RSS at 50,000 servers on
// 1,000 hosts ~293 -> ~265 MiB) and not kept: a steady minute with every
// pane loaded went from 12 to 24 collections, ~2 s more CPU, each marking
// ~160 MB beside the keys of a 2-core jump host. A percentage rather than
// a fixed memory limit: a bigger cloud gets a bigger heap, never a
// collector running flat out near a fixed limit (a 200 MiB soft limit,
// tried first, did that during a 50k load).
const gcPercent = 60

// The soft memory limit follows the live heap: never below memLimitFloor,
// else limitRatio times the live heap after the last collection. What it
// changes is the memory Go keeps from its high-water mark (the 50k first
// load) and, on a big cloud, how far the heap grows between collections:
// at 50,000 servers on 1,000 hosts (~133 MiB live) RSS was 246-264 MiB
// under a 1.75x limit with a 235 MiB floor, and 213-223 under 1.5x with a
// 200 MiB floor (issue 15's budget: 250), for 14 collections in two
// minutes instead of 9-13. 1.5x still leaves the heap a third of its
// live size to grow in (the limit counts stacks and the runtime's own
// memory too, ~15-25 MiB), so the collector never runs flat out near it;
// a small cloud (40 hosts: ~100 MiB live) stays under the floor and
// collects at GOGC=60 as before.
const (
	memLimitFloor = 200 << 20
	limitRatio    = 1.5
)

// limitFor is the soft memory limit for a live heap of live bytes.
func limitFor(live uint64) int64 {
	return max(memLimitFloor, int64(float64(live)*limitRatio))
}

// setMemoryLimit applies gcPercent and the soft memory limit unless GOGC
// or GOMEMLIMIT (Go's own settings) is set, or the demo cloud runs in this
// process (its heap is not the cockpit's: Go's default GOGC, but the
// first load's lighter collector, from now, so the demo's 50,000
// instances are made under it too).
func setMemoryLimit(inProcessDemo bool) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if inProcessDemo {
		afterFirstLoad.Store(100)
		relax()
		time.AfterFunc(firstLoadGCMax, unrelax) // serve: no first load of its own
		return
	}
	afterFirstLoad.Store(gcPercent)
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memLimitFloor)
	limitOn.Store(true)
	followOnce.Do(func() { afterGC(followLive) })
}

var (
	limitOn    atomic.Bool // tests turn the limit off again
	followOnce sync.Once
	// afterFirstLoad is the GC percent the first load's end puts back
	// (0: GOGC or GOMEMLIMIT set, the first load changes nothing).
	afterFirstLoad atomic.Int32
)

// followLive moves the limit to the live heap the last collection left.
func followLive() {
	if !limitOn.Load() {
		return
	}
	if c := gcCycles(); c >= ownGCFrom.Load() && c <= ownGCTo.Load() {
		return // the program's own collection, not the limit's
	}
	gcMu.Lock()
	if relaxed.CompareAndSwap(true, false) {
		// The first load reached firstLoadLimit: collect as a percentage
		// for the rest of it.
		debug.SetGCPercent(firstLoadGCPercent)
	}
	gcMu.Unlock()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		debug.SetMemoryLimit(limitFor(s[0].Value.Uint64()))
	}
}

// ownGCFrom..ownGCTo: the cycle numbers of a collection the program
// forces itself (the huge-page room's, as the first load starts): no
// sign that the first load reached its limit, and its live heap is
// start-up's, not the cloud's.
var ownGCFrom, ownGCTo atomic.Uint64

// collectOwn runs a collection followLive leaves alone: until it is done,
// the one in progress too (runtime.GC finishes it first); then only up to
// the cycle it ended on, so the limit's next one counts.
func collectOwn() {
	n := gcCycles()
	ownGCFrom.Store(n + 1)
	ownGCTo.Store(n + 2)
	runtime.GC()
	ownGCTo.Store(gcCycles())
}

// gcCycles is the number of completed collections.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// afterGC calls f after every collection (a finalizer on an object
// dropped at once runs after the next collection, and arms the next).
func afterGC(f func()) {
	s := &struct {
		p   *byte
		pad [16]byte
	}{}
	runtime.SetFinalizer(s, func(any) { f(); afterGC(f) })
}

// noLimit turns the soft limit off (tests).
func noLimit() {
	limitOn.Store(false)
	afterFirstLoad.Store(0)
	debug.SetMemoryLimit(math.MaxInt64)
}

// While the pane on screen loads its first list (50,000 servers: the heap
// grows from nothing to ~135 MB live), GOGC=60 collected again and again
// a heap that only grows: a third of the cockpit's CPU in that load was
// the collector (mark workers, assists, write barriers on the pages'
// copies; CPU profiles of the real binary). At GOGC=400 a 50k start still
// marked for 400 ms in the middle of the load (execution traces of the
// real binary), its idle-time mark workers taking the cores the server
// (the demo, on the same machine) was building pages on. So until that
// load is in, the collector is off and only the soft memory limit
// firstLoadLimit bounds the heap; a collection the limit forces (a cloud
// bigger than 50k) puts firstLoadGCPercent back for the rest of the load,
// so a big load never runs the collector flat out at a fixed limit.
// firstLoadGCMax bounds a load that never ends.
//
// With the demo in the process (no soft limit of the cockpit's: the heap
// is the demo's too) the collector is not turned off but runs at
// firstLoadGCPercent, bounded by demoFirstLoadLimit, then Go's default
// GOGC: at GOGC=100 from the start, the collector ran through the demo's
// world being made and the first loads (20 collections in the first 40 s
// at 50,000 instances, issue 15).
const (
	firstLoadGCPercent = 400
	firstLoadLimit     = 768 << 20
	firstLoadGCMax     = 30 * time.Second
	demoFirstLoadLimit = 705 << 20 // three times the floor it was measured with
	// gcBackAfter: the collector comes back this long after the first
	// load is in, so its first collection (of a heap grown past
	// memLimitFloor) starts after the frame with the whole list.
	gcBackAfter = 200 * time.Millisecond
)

// relaxed: the first load runs with the collector off (followLive turns
// it back on at firstLoadGCPercent if the limit forced a collection).
// gcMu orders followLive (the finalizer's goroutine) and the first load's
// end (a timer's, or the UI's): else GOGC=400 could land after gcPercent
// came back, and stay.
var (
	relaxed atomic.Bool
	gcMu    sync.Mutex
)

// relax sets the in-process demo's first-load collector.
func relax() {
	debug.SetGCPercent(firstLoadGCPercent)
	if !limitOn.Load() {
		debug.SetMemoryLimit(demoFirstLoadLimit)
	}
}

// unrelax puts back the collector the in-process demo's first load's end
// gives.
func unrelax() {
	if p := afterFirstLoad.Load(); p != 0 {
		debug.SetGCPercent(int(p))
		if !limitOn.Load() {
			debug.SetMemoryLimit(math.MaxInt64)
		}
	}
}

// relaxGCForFirstLoad lightens the collector for the first load unless
// GOGC or GOMEMLIMIT is set: off under firstLoadLimit for the cockpit
// alone, firstLoadGCPercent with the demo in the process. The func it
// returns puts the collector and the limit back (once; also after
// firstLoadGCMax).
func relaxGCForFirstLoad() func() {
	if afterFirstLoad.Load() == 0 {
		return func() {}
	}
	var once sync.Once
	var restore func()
	if !limitOn.Load() { // the demo in the process
		relax()
		restore = func() { once.Do(unrelax) }
	} else {
		relaxed.Store(true)
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(firstLoadLimit)
		restore = func() {
			once.Do(func() {
				gcMu.Lock()
				defer gcMu.Unlock()
				relaxed.Store(false)
				if limitOn.Load() {
					debug.SetGCPercent(gcPercent)
					debug.SetMemoryLimit(memLimitFloor) // the next collection sets it from the live heap
				}
			})
		}
	}
	time.AfterFunc(firstLoadGCMax, restore)
	return restore
}
