package demo

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStoryHostDiesOnSchedule(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := NewStory(Options{Instances: 30, FailAfter: 45 * time.Second, Now: func() time.Time { return now }})
	h := s.Host("compute04")
	s.Lock(func() {
		if !h.Powered || !s.ServiceUp(h) {
			t.Fatal("host down too early")
		}
	})
	now = now.Add(50 * time.Second)
	s.Lock(func() {
		if h.Powered || !s.ServiceUp(h) {
			t.Fatal("want powered off but heartbeat not yet timed out")
		}
	})
	now = now.Add(HeartbeatTimeout)
	s.Lock(func() {
		if s.ServiceUp(h) {
			t.Fatal("service still up after heartbeat timeout")
		}
		if evs := s.Events(0); len(evs) != 1 || evs[0].Kind != "host_down" {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestKeystoneTokenAndCatalog(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"demo"}}}}}`
	resp, err := http.Post(c.URLs["keystone"]+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != 201 || !c.ValidToken(tok) {
		t.Fatalf("status %d token %q", resp.StatusCode, tok)
	}
	resp, _ = http.Post(c.URLs["keystone"]+"/v3/auth/tokens", "application/json", strings.NewReader(strings.Replace(body, "demo", "bad", 1)))
	if resp.StatusCode != 401 {
		t.Fatalf("bad password: %d", resp.StatusCode)
	}
	if m := c.Mutations(); len(m) != 0 {
		t.Fatalf("token issue counted as mutation: %+v", m)
	}
}
