package httpclient

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestGuardRefusesMutationsBeforeTheWire(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	c, err := New(Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		allowed      bool
	}{
		{"GET", "/v2.1/servers/detail", true},
		{"HEAD", "/", true},
		{"POST", "/identity/v3/auth/tokens", true},
		{"POST", "/api/v1/query_range", true},
		{"POST", "/api/auth", true},
		{"POST", "/v2.1/servers/x/action", false},
		{"PUT", "/v2.1/os-services/1", false},
		{"DELETE", "/api/v2/silence/abc", false},
		{"POST", "/api/v2/silences", false},
		{"POST", "/v1.41/containers/nova_compute/restart", false},
		{"PATCH", "/x", false},
		{"PUT", "/api/osd/flags", false},
	} {
		before := hits.Load()
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		reached := hits.Load() > before
		if tc.allowed && (err != nil || !reached) {
			t.Errorf("%s %s: want allowed, err=%v reached=%v", tc.method, tc.path, err, reached)
		}
		if !tc.allowed && (!errors.Is(err, ErrReadOnly) || reached) {
			t.Errorf("%s %s: want refused before the wire, err=%v reached=%v", tc.method, tc.path, err, reached)
		}
	}
}

func TestWritableSessionPasses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != "t1" {
			w.WriteHeader(400)
		}
	}))
	defer srv.Close()
	c, _ := New(Options{Headers: map[string]string{"X-Scope-OrgID": "t1"}})
	resp, err := c.Post(srv.URL+"/v2.1/servers/x/action", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("err=%v resp=%v", err, resp)
	}
	resp.Body.Close()
}

func TestGuardAllowsOnlyReadingServerActions(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
	}))
	defer srv.Close()
	c, _ := New(Options{ReadOnly: true})
	for body, allowed := range map[string]bool{
		`{"os-getConsoleOutput": {"length": 50}}`:                 true,
		`{"reboot": {"type": "HARD"}}`:                            false,
		`{"os-getConsoleOutput": {}, "reboot": {"type": "SOFT"}}`: false,
		`not json`:         false,
		`{"evacuate": {}}`: false,
	} {
		got = nil
		resp, err := c.Post(srv.URL+"/v2.1/servers/abc/action", "application/json", strings.NewReader(body))
		if resp != nil {
			resp.Body.Close()
		}
		if allowed && (err != nil || len(got) != 1 || got[0] != body) {
			t.Errorf("%s: want it sent intact, err=%v got=%q", body, err, got)
		}
		if !allowed && (!errors.Is(err, ErrReadOnly) || len(got) != 0) {
			t.Errorf("%s: want refused, err=%v", body, err)
		}
	}
}
