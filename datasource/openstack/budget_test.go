package openstack_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/internal/cadence"
)

// countReqs counts the demo's recorded requests whose service and path
// match, from index from on.
func countReqs(c *demo.Cloud, from int, service, pathSuffix string) int {
	n := 0
	for _, r := range c.Requests()[from:] {
		if r.Service == service && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// Placement usages are re-read only for providers whose generation moved,
// and then at most once per UsageEvery; the values shown in between are
// the last ones read.
func TestPlacementUsageFollowsGenerationAtMostOncePerMinute(t *testing.T) {
	c, clk := startDemo(t, demo.Options{Instances: 120, FailAfter: -1})
	oc := demoClient(t, c, true)
	oc.Clock = clk.Now
	ctx := tctx(t)
	if _, err := oc.Servers(ctx); err != nil {
		t.Fatal(err)
	}
	r0 := len(c.Requests())
	hv, err := oc.Hypervisors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := countReqs(c, r0, "placement", "/usages"); n != len(hv) {
		t.Fatalf("first read: %d usages requests for %d providers", n, len(hv))
	}
	used := map[string]int{}
	for _, h := range hv {
		used[h.Hostname] = h.VCPUsUsed
	}

	// Nothing changed: ten more refreshes read only the provider list.
	r0 = len(c.Requests())
	for i := 0; i < 10; i++ {
		clk.Add(10 * time.Second)
		if _, err := oc.Hypervisors(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := countReqs(c, r0, "placement", ""); n != 10 {
		t.Errorf("10 unchanged refreshes sent %d Placement requests, want 10 (the provider list)", n)
	}

	// compute01's usage changes: not re-read within the minute, then once.
	c.Story.Lock(func() {
		for _, in := range c.Story.Instances {
			if in.Host == "compute01" && !in.Deleted {
				in.FlavorID = "5" // m1.xlarge: 8 vCPUs
				c.Story.Touch(in) // the demo's caches follow changes made through Touch
				break
			}
		}
	})
	r0 = len(c.Requests())
	oc.UsageEvery = time.Minute
	var got int
	for i := 0; i < 12; i++ { // two minutes
		clk.Add(10 * time.Second)
		hv, err := oc.Hypervisors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hv {
			if h.Hostname == "compute01" {
				got = h.VCPUsUsed
			}
		}
	}
	if n := countReqs(c, r0, "placement", "/usages"); n != 1 {
		t.Errorf("one provider changed: %d usages requests in two minutes, want 1", n)
	}
	if got == used["compute01"] {
		t.Errorf("compute01 vCPU usage still %d after its change was read", got)
	}
}

// The panes that ask for os-services in the same refresh share one read;
// a change made through the client is seen at once.
func TestComputeServicesSharedWithinTTL(t *testing.T) {
	c, clk := startDemo(t, demo.Options{Instances: 30, FailAfter: -1})
	oc := demoClient(t, c, false)
	oc.Clock = clk.Now
	oc.SharedTTL = 5 * time.Second
	ctx := tctx(t)
	r0 := len(c.Requests())
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ { // compute, agents and instances panes on one tick
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := oc.ComputeServices(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := oc.ComputeServices(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countReqs(c, r0, "nova", "/os-services"); n != 1 {
		t.Errorf("4 callers within the TTL sent %d os-services requests, want 1", n)
	}
	if err := oc.DisableService(ctx, "compute02", "budget test"); err != nil {
		t.Fatal(err)
	}
	ss, err := oc.ComputeServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Host == "compute02" && s.Binary == "nova-compute" && s.Status != "disabled" {
			t.Errorf("after disabling through the client, the shared answer still says %s", s.Status)
		}
	}
	clk.Add(6 * time.Second)
	r0 = len(c.Requests())
	if _, err := oc.ComputeServices(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countReqs(c, r0, "nova", "/os-services"); n != 1 {
		t.Errorf("after the TTL: %d os-services requests, want 1", n)
	}
}

// A busy host (its generation moves every refresh) costs Placement at most
// one usage-data request a minute, inventories included (issue 15: <= 1
// request per host per minute for usage data).
func TestPlacementBusyHostAtMostOneRequestPerMinute(t *testing.T) {
	c, clk := startDemo(t, demo.Options{Instances: 120, FailAfter: -1})
	oc := demoClient(t, c, true)
	oc.Clock = clk.Now
	ctx := tctx(t)
	if _, err := oc.Servers(ctx); err != nil {
		t.Fatal(err)
	}
	hv, err := oc.Hypervisors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uuid := ""
	for _, h := range hv {
		if h.Hostname == "compute01" {
			uuid = h.ID
		}
	}
	if uuid == "" {
		t.Fatal("no compute01 provider")
	}
	flavors := []string{"5", "2"}
	used := map[int]bool{}
	last, reads := -100, 0
	for i := 0; i < 6*30; i++ { // 30 minutes of 10 s refreshes
		c.Story.Lock(func() {
			for _, in := range c.Story.Instances {
				if in.Host == "compute01" && !in.Deleted {
					in.FlavorID = flavors[i%2]
					c.Story.Touch(in)
					break
				}
			}
		})
		clk.Add(10 * time.Second)
		r0 := len(c.Requests())
		hv, err := oc.Hypervisors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hv {
			if h.Hostname == "compute01" {
				used[h.VCPUsUsed] = true
			}
		}
		n := 0
		for _, r := range c.Requests()[r0:] {
			if r.Service == "placement" && strings.Contains(r.Path, uuid) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		if n > 1 || i-last < 6 {
			t.Fatalf("refresh %d: %d requests for the busy provider, %d s after the last ones: want at most one a minute", i, n, (i-last)*10)
		}
		last = i
		reads++
	}
	if reads < 20 {
		t.Fatalf("a busy provider was read %d times in 30 minutes: its usage is not followed", reads)
	}
	if len(used) < 2 {
		t.Fatalf("compute01's usage never changed on screen: %v", used)
	}
}

// Panes that refresh at different seconds of the same refresh interval of
// the wall clock share one os-services read (issue 15: with a TTL of half
// a refresh, the compute, agents and instances panes made 1.5 reads a
// cycle).
func TestComputeServicesOneReadPerWallClockInterval(t *testing.T) {
	c, clk := startDemo(t, demo.Options{Instances: 30, FailAfter: -1})
	oc := demoClient(t, c, false)
	oc.Clock = clk.Now
	oc.SharedTTL, oc.SharedSlot = 1500*time.Millisecond, 3*time.Second
	// Start at the beginning of an interval of 3 s.
	clk.Add(clk.Now().Truncate(3*time.Second).Add(3*time.Second).Sub(clk.Now()) + 100*time.Millisecond)
	r0 := len(c.Requests())
	for i := 0; i < 3; i++ { // one pane a second, within the interval
		if _, err := oc.ComputeServices(tctx(t)); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second - 50*time.Millisecond)
	}
	if n := countReqs(c, r0, "nova", "/os-services"); n != 1 {
		t.Errorf("3 panes in one refresh interval sent %d os-services requests, want 1", n)
	}
	// The next interval reads again.
	clk.Add(time.Second)
	r0 = len(c.Requests())
	if _, err := oc.ComputeServices(tctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := countReqs(c, r0, "nova", "/os-services"); n != 1 {
		t.Errorf("next interval: %d os-services requests, want 1", n)
	}
}

// A shared os-services answer within a refresh of its request is not
// reported as older (an idle screen's age labels stay), but one whose
// request took 20 s is: a pane must not label 21 s old services fresh.
func TestComputeServicesSlowSharedAnswerReportsItsAge(t *testing.T) {
	c, clk := startDemo(t, demo.Options{Instances: 30, FailAfter: -1})
	oc := demoClient(t, c, false)
	oc.Clock = clk.Now
	oc.SharedTTL, oc.SharedSlot = 1500*time.Millisecond, 3*time.Second
	clk.Add(clk.Now().Truncate(3*time.Second).Add(3*time.Second).Sub(clk.Now()) + 100*time.Millisecond)
	if _, err := oc.ComputeServices(tctx(t)); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	ctx, age := cadence.WithAge(tctx(t))
	if _, err := oc.ComputeServices(ctx); err != nil {
		t.Fatal(err)
	}
	if !age.Oldest().IsZero() {
		t.Errorf("an answer a second old reported as of %v, want the caller's own time", age.Oldest())
	}

	// The next interval's read takes 20 s.
	clk.Add(3 * time.Second)
	sent := clk.Now()
	r0 := len(c.Requests())
	c.Hold()
	done := make(chan error, 1)
	go func() { _, err := oc.ComputeServices(tctx(t)); done <- err }()
	for deadline := time.Now().Add(10 * time.Second); countReqs(c, r0, "nova", "/os-services") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the os-services request never came")
		}
	}
	clk.Add(20 * time.Second)
	c.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	ctx, age = cadence.WithAge(tctx(t))
	if _, err := oc.ComputeServices(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countReqs(c, r0, "nova", "/os-services"); n != 1 {
		t.Fatalf("%d os-services requests, want the shared one", n)
	}
	if !age.Oldest().Equal(sent) {
		t.Errorf("an answer whose request was sent 21 s ago reported as of %v, want %v", age.Oldest(), sent)
	}
}
