package loki

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// A Loki nobody answers for: the error names the server and the reason in
// plain words, without the request's URL and its long query string.
func TestUnreachableNamesServerAndReason(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{URL: "http://" + addr, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(context.Background(), RangeQuery{Query: `{host=~".+"}`, Start: time.Now().Add(-time.Hour), End: time.Now(), Limit: 100})
	want := "loki at http://" + addr + " unreachable: connection refused"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
	if strings.Contains(err.Error(), "query_range") || strings.Contains(err.Error(), "Get \"") {
		t.Errorf("err %q carries the raw request line", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("errors.Is(ECONNREFUSED) lost: %v", err)
	}
	_, err = c.OpenTail(context.Background(), `{host=~".+"}`, time.Now(), 100, 0)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("tail err = %v, want %q", err, want)
	}
}

// A Loki that accepts the connection and never answers times out with a
// plain-words reason (the client's own timeout bounds it).
func TestHangingLokiTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{URL: "http://" + l.Addr().String(), HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(context.Background(), RangeQuery{Query: `{host=~".+"}`, Start: time.Now().Add(-time.Hour), End: time.Now(), Limit: 100})
	if err == nil || !strings.Contains(err.Error(), "loki at http://"+l.Addr().String()+" unreachable: no answer in time") {
		t.Fatalf("err = %v", err)
	}
}
