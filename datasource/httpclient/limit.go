package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Response size limits. A hostile or broken server cannot make the cockpit
// read more than this per response (a 200 MB body once drove it to
// several GB). The defaults are far above real answers: a 1000-server Nova
// page at microversion 2.88 is about 1.8 MB (demo, 1000 instances), every
// series of a Prometheus range query over 24 h at 60 s steps 13 MB.
const (
	MiB                = 1 << 20
	DefaultMaxResponse = 64 * MiB
)

// ErrTooLarge is wrapped by every *TooLargeError.
var ErrTooLarge = errors.New("response too large")

// TooLargeError is returned by a response body read past its limit. The
// datasource names the service (Named) for the message:
// "nova response exceeded 64 MiB limit (GET /servers/detail)".
type TooLargeError struct {
	Service string // "nova", "prometheus"; "" when not named yet
	Limit   int64
	Method  string
	Path    string
}

func (e *TooLargeError) Error() string {
	s := "response"
	if e.Service != "" {
		s = e.Service + " response"
	}
	return fmt.Sprintf("%s exceeded %s limit (%s %s)", s, Size(e.Limit), e.Method, e.Path)
}

func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// Named returns err's *TooLargeError with the service name set (a copy), or
// nil when err is not one: datasources call it first when mapping errors,
// so a cut body is never reported as malformed JSON.
func Named(err error, service string) *TooLargeError {
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		return nil
	}
	cp := *tl
	cp.Service = service
	return &cp
}

// Size renders a byte count as the limits are written: "64 MiB", "512 KiB".
func Size(n int64) string {
	switch {
	case n >= MiB && n%MiB == 0:
		return fmt.Sprintf("%d MiB", n/MiB)
	case n >= MiB:
		return fmt.Sprintf("%.1f MiB", float64(n)/MiB)
	case n >= 1024 && n%1024 == 0:
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

type unlimitedKey struct{}

// Unlimited marks a request whose response is a long-lived stream (docker
// logs --follow): its body is not cut at the limit. Streams bound their
// own buffers per line.
func Unlimited(ctx context.Context) context.Context {
	return context.WithValue(ctx, unlimitedKey{}, true)
}

// limitTransport cuts every response body at max bytes.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (l *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	// A protocol switch (websocket) hands the connection over: not a body.
	if resp.StatusCode == http.StatusSwitchingProtocols || req.Context().Value(unlimitedKey{}) != nil {
		return resp, nil
	}
	resp.Body = LimitBody(resp.Body, l.max, req.Method, req.URL.Path)
	if resp.ContentLength > l.max {
		// Announced too big: fail on the first read, reading nothing;
		// and no length to make room for (BodyPool made a buffer of the
		// announced size before the read that fails: 57 MB for an answer
		// announcing 60 MB past a 512 KiB limit; review of keys1k3).
		resp.Body.(*limitedBody).over = true
		resp.ContentLength = -1
	}
	return resp, nil
}

// LimitBody returns rc cut at max bytes: the read that would pass the limit
// fails with a *TooLargeError instead.
func LimitBody(rc io.ReadCloser, max int64, method, path string) io.ReadCloser {
	return &limitedBody{rc: rc, left: max, err: &TooLargeError{Limit: max, Method: method, Path: path}}
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	over bool
	err  *TooLargeError
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, b.err
	}
	if b.left <= 0 {
		// Only an error if the server has more to say.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			b.over = true
			return 0, b.err
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
