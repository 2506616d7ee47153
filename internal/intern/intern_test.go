package intern

import (
	"strings"
	"testing"
	"unsafe"
)

// Two equal strings built apart come back as one copy; "" stays "".
func TestStringIsOneCopy(t *testing.T) {
	a := String(strings.Repeat("nova_compute", 2))
	b := String(strings.Repeat("nova_", 1) + "computenova_compute")
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatal("equal strings interned to two copies")
	}
	if String("") != "" {
		t.Fatal(`"" changed`)
	}
}
