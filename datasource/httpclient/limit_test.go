package httpclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	c, err := New(Options{ReadOnly: true, MaxResponse: 1000})
	if err != nil {
		t.Fatal(err)
	}
	get := func(ctx context.Context, q string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/servers/detail?"+q, nil)
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	for _, q := range []string{"n=1000", "n=1000&chunked=1"} {
		if n, err := get(context.Background(), q); n != 1000 || err != nil {
			t.Errorf("%s: exactly the limit must pass: %d, %v", q, n, err)
		}
	}
	for _, q := range []string{"n=1001", "n=5000&chunked=1"} {
		n, err := get(context.Background(), q)
		var tl *TooLargeError
		if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || n > 1000 {
			t.Errorf("%s: want TooLargeError after at most 1000 bytes, got %d, %v", q, n, err)
			continue
		}
		if got := Named(err, "nova").Error(); got != "nova response exceeded 1000 bytes limit (GET /servers/detail)" {
			t.Errorf("message %q", got)
		}
	}
	// Announced too big: nothing is read, and the length is not handed
	// on (a BodyPool made room for it before the read that fails).
	if n, err := get(context.Background(), "n=5000"); n != 0 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("Content-Length over the limit: read %d, %v", n, err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/servers/detail?n=5000", nil)
	if resp, err := c.Do(req); err != nil {
		t.Fatal(err)
	} else {
		var pool BodyPool
		buf, err := pool.Read(resp.Body, resp.ContentLength)
		resp.Body.Close()
		if !errors.Is(err, ErrTooLarge) || resp.ContentLength != -1 || buf.Cap() >= 5000 {
			t.Errorf("announced 5000 over a 1000 limit: length %d, room %d, %v", resp.ContentLength, buf.Cap(), err)
		}
	}
	if n, err := get(Unlimited(context.Background()), "n=5000&chunked=1"); n != 5000 || err != nil {
		t.Errorf("an Unlimited stream was cut: %d, %v", n, err)
	}
	if Named(errors.New("other"), "nova") != nil {
		t.Error("Named of another error")
	}
	if s := Size(64 * MiB); s != "64 MiB" {
		t.Errorf("Size = %q", s)
	}
}
