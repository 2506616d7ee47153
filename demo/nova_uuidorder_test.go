package demo

import (
	"testing"
	"time"
)

// Nova's server list is indexed in uuid order at start, as in the
// default order: the cockpit's first page asks sort_key=uuid, and building
// that order on its request held the first rows back.
func TestNovaIndexesTheUUIDOrderAtStart(t *testing.T) {
	c, err := Start(StartOptions{Story: Options{Instances: 300, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c.Story.mu.Lock()
		ns := novaFor(c.Story)
		built := ns.byUUID[0] != nil && ns.byUUIDGen == ns.indexed && ns.indexed > 0
		c.Story.mu.Unlock()
		if built {
			return
		}
		if time.Now().After(end) {
			t.Fatal("no uuid order 5 s after start")
		}
	}
}
