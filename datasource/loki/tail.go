package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// tailReadLimit is raised well above coder/websocket's 32 KiB default: one
// Loki tail frame carries up to 100 entries of arbitrary length.
const tailReadLimit = 64 << 20

// Tail is one open websocket tail.
type Tail struct {
	conn *websocket.Conn
	lc   labelCache
}

// TailFrame is one decoded tail message.
type TailFrame struct {
	Entries []Entry
	Dropped []Dropped
}

// ErrTailClosed wraps the server closing a tail; CloseCode tells why
// (1011 for tail_max_duration and for the concurrent tail limit).
type ErrTailClosed struct {
	Code   websocket.StatusCode
	Reason string
}

func (e *ErrTailClosed) Error() string {
	return fmt.Sprintf("loki tail closed by server (%d %s)", int(e.Code), e.Reason)
}

// OpenTail dials /loki/api/v1/tail. start is inclusive; limit bounds the
// historical entries sent first (capped at MaxEntriesPerQuery); delayFor
// (0..5 s) lets slow ingestion catch up.
func (c *Client) OpenTail(ctx context.Context, query string, start time.Time, limit int, delayFor time.Duration) (*Tail, error) {
	u := *c.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = u.Path + "/loki/api/v1/tail"
	q := url.Values{"query": {query}}
	if !start.IsZero() {
		q.Set("start", ns(start))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, MaxEntriesPerQuery)))
	}
	if delayFor > 0 {
		q.Set("delay_for", strconv.Itoa(min(int(delayFor/time.Second), 5)))
	}
	u.RawQuery = q.Encode()
	h := http.Header{}
	c.header(h)
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: c.o.Stream, HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body := ""
			if resp.Body != nil {
				b := make([]byte, 4096)
				n, _ := resp.Body.Read(b)
				body = errorText(b[:n])
				resp.Body.Close()
			}
			return nil, &Error{Status: resp.StatusCode, Body: body}
		}
		return nil, fmt.Errorf("loki tail: %w", c.unreachable(err))
	}
	conn.SetReadLimit(tailReadLimit)
	return &Tail{conn: conn}, nil
}

// Read blocks for the next frame.
func (t *Tail) Read(ctx context.Context) (TailFrame, error) {
	_, data, err := t.conn.Read(ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return TailFrame{}, &ErrTailClosed{Code: ce.Code, Reason: ce.Reason}
		}
		return TailFrame{}, err
	}
	var f tailFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return TailFrame{}, fmt.Errorf("loki tail: decoding frame: %w", err)
	}
	out := TailFrame{Entries: decodeStreams(f.Streams, &t.lc)}
	sortEntries(out.Entries, false)
	for _, d := range f.DroppedEntries {
		out.Dropped = append(out.Dropped, d.decode())
	}
	return out, nil
}

// Close closes the tail.
func (t *Tail) Close() error { return t.conn.Close(websocket.StatusNormalClosure, "") }
