package ops

// Cinder volume admin actions on stuck volumes: reset status, force
// delete, detach a stale attachment, retype and migrate. Each re-reads the
// volume first (the pane's row may be a refresh old), checks it against
// the action's rules, sends the request and reads the volume back: reset
// status and detach show at once, force delete, retype and migrate show
// as the volume going (deleting / 404, migration_status set, new type).
// After a lost reply ReadBackVolume says whether it happened.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// VolumeActor reads a volume and runs Cinder's admin actions on it
// (*openstack.Client).
type VolumeActor interface {
	Volume(ctx context.Context, id string) (openstack.Volume, error)
	ResetVolumeStatus(ctx context.Context, id, status, attach, migration string) error
	ForceDeleteVolume(ctx context.Context, id string) error
	DeleteVolumeAttachment(ctx context.Context, volumeID, attachmentID string) error
	RetypeVolume(ctx context.Context, id, newType string) error
	MigrateVolume(ctx context.Context, id, host string) error
}

// Volume verbs.
const (
	VolumeResetStatus = "reset-status"
	VolumeForceDelete = "force-delete"
	VolumeDetach      = "detach"
	VolumeRetype      = "retype"
	VolumeMigrate     = "migrate"
)

// ResetTargets are the statuses reset status may set: the ones that end
// a stuck transition (Cinder accepts more; these are the safe landings).
var ResetTargets = []string{"available", "in-use", "error", "error_deleting", "maintenance"}

// ForceDeleteStatuses are the statuses a force delete is allowed from
// without a typed override: nothing is attached or being written.
var ForceDeleteStatuses = []string{"available", "error", "error_deleting", "deleting"}

// VolumeChange is one action on one volume.
type VolumeChange struct {
	Verb   string
	Volume openstack.Volume // as the pane showed it
	// Status is reset status' target; the attach status follows from it
	// (available: detached, in-use: attached).
	Status string
	// Attachment is the attachment detach removes; ServerName names its
	// server for the operator.
	Attachment, ServerName string
	NewType                string // retype
	Host                   string // migrate: destination host@backend#pool
	// Override lets a force delete go ahead from another status (the
	// operator typed the override).
	Override bool
	// Poll and Within: how often and how long the read-back waits for an
	// asynchronous action to show (defaults 1s, 10s).
	Poll, Within time.Duration
}

// Name is the audit name: volume-reset-status, volume-force-delete, ...
func (c VolumeChange) Name() string { return "volume-" + c.Verb }

// Target is the volume's ID, with its name when it has one.
func (c VolumeChange) Target() string {
	if c.Volume.Name != "" {
		return c.Volume.ID + " (" + c.Volume.Name + ")"
	}
	return c.Volume.ID
}

// attachStatus is what reset status sends with Status.
func (c VolumeChange) attachStatus() string {
	switch c.Status {
	case "available":
		return "detached"
	case "in-use":
		return "attached"
	}
	return ""
}

// ForceDeleteNeedsOverride reports whether a force delete from the
// volume's status needs the typed override.
func ForceDeleteNeedsOverride(v openstack.Volume) bool {
	return !slices.Contains(ForceDeleteStatuses, v.Status) || len(v.Attachments) > 0
}

