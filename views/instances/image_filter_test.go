package instances

import (
	"testing"
	"time"
)

// image:<id> is the images pane's pivot to the servers booted from an
// image (volume-backed servers have none).
func TestFilterByImage(t *testing.T) {
	servers := fixture()
	for i := range servers {
		if i%3 == 0 {
			servers[i].ImageID = "7c1a1102-78c1-4502-b8e1-a75c8336aea9"
		}
	}
	src := &fakeSource{servers: servers}
	p, now := newPane(t, src)
	drive(p, p.Init())
	*now = now.Add(3 * time.Second)
	p.SetFilter("image:7c1a1102-78c1-4502-b8e1-a75c8336aea9")
	if got := p.tbl.Len(); got != 10 {
		t.Errorf("image filter: %d rows, want 10", got)
	}
}
