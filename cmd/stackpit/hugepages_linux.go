package main

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// The first load of a big cloud fills the heap from nothing (a 50,000
// server list: ~90 MB of fresh memory while the collector is off), and on
// this kind of machine (a VM) each 4 KiB page's first touch costs a fault
// of ~12-17 us: ~23,000 faults, about half the cockpit's CPU until all
// rows (issue 15). Transparent huge pages take a fault per 2 MiB instead
// (96 MiB touched: ~300 ms in 4 KiB pages, 6-145 ms in huge pages, here),
// but the kernel's default ("madvise") gives them only to memory that asks,
// and Go's heap does not ask.
//
// So as the program starts, the heap is grown by firstLoadHeapRoom of
// address space (large objects the runtime maps but does not touch), that
// range is advised MADV_HUGEPAGE, and the objects are freed: the first
// load's objects are placed there (the page allocator fills the lowest
// free addresses first). When the load is in, the range is advised
// MADV_NOHUGEPAGE again: huge pages already made stay until the runtime
// gives parts of them back, and khugepaged (which may collapse any 2 MiB
// with a single page in use, max_ptes_none) never grows the steady heap.
//
// The room is made of roomChunk objects, not one: an object the runtime
// places partly on pages it used before is zeroed whole (one 128 MiB
// object placed so took ~550 ms of faults), a 1 MiB one at most 1 MiB.
// Its cost: the runtime now takes the room's pages as used before, so it
// zeroes what it allocates there (fresh pages it would not): a large
// object's unwritten tail is touched too. The first load writes nearly
// all it allocates, and a huge page is resident whole anyway.
const (
	firstLoadHeapRoom = 128 << 20
	roomChunk         = 1 << 20
	hugePage          = 2 << 20
)

// hugeRoom is the heap's address ranges advised for huge pages.
type hugeRoom struct {
	mu    sync.Mutex
	runs  []span // advised, to advise back when the load is in
	ended bool
	tried bool          // the room was made (tests)
	ready chan struct{} // closed when the room is made (tests)
}

type span struct{ beg, end uintptr }

// hugePagesForFirstLoad makes and advises the room in the background (a
// few ms, beside the first request's round trip) and returns at once.
// No room is made where the kernel gives huge pages other than on advice
// (THP "never": the advice fails; "always": the heap has them already; no
// THP at all), where GOGC or GOMEMLIMIT is set (the collector is the
// operator's then: 128 MiB of live room under a small GOMEMLIMIT would run
// it flat out), or with GODEBUG=disablethp=1: the room costs a forced
// collection and zeroing (above), worth it only for the advice.
func hugePagesForFirstLoad() *hugeRoom {
	r := &hugeRoom{ready: make(chan struct{})}
	if afterFirstLoad.Load() == 0 || strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") || !thpOnAdvice() {
		close(r.ready)
		return r
	}
	go r.make()
	return r
}

// thpEnabled is the kernel's transparent huge page setting (tests).
var thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// thpOnAdvice: the kernel gives transparent huge pages to memory advised
// MADV_HUGEPAGE, and only to it (the setting "[madvise]").
func thpOnAdvice() bool {
	b, err := os.ReadFile(thpEnabled)
	return err == nil && strings.Contains(string(b), "[madvise]")
}

func (r *hugeRoom) make() {
	defer close(r.ready)
	chunks := make([][]byte, firstLoadHeapRoom/roomChunk)
	at := make([]uintptr, len(chunks))
	for i := range chunks {
		chunks[i] = make([]byte, roomChunk)
		at[i] = uintptr(unsafe.Pointer(unsafe.SliceData(chunks[i])))
	}
	r.mu.Lock()
	r.tried = true
	if !r.ended {
		// Each run of contiguous chunks on its own: over a gap between
		// arenas madvise advises the mapped parts and still fails, and
		// a range advised so could never be advised back.
		for _, sp := range chunkRuns(at, roomChunk) {
			if beg, end := (sp.beg+hugePage-1)&^(hugePage-1), sp.end&^(hugePage-1); end > beg {
				if madvise(beg, end-beg, syscall.MADV_HUGEPAGE) == nil {
					r.runs = append(r.runs, span{beg, end})
				}
			}
		}
	}
	r.mu.Unlock()
	runtime.KeepAlive(chunks)
	chunks = nil
	collectOwn() // the room is free heap now, for the first load to fill
}

// chunkRuns merges chunks of n bytes at the addresses at into runs of
// contiguous ones.
func chunkRuns(at []uintptr, n uintptr) []span {
	at = slices.Clone(at)
	slices.Sort(at)
	var runs []span
	for _, a := range at {
		if k := len(runs) - 1; k >= 0 && runs[k].end == a {
			runs[k].end = a + n
			continue
		}
		runs = append(runs, span{a, a + n})
	}
	return runs
}

// done ends the advice (once; before the room is made, it will not be).
func (r *hugeRoom) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ended {
		for _, sp := range r.runs {
			_ = madvise(sp.beg, sp.end-sp.beg, syscall.MADV_NOHUGEPAGE)
		}
	}
	r.ended = true
}

// madvise on an address range the heap keeps mapped (the runtime never
// unmaps its arenas), by address: no pointer into freed memory is made.
// A run may hold objects in use besides the room's (start-up's, in a
// chunk's gap): advice changes how pages are backed, not what they hold.
func madvise(addr, n uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}
