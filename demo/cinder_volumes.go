package demo

// Simulated Cinder volumes: every instance's volumes as Nova reports them
// (root volume when booted from volume, a data volume on every fourth),
// attached and in-use, plus unattached ones (one per three instances), all
// on the three controllers' rbd-1 backend. Two are stuck for the volumes
// pane: a data volume of compute04's first instance `detaching` for two
// hours, and an unattached one in `error_deleting`. Admin actions change
// the state the way Cinder does: reset status at once, force delete through
// `deleting`, retype and migrate a few seconds later.

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

type demoAttach struct {
	ID, ServerID, Device string
	At                   time.Time
}

type demoVolume struct {
	ID, Name, Status, Type, Host, ProjectID, UserID, MigStatus string
	Size                                                       int
	Bootable                                                   bool
	Created, Updated                                           time.Time
	Attach                                                     []demoAttach
}

// volumeTypes are the demo's volume types (GET /types is not served).
var volumeTypes = []string{"rbd", "rbd-ssd"}

// volumes materialises the volume list on first use (under Story.Lock).
func (cs *cinderState) volumes(s *Story) []*demoVolume {
	if cs.vols != nil {
		return cs.vols
	}
	ns := novaFor(s)
	ns.reindex()
	backends := []string{}
	for _, h := range s.Hosts {
		if !h.IsCompute() {
			backends = append(backends, h.Name+"@rbd-1#rbd")
		}
	}
	if len(backends) == 0 {
		backends = []string{"control01@rbd-1#rbd"}
	}
	stuckDone := false
	// Volumes and attachments come from slabs and their strings are
	// packed (packStrings): tens of thousands of volumes, a few objects
	// for the collector of the cockpit the demo may share a heap with.
	var volSlab slab[demoVolume]
	var attSlab slab[[1]demoAttach]
	for i, in := range s.Instances {
		if in.Deleted {
			continue
		}
		vs := ns.instanceVolumes(in)
		for _, iv := range vs {
			a := attSlab.next()
			a[0] = demoAttach{ID: stableUUID("attachment", iv.ID), ServerID: in.ID, Device: iv.Device, At: in.Created.Add(time.Minute)}
			v := volSlab.next()
			*v = demoVolume{ID: iv.ID, Name: in.Name + "-data", Status: "in-use", Type: volumeTypes[i%7/6],
				Host: backends[i%len(backends)], ProjectID: in.ProjectID, UserID: in.UserID, Size: 100,
				Created: in.Created, Updated: in.Created.Add(time.Minute), Attach: a[:]}
			if iv.Root {
				v.Name, v.Size, v.Bootable = "", 20+20*(i%3), true
			}
			// The story's stuck detach: compute04's first data volume.
			if !stuckDone && !iv.Root && in.Host == s.FailHost {
				stuckDone = true
				v.Status, v.Updated = "detaching", s.Start.Add(-2*time.Hour)
			}
			cs.vols = append(cs.vols, v)
		}
		if i%3 == 0 {
			p := s.Projects[i%len(s.Projects)]
			v := volSlab.next()
			*v = demoVolume{ID: stableUUID("volume", in.ID, "spare"), Name: fmt.Sprintf("%s-scratch-%03d", p.Name, i/3),
				Status: "available", Type: volumeTypes[i%5/4], Host: backends[(i+1)%len(backends)], ProjectID: p.ID,
				Size: 10 * (1 + i%10), Created: in.Created.Add(-time.Hour), Updated: in.Created.Add(-time.Hour)}
			if i == 3 {
				v.Name, v.Status, v.Updated = "ci-artifacts-old", "error_deleting", s.Start.Add(-3*time.Hour)
			}
			cs.vols = append(cs.vols, v)
		}
	}
	strs := make([]*string, 0, 4*len(cs.vols))
	for _, v := range cs.vols {
		strs = append(strs, &v.ID, &v.Name)
		for i := range v.Attach {
			strs = append(strs, &v.Attach[i].ID, &v.Attach[i].Device)
		}
	}
	packStrings(strs)
	sort.Slice(cs.vols, func(i, j int) bool { return cs.vols[i].ID < cs.vols[j].ID })
	cs.byID = make(map[string]*demoVolume, len(cs.vols))
	for _, v := range cs.vols {
		cs.byID[v.ID] = v
	}
	return cs.vols
}

func (cs *cinderState) forget(id string) {
	delete(cs.byID, id)
	for i, v := range cs.vols {
		if v.ID == id {
			cs.vols = append(cs.vols[:i:i], cs.vols[i+1:]...)
			return
		}
	}
}

