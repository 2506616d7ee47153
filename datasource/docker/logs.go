package docker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LogLine is one line of `docker logs`.
type LogLine struct {
	Stream string // stdout / stderr
	Time   time.Time
	Text   string
}

// LogOptions select lines.
type LogOptions struct {
	Tail   int // last N lines (0: all)
	Since  time.Time
	Follow bool
}

// Logs streams a container's logs to fn until the stream ends, ctx is
// cancelled or fn returns false. Non-TTY containers send the multiplexed
// stream (8-byte frame headers); TTY ones send raw text.
func (c *Client) Logs(ctx context.Context, name string, o LogOptions, fn func(LogLine) bool) error {
	in, err := c.inspect(ctx, name)
	if err != nil {
		return err
	}
	p, err := c.versioned(ctx, "/containers/"+url.PathEscape(name)+"/logs")
	if err != nil {
		return err
	}
	q := url.Values{"stdout": {"1"}, "stderr": {"1"}, "timestamps": {"1"}}
	if o.Tail > 0 {
		q.Set("tail", strconv.Itoa(o.Tail))
	}
	if !o.Since.IsZero() {
		// Seconds with nanoseconds: a reconnect asks from its last line,
		// not from the start of that second.
		q.Set("since", unixNano(o.Since))
	}
	if o.Follow {
		q.Set("follow", "1")
	}
	// A log stream is handed on line by line (lines and frames bounded
	// below), so it is not cut at the response limit.
	resp, err := c.request(httpclient.Unlimited(ctx), http.MethodGet, p, q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if in.Config.Tty {
		return scanRaw(resp.Body, "stdout", fn)
	}
	return Demux(resp.Body, fn)
}

// Demux decodes Docker's multiplexed log stream.
func Demux(r io.Reader, fn func(LogLine) bool) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var hdr [8]byte
	partial := map[byte]string{}
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("docker logs: truncated frame header")
			}
			return err
		}
		size := binary.BigEndian.Uint32(hdr[4:])
		if size > 16<<20 {
			return fmt.Errorf("docker logs: frame of %d bytes: not a multiplexed stream", size)
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("docker logs: truncated frame: %w", err)
		}
		stream := "stdout"
		if hdr[0] == 2 {
			stream = "stderr"
		}
		text := partial[hdr[0]] + string(buf)
		lines := strings.Split(text, "\n")
		partial[hdr[0]] = lines[len(lines)-1]
		if len(partial[hdr[0]]) > 1<<20 { // no newline in sight: hand it on as a line
			lines = append(lines, "")
			partial[hdr[0]] = ""
		}
		for _, l := range lines[:len(lines)-1] {
			if !fn(parseLine(stream, l)) {
				return nil
			}
		}
	}
}

func scanRaw(r io.Reader, stream string, fn func(LogLine) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if !fn(parseLine(stream, strings.TrimSuffix(sc.Text(), "\r"))) {
			return nil
		}
	}
	return sc.Err()
}

// parseLine splits the RFC 3339 timestamp docker prepends (timestamps=1).
func parseLine(stream, l string) LogLine {
	if i := strings.IndexByte(l, ' '); i > 0 {
		if t, err := time.Parse(time.RFC3339Nano, l[:i]); err == nil {
			return LogLine{Stream: stream, Time: t, Text: l[i+1:]}
		}
	}
	return LogLine{Stream: stream, Text: l}
}
