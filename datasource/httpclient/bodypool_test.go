package httpclient

import (
	"bytes"
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

// A pooled buffer a little too small for the next body is replaced by one
// of about the body's size, not doubled (bytes.Buffer.Grow makes it 2x its
// capacity), and one big enough is reused.
func TestRoomForDoesNotDoubleABufferALittleTooSmall(t *testing.T) {
	const n = 3 << 20
	b := roomFor(new(bytes.Buffer), n)
	first := b.Cap()
	if first < n+bytes.MinRead {
		t.Fatalf("a %d-byte body got %d bytes of room", n, first)
	}
	b.WriteString("left over")
	if again := roomFor(b, n); again != b || again.Len() != 0 {
		t.Fatal("a buffer with room for the body was not reused empty")
	}
	m := first + 1 // one byte more than the buffer holds
	bigger := roomFor(b, int64(m))
	if bigger.Cap() < m+bytes.MinRead || bigger.Cap() >= 2*first {
		t.Fatalf("a %d-byte body after a %d-byte buffer got %d bytes", m, first, bigger.Cap())
	}
}

// BenchmarkBodyPoolPagesOfAboutOneSize reads Nova-page-sized bodies whose
// sizes wander by a few bytes (names differ), as a list's pages do.
func BenchmarkBodyPoolPagesOfAboutOneSize(b *testing.B) {
	var p BodyPool
	body := []byte(strings.Repeat("x", 2600<<10+8192))
	b.SetBytes(2600 << 10)
	for i := 0; b.Loop(); i++ {
		n := 2600<<10 - 4096 + (i*997)%8192
		buf, err := p.Read(bytes.NewReader(body[:n]), int64(n))
		if err != nil {
			b.Fatal(err)
		}
		p.Put(buf)
	}
}
