package httpclient

import (
	"bytes"
	"io"
	"sync"
)

// BodyPool recycles the buffers response bodies are read into before
// they are decoded: a body read by a json.Decoder, or into a fresh
// buffer, was a new allocation doubling as it came, then garbage (Nova's
// ~2.5 MB pages, Loki's log pages several a second; issue 15). A buffer
// goes back (Put) once decoded: what was decoded must hold copies, never
// views of it.
type BodyPool struct {
	// MaxKept bounds the buffers kept (0: any): a rare huge answer's is
	// dropped, not held for the next ones.
	MaxKept int
	pool    sync.Pool
}

// maxGrow bounds the room made from a Content-Length (a bigger body is
// read as it comes; the transport cuts it at its limit anyway).
const maxGrow = 64 << 20

// Read reads r, whose Content-Length is n (<= 0: unknown), into a buffer
// of the pool. The buffer comes back with an error too (what was read is
// in it): the caller Puts it either way.
func (p *BodyPool) Read(r io.Reader, n int64) (*bytes.Buffer, error) {
	b, _ := p.pool.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	if n > 0 && n < maxGrow {
		// MinRead over: ReadFrom wants that much room before it sees EOF,
		// and a buffer filled exactly would double.
		b.Grow(int(n) + bytes.MinRead)
	}
	_, err := b.ReadFrom(r)
	return b, err
}

// Put gives b back to the pool.
func (p *BodyPool) Put(b *bytes.Buffer) {
	if b != nil && (p.MaxKept <= 0 || b.Cap() <= p.MaxKept) {
		p.pool.Put(b)
	}
}
