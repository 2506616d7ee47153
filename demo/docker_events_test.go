package demo

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The engine's ring holds its last 256 events of every type: a controller's
// healthchecks (3 exec events a probe, every 30 s, for each of its 28
// containers) push a container's die out of it in ~90 s, and an engine
// restart empties it.
func TestDockerEventsRingHoldsProbes(t *testing.T) {
	clk := &amClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c, err := Start(StartOptions{Story: Options{Instances: 10, FailAfter: -1, Now: clk.Now}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := c.URLs["docker-control01"]
	window := func(since, until time.Time) (n int, actions []string) {
		t.Helper()
		resp, err := http.Get(fmt.Sprintf("%s/v1.41/events?since=%d&until=%d", base, since.Unix(), until.Unix()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			n++
			if s := sc.Text(); !strings.Contains(s, `"Action":"exec_`) {
				actions = append(actions, s)
			}
		}
		return n, actions
	}
	start := clk.Now()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1.41/containers/keystone/stop", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, actions := window(start.Add(-time.Second), clk.Now()); len(actions) != 2 {
		t.Fatalf("right after the stop the ring holds %v, want its die and stop", actions)
	}
	clk.Add(100 * time.Second)
	n, actions := window(start.Add(-time.Second), clk.Now())
	if n < 250 || n > 256 || len(actions) != 0 {
		t.Fatalf("100 s of probes on: %d events, %v besides exec_*, want the ring (256, the last probes maybe after until), all probes", n, actions)
	}
	c.RestartDockerEngine("control01")
	if n, _ := window(start.Add(-time.Hour), clk.Now()); n != 0 {
		t.Fatalf("a restarted engine holds %d events", n)
	}
}
