package openstack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// A decoded body holds copies: the next body read into the recycled
// buffer leaves what the first decoded as it was, through encoding/json
// and through a pageDecoder (the volume scanner hands toVolume views of
// the buffer: only its copies may be kept).
func TestDecodeBodyKeepsNoViewOfItsBuffer(t *testing.T) {
	var read atomic.Int64
	var first volumePage
	scanned := volumeDecoder{limit: 3}
	a := volumePageJSON(t, 3)
	for _, out := range []any{&first, &scanned} {
		if _, err := decodeBody(bytes.NewReader(a), int64(len(a)), out, &read); err != nil {
			t.Fatal(err)
		}
	}
	want := first.Volumes[1].ID
	if len(scanned.pages) != 1 || scanned.pages[0][1].ID != want {
		t.Fatalf("scanned %+v, want %q second", scanned.pages, want)
	}
	b := bytes.ReplaceAll(a, []byte("1111-4222"), []byte("9999-9999"))
	for range 4 { // the pool hands the same buffer back (most likely)
		var next volumePage
		if _, err := decodeBody(bytes.NewReader(b), int64(len(b)), &next, &read); err != nil {
			t.Fatal(err)
		}
	}
	for _, got := range []string{first.Volumes[1].ID, scanned.pages[0][1].ID} {
		if got != want || strings.Contains(got, "9999") {
			t.Fatalf("the first page's volume changed with the next body: %q, was %q", got, want)
		}
	}
	if read.Load() != int64(2*len(a)+4*len(b)) {
		t.Fatalf("read %d bytes, want %d", read.Load(), 2*len(a)+4*len(b))
	}
}

// A body's buffer is recycled: decoding a big body of which little is
// kept allocates a fraction of the body, not the body again (a Decoder's
// own buffer doubled up to ~2x each body: issue 15's garbage).
func TestDecodeBodyRecyclesItsBuffer(t *testing.T) {
	if raceOn {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	body := []byte(`{"volumes_links": [], "pad": "` + strings.Repeat("x", 600<<10) + `"}`)
	var read atomic.Int64
	decode := func() {
		var out struct {
			Links []serverLink `json:"volumes_links"`
		}
		if _, err := decodeBody(bytes.NewReader(body), int64(len(body)), &out, &read); err != nil {
			t.Fatal(err)
		}
	}
	decode()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 10
	for range n {
		decode()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > uint64(len(body))/4 {
		t.Fatalf("%d bytes allocated a decode of a %d-byte body", per, len(body))
	}
}

// The kinds of error a Decoder gave stay (the wording of a cut body's may
// differ): an empty body is io.EOF (getJSON's "empty body"), a cut one a
// syntax error with the body's first bytes for the message, a read error
// itself; data after the value is now a syntax error too.
func TestDecodeBodyErrors(t *testing.T) {
	var read atomic.Int64
	var v volumePage
	for _, body := range []string{"", " \n"} {
		if _, err := decodeBody(strings.NewReader(body), int64(len(body)), &v, &read); err != io.EOF {
			t.Errorf("%q: %v, want io.EOF", body, err)
		}
	}
	cut := `{"volumes": [{"id": "a"`
	head, err := decodeBody(strings.NewReader(cut), -1, &v, &read)
	var se *json.SyntaxError
	if !errors.As(err, &se) || string(head) != cut {
		t.Errorf("cut body: %v, head %q", err, head)
	}
	// Data after the value: malformed, not the first document alone.
	for _, body := range []string{`{"volumes": []} x`, `{"volumes": []}{"volumes": []}`} {
		if _, err := decodeBody(strings.NewReader(body), -1, &v, &read); !errors.As(err, &se) {
			t.Errorf("%q: %v, want a syntax error", body, err)
		}
	}
	broken := errors.New("connection reset")
	if _, err := decodeBody(io.MultiReader(strings.NewReader(`{"volumes": [`), errReader{broken}), -1, &v, &read); !errors.Is(err, broken) {
		t.Errorf("read error: %v, want %v", err, broken)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
