package prometheus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func TestOversizedRangeQueryNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[`))
		pt := []byte(strings.Repeat(`[1700000000,"1"],`, 1000))
		for n := 0; n < 3<<20; n += len(pt) {
			if _, err := w.Write(pt); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	_, err = c.QueryRange(context.Background(), "up", now.Add(-time.Hour), now, time.Second)
	if !errors.Is(err, httpclient.ErrTooLarge) || !strings.HasPrefix(err.Error(), "prometheus response exceeded 1 MiB limit (") ||
		!strings.Contains(err.Error(), "/api/v1/query_range)") {
		t.Fatalf("err = %v", err)
	}
}