func (c *cinder) renderVolume(s *Story, v *demoVolume, mv microversion) map[string]any {
	ns := novaFor(s)
	atts := []any{}
	for _, a := range v.Attach {
		host := ""
		if in := ns.instance(a.ServerID); in != nil {
			host = in.Host
		}
		atts = append(atts, map[string]any{"id": v.ID, "attachment_id": a.ID, "volume_id": v.ID, "server_id": a.ServerID,
			"host_name": nullable(host), "device": a.Device, "attached_at": tmicro(a.At)})
	}
	m := map[string]any{
		"id": v.ID, "name": nullable(v.Name), "status": v.Status, "size": v.Size, "volume_type": v.Type,
		"availability_zone": "nova", "bootable": strconv.FormatBool(v.Bootable), "encrypted": false,
		"multiattach": false, "description": nil, "metadata": map[string]any{}, "snapshot_id": nil,
		"source_volid": nil, "consistencygroup_id": nil, "replication_status": nil, "user_id": v.UserID,
		"created_at": tmicro(v.Created), "updated_at": tmicro(v.Updated), "attachments": atts,
		"os-vol-host-attr:host": nullable(v.Host), "os-vol-tenant-attr:tenant_id": v.ProjectID,
		"os-vol-mig-status-attr:migstat": nullable(v.MigStatus), "os-vol-mig-status-attr:name_id": nil,
		"migration_status": nullable(v.MigStatus),
		"links":            []map[string]string{link("self", c.c.URLs["cinder"]+"/v3/"+v.ProjectID+"/volumes/"+v.ID)},
	}
	if mv.atLeast(48) {
		m["shared_targets"] = false
		m["service_uuid"] = stableUUID("cinder-volume", v.Host)
	}
	if mv.atLeast(63) {
		m["volume_type_id"] = stableUUID("volume-type", v.Type)
	}
	if mv.atLeast(64) {
		m["encryption_key_id"] = nil
	}
	if mv.atLeast(69) {
		m["cluster_name"] = nil
	}
	return m
}

// listVolumes serves GET /volumes/detail (and /volumes): the caller's
// project, or every project with all_tenants; limit/marker paging in ID
// order with volumes_links.
func (c *cinder) listVolumes(w http.ResponseWriter, r *http.Request, project string, detail bool, mv microversion) {
	qs := r.URL.Query()
	limit := 1000
	if v := qs.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			cinderError(w, 400, "Invalid input received: limit must be a non-negative integer")
			return
		}
		limit = min(n, 1000)
	}
	all, _ := boolParam(qs.Get("all_tenants"))
	marker := qs.Get("marker")
	// Time comparison filters (3.60+): updated_at=gte:2026-12-06T10:00:00.
	var upOp string
	var upAt time.Time
	if f := qs.Get("updated_at"); f != "" && mv.atLeast(60) {
		op, ts, ok := strings.Cut(f, ":")
		t, err := time.Parse("2006-01-02T15:04:05", ts)
		if !ok || err != nil || (op != "gt" && op != "gte" && op != "lt" && op != "lte" && op != "eq" && op != "neq") {
			cinderError(w, 400, "Invalid input received: Invalid filter: updated_at="+f)
			return
		}
		upOp, upAt = op, t
	}
	// About 1.5 KB per detailed volume: size the buffer for the page
	// (recycled with Nova's pages).
	buf := getPage(limit*1600 + 256)
	defer func() { putPage(buf) }()
	buf = append(buf, `{"volumes":[`...)
	count := 0
	last, next := "", ""
	badMarker := false
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		vols := cs.volumes(s)
		vw := c.volumeWriter(s, mv)
		start := 0
		if marker != "" {
			i := sort.Search(len(vols), func(i int) bool { return vols[i].ID > marker })
			if _, ok := cs.byID[marker]; !ok {
				badMarker = true
				return
			}
			start = i
		}
		st := qs.Get("status")
		for _, v := range vols[start:] {
			if !all && v.ProjectID != project {
				continue
			}
			if st != "" && st != v.Status {
				continue
			}
			if upOp != "" && !timeCompare(v.Updated.UTC().Truncate(time.Second), upOp, upAt) {
				continue
			}
			if count == limit {
				next = last
				break
			}
			if count > 0 {
				buf = append(buf, ',')
			}
			count++
			last = v.ID
			if detail {
				buf = vw.appendDetail(buf, v)
			} else {
				buf = appendVolumeSummary(buf, v)
			}
		}
	})
	if badMarker {
		cinderError(w, 400, "Invalid input received: marker ["+marker+"] not found")
		return
	}
	buf = append(buf, ']')
	if next != "" {
		q := r.URL.Query()
		q.Set("marker", next)
		buf = append(buf, `,"volumes_links":[{"href":`...)
		buf = appendJSONString(buf, c.c.URLs["cinder"]+r.URL.Path+"?"+q.Encode())
		buf = append(buf, `,"rel":"next"}]`...)
	}
	buf = append(buf, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(200)
	_, _ = w.Write(buf)
}

