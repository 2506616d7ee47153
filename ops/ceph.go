package ops

// Ceph changes an OpenStack operator needs during an incident: the
// cluster-wide noout flag, noout on one OSD, and marking an OSD in or out.
// The Actor verifies each change by reading the cluster back (the
// dashboard answers 200 even when nothing changed); after a lost reply
// ReadBackCeph reads the cluster snapshot to say whether it happened.

import (
	"context"
	"fmt"
	"time"

	"github.com/stackpit/stackpit/datasource/ceph"
)

// CephReader reads a cluster snapshot (any ceph.Source).
type CephReader interface {
	Snapshot(ctx context.Context) (*ceph.Cluster, error)
}

// Ceph change kinds.
const (
	CephNoout    = "noout"     // the cluster-wide noout flag
	CephOSDNoout = "osd-noout" // noout on one OSD
	CephMark     = "mark"      // mark an OSD in (On) or out
)

// CephChange is one Ceph change: set (On) or unset noout, or mark OSD in
// (On) or out.
type CephChange struct {
	Kind string
	OSD  int
	On   bool
}

// OSDName is "osd.N".
func (c CephChange) OSDName() string { return fmt.Sprintf("osd.%d", c.OSD) }

func (c CephChange) verb() string {
	switch {
	case c.Kind == CephMark && c.On:
		return "in"
	case c.Kind == CephMark:
		return "out"
	case c.On:
		return "set"
	}
	return "unset"
}

// Name is the action's name for the audit: ceph-noout-set,
// ceph-osd-noout-unset, ceph-osd-out...
func (c CephChange) Name() string {
	switch c.Kind {
	case CephNoout:
		return "ceph-noout-" + c.verb()
	case CephOSDNoout:
		return "ceph-osd-noout-" + c.verb()
	}
	return "ceph-osd-" + c.verb()
}

// Target is "cluster" or the OSD's name.
func (c CephChange) Target() string {
	if c.Kind == CephNoout {
		return "cluster"
	}
	return c.OSDName()
}

// ChangeCeph makes the change through a (which verifies it by read-back)
// and returns the result line.
func ChangeCeph(ctx context.Context, a ceph.Actor, c CephChange, step func(Step)) (string, error) {
	step = stepTo(step)
	switch c.Kind {
	case CephNoout:
		step(Step{Done: 0, Total: 2, Line: "noout " + c.verb() + ": updating the OSD map flags"})
		if err := a.SetNoout(ctx, c.On); err != nil {
			return "", err
		}
		step(Step{Done: 2, Total: 2, Line: "read back: noout " + c.verb()})
		return "noout " + c.verb() + " (verified by read-back)", nil
	case CephOSDNoout:
		step(Step{Done: 0, Total: 1, Line: c.OSDName() + " noout " + c.verb()})
		if err := a.SetOSDNoout(ctx, c.OSD, c.On); err != nil {
			return "", err
		}
		step(Step{Done: 1, Total: 1, Line: c.OSDName() + " noout " + c.verb()})
		return c.OSDName() + " noout " + c.verb() + " (verified by read-back)", nil
	case CephMark:
		step(Step{Done: 0, Total: 1, Line: "marking " + c.OSDName() + " " + c.verb()})
		if err := a.MarkOSD(ctx, c.OSD, c.On); err != nil {
			return "", err
		}
		step(Step{Done: 1, Total: 1, Line: c.OSDName() + " marked " + c.verb()})
		return c.OSDName() + " marked " + c.verb() + " (verified by read-back)", nil
	}
	return "", fmt.Errorf("unknown ceph change %q", c.Kind)
}

// ReadBackCeph says whether c is in effect in the cluster's state, after a
// lost reply, waiting up to within (default 10s) for the mon to publish it.
func ReadBackCeph(ctx context.Context, r CephReader, c CephChange, poll, within time.Duration) (done bool, evidence string, err error) {
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(within, 10*time.Second))
	defer cancel()
	var last string
	for read := false; ; read = true {
		cl, err := r.Snapshot(ctx)
		if err != nil {
			if read && ctx.Err() != nil {
				break
			}
			return false, "", err
		}
		ok, state, err := cephState(cl, c)
		if err != nil {
			return false, "", err
		}
		last = state
		if ok {
			return true, state, nil
		}
		if ctrSleep(ctx, ctrDuration(poll, time.Second)) != nil {
			break
		}
	}
	return false, last, nil
}

// cephState says whether cl shows c in effect, and what it shows.
func cephState(cl *ceph.Cluster, c CephChange) (bool, string, error) {
	if cl == nil {
		return false, "", fmt.Errorf("no cluster state read")
	}
	if c.Kind == CephNoout {
		has := cl.HasFlag("noout")
		return has == c.On, "cluster flag noout " + setUnset(has), nil
	}
	for _, o := range cl.OSDs {
		if o.ID != c.OSD {
			continue
		}
		switch c.Kind {
		case CephOSDNoout:
			return o.Noout == c.On, c.OSDName() + " noout " + setUnset(o.Noout), nil
		case CephMark:
			st := "out"
			if o.In {
				st = "in"
			}
			return o.In == c.On, c.OSDName() + " is " + st, nil
		}
		return false, "", fmt.Errorf("unknown ceph change %q", c.Kind)
	}
	return false, "", fmt.Errorf("%s is not in the cluster's OSD map", c.OSDName())
}

func setUnset(b bool) string {
	if b {
		return "set"
	}
	return "unset"
}
