package openstack

// A lean reader for /volumes/detail pages (issue 15, key p99 at 1,000
// hosts): encoding/json's reflective decode of the volumes pane's first
// load (62,500 volumes) was 28% of the cockpit's CPU beside the first key
// presses, 100-160 ms a 10,000 volumes. Like scanServerPage (and with its
// pageScan), this reader walks the page once, keeps only what cinderVolume
// holds, reuses one cinderVolume for every volume and hands toVolume views
// of the page (toVolume copies or interns every string it keeps). Anything
// it does not expect makes it give up and the page goes to encoding/json,
// whose answer (or error) it must otherwise equal: a strange document
// costs time, never correctness.

import (
	"strings"
	"unsafe"
)

// The keys encoding/json decodes into volumePage, cinderVolume, an
// attachment and a link (TestVolumeScanKeysAreTheWireStructs).
var (
	volumePageKeys   = []string{"volumes", "volumes_links"}
	volumeKeys       = []string{"id", "name", "status", "size", "volume_type", "os-vol-host-attr:host", "os-vol-tenant-attr:tenant_id", "migration_status", "os-vol-mig-status-attr:migstat", "updated_at", "attachments"}
	volumeAttachKeys = []string{"attachment_id", "server_id", "host_name", "device"}
	linkKeys         = []string{"rel", "href"}
)

// scanVolumePage reads a volumes page into volumes (toVolume applied) and
// links (copies). ok is false when the page must be decoded by
// encoding/json. limit is the page's limit (0: unknown), the volumes'
// first room.
func scanVolumePage(body []byte, limit int) (volumes []Volume, links []serverLink, ok bool) {
	s := &pageScan{b: body}
	var v cinderVolume
	seenVolumes, seenLinks := false, false
	if !s.object(func(key []byte) bool {
		switch string(key) {
		case "volumes":
			// A second list: encoding/json decodes it over the first
			// one's elements (fields the second lacks stay).
			if seenVolumes {
				return false
			}
			seenVolumes = true
			if s.null() {
				return true
			}
			// The limit, or what the body can hold (a volume is well over
			// 512 bytes in Cinder's answers): a delta's short page made
			// room for 1,000 volumes at every refresh (review of
			// volscan). Trimmed after; a page of tiny volumes grows.
			n := len(body)/512 + 1
			if limit > 0 {
				n = min(n, limit)
			}
			volumes = make([]Volume, 0, n)
			return s.array(func() bool {
				if !s.volume(&v) {
					return false
				}
				volumes = append(volumes, v.toVolume())
				return true
			})
		case "volumes_links":
			return s.links(&links, &seenLinks)
		}
		return !foldsToOneOf(key, volumePageKeys) && s.skip()
	}) {
		return nil, nil, false
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, nil, false
	}
	if volumes == nil {
		volumes = []Volume{} // as volumeDecoder.add makes it
	}
	return trimRoom(volumes), links, true
}

// volume reads one volume object into v (reset first; its attachments'
// array is reused: toVolume copies what it keeps). Strings are views of
// the page.
func (s *pageScan) volume(v *cinderVolume) bool {
	*v = cinderVolume{Attachments: v.Attachments[:0]}
	seenAttachments := false
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return s.str(&v.ID, false)
		case "name":
			return s.str(&v.Name, false)
		case "status":
			return s.str(&v.Status, false)
		case "size":
			return s.int(&v.Size)
		case "volume_type":
			return s.str(&v.VolumeType, false)
		case "os-vol-host-attr:host":
			return s.str(&v.Host, false)
		case "os-vol-tenant-attr:tenant_id":
			return s.str(&v.TenantID, false)
		case "migration_status":
			return s.str(&v.MigStatus, false)
		case "os-vol-mig-status-attr:migstat":
			return s.str(&v.MigStatus2, false)
		case "updated_at":
			return s.str(&v.UpdatedAt, false)
		case "attachments":
			// A second list: see scanVolumePage's.
			if seenAttachments {
				return false
			}
			seenAttachments = true
			if s.null() {
				return true // empty, as nil is to toVolume
			}
			return s.array(func() bool {
				v.Attachments = append(v.Attachments, cinderAttachment{})
				a := &v.Attachments[len(v.Attachments)-1]
				return s.object(func(k []byte) bool {
					switch string(k) {
					case "attachment_id":
						return s.str(&a.AttachmentID, false)
					case "server_id":
						return s.str(&a.ServerID, false)
					case "host_name":
						return s.str(&a.HostName, false)
					case "device":
						return s.str(&a.Device, false)
					}
					return !foldsToOneOf(k, volumeAttachKeys) && s.skip()
				})
			})
		}
		return !foldsToOneOf(key, volumeKeys) && s.skip()
	})
}

// foldsToOneOf says whether encoding/json would decode key, which is
// none of names, into one of them anyway: it matches a key to a field
// case-insensitively, with Unicode's folding ("ID" is "id", "\u017ftatus"
// is "status"), when no field has the key exactly. The scanner gives such
// a page up.
func foldsToOneOf(key []byte, names []string) bool {
	k := unsafe.String(unsafe.SliceData(key), len(key))
	ascii := true
	for _, c := range key {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	for _, n := range names {
		// ASCII folds only to ASCII of the same length.
		if (!ascii || len(n) == len(k)) && strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}
