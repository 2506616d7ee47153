package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// The room is advised huge pages until the first load ends, the first
// load's objects land in it, and after done it is advised no huge pages
// (khugepaged must not collapse the steady heap).
// It runs in a process of its own, as at the program's start: where the
// first load's objects go depends on the heap's free pages (a test run
// before it leaves some below the room).
func TestFirstLoadRoomIsAdvisedHugePagesUntilDone(t *testing.T) {
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(b), "[never]") {
		t.Skip("transparent huge pages are off here")
	}
	if os.Getenv("STACKPIT_TEST_HUGE_ROOM") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstLoadRoomIsAdvisedHugePagesUntilDone$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STACKPIT_TEST_HUGE_ROOM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	r := hugePagesForFirstLoad()
	<-r.ready
	if !r.advised {
		t.Fatal("the kernel offers huge pages but the room was not advised")
	}
	defer r.done()
	if r.end-r.beg < firstLoadHeapRoom-2*hugePage {
		t.Fatalf("room %d bytes, want ~%d", r.end-r.beg, firstLoadHeapRoom)
	}
	for _, f := range vmaFlags(t, r.beg, r.end) {
		if !f["hg"] {
			t.Fatalf("room not advised MADV_HUGEPAGE: VmFlags %v", f)
		}
	}
	// What the first load allocates next goes in the room.
	var kept [][]byte
	in := 0
	for range 8192 {
		b := make([]byte, 4096)
		kept = append(kept, b)
		if a := uintptr(unsafe.Pointer(unsafe.SliceData(b))); a >= r.beg && a < r.end {
			in++
		}
	}
	if in < len(kept)/2 {
		t.Fatalf("%d of %d new objects in the room %#x-%#x (first at %p, last at %p)", in, len(kept), r.beg, r.end, kept[0], kept[len(kept)-1])
	}
	r.done()
	for _, f := range vmaFlags(t, r.beg, r.end) {
		if f["hg"] || !f["nh"] {
			t.Fatalf("room still advised huge pages after done: VmFlags %v", f)
		}
	}
}

// vmaFlags reads /proc/self/smaps: the VmFlags of each mapping that
// overlaps [beg, end).
func vmaFlags(t *testing.T, beg, end uintptr) []map[string]bool {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	var out []map[string]bool
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line)[0], "-"); ok && !strings.HasSuffix(lo, ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uintptr(a) < end && uintptr(b) > beg
				continue
			}
		}
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			m := map[string]bool{}
			for _, fl := range strings.Fields(rest) {
				m[fl] = true
			}
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no mapping covers %#x-%#x", beg, end)
	}
	return out
}

// A first load that ends before the room is made leaves no advice behind:
// the steady heap must not be advised huge pages.
func TestHugeRoomDoneBeforeItIsMadeAdvisesNothing(t *testing.T) {
	r := &hugeRoom{ready: make(chan struct{})}
	r.done()
	r.make()
	if r.advised {
		t.Fatalf("room %#x-%#x advised after the first load ended", r.beg, r.end)
	}
}
