package loki

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

func TestOversizedLogQueryNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[`))
		v := []byte(strings.Repeat(`["1700000000000000000","line"],`, 1000))
		for n := 0; n < 3<<20; n += len(v) {
			if _, err := w.Write(v); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{URL: srv.URL, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.get(context.Background(), "/loki/api/v1/query_range", nil)
	if !errors.Is(err, httpclient.ErrTooLarge) || err.Error() != "loki response exceeded 1 MiB limit (GET /loki/api/v1/query_range)" {
		t.Fatalf("err = %v", err)
	}
}
