package openstack

import (
	"fmt"
	"testing"
	"unsafe"
)

// A page's shared values come back as one string each, copies of the
// page (never views of it); a field whose values do not repeat keeps
// coming back right, copied, once it stops being interned.
func TestPageInternSharesRepeatsCopiesTheRest(t *testing.T) {
	var in pageIntern
	buf := []byte("compute01")
	view := unsafe.String(unsafe.SliceData(buf), len(buf))
	a, b := in.get(fHost, view), in.get(fHost, view)
	if a != "compute01" || unsafe.StringData(a) != unsafe.StringData(b) || unsafe.StringData(a) == unsafe.SliceData(buf) {
		t.Fatalf("a repeated host: %q %q, shared %v, a view of the page %v", a, b,
			unsafe.StringData(a) == unsafe.StringData(b), unsafe.StringData(a) == unsafe.SliceData(buf))
	}
	var got []string
	for i := range 200 {
		u := []byte(fmt.Sprintf("user-%04d", i))
		got = append(got, in.get(fUser, unsafe.String(unsafe.SliceData(u), len(u))))
		copy(u, "XXXXXXXXX") // the page's buffer is reused
	}
	for i, g := range got {
		if g != fmt.Sprintf("user-%04d", i) {
			t.Fatalf("user %d came back %q", i, g)
		}
	}
	if n := len(in.f[fUser].m); n > 40 {
		t.Errorf("%d distinct user IDs interned; a field that does not repeat stops being interned", n)
	}
	if in.get(fStatus, "") != "" {
		t.Error("empty is empty")
	}
}
