package alertmanager

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// An Alertmanager answering with more than the limit: the error names the
// limit, not "unexpected end of JSON input" (what the old silent 64 MiB cut
// produced).
func TestOversizedAlertListNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("["))
		item := []byte(strings.Repeat(`{"labels":{"alertname":"x"},"fingerprint":"f"},`, 100))
		for n := 0; n < 3<<20; n += len(item) {
			if _, err := w.Write(item); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Instance{Name: "am1", URL: srv.URL, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Alerts(context.Background(), AlertFilter{})
	if err == nil || !strings.Contains(err.Error(), "alertmanager am1 response exceeded 1 MiB limit (GET /api/v2/alerts)") ||
		strings.Contains(err.Error(), "JSON") {
		t.Fatalf("err = %v", err)
	}
}
