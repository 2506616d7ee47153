//go:build integration

package memcached_test

// Against Debian's memcached (testenv/controlplane.sh start). The test's
// own set-up stores a key and reads it and a missing one over a raw
// connection, so the hit ratio is known to have moved.

import (
	"bufio"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/memcached"
)

func addr(t *testing.T) string {
	a := os.Getenv("STACKPIT_TEST_MEMCACHED_ADDR")
	if a == "" {
		if os.Getenv("STACKPIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("STACKPIT_TEST_MEMCACHED_ADDR unset (run testenv/controlplane.sh start and source testenv/run/controlplane.env)")
		}
		t.Skip("STACKPIT_TEST_MEMCACHED_ADDR unset")
	}
	return a
}

// exchange sends raw protocol lines and reads until a line starting with
// end (test set-up only).
func exchange(t *testing.T, a, send, end string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", a, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte(send))
	rd := bufio.NewReader(conn)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("%q: %v", send, err)
		}
		if strings.HasPrefix(line, end) {
			return
		}
	}
}

func TestIntegrationStats(t *testing.T) {
	a := addr(t)
	c, err := memcached.New(a, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if before.Version == "" || before.PID <= 0 || before.CurrConnections < 1 || before.MaxConnections <= 0 || before.LimitBytes != 16<<20 {
		t.Errorf("stats: %+v", before)
	}
	exchange(t, a, "set stackpit-it 0 60 2\r\nok\r\n", "STORED")
	exchange(t, a, "get stackpit-it\r\n", "END")
	exchange(t, a, "get stackpit-it\r\n", "END")
	exchange(t, a, "get stackpit-missing\r\n", "END")
	after, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.GetHits-before.GetHits != 2 || after.GetMisses-before.GetMisses != 1 {
		t.Errorf("hits %d->%d misses %d->%d", before.GetHits, after.GetHits, before.GetMisses, after.GetMisses)
	}
	if r, ok := after.HitRatio(); !ok || r <= 0 || r >= 1 {
		t.Errorf("hit ratio %v %v", r, ok)
	}
}

func TestIntegrationDownReadsUnreachable(t *testing.T) {
	addr(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c, _ := memcached.New(dead, time.Second)
	_, err := c.Stats(context.Background())
	if e, ok := err.(*memcached.Error); !ok || !e.Unreachable || !strings.Contains(err.Error(), dead) {
		t.Errorf("down: %v", err)
	}
}

func BenchmarkIntegrationStats(b *testing.B) {
	a := os.Getenv("STACKPIT_TEST_MEMCACHED_ADDR")
	if a == "" {
		b.Skip("STACKPIT_TEST_MEMCACHED_ADDR unset")
	}
	c, _ := memcached.New(a, time.Second)
	for i := 0; i < b.N; i++ {
		if _, err := c.Stats(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
