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
	b = roomFor(b, n)
	_, err := b.ReadFrom(r)
	return b, err
}

// roomFor is b emptied, or a new buffer when b cannot hold a body of
// Content-Length n (<= 0: unknown) and the MinRead more that ReadFrom
// wants before it sees EOF (a buffer filled exactly would double).
func roomFor(b *bytes.Buffer, n int64) *bytes.Buffer {
	b.Reset()
	if n <= 0 || n >= maxGrow {
		return b
	}
	need := int(n) + bytes.MinRead
	if b.Cap() >= need {
		return b
	}
	// Not b.Grow: it doubles a buffer a little too small (a 2.5 MB Nova
	// page a few bytes longer than the last took 5 MB) and clears all of
	// it, touching every page of fresh memory before the read does. An
	// eighth more room lets the next bodies of about this size fit.
	return bytes.NewBuffer(make([]byte, 0, need+need/8))
}

// Put gives b back to the pool.
func (p *BodyPool) Put(b *bytes.Buffer) {
	if b != nil && (p.MaxKept <= 0 || b.Cap() <= p.MaxKept) {
		p.pool.Put(b)
	}
}