func (c *cinder) showVolume(w http.ResponseWriter, id string, mv microversion) {
	var out map[string]any
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		cs.volumes(s)
		if v := cs.byID[id]; v != nil {
			out = c.renderVolume(s, v, mv)
		}
	})
	if out == nil {
		cinderError(w, 404, "Volume "+id+" could not be found.")
		return
	}
	WriteJSON(w, 200, map[string]any{"volume": out})
}

var resetStatuses = map[string]bool{"available": true, "error": true, "creating": true, "deleting": true, "in-use": true,
	"attaching": true, "detaching": true, "error_deleting": true, "maintenance": true, "reserved": true, "error_extending": true}

// volumeAction serves POST /volumes/{id}/action.
func (c *cinder) volumeAction(w http.ResponseWriter, r *http.Request, id string) {
	var body map[string]map[string]any
	if err := decodeBody(r, &body); err != nil || len(body) != 1 {
		cinderError(w, 400, "Malformed request body")
		return
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	code, msg := 202, ""
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		cs.volumes(s)
		v := cs.byID[id]
		if v == nil {
			code, msg = 404, "Volume "+id+" could not be found."
			return
		}
		now := s.now()
		for name, args := range body {
			switch name {
			case "os-reset_status":
				st, att, mig := str(args, "status"), str(args, "attach_status"), str(args, "migration_status")
				if st != "" && !resetStatuses[st] {
					code, msg = 400, "Invalid input received: Invalid status: "+st
					return
				}
				if att != "" && att != "attached" && att != "detached" {
					code, msg = 400, "Invalid input received: Invalid attach_status: "+att
					return
				}
				if st != "" {
					v.Status = st
				}
				if att == "detached" {
					v.Attach = nil
				}
				if mig != "" {
					v.MigStatus = mig
					if mig == "none" {
						v.MigStatus = ""
					}
				}
				v.Updated = now
			case "os-force_delete":
				if len(v.Attach) > 0 || v.MigStatus == "migrating" {
					code, msg = 400, "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer."
					return
				}
				v.Status, v.Updated = "deleting", now
				vid := v.ID
				s.Schedule(2*time.Second, func() { cinderFor(s).forget(vid) })
			case "os-force_detach":
				if !cs.detach(v, str(args, "attachment_id"), now) {
					code, msg = 404, "Attachment "+str(args, "attachment_id")+" could not be found."
				}
			case "os-retype":
				nt := str(args, "new_type")
				known := false
				for _, t := range volumeTypes {
					known = known || t == nt
				}
				if !known {
					code, msg = 404, "Volume type with name "+nt+" could not be found."
					return
				}
				if nt == v.Type {
					code, msg = 400, "Invalid input received: New volume type must be different from the original."
					return
				}
				prev := v.Status
				v.Status, v.Updated = "retyping", now
				s.Schedule(3*time.Second, func() { v.Type, v.Status, v.Updated = nt, prev, s.now() })
			case "os-migrate_volume":
				h := str(args, "host")
				known := false
				for _, x := range s.Hosts {
					known = known || (!x.IsCompute() && h == x.Name+"@rbd-1#rbd")
				}
				if !known || h == v.Host {
					code, msg = 400, "Invalid input received: Destination host "+h+" is not valid or is the volume's own host."
					return
				}
				if v.MigStatus == "migrating" {
					code, msg = 400, "Invalid volume: Volume "+v.ID+" is already part of an active migration."
					return
				}
				v.MigStatus, v.Updated = "migrating", now
				s.Schedule(5*time.Second, func() { v.Host, v.MigStatus, v.Updated = h, "success", s.now() })
			default:
				code, msg = 400, "There is no such action: "+name
			}
		}
	})
	if code != 202 {
		cinderError(w, code, msg)
		return
	}
	w.WriteHeader(202)
}

// detach removes one attachment; the volume becomes available without any.
func (cs *cinderState) detach(v *demoVolume, attID string, now time.Time) bool {
	for i, a := range v.Attach {
		if a.ID == attID {
			v.Attach = append(v.Attach[:i:i], v.Attach[i+1:]...)
			if len(v.Attach) == 0 {
				v.Status = "available"
			}
			v.Updated = now
			return true
		}
	}
	return false
}

// deleteAttachment serves DELETE /attachments/{id} (3.27+).
func (c *cinder) deleteAttachment(w http.ResponseWriter, attID string) {
	found := false
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		for _, v := range cs.volumes(s) {
			if cs.detach(v, attID, s.now()) {
				found = true
				return
			}
		}
	})
	if !found {
		cinderError(w, 404, "Attachment "+attID+" could not be found.")
		return
	}
	WriteJSON(w, 200, map[string]any{"attachments": []any{}})
}

func timeCompare(t time.Time, op string, at time.Time) bool {
	switch op {
	case "gt":
		return t.After(at)
	case "gte":
		return !t.Before(at)
	case "lt":
		return t.Before(at)
	case "lte":
		return !t.After(at)
	case "eq":
		return t.Equal(at)
	}
	return !t.Equal(at)
}