// Checks are the lines the confirmation dialog shows: what changes, from
// what to what, and what it does not do.
func (c VolumeChange) Checks() []string {
	v := c.Volume
	switch c.Verb {
	case VolumeResetStatus:
		out := []string{fmt.Sprintf("status %s → %s", v.Status, c.Status)}
		if a := c.attachStatus(); a != "" {
			out = append(out, "attach status → "+a)
		}
		if c.Status == "available" && len(v.Attachments) > 0 {
			out = append(out, fmt.Sprintf("%d attachment(s) leave Cinder's records; the hypervisor may still have the disk", len(v.Attachments)))
		}
		return append(out, "only Cinder's database changes: nothing is done on the backend")
	case VolumeForceDelete:
		out := []string{fmt.Sprintf("status %s, %d GiB on %s", v.Status, v.Size, orDash(v.Host))}
		if ForceDeleteNeedsOverride(v) {
			out = append(out, fmt.Sprintf("⚠ %s%s: force delete is meant for %s", v.Status, attachedNote(v),
				strings.Join(ForceDeleteStatuses, "/")))
		}
		return append(out, "the data is gone for good")
	case VolumeDetach:
		return []string{fmt.Sprintf("remove attachment %s (server %s) from Cinder", c.Attachment, orDash(c.ServerName)),
			"the volume's status: " + v.Status + "; the hypervisor is not asked",
			"Cinder refuses while Nova still uses it (then detach through Nova)"}
	case VolumeRetype:
		return []string{fmt.Sprintf("type %s → %s (migrates on demand)", orDash(v.Type), c.NewType)}
	case VolumeMigrate:
		return []string{fmt.Sprintf("backend %s → %s", orDash(v.Host), c.Host)}
	}
	return nil
}

func attachedNote(v openstack.Volume) string {
	if len(v.Attachments) > 0 {
		return fmt.Sprintf(", attached %d time(s)", len(v.Attachments))
	}
	return ""
}

// NovaUsesAttachment reports Cinder's 409 to an attachment delete while
// the instance still has the volume (Cinder 3.x refuses: the attachment is
// Nova's, not stale).
func NovaUsesAttachment(err error) bool {
	return err != nil && errors.Is(err, openstack.ErrConflict) && strings.Contains(err.Error(), "ConflictNovaUsingAttachment")
}

// ErrVolumePrecheck wraps every refusal of the pre-checks.
var ErrVolumePrecheck = errors.New("volume pre-check")

// Precheck checks the change against the volume as it is now.
func (c VolumeChange) Precheck(v openstack.Volume) error {
	refuse := func(f string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrVolumePrecheck, fmt.Sprintf(f, a...))
	}
	switch c.Verb {
	case VolumeResetStatus:
		if !slices.Contains(ResetTargets, c.Status) {
			return refuse("reset status to %q: choose one of %s", c.Status, strings.Join(ResetTargets, ", "))
		}
		if c.Status == "in-use" && len(v.Attachments) == 0 {
			return refuse("in-use without any attachment: reset to available instead")
		}
	case VolumeForceDelete:
		if ForceDeleteNeedsOverride(v) && !c.Override {
			return refuse("force delete of a volume in status %s%s needs the typed override", v.Status, attachedNote(v))
		}
	case VolumeDetach:
		if !slices.ContainsFunc(v.Attachments, func(a openstack.VolumeAttach) bool { return a.ID == c.Attachment }) {
			return refuse("attachment %s is no longer on the volume", c.Attachment)
		}
	case VolumeRetype:
		if c.NewType == "" || c.NewType == v.Type {
			return refuse("retype to %q: name a type other than the current one (%s)", c.NewType, orDash(v.Type))
		}
	case VolumeMigrate:
		if c.Host == "" || c.Host == v.Host {
			return refuse("migrate to %q: name a backend other than the current one (%s)", c.Host, orDash(v.Host))
		}
		if v.MigrationStatus == "migrating" || v.MigrationStatus == "starting" {
			return refuse("a migration is already %s", v.MigrationStatus)
		}
	default:
		return refuse("unknown volume action %q", c.Verb)
	}
	return nil
}

