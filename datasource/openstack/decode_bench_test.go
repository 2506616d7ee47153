package openstack_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
)

// pageRT keeps the bodies of the responses keep picks.
type pageRT struct {
	base   http.RoundTripper
	keep   func(*http.Request) bool
	mu     sync.Mutex
	bodies [][]byte
}

func (t *pageRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil || !t.keep(r) {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.bodies = append(t.bodies, b)
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// demoPages lists with a client of a demo of the given instances, and
// returns the bodies keep picked, as the demo wrote them.
func demoPages(tb testing.TB, instances int, keep func(*http.Request) bool, list func(context.Context, *openstack.Client) error) [][]byte {
	tb.Helper()
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: instances, FailAfter: -1}})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	auth, err := config.ResolveAuth("demo", "", c.Config())
	if err != nil {
		tb.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, Timeout: time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	rt := &pageRT{base: hc.Transport, keep: keep}
	hc.Transport = rt
	ctx := context.Background()
	oc, err := openstack.New(ctx, auth, hc)
	if err != nil {
		tb.Fatal(err)
	}
	if err := list(ctx, oc); err != nil {
		tb.Fatal(err)
	}
	return rt.bodies
}

// demoServerPage returns one 1000-server /servers/detail page as the demo's
// Nova writes it.
func demoServerPage(tb testing.TB) []byte {
	pages := demoPages(tb, 1500, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/servers/detail") && r.URL.Query().Get("limit") == "1000"
	}, func(ctx context.Context, oc *openstack.Client) error {
		_, err := oc.Servers(ctx)
		return err
	})
	if len(pages) == 0 {
		tb.Fatal("no 1000-server page seen")
	}
	return pages[0]
}

// The demo Cinder's /volumes/detail pages (its own writer, not
// encoding/json's) scan as encoding/json decodes them.
func TestScanVolumePageDemo(t *testing.T) {
	pages := demoPages(t, 150, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/volumes/detail")
	}, func(ctx context.Context, oc *openstack.Client) error {
		oc.PageSize = 40
		_, err := oc.Volumes(ctx)
		return err
	})
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	attached := 0
	for i, body := range pages {
		got, links, ok := openstack.ScanVolumePage(body)
		if !ok {
			t.Fatalf("the scanner gave up on demo page %d", i)
		}
		want, wantLinks, err := openstack.DecodeVolumePageJSON(body)
		if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(links, wantLinks) {
			t.Fatalf("demo page %d: scanned %d volumes %+v, encoding/json %d %+v (%v)", i, len(got), links, len(want), wantLinks, err)
		}
		for _, v := range got {
			attached += len(v.Attachments)
		}
	}
	if attached == 0 {
		t.Fatal("no attachment on the demo's pages")
	}
}

// BenchmarkDecodeServerPage: one 1000-server page (~2.4 MB) decoded as the
// pager does, the CPU and garbage a 50k load pays 50 times.
func BenchmarkDecodeServerPage(b *testing.B) {
	body := demoServerPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ss, err := openstack.DecodeServerPage(body)
		if err != nil || len(ss) != 1000 {
			b.Fatalf("%d servers, %v", len(ss), err)
		}
	}
}

// The lean page reader decodes the demo's Nova pages exactly as
// encoding/json does.
func TestDecodeServerPageDemo(t *testing.T) {
	body := demoServerPage(t)
	got, err := openstack.DecodeServerPage(body)
	if err != nil {
		t.Fatal(err)
	}
	want, err := openstack.DecodeServerPageJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1000 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d servers; differ from encoding/json's", len(got))
	}
	// The pager reuses a page's buffer once decoded: nothing decoded may
	// still point into it.
	for i := range body {
		body[i] = 'X'
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("a decoded server changed when its page's buffer was reused")
	}
}

// BenchmarkDecodeServerPageNewUsers: the same page with user IDs never
// seen before in each round, as at a cockpit's start on a cloud where
// each server has its own user (the demo's): per-server values that
// share nothing.
func BenchmarkDecodeServerPageNewUsers(b *testing.B) {
	body := demoServerPage(b)
	key := []byte(`"user_id":"`)
	var at []int
	for i := 0; ; {
		j := bytes.Index(body[i:], key)
		if j < 0 {
			break
		}
		at = append(at, i+j+len(key))
		i += j + len(key)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for k, o := range at {
			copy(body[o:], fmt.Sprintf("%08x%08x", i, k))
		}
		b.StartTimer()
		ss, err := openstack.DecodeServerPage(body)
		if err != nil || len(ss) != 1000 {
			b.Fatalf("%d servers, %v", len(ss), err)
		}
	}
}
