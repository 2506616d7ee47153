package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// cephDo sends one request to the demo dashboard.
func cephDo(t *testing.T, c *Cloud, method, path, token, body string, accept bool) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.URLs["ceph"]+path, r)
	if accept {
		req.Header.Set("Accept", cephAccept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func cephLogin(t *testing.T, c *Cloud) string {
	t.Helper()
	code, body := cephDo(t, c, "POST", "/api/auth", "", `{"username":"admin","password":"demo"}`, true)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	var a struct{ Token string }
	_ = json.Unmarshal([]byte(body), &a)
	if strings.Count(a.Token, ".") != 2 {
		t.Fatalf("token %q is not JWT-shaped", a.Token)
	}
	return a.Token
}

func TestCephDashboardProtocolLikeTheRealOne(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code, body := cephDo(t, c, "GET", "/api/health/minimal", "", "", false); code != 415 || !strings.Contains(body, "Unable to find version") {
		t.Errorf("no Accept header: %d %s", code, body)
	}
	if code, _ := cephDo(t, c, "GET", "/api/health/minimal", "", "", true); code != 401 {
		t.Errorf("no token: %d", code)
	}
	tok := cephLogin(t, c)
	if code, body := cephDo(t, c, "GET", "/api/health/minimal", tok, "", true); code != 200 || !strings.Contains(body, "HEALTH_WARN") {
		t.Errorf("minimal: %d %s", code, body)
	}
	// The dashboard answers 200 null to an unknown mark action and changes nothing.
	if code, body := cephDo(t, c, "PUT", "/api/osd/2/mark", tok, `{"action":"explode"}`, true); code != 200 || strings.TrimSpace(body) != "null" {
		t.Errorf("bogus mark: %d %s", code, body)
	}
	if _, body := cephDo(t, c, "GET", "/api/osd/2", tok, "", true); !strings.Contains(body, `"in":1`) {
		t.Errorf("bogus mark changed the OSD: %s", body)
	}
	if code, _ := cephDo(t, c, "PUT", "/api/osd/flags", tok, "", true); code != 400 {
		t.Errorf("PUT without a body: %d", code)
	}
	if code, _ := cephDo(t, c, "GET", "/api/crash", tok, "", true); code != 404 {
		t.Errorf("Pacific has no crash endpoint: %d", code)
	}
	// Ten failed logins disable the user, even with the right password after.
	for i := 0; i < 10; i++ {
		if code, _ := cephDo(t, c, "POST", "/api/auth", "", `{"username":"admin","password":"nope"}`, true); code != 400 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code, _ := cephDo(t, c, "POST", "/api/auth", "", `{"username":"admin","password":"demo"}`, true); code != 400 {
		t.Errorf("user not locked out after 10 failures: %d", code)
	}
	if CephAuthFailures(c) != 10 {
		t.Errorf("failures %d", CephAuthFailures(c))
	}
}

func TestCephFollowsTheStory(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: 30 * time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tok := cephLogin(t, c)
	health := func() string {
		_, body := cephDo(t, c, "GET", "/api/health/minimal", tok, "", true)
		return body
	}
	if strings.Contains(health(), "OSD_DOWN") {
		t.Fatal("OSD_DOWN before the power loss")
	}
	advance(30 * time.Second)
	health() // the story powers compute04 off here
	advance(CephOSDDownDelay + time.Second)
	h := health()
	if !strings.Contains(h, "osd.6 (root=default,host=compute04) is down") || !strings.Contains(h, "PG_DEGRADED") {
		t.Fatalf("after power loss: %s", h)
	}
	advance(CephDownOutInterval)
	h = health()
	if strings.Contains(h, "OSD_DOWN") {
		t.Fatalf("down+out OSDs still reported: %s", h)
	}
	// Down and out: no PGs, no stats (like the recorded 04_warn_osd_out).
	_, list := cephDo(t, c, "GET", "/api/osd", tok, "", true)
	var osds []struct {
		ID    int `json:"id"`
		Up    int `json:"up"`
		In    int `json:"in"`
		Stats struct {
			NumPG     int   `json:"numpg"`
			StatBytes int64 `json:"stat_bytes"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(list), &osds); err != nil {
		t.Fatal(err)
	}
	outs := 0
	for _, o := range osds {
		if o.Up == 0 && o.In == 0 {
			outs++
			if o.Stats.NumPG != 0 || o.Stats.StatBytes != 0 {
				t.Errorf("osd.%d is down and out but reports %d PGs, %d bytes", o.ID, o.Stats.NumPG, o.Stats.StatBytes)
			}
		}
	}
	if outs != 2 {
		t.Fatalf("%d OSDs down and out, want compute04's 2", outs)
	}
	_, sum := cephDo(t, c, "GET", "/api/summary", tok, "", true)
	if !strings.Contains(sum, "Global Recovery Event") {
		t.Fatalf("no recovery progress: %s", sum)
	}
	advance(CephRecoveryDuration + time.Second)
	h = health()
	if strings.Contains(h, "PG_DEGRADED") || !strings.Contains(h, `"active+clean":649`) {
		t.Fatalf("not clean after recovery: %s", h)
	}
}
