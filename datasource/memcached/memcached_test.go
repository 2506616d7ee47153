package memcached

import (
	"bufio"
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve answers `stats` with answer on a loopback listener and records the
// commands it got.
func serve(t *testing.T, answer string) (string, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			got = append(got, line)
			mu.Unlock()
			c.Write([]byte(answer))
			c.Close()
		}
	}()
	return ln.Addr().String(), func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
}

func TestStats(t *testing.T) {
	fixture, err := os.ReadFile("testdata/stats.txt")
	if err != nil {
		t.Fatal(err)
	}
	addr, got := serve(t, string(fixture))
	c, err := New(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "1.6.18" || s.Uptime != 3612*time.Second || s.CurrConnections != 212 ||
		s.MaxConnections != 4096 || s.Evictions != 37 || s.GetHits != 8100 || s.GetMisses != 900 || s.LimitBytes != 64<<20 {
		t.Errorf("stats: %+v", s)
	}
	if r, ok := s.HitRatio(); !ok || r != 0.9 {
		t.Errorf("hit ratio %v %v, want 0.9", r, ok)
	}
	if g := got(); len(g) != 1 || g[0] != "stats\r\n" {
		t.Errorf("sent %q, want only stats", g)
	}
}

func TestHitRatioBeforeAnyGet(t *testing.T) {
	if _, ok := (Stats{}).HitRatio(); ok {
		t.Error("no gets yet: no ratio")
	}
}

func TestErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := New(addr, time.Second)
	_, err := c.Stats(context.Background())
	if e, ok := err.(*Error); !ok || !e.Unreachable || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), addr) {
		t.Errorf("down: %v", err)
	}
	// cut off mid-answer
	addr2, _ := serve(t, "STAT pid 1\r\nSTAT uptime 3\r\n")
	c2, _ := New(addr2, time.Second)
	if _, err := c2.Stats(context.Background()); err == nil || !strings.Contains(err.Error(), "before END") {
		t.Errorf("truncated answer: %v", err)
	}
	addr3, _ := serve(t, "ERROR\r\n")
	c3, _ := New(addr3, time.Second)
	if _, err := c3.Stats(context.Background()); err == nil || !strings.Contains(err.Error(), `"ERROR"`) {
		t.Errorf("error answer: %v", err)
	}
	if _, err := New("nohostport", 0); err == nil {
		t.Error("bad address accepted")
	}
}
