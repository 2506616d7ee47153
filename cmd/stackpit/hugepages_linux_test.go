package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// The room is advised huge pages until the first load ends, the first
// load's objects land in it, and after done it is advised no huge pages
// (khugepaged must not collapse the steady heap).
// It runs in a process of its own, as at the program's start: where the
// first load's objects go depends on the heap's free pages (a test run
// before it leaves some below the room).
func TestFirstLoadRoomIsAdvisedHugePagesUntilDone(t *testing.T) {
	if !thpOnAdvice() {
		t.Skip("transparent huge pages are not given on advice here: no room is made")
	}
	if os.Getenv("STACKPIT_TEST_HUGE_ROOM") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstLoadRoomIsAdvisedHugePagesUntilDone$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STACKPIT_TEST_HUGE_ROOM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	afterFirstLoad.Store(gcPercent) // as setMemoryLimit leaves it when GOGC is not set
	r := hugePagesForFirstLoad()
	<-r.ready
	if len(r.runs) == 0 {
		t.Fatal("the kernel offers huge pages but the room was not advised")
	}
	defer r.done()
	var size uintptr
	for _, sp := range r.runs {
		size += sp.end - sp.beg
		for _, f := range vmaFlags(t, sp.beg, sp.end) {
			if !f["hg"] {
				t.Fatalf("room not advised MADV_HUGEPAGE: VmFlags %v", f)
			}
		}
	}
	if size < firstLoadHeapRoom-4*hugePage {
		t.Fatalf("room %d bytes, want ~%d", size, firstLoadHeapRoom)
	}
	// What the first load allocates next goes in the room.
	var kept [][]byte
	in := 0
	for range 8192 {
		b := make([]byte, 4096)
		kept = append(kept, b)
		a := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		for _, sp := range r.runs {
			if a >= sp.beg && a < sp.end {
				in++
			}
		}
	}
	if in < len(kept)/2 {
		t.Fatalf("%d of %d new objects in the room %#x (first at %p, last at %p)", in, len(kept), r.runs, kept[0], kept[len(kept)-1])
	}
	r.done()
	for _, sp := range r.runs {
		for _, f := range vmaFlags(t, sp.beg, sp.end) {
			if f["hg"] || !f["nh"] {
				t.Fatalf("room still advised huge pages after done: VmFlags %v", f)
			}
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
	if !thpOnAdvice() {
		t.Skip("transparent huge pages are not given on advice here: nothing would be advised")
	}
	r := &hugeRoom{ready: make(chan struct{})}
	r.done()
	r.make()
	if !r.tried || len(r.runs) > 0 {
		t.Fatalf("room made %v, advised after the first load ended: %#x", r.tried, r.runs)
	}
}

// Chunks merge into runs of contiguous addresses, in any order given: a
// range over a gap between arenas could be advised and never advised back.
func TestChunkRunsSplitAtGaps(t *testing.T) {
	got := chunkRuns([]uintptr{0x3000, 0x1000, 0x2000, 0x9000, 0xa000, 0x5000}, 0x1000)
	want := []span{{0x1000, 0x4000}, {0x5000, 0x6000}, {0x9000, 0xb000}}
	if !slices.Equal(got, want) {
		t.Fatalf("runs %#x, want %#x", got, want)
	}
}

// The room's own collection is no sign that the first load reached its
// limit: the collector stays off and the first load's limit stays
// (review of the room: followLive turned GOGC=400 and the floor's limit on
// for every first load).
func TestHugeRoomKeepsTheFirstLoadCollectorOff(t *testing.T) {
	percent := cockpitCollector(t, false)
	restore := relaxGCForFirstLoad()
	defer restore()
	if !thpOnAdvice() {
		t.Skip("transparent huge pages are not given on advice here: no room is made")
	}
	huge := hugePagesForFirstLoad() // as runProgram does
	defer huge.done()
	<-huge.ready
	if !huge.tried {
		t.Fatal("no room made")
	}
	for range 20 { // let the finalizer run followLive
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if got, lim := percent(), debug.SetMemoryLimit(-1); got != -1 || lim != firstLoadLimit {
		t.Fatalf("first load after the room was made: GC percent %d, limit %d MiB; want -1, %d MiB", got, lim>>20, firstLoadLimit>>20)
	}
}

// GOGC or GOMEMLIMIT set: the collector is the operator's, no room.
func TestHugeRoomNotMadeUnderTheOperatorsCollector(t *testing.T) {
	t.Cleanup(noLimit)
	t.Setenv("GOMEMLIMIT", "100MiB")
	noLimit()
	setMemoryLimit(false)
	r := hugePagesForFirstLoad()
	<-r.ready
	if r.tried {
		t.Fatal("room made under the operator's GOMEMLIMIT")
	}
}

// Where the kernel does not give huge pages on advice ("always": the heap
// has them already; "never"; no THP), no room is made: it would cost a
// collection and zeroing for nothing.
func TestHugeRoomOnlyWhereHugePagesAreGivenOnAdvice(t *testing.T) {
	cockpitCollector(t, false)
	dir := t.TempDir()
	for _, c := range []struct {
		setting string
		room    bool
	}{
		{"always [madvise] never\n", true},
		{"[always] madvise never\n", false},
		{"always madvise [never]\n", false},
		{"", false}, // no such file: no THP
	} {
		thp := filepath.Join(dir, "enabled")
		os.Remove(thp)
		if c.setting != "" {
			if err := os.WriteFile(thp, []byte(c.setting), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		orig := thpEnabled
		thpEnabled = thp
		r := hugePagesForFirstLoad()
		<-r.ready
		r.done()
		thpEnabled = orig
		if r.tried != c.room {
			t.Errorf("THP %q: room made %v, want %v", c.setting, r.tried, c.room)
		}
	}
}
