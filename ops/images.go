package ops

// Glance image changes: deactivate, reactivate, delete. Each re-reads the
// image first (the pane's row may be a refresh old), refuses what Glance
// would refuse or what would surprise (a protected delete, deactivating
// what is not active) before any change is sent, and after a lost reply
// ReadBackImage says from the image's status whether it happened.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// Image change verbs, as the images pane names its actions.
const (
	ImageDeactivate = "image-deactivate"
	ImageReactivate = "image-reactivate"
	ImageDelete     = "image-delete"
)

// ImageReader reads one image. *openstack.Client implements it.
type ImageReader interface {
	Image(ctx context.Context, id string) (openstack.Image, error)
}

// ImageChanger reads and changes images. *openstack.Client implements it.
type ImageChanger interface {
	ImageReader
	DeactivateImage(ctx context.Context, id string) error
	ReactivateImage(ctx context.Context, id string) error
	DeleteImage(ctx context.Context, im openstack.Image) error
}

// ImageChecks are the confirmation dialog's lines for verb on im, used by
// servers (from the instances pane's list; -1 unknown).
func ImageChecks(verb string, im openstack.Image, servers int) []string {
	var out []string
	use := "servers using it: unknown (the instances list has not loaded)"
	if servers >= 0 {
		use = fmt.Sprintf("%d servers were booted from it", servers)
	}
	switch verb {
	case ImageDeactivate:
		out = append(out, "new boots, rebuilds and downloads of "+im.Name+" fail until it is reactivated", use)
	case ImageReactivate:
		out = append(out, im.Name+" becomes bootable and downloadable again")
	case ImageDelete:
		out = append(out, "the image data is removed from its store ("+storesText(im)+"): this cannot be undone", use)
		if servers > 0 {
			out = append(out, "their rebuilds and evacuations to a host without a cached copy need the image: they will fail")
		}
	}
	return out
}

func storesText(im openstack.Image) string {
	if len(im.Stores) == 0 {
		return "store not shown by Glance"
	}
	return strings.Join(im.Stores, ",")
}

// imageRefusal says why verb must not be sent for im as it is now ("" to go).
func imageRefusal(verb string, im openstack.Image) string {
	switch verb {
	case ImageDeactivate:
		if im.Status != "active" {
			return fmt.Sprintf("%s is %s: only an active image can be deactivated", im.Name, im.Status)
		}
	case ImageReactivate:
		if im.Status != "deactivated" {
			return fmt.Sprintf("%s is %s: only a deactivated image can be reactivated", im.Name, im.Status)
		}
	case ImageDelete:
		if im.Protected {
			return fmt.Sprintf("%s is protected: Glance refuses to delete it; unset it first (openstack image set --unprotected %s)", im.Name, im.ID)
		}
	}
	return ""
}

// ErrImageRefused wraps a change refused before any request was sent.
var ErrImageRefused = errors.New("refused before sending")

// ChangeImage re-reads the image, refuses a change its current state does
// not allow, sends it and returns the result line.
func ChangeImage(ctx context.Context, c ImageChanger, verb, id string, step func(Step)) (string, error) {
	step = stepTo(step)
	step(Step{Done: 0, Total: 2, Line: "reading image " + id})
	im, err := c.Image(ctx, id)
	if err != nil {
		return "", fmt.Errorf("reading the image before %s: %w", verb, err)
	}
	if why := imageRefusal(verb, im); why != "" {
		return "", fmt.Errorf("%w: %s", ErrImageRefused, why)
	}
	step(Step{Done: 1, Total: 2, Line: verb + " " + im.Name})
	var done string
	switch verb {
	case ImageDeactivate:
		err, done = c.DeactivateImage(ctx, im.ID), im.Name+" deactivated"
	case ImageReactivate:
		err, done = c.ReactivateImage(ctx, im.ID), im.Name+" reactivated"
	case ImageDelete:
		err, done = c.DeleteImage(ctx, im), "delete of "+im.Name+" accepted"
	default:
		return "", fmt.Errorf("unknown image change %q", verb)
	}
	if err != nil {
		return "", err
	}
	step(Step{Done: 2, Total: 2, Line: done})
	return done, nil
}

// ReadBackImage says whether verb took effect on image id, after a lost
// reply, waiting up to within (default 10s): deactivated, active again, or
// gone (404, deleted, pending_delete) for a delete.
func ReadBackImage(ctx context.Context, r ImageReader, verb, id string, poll, within time.Duration) (done bool, evidence string, err error) {
	ctx, cancel := context.WithTimeout(ctx, ctrDuration(within, 10*time.Second))
	defer cancel()
	last := ""
	for read := false; ; read = true {
		im, err := r.Image(ctx, id)
		switch {
		case errors.Is(err, openstack.ErrNotFound):
			if verb == ImageDelete {
				return true, "image " + id + " no longer exists (404)", nil
			}
			return false, "", fmt.Errorf("image %s no longer exists", id)
		case err != nil:
			if read && ctx.Err() != nil {
				return false, last, nil
			}
			return false, "", err
		}
		last = fmt.Sprintf("image %s is %s", im.Name, im.Status)
		ok := false
		switch verb {
		case ImageDeactivate:
			ok = im.Status == "deactivated"
		case ImageReactivate:
			ok = im.Status == "active"
		case ImageDelete:
			ok = im.Status == "deleted" || im.Status == "pending_delete"
		default:
			return false, "", fmt.Errorf("no read-back for %q", verb)
		}
		if ok {
			return true, last, nil
		}
		if ctrSleep(ctx, ctrDuration(poll, time.Second)) != nil {
			return false, last, nil
		}
	}
}
