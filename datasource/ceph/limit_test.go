package ceph

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func TestOversizedMetricsNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := []byte(strings.Repeat("ceph_osd_up{ceph_daemon=\"osd.1\"} 1\n", 1000))
		for n := 0; n < 3<<20; n += len(line) {
			if _, err := w.Write(line); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMetrics(hc, srv.URL+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Snapshot(context.Background())
	if !errors.Is(err, httpclient.ErrTooLarge) || err.Error() != "ceph prometheus module response exceeded 1 MiB limit (GET /metrics)" {
		t.Fatalf("err = %v", err)
	}
}
