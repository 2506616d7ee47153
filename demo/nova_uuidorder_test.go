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

// The indexes sorted from keys read once are Nova's orders: newest first
// then ID descending (many servers share a creation hour), and by uuid
// both ways, each position where the list puts it.
func TestNovaIndexOrders(t *testing.T) {
	s := NewStory(Options{Instances: 3000, FailAfter: -1})
	// IDs sharing their first 8 bytes: the whole ID decides.
	s.Instances[7].ID = s.Instances[8].ID[:8] + "-0000" + s.Instances[8].ID[13:]
	s.Instances[9].Created = s.Instances[10].Created
	s.Lock(func() {
		ns := novaFor(s)
		ns.reindex()
		for i := 1; i < len(ns.order); i++ {
			a, b := ns.order[i-1], ns.order[i]
			if a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.ID <= b.ID {
				t.Fatalf("order[%d] %v %s before %v %s", i-1, a.Created, a.ID, b.Created, b.ID)
			}
			if ns.byID(b.ID) != b {
				t.Fatalf("byID(%s) is not order[%d]", b.ID, i)
			}
		}
		for _, desc := range []bool{false, true} {
			list, pos := ns.uuidOrder(desc)
			for i, in := range list {
				if p, ok := pos(in.ID); !ok || p != i {
					t.Fatalf("desc %v: %s at %d, pos says %d %v", desc, in.ID, i, p, ok)
				}
				if i > 0 && (list[i-1].ID < in.ID) == desc {
					t.Fatalf("desc %v: %s then %s", desc, list[i-1].ID, in.ID)
				}
			}
			if _, ok := pos("no-such-server"); ok {
				t.Errorf("desc %v: a missing server has a position", desc)
			}
		}
	})
}

// The start's index is made outside the story's lock: while it is being
// made the story answers (Keystone's tokens, the other services' starts:
// Ceph's takes the lock), and the first list waits for it and reads it.
func TestNovaStartIndexLeavesTheStoryFree(t *testing.T) {
	hold := make(chan struct{})
	warmIndexHook = func() { <-hold }
	defer func() { warmIndexHook = nil }()
	c, err := Start(StartOptions{Story: Options{Instances: 300, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	free := make(chan struct{})
	go c.Story.Lock(func() { close(free) })
	select {
	case <-free:
	case <-time.After(5 * time.Second):
		close(hold)
		t.Fatal("the story's lock is held while the start's index is made")
	}
	listed := make(chan []*Instance)
	go c.Story.Lock(func() {
		ns := novaFor(c.Story)
		ns.reindex()
		list, _ := ns.uuidOrder(false)
		listed <- list
	})
	time.Sleep(20 * time.Millisecond)
	close(hold)
	if list := <-listed; len(list) != 300 {
		t.Fatalf("first reader saw %d servers, want 300", len(list))
	}
}
