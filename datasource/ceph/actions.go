package ceph

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// verifyPoll is how long a read-back waits for the mon to publish a change.
var (
	verifyTimeout  = 8 * time.Second
	verifyInterval = 250 * time.Millisecond
)

// waitFor polls check until it reports done, the context ends or the
// verification deadline passes.
func waitFor(ctx context.Context, check func(ctx context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	var last string
	for {
		done, state, err := check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		last = state
		select {
		case <-ctx.Done():
			return fmt.Errorf("read-back after %s still shows %s", verifyTimeout, last)
		case <-time.After(verifyInterval):
		}
	}
}

// SetNoout implements Actor: PUT /api/osd/flags with the full current flag
// list plus or minus noout, then read the flags back.
func (d *Dashboard) SetNoout(ctx context.Context, on bool) error {
	var flags []string
	if err := d.do(ctx, http.MethodGet, "/api/osd/flags", nil, &flags); err != nil {
		return err
	}
	next := make([]string, 0, len(flags)+1)
	for _, f := range flags {
		if f != "noout" {
			next = append(next, f)
		}
	}
	if on {
		next = append(next, "noout")
	}
	sortStrings(next)
	if err := d.do(ctx, http.MethodPut, "/api/osd/flags", map[string]any{"flags": next}, nil); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		var got []string
		if err := d.do(ctx, http.MethodGet, "/api/osd/flags", nil, &got); err != nil {
			return false, "", err
		}
		has := contains(got, "noout")
		return has == on, fmt.Sprintf("noout %s", onOff(has)), nil
	})
}

// SetOSDNoout implements Actor: PUT /api/osd/flags/individual, then read the
// per-OSD flags back.
func (d *Dashboard) SetOSDNoout(ctx context.Context, id int, on bool) error {
	body := map[string]any{"flags": map[string]bool{"noout": on}, "ids": []int{id}}
	if err := d.do(ctx, http.MethodPut, "/api/osd/flags/individual", body, nil); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		var got []individualFlags
		if err := d.do(ctx, http.MethodGet, "/api/osd/flags/individual", nil, &got); err != nil {
			return false, "", err
		}
		for _, f := range got {
			if f.OSD == id {
				has := contains(f.Flags, "noout")
				return has == on, fmt.Sprintf("%s noout %s", osdName(id), onOff(has)), nil
			}
		}
		return false, "", fmt.Errorf("%s does not exist", osdName(id))
	})
}

// MarkOSD implements Actor: PUT /api/osd/{id}/mark {"action":"out"|"in"},
// then GET /api/osd/{id} until the OSD map shows it (the dashboard answers
// 200 even for an unknown action, so the status code proves nothing).
func (d *Dashboard) MarkOSD(ctx context.Context, id int, in bool) error {
	action := "out"
	if in {
		action = "in"
	}
	path := "/api/osd/" + strconv.Itoa(id)
	// Make sure the OSD exists first: marking a missing OSD also "succeeds".
	if _, err := d.osdIn(ctx, path); err != nil {
		return err
	}
	if err := d.do(ctx, http.MethodPut, path+"/mark", map[string]string{"action": action}, nil); err != nil {
		return err
	}
	return waitFor(ctx, func(ctx context.Context) (bool, string, error) {
		isIn, err := d.osdIn(ctx, path)
		if err != nil {
			return false, "", err
		}
		return isIn == in, fmt.Sprintf("%s %s", osdName(id), inOut(isIn)), nil
	})
}

func (d *Dashboard) osdIn(ctx context.Context, path string) (bool, error) {
	var o struct {
		OSDMap *struct {
			In int `json:"in"`
		} `json:"osd_map"`
	}
	if err := d.do(ctx, http.MethodGet, path, nil, &o); err != nil {
		return false, err
	}
	if o.OSDMap == nil {
		return false, fmt.Errorf("ceph dashboard: GET %s: no osd_map in the answer", path)
	}
	return o.OSDMap.In == 1, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func onOff(b bool) string {
	if b {
		return "set"
	}
	return "unset"
}

func inOut(b bool) string {
	if b {
		return "in"
	}
	return "out"
}