// ChangeVolume re-reads the volume, pre-checks, sends the action and reads
// it back. It returns the result line for the operator and the audit.
func ChangeVolume(ctx context.Context, a VolumeActor, c VolumeChange, step func(Step)) (string, error) {
	step = stepTo(step)
	const total = 3
	step(Step{Done: 0, Total: total, Line: "reading volume " + c.Target()})
	v, err := a.Volume(ctx, c.Volume.ID)
	if err != nil {
		return "", fmt.Errorf("reading the volume before %s: %w", c.Verb, err)
	}
	if err := c.Precheck(v); err != nil {
		return "", err
	}
	step(Step{Done: 1, Total: total, Line: c.Verb + " " + c.Target()})
	switch c.Verb {
	case VolumeResetStatus:
		err = a.ResetVolumeStatus(ctx, v.ID, c.Status, c.attachStatus(), "")
	case VolumeForceDelete:
		err = a.ForceDeleteVolume(ctx, v.ID)
	case VolumeDetach:
		err = a.DeleteVolumeAttachment(ctx, v.ID, c.Attachment)
		if NovaUsesAttachment(err) {
			err = fmt.Errorf("%w; the attachment is not stale: Nova still has it, detach through Nova (server remove volume)", err)
		}
	case VolumeRetype:
		err = a.RetypeVolume(ctx, v.ID, c.NewType)
	case VolumeMigrate:
		err = a.MigrateVolume(ctx, v.ID, c.Host)
	}
	if err != nil {
		return "", err
	}
	step(Step{Done: 2, Total: total, Line: "reading the volume back"})
	poll, within := c.Poll, c.Within
	if poll <= 0 {
		poll = time.Second
	}
	if within <= 0 {
		within = 10 * time.Second
	}
	deadline := time.Now().Add(within)
	for {
		done, evidence, err := ReadBackVolume(ctx, a, c)
		if err == nil && done {
			step(Step{Done: total, Total: total, Line: evidence})
			return evidence, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return "", fmt.Errorf("%s sent, but the read-back failed: %w", c.Verb, err)
			}
			return "", fmt.Errorf("Cinder accepted %s but %s", c.Verb, evidence)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(poll):
		}
	}
}

// ReadBackVolume reads the volume and says whether the change shows, with
// what was read as evidence.
func ReadBackVolume(ctx context.Context, a VolumeActor, c VolumeChange) (bool, string, error) {
	v, err := a.Volume(ctx, c.Volume.ID)
	if errors.Is(err, openstack.ErrNotFound) {
		if c.Verb == VolumeForceDelete {
			return true, "volume " + c.Volume.ID + " is gone", nil
		}
		return false, "volume " + c.Volume.ID + " no longer exists", nil
	}
	if err != nil {
		return false, "", err
	}
	switch c.Verb {
	case VolumeResetStatus:
		if v.Status == c.Status {
			return true, fmt.Sprintf("%s is %s", c.Target(), v.Status), nil
		}
		return false, fmt.Sprintf("%s still reads %s", c.Target(), v.Status), nil
	case VolumeForceDelete:
		if v.Status == "deleting" {
			return true, fmt.Sprintf("%s is deleting", c.Target()), nil
		}
		return false, fmt.Sprintf("%s still reads %s", c.Target(), v.Status), nil
	case VolumeDetach:
		for _, at := range v.Attachments {
			if at.ID == c.Attachment {
				return false, fmt.Sprintf("attachment %s is still on %s (%s)", c.Attachment, c.Target(), v.Status), nil
			}
		}
		return true, fmt.Sprintf("attachment %s removed; %s is %s", c.Attachment, c.Target(), v.Status), nil
	case VolumeRetype:
		if v.Type == c.NewType {
			return true, fmt.Sprintf("%s is of type %s", c.Target(), v.Type), nil
		}
		if v.Status == "retyping" || v.MigrationStatus != "" && v.MigrationStatus != c.Volume.MigrationStatus {
			return true, fmt.Sprintf("%s is retyping (status %s, migration %s)", c.Target(), v.Status, orDash(v.MigrationStatus)), nil
		}
		return false, fmt.Sprintf("%s still of type %s (%s)", c.Target(), orDash(v.Type), v.Status), nil
	case VolumeMigrate:
		if v.Host == c.Host {
			return true, fmt.Sprintf("%s is on %s", c.Target(), v.Host), nil
		}
		if v.MigrationStatus == "migrating" || v.MigrationStatus == "starting" || v.MigrationStatus == "success" {
			return true, fmt.Sprintf("%s migration %s", c.Target(), v.MigrationStatus), nil
		}
		return false, fmt.Sprintf("%s still on %s (migration %s)", c.Target(), orDash(v.Host), orDash(v.MigrationStatus)), nil
	}
	return false, "", fmt.Errorf("unknown volume action %q", c.Verb)
}
