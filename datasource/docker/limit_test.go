package docker_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/docker"
	"github.com/stackpit/stackpit/datasource/httpclient"
)

func TestOversizedContainerListNamesTheLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/version") {
			_, _ = w.Write([]byte(`{"ApiVersion":"1.41"}`))
			return
		}
		_, _ = w.Write([]byte("["))
		item := []byte(strings.Repeat(`{"Id":"abc","Names":["/x"],"State":"running"},`, 100))
		for n := 0; n < 3<<20; n += len(item) {
			if _, err := w.Write(item); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := docker.New(docker.Options{Host: "compute01", Addr: srv.URL, ReadOnly: true, MaxResponse: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(context.Background())
	if !errors.Is(err, httpclient.ErrTooLarge) || !strings.HasPrefix(err.Error(), "docker on compute01 response exceeded 1 MiB limit (GET /v1.41/containers/json") {
		t.Fatalf("err = %v", err)
	}
}
