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
// So before the first load, the heap is grown by firstLoadHeapRoom of
// address space (a large object the runtime maps but does not touch), that
// range is advised MADV_HUGEPAGE, and the object is freed: the first load's
// objects are placed there (the page allocator fills the lowest free
// addresses first). When the load is in, the range is advised
// MADV_NOHUGEPAGE again: huge pages already made stay until the runtime
// gives parts of them back, and khugepaged (which may collapse any 2 MiB
// with a single page in use, max_ptes_none) never grows the steady heap.
const firstLoadHeapRoom = 128 << 20

const hugePage = 2 << 20

// hugeRoom is the heap's address range advised for huge pages.
type hugeRoom struct {
	beg, end uintptr
	once     sync.Once
}

// hugePagesForFirstLoad advises huge pages for the room the first load
// will fill. It returns nil when the kernel refuses (THP off, or a kernel
// without it): nothing then changes.
func hugePagesForFirstLoad() *hugeRoom {
	room := make([]byte, firstLoadHeapRoom)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(room)))
	r := &hugeRoom{
		beg: (p + hugePage - 1) &^ (hugePage - 1),
		end: (p + firstLoadHeapRoom) &^ (hugePage - 1),
	}
	err := madvise(r.beg, r.end-r.beg, syscall.MADV_HUGEPAGE)
	runtime.KeepAlive(room)
	room = nil
	runtime.GC() // the room is free heap now, before the first load allocates
	if err != nil {
		return nil
	}
	return r
}

// done ends the advice (once; a nil room does nothing).
func (r *hugeRoom) done() {
	if r == nil {
		return
	}
	r.once.Do(func() { _ = madvise(r.beg, r.end-r.beg, syscall.MADV_NOHUGEPAGE) })
}

// madvise on an address range the heap keeps mapped (the runtime never
// unmaps its arenas), by address: no pointer into freed memory is made.
func madvise(addr, n uintptr, advice int) error {
	if n == 0 {
		return nil
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}
