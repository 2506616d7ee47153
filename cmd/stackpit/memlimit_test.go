package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// The cockpit sets its GC percentage, except with the demo cloud in the
// same process or when GOGC or GOMEMLIMIT says otherwise.
func TestCockpitGCPercent(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig); noLimit() })
	for _, tc := range []struct {
		name, gogc, limit string
		demo              bool
		expect            int
		memLimit          int64
	}{
		{"cockpit", "", "", false, gcPercent, memLimitFloor},
		{"in-process demo: the first load's, from the start", "", "", true, firstLoadGCPercent, demoFirstLoadLimit},
		{"GOGC set", "100", "", false, 100, math.MaxInt64},
		{"GOMEMLIMIT set", "", "off", false, 100, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.limit)
			debug.SetGCPercent(100)
			noLimit()
			setMemoryLimit(tc.demo)
			if got := debug.SetGCPercent(100); got != tc.expect {
				t.Errorf("GC percent %d, want %d", got, tc.expect)
			}
			// (this test's live heap is far below the floor)
			if got := debug.SetMemoryLimit(-1); got != tc.memLimit {
				t.Errorf("memory limit %d, want %d", got, tc.memLimit)
			}
		})
	}
}

// The soft limit follows the live heap: the floor for a small one, 1.5x
// a big one. Over every live size the limit stays half the live heap
// above it (a third once the runtime's own memory is counted), so the
// collector never runs flat out near it.
func TestMemoryLimitFollowsLiveHeap(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, memLimitFloor},
		{100 << 20, memLimitFloor},
		{200 << 20, 300 << 20},
		{1 << 30, 1536 << 20},
	} {
		if got := limitFor(c.live); got != c.want {
			t.Errorf("live %d MiB: limit %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
	for live := uint64(0); live <= 4<<30; live += 7 << 20 {
		if lim := limitFor(live); float64(lim) < float64(live)*1.5 {
			t.Fatalf("live %d MiB: limit %d MiB leaves the heap less than half its live size to grow in", live>>20, lim>>20)
		}
	}
}

// afterGC's function runs after each collection.
func TestAfterGCRunsAfterEachCollection(t *testing.T) {
	ran := make(chan struct{}, 16)
	afterGC(func() {
		select {
		case ran <- struct{}{}:
		default:
		}
	})
	for i := range 2 {
		deadline := time.After(5 * time.Second)
	wait:
		for {
			runtime.GC()
			select {
			case <-ran:
				break wait
			case <-deadline:
				t.Fatalf("collection %d: the function did not run", i+1)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

// The first load runs with a lighter collector, then gcPercent comes
// back (once); with the user's own GOGC nothing changes.
func TestFirstLoadRelaxesGC(t *testing.T) {
	percent := cockpitCollector(t, false)
	restore := relaxGCForFirstLoad()
	if got := percent(); got != -1 {
		t.Fatalf("during the first load: GC percent %d, want the collector off", got)
	}
	if got := debug.SetMemoryLimit(-1); got != firstLoadLimit {
		t.Errorf("during the first load: memory limit %d, want %d", got, firstLoadLimit)
	}
	restore()
	if got := percent(); got != gcPercent {
		t.Fatalf("after the first load: GC percent %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != memLimitFloor {
		t.Errorf("after the first load: memory limit %d, want %d", got, memLimitFloor)
	}
	debug.SetGCPercent(77)
	restore() // once only
	if got := percent(); got != 77 {
		t.Errorf("a second restore set GC percent %d", got)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	noLimit()
	setMemoryLimit(false)
	relaxGCForFirstLoad()()
	if got := percent(); got != 150 {
		t.Errorf("with GOGC=150: GC percent %d", got)
	}
	setMemoryLimit(true)
	relaxGCForFirstLoad()()
	if got := percent(); got != 150 {
		t.Errorf("in-process demo with GOGC=150: GC percent %d", got)
	}
}

// With the demo in the process, the first load (and the demo's world
// made before it) runs with the lighter collector too, then Go's default
// comes back, with no soft limit (the heap is the demo's too).
func TestInProcessDemoFirstLoadRelaxesGC(t *testing.T) {
	percent := cockpitCollector(t, true)
	if got := percent(); got != firstLoadGCPercent {
		t.Fatalf("before the first load: GC percent %d, want %d", got, firstLoadGCPercent)
	}
	restore := relaxGCForFirstLoad()
	if got, lim := percent(), debug.SetMemoryLimit(-1); got != firstLoadGCPercent || lim != demoFirstLoadLimit {
		t.Fatalf("during the first load: GC percent %d, limit %d MiB", got, lim>>20)
	}
	restore()
	if got, lim := percent(), debug.SetMemoryLimit(-1); got != 100 || lim != math.MaxInt64 {
		t.Fatalf("after the first load: GC percent %d, limit %d, want Go's default and none", got, lim)
	}
}

// A collection the memory limit forces during the first load (a cloud too
// big to load without one) turns the collector back on at
// firstLoadGCPercent for the rest of the load, never off again.
func TestFirstLoadCollectionAtTheLimitTurnsTheCollectorOn(t *testing.T) {
	percent := cockpitCollector(t, false)
	restore := relaxGCForFirstLoad()
	defer restore()
	runtime.GC() // as the limit would
	deadline := time.Now().Add(5 * time.Second)
	for percent() != firstLoadGCPercent {
		if time.Now().After(deadline) {
			t.Fatalf("after a collection during the first load: GC percent %d, want %d", percent(), firstLoadGCPercent)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	restore()
	if got := percent(); got != gcPercent {
		t.Fatalf("after the first load: GC percent %d, want %d", got, gcPercent)
	}
}

// cockpitCollector sets the collector as a start of the cockpit (or the
// in-process demo) does, with neither GOGC nor GOMEMLIMIT set, puts Go's
// back after the test, and returns a reader of the GC percent.
func cockpitCollector(t *testing.T, inProcessDemo bool) (percent func() int) {
	t.Helper()
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig); noLimit() })
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	noLimit()
	setMemoryLimit(inProcessDemo)
	return func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
}
