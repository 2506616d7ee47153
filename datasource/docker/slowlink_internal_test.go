package docker

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// On a slow link a list's inspects go one at a time only for
// serialInspectsFor, then the rest several at once: one at a time cost a
// round trip per container (70 containers at 20 ms a request: 1.5 s where
// eight at once took 0.24; review of keys1k2). The handler's sleep is the
// link's delay; what is asserted is how many inspects were in flight.
func TestSlowLinkInspectsGoSeveralAtOnce(t *testing.T) {
	defer func(d time.Duration) { serialInspectsFor = d }(serialInspectsFor)
	serialInspectsFor = 50 * time.Millisecond
	const n = 40
	var mu sync.Mutex
	inFlight, most := 0, 0
	list := make([]string, n)
	for i := range n {
		list[i] = fmt.Sprintf(`{"Id":"c%d","Names":["/c%d"],"Image":"kolla/c","State":"running","Status":"Up 2 hours","Created":1700000000}`, i, i)
	}
	cl := fakeEngine(t, list, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		fmt.Fprint(w, `{"Id":"c","Name":"/c","State":{"Status":"running","Pid":1,"StartedAt":"2026-12-07T00:00:00Z"}}`)
	})
	cs, err := cl.List(context.Background())
	if err != nil || len(cs) != n {
		t.Fatalf("list: %d containers, %v", len(cs), err)
	}
	for _, c := range cs {
		if c.Pid != 1 {
			t.Fatalf("%s not inspected", c.Name)
		}
	}
	if most < 2 {
		t.Fatalf("at most %d inspect in flight on a slow link, want several", most)
	}
}
