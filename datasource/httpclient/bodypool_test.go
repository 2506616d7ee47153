package httpclient

import (
	"strings"
	"testing"
)

// A body read to its Content-Length does not double its buffer at the end
// (ReadFrom wants MinRead of room before it sees EOF): a doubled buffer is
// twice the memory, and over MaxKept it leaves the pool.
func TestBodyPoolReadsToContentLengthWithoutDoubling(t *testing.T) {
	var p BodyPool
	const n = 3 << 20
	b, err := p.Read(strings.NewReader(strings.Repeat("x", n)), n)
	if err != nil || b.Len() != n {
		t.Fatalf("read %d bytes, %v", b.Len(), err)
	}
	if b.Cap() >= 2*n {
		t.Fatalf("a %d-byte body took a %d-byte buffer", n, b.Cap())
	}
	p.Put(b)
}
