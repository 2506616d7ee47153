package main

import (
	"runtime"
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
const (
	firstLoadHeapRoom = 128 << 20
	roomChunk         = 1 << 20
	hugePage          = 2 << 20
)

// hugeRoom is the heap's address range advised for huge pages.
type hugeRoom struct {
	mu       sync.Mutex
	beg, end uintptr
	advised  bool
	ended    bool
	ready    chan struct{} // closed when the room is made (tests)
}

// hugePagesForFirstLoad makes and advises the room in the background (a
// few ms, beside the first request's round trip) and returns at once.
// Nothing changes where the kernel refuses (THP off, or no THP).
func hugePagesForFirstLoad() *hugeRoom {
	r := &hugeRoom{ready: make(chan struct{})}
	go r.make()
	return r
}

func (r *hugeRoom) make() {
	defer close(r.ready)
	chunks := make([][]byte, firstLoadHeapRoom/roomChunk)
	lo, hi := ^uintptr(0), uintptr(0)
	for i := range chunks {
		chunks[i] = make([]byte, roomChunk)
		p := uintptr(unsafe.Pointer(unsafe.SliceData(chunks[i])))
		lo, hi = min(lo, p), max(hi, p+roomChunk)
	}
	beg := (lo + hugePage - 1) &^ (hugePage - 1)
	end := hi &^ (hugePage - 1)
	r.mu.Lock()
	if !r.ended && end > beg && madvise(beg, end-beg, syscall.MADV_HUGEPAGE) == nil {
		r.beg, r.end, r.advised = beg, end, true
	}
	r.mu.Unlock()
	runtime.KeepAlive(chunks)
	chunks = nil
	runtime.GC() // the room is free heap now, for the first load to fill
}

// done ends the advice (once; before the room is made, it will not be).
func (r *hugeRoom) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.advised && !r.ended {
		_ = madvise(r.beg, r.end-r.beg, syscall.MADV_NOHUGEPAGE)
	}
	r.ended = true
}

// madvise on an address range the heap keeps mapped (the runtime never
// unmaps its arenas), by address: no pointer into freed memory is made.
// The range may hold objects in use (the room's chunks need not be
// contiguous): advice changes how pages are backed, not what they hold.
func madvise(addr, n uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}
